package synth

import (
	"context"
	"io"
	"runtime"
	"testing"
)

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// heapSys is the heap address space the runtime has ever reserved; it never
// shrinks, so it is a high-water mark of heap use.
func heapSys() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapSys
}

// TestGenerateMemoryBounded generates ten times the families of a warm-up
// run, with the same chunk size, and checks that the heap's high-water mark
// barely moves although the output is many times larger than the growth.
func TestGenerateMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 44,000 families; skipped in -short")
	}
	dir := t.TempDir()
	run := func(families int) int64 {
		var w countingWriter
		cfg := Config{Seed: 5, Families: families, ChunkFamilies: 1000, TempDir: dir}
		if _, err := Generate(context.Background(), cfg, &w, io.Discard); err != nil {
			t.Fatalf("Generate(%d families): %v", families, err)
		}
		return w.n
	}
	run(4000)
	runtime.GC()
	before := heapSys()
	written := run(40000)
	after := heapSys()
	growth := int64(after) - int64(before)
	t.Logf("heap high-water mark %d MB -> %d MB while writing %d MB", before>>20, after>>20, written>>20)
	if growth > 16<<20 || written < 4*growth {
		t.Errorf("heap grew %d MB generating 10x the families (%d MB of output), want under 16 MB and a small share of the output", growth>>20, written>>20)
	}
}

// BenchmarkGenerate measures generation speed on a 5,000-family run (about
// 1,600 referrals and 10,000 posts).
func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Seed: 1, Families: 5000}
	var refs, bytes int64
	for b.Loop() {
		var w countingWriter
		st, err := Generate(context.Background(), cfg, &w, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		refs += int64(st.Referrals)
		bytes += w.n
	}
	b.ReportMetric(float64(refs)/b.Elapsed().Seconds(), "referrals/s")
	b.SetBytes(bytes / int64(b.N))
}

// BenchmarkGenerate200k generates about 200,000 referrals through spilled
// runs and reports the heap's high-water mark. Run it alone:
//
//	go test ./synth -run '^$' -bench Generate200k -benchtime 1x
func BenchmarkGenerate200k(b *testing.B) {
	cfg := Config{Seed: 1, Families: 620000, TempDir: b.TempDir()}
	var refs int64
	for b.Loop() {
		var w countingWriter
		st, err := Generate(context.Background(), cfg, &w, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		refs += int64(st.Referrals)
		b.ReportMetric(float64(w.n>>20), "MB-out")
	}
	b.ReportMetric(float64(refs)/float64(b.N), "referrals")
	b.ReportMetric(float64(refs)/b.Elapsed().Seconds(), "referrals/s")
	b.ReportMetric(float64(heapSys()>>20), "MB-heap-peak")
}
