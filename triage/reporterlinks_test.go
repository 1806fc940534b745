package triage_test

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
	"bonafide/triage/triagetest"
)

var repeatCount = regexp.MustCompile(`^the reporter is linked to (\d+) earlier referral\(s\) about this family`)

// TestReporterLinksDefinition checks every assessment's reporter_links on
// a generated stream against the rule of docs/security.md ("What staff
// learn about a reporter"): only referrals received strictly before, no
// relay ever named, a relay's links those of its original, the counts
// whole and reporter_repeat counting exactly the part about the family.
func TestReporterLinksDefinition(t *testing.T) {
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	received := map[string]time.Time{}
	byID := map[string]*triage.Assessment{}
	var order []string
	for _, it := range triagetest.Generate(triagetest.Config{Seed: 5, Families: 1500}) {
		a, err := e.Observe(it.Rec)
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		if a == nil {
			continue
		}
		received[a.ReferralID] = it.Rec.(*bonafide.Referral).ReceivedAt
		byID[a.ReferralID] = a
		order = append(order, a.ReferralID)
	}
	var repeats, cross, relays int
	for _, id := range order {
		a := byID[id]
		l := a.ReporterLinks
		about := 0
		for _, x := range l.Referrals {
			if !received[x.ID].Before(received[id]) {
				t.Errorf("%s (received %s) names %s (received %s): not earlier", id, received[id], x.ID, received[x.ID])
			}
			if o := byID[x.ID]; o == nil || o.RelayOf != "" {
				t.Errorf("%s names %s, a relay or no referral triaged before", id, x.ID)
			}
			if x.AboutFamily {
				about++
			}
		}
		if l.Linked < l.AboutFamily || len(l.Referrals) != min(l.Linked, triage.MaxLinkedNamed) ||
			l.Linked <= triage.MaxLinkedNamed && about != l.AboutFamily {
			t.Errorf("%s: reporter_links %d linked, %d about the family, %d named (%d about it): counts disagree",
				id, l.Linked, l.AboutFamily, len(l.Referrals), about)
		}
		n, professional := -1, false
		for _, r := range a.Campaign.Reasons {
			switch r.Signal {
			case triage.SigReporterRepeat:
				m := repeatCount.FindStringSubmatch(r.Evidence)
				if m == nil {
					t.Fatalf("%s: reporter_repeat evidence %q has no count", id, r.Evidence)
				}
				n, _ = strconv.Atoi(m[1])
			case triage.SigProfessional:
				professional = true
			}
		}
		switch {
		case n >= 0 && n != l.AboutFamily:
			t.Errorf("%s: reporter_repeat counts %d, reporter_links %d about the family", id, n, l.AboutFamily)
		case n < 0 && l.AboutFamily > 0 && !professional:
			t.Errorf("%s: %d linked earlier referrals about the family, and reporter_repeat did not fire", id, l.AboutFamily)
		}
		if n > 0 {
			repeats++
		}
		if l.Linked > l.AboutFamily {
			cross++
		}
		if a.RelayOf != "" {
			relays++
			orig := byID[a.RelayOf].ReporterLinks
			for _, x := range orig.Referrals {
				if !slices.ContainsFunc(l.Referrals, func(y triage.LinkedReferral) bool { return y.ID == x.ID }) {
					t.Errorf("relay %s of %s: its original's link %s is missing", id, a.RelayOf, x.ID)
				}
			}
			if l.Linked < orig.Linked {
				t.Errorf("relay %s: %d links, its original %s %d", id, l.Linked, a.RelayOf, orig.Linked)
			}
		}
	}
	t.Logf("%d referrals: %d with reporter_repeat, %d linked across families, %d relays", len(order), repeats, cross, relays)
	if repeats == 0 || cross == 0 || relays == 0 {
		t.Errorf("the stream has %d repeats, %d cross-family links, %d relays: too few to test with", repeats, cross, relays)
	}
}
