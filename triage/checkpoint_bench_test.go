package triage_test

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
	"bonafide/triage/triagetest"
)

// BenchmarkCheckpoint loads -history referrals into an engine, then
// writes its checkpoint to a file and restores a new engine from it:
// the checkpoint's size, the time to write it and the time to restore
// it, which is what a restart costs before it replays what came after.
// Loading the history is not timed. Run with -benchtime=1x.
func BenchmarkCheckpoint(b *testing.B) {
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	n := 0
	for rec := range triagetest.History(1, *history) {
		if _, err := e.Observe(rec); err != nil {
			b.Fatal(err)
		}
		if _, ok := rec.(*bonafide.Referral); ok {
			n++
		}
	}
	b.Logf("history of %d referrals observed in %s (%.0f referrals/s)", n, time.Since(t0).Round(time.Millisecond), float64(n)/time.Since(t0).Seconds())
	path := filepath.Join(b.TempDir(), "engine.ckpt")
	var size int64
	var write, read time.Duration
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		w := bufio.NewWriterSize(f, 1<<20)
		size, err = e.WriteCheckpoint(w)
		if err == nil {
			err = w.Flush()
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		write += time.Since(t1)
		runtime.GC()
		f, err = os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		r, err := triage.Restore(triage.DefaultConfig(), f, size)
		if err != nil {
			b.Fatal(err)
		}
		read += time.Since(t2)
		f.Close()
		runtime.KeepAlive(r)
	}
	b.ReportMetric(float64(size)/1e6, "checkpoint-MB")
	b.ReportMetric(write.Seconds()/float64(b.N), "write-s")
	b.ReportMetric(read.Seconds()/float64(b.N), "restore-s")
}

// TestCheckpointSizes logs what each part of the state takes, for a
// history of -history referrals; run with -v.
func TestCheckpointSizes(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("a report, not a check: run with -v")
	}
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for rec := range triagetest.History(1, *history) {
		if _, err := e.Observe(rec); err != nil {
			t.Fatal(err)
		}
	}
	triage.CheckpointSizes(t, e)
}
