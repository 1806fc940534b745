package triage_test

import (
	"testing"
	"time"

	"bonafide"
)

// TestReporterLinksByHandleAndMailbox: a troll's throwaway addresses built
// on the handle they post under link their referrals when nothing else
// does; a persistent genuine reporter, an address that only contains a
// handle, an address that fits two handles, and two colleagues who share
// an initial, a surname and a school's address scheme are never linked by
// it; an officer who signs with their number is still linked by an address
// with their name in it.
func TestReporterLinksByHandleAndMailbox(t *testing.T) {
	t0 := time.Date(2025, 4, 7, 9, 0, 0, 0, time.UTC)
	forum := brookForumPost
	ref := brookReferrals(bonafide.KnowledgeFirstHand)
	anon := func(email string) bonafide.Reporter {
		return bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelNotStated, Email: email}
	}
	nan := bonafide.Reporter{GivenName: "Maureen", FamilyName: "Brook", Relationship: bonafide.RelRelative, Email: "maureen.brook55@mail.example"}
	teacher := func(given string) bonafide.Reporter {
		return bonafide.Reporter{GivenName: given, FamilyName: "Baker", Relationship: bonafide.RelTeacher, Organisation: "Orchard Vale Primary", Email: "s.baker@orchardvale.example"}
	}
	officer := func(given string) bonafide.Reporter {
		return bonafide.Reporter{GivenName: given, FamilyName: "Stubbs", Relationship: bonafide.RelPolice, Organisation: "Northvale Police", Email: "florence.stubbs@northvale.example"}
	}
	// elsewhere is ref about another family, in another town.
	elsewhere := func(at time.Time, rep bonafide.Reporter, text string) *bonafide.Referral {
		r := ref(at, rep, text)
		r.Children = []bonafide.Person{{GivenName: "Maisie", FamilyName: "Threlfall", DOB: bonafide.PartialDate{Year: 2016}}}
		r.Adults = []bonafide.Person{{GivenName: "Dawn", FamilyName: "Threlfall", Role: bonafide.RoleMother}}
		r.Address = &bonafide.Address{Line1: "3 Mill Lane", Town: "Harrowfield", Postcode: "ZR9 7XY"}
		return r
	}
	// pc is a police officer who gives only a name and the force.
	pc := bonafide.Reporter{GivenName: "Shaun", FamilyName: "Carter", Relationship: bonafide.RelPolice, Organisation: "Fenland Constabulary"}
	text := "The children never seem to be at school."
	for _, tt := range []struct {
		name     string
		recs     []bonafide.Record
		a, b     int // 1-based referral numbers among the referrals of recs
		wantSame bool
	}{
		{"a troll's throwaway addresses", []bonafide.Record{forum("F1", "truthteller123", t0),
			ref(t0.Add(2*time.Hour), anon("truthteller123.0@mail.example"), text),
			ref(t0.Add(50*time.Hour), anon("truthteller123_1@post.example"), text)}, 1, 2, true},
		{"no forum post by the handle", []bonafide.Record{
			ref(t0.Add(2*time.Hour), anon("truthteller123.0@mail.example"), text),
			ref(t0.Add(50*time.Hour), anon("truthteller123_1@post.example"), text)}, 1, 2, false},
		{"a handle inside a longer address", []bonafide.Record{forum("F1", "truthteller123", t0),
			ref(t0.Add(2*time.Hour), anon("truthteller123.0@mail.example"), text),
			ref(t0.Add(50*time.Hour), anon("truthteller123bob@post.example"), text)}, 1, 2, false},
		{"an address that fits two handles", []bonafide.Record{forum("F1", "watcher47x", t0), forum("F2", "watcher47x0", t0),
			ref(t0.Add(2*time.Hour), anon("watcher47x0@mail.example"), text),
			ref(t0.Add(50*time.Hour), anon("watcher47x.5@post.example"), text)}, 1, 2, false},
		{"a persistent grandmother and the troll", []bonafide.Record{forum("F1", "truthteller123", t0),
			ref(t0.Add(2*time.Hour), anon("truthteller123.0@mail.example"), text),
			ref(t0.Add(50*time.Hour), nan, "On Tuesday at 4pm I saw Alfie outside with no coat."),
			ref(t0.Add(90*24*time.Hour), nan, "On Monday at 8am I saw Alfie at the school gate crying.")}, 1, 2, false},
		{"the grandmother again", []bonafide.Record{forum("F1", "truthteller123", t0),
			ref(t0.Add(50*time.Hour), nan, "On Tuesday at 4pm I saw Alfie outside with no coat."),
			ref(t0.Add(90*24*time.Hour), nan, "On Monday at 8am I saw Alfie at the school gate crying.")}, 1, 2, true},
		{"two colleagues, one address scheme", []bonafide.Record{
			ref(t0, teacher("Samantha"), text), ref(t0.Add(40*24*time.Hour), teacher("Shannon"), text)}, 1, 2, false},
		{"one teacher, her name shortened", []bonafide.Record{
			ref(t0, teacher("Samantha"), text), ref(t0.Add(40*24*time.Hour), teacher("Sam"), text)}, 1, 2, true},
		{"one teacher twice", []bonafide.Record{
			ref(t0, teacher("Samantha"), text), ref(t0.Add(40*24*time.Hour), teacher("Samantha"), text)}, 1, 2, true},
		{"a number that runs on from the handle's digits", []bonafide.Record{forum("F1", "justsaying71", t0),
			ref(t0.Add(2*time.Hour), anon("justsaying71_1@mail.example"), text),
			ref(t0.Add(50*time.Hour), anon("justsaying719.2@post.example"), text)}, 1, 2, false},
		{"a counter with no separator", []bonafide.Record{forum("F1", "truthteller846", t0),
			ref(t0.Add(2*time.Hour), anon("truthteller846_3@mail.example"), text),
			ref(t0.Add(50*time.Hour), anon("truthteller8460@post.example"), text)}, 1, 2, true},
		{"two officers of one name and force, no contact, two families", []bonafide.Record{
			ref(t0, pc, text), elsewhere(t0.Add(40*24*time.Hour), pc, text)}, 1, 2, false},
		{"one officer, no contact, one family twice", []bonafide.Record{
			ref(t0, pc, text), ref(t0.Add(40*24*time.Hour), pc, text)}, 1, 2, true},
		{"a teacher with a work address, two families", []bonafide.Record{
			ref(t0, teacher("Samantha"), text), elsewhere(t0.Add(40*24*time.Hour), teacher("Samantha"), text)}, 1, 2, true},
		{"an officer who signs with their number", []bonafide.Record{
			ref(t0, officer("Florence"), text), ref(t0.Add(40*24*time.Hour), officer("PC 1484"), text)}, 1, 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as := triageAll(t, tt.recs)
			checkSameReporter(t, as[tt.a-1], as[tt.b-1], tt.wantSame)
		})
	}
}
