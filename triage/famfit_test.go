package triage

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/synth"
)

var fitFamilies = flag.Bool("fit-families", false, "fit the family-link weights on synth seeds 1 and 2 and write familyweights.json")

// familyFitSeeds are the synth seeds the family weights are fitted on
// (10,000 families each): the first generator only, and seeds that no
// figure in docs/ is judged on.
var familyFitSeeds = []int64{1, 2}

// TestFitFamilyWeights refits triage/familyweights.json:
//
//	go test ./triage -run TestFitFamilyWeights -fit-families -timeout 60m
//
// m and u are counted on labelled streams, each linked with every
// referral filed in its true family (see [countFamilyLevels]). The member
// of a family that agrees best depends on the weights, so the counting is
// done three times, from the hand-set scores the linker had before. The
// weights are log2(m/u) with the guard rails ([guardedWeights]). The link
// threshold is then chosen on the fitting streams triaged as in
// production: among the thresholds that keep pairwise precision at least
// familyFitPrecision on each and the rule on names
// ([thresholdKeepsRules]), the highest whose mean family-link F1 is within
// familyFitPlateau of the best; and a shared handle or NHS number is held
// at least at it ([withThreshold]).
func TestFitFamilyWeights(t *testing.T) {
	if !*fitFamilies {
		t.Skip("refits familyweights.json; run with -fit-families")
	}
	var data []labelledRecords
	for _, seed := range familyFitSeeds {
		data = append(data, generateLabelled(t, seed, 10000))
	}
	w := handSetFamilyWeights()
	var m, u [famFields][]float64
	var pairs [2]int
	var share float64
	for round := 1; round <= 3; round++ {
		m, u, pairs, share = countFamilyLevels(data, w)
		next := &familyWeights{threshold: w.threshold, surnameShare: share}
		for f := range famFields {
			next.w[f] = guardedWeights(f, m[f], u[f])
		}
		w = next
		t.Logf("round %d: %d pairs of one family, %d of two; surname share %.5f", round, pairs[0], pairs[1], share)
		for f := range famFields {
			t.Logf("  %-12s %v", famLevels[f].field, fmtWeights(w.w[f]))
		}
	}
	fit := map[string]float64{"match_pairs": float64(pairs[0]), "nonmatch_pairs": float64(pairs[1])}
	var grid []triedThreshold
	for th := 1.0; th <= 30; th += 1 {
		if !thresholdKeepsRules(w, th) {
			continue
		}
		c := withThreshold(w, th)
		if f1, ok := meanF1(t, "family", th, data, familyFitSeeds, familyFitPrecision, func(d labelledRecords) PairScore { return familyPairs(t, c, d) }); ok {
			grid = append(grid, triedThreshold{th, f1})
		}
	}
	if len(grid) == 0 {
		t.Fatal("no threshold keeps the precision floor and the rules")
	}
	best, bestF1, top := plateauThreshold(grid)
	w = withThreshold(w, best)
	fit["link_threshold_mean_f1"] = math.Round(bestF1*1e4) / 1e4
	fit["best_mean_f1"] = math.Round(top*1e4) / 1e4
	b := familyWeightsJSONOf(w, m, u, fmt.Sprintf("go test ./triage -run TestFitFamilyWeights -fit-families: synth seeds %v, 10,000 families each", familyFitSeeds), fit)
	if _, err := parseFamilyWeights(b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("familyweights.json", b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("link threshold %.1f, mean family-link F1 %.4f on the fitting seeds", best, bestF1)
}

// familyFitPlateau is how far below the best mean F1 on the fitting
// streams the chosen threshold's may be (see TestFitFamilyWeights).
const familyFitPlateau = 0.005

// A triedThreshold is a link threshold a fit tried and the mean pairwise
// F1 it gave on the fitting streams.
type triedThreshold struct{ th, f1 float64 }

// meanF1 is the mean pairwise F1 of pairs over the fitting streams data
// (seeds their seeds, for the log) at threshold th, and whether every
// stream kept precision at least floor.
func meanF1(t *testing.T, what string, th float64, data []labelledRecords, seeds []int64, floor float64, pairs func(labelledRecords) PairScore) (float64, bool) {
	t.Helper()
	var sum float64
	ok := true
	for i, d := range data {
		p := pairs(d)
		t.Logf("threshold %.1f seed %d: %s links P %.4f R %.4f F1 %.4f", th, seeds[i], what, p.Precision, p.Recall, p.F1)
		sum += p.F1
		ok = ok && p.Precision >= floor
	}
	return sum / float64(len(data)), ok
}

// plateauThreshold returns the highest threshold of grid whose mean F1 is
// within familyFitPlateau of the best, with its F1 and the best: on the
// plateau the fitting data cannot tell the thresholds apart, and the
// higher links fewer namesakes where names are commoner than in the
// fitting data.
func plateauThreshold(grid []triedThreshold) (best, bestF1, top float64) {
	top = slices.MaxFunc(grid, func(a, b triedThreshold) int { return cmp.Compare(a.f1, b.f1) }).f1
	for _, g := range grid {
		if g.f1 >= top-familyFitPlateau && g.th > best {
			best, bestF1 = g.th, g.f1
		}
	}
	return best, bestF1, top
}

// familyFitRandomPairs is how many families drawn at random each referral
// is compared with for u.
const familyFitRandomPairs = 40

// familyFitPrecision is the least family-link pairwise precision the
// threshold may give on a fitting stream: a wrong link shows one family's
// history to a worker about another.
const familyFitPrecision = 0.99

// thresholdKeepsRules reports whether a link threshold keeps the guard
// rail on names: a person's name alone, even given and family name in
// full, never links (it takes a date, a place, a number or a handle as
// well: namesakes are common where surnames are, as the second generator
// has them, and a wrong link shows one family's history to a worker about
// another). This also leaves the recency rule its gap to fill.
func thresholdKeepsRules(w *familyWeights, th float64) bool {
	return max(w.at(fChildName, nameBoth), w.at(fAdultName, nameBoth)) < th
}

// labelledRecords is a generated stream with each referral's true family.
type labelledRecords struct {
	recs   []bonafide.Record
	family map[string]string // referral id -> true family
	truth  []Truth
}

func generateLabelled(t *testing.T, seed int64, families int) labelledRecords {
	t.Helper()
	var stream, truth bytes.Buffer
	if _, err := synth.Generate(context.Background(), synth.Config{Seed: seed, Families: families}, &stream, &truth); err != nil {
		t.Fatal(err)
	}
	d := labelledRecords{family: map[string]string{}}
	var err error
	if d.truth, err = ReadTruth(&truth); err != nil {
		t.Fatal(err)
	}
	for _, tr := range d.truth {
		d.family[tr.ReferralID] = tr.Family
	}
	sc := bufio.NewScanner(&stream)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		if blank(sc.Bytes()) {
			continue
		}
		rec, err := interchange.Unmarshal(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		d.recs = append(d.recs, rec)
	}
	return d
}

// countFamilyLevels links each stream with every referral filed in its
// true family and returns m and u of every level (shares smoothed by half
// a count), the pairs counted of one family and of two, and the chance
// that two families share a family name (the mean over the streams): m from each
// referral with its own family (when it has been referred before), u from
// familyFitRandomPairs families drawn at random, as linkage.Train draws
// random pairs for u. Not from the candidates the blocking keys bring:
// those agree on the keys by construction (a candidate brought by a shared
// handle shares it), which would weigh the keys' own fields for almost
// nothing.
func countFamilyLevels(data []labelledRecords, w *familyWeights) (m, u [famFields][]float64, pairs [2]int, surnameShare float64) {
	// A name that agrees with no one in the family (nameNone) weighs
	// nothing but is counted, so that each level's share is of all the
	// people compared.
	var count, exact [2][famFields][]float64
	for c := range count {
		for f := range famFields {
			n := len(famLevels[f].levels)
			if f == fChildName || f == fAdultName {
				n++
			}
			count[c][f] = make([]float64, n)
			exact[c][f] = make([]float64, n)
		}
	}
	for _, d := range data {
		fl := newFamilyLinkerWith(w)
		var seen []int // field<<8 | level of the candidate being scored
		fl.tally = func(f famField, l int) { seen = append(seen, int(f)<<8|l) }
		byTrue := map[string]int32{}
		rnd := rand.New(rand.NewPCG(1, 2))
		ids := newIdentifierIndex()
		var last time.Time
		for _, rec := range d.recs {
			r, ok := rec.(*bonafide.Referral)
			if !ok {
				continue
			}
			now := r.ReceivedAt
			if now.Before(last) {
				now = last
			}
			last = now
			keys := blockKeys(r)
			rk := newRefKeys(r)
			own, known := byTrue[d.family[r.ID]]
			tallied := func(c int, id int32) {
				seen = seen[:0]
				fl.score(rk, fl.families[id])
				pairs[c]++
				for _, x := range seen {
					count[c][x>>8][x&0xff]++
				}
			}
			if known {
				tallied(0, own)
			}
			for range familyFitRandomPairs {
				if id := int32(rnd.IntN(len(fl.families) + 1)); id < int32(len(fl.families)) && !(known && id == own) {
					tallied(1, id)
				}
			}
			ids.count(&exact, rk, own, known)
			var f *familyRec
			if known {
				f = fl.families[own]
			} else {
				f = fl.newFamily()
				byTrue[d.family[r.ID]] = f.id
			}
			fl.absorb(f, r, keys)
			ids.add(f)
			fl.last[f.id] = max(fl.last[f.id], now.UnixNano())
		}
		var sq float64
		for _, n := range fl.surnameFamilies {
			sq += float64(n) * float64(n)
		}
		surnameShare += sq / (float64(fl.surnameTotal) * float64(fl.surnameTotal)) / float64(len(data))
	}
	share := func(c []float64) []float64 {
		var n float64
		for _, x := range c {
			n += x
		}
		out := make([]float64, len(c))
		for l, x := range c {
			out[l] = (x + 0.5) / (n + 0.5*float64(len(c)))
		}
		return out
	}
	for _, f := range identifierFields {
		count[1][f] = exact[1][f]
	}
	for f := range famFields {
		n := len(famLevels[f].levels)
		m[f], u[f] = share(count[0][f])[:n], share(count[1][f])[:n]
	}
	return m, u, pairs, surnameShare
}

// familyPairs triages a stream with the default configuration and family
// weights w, and returns its family-link pairwise figures.
func familyPairs(t *testing.T, w *familyWeights, d labelledRecords) PairScore {
	t.Helper()
	saved := defaultFamilyWeights
	defaultFamilyWeights = w
	defer func() { defaultFamilyWeights = saved }()
	return triageLabelled(t, d).FamilyPairs
}

// triageLabelled triages a labelled stream with the default configuration
// (and whatever weights are in force) and evaluates it against its truth.
func triageLabelled(t *testing.T, d labelledRecords) Report {
	t.Helper()
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var as []Assessment
	for _, rec := range d.recs {
		a, err := e.Observe(rec)
		if err != nil {
			t.Fatal(err)
		}
		if a != nil {
			as = append(as, *a)
		}
	}
	return Evaluate(as, d.truth)
}

// handSetFamilyWeights are the scores the family linker added before its
// weights were fitted, as levels: the fit's starting point.
func handSetFamilyWeights() *familyWeights {
	w := &familyWeights{threshold: 4}
	w.w[fChildName] = []float64{2, 1.2, 0.8, 0}
	w.w[fChildDOB] = []float64{3, 2, 1.5, 1, 0.5, 0, -1, -2}
	w.w[fChildNHS] = []float64{6, 0}
	w.w[fAdultName] = []float64{2, 1.2, 0.8, 0}
	w.w[fHandle] = []float64{4, 0}
	w.w[fLine] = []float64{2, -2, -2}
	w.w[fTown] = []float64{0.5, 0, -1}
	w.w[fPostcode] = []float64{2.5, 0.75, 0.75, 0, 0}
	return w
}

// familyWeightsJSONOf writes weights, with the m and u they came from, as
// a weights file.
func familyWeightsJSONOf(w *familyWeights, m, u [famFields][]float64, source string, fit map[string]float64) []byte {
	file := familyWeightsFile{Version: FamilyWeightsVersion, Source: source, LinkThreshold: w.threshold,
		SurnameShare: math.Round(w.surnameShare*1e7) / 1e7, Fit: fit}
	r := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	for f := range famFields {
		ff := familyFieldFile{Field: famLevels[f].field}
		for l, name := range famLevels[f].levels {
			ff.Levels = append(ff.Levels, familyLevelFile{Level: name, M: r(m[f][l]), U: r(u[f][l]), Weight: math.Round(w.w[f][l]*1e3) / 1e3})
		}
		file.Fields = append(file.Fields, ff)
	}
	b, _ := json.MarshalIndent(file, "", "  ")
	return append(b, '\n')
}

func fmtWeights(w []float64) string {
	var b bytes.Buffer
	for _, x := range w {
		fmt.Fprintf(&b, " %+.2f", x)
	}
	return b.String()
}

// identifierFields are compared by equality of identifiers (a handle, an
// NHS number): their u is counted over every pair of a referral and an
// earlier family ([identifierIndex]), not over a sample. Chance agreement
// on an identifier is so rare that a sample of tens of thousands of pairs
// sees none, and its smoothed share would say only how large the sample
// was.
var identifierFields = []famField{fHandle, fChildNHS}

// identifierIndex holds, for the fit, which families have been seen with
// each handle and NHS number, and how many families have any.
type identifierIndex struct {
	byHandle, byNHS        map[string][]int32
	withHandles, withNHS   int
	hasHandles, hasNumbers map[int32]bool
}

func newIdentifierIndex() *identifierIndex {
	return &identifierIndex{byHandle: map[string][]int32{}, byNHS: map[string][]int32{},
		hasHandles: map[int32]bool{}, hasNumbers: map[int32]bool{}}
}

// add files family f's handles and numbers (after a referral was absorbed).
func (x *identifierIndex) add(f *familyRec) {
	file := func(m map[string][]int32, keys []string, has map[int32]bool, n *int) {
		for _, k := range keys {
			if !slices.Contains(m[k], f.id) {
				m[k] = append(m[k], f.id)
			}
		}
		if len(keys) > 0 && !has[f.id] {
			has[f.id] = true
			*n++
		}
	}
	file(x.byHandle, f.handles, x.hasHandles, &x.withHandles)
	file(x.byNHS, f.nhs, x.hasNumbers, &x.withNHS)
}

// count adds to the non-match counts of the identifier fields the levels
// of the referral against every earlier family but its own, as score
// would find them: agree where one is shared, differs otherwise.
func (x *identifierIndex) count(c *[2][famFields][]float64, k *refKeys, own int32, known bool) {
	tally := func(f famField, m map[string][]int32, keys []string, has map[int32]bool, n int) {
		if len(keys) == 0 {
			return
		}
		shared := map[int32]bool{}
		for _, key := range keys {
			for _, id := range m[key] {
				if !(known && id == own) {
					shared[id] = true
				}
			}
		}
		total := n
		if known && has[own] {
			total--
		}
		c[1][f][levelAgree] += float64(len(shared))
		c[1][f][levelDiffers] += float64(total - len(shared))
	}
	tally(fHandle, x.byHandle, k.handles, x.hasHandles, x.withHandles)
	for _, n := range k.childNHS {
		if n != "" {
			tally(fChildNHS, x.byNHS, []string{n}, x.hasNumbers, x.withNHS)
		}
	}
}
