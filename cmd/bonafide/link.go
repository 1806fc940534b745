package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"bonafide/linkage"
)

// linkConfig configures `bonafide link` and `bonafide link eval`.
type linkConfig struct {
	Config    string  // linkage JSON configuration
	Threshold float64 // match probability; 0 keeps the configuration's
	ModelOut  string  // where to save the trained model, if anywhere
	Model     string  // a saved model to score with instead of training
	Truth     string  // eval: truth column, or "febrl"
	Progress  string  // auto, on or off
	Files     []string
}

func (c *linkConfig) validate() error {
	if c.Config == "" {
		return usagef("--config is required: a JSON file naming the id column and each compared column's type")
	}
	if len(c.Files) < 1 || len(c.Files) > 2 {
		return usagef("give one CSV file to deduplicate or two to link, not %d", len(c.Files))
	}
	if c.Threshold != 0 && !(c.Threshold > 0 && c.Threshold < 1) {
		return usagef("--threshold %v is not a probability between 0 and 1", c.Threshold)
	}
	switch c.Progress {
	case "auto", "on", "off":
	default:
		return usagef("--progress %q: want auto, on or off", c.Progress)
	}
	return nil
}

// runLink links person records in one CSV file (deduplication) or two (A to B) and
// writes `id,cluster`, one row per input record; `link eval` scores the result against
// a truth column instead.
func runLink(ctx context.Context, args []string, std stdio) error {
	eval := len(args) > 0 && args[0] == "eval"
	if eval {
		args = args[1:]
	}
	cfg := linkConfig{Progress: "auto"}
	name, about := "link", "Links person records in one CSV file (deduplication) or two (A to B) and writes id,cluster, one row per record; 'link eval' scores the result instead."
	if eval {
		name, about = "link eval", "Links person records as 'bonafide link' does and scores the clusters against a truth column: pairwise precision, recall and F1, blocking and a precision/recall curve."
	}
	sc := newSubcommand(std, name, "A.csv [B.csv]", about)
	fs, env := sc.fs, sc.env
	env.string(fs, &cfg.Config, "config", "BONAFIDE_LINK_CONFIG", "linkage configuration (JSON: id, fields with type given_name|surname|date|postcode_uk|address|nhs_number|phone|email|handle|exact|string, blocking, threshold)")
	fs.Float64Var(&cfg.Threshold, "threshold", 0, "match probability at which two records are linked (default: the configuration's, else 0.5)")
	fs.StringVar(&cfg.ModelOut, "model-out", "", "write the trained model (m, u, prior) as JSON to this file")
	fs.StringVar(&cfg.Model, "model", "", "score with this saved model (from --model-out) instead of training one")
	fs.StringVar(&cfg.Progress, "progress", "auto", "progress on stderr: auto (for 100,000 records or more), on or off")
	if eval {
		fs.StringVar(&cfg.Truth, "truth", "", `truth column, or "febrl" to read it from FEBRL ids (default: the configuration's "truth")`)
	}
	files, err := sc.parse(args, atLeast(0, ""))
	if err != nil {
		return err
	}
	cfg.Files = files
	if err := cfg.validate(); err != nil {
		return err
	}
	lc, err := readLinkConfig(cfg.Config)
	if err != nil {
		return err
	}
	if cfg.Threshold != 0 {
		lc.Threshold = cfg.Threshold
	}
	if eval {
		if cfg.Truth != "" {
			lc.Truth = cfg.Truth
		}
		if lc.Truth == "" {
			return usagef(`link eval needs a truth: --truth COLUMN, --truth febrl, or "truth" in the configuration`)
		}
	} else {
		lc.Truth = ""
	}
	s, err := linkage.NewSchema(lc.Fields)
	if err != nil {
		return usagef("%s: %v", cfg.Config, err)
	}
	prog := newProgress(std.err, cfg.Progress)
	var recs []linkage.Record
	var truth []string
	var source []uint8
	for i, path := range cfg.Files {
		prog.stage("reading " + path)
		t, err := readLinkFile(lc, s, path, uint8(i))
		if err != nil {
			return err
		}
		recs = append(recs, t.Records...)
		truth = append(truth, t.Truth...)
		for range t.Records {
			source = append(source, uint8(i))
		}
	}
	var model *linkage.Model
	if cfg.Model != "" {
		if model, err = readModel(cfg.Model); err != nil {
			return err
		}
	}
	prog.auto(len(recs))
	link := len(cfg.Files) == 2
	res, err := lc.RunModel(ctx, s, recs, link, model, prog.update)
	prog.done()
	if err != nil {
		return err
	}
	if cfg.ModelOut != "" {
		if err := writeModel(cfg.ModelOut, res.Model); err != nil {
			return err
		}
	}
	if eval {
		return writeEval(std.out, lc, res, truth, source, link)
	}
	return writeClusters(std.out, recs, res.Clusters)
}

func readLinkConfig(path string) (*linkage.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--config: %v", err)
	}
	defer f.Close()
	c, err := linkage.ReadConfig(f)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	return c, nil
}

func readLinkFile(c *linkage.Config, s *linkage.Schema, path string, source uint8) (*linkage.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := c.ReadCSV(bufio.NewReaderSize(f, 1<<20), s, source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(t.Records) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return t, nil
}

func readModel(path string) (*linkage.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--model: %v", err)
	}
	defer f.Close()
	m, err := linkage.ReadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func writeModel(path string, m *linkage.Model) error {
	return writeAtomic(path, func(w io.Writer) error { return m.WriteJSON(w) })
}

// writeClusters writes `id,cluster`; clusters are numbered from 1 in order of first
// appearance so that the numbers do not depend on record ids.
func writeClusters(out io.Writer, recs []linkage.Record, clusters []int) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	w := csv.NewWriter(bw)
	if err := w.Write([]string{"id", "cluster"}); err != nil {
		return err
	}
	num := map[int]int{}
	for i, r := range recs {
		n, ok := num[clusters[i]]
		if !ok {
			n = len(num) + 1
			num[clusters[i]] = n
		}
		if err := w.Write([]string{r.ID, strconv.Itoa(n)}); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeEval prints pairwise precision, recall and F1, blocking figures and a
// precision/recall curve over match-probability thresholds.
func writeEval(out io.Writer, c *linkage.Config, res *linkage.Result, truth []string, source []uint8, link bool) error {
	score := func(cl []int) linkage.Metrics {
		if link {
			return linkage.EvaluateLink(cl, truth, source)
		}
		return linkage.Evaluate(cl, truth)
	}
	m := score(res.Clusters)
	bw := bufio.NewWriter(out)
	fmt.Fprintf(bw, "records %d; threshold probability %g (weight %.2f); chain guard %d\n", len(truth), c.Threshold, res.Threshold, res.Guard)
	fmt.Fprintf(bw, "pairwise precision %.4f recall %.4f F1 %.4f (TP %d FP %d FN %d)\n", m.Precision(), m.Recall(), m.F1(), m.TP, m.FP, m.FN)
	// Blocking recall: true pairs that some rule puts in one block.
	by := map[string][]int{}
	for i, e := range truth {
		by[e] = append(by[e], i)
	}
	var all, kept int64
	perRule := make([]int64, len(c.Blocking))
	for _, g := range by {
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				if link && source[g[x]] == source[g[y]] {
					continue
				}
				all++
				if r := res.Blocker.Covers(g[x], g[y]); r >= 0 {
					kept++
					perRule[r]++
				}
			}
		}
	}
	if all > 0 {
		fmt.Fprintf(bw, "blocking keeps %d of %d true pairs (recall %.4f)\n", kept, all, float64(kept)/float64(all))
	}
	fmt.Fprintf(bw, "%-48s %12s %12s %10s\n", "blocking rule", "pairs", "true pairs", "oversized")
	for r, st := range res.Blocker.Stats() {
		fmt.Fprintf(bw, "%-48s %12d %12d %10d\n", st.Rule, st.Pairs, perRule[r], st.Oversized)
	}
	probs := []float64{0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999}
	fmt.Fprintf(bw, "\n%-11s %9s %9s %9s %9s %9s\n", "probability", "precision", "recall", "F1", "FP", "FN")
	for i, mt := range res.Curve(truth, probs) {
		fmt.Fprintf(bw, "%-11g %9.4f %9.4f %9.4f %9d %9d\n", probs[i], mt.Precision(), mt.Recall(), mt.F1(), mt.FP, mt.FN)
	}
	return bw.Flush()
}

// progress draws a one-line progress bar on stderr for long runs.
type progress struct {
	w       io.Writer
	mode    string
	on      bool
	last    time.Time
	started time.Time
}

func newProgress(w io.Writer, mode string) *progress {
	return &progress{w: w, mode: mode, on: mode == "on", started: time.Now()}
}

// auto turns the bar on for large inputs when the mode is auto.
func (p *progress) auto(records int) {
	if p.mode == "auto" && records >= 100_000 {
		p.on = true
	}
}

func (p *progress) stage(label string) {
	if p.on {
		fmt.Fprintf(p.w, "\r%-60s", label)
	}
}

func (p *progress) update(stage string, done, total int64) {
	if !p.on || (time.Since(p.last) < 200*time.Millisecond && done < total) {
		return
	}
	p.last = time.Now()
	if total <= 0 {
		fmt.Fprintf(p.w, "\r%-60s", stage+"…")
		return
	}
	const width = 30
	f := min(float64(done)/float64(total), 1)
	bar := make([]byte, width)
	for i := range bar {
		if float64(i) < f*width {
			bar[i] = '#'
		} else {
			bar[i] = '.'
		}
	}
	fmt.Fprintf(p.w, "\r%-6s [%s] %3.0f%% %d/%d pairs  %s", stage, bar, 100*f, done, total, time.Since(p.started).Round(time.Second))
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintf(p.w, "\rdone in %s%60s\n", time.Since(p.started).Round(time.Millisecond), "")
	}
}
