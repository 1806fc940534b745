package bonafide

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func validReferral() *Referral {
	return &Referral{
		ID:         "R-1",
		ReceivedAt: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		Channel:    ChannelPhone,
		Children:   []Person{{GivenName: "Ada", NHSNumber: "943 476 5919"}},
	}
}

func fieldErrors(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestReferralValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // two bytes a character
	tests := []struct {
		name   string
		change func(r *Referral)
		want   []string
	}{
		{name: "valid", change: func(r *Referral) {}},
		{name: "empty", change: func(r *Referral) { *r = Referral{} }, want: []string{
			"id: missing", "received_at: missing", "channel: missing", "children: at least one child is required"}},
		{name: "bad channel", change: func(r *Referral) { r.Channel = "fax" }, want: []string{
			`channel: "fax" is not one of phone, web_form, email, letter, in_person, relay`}},
		{name: "relay without relayed_from", change: func(r *Referral) { r.Channel = ChannelRelay }, want: []string{
			"relayed_from.agency: required when channel is relay"}},
		{name: "relay without agency", change: func(r *Referral) { r.Channel = ChannelRelay; r.RelayedFrom = &Relay{Ref: "x"} }, want: []string{
			"relayed_from.agency: required when channel is relay"}},
		{name: "relay", change: func(r *Referral) { r.Channel = ChannelRelay; r.RelayedFrom = &Relay{Agency: "Helpline"} }},
		{name: "bad knowledge basis", change: func(r *Referral) { r.KnowledgeBasis = "psychic" }, want: []string{
			`knowledge_basis: "psychic" is not one of first_hand, professional, second_hand, online_content, not_stated`}},
		{name: "bad concern", change: func(r *Referral) {
			r.Concerns = []Concern{{Category: ConcernNeglect}, {Category: "noise"}, {Detail: "x"}}
		}, want: []string{
			`concerns[1].category: "noise" is not one of neglect, physical_abuse, emotional_abuse, sexual_abuse, domestic_abuse, substance_misuse, online_safety, other`,
			"concerns[2].category: missing"}},
		{name: "bad role", change: func(r *Referral) { r.Adults = []Person{{Role: "mother"}, {Role: "aunt"}} }, want: []string{
			`adults[1].role: "aunt" is not one of child, mother, father, carer, partner, other`}},
		{name: "id at limit", change: func(r *Referral) { r.ID = strings.Repeat("x", MaxIDLen) }},
		{name: "id over limit", change: func(r *Referral) { r.ID = strings.Repeat("x", MaxIDLen+1) }, want: []string{
			"id: 129 characters, at most 128"}},
		{name: "name counts characters", change: func(r *Referral) { r.Children[0].GivenName = long(MaxNameLen) }},
		{name: "name over limit", change: func(r *Referral) { r.Children[0].FamilyName = long(MaxNameLen + 1) }, want: []string{
			"children[0].family_name: 201 characters, at most 200"}},
		{name: "narrative over limit", change: func(r *Referral) { r.Narrative = long(MaxNarrativeLen + 1) }, want: []string{
			"narrative: 20001 characters, at most 20000"}},
		{name: "detail over limit", change: func(r *Referral) { r.Concerns = []Concern{{Category: ConcernOther, Detail: long(MaxDetailLen + 1)}} }, want: []string{
			"concerns[0].detail: 5001 characters, at most 5000"}},
		{name: "too many children", change: func(r *Referral) { r.Children = make([]Person, MaxChildren+1) }, want: []string{
			"children: 21 children, at most 20"}},
		{name: "too many adults", change: func(r *Referral) { r.Adults = make([]Person, MaxAdults+1) }, want: []string{
			"adults: 21 adults, at most 20"}},
		{name: "too many concerns", change: func(r *Referral) {
			r.Concerns = make([]Concern, MaxConcerns+1)
			for i := range r.Concerns {
				r.Concerns[i].Category = ConcernOther
			}
		}, want: []string{"concerns: 21 concerns, at most 20"}},
		{name: "handles", change: func(r *Referral) {
			r.Children[0].SocialHandles = []SocialHandle{{Platform: "p"}, {Handle: long(MaxHandleLen + 1)}}
		}, want: []string{
			"children[0].social_handles[0].handle: missing",
			"children[0].social_handles[1].handle: 201 characters, at most 200"}},
		{name: "too many handles", change: func(r *Referral) {
			r.Children[0].SocialHandles = make([]SocialHandle, MaxSocialHandles+1)
			for i := range r.Children[0].SocialHandles {
				r.Children[0].SocialHandles[i].Handle = "h"
			}
		}, want: []string{"children[0].social_handles: 21 handles, at most 20"}},
		{name: "other names", change: func(r *Referral) { r.Children[0].OtherNames = []string{"a", long(MaxNameLen + 1)} }, want: []string{
			"children[0].other_names[1]: 201 characters, at most 200"}},
		{name: "nhs bad check digit kept", change: func(r *Referral) { r.Children[0].NHSNumber = "9434765918" }},
		{name: "nhs nine digits kept", change: func(r *Referral) { r.Children[0].NHSNumber = "943476591" }},
		{name: "nhs garbage", change: func(r *Referral) { r.Children[0].NHSNumber = "943476591X" }, want: []string{
			"children[0].nhs_number: may hold only digits, spaces and hyphens"}},
		{name: "nhs eleven digits", change: func(r *Referral) { r.Adults = []Person{{NHSNumber: "94347659190"}} }, want: []string{
			"adults[0].nhs_number: has 11 digits, at most 10"}},
		{name: "nhs over length", change: func(r *Referral) { r.Children[0].NHSNumber = "943 - 476 - 5919 " }, want: []string{
			"children[0].nhs_number: longer than 16 characters"}},
		{name: "nhs no digits", change: func(r *Referral) { r.Children[0].NHSNumber = " - " }, want: []string{
			"children[0].nhs_number: has no digits"}},
		{name: "reporter value not repeated", change: func(r *Referral) {
			r.Reporter = &Reporter{Relationship: "Jo Bloggs-secret", Email: long(MaxEmailLen + 1), Address: &Address{Postcode: long(MaxPostcodeLen + 1)}}
		}, want: []string{
			"reporter.email: 255 characters, at most 254",
			"reporter.address.postcode: 17 characters, at most 16",
			"reporter.relationship: the value given is not one of parent, relative, neighbour, friend, teacher, health_professional, police, social_care, member_of_public, online_follower, not_stated"}},
		{name: "address", change: func(r *Referral) { r.Address = &Address{Line1: long(MaxAddressLineLen + 1)} }, want: []string{
			"address.line1: 201 characters, at most 200"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validReferral()
			tt.change(r)
			got := fieldErrors(r.Validate())
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() =\n%q\nwant\n%q", got, tt.want)
			}
			if got := fieldErrors(ValidateRecord(r)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ValidateRecord() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReferralWarnings(t *testing.T) {
	r := validReferral()
	r.Children = append(r.Children, Person{NHSNumber: "9434765918"}, Person{NHSNumber: "94347659"}, Person{NHSNumber: "bad"})
	r.Adults = []Person{{NHSNumber: "9434765919"}}
	r.RelayedFrom = &Relay{Agency: "x"}
	want := []string{
		"relayed_from: given but channel is not relay",
		"children[1].nhs_number: fails the NHS number check; kept as typed",
		"children[2].nhs_number: fails the NHS number check; kept as typed",
	}
	if got := fieldErrors(r.Warnings()); !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings() =\n%q\nwant\n%q", got, want)
	}
}

func TestNHSNumberValid(t *testing.T) {
	tests := []struct {
		name, in string
		want     bool
	}{
		{name: "valid", in: "9434765919", want: true},
		{name: "valid spaced", in: "943 476 5919", want: true},
		{name: "check digit wrong", in: "9434765918"},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Person{NHSNumber: tt.in}).NHSNumberValid(); got != tt.want {
				t.Errorf("Person{NHSNumber: %q}.NHSNumberValid() = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPostAndOutcomeValidate(t *testing.T) {
	when := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rec  interface{ Validate() []FieldError }
		want []string
	}{
		{name: "public post", rec: &PublicPost{ID: "p", PostedAt: when}},
		{name: "public post empty", rec: &PublicPost{}, want: []string{"id: missing", "posted_at: missing"}},
		{name: "public post long", rec: &PublicPost{ID: "p", PostedAt: when, Text: strings.Repeat("a", MaxTextLen+1), URL: strings.Repeat("a", MaxURLLen+1)},
			want: []string{"text: 20001 characters, at most 20000", "url: 2049 characters, at most 2048"}},
		{name: "forum post", rec: &ForumPost{ID: "f", PostedAt: when}},
		{name: "forum post empty", rec: &ForumPost{}, want: []string{"id: missing", "posted_at: missing"}},
		{name: "forum post long handle", rec: &ForumPost{ID: "f", PostedAt: when, AuthorHandle: strings.Repeat("a", MaxHandleLen+1)},
			want: []string{"author_handle: 201 characters, at most 200"}},
		{name: "outcome", rec: &Outcome{ReferralID: "r", DecidedAt: when, Decision: DecisionSection47, Finding: FindingMalicious}},
		{name: "outcome empty", rec: &Outcome{}, want: []string{"referral_id: missing", "decided_at: missing"}},
		{name: "outcome bad enums", rec: &Outcome{ReferralID: "r", DecidedAt: when, Decision: "shrug", Finding: "maybe"}, want: []string{
			`decision: "shrug" is not one of no_further_action, early_help, assessment, section_47, police_referral`,
			`finding: "maybe" is not one of substantiated, unsubstantiated, unfounded, malicious`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldErrors(tt.rec.Validate()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestValidateAllocations(t *testing.T) {
	r := validReferral()
	r.Concerns = []Concern{{Category: ConcernNeglect, Detail: "x"}}
	r.Address = &Address{Line1: "1 Row"}
	r.Reporter = &Reporter{GivenName: "Pat", Relationship: RelNeighbour, Address: &Address{Postcode: "ZZ9 9ZZ"}}
	r.Children[0].OtherNames = []string{"Addy"}
	r.Children[0].SocialHandles = []SocialHandle{{Platform: "p", Handle: "@a"}}
	r.Adults = []Person{{GivenName: "Bo", Role: RoleMother}}
	if n := testing.AllocsPerRun(100, func() { r.Validate() }); n != 0 {
		t.Errorf("Validate() of a good referral allocates %v times, want 0", n)
	}
}

func TestControlProblem(t *testing.T) {
	naive := func(s string, freeText bool) bool { // whether s is refused
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 && !(freeText && (c == '\t' || c == '\n' || c == '\r')) {
				return true
			}
		}
		return false
	}
	for n := 0; n < 20; n++ {
		for pos := 0; pos < n; pos++ {
			for v := 0; v < 256; v++ {
				b := []byte(strings.Repeat("é", n)[:n])
				b[pos] = byte(v)
				for _, free := range []bool{false, true} {
					if got, want := controlProblem(string(b), free) != "", naive(string(b), free); got != want {
						t.Fatalf("controlProblem(%q, %v) refuses = %v, want %v", b, free, got, want)
					}
				}
			}
		}
	}
}
