package triage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"bonafide/linkage"
)

// famFit is what the family linker keeps while its weights are fitted:
// each referral is filed in its true family (so the families are the
// truth's), and the comparison vector of every candidate family the
// blocking keys bring is counted among matches (its own family) or
// non-matches (another).
type famFit struct {
	truth    map[string]string // referral id -> true family
	famTruth []string          // linker family -> true family
	byTruth  map[string]int32
	c        *famCounts
}

// famCounts are the level counts of matches (m) and non-matches (u).
type famCounts struct {
	m, u       [nFamFields][]float64
	rm, ru     [nFamRules][]float64
	match, non int
	referrals  int
}

func newFamCounts() *famCounts {
	c := &famCounts{}
	for i, f := range famFields {
		c.m[i] = make([]float64, len(f.Kind.Levels()))
		c.u[i] = make([]float64, len(f.Kind.Levels()))
	}
	for i, r := range famRules {
		c.rm[i] = make([]float64, len(r.levels))
		c.ru[i] = make([]float64, len(r.levels))
	}
	return c
}

// family returns the true family of referral id, starting it when new.
func (ft *famFit) family(fl *familyLinker, id string) *familyRec {
	ft.c.referrals++
	t, ok := ft.truth[id]
	if ok {
		if fid, seen := ft.byTruth[t]; seen {
			return fl.families[fid]
		}
	}
	f := fl.newFamily()
	ft.famTruth = append(ft.famTruth, t)
	if ok {
		ft.byTruth[t] = f.id
	}
	return f
}

// add counts one candidate's comparison vector.
func (ft *famFit) add(v *famVec, match bool) {
	c := ft.c
	fields, rules := &c.u, &c.ru
	if match {
		fields, rules = &c.m, &c.rm
		c.match++
	} else {
		c.non++
	}
	inc := func(i int, l int8) {
		if l >= 0 {
			fields[i][l]++
		}
	}
	for p, lv := range v.people {
		off := fAdultGiven
		if p < v.children {
			off = fChildGiven
			inc(fChildNHS, lv.nhs)
		}
		inc(off, lv.g)
		inc(off+1, lv.f)
		inc(off+2, lv.d)
	}
	inc(fLine, v.line)
	inc(fPostcode, v.postcode)
	inc(fTown, v.town)
	inc(fHandle, v.handle)
	inc(fSurnames, v.surnames)
	rules[rHousehold][v.household]++
	rules[rRecent][v.recent]++
}

// smoothed returns counts as probabilities, with half a count added to
// every level so that none is impossible.
func smoothed(counts []float64) []float64 {
	tot := 0.0
	for _, x := range counts {
		tot += x + 0.5
	}
	out := make([]float64, len(counts))
	for l, x := range counts {
		out[l] = (x + 0.5) / tot
	}
	return out
}

// weights turns the counts into a parameter file with thresholds link and
// merge.
func (c *famCounts) weights(link, merge float64) (*FamilyWeights, error) {
	lm, err := linkage.NewModel(famFields)
	if err != nil {
		return nil, err
	}
	for i := range famFields {
		m, u := smoothed(c.m[i]), smoothed(c.u[i])
		for l := range lm.Params[i].Levels {
			lm.Params[i].Levels[l].M, lm.Params[i].Levels[l].U = m[l], u[l]
		}
	}
	lm.Prior = float64(c.match) / float64(max(1, c.match+c.non))
	lm.Prior = min(max(lm.Prior, 1e-6), 0.5)
	lm.Meta = map[string]any{"matching_candidates": c.match, "other_candidates": c.non, "referrals": c.referrals}
	var buf bytes.Buffer
	if err := lm.WriteJSON(&buf); err != nil {
		return nil, err
	}
	w := &FamilyWeights{Version: FamilyWeightsVersion, Model: bytes.TrimSpace(buf.Bytes()), Link: link, Merge: merge}
	for i, r := range famRules {
		m, u := smoothed(c.rm[i]), smoothed(c.ru[i])
		fp := linkage.FieldParams{Field: r.name}
		for l, name := range r.levels {
			fp.Levels = append(fp.Levels, linkage.LevelParams{Level: name, M: m[l], U: u[l]})
		}
		w.Rules = append(w.Rules, fp)
	}
	return w, nil
}

// startWeights are neutral weights to begin fitting from: linkage's
// starting m and u (most of a match's mass on exact agreement, most of a
// non-match's on disagreement).
func startWeights() (*FamilyWeights, error) {
	c := newFamCounts()
	for i := range famFields {
		n := len(c.m[i])
		c.m[i][0], c.u[i][n-1] = 8, 8
		for l := range n {
			c.m[i][l]++
			c.u[i][l]++
		}
	}
	for i := range famRules {
		n := len(c.rm[i])
		c.rm[i][0], c.ru[i][n-1] = 8, 8
		for l := range n {
			c.rm[i][l]++
			c.ru[i][l]++
		}
	}
	return c.weights(6, 10)
}

// FamilyFitOptions bound [FitFamilyWeights]'s search.
type FamilyFitOptions struct {
	Iterations int // rounds of counting with the weights of the last (default 3)
	// Links are the link thresholds tried (default every second one from
	// the guard rail to 24, then either side of the best). Whatever is
	// given, a threshold at or below the guard rail (the most a child's
	// given name alone can weigh) is not tried.
	Links   []float64
	Margins []float64 // merge threshold above link tried (default 0, 2, 4, 8)
	// MinPrecision is the family-link pairwise precision the thresholds
	// must keep on every fitting stream (default 0.995): a wrong link
	// shows a family's history to a worker about another, and is harder
	// to undo than a missed one.
	MinPrecision float64
}

// FitFamilyWeights fits the family linker's m and u on labelled streams
// and chooses its thresholds there: each stream is triaged with every
// referral filed in its true family, and every candidate family's
// comparison levels are counted among matches or non-matches; m and u are
// the smoothed shares (the best-agreeing member of a family is chosen with
// the weights of the round before, from linkage's starting weights). The
// link threshold is then the one of opts.Links with the best mean
// family-link pairwise F1 over the streams, triaged as in production, among
// those that keep a pairwise precision of opts.MinPrecision on every
// stream, and the merge threshold likewise among link + opts.Margins. The streams it
// is fitted on must not be the streams it is judged on.
func FitFamilyWeights(ctx context.Context, data []LabelledStream, opts FamilyFitOptions, source string) (*FamilyWeights, error) {
	if len(data) == 0 {
		return nil, errors.New("fit families: no streams")
	}
	if opts.MinPrecision <= 0 {
		opts.MinPrecision = 0.995
	}
	if opts.Iterations <= 0 {
		opts.Iterations = 3
	}
	refine := len(opts.Links) == 0
	if refine {
		for x := -6.0; x <= 24; x += 2 {
			opts.Links = append(opts.Links, x)
		}
	}
	if len(opts.Margins) == 0 {
		opts.Margins = []float64{0, 2, 4, 8}
	}
	type stream struct {
		body  []byte
		truth map[string]string
	}
	var streams []stream
	for i, d := range data {
		body, err := io.ReadAll(d.Stream)
		if err != nil {
			return nil, fmt.Errorf("fit families: read %s: %w", d.name(i), err)
		}
		ts, err := ReadTruth(d.Truth)
		if err != nil {
			return nil, fmt.Errorf("fit families: truth of %s: %w", d.name(i), err)
		}
		tm := make(map[string]string, len(ts))
		for _, t := range ts {
			tm[t.ReferralID] = t.Family
		}
		streams = append(streams, stream{body, tm})
	}
	w, err := startWeights()
	if err != nil {
		return nil, err
	}
	var counts *famCounts
	for range opts.Iterations {
		fm, err := w.compile()
		if err != nil {
			return nil, err
		}
		counts = newFamCounts()
		for i, s := range streams {
			e, err := newEngine(DefaultConfig(), fm)
			if err != nil {
				return nil, err
			}
			e.fam.fit = &famFit{truth: s.truth, byTruth: map[string]int32{}, c: counts}
			if _, err := Run(ctx, e, bytes.NewReader(s.body), io.Discard, nil); err != nil {
				return nil, fmt.Errorf("fit families: %s: %w", data[i].name(i), err)
			}
		}
		if w, err = counts.weights(w.Link, w.Merge); err != nil {
			return nil, err
		}
	}
	// F1 of the streams triaged with thresholds link and merge: the mean,
	// or -1 when the precision of a stream falls short, and each stream's.
	f1 := func(link, merge float64) (float64, []float64, error) {
		w.Link, w.Merge = link, merge
		fm, err := w.compile()
		if err != nil {
			return 0, nil, err
		}
		var sum float64
		var each []float64
		precise := true
		for i, s := range streams {
			e, err := newEngine(DefaultConfig(), fm)
			if err != nil {
				return 0, nil, err
			}
			var pred, truth []string
			if _, err := Run(ctx, e, bytes.NewReader(s.body), io.Discard, func(a *Assessment) {
				if t, ok := s.truth[a.ReferralID]; ok {
					pred, truth = append(pred, a.Family), append(truth, t)
				}
			}); err != nil {
				return 0, nil, fmt.Errorf("fit families: %s: %w", data[i].name(i), err)
			}
			ps := pairScore(pred, truth)
			sum += ps.F1
			each = append(each, ps.F1)
			precise = precise && ps.Precision >= opts.MinPrecision
		}
		if !precise {
			return -1, each, nil
		}
		return sum / float64(len(streams)), each, nil
	}
	// The guard rail: a child's given name alone, however it agrees, never
	// links a referral without the recency rule (the weights of the
	// household and recency rules' "else" are what every other candidate
	// gets).
	fm, err := w.compile()
	if err != nil {
		return nil, err
	}
	rail := fm.top[fChildGiven] + fm.rule[rHousehold][hhElse] + fm.rule[rRecent][recentElse]
	if refine {
		opts.Links = opts.Links[:0]
		for x := math.Floor(rail) + 1; x <= 24; x += 2 {
			opts.Links = append(opts.Links, x)
		}
	}
	margin := opts.Margins[len(opts.Margins)/2]
	bestLink, bestF1 := 0.0, math.Inf(-1)
	for _, l := range opts.Links {
		if l <= rail {
			continue
		}
		f, _, err := f1(l, l+margin)
		if err != nil {
			return nil, err
		}
		if f > bestF1 {
			bestLink, bestF1 = l, f
		}
	}
	if refine { // the default grid's step is 2: try either side of the best
		for _, l := range []float64{bestLink - 1, bestLink + 1} {
			if l <= rail {
				continue
			}
			f, _, err := f1(l, l+margin)
			if err != nil {
				return nil, err
			}
			if f > bestF1 {
				bestLink, bestF1 = l, f
			}
		}
	}
	bestMerge := math.Inf(-1)
	var bestEach []float64
	bestF1 = math.Inf(-1)
	for _, mg := range opts.Margins {
		f, each, err := f1(bestLink, bestLink+mg)
		if err != nil {
			return nil, err
		}
		if f > bestF1 {
			bestMerge, bestF1, bestEach = bestLink+mg, f, each
		}
	}
	w.Link, w.Merge = bestLink, bestMerge
	w.Source = source
	w.Figures = map[string]any{"family_link_f1_fitting_streams": bestEach, "matching_candidates": counts.match,
		"other_candidates": counts.non, "referrals": counts.referrals}
	if _, err := w.compile(); err != nil {
		return nil, err
	}
	return w, nil
}
