package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
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
	env.string(fs, &cfg.Config, "config", "BONAFIDE_LINK_CONFIG", "linkage configuration (JSON: id, fields with type given_name|surname|date|postcode_uk|address|nhs_number|phone|email|handle|exact|string, blocking (chosen from the data when left out, within max_pairs), threshold)")
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
	for i, path := range cfg.Files {
		prog.stage("reading " + path)
		t, err := readLinkFile(lc, s, path, uint8(i))
		if err != nil {
			return err
		}
		recs = append(recs, t.Records...)
		truth = append(truth, t.Truth...)
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
	if res.Auto != nil && !eval { // link eval has them in its report
		if err := res.Auto.WriteText(std.err); err != nil {
			return err
		}
	}
	if cfg.ModelOut != "" {
		if err := writeModel(cfg.ModelOut, res.Model); err != nil {
			return err
		}
	}
	if eval {
		return res.Evaluate(truth, lc.Threshold).WriteText(std.out)
	}
	return linkage.WriteClusters(std.out, recs, res.Clusters)
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
