package synth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
)

// genOut is one generated stream with its truth, decoded.
type genOut struct {
	stream, truth []byte
	stats         Stats
	lines         []line
	truths        []Truth
}

// line is one decoded stream line.
type line struct {
	n    int // 1-based
	typ  bonafide.RecordType
	at   time.Time
	ref  *bonafide.Referral
	pub  *bonafide.PublicPost
	fp   *bonafide.ForumPost
	out  *bonafide.Outcome
	text string
}

var (
	genCacheMu sync.Mutex
	genCache   = map[string]*genOut{}
)

// generate runs Generate once per config for the whole test binary.
func generate(t *testing.T, cfg Config) *genOut {
	t.Helper()
	key := fmt.Sprintf("%+v", cfg)
	genCacheMu.Lock()
	defer genCacheMu.Unlock()
	if g, ok := genCache[key]; ok {
		return g
	}
	var s, tr bytes.Buffer
	st, err := Generate(context.Background(), cfg, &s, &tr)
	if err != nil {
		t.Fatalf("Generate(%+v) error: %v", cfg, err)
	}
	g := &genOut{stream: s.Bytes(), truth: tr.Bytes(), stats: st}
	for i, b := range bytes.Split(bytes.TrimSuffix(g.stream, []byte("\n")), []byte("\n")) {
		g.lines = append(g.lines, decodeLine(t, i+1, b))
	}
	// The interchange Reader decodes and validates every line as well.
	// Its clock is set after any period generated: readers refuse times
	// more than a day ahead of their clock, and a generated period may lie
	// in the future.
	rd := interchange.NewReader(bytes.NewReader(g.stream))
	rd.Now = func() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }
	n := 0
	for rec, err := range rd.All() {
		n++
		if err != nil {
			t.Fatalf("interchange.Reader line %d: %v", rd.Line(), err)
		}
		if rec.RecordType() != g.lines[n-1].typ {
			t.Fatalf("interchange.Reader line %d: type %s, want %s", n, rec.RecordType(), g.lines[n-1].typ)
		}
	}
	if n != len(g.lines) {
		t.Fatalf("interchange.Reader read %d records, want %d", n, len(g.lines))
	}
	for tt, err := range ReadTruth(bytes.NewReader(g.truth)) {
		if err != nil {
			t.Fatalf("ReadTruth: %v", err)
		}
		g.truths = append(g.truths, tt)
	}
	genCache[key] = g
	return g
}

func decodeLine(t *testing.T, n int, b []byte) line {
	t.Helper()
	rec, err := interchange.Unmarshal(b)
	if err != nil {
		t.Fatalf("line %d does not decode: %v: %s", n, err, b)
	}
	l := line{n: n, typ: rec.RecordType(), text: string(b), at: rec.RecordTime()}
	switch r := rec.(type) {
	case *bonafide.Referral:
		l.ref = r
	case *bonafide.PublicPost:
		l.pub = r
	case *bonafide.ForumPost:
		l.fp = r
	case *bonafide.Outcome:
		l.out = r
	}
	return l
}

var midCfg = Config{Seed: 42, Families: 5000}

func TestGenerateDeterministic(t *testing.T) {
	run := func(cfg Config) ([]byte, []byte) {
		var s, tr bytes.Buffer
		if _, err := Generate(context.Background(), cfg, &s, &tr); err != nil {
			t.Fatalf("Generate(%+v): %v", cfg, err)
		}
		return s.Bytes(), tr.Bytes()
	}
	base := Config{Seed: 9, Families: 1400}
	s0, t0 := run(base)
	tests := []struct {
		name   string
		cfg    Config
		wantEq bool
	}{
		{"same seed", base, true},
		{"spilled runs", Config{Seed: 9, Families: 1400, ChunkFamilies: 300, TempDir: t.TempDir()}, true},
		// 1400/20 = 70 runs, more than mergeFanIn: exercises a merge pass.
		{"merge passes", Config{Seed: 9, Families: 1400, ChunkFamilies: 20, TempDir: t.TempDir()}, true},
		{"other seed", Config{Seed: 10, Families: 1400}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, tr := run(tt.cfg)
			if got := bytes.Equal(s, s0) && bytes.Equal(tr, t0); got != tt.wantEq {
				t.Errorf("Generate(%+v) equal to Generate(%+v) = %v, want %v", tt.cfg, base, got, tt.wantEq)
			}
		})
	}
}

func TestGenerateConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"negative families", Config{Families: -1}},
		{"public share over 1", Config{PublicShare: 1.5}},
		{"negative months", Config{Months: -2}},
		{"huge scale", Config{GenuineScale: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(context.Background(), tt.cfg, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil {
				t.Errorf("Generate(%+v) = nil error, want one", tt.cfg)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, Config{Families: 3000}, &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate(cancelled) = %v, want context.Canceled", err)
	}
}

var (
	refIDPattern  = regexp.MustCompile(`^REF-[0-9A-F]{12}$`)
	postIDPattern = regexp.MustCompile(`^PST-[0-9A-F]{12}$`)
	postcodeShape = regexp.MustCompile(`^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$`)
)

// TestGenerateValid checks every line against the interchange spec, for
// the default period and for short and shifted ones.
func TestGenerateValid(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"default period", midCfg},
		{"one month", Config{Seed: 4, Families: 4000, Months: 1}},
		{"three months from 2030", Config{Seed: 4, Families: 4000, Months: 3, Start: time.Date(2030, 3, 30, 12, 0, 0, 0, time.FixedZone("BST", 3600))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.cfg.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			g := generate(t, tt.cfg)
			if g.stats.Referrals == 0 {
				t.Fatalf("Generate(%+v) made no referrals", tt.cfg)
			}
			checkLines(t, g, cfg.Start, cfg.Start.AddDate(0, cfg.Months, 0))
		})
	}
}

func checkLines(t *testing.T, g *genOut, start, end time.Time) {
	t.Helper()
	ids := map[string]bool{}
	for _, l := range g.lines {
		if l.at.Before(start) || !l.at.Before(end) {
			t.Fatalf("line %d: time %v outside the period", l.n, l.at)
		}
		if !strings.HasPrefix(l.text, `{"type":"`+string(l.typ)+`"`) {
			t.Fatalf("line %d does not start with its type: %.60s", l.n, l.text)
		}
		if strings.Contains(l.text, "{") && regexp.MustCompile(`\{[a-z0-9]+\}`).MatchString(l.text) {
			t.Fatalf("line %d has an unfilled placeholder: %s", l.n, l.text)
		}
		switch {
		case l.ref != nil:
			for _, fe := range l.ref.Validate() {
				t.Errorf("line %d: Validate: %v", l.n, fe)
			}
			for _, p := range validateReferral(l.ref) {
				t.Errorf("line %d: %s: %s", l.n, p, l.text)
			}
			if !refIDPattern.MatchString(l.ref.ID) || ids[l.ref.ID] {
				t.Fatalf("line %d: referral id %q malformed or repeated", l.n, l.ref.ID)
			}
			ids[l.ref.ID] = true
		case l.pub != nil:
			if !postIDPattern.MatchString(l.pub.ID) || ids[l.pub.ID] || l.pub.Handle == "" || l.pub.Platform == "" || l.pub.MediaNote == "" {
				t.Fatalf("line %d: bad public post: %s", l.n, l.text)
			}
			ids[l.pub.ID] = true
		case l.fp != nil:
			if l.fp.ID == "" || ids[l.fp.ID] || l.fp.Site == "" || l.fp.Thread == "" || l.fp.AuthorHandle == "" || l.fp.Text == "" {
				t.Fatalf("line %d: bad forum post: %s", l.n, l.text)
			}
			ids[l.fp.ID] = true
		case l.out != nil:
			o := l.out
			if !ids[o.ReferralID] || !o.Decision.Valid() || !o.Finding.Valid() {
				t.Fatalf("line %d: outcome names no earlier referral or has a bad enum: %s", l.n, l.text)
			}
		}
	}
}

// validateReferral lists what is wrong with r under the spec.
func validateReferral(r *bonafide.Referral) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if r.ID == "" || r.ReceivedAt.IsZero() {
		bad("missing id or received_at")
	}
	if !r.Channel.Valid() {
		bad("channel %q", r.Channel)
	}
	if (r.Channel == bonafide.ChannelRelay) != (r.RelayedFrom != nil) {
		bad("relayed_from must be given exactly for relays")
	}
	if r.RelayedFrom != nil && (r.RelayedFrom.Agency == "" || r.RelayedFrom.Ref == "") {
		bad("relay without agency or ref")
	}
	if r.KnowledgeBasis != "" && !r.KnowledgeBasis.Valid() {
		bad("knowledge_basis %q", r.KnowledgeBasis)
	}
	if r.Reporter != nil && r.Reporter.Relationship != "" && !r.Reporter.Relationship.Valid() {
		bad("relationship %q", r.Reporter.Relationship)
	}
	if len(r.Children) == 0 {
		bad("no children")
	}
	for i, p := range append(append([]bonafide.Person{}, r.Children...), r.Adults...) {
		if !p.Role.Valid() {
			bad("person %d role %q", i, p.Role)
		}
		if p.GivenName == "" && p.FamilyName == "" && len(p.OtherNames) == 0 {
			bad("person %d has no name at all", i)
		}
		if len(p.NHSNumber) > bonafide.MaxNHSNumberLen {
			bad("person %d nhs_number too long", i)
		}
		if p.Sex != "" && p.Sex != "female" && p.Sex != "male" {
			bad("person %d sex %q", i, p.Sex)
		}
	}
	if a := r.Address; a != nil && len(a.Postcode) > bonafide.MaxPostcodeLen {
		bad("postcode too long")
	}
	if len(r.Concerns) == 0 || r.Narrative == "" {
		bad("no concerns or narrative")
	}
	for _, c := range r.Concerns {
		if !c.Category.Valid() {
			bad("concern %q", c.Category)
		}
	}
	return errs
}

func TestGenerateTimeOrderAndTruth(t *testing.T) {
	g := generate(t, midCfg)
	var refs []*bonafide.Referral
	for i, l := range g.lines {
		if i > 0 && l.at.Before(g.lines[i-1].at) {
			t.Fatalf("line %d at %v is before line %d at %v", l.n, l.at, l.n-1, g.lines[i-1].at)
		}
		if l.ref != nil {
			refs = append(refs, l.ref)
		}
	}
	if len(refs) != len(g.truths) || len(refs) != g.stats.Referrals {
		t.Fatalf("referrals = %d, truth lines = %d, stats = %d; want all equal", len(refs), len(g.truths), g.stats.Referrals)
	}
	byID := map[string]int{}
	for i, r := range refs {
		tr := g.truths[i]
		if tr.ReferralID != r.ID {
			t.Fatalf("truth line %d is for %s, want %s", i+1, tr.ReferralID, r.ID)
		}
		byID[r.ID] = i
		if (tr.Campaign == nil) != strings.HasPrefix(tr.Kind, "genuine_") {
			t.Errorf("truth %s: campaign %v with kind %s", tr.ReferralID, tr.Campaign, tr.Kind)
		}
		if tr.ImmediateDanger != r.ImmediateDanger {
			t.Errorf("truth %s: immediate_danger %v, referral says %v", tr.ReferralID, tr.ImmediateDanger, r.ImmediateDanger)
		}
		if tr.Family == "" || tr.Reporter == "" {
			t.Errorf("truth %s: family %q reporter %q", tr.ReferralID, tr.Family, tr.Reporter)
		}
		if tr.RelayOf != "" {
			j, ok := byID[tr.RelayOf]
			if !ok {
				t.Fatalf("truth %s: relay_of %s is not an earlier referral", tr.ReferralID, tr.RelayOf)
			}
			orig, ot := refs[j], g.truths[j]
			gap := r.ReceivedAt.Sub(orig.ReceivedAt)
			if r.Channel != bonafide.ChannelRelay || gap < 12*time.Hour || gap > 96*time.Hour || ot.Reporter != tr.Reporter || ot.Family != tr.Family {
				t.Errorf("relay %s of %s: channel %s, gap %v, reporters %s/%s; want relay a day or two later from the same caller", r.ID, orig.ID, r.Channel, gap, ot.Reporter, tr.Reporter)
			}
		}
	}
}

// TestGenerateRates checks that a mid-size run has the scenario mix asked
// for, and logs it.
func TestGenerateRates(t *testing.T) {
	g := generate(t, midCfg)
	st := g.stats
	n := float64(st.Referrals)
	per1000 := n / float64(midCfg.Families) * 1000
	tests := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"referrals per 1000 families", per1000, 200, 450},
		{"campaign share", float64(st.CampaignReferrals) / n, 0.03, 0.09},
		{"immediate danger share", float64(st.ImmediateDanger) / n, 0.005, 0.02},
		{"genuine repeat share", float64(st.Kinds[KindGenuineRepeat]) / n, 0.15, 0.45},
		{"genuine online share", float64(st.Kinds[KindGenuineOnline]) / n, 0.01, 0.1},
		{"relay share", float64(st.Relays) / n, 0.01, 0.1},
		{"outcomes per referral", float64(st.Outcomes) / n, 0.6, 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got < tt.min || tt.got > tt.max {
				t.Errorf("%s = %.4f, want %.3f..%.3f", tt.name, tt.got, tt.min, tt.max)
			}
		})
	}
	for _, k := range []string{KindGenuineProfessional, KindGenuineRepeat, KindGenuineDomestic, KindGenuineRelative, KindGenuineNeighbour,
		KindGenuineAnonymous, KindGenuineOnline, KindCampaignTwistedPost, KindCampaignInvented, KindCampaignFakeNeighbour, KindCampaignRelay} {
		if st.Kinds[k] == 0 {
			t.Errorf("kind %s: none in %d families", k, midCfg.Families)
		}
	}
	var immCampaign int
	for _, tr := range g.truths {
		if tr.Campaign != nil && tr.ImmediateDanger {
			immCampaign++
		}
	}
	t.Logf("stats: %+v; campaign referrals claiming immediate danger: %d", st, immCampaign)
}

// TestCampaignFollowsPosts checks that campaign referrals said to twist a
// post come hours after a post of the family, and that trolls leave their
// traces: reused devices and /24s, throwaway e-mails, forum posts.
func TestCampaignFollowsPosts(t *testing.T) {
	g := generate(t, midCfg)
	// Family of each referral, and the handles its posts come from: a
	// family's referrals name its handle in social_handles.
	famOf := map[string]Truth{}
	for _, tr := range g.truths {
		famOf[tr.ReferralID] = tr
	}
	postsBy := map[string][]time.Time{} // handle -> post times
	for _, l := range g.lines {
		if l.pub != nil {
			postsBy[strings.ToLower(l.pub.Handle)] = append(postsBy[strings.ToLower(l.pub.Handle)], l.pub.PostedAt)
		}
	}
	famHandles := map[string]map[string]bool{}
	for _, l := range g.lines {
		if l.ref == nil {
			continue
		}
		for _, a := range l.ref.Adults {
			for _, h := range a.SocialHandles {
				hh := strings.ToLower(strings.TrimPrefix(h.Handle, "@"))
				if _, ok := postsBy[hh]; ok {
					f := famOf[l.ref.ID].Family
					if famHandles[f] == nil {
						famHandles[f] = map[string]bool{}
					}
					famHandles[f][hh] = true
				}
			}
		}
	}
	twisted, follows := 0, 0
	devices := map[string]map[string]int{} // reporter -> device -> uses
	nets := map[string]map[string]int{}
	for _, l := range g.lines {
		if l.ref == nil {
			continue
		}
		tr := famOf[l.ref.ID]
		if tr.Campaign != nil && l.ref.Reporter != nil && l.ref.Reporter.DeviceID != "" {
			rep := l.ref.Reporter
			if devices[tr.Reporter] == nil {
				devices[tr.Reporter], nets[tr.Reporter] = map[string]int{}, map[string]int{}
			}
			devices[tr.Reporter][rep.DeviceID]++
			nets[tr.Reporter][rep.ContactIP[:strings.LastIndexByte(rep.ContactIP, '.')]]++
		}
		if tr.Kind != KindCampaignTwistedPost {
			continue
		}
		twisted++
		ok := false
		for h := range famHandles[tr.Family] {
			for _, pt := range postsBy[h] {
				if d := l.ref.ReceivedAt.Sub(pt); d > 0 && d <= 15*time.Hour {
					ok = true
				}
			}
		}
		if ok {
			follows++
		}
	}
	if twisted == 0 {
		t.Fatalf("no %s referrals in %d families", KindCampaignTwistedPost, midCfg.Families)
	}
	// A few families' handles may never be typed right; nearly all must match.
	if f := float64(follows) / float64(twisted); f < 0.9 {
		t.Errorf("twisted-post referrals within 15h after a post of their family = %d/%d, want at least 90%%", follows, twisted)
	}
	reused, web, trolls, oneNet := 0, 0, 0, 0
	for rep, ds := range devices {
		n := 0
		for _, k := range ds {
			n += k
			if k > 1 {
				reused += k
			}
		}
		web += n
		if n < 3 {
			continue
		}
		trolls++
		top := 0
		for _, k := range nets[rep] {
			top = max(top, k)
		}
		if 2*top >= n {
			oneNet++
		}
	}
	if web < 10 || float64(reused)/float64(web) < 0.4 {
		t.Errorf("campaign web referrals on a device the same troll used again = %d/%d, want at least 40%%", reused, web)
	}
	if trolls == 0 || 3*oneNet < 2*trolls {
		t.Errorf("trolls with 3+ web referrals, half of them from one /24 = %d/%d, want at least two thirds", oneNet, trolls)
	}
	var before, after int
	for _, l := range g.lines {
		if l.fp == nil {
			continue
		}
		for _, s := range forumBefore {
			if strings.Contains(strings.ToLower(l.fp.Text), strings.ToLower(s)[:12]) {
				before++
			}
		}
		for _, s := range forumAfter {
			if strings.Contains(strings.ToLower(l.fp.Text), strings.ToLower(s)[:8]) {
				after++
			}
		}
	}
	if before == 0 || after == 0 {
		t.Errorf("forum posts before/after a report = %d/%d, want some of each", before, after)
	}
}

// TestReporterLinks checks that professionals refer many families (so a
// prolific reporter is not itself a campaign) and that the same reporter id
// never spans a campaign and a genuine referral.
func TestReporterLinks(t *testing.T) {
	g := generate(t, midCfg)
	fams := map[string]map[string]bool{}
	camp := map[string]bool{}
	gen := map[string]bool{}
	for _, tr := range g.truths {
		if fams[tr.Reporter] == nil {
			fams[tr.Reporter] = map[string]bool{}
		}
		fams[tr.Reporter][tr.Family] = true
		if tr.Campaign != nil {
			camp[tr.Reporter] = true
		} else {
			gen[tr.Reporter] = true
		}
	}
	multi := 0
	for _, f := range fams {
		if len(f) >= 3 {
			multi++
		}
	}
	if multi < 10 {
		t.Errorf("reporters who refer 3+ families = %d, want at least 10 (schools, health visitors, police)", multi)
	}
	for r := range camp {
		if gen[r] {
			t.Errorf("reporter %s made both campaign and genuine referrals", r)
		}
	}
}

// TestOpaqueIDs checks that ids do not reveal family: sorted by id, a
// referral's neighbour is rarely of the same family.
func TestOpaqueIDs(t *testing.T) {
	g := generate(t, midCfg)
	type pair struct{ id, fam string }
	var ps []pair
	for _, tr := range g.truths {
		ps = append(ps, pair{tr.ReferralID, tr.Family})
	}
	sortFunc := func(a, b pair) int { return strings.Compare(a.id, b.id) }
	slices.SortFunc(ps, sortFunc)
	same := 0
	for i := 1; i < len(ps); i++ {
		if ps[i].fam == ps[i-1].fam {
			same++
		}
	}
	if f := float64(same) / float64(len(ps)); f > 0.02 {
		t.Errorf("id-sorted neighbours of the same family = %.3f, want under 0.02", f)
	}
}

// TestRatesScaleWithPeriod checks that a shorter period has
// proportionally fewer genuine referrals, not the same number squeezed in.
func TestRatesScaleWithPeriod(t *testing.T) {
	long := generate(t, midCfg)
	short := generate(t, Config{Seed: 42, Families: 5000, Months: 6})
	genuine := func(st Stats) float64 { return float64(st.Referrals - st.CampaignReferrals) }
	ratio := genuine(short.stats) / genuine(long.stats)
	if ratio < 0.18 || ratio > 0.32 {
		t.Errorf("genuine referrals over 6 months / over 24 months = %.3f, want about 0.25", ratio)
	}
}
