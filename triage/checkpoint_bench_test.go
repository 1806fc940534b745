package triage_test

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
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
	e := historyEngine(b)
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

// historyEngine returns an engine that has observed -history referrals.
func historyEngine(b *testing.B) *triage.Engine {
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
	return e
}

var ckptMore = flag.Int("ckpt-more", 20000, "referrals BenchmarkCheckpointIncremental observes between two checkpoints")

// BenchmarkCheckpointIncremental checkpoints an engine of -history
// referrals (all its segments: full), observes -ckpt-more more and
// checkpoints again, keeping what is unchanged (incremental): the bytes
// and segments each writes and the time to encode them (the part held
// under the engine's lock; a store's writes come on top). Run with
// -benchtime=1x.
func BenchmarkCheckpointIncremental(b *testing.B) {
	e := historyEngine(b)
	var full, incr time.Duration
	var fullBytes, incrBytes int64
	var segs, changed int
	for b.Loop() {
		first := segmentsTimed(b, e, nil, &full)
		stored := map[string][sha256.Size]byte{}
		fullBytes = 0
		for _, sg := range first {
			stored[sg.Name] = sg.Digest
			fullBytes += sg.Size
		}
		first = nil
		for rec := range triagetest.HistoryAfter(2, *ckptMore, *history, fmt.Sprintf("MORE%d-", b.N)) {
			if _, err := e.Observe(rec); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		b.StartTimer()
		next := segmentsTimed(b, e, stored, &incr)
		b.StartTimer()
		incrBytes, segs, changed = 0, len(next), 0
		for _, sg := range next {
			if sg.Data != nil {
				incrBytes += sg.Size
				changed++
			}
		}
	}
	b.Logf("full: %d segments, %.1f MB; after %d more referrals %d segments changed, %.1f MB", segs, float64(fullBytes)/1e6, *ckptMore, changed, float64(incrBytes)/1e6)
	b.ReportMetric(float64(fullBytes)/1e6, "full-MB")
	b.ReportMetric(full.Seconds()/float64(b.N), "full-encode-s")
	b.ReportMetric(float64(incrBytes)/1e6, "incr-MB")
	b.ReportMetric(float64(changed), "incr-segments")
	b.ReportMetric(float64(segs), "segments")
	b.ReportMetric(incr.Seconds()/float64(b.N), "incr-encode-s")
}

// segmentsTimed returns e.Segments(stored), adding the time it took to
// *took, and logs their sizes with the timer stopped (left stopped).
func segmentsTimed(b *testing.B, e *triage.Engine, stored map[string][sha256.Size]byte, took *time.Duration) []triage.Segment {
	t0 := time.Now()
	segs, err := e.Segments(stored)
	if err != nil {
		b.Fatal(err)
	}
	*took += time.Since(t0)
	b.StopTimer()
	triage.CheckpointSizes(os.Stderr, segs) // b.Logf's lines are cut short
	return segs
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
	segs, err := e.Segments(nil)
	if err != nil {
		t.Fatal(err)
	}
	triage.CheckpointSizes(os.Stdout, segs)
}
