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
