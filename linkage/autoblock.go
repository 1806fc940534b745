package linkage

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// AutoOptions bound [ChooseBlocking].
type AutoOptions struct {
	// MaxPairs is the comparison budget: the candidate pairs the chosen rules may
	// produce together, counted rule by rule (default 20 per record, at least 200,000).
	MaxPairs int64
	// SamplePairs is how many pairs the first pass compares to find probable matches
	// (default 120,000).
	SamplePairs int64
	MaxRules    int    // at most this many rules (default 10)
	MaxBlock    int    // blocks larger than this are skipped, as in [NewBlocker] (default 5000)
	Seed        uint64 // which records are sampled
	// Model, if not nil, judges which sampled pairs probably match; otherwise one is
	// trained on the first pass's rules (see [Train]) and returned in the report.
	Model *Model
}

func (o *AutoOptions) defaults(n int) {
	if o.MaxPairs <= 0 {
		o.MaxPairs = max(20*int64(n), 200_000)
	}
	if o.SamplePairs <= 0 {
		o.SamplePairs = 120_000
	}
	if o.MaxRules <= 0 {
		o.MaxRules = 10
	}
	if o.MaxBlock <= 0 {
		o.MaxBlock = 5000
	}
}

// A RuleChoice is one rule [ChooseBlocking] chose, with the estimates that chose it.
type RuleChoice struct {
	Rule   BlockRule `json:"rule"`
	Pairs  int64     `json:"pairs"`  // estimated candidate pairs of the rule alone
	Recall float64   `json:"recall"` // estimated share of the probable matches it finds alone
	Gain   float64   `json:"gain"`   // share it adds to the rules chosen before it
}

// An AutoReport says how [ChooseBlocking] chose its rules, so that a run without
// hand-written blocking can be checked and its rules pinned in a configuration.
type AutoReport struct {
	Candidates int          `json:"candidates"`   // candidate rules (single keys and pairs of keys)
	FirstPass  []string     `json:"first_pass"`   // the loosest candidates within budget, whose pairs were sampled
	Sampled    int64        `json:"sampled"`      // pairs compared in the first pass
	Matches    float64      `json:"matches"`      // estimated probable matches among the first pass's pairs
	Budget     int64        `json:"budget"`       // comparison budget
	Chosen     []RuleChoice `json:"chosen"`       // in order of choice
	Recall     float64      `json:"recall"`       // estimated recall of the chosen rules together
	Pairs      int64        `json:"pairs"`        // estimated pairs of the chosen rules, summed rule by rule
	FirstPassR float64      `json:"first_recall"` // estimated recall of all first-pass rules together

	// Fallback, when not empty, says why the rules are the ones the field types
	// suggest ([DefaultBlocking]) rather than chosen by estimated recall.
	Fallback string `json:"fallback,omitempty"`

	// Model is the model trained on the first pass's rules (or the one given in
	// [AutoOptions]). Its prior is the match probability of a pair at large, not of
	// blocked pairs, so it scores the chosen rules' pairs as well.
	Model *Model `json:"-"`
}

// Rules returns the chosen rules, in order of choice.
func (a *AutoReport) Rules() []BlockRule {
	var out []BlockRule
	for _, c := range a.Chosen {
		out = append(out, c.Rule)
	}
	return out
}

// candidateTransforms are the block-key transforms worth trying on a field of kind k:
// the value itself and what survives the usual errors of that kind of value.
func candidateTransforms(k Kind) []string {
	switch k {
	case KindGivenName:
		return []string{"", "first", "first3", "phonetic", "nickname"}
	case KindSurname:
		return []string{"", "first", "first3", "phonetic"}
	case KindDate:
		return []string{"", "year", "year_month"}
	case KindPostcodeUK, KindEmail, KindHandle, KindPhone, KindIP:
		return []string{"", "district"}
	case KindString, KindAddress:
		return []string{"", "first3", "last3"}
	}
	return []string{""}
}

// coarser reports whether key a is implied by key b: records that share b's key
// share a's (a is b or a coarser transform of the same field).
func coarser(a, b BlockKey) bool {
	if a.Field != b.Field {
		return false
	}
	switch {
	case a.Transform == b.Transform, b.Transform == "":
		return true
	case a.Transform == "first" && b.Transform == "first3":
		return true
	case a.Transform == "year" && b.Transform == "year_month":
		return true
	}
	return false
}

// ruleCoarser reports whether every pair rule b blocks is also blocked by rule a.
func ruleCoarser(a, b BlockRule) bool {
	for _, ka := range a.On {
		if !slices.ContainsFunc(b.On, func(kb BlockKey) bool { return coarser(ka, kb) }) {
			return false
		}
	}
	return true
}

// candidate is one candidate rule: its keys as indexes into the single keys.
type candidate struct {
	rule     BlockRule
	singles  []int
	pairs    int64           // estimated pairs in blocks of at most MaxBlock
	oversize map[uint64]bool // keys of blocks estimated larger than MaxBlock
}

// keyHash hashes one block-key part as [NewBlocker] does; 0 means no key.
func keyHash(v *value, transform string) uint64 {
	kp := keyPart(v, transform)
	if kp == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for k := 0; k < len(kp); k++ {
		h ^= uint64(kp[k])
		h *= 1099511628211
	}
	return h | 1
}

// combine is the key of a conjunction of keys; 0 when any part is missing.
func combine(hs ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, x := range hs {
		if x == 0 {
			return 0
		}
		h = mix(h ^ x)
	}
	return h | 1
}

// PairCount estimates the candidate pairs of blocks holding keys, one key per record (0
// for none), scaled by 1/rate² when keys come from a sample of records taken at rate:
// the sum over keys of n choose 2, or with src set (linking) the sum of n_A·n_B. Blocks
// estimated larger than maxBlock records are skipped by blocking and so counted apart
// (skipped), their keys returned in over. Keys differing only in the low bit are one key.
func PairCount(keys []uint64, src []uint8, rate float64, maxBlock int) (pairs, skipped int64, over map[uint64]bool) {
	var t keyCounts
	return t.pairCount(keys, src, rate, maxBlock)
}

// keyCounts is an open-addressing table of records per key, kept between calls so that
// counting the pairs of several hundred candidate rules allocates once. Counting in a
// table of two to four slots per record is several times cheaper than sorting the keys.
type keyCounts struct {
	slot  []keyCount
	used  []uint32 // slots taken, to clear them for the next count
	shift uint
}

type keyCount struct {
	key  uint64 // key|1, or 0 for an empty slot
	n, a int32  // records holding the key; of them, from the first source
}

// pairCount is [PairCount] counting in t.
func (t *keyCounts) pairCount(keys []uint64, src []uint8, rate float64, maxBlock int) (pairs, skipped int64, over map[uint64]bool) {
	size, bits := 16, uint(4)
	for size < 2*len(keys) {
		size, bits = size*2, bits+1
	}
	if len(t.slot) != size {
		t.slot, t.shift = make([]keyCount, size), 64-bits
	}
	mask := uint64(size - 1)
	for i, k := range keys {
		if k == 0 {
			continue
		}
		k |= 1
		x := (k * 0x9e3779b97f4a7c15) >> t.shift
		for t.slot[x].key != 0 && t.slot[x].key != k {
			x = (x + 1) & mask
		}
		e := &t.slot[x]
		if e.key == 0 {
			e.key = k
			t.used = append(t.used, uint32(x))
		}
		e.n++
		if src != nil && src[i] == 0 {
			e.a++
		}
	}
	// Whole pairs are summed before scaling, so that the figures do not depend on the
	// order of the table.
	var kept, skip int64
	for _, x := range t.used {
		e := &t.slot[x]
		n := int64(e.n)
		p := n * (n - 1) / 2
		if src != nil {
			p = int64(e.a) * (n - int64(e.a))
		}
		if float64(n)/rate > float64(maxBlock) {
			skip += p
			if over == nil {
				over = map[uint64]bool{}
			}
			over[e.key] = true
		} else {
			kept += p
		}
		*e = keyCount{}
	}
	t.used = t.used[:0]
	scale := 1 / (rate * rate)
	return int64(math.Round(float64(kept) * scale)), int64(math.Round(float64(skip) * scale)), over
}

// ChooseBlocking chooses blocking rules from the records themselves, for a
// configuration that gives fields and types but no rules. No labels are used.
//
// Candidates are every field under each transform that suits its kind (the value,
// first letters, phonetic code, nickname group, year or month of birth, postcode
// district, last letters) and every conjunction of two of them on different fields.
// Each candidate's pair count is estimated from its key frequencies (the sum of n_k
// choose 2, on a sample of records when there are many). The loosest candidates within
// the budget — those no coarser candidate within budget contains — make a first pass:
// their pairs are sampled (all of a tight rule's, a share of a loose one's, each pair
// weighed by the inverse of its chance of being drawn) and compared on every field, once:
// the model's m comes from one EM session per rule on its own drawn pairs, its prior
// from all of them weighed, with no further pass over the first pass's blocks.
// The pairs it finds probably matching stand in for the truth: each candidate's recall
// is the weighted share of them it keeps. Rules are then chosen greedily, each time the
// one adding most estimated recall per pair compared, until the budget, the rule limit
// or the recall to gain runs out; a rule left adding nothing is dropped.
func ChooseBlocking(ctx context.Context, s *Schema, recs []Record, link bool, opt AutoOptions) (*AutoReport, error) {
	n := len(recs)
	opt.defaults(n)
	if n < 2 {
		return nil, fmt.Errorf("choose blocking: %d records", n)
	}
	// Single keys.
	var singles []BlockKey
	for _, f := range s.Fields {
		for _, t := range candidateTransforms(f.Kind) {
			singles = append(singles, BlockKey{Field: f.Name, Transform: t})
		}
	}
	singleField := make([]int, len(singles))
	for i, k := range singles {
		singleField[i] = s.FieldIndex(k.Field)
	}
	// Records whose keys are counted: all, or a sample when there are many.
	const countSample = 100_000
	rate := 1.0
	var sample []int
	if n > countSample {
		rate = float64(countSample) / float64(n)
		cut := uint64(rate * math.MaxUint64)
		for i := range n {
			if mix(uint64(i)^opt.Seed<<32) < cut {
				sample = append(sample, i)
			}
		}
	} else {
		sample = make([]int, n)
		for i := range sample {
			sample[i] = i
		}
	}
	var src []uint8
	if link {
		src = make([]uint8, len(sample))
		for x, i := range sample {
			src[x] = recs[i].Source
			if src[x] != recs[0].Source {
				src[x] = 1
			} else {
				src[x] = 0
			}
		}
	}
	sk := make([][]uint64, len(singles))
	for c, k := range singles {
		sk[c] = make([]uint64, len(sample))
		f := singleField[c]
		for x, i := range sample {
			sk[c][x] = keyHash(&recs[i].vals[f], k.Transform)
		}
	}
	var cands []candidate
	for a := range singles {
		cands = append(cands, candidate{rule: BlockRule{On: []BlockKey{singles[a]}}, singles: []int{a}})
	}
	for a := range singles {
		for b := a + 1; b < len(singles); b++ {
			if singles[a].Field != singles[b].Field {
				cands = append(cands, candidate{rule: BlockRule{On: []BlockKey{singles[a], singles[b]}}, singles: []int{a, b}})
			}
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := make([]uint64, len(sample))
			var counts keyCounts
			for {
				c := int(next.Add(1) - 1)
				if c >= len(cands) || ctx.Err() != nil {
					return
				}
				cd := &cands[c]
				if len(cd.singles) == 1 {
					copy(keys, sk[cd.singles[0]])
				} else {
					a, b := sk[cd.singles[0]], sk[cd.singles[1]]
					for x := range keys {
						keys[x] = combine(a[x], b[x])
					}
				}
				cd.pairs, _, cd.oversize = counts.pairCount(keys, src, rate, opt.MaxBlock)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("choose blocking: %w", err)
	}
	rep := &AutoReport{Candidates: len(cands), Budget: opt.MaxPairs}

	// First pass: the loosest candidates within budget.
	var within []int
	for c := range cands {
		if cands[c].pairs > 0 && cands[c].pairs <= opt.MaxPairs {
			within = append(within, c)
		}
	}
	var first []int
	for _, c := range within {
		dominated := false
		for _, d := range within {
			if d != c && ruleCoarser(cands[d].rule, cands[c].rule) && !(ruleCoarser(cands[c].rule, cands[d].rule) && d > c) {
				dominated = true
				break
			}
		}
		if !dominated {
			first = append(first, c)
		}
	}
	if len(first) == 0 {
		return nil, fmt.Errorf("choose blocking: no candidate rule produces pairs within the budget of %d", opt.MaxPairs)
	}
	rules := make([]BlockRule, len(first))
	for x, c := range first {
		rules[x] = cands[c].rule
		rep.FirstPass = append(rep.FirstPass, cands[c].rule.String())
	}
	fp, err := sampleFirstPass(ctx, s, recs, rules, cands, first, link, opt)
	if err != nil {
		return nil, err
	}
	rep.Sampled = fp.sampled
	rep.Model = fp.model
	rep.Matches = fp.total
	if fp.total <= 0 {
		// Nothing to measure recall on (a model given that links nothing, or
		// records of distinct people only): the rules the field types suggest, else
		// the cheapest candidate.
		rep.Fallback = fmt.Sprintf("the first pass found no probable matches among %d pairs", fp.sampled)
		rules := DefaultBlocking(s.Fields)
		if len(rules) == 0 {
			rules = []BlockRule{cands[slices.MinFunc(within, func(x, y int) int { return cmp.Compare(cands[x].pairs, cands[y].pairs) })].rule}
		}
		for _, r := range rules {
			rep.Chosen = append(rep.Chosen, RuleChoice{Rule: r})
		}
		return rep, nil
	}

	// Coverage of each candidate over the probable matches, from the single keys of
	// both records of each pair.
	ka := make([][]uint64, len(singles))
	kb := make([][]uint64, len(singles))
	for c, k := range singles {
		ka[c] = make([]uint64, len(fp.pairs))
		kb[c] = make([]uint64, len(fp.pairs))
		f := singleField[c]
		for p, pr := range fp.pairs {
			ka[c][p] = keyHash(&recs[pr.i].vals[f], k.Transform)
			kb[c][p] = keyHash(&recs[pr.j].vals[f], k.Transform)
		}
	}
	cov := make([][]bool, len(cands))
	for c := range cands {
		cov[c] = make([]bool, len(fp.pairs))
		cd := &cands[c]
		if cd.pairs <= 0 || cd.pairs > opt.MaxPairs {
			continue
		}
		for p := range fp.pairs {
			k := uint64(0)
			for _, sg := range cd.singles {
				if ka[sg][p] == 0 || ka[sg][p] != kb[sg][p] {
					k = 0
					break
				}
				k = ka[sg][p]
			}
			if k == 0 {
				continue
			}
			if len(cd.singles) == 2 {
				k = combine(ka[cd.singles[0]][p], ka[cd.singles[1]][p])
			}
			cov[c][p] = !cd.oversize[k]
		}
	}
	done := make([]bool, len(fp.pairs))
	var all float64
	for p := range fp.pairs {
		if slices.ContainsFunc(first, func(c int) bool { return cov[c][p] }) {
			all += fp.pairs[p].w
		}
	}
	rep.FirstPassR = all / fp.total
	overhead := float64(opt.MaxPairs) / 200
	minGain := max(0.5, 1e-4*fp.total)
	var used int64
	var chosen []int
	for len(chosen) < opt.MaxRules {
		best, bestGain, bestRatio := -1, 0.0, 0.0
		for c := range cands {
			if cands[c].pairs <= 0 || used+cands[c].pairs > opt.MaxPairs || slices.Contains(chosen, c) {
				continue
			}
			gain := 0.0
			for p, ok := range cov[c] {
				if ok && !done[p] {
					gain += fp.pairs[p].w
				}
			}
			if r := gain / (float64(cands[c].pairs) + overhead); gain >= minGain && r > bestRatio {
				best, bestGain, bestRatio = c, gain, r
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, best)
		used += cands[best].pairs
		for p, ok := range cov[best] {
			if ok {
				done[p] = true
			}
		}
		_ = bestGain
	}
	// Drop rules whose matches the others find.
	for x := len(chosen) - 1; x >= 0; x-- {
		c := chosen[x]
		needed := false
		for p, ok := range cov[c] {
			if ok && !slices.ContainsFunc(chosen, func(d int) bool { return d != c && cov[d][p] }) {
				needed = true
				break
			}
		}
		if !needed {
			chosen = slices.Delete(chosen, x, x+1)
		}
	}
	clear(done)
	var got float64
	for _, c := range chosen {
		var alone, gain float64
		for p, ok := range cov[c] {
			if !ok {
				continue
			}
			alone += fp.pairs[p].w
			if !done[p] {
				gain += fp.pairs[p].w
				done[p] = true
			}
		}
		got += gain
		rep.Chosen = append(rep.Chosen, RuleChoice{Rule: cands[c].rule, Pairs: cands[c].pairs, Recall: alone / fp.total, Gain: gain / fp.total})
		rep.Pairs += cands[c].pairs
	}
	rep.Recall = got / fp.total
	if len(rep.Chosen) == 0 {
		return nil, fmt.Errorf("choose blocking: no rule within the budget of %d pairs finds the probable matches", opt.MaxPairs)
	}
	return rep, nil
}

// firstPass holds the probable matches of the first pass: pairs whose posterior
// match probability is at least one half, weighed by it and by the inverse of their
// chance of being sampled.
type firstPass struct {
	model   *Model
	sampled int64
	pairs   []weightedPair
	total   float64
}

type weightedPair struct {
	i, j int32
	w    float64
}

// sampleFirstPass draws pairs from the blocks of rules: each rule's share of anchor
// records is set so that it yields about SamplePairs/len(rules) pairs, and a pair is
// drawn when one of its records is an anchor of a rule that blocks it. It compares each
// drawn pair once and returns the probable matches among them.
//
// Without a model given, one is trained as [Train] trains on the rules, except that the
// prior is fitted to the drawn pairs, each weighed by the inverse of its chance of being
// drawn, rather than to a further pass over all the rules' pairs: weighed so, they stand
// for all of them, and the sum of the weights estimates how many there are.
func sampleFirstPass(ctx context.Context, s *Schema, recs []Record, rules []BlockRule, cands []candidate, first []int, link bool, opt AutoOptions) (*firstPass, error) {
	b, err := NewBlocker(s, rules, recs, opt.MaxBlock, link)
	if err != nil {
		return nil, fmt.Errorf("choose blocking: %w", err)
	}
	per := float64(opt.SamplePairs) / float64(len(rules))
	frac := make([]float64, len(rules))
	cut := make([]uint64, len(rules))
	for r := range rules {
		// An anchor draws its pairs in its block: about 2·pairs·f pairs in all.
		frac[r] = min(1, per/(2*float64(max(cands[first[r]].pairs, 1))))
		cut[r] = uint64(frac[r] * math.MaxUint64)
		if frac[r] >= 1 {
			cut[r] = math.MaxUint64
		}
	}
	// Which records anchor each rule, marked once for the records in its blocks (the
	// only ones asked about), one bit a record.
	anchors := make([][]uint64, len(rules))
	for r := range rules {
		anchors[r] = make([]uint64, (len(recs)+63)/64)
	}
	for _, run := range b.runs {
		r := run.rule
		for _, i := range run.order[run.start:run.end] {
			if cut[r] == math.MaxUint64 || mix(uint64(i)<<8^uint64(r)^opt.Seed<<40) < cut[r] {
				anchors[r][i>>6] |= 1 << (i & 63)
			}
		}
	}
	anchor := func(r int, i int32) bool { return anchors[r][i>>6]&(1<<(i&63)) != 0 }
	// Each rule's drawn pairs, its blocked fields left out, for its EM session.
	train := opt.Model == nil
	hide := make([]uint64, len(rules))
	for r := range rules {
		for f := range s.Fields {
			if b.ruleFields(s, r)&(1<<f) != 0 {
				hide[r] |= 15 << (4 * f)
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	out := make([][]drawnPair, workers)
	sess := make([][]map[uint64]float64, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		if train {
			sess[w] = make([]map[uint64]float64, len(rules))
			for r := range rules {
				sess[w][r] = map[uint64]float64{}
			}
		}
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(b.runs) || ctx.Err() != nil {
					return
				}
				run := b.runs[k]
				r := run.rule
				ids := run.order[run.start:run.end]
				for x, i := range ids {
					if !anchor(r, i) {
						continue
					}
					for y, j := range ids {
						if x == y || (y < x && anchor(r, j)) {
							continue
						}
						if link && recs[i].Source == recs[j].Source {
							continue
						}
						// Drawn by an earlier rule already?
						dup := false
						for q := range r {
							if b.covered(q, i, j) && (anchor(q, i) || anchor(q, j)) {
								dup = true
								break
							}
						}
						if dup {
							continue
						}
						a, c := min(i, j), max(i, j)
						pat := s.pattern(&recs[a], &recs[c])
						// The chance that some rule draws the pair; each rule that
						// would draw it has it in its session's sample.
						miss := 1.0
						for q := range rules {
							if !b.covered(q, a, c) {
								continue
							}
							miss *= (1 - frac[q]) * (1 - frac[q])
							if train && (anchor(q, a) || anchor(q, c)) {
								sess[w][q][pat&^hide[q]]++
							}
						}
						out[w] = append(out[w], drawnPair{a, c, pat, 1 / (1 - miss)})
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("choose blocking: %w", err)
	}
	drawn := slices.Concat(out...)
	fp := &firstPass{model: opt.Model, sampled: int64(len(drawn))}
	if train {
		// Each rule an EM session of its own, its blocked fields left out (Splink's
		// way): a mixture fitted to the union of the blocks at once would take the
		// agreements they were blocked on for chance.
		topt := TrainOptions{Seed: opt.Seed}
		topt.defaults()
		var sessions map[string]any
		fp.model, sessions, err = trainMU(s, recs, b, topt, func(r int, _ uint64, _ int64) (map[uint64]float64, error) {
			for _, o := range sess[1:] {
				for k, c := range o[r] {
					sess[0][r][k] += c
				}
			}
			return sess[0][r], nil
		})
		if err != nil {
			return nil, fmt.Errorf("choose blocking: first pass: %w", err)
		}
		patterns := map[uint64]float64{}
		var total float64
		for _, d := range drawn {
			patterns[d.pattern] += d.w
			total += d.w
		}
		if total == 0 {
			return nil, fmt.Errorf("choose blocking: first pass: blocking produced no pairs")
		}
		lambda, iters := fitPrior(fp.model, s, recs, link, patterns, total, topt)
		fp.model.Meta = map[string]any{
			"records": len(recs), "blocked_pairs": int64(math.Round(total)), "em_pairs": len(drawn),
			"em_patterns": len(patterns), "em_iterations": iters, "em_match_share": lambda,
			"sessions": sessions, "prior_from": "first-pass sample weighed by inverse chance of drawing",
		}
	}
	m := fp.model
	half := m.WeightAt(0.5)
	for _, d := range drawn {
		wt := m.scorePattern(d.pattern, &recs[d.i], &recs[d.j])
		if wt < half {
			continue
		}
		p := m.Probability(wt)
		if p < 0.5 {
			continue
		}
		fp.pairs = append(fp.pairs, weightedPair{d.i, d.j, p * d.w})
		fp.total += p * d.w
	}
	return fp, nil
}

// A drawnPair is a pair of the first pass's sample: its comparison levels and the
// inverse of its chance of being drawn.
type drawnPair struct {
	i, j    int32
	pattern uint64
	w       float64
}
