package linkage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
)

// SetFrequencies records, in every prepared value of a term-frequency field, the share
// of recs holding the same value. Exact agreement on a value held by 1% of records is
// then worth log2(m/0.01) rather than the field's average.
func (s *Schema) SetFrequencies(recs []Record) {
	for i, f := range s.Fields {
		if !f.tf() {
			continue
		}
		counts := map[string]int32{}
		for r := range recs {
			if v := recs[r].vals[i].s; v != "" {
				counts[v]++
			}
		}
		n := float32(len(recs))
		for r := range recs {
			v := &recs[r].vals[i]
			if v.s != "" {
				v.tf = float32(counts[v.s]) / n
			}
		}
	}
}

// TrainOptions bound the work of [Train].
type TrainOptions struct {
	RandomPairs int // random pairs for u (default 500,000; all pairs when fewer)
	EMPairs     int // blocked pairs sampled for EM (default 1,000,000)
	// SessionPairs is the least number of a rule's pairs its EM session samples, when
	// EMPairs shared among the rules gives fewer (default 100,000).
	SessionPairs int
	MaxIter      int     // EM iterations (default 200)
	Tolerance    float64 // stop when no parameter moves more than this (default 1e-7)
	Seed         uint64  // random pair sampling; fixed for reproducible models
	Workers      int     // default GOMAXPROCS
}

func (o *TrainOptions) defaults() {
	if o.RandomPairs <= 0 {
		o.RandomPairs = 500_000
	}
	if o.EMPairs <= 0 {
		o.EMPairs = 1_000_000
	}
	if o.SessionPairs <= 0 {
		o.SessionPairs = 100_000
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 200
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 1e-7
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// Train estimates a model without labels.
//
// u, the level probabilities among non-matches, comes from random pairs (almost all of
// which are non-matches). m comes from expectation–maximisation in sessions, one per
// training blocking rule, as Splink does: within the pairs of one rule, the fields the
// rule blocks on are ignored (they agree by construction) and a two-class mixture is
// fitted to the rest. Each field's m is the mean over the sessions that did not block on
// it, weighted by the eighth power of each session's match share so that the purest
// sessions decide. Rules on identifiers (NHS number, e-mail) give nearly pure sets of matches and so
// firm m; rules on names and dates give the rest. Location rules are best left out of
// training where households are common, since relatives sharing a home look like a
// match class to EM. Finally the share of matches among all blocked pairs is fitted
// with m held fixed, and scaled by blocked pairs over all pairs to give the prior.
func Train(ctx context.Context, s *Schema, recs []Record, b *Blocker, opt TrainOptions) (*Model, error) {
	opt.defaults()
	per := max(opt.EMPairs/len(b.trainRules()), opt.SessionPairs)
	m, sessions, err := trainMU(s, recs, b, opt, func(r int, masked uint64, n int64) (map[uint64]float64, error) {
		every := uint64(1)
		if n > int64(per) {
			every = uint64((n + int64(per) - 1) / int64(per))
		}
		patterns := map[uint64]float64{}
		err := b.rulePairs(ctx, r, func(i, j int32) {
			if every > 1 && mix(uint64(i)<<32|uint64(j))%every != 0 {
				return
			}
			var key uint64
			for f := range s.Fields {
				if masked&(1<<f) == 0 {
					key |= uint64(s.Compare(f, &recs[i], &recs[j])+1) << (4 * f)
				}
			}
			patterns[key]++
		})
		return patterns, err
	})
	if err != nil {
		return nil, err
	}

	// The match share among all blocked pairs, m fixed.
	var total int64
	if err := b.Pairs(ctx, opt.Workers, func(int, int32, int32) {}); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	for _, st := range b.stats {
		total += st.Pairs
	}
	if total == 0 {
		return nil, fmt.Errorf("train: blocking produced no pairs")
	}
	keepEvery := uint64(1)
	if total > int64(opt.EMPairs) {
		keepEvery = uint64((total + int64(opt.EMPairs) - 1) / int64(opt.EMPairs))
	}
	maps := make([]map[uint64]float64, opt.Workers)
	for w := range maps {
		maps[w] = map[uint64]float64{}
	}
	err = b.Pairs(ctx, opt.Workers, func(w int, i, j int32) {
		if keepEvery > 1 && mix(uint64(i)<<32|uint64(j))%keepEvery != 0 {
			return
		}
		maps[w][s.pattern(&recs[i], &recs[j])]++
	})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	patterns := maps[0]
	for _, mp := range maps[1:] {
		for k, c := range mp {
			patterns[k] += c
		}
	}
	lambda, iters := fitPrior(m, s, recs, b.link, patterns, float64(total), opt)
	m.Meta = map[string]any{
		"records": len(recs), "blocked_pairs": total, "em_pairs": total / int64(keepEvery),
		"em_patterns": len(patterns), "em_iterations": iters, "em_match_share": lambda,
		"sessions": sessions,
	}
	return m, nil
}

// fitPrior sets m's prior from the comparison patterns of pairs that stand for all
// total blocked pairs (weights summing to their share of them): the match share among
// them, fitted with m held fixed, scaled by blocked pairs over all pairs. It compiles
// m and returns the match share and the EM iterations used.
func fitPrior(m *Model, s *Schema, recs []Record, link bool, patterns map[uint64]float64, total float64, opt TrainOptions) (float64, int) {
	nf := len(s.Fields)
	fixed := make([][]float64, nf)
	for f := range nf {
		for _, lp := range m.Params[f].Levels {
			fixed[f] = append(fixed[f], lp.M)
		}
	}
	lambda, iters := em(sessionCopy(m), patterns, opt, fixed)
	allPairs := float64(len(recs)) * float64(len(recs)-1) / 2
	if link {
		var na int
		for i := range recs {
			if recs[i].Source == recs[0].Source {
				na++
			}
		}
		allPairs = float64(na) * float64(len(recs)-na)
	}
	m.Prior = min(max(lambda*total/allPairs, 1e-12), 0.5)
	m.TFMin = 1 / float64(len(recs))
	m.compile(s)
	return lambda, iters
}

// trainMU is the first part of [Train]: u from random pairs and m from one EM session
// per training rule, each fitted to the comparison patterns sessionPatterns gives for
// the rule's pairs (fields in masked left out; n pairs in the rule's blocks). It returns
// the model without its prior, and what each session found.
func trainMU(s *Schema, recs []Record, b *Blocker, opt TrainOptions, sessionPatterns func(r int, masked uint64, n int64) (map[uint64]float64, error)) (*Model, map[string]any, error) {
	m, err := NewModel(s.Fields)
	if err != nil {
		return nil, nil, err
	}
	m.compile(s)
	nf := len(s.Fields)
	u := randomU(s, recs, b.link, opt)
	for i := range nf {
		for l := range m.Params[i].Levels {
			m.Params[i].Levels[l].U = u[i][l]
		}
	}
	// m by sessions.
	sumM := make([][]float64, nf)
	nM := make([]float64, nf)
	for f := range nf {
		sumM[f] = make([]float64, len(m.Params[f].Levels))
	}
	sessions := map[string]any{}
	for _, r := range b.trainRules() {
		masked := b.ruleFields(s, r)
		var n int64
		for _, run := range b.runs {
			if run.rule == r {
				k := int64(run.end - run.start)
				n += k * (k - 1) / 2
			}
		}
		if n == 0 {
			continue
		}
		patterns, err := sessionPatterns(r, masked, n)
		if err != nil {
			return nil, nil, fmt.Errorf("train: %w", err)
		}
		sm := sessionCopy(m)
		share, iters := em(sm, patterns, opt, nil)
		sessions[b.Rules[r].String()] = map[string]any{"pairs": n, "match_share": share, "iterations": iters}
		for f := range nf {
			if masked&(1<<f) != 0 {
				continue
			}
			// Purer sessions (more of their pairs are matches) weigh much more: in
			// a session of common names the match class also holds relatives.
			w := math.Pow(share, 8)
			nM[f] += w
			for l := range sumM[f] {
				sumM[f][l] += w * sm.Params[f].Levels[l].M
			}
		}
	}
	for f := range nf {
		if nM[f] == 0 {
			continue // no session saw this field: keep the neutral start
		}
		for l := range sumM[f] {
			m.Params[f].Levels[l].M = sumM[f][l] / nM[f]
		}
	}

	return m, sessions, nil
}

// trainRules returns the rules whose pairs train m: those marked Train, or all.
func (b *Blocker) trainRules() []int {
	var train []int
	for r, rule := range b.Rules {
		if rule.Train {
			train = append(train, r)
		}
	}
	if len(train) == 0 {
		for r := range b.Rules {
			train = append(train, r)
		}
	}
	return train
}

// ruleFields returns the fields rule r blocks on, one bit a field.
func (b *Blocker) ruleFields(s *Schema, r int) uint64 {
	var masked uint64
	for _, k := range b.Rules[r].On {
		masked |= 1 << s.FieldIndex(k.Field)
	}
	return masked
}

// sessionCopy returns a copy of m's parameters for one EM session.
func sessionCopy(m *Model) *Model {
	c := &Model{Fields: m.Fields, Prior: m.Prior, TFMin: m.TFMin}
	for _, fp := range m.Params {
		c.Params = append(c.Params, FieldParams{Field: fp.Field, Levels: slices.Clone(fp.Levels)})
	}
	return c
}

// mix is a 64-bit hash finaliser (SplitMix64), used to sample pairs reproducibly.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// randomU estimates u per field and level from random pairs, with add-one smoothing so
// that no level is impossible.
func randomU(s *Schema, recs []Record, link bool, opt TrainOptions) [][]float64 {
	nf := len(s.Fields)
	n := len(recs)
	workers := opt.Workers
	counts := make([][][]float64, workers)
	for w := range counts {
		counts[w] = make([][]float64, nf)
		for i := range nf {
			counts[w][i] = make([]float64, len(s.Fields[i].Kind.Levels()))
		}
	}
	all := int64(n) * int64(n-1) / 2
	exhaustive := all <= int64(opt.RandomPairs)
	done := make(chan struct{}, workers)
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			c := counts[w]
			add := func(i, j int) {
				if link && recs[i].Source == recs[j].Source {
					return
				}
				for f := range nf {
					if l := s.Compare(f, &recs[i], &recs[j]); l != Null {
						c[f][l]++
					}
				}
			}
			if exhaustive {
				for i := w; i < n; i += workers {
					for j := i + 1; j < n; j++ {
						add(i, j)
					}
				}
				return
			}
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(w)+1))
			for range opt.RandomPairs / workers {
				i, j := rng.IntN(n), rng.IntN(n)
				if i != j {
					add(i, j)
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	u := make([][]float64, nf)
	for f := range nf {
		u[f] = make([]float64, len(counts[0][f]))
		tot := 0.0
		for l := range u[f] {
			for w := range workers {
				u[f][l] += counts[w][f][l]
			}
			u[f][l]++
			tot += u[f][l]
		}
		for l := range u[f] {
			u[f][l] /= tot
		}
	}
	return u
}

// em fits a two-class mixture to the pattern counts: m (stored in the model's M) for
// matches and a separate u (stored in its U, which em starts from) for non-matches
// among blocked pairs, so callers pass a copy of a model whose U they keep. It returns the match
// share and the iterations used.
//
// With fixed not nil, m is held at fixed and only the match share and the non-match
// probabilities move.
func em(m *Model, patterns map[uint64]float64, opt TrainOptions, fixed [][]float64) (float64, int) {
	nf := len(m.Params)
	type pat struct {
		lv [16]int8
		c  float64
	}
	ps := make([]pat, 0, len(patterns))
	for k, c := range patterns {
		var p pat
		p.c = c
		for f := range nf {
			p.lv[f] = int8(int((k>>(4*f))&15) - 1)
		}
		ps = append(ps, p)
	}
	mm := make([][]float64, nf)
	uu := make([][]float64, nf)
	for f := range nf {
		L := len(m.Params[f].Levels)
		mm[f] = make([]float64, L)
		uu[f] = make([]float64, L)
		for l := range L {
			mm[f][l] = startM(l, L)
			if fixed != nil {
				mm[f][l] = fixed[f][l]
			}
			uu[f][l] = m.Params[f].Levels[l].U
		}
	}
	lambda := 0.1
	am := make([][]float64, nf)
	au := make([][]float64, nf)
	for f := range nf {
		am[f] = make([]float64, len(mm[f]))
		au[f] = make([]float64, len(mm[f]))
	}
	iter := 0
	for iter = 1; iter <= opt.MaxIter; iter++ {
		for f := range nf {
			clear(am[f])
			clear(au[f])
		}
		var sm, total float64
		for _, p := range ps {
			lm, lu := math.Log(lambda), math.Log(1-lambda)
			for f := range nf {
				if l := p.lv[f]; l >= 0 {
					lm += math.Log(mm[f][l])
					lu += math.Log(uu[f][l])
				}
			}
			post := 1 / (1 + math.Exp(lu-lm))
			wm, wu := p.c*post, p.c*(1-post)
			sm += wm
			total += p.c
			for f := range nf {
				if l := p.lv[f]; l >= 0 {
					am[f][l] += wm
					au[f][l] += wu
				}
			}
		}
		delta := 0.0
		newLambda := min(max(sm/total, 1e-9), 1-1e-9)
		delta = math.Abs(newLambda - lambda)
		lambda = newLambda
		for f := range nf {
			tm, tu := 0.0, 0.0
			for l := range am[f] {
				am[f][l] += 1e-3 // a little smoothing keeps unseen levels possible
				au[f][l] += 1e-3
				tm += am[f][l]
				tu += au[f][l]
			}
			for l := range am[f] {
				nm, nu := am[f][l]/tm, au[f][l]/tu
				if fixed != nil {
					nm = mm[f][l]
				}
				delta = max(delta, math.Abs(nm-mm[f][l]), math.Abs(nu-uu[f][l]))
				mm[f][l], uu[f][l] = nm, nu
			}
		}
		if delta < opt.Tolerance {
			break
		}
	}
	for f := range nf {
		for l := range mm[f] {
			m.Params[f].Levels[l].M = mm[f][l]
			m.Params[f].Levels[l].U = uu[f][l]
		}
	}
	return lambda, iter
}
