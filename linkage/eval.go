package linkage

import "fmt"

// Metrics are pairwise figures: a pair is a true positive when the method puts both
// records in one cluster and the truth says they are one person. Pairs the blocking lost
// are misses like any other.
type Metrics struct {
	TP, FP, FN int64
}

// Precision is TP/(TP+FP), 1 when nothing was linked.
func (m Metrics) Precision() float64 {
	if m.TP+m.FP == 0 {
		return 1
	}
	return float64(m.TP) / float64(m.TP+m.FP)
}

// Recall is TP/(TP+FN), 1 when there is nothing to find.
func (m Metrics) Recall() float64 {
	if m.TP+m.FN == 0 {
		return 1
	}
	return float64(m.TP) / float64(m.TP+m.FN)
}

// F1 is the harmonic mean of precision and recall.
func (m Metrics) F1() float64 {
	p, r := m.Precision(), m.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (m Metrics) String() string {
	return fmt.Sprintf("P %.4f R %.4f F1 %.4f (TP %d FP %d FN %d)", m.Precision(), m.Recall(), m.F1(), m.TP, m.FP, m.FN)
}

// Evaluate compares predicted cluster labels with true entity labels, record by record,
// counting pairs through group sizes so it is linear in the number of records.
func Evaluate[P, T comparable](pred []P, truth []T) Metrics {
	type both struct {
		p P
		t T
	}
	pc := map[P]int64{}
	tc := map[T]int64{}
	bc := map[both]int64{}
	for i := range pred {
		pc[pred[i]]++
		tc[truth[i]]++
		bc[both{pred[i], truth[i]}]++
	}
	pairs := func(n int64) int64 { return n * (n - 1) / 2 }
	var tp, pp, tt int64
	for _, n := range bc {
		tp += pairs(n)
	}
	for _, n := range pc {
		pp += pairs(n)
	}
	for _, n := range tc {
		tt += pairs(n)
	}
	return Metrics{TP: tp, FP: pp - tp, FN: tt - tp}
}

// EvaluateLink is [Evaluate] for linking two files: only pairs with one record from
// each source count, since pairs within a file are not asked about.
func EvaluateLink[P, T comparable](pred []P, truth []T, source []uint8) Metrics {
	type both struct {
		p P
		t T
	}
	pc := map[P]*[2]int64{}
	tc := map[T]*[2]int64{}
	bc := map[both]*[2]int64{}
	inc := func(c *[2]int64, s uint8) {
		if s == 0 {
			c[0]++
		} else {
			c[1]++
		}
	}
	for i := range pred {
		for _, get := range []func() *[2]int64{
			func() *[2]int64 { return getOrNew(pc, pred[i]) },
			func() *[2]int64 { return getOrNew(tc, truth[i]) },
			func() *[2]int64 { return getOrNew(bc, both{pred[i], truth[i]}) },
		} {
			inc(get(), source[i])
		}
	}
	var tp, pp, tt int64
	for _, c := range bc {
		tp += c[0] * c[1]
	}
	for _, c := range pc {
		pp += c[0] * c[1]
	}
	for _, c := range tc {
		tt += c[0] * c[1]
	}
	return Metrics{TP: tp, FP: pp - tp, FN: tt - tp}
}

func getOrNew[K comparable](m map[K]*[2]int64, k K) *[2]int64 {
	c, ok := m[k]
	if !ok {
		c = new([2]int64)
		m[k] = c
	}
	return c
}
