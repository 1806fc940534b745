package synth

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// TestAccuracyByReporter checks that professionals type names, dates and
// numbers most accurately and strangers least, as the brief asks.
func TestAccuracyByReporter(t *testing.T) {
	g := generate(t, midCfg)
	type acc struct{ kids, fullDOB, nhs, validNHS, postcodes, shaped int }
	by := map[string]*acc{}
	i := 0
	for _, l := range g.lines {
		if l.ref == nil {
			continue
		}
		tr := g.truths[i]
		i++
		group := "lay"
		switch {
		case l.ref.KnowledgeBasis == bonafide.KnowledgeProfessional:
			group = "professional"
		case tr.Campaign != nil:
			group = "campaign"
		}
		a := by[group]
		if a == nil {
			a = &acc{}
			by[group] = a
		}
		for _, c := range l.ref.Children {
			a.kids++
			if c.DOB.Precision() == 3 {
				a.fullDOB++
			}
			if c.NHSNumber != "" {
				a.nhs++
				if bonafide.ValidNHSNumber(c.NHSNumber) {
					a.validNHS++
				}
			}
		}
		if l.ref.Address != nil && l.ref.Address.Postcode != "" {
			a.postcodes++
			if postcodeShape.MatchString(l.ref.Address.Postcode) {
				a.shaped++
			}
		}
	}
	share := func(n, d int) float64 {
		if d == 0 {
			return 0
		}
		return float64(n) / float64(d)
	}
	tests := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"professional children with full dob", share(by["professional"].fullDOB, by["professional"].kids), 0.85, 1},
		{"lay children with full dob", share(by["lay"].fullDOB, by["lay"].kids), 0.2, 0.75},
		{"campaign children with full dob", share(by["campaign"].fullDOB, by["campaign"].kids), 0, 0.35},
		{"professional NHS numbers that pass Modulus 11", share(by["professional"].validNHS, by["professional"].nhs), 0.9, 0.995},
		{"professional postcodes of a full valid shape", share(by["professional"].shaped, by["professional"].postcodes), 0.9, 1},
		{"lay postcodes of a full valid shape", share(by["lay"].shaped, by["lay"].postcodes), 0.3, 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Logf("%s = %.3f", tt.name, tt.got)
			if tt.got < tt.min || tt.got > tt.max {
				t.Errorf("%s = %.3f, want %.2f..%.2f", tt.name, tt.got, tt.min, tt.max)
			}
		})
	}
}

// TestOnlineBursts checks that genuine online reports come as bursts:
// several strangers about one family within hours.
func TestOnlineBursts(t *testing.T) {
	g := generate(t, midCfg)
	times := map[string][]time.Time{}
	i := 0
	for _, l := range g.lines {
		if l.ref == nil {
			continue
		}
		tr := g.truths[i]
		i++
		if tr.Kind == KindGenuineOnline {
			if l.ref.KnowledgeBasis != bonafide.KnowledgeOnlineContent {
				t.Errorf("online report %s has knowledge basis %s", l.ref.ID, l.ref.KnowledgeBasis)
			}
			times[tr.Family] = append(times[tr.Family], l.ref.ReceivedAt)
		}
	}
	if len(times) == 0 {
		t.Fatalf("no genuine online bursts in %d families", midCfg.Families)
	}
	// Most online reports have another about the same family within hours
	// (a live-stream burst); the rest are a follower or two after a post.
	near, total := 0, 0
	for _, ts := range times {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for k := range ts {
			total++
			if k > 0 && ts[k].Sub(ts[k-1]) < 7*time.Hour || k+1 < len(ts) && ts[k+1].Sub(ts[k]) < 7*time.Hour {
				near++
			}
		}
	}
	t.Logf("online reports with another about the family within 7h: %d/%d", near, total)
	if float64(near)/float64(total) < 0.6 {
		t.Errorf("online reports with another about the family within 7h = %d/%d, want at least 60%%", near, total)
	}
}

// TestTrollStyle checks that each troll's narratives share habits with one
// another more than with other trolls' (a style a detector could learn),
// using the share of upper-case words and of "!" as crude fingerprints.
func TestTrollStyle(t *testing.T) {
	g := generate(t, Config{Seed: 3, Families: 20000})
	type style struct{ n, bangs, lower int }
	by := map[string]*style{}
	i := 0
	for _, l := range g.lines {
		if l.ref == nil {
			continue
		}
		tr := g.truths[i]
		i++
		if tr.Campaign == nil || l.ref.Channel == bonafide.ChannelRelay || tr.Kind == KindCampaignFeud {
			continue
		}
		s := by[tr.Reporter]
		if s == nil {
			s = &style{}
			by[tr.Reporter] = s
		}
		s.n++
		if strings.ContainsAny(l.ref.Narrative, "!") {
			s.bangs++
		}
		if l.ref.Narrative == strings.ToLower(l.ref.Narrative) {
			s.lower++
		}
	}
	consistent, trolls := 0, 0
	for _, s := range by {
		if s.n < 3 {
			continue
		}
		trolls++
		// a habit is consistent when a troll always or never shows it
		if (s.bangs == 0 || s.bangs == s.n) && (s.lower == 0 || s.lower == s.n) {
			consistent++
		}
	}
	t.Logf("trolls with consistent punctuation and case: %d/%d", consistent, trolls)
	if trolls < 5 || float64(consistent)/float64(trolls) < 0.6 {
		t.Errorf("trolls with consistent punctuation and case = %d/%d, want at least 60%%", consistent, trolls)
	}
}

// TestSerialTrolls checks that some trolls harass more than one family,
// with the same truth id in each campaign, so reporter linkage across
// families can be scored.
func TestSerialTrolls(t *testing.T) {
	g := generate(t, Config{Seed: 3, Families: 20000})
	fams := map[string]map[string]bool{}
	camps := map[string]map[string]bool{}
	for _, tr := range g.truths {
		if tr.Campaign == nil {
			continue
		}
		if fams[tr.Reporter] == nil {
			fams[tr.Reporter], camps[tr.Reporter] = map[string]bool{}, map[string]bool{}
		}
		fams[tr.Reporter][tr.Family] = true
		camps[tr.Reporter][*tr.Campaign] = true
	}
	serial := 0
	for r, f := range fams {
		if len(f) > 1 {
			serial++
			if len(camps[r]) != len(f) {
				t.Errorf("troll %s: %d families but %d campaigns, want one campaign per family", r, len(f), len(camps[r]))
			}
		}
	}
	t.Logf("trolls: %d, of whom %d target more than one family", len(fams), serial)
	if serial == 0 || serial > len(fams)/3 {
		t.Errorf("serial trolls = %d of %d, want some but not most", serial, len(fams))
	}
}
