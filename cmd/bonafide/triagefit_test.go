package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bonafide/triage"
)

// TestTriageFitCommand fits on a generated stream and triages with the
// settings it wrote.
func TestTriageFitCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "", "synth", "--seed", "4", "--families", "100", "--out", dir); code != 0 {
		t.Fatalf("synth = exit %d; stderr:\n%s", code, stderr)
	}
	stream, truth, cfg := filepath.Join(dir, "stream.jsonl"), filepath.Join(dir, "truth.jsonl"), filepath.Join(dir, "triage.json")
	if code, _, stderr := run(t, nil, "", "triage", "fit", "--stream", stream, "--truth", truth, "--out", cfg); code != 0 {
		t.Fatalf("triage fit = exit %d; stderr:\n%s", code, stderr)
	}
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "fitted on "+stream+" by bonafide triage fit") {
		t.Errorf("triage fit wrote no source naming %s:\n%s", stream, b)
	}
	if code, _, stderr := run(t, nil, "", "triage", "--config", cfg, "--in", stream, "--out", filepath.Join(dir, "a.jsonl")); code != 0 {
		t.Errorf("triage --config (fitted) = exit %d; stderr:\n%s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "", "triage", "fit", "--stream", stream+","+stream, "--truth", truth); code != exitUsage || !strings.Contains(stderr, "as many --truth files as --stream files") {
		t.Errorf("triage fit with one truth for two streams = exit %d, %q; want %d", code, stderr, exitUsage)
	}
}

// TestTriageFitStore: `bonafide triage fit --db` calibrates on a store's
// recorded findings, writes settings that `triage --config` takes and a
// model card that gives the data, the held-out figures and what the model
// must never do; bad flags and a store with too few findings are refused.
func TestTriageFitStore(t *testing.T) {
	dir := t.TempDir()
	gen := func(name, families string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		if code, _, stderr := run(t, nil, "", "synth", "--generator", "synth2", "--seed", "7", "--families", families, "--start", "2024-01-01", "--out", out); code != 0 {
			t.Fatalf("synth = exit %d; stderr:\n%s", code, stderr)
		}
		db := filepath.Join(dir, name+".db")
		if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != exitOK {
			t.Fatalf("migrate = exit %d; %s", code, stderr)
		}
		if code, _, stderr := run(t, nil, "", "import", "--db", db, filepath.Join(out, "stream.jsonl")); code != exitOK {
			t.Fatalf("import = exit %d; %s", code, stderr)
		}
		return db
	}
	db, small := gen("big", "2000"), gen("small", "60")
	cfg := filepath.Join(dir, "cal.json")
	code, _, stderr := run(t, nil, "", "triage", "fit", "--db", db, "--weights", "--out", cfg)
	if code != exitOK || !strings.Contains(stderr, "calibrated on") {
		t.Fatalf("triage fit --db = exit %d; stderr:\n%s", code, stderr)
	}
	card, err := os.ReadFile(filepath.Join(dir, "cal.card.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Date**", "**Data**: the store " + db, "**Checked on** (held out, never fitted on)",
		"| this calibration | held out |", "were rated below immediate", "0 were rated below immediate", "**Lower safety.**", "`reporter_prior_substantiated`"} {
		if !strings.Contains(string(card), want) {
			t.Errorf("model card lacks %q:\n%s", want, card)
		}
	}
	tc, err := loadTriageConfig(cfg)
	if err != nil {
		t.Fatalf("loadTriageConfig(written settings): %v", err)
	}
	if !strings.Contains(tc.Model.Source, "calibrated on the store") || tc.Threshold <= 0 || tc.Threshold >= 1 {
		t.Errorf("settings: source %q, cut %.3f; want the store named and a cut in (0, 1)", tc.Model.Source, tc.Threshold)
	}
	w := tc.Model.Weights
	if w[triage.SigProfessional] > 0 || w[triage.SigRichDetail] > 0 || w[triage.SigReporterSubst] > -w[triage.SigReporterRepeat] {
		t.Errorf("guard rails broken: professional %.3f, detail %.3f, prior substantiated %.3f vs repeat %.3f", w[triage.SigProfessional], w[triage.SigRichDetail], w[triage.SigReporterSubst], w[triage.SigReporterRepeat])
	}
	if code, _, stderr := run(t, nil, "", "triage", "--config", cfg, "--db", db, "--out", filepath.Join(dir, "a.jsonl")); code != exitOK {
		t.Errorf("triage --config (calibrated) --db = exit %d; %s", code, stderr)
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"stream and store", []string{"--db", db, "--stream", "x.jsonl", "--truth", "y.jsonl"}, exitUsage, "give --db or --stream, not both"},
		{"dropout with a store", []string{"--db", db, "--dropout", "0.2"}, exitUsage, "--dropout fits labelled streams"},
		{"dropout of 1", []string{"--stream", "x.jsonl", "--truth", "y.jsonl", "--dropout", "1"}, exitUsage, "--dropout 1, --plateau 0.005: each must be"},
		{"negative plateau", []string{"--stream", "x.jsonl", "--truth", "y.jsonl", "--plateau", "-0.01"}, exitUsage, "--plateau -0.01: each must be"},
		{"weights without a store", []string{"--weights", "--stream", "x.jsonl", "--truth", "y.jsonl"}, exitUsage, "give --db"},
		{"substantiated as campaign", []string{"--db", db, "--campaign-findings", "substantiated"}, exitUsage, `"substantiated" is not unfounded or malicious`},
		{"unfounded as genuine", []string{"--db", db, "--genuine-findings", "unfounded"}, exitUsage, `"unfounded" is not substantiated or unsubstantiated`},
		{"hold-out too large", []string{"--db", db, "--holdout", "0.9"}, exitUsage, "--holdout 0.90"},
		{"too few findings", []string{"--db", small, "--out", filepath.Join(dir, "small.json")}, exitFailure, "a cut needs at least 20 and 100"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, nil, "", append([]string{"triage", "fit"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("triage fit %v = exit %d, %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
			}
		})
	}
}
