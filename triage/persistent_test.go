package triage_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
)

// persistentStream is a grandmother who rings about the same neglect of
// her grandchildren three times, months apart, calmly, with what she saw,
// repeating her own words; her first call was found as finding says.
func persistentStream(finding bonafide.Finding) []bonafide.Record {
	t0 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	ref := func(id string, at time.Time, text string) *bonafide.Referral {
		return &bonafide.Referral{ID: id, ReceivedAt: at, Channel: bonafide.ChannelPhone, KnowledgeBasis: bonafide.KnowledgeFirstHand,
			Reporter: &bonafide.Reporter{GivenName: "Maureen", FamilyName: "Brook", Phone: "07700 900123", Relationship: bonafide.RelRelative},
			Children: []bonafide.Person{{GivenName: "Alfie", FamilyName: "Brook", DOB: bonafide.PartialDate{Year: 2019}}, {GivenName: "Ruby", FamilyName: "Brook"}},
			Adults:   []bonafide.Person{{GivenName: "Kelly", FamilyName: "Brook", Role: bonafide.RoleMother}},
			Address:  &bonafide.Address{Line1: "14 Orchard Close", Town: "Kettlebridge", Postcode: "QK4 2AB"},
			Concerns: []bonafide.Concern{{Category: bonafide.ConcernNeglect}}, Narrative: text}
	}
	worry := "The house is filthy and there is never any food in the fridge."
	return []bonafide.Record{
		ref("G1", t0, "I am Alfie's nan. "+worry+" On Tuesday at about 4pm I saw Alfie outside the flats with no coat and no shoes."),
		&bonafide.Outcome{ReferralID: "G1", DecidedAt: t0.AddDate(0, 0, 20), Decision: bonafide.DecisionAssessment, Finding: finding},
		ref("G2", t0.AddDate(0, 2, 0), "It's me again, Alfie's grandmother. "+worry+" Ruby came round to mine on Sunday asking for bread."),
		ref("G3", t0.AddDate(0, 5, 0), "I rang you before about my grandchildren. "+worry+" On Monday at 8am I saw Alfie at the school gate in dirty clothes, crying."),
	}
}

func reasonOf(a *triage.Assessment, s triage.Signal) *triage.Reason {
	for i := range a.Campaign.Reasons {
		if a.Campaign.Reasons[i].Signal == s {
			return &a.Campaign.Reasons[i]
		}
	}
	return nil
}

// TestPersistentGenuineReporter: ringing again about a continuing concern
// is not a campaign by itself; a finding that the reporter was right counts
// against one; a finding that they were not still counts for one.
func TestPersistentGenuineReporter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		finding   bonafide.Finding
		wantSubst bool
		wantFalse bool
	}{
		{"substantiated before", bonafide.FindingSubstantiated, true, false},
		{"unsubstantiated before", bonafide.FindingUnsubstantiated, false, false},
		{"unfounded before", bonafide.FindingUnfounded, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := triage.New(triage.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var as []*triage.Assessment
			for _, rec := range persistentStream(tc.finding) {
				a, err := e.Observe(rec)
				if err != nil {
					t.Fatalf("Observe: %v", err)
				}
				if a != nil {
					as = append(as, a)
				}
			}
			if len(as) != 3 || as[1].Reporter != as[0].Reporter || as[2].Family != as[0].Family {
				t.Fatalf("want three referrals by one linked reporter about one family, got %d", len(as))
			}
			for _, a := range as[1:] {
				if r := reasonOf(a, triage.SigRepeatClaim); r != nil {
					t.Errorf("%s: repeated_claim fired on the reporter's own words: %s", a.ReferralID, r.Evidence)
				}
				// Her pet phrase ("never any food") is a sweeping claim in a
				// calm account: not hostile, so reporter_repeat is not let in.
				if r := reasonOf(a, triage.SigManner); r != nil {
					t.Errorf("%s: hostile_manner fired on a calm account: %s", a.ReferralID, r.Evidence)
				}
				if r := reasonOf(a, triage.SigReporterRepeat); r != nil && r.Weight > 0.3 && !tc.wantFalse {
					t.Errorf("%s: reporter_repeat contributes %.2f with little else pointing to a campaign: %s", a.ReferralID, r.Weight, r.Evidence)
				}
				if got := reasonOf(a, triage.SigReporterSubst) != nil; got != tc.wantSubst {
					t.Errorf("%s: reporter_prior_substantiated fired = %v, want %v", a.ReferralID, got, tc.wantSubst)
				}
				if got := reasonOf(a, triage.SigReporterFalse) != nil; got != tc.wantFalse {
					t.Errorf("%s: reporter_prior_false fired = %v, want %v", a.ReferralID, got, tc.wantFalse)
				}
				if !tc.wantFalse && a.Campaign.Flagged {
					t.Errorf("%s: flagged (score %.3f), want not", a.ReferralID, a.Campaign.Score)
				}
				if tc.wantSubst && a.Campaign.Score >= as[0].Campaign.Score {
					t.Errorf("%s: score %.3f after a substantiated finding, want below the first call's %.3f", a.ReferralID, a.Campaign.Score, as[0].Campaign.Score)
				}
			}
		})
	}
}

// TestFitGuardRail: even on data where reporters found right before are
// campaigns (as no real data should say), the fitted weight of
// reporter_prior_substantiated cancels reporter_repeat's at least.
func TestFitGuardRail(t *testing.T) {
	idx := func(s triage.Signal) int {
		for i, x := range triage.Signals {
			if x == s {
				return i
			}
		}
		t.Fatalf("no signal %s", s)
		return -1
	}
	var x []triage.Features
	var y []bool
	for i := range 400 {
		var f triage.Features
		pos := i%2 == 0
		if pos {
			f[idx(triage.SigReporterRepeat)] = 1
			f[idx(triage.SigReporterSubst)] = 1
		}
		x, y = append(x, f), append(y, pos)
	}
	m := triage.Fit(x, y, 0.001, 2000)
	rr, rs := m.Weights[triage.SigReporterRepeat], m.Weights[triage.SigReporterSubst]
	if rs > 0 || rs > -rr+1e-3 {
		t.Errorf("Fit: reporter_prior_substantiated %.3f, reporter_repeat %.3f; want the first <= 0 and <= -the second", rs, rr)
	}
}

// TestChooseRobustThreshold: a cut that suits one source alone flags too
// many of another's genuine referrals; the robust cut suits both.
func TestChooseRobustThreshold(t *testing.T) {
	// Source A: campaigns score 0.3 and up, genuine below 0.2.
	// Source B: genuine referrals reach 0.35, campaigns 0.5 and up.
	var a, b []float64
	var ya, yb []bool
	for i := range 100 {
		a, ya = append(a, 0.3+float64(i)/200), append(ya, true)
		a, ya = append(a, float64(i)/500), append(ya, false)
		b, yb = append(b, 0.5+float64(i)/250), append(yb, true)
		b, yb = append(b, float64(i)/285), append(yb, false)
	}
	for _, tc := range []struct {
		name   string
		scores [][]float64
		labels [][]bool
		lo, hi float64
		ok     bool
	}{
		{"one source", [][]float64{a}, [][]bool{ya}, 0.199, 0.301, true},
		{"two sources", [][]float64{a, b}, [][]bool{ya, yb}, 0.348, 0.501, true},
		{"no cut keeps both within the limit", [][]float64{a, {0.9, 0.95}}, [][]bool{ya, {false, true}}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, ok := triage.ChooseRobustThreshold(tc.scores, tc.labels, 0.005)
			if ok != tc.ok || ok && (th < tc.lo || th > tc.hi) {
				t.Errorf("ChooseRobustThreshold = %.3f, %v; want in [%.3f, %.3f], %v", th, ok, tc.lo, tc.hi, tc.ok)
			}
		})
	}
}

// TestReporterPriorFalseShare: reporter_prior_false counts the share of
// the reporter's earlier referrals about the family, among those with a
// finding, that were found unfounded or malicious: a grandmother with one
// unfounded call beside one found substantiated counts half, a reporter
// whose every call was found false counts in full.
func TestReporterPriorFalseShare(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	calm := "On Tuesday at about 4pm I saw Alfie outside the flats with no coat and no shoes."
	for _, tc := range []struct {
		name     string
		findings []bonafide.Finding
		want     float64 // the signal's value: its weight × want is its contribution
	}{
		{"one unfounded", []bonafide.Finding{bonafide.FindingUnfounded}, 1},
		{"unfounded and substantiated", []bonafide.Finding{bonafide.FindingUnfounded, bonafide.FindingSubstantiated}, 0.5},
		{"unfounded and unsubstantiated", []bonafide.Finding{bonafide.FindingUnsubstantiated, bonafide.FindingUnfounded}, 0.5},
		{"two false", []bonafide.Finding{bonafide.FindingMalicious, bonafide.FindingUnfounded}, 1},
		{"one false of three, one undecided", []bonafide.Finding{bonafide.FindingUnfounded, bonafide.FindingSubstantiated, bonafide.FindingUnsubstantiated, ""}, 1.0 / 3},
		{"none false", []bonafide.Finding{bonafide.FindingSubstantiated, bonafide.FindingUnsubstantiated}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := triage.New(triage.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var recs []bonafide.Record
			for i, f := range tc.findings {
				id := fmt.Sprintf("G%d", i+1)
				at := t0.AddDate(0, 2*i, 0)
				recs = append(recs, grandmother(id, at, calm))
				if f != "" {
					recs = append(recs, &bonafide.Outcome{ReferralID: id, DecidedAt: at.AddDate(0, 0, 20), Decision: bonafide.DecisionAssessment, Finding: f})
				}
			}
			recs = append(recs, grandmother("LAST", t0.AddDate(1, 0, 0), calm))
			var last *triage.Assessment
			for _, rec := range recs {
				a, err := e.Observe(rec)
				if err != nil {
					t.Fatalf("Observe: %v", err)
				}
				if a != nil {
					last = a
				}
			}
			got := last.Features()[slices.Index(triage.Signals, triage.SigReporterFalse)]
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("reporter_prior_false = %.3f, want %.3f (reasons %+v)", got, tc.want, last.Campaign.Reasons)
			}
		})
	}
}

func grandmother(id string, at time.Time, text string) *bonafide.Referral {
	return &bonafide.Referral{ID: id, ReceivedAt: at, Channel: bonafide.ChannelPhone, KnowledgeBasis: bonafide.KnowledgeFirstHand,
		Reporter: &bonafide.Reporter{GivenName: "Maureen", FamilyName: "Brook", Phone: "07700 900123", Relationship: bonafide.RelRelative},
		Children: []bonafide.Person{{GivenName: "Alfie", FamilyName: "Brook", DOB: bonafide.PartialDate{Year: 2019}}},
		Adults:   []bonafide.Person{{GivenName: "Kelly", FamilyName: "Brook", Role: bonafide.RoleMother}},
		Address:  &bonafide.Address{Line1: "14 Orchard Close", Town: "Kettlebridge", Postcode: "QK4 2AB"},
		Concerns: []bonafide.Concern{{Category: bonafide.ConcernNeglect}}, Narrative: text}
}

// TestReporterPriorMalicious: an earlier call of the reporter's about the
// family found malicious counts as such; one found unfounded (nothing found,
// as happens to genuine reporters) or substantiated does not.
func TestReporterPriorMalicious(t *testing.T) {
	for _, tc := range []struct {
		finding bonafide.Finding
		want    bool
	}{
		{bonafide.FindingMalicious, true},
		{bonafide.FindingUnfounded, false},
		{bonafide.FindingUnsubstantiated, false},
		{bonafide.FindingSubstantiated, false},
	} {
		t.Run(string(tc.finding), func(t *testing.T) {
			e, err := triage.New(triage.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var last *triage.Assessment
			for _, rec := range persistentStream(tc.finding) {
				a, err := e.Observe(rec)
				if err != nil {
					t.Fatalf("Observe: %v", err)
				}
				if a != nil {
					last = a
				}
			}
			got := last.Features()[slices.Index(triage.Signals, triage.SigReporterMalicious)] > 0
			if got != tc.want {
				t.Errorf("reporter_prior_malicious fired = %v after a call found %s, want %v", got, tc.finding, tc.want)
			}
			if got && reasonOf(last, triage.SigReporterMalicious) == nil {
				t.Errorf("reporter_prior_malicious fired with no reason given")
			}
		})
	}
}
