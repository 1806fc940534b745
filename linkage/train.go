package linkage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
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
	RandomPairs int     // random pairs for u (default 2,000,000; all pairs when fewer)
	EMPairs     int     // blocked pairs sampled for EM (default 3,000,000)
	MaxIter     int     // EM iterations (default 200)
	Tolerance   float64 // stop when no parameter moves more than this (default 1e-7)
	Seed        uint64  // random pair sampling; fixed for reproducible models
	Workers     int     // default GOMAXPROCS
}

func (o *TrainOptions) defaults() {
	if o.RandomPairs <= 0 {
		o.RandomPairs = 2_000_000
	}
	if o.EMPairs <= 0 {
		o.EMPairs = 3_000_000
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

// Train estimates a model without labels. u, the level probabilities among
// non-matches, comes from random pairs (almost all of which are non-matches). m and the
// share of matches come from expectation–maximisation over the blocked pairs, a
// two-class mixture in which the non-match class has its own, blocking-biased
// probabilities; because the union of blocking rules keeps nearly every true pair, the
// match class there is the true matches and its m is unbiased. The prior over all pairs
// is the EM match share scaled by blocked pairs over all pairs.
func Train(ctx context.Context, s *Schema, recs []Record, b *Blocker, opt TrainOptions) (*Model, error) {
	opt.defaults()
	m, err := NewModel(s.Fields)
	if err != nil {
		return nil, err
	}
	m.compile(s)
	nf := len(s.Fields)
	u := randomU(s, recs, b.link, opt)
	for i := range nf {
		for l := range m.Params[i].Levels {
			m.Params[i].Levels[l].U = u[i][l]
		}
	}

	// Count comparison patterns over (a sample of) the blocked pairs.
	var total int64
	err = b.Pairs(ctx, opt.Workers, func(int, int32, int32) {})
	if err != nil {
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
		var key uint64
		for f := range nf {
			key |= uint64(s.Compare(f, &recs[i], &recs[j])+1) << (4 * f)
		}
		maps[w][key]++
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
	lambda, iters := em(m, patterns, opt)
	allPairs := float64(len(recs)) * float64(len(recs)-1) / 2
	if b.link {
		var na int
		for i := range recs {
			if recs[i].Source == recs[0].Source {
				na++
			}
		}
		allPairs = float64(na) * float64(len(recs)-na)
	}
	m.Prior = min(max(lambda*float64(total)/allPairs, 1e-12), 0.5)
	m.TFMin = 1 / float64(len(recs))
	m.Meta = map[string]any{
		"records": len(recs), "blocked_pairs": total, "em_pairs": total / int64(keepEvery),
		"em_patterns": len(patterns), "em_iterations": iters, "em_match_share": lambda,
	}
	m.compile(s)
	return m, nil
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
// matches and a separate u for non-matches among blocked pairs. It returns the match
// share and the iterations used.
func em(m *Model, patterns map[uint64]float64, opt TrainOptions) (float64, int) {
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
		}
	}
	return lambda, iter
}
