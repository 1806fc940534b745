package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
