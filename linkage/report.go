package linkage

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// CurveProbabilities are the match probabilities an [EvalReport]'s curve is
// drawn at.
var CurveProbabilities = []float64{0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999}

// An EvalReport scores a run against the truth: pairwise precision, recall
// and F1, how many true pairs blocking kept (overall and per rule), and a
// precision/recall curve over match probabilities. `bonafide link eval`
// prints it.
type EvalReport struct {
	Records     int
	Probability float64 // the configuration's threshold probability
	Weight      float64 // the weight it is at
	Guard       int
	Pairs       Metrics

	TruePairs, BlockedTruePairs int64 // true pairs, and those some rule puts in one block
	Rules                       []RuleReport
	Auto                        *AutoReport // how the rules were chosen, when the configuration gave none
	Curve                       []CurvePoint
}

// RuleReport is one blocking rule's share of an [EvalReport].
type RuleReport struct {
	RuleStats
	TruePairs int64 // true pairs this rule is the first to put in one block
}

// CurvePoint is the pairwise score of clustering at one match probability.
type CurvePoint struct {
	Probability float64
	Metrics
}

// Evaluate scores r against truth, the entity of each record (as
// Table.Truth reads it); probability is the threshold the run used (the
// configuration's). For a run that linked two files only pairs across
// them count.
func (r *Result) Evaluate(truth []string, probability float64) EvalReport {
	rep := EvalReport{Records: len(truth), Probability: probability, Weight: r.Threshold, Guard: r.Guard, Auto: r.Auto}
	if r.source != nil {
		rep.Pairs = EvaluateLink(r.Clusters, truth, r.source)
	} else {
		rep.Pairs = Evaluate(r.Clusters, truth)
	}
	by := map[string][]int{}
	for i, e := range truth {
		by[e] = append(by[e], i)
	}
	stats := r.Blocker.Stats()
	perRule := make([]int64, len(stats))
	for _, g := range by {
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				if r.source != nil && r.source[g[x]] == r.source[g[y]] {
					continue
				}
				rep.TruePairs++
				if k := r.Blocker.Covers(g[x], g[y]); k >= 0 {
					rep.BlockedTruePairs++
					perRule[k]++
				}
			}
		}
	}
	for k, st := range stats {
		rep.Rules = append(rep.Rules, RuleReport{RuleStats: st, TruePairs: perRule[k]})
	}
	for i, m := range r.Curve(truth, CurveProbabilities) {
		rep.Curve = append(rep.Curve, CurvePoint{Probability: CurveProbabilities[i], Metrics: m})
	}
	return rep
}

// WriteText prints the report as `bonafide link eval` shows it.
func (rep EvalReport) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := rep.Pairs
	fmt.Fprintf(bw, "records %d; threshold probability %g (weight %.2f); chain guard %d\n", rep.Records, rep.Probability, rep.Weight, rep.Guard)
	fmt.Fprintf(bw, "pairwise precision %.4f recall %.4f F1 %.4f (TP %d FP %d FN %d)\n", m.Precision(), m.Recall(), m.F1(), m.TP, m.FP, m.FN)
	if rep.TruePairs > 0 {
		fmt.Fprintf(bw, "blocking keeps %d of %d true pairs (recall %.4f)\n", rep.BlockedTruePairs, rep.TruePairs, float64(rep.BlockedTruePairs)/float64(rep.TruePairs))
	}
	if rep.Auto != nil {
		if err := rep.Auto.WriteText(bw); err != nil {
			return err
		}
	}
	fmt.Fprintf(bw, "%-48s %12s %12s %10s\n", "blocking rule", "pairs", "true pairs", "oversized")
	for _, r := range rep.Rules {
		fmt.Fprintf(bw, "%-48s %12d %12d %10d\n", r.Rule, r.Pairs, r.TruePairs, r.Oversized)
	}
	fmt.Fprintf(bw, "\n%-11s %9s %9s %9s %9s %9s\n", "probability", "precision", "recall", "F1", "FP", "FN")
	for _, c := range rep.Curve {
		fmt.Fprintf(bw, "%-11g %9.4f %9.4f %9.4f %9d %9d\n", c.Probability, c.Precision(), c.Recall(), c.F1(), c.FP, c.FN)
	}
	return bw.Flush()
}

// WriteClusters writes `id,cluster` as CSV, one row per record; clusters
// are numbered from 1 in order of first appearance, so that the numbers do
// not depend on record ids.
func WriteClusters(w io.Writer, recs []Record, clusters []int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"id", "cluster"}); err != nil {
		return err
	}
	num := map[int]int{}
	for i, r := range recs {
		n, ok := num[clusters[i]]
		if !ok {
			n = len(num) + 1
			num[clusters[i]] = n
		}
		if err := cw.Write([]string{r.ID, strconv.Itoa(n)}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteText says which blocking rules were chosen from the data and why (the estimated
// pairs and recall of each), and gives them as a "blocking" member to pin in the
// configuration. `bonafide link` prints it on stderr and `link eval` in its report.
func (a *AutoReport) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "blocking rules chosen from the data (no labels): %d candidates, %d pairs sampled from %d of them, %.0f probable matches\n", a.Candidates, a.Sampled, len(a.FirstPass), a.Matches)
	if a.Fallback != "" {
		fmt.Fprintf(bw, "%s: rules from the field types instead\n", a.Fallback)
	}
	fmt.Fprintf(bw, "estimated recall %.4f (all sampled rules %.4f), %d pairs within a budget of %d\n", a.Recall, a.FirstPassR, a.Pairs, a.Budget)
	fmt.Fprintf(bw, "%-48s %12s %12s %10s\n", "chosen rule", "est. pairs", "est. recall", "adds")
	for _, c := range a.Chosen {
		fmt.Fprintf(bw, "%-48s %12d %12.4f %10.4f\n", c.Rule, c.Pairs, c.Recall, c.Gain)
	}
	b, err := json.Marshal(a.Rules())
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "to pin them: \"blocking\": %s\n\n", b)
	return bw.Flush()
}
