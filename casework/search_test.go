package casework

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/sqlite"
	"bonafide/triage"
)

// recordingAudit keeps the entries appended, for tests that check what a
// search or a view put on the record.
type recordingAudit struct {
	mu      sync.Mutex
	entries []auditlog.Entry
}

func (r *recordingAudit) Append(_ context.Context, e auditlog.Entry) (auditlog.Entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
	return e, nil
}

func (r *recordingAudit) last(what string) (auditlog.Entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.entries) - 1; i >= 0; i-- {
		if r.entries[i].What == what {
			return r.entries[i], true
		}
	}
	return auditlog.Entry{}, false
}

// familyEnv is a casework service over a real SQLite store with a family
// search index.
type familyEnv struct {
	st    *sqlite.Store
	svc   *Service
	audit *recordingAudit
	now   time.Time
}

func newFamilyEnv(t testing.TB) *familyEnv {
	t.Helper()
	ctx := context.Background()
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	e := &familyEnv{audit: &recordingAudit{}, now: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bonafide.db"), sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal),
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	fam, err := NewFamilies()
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	e.svc = &Service{Cases: st.Cases(), Referrals: st, Audit: e.audit, Calendar: weekdays{}, Letters: &Letterhead{},
		Agency: Agency{Name: "Testbury Borough Council", Team: "Front Door", Code: "TBC"}, Now: func() time.Time { return e.now },
		Families: fam, Assessments: st.Assessments()}
	return e
}

// add stores rec and brings the index up to date, as the API does after
// each write.
func (e *familyEnv) add(t testing.TB, rec bonafide.Record) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.st.Add(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Families.Sync(ctx, e.st); err != nil {
		t.Fatal(err)
	}
}

// triaged stores the campaign assessment triage would make: the referral
// in family, flagged or not, with reasons.
func (e *familyEnv) triaged(t testing.TB, id, family string, flagged bool, reasons string) {
	t.Helper()
	ctx := context.Background()
	st, err := e.st.ReferralByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if reasons == "" {
		reasons = "[]"
	}
	out := fmt.Sprintf(`{"referral_id":%q,"family":%q,"reporter":"REP-1","safety":{"level":"standard"},"campaign":{"score":0.7,"flagged":%v,"reasons":%s},"recommendation":"x","decision_due":"2025-06-03T17:00:00Z"}`,
		id, family, flagged, reasons)
	if _, err := e.st.Assessments().PutAssessments(ctx, []bonafide.Assessment{{ReferralID: id, Seq: st.Seq, SafetyLevel: "standard", Flagged: flagged,
		Score: 0.7, DecisionDue: e.now.Add(24 * time.Hour), Engine: "test triage", Output: []byte(out), Family: family}}); err != nil {
		t.Fatal(err)
	}
}

func smithReferral(id string, at time.Time) *bonafide.Referral {
	return &bonafide.Referral{ID: id, ReceivedAt: at, Channel: bonafide.ChannelPhone,
		Reporter: &bonafide.Reporter{GivenName: "Quintus", FamilyName: "Reportwell", Email: "qr@example.invalid"},
		Children: []bonafide.Person{{GivenName: "William", FamilyName: "Smith", DOB: bonafide.PartialDate{Year: 2019, Month: 3, Day: 14},
			NHSNumber: "9434765919", Role: bonafide.RoleChild}},
		Adults: []bonafide.Person{{GivenName: "Sarah", FamilyName: "Smith", Role: bonafide.RoleMother,
			SocialHandles: []bonafide.SocialHandle{{Platform: "instagram", Handle: "@smithfamilylife"}}}},
		Address:   &bonafide.Address{Line1: "3 Orchard Row", Town: "Kessington", Postcode: "KX3 4AB"},
		Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect, Detail: "left alone"}},
		Narrative: "The boy is left alone in the evenings."}
}

// seedFamilies stores two referrals of the Smith family (FAM-S), one of
// the Jones family (FAM-J) and one of an unrelated Smithers child
// (FAM-X), each triaged.
func seedFamilies(t *testing.T, e *familyEnv) {
	t.Helper()
	day := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	e.add(t, smithReferral("S-1", day))
	s2 := smithReferral("S-2", day.Add(72*time.Hour))
	s2.Children[0].GivenName, s2.Children[0].DOB, s2.Children[0].NHSNumber = "Billy", bonafide.PartialDate{Year: 2019}, ""
	s2.Address.Postcode = "KX34AB"
	e.add(t, s2)
	e.add(t, &bonafide.Referral{ID: "J-1", ReceivedAt: day.Add(time.Hour), Channel: bonafide.ChannelWebForm,
		Children: []bonafide.Person{{GivenName: "Olivia", FamilyName: "Jones", DOB: bonafide.PartialDate{Year: 2018, Month: 7, Day: 2}}},
		Address:  &bonafide.Address{Postcode: "LS1 4DT"}, Concerns: []bonafide.Concern{{Category: bonafide.ConcernNeglect}}})
	e.add(t, &bonafide.Referral{ID: "X-1", ReceivedAt: day.Add(2 * time.Hour), Channel: bonafide.ChannelWebForm,
		Children: []bonafide.Person{{GivenName: "Wilma", FamilyName: "Smithers", DOB: bonafide.PartialDate{Year: 2012, Month: 1, Day: 9}}},
		Address:  &bonafide.Address{Postcode: "M1 1AE"}, Concerns: []bonafide.Concern{{Category: bonafide.ConcernNeglect}}})
	e.triaged(t, "S-1", "FAM-S", false, "")
	e.triaged(t, "S-2", "FAM-S", false, "")
	e.triaged(t, "J-1", "FAM-J", false, "")
	e.triaged(t, "X-1", "FAM-X", false, "")
}

var worker = Actor{Who: "user:ada", Role: bonafide.RoleSocialWorker}

// TestSearchFamilies searches a real SQLite store the way strangers type
// a family's details: each query must find the Smith family first, with
// the field that agreed at the level named.
func TestSearchFamilies(t *testing.T) {
	e := newFamilyEnv(t)
	seedFamilies(t, e)
	ctx := context.Background()
	tests := []struct {
		name      string
		q         FamilyQuery
		field     string // a field that must have agreed in the best hit
		level     string
		referrals []string // the family's referrals found, in order
		swapped   bool
	}{
		{"exact name", FamilyQuery{Name: "William Smith"}, "given_name", "exact", []string{"S-1", "S-2"}, false},
		{"typo in the given name", FamilyQuery{Name: "Wiliam Smith"}, "given_name", "one_edit", []string{"S-1"}, false},
		{"typo in the surname", FamilyQuery{Name: "William Smiht"}, "surname", "one_edit", []string{"S-1", "S-2"}, false},
		{"nickname Bill for William", FamilyQuery{Name: "Bill Smith"}, "given_name", "nickname", []string{"S-1", "S-2"}, false},
		{"William for the Billy on file", FamilyQuery{Name: "William Smith", Postcode: "KX3 4AB"}, "given_name", "exact", []string{"S-1", "S-2"}, false},
		{"names swapped", FamilyQuery{Name: "Smith William"}, "surname", "exact", []string{"S-1", "S-2"}, true},
		{"partial date of birth", FamilyQuery{Name: "Smith", DOB: "2019-03"}, "dob", "same_year_month", []string{"S-1"}, false},
		{"postcode with its space", FamilyQuery{Postcode: "KX3 4AB"}, "postcode", "full", []string{"S-1", "S-2"}, false},
		{"postcode without its space, lower case", FamilyQuery{Postcode: "kx34ab"}, "postcode", "full", []string{"S-1", "S-2"}, false},
		{"NHS number with spaces", FamilyQuery{NHS: "943 476 5919"}, "nhs_number", "exact", []string{"S-1"}, false},
		{"handle with @", FamilyQuery{Handle: "@smithfamilylife"}, "handle", "other_platform", []string{"S-1", "S-2"}, false},
		{"handle without @, with platform", FamilyQuery{Handle: "instagram:smithfamilylife"}, "handle", "exact", []string{"S-1", "S-2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.svc.SearchFamilies(ctx, worker, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Families) == 0 || res.Families[0].Family != "FAM-S" {
				t.Fatalf("SearchFamilies(%+v) = %+v, want FAM-S first", tt.q, res.Families)
			}
			f := res.Families[0]
			var got []string
			for _, h := range f.Hits {
				got = append(got, h.ReferralID)
			}
			if !slices.Equal(got, tt.referrals) {
				t.Errorf("SearchFamilies(%+v) FAM-S hits = %v, want %v", tt.q, got, tt.referrals)
			}
			best := f.Hits[0]
			if !slices.ContainsFunc(best.Agreed, func(a FieldAgreement) bool { return a.Field == tt.field && a.Level == tt.level }) {
				t.Errorf("SearchFamilies(%+v) best hit agreed on %+v, want %s at %s", tt.q, best.Agreed, tt.field, tt.level)
			}
			if best.Swapped != tt.swapped {
				t.Errorf("SearchFamilies(%+v) swapped = %v, want %v", tt.q, best.Swapped, tt.swapped)
			}
			if f.Total != 2 || f.Restricted || !f.Named {
				t.Errorf("FAM-S total %d, restricted %v, named %v; want 2, false, true", f.Total, f.Restricted, f.Named)
			}
			for i := 1; i < len(f.Hits); i++ {
				if f.Hits[i].Weight > f.Hits[i-1].Weight {
					t.Errorf("hits not ranked by weight: %+v", f.Hits)
				}
			}
			for _, other := range res.Families[1:] {
				if other.Family == "FAM-J" {
					t.Errorf("SearchFamilies(%+v) found the Jones family: %+v", tt.q, other)
				}
			}
			a, ok := e.audit.last("family.search")
			if !ok || a.Who != worker.Who || a.Object != "" {
				t.Fatalf("audit of the search = %+v, %v; want a family.search entry by %s", a, ok, worker.Who)
			}
			for _, leak := range []string{"Quintus", "Reportwell", "qr@example"} {
				if strings.Contains(a.Why, leak) {
					t.Errorf("audit of the search names the reporter: %q", a.Why)
				}
			}
		})
	}
	t.Run("a family never named is not found", func(t *testing.T) {
		res, err := e.svc.SearchFamilies(ctx, worker, FamilyQuery{Name: "Zebedee Quorn"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Families) != 0 {
			t.Errorf("SearchFamilies(Zebedee Quorn) = %+v, want none", res.Families)
		}
	})
	t.Run("the reporter is not searched", func(t *testing.T) {
		res, err := e.svc.SearchFamilies(ctx, worker, FamilyQuery{Name: "Quintus Reportwell"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Families) != 0 {
			t.Errorf("SearchFamilies(the reporter's name) = %+v, want none", res.Families)
		}
	})
	t.Run("an empty search is refused", func(t *testing.T) {
		_, err := e.svc.SearchFamilies(ctx, worker, FamilyQuery{})
		if bonafide.ErrorCode(err) != bonafide.EInvalid {
			t.Errorf("SearchFamilies({}) = %v, want EInvalid", err)
		}
	})
}

// TestSearchRestrictedFamily: a restricted family shows only as "a
// restricted family (N referrals)" to a worker not on its case, and in
// full to a team manager and to the worker assigned.
func TestSearchRestrictedFamily(t *testing.T) {
	e := newFamilyEnv(t)
	seedFamilies(t, e)
	ctx := context.Background()
	manager := Actor{Who: "user:morwenna", Role: bonafide.RoleTeamManager}
	if err := e.svc.Restrict(ctx, manager, "FAM-S", true, "targeted by a campaign on a forum"); err != nil {
		t.Fatal(err)
	}
	q := FamilyQuery{Postcode: "KX3 4AB"}
	res, err := e.svc.SearchFamilies(ctx, worker, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Families) != 1 {
		t.Fatalf("SearchFamilies = %+v, want one family", res.Families)
	}
	if f := res.Families[0]; f.Label != "a restricted family (2 referrals)" || f.Family != "" || len(f.Hits) != 0 || f.Named {
		t.Errorf("restricted family shown to a worker not on its case = %+v, want only its label", f)
	}
	for _, a := range []Actor{manager} {
		res, err := e.svc.SearchFamilies(ctx, a, q)
		if err != nil {
			t.Fatal(err)
		}
		if f := res.Families[0]; f.Family != "FAM-S" || len(f.Hits) != 2 || !f.Named || !f.Restricted {
			t.Errorf("restricted family shown to %s = %+v, want it named with its hits", a.Who, f)
		}
	}
	if _, err := e.svc.Act(ctx, manager, "S-2", Request{Action: bonafide.ActAssign, Worker: worker.Who, Team: "front door"}); err != nil {
		t.Fatal(err)
	}
	res, err = e.svc.SearchFamilies(ctx, worker, q)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Families[0]; f.Family != "FAM-S" || !f.Named {
		t.Errorf("restricted family shown to the worker assigned = %+v, want it named", f)
	}
}

// TestFamilyPage: the page of a family holds every referral with one
// chronology in time order (receipt, assignment, decision, held checks,
// finding, closure, letters), the flagged referrals close in time as one
// campaign episode, and the public post triage linked; every view is
// audited, saying when names were withheld.
func TestFamilyPage(t *testing.T) {
	e := newFamilyEnv(t)
	ctx := context.Background()
	day := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	e.now = day.Add(100 * 24 * time.Hour)
	e.add(t, &bonafide.PublicPost{ID: "POST-7", Platform: "instagram", Handle: "smithfamilylife", PostedAt: day.Add(-3 * time.Hour),
		Text: "Our little William's first day at nursery!"})
	e.add(t, smithReferral("S-1", day))
	e.add(t, smithReferral("S-2", day.Add(48*time.Hour)))
	e.add(t, smithReferral("S-3", day.Add(90*24*time.Hour)))
	e.add(t, smithReferral("S-OTHER", day.Add(time.Hour)))
	reasons := `[{"signal":"after_public_post","weight":1.2,"evidence":"received 3 hours after the family's public post POST-7 on instagram (2025-05-01): \"Our little William's first day\""}]`
	e.triaged(t, "S-1", "FAM-S", true, reasons)
	e.triaged(t, "S-2", "FAM-S", true, "")
	e.triaged(t, "S-3", "FAM-S", true, "")
	e.triaged(t, "S-OTHER", "FAM-O", false, "")

	manager := Actor{Who: "user:morwenna", Role: bonafide.RoleTeamManager}
	steps := []Request{
		{Action: bonafide.ActAssign, Worker: worker.Who, Team: "front door"},
		{Action: bonafide.ActDecide, Decision: bonafide.DecideAssessment, Reason: "check with universal services first"},
		{Action: bonafide.ActFind, Finding: bonafide.FindingUnfounded, Reason: "the school and GP know of no concern"},
		{Action: bonafide.ActClose, Closure: bonafide.ClosureNoFurtherAction, Reason: "unfounded; nothing more to do"},
	}
	for _, req := range steps {
		e.now = e.now.Add(time.Hour)
		if _, err := e.svc.Act(ctx, manager, "S-1", req); err != nil {
			t.Fatalf("%s: %v", req.Action, err)
		}
	}

	p, err := e.svc.Family(ctx, manager, "FAM-S", "the API")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range p.Referrals {
		ids = append(ids, r.Row.ReferralID)
		if r.Referral == nil || r.Referral.Reporter != nil {
			t.Errorf("referral %s on the page = %+v; want it without its reporter", r.Row.ReferralID, r.Referral)
		}
	}
	if !slices.Equal(ids, []string{"S-1", "S-2", "S-3"}) {
		t.Errorf("Family(FAM-S) referrals = %v, want S-1, S-2, S-3", ids)
	}
	if !p.Restricted || !p.Named {
		t.Errorf("Family(FAM-S) restricted %v named %v for a team manager; want true, true (triage restricts a flagged family)", p.Restricted, p.Named)
	}
	var kinds []string
	for i, en := range p.Chronology {
		if i > 0 && en.At.Before(p.Chronology[i-1].At) {
			t.Errorf("chronology out of order at %d: %v after %v", i, en.At, p.Chronology[i-1].At)
		}
		if en.ReferralID == "S-1" {
			kinds = append(kinds, en.Kind)
		}
		if en.ReferralID == "S-OTHER" {
			t.Errorf("chronology holds another family's referral: %+v", en)
		}
	}
	want := []string{EntryReceived, EntryAssigned, EntryDecided, EntryNotificationHeld, EntryNotificationHeld, EntryNotificationHeld,
		EntryFound, EntryClosed}
	for _, k := range want {
		i := slices.Index(kinds, k)
		if i < 0 {
			t.Fatalf("S-1 chronology %v lacks %s", kinds, k)
		}
		kinds = slices.Delete(kinds, 0, i+1)
	}
	if !slices.Contains(kinds, EntryLetterCreated) {
		t.Errorf("S-1 chronology after closure %v has no letter", kinds)
	}
	if len(p.Episodes) != 1 || !slices.Equal(p.Episodes[0].Referrals, []string{"S-1", "S-2"}) {
		t.Errorf("Family(FAM-S) episodes = %+v, want one of S-1 and S-2 (S-3 came 90 days later)", p.Episodes)
	}
	for _, en := range p.Chronology {
		if wantEp := map[string]int{"S-1": 1, "S-2": 1}[en.ReferralID]; en.Episode != wantEp {
			t.Errorf("entry %+v in episode %d, want %d", en, en.Episode, wantEp)
		}
	}
	if len(p.Posts) != 1 || p.Posts[0].ID != "POST-7" || p.Posts[0].Signal != "after_public_post" || p.Posts[0].Post == nil {
		t.Errorf("Family(FAM-S) posts = %+v, want POST-7 linked by after_public_post, with the post", p.Posts)
	}
	if a, ok := e.audit.last("family.read"); !ok || a.Object != "FAM-S" || a.Who != manager.Who || strings.Contains(a.Why, "withheld") {
		t.Errorf("audit of the view = %+v, want family.read of FAM-S by the manager, names shown", a)
	}

	other := Actor{Who: "user:bo", Role: bonafide.RoleSocialWorker}
	p, err = e.svc.Family(ctx, other, "FAM-S", "the API")
	if err != nil {
		t.Fatal(err)
	}
	if p.Named {
		t.Errorf("Family(FAM-S) named for a worker not on its case; want names withheld")
	}
	if a, ok := e.audit.last("family.read"); !ok || a.Who != other.Who || !strings.Contains(a.Why, "names withheld") {
		t.Errorf("audit of the withheld view = %+v, want it to say names were withheld", a)
	}
	if _, err := e.svc.Family(ctx, other, "FAM-NONE", "the API"); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("Family(FAM-NONE) = %v, want ENotFound", err)
	}
}
