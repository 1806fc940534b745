package triage_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
	"bonafide/triage/triagetest"
)

var history = flag.Int("history", 20000, "referrals triaged before the benchmark measures (1000000 and 10000000 for docs/benchmarks.md)")

// BenchmarkTriage measures triage of new referrals against a history of
// -history referrals: throughput (referrals/s), per-referral p50 and p99
// latency, and the heap the engine holds.
func BenchmarkTriage(b *testing.B) {
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	next, stop := iterPull(triagetest.History(1, *history+10_000_000))
	defer stop()
	loaded := 0
	t0 := time.Now()
	for loaded < *history {
		rec, ok := next()
		if !ok {
			b.Fatal("history ran out")
		}
		if _, err := e.Observe(rec); err != nil {
			b.Fatal(err)
		}
		if _, isRef := rec.(*bonafide.Referral); isRef {
			loaded++
			if loaded%1_000_000 == 0 {
				// progress of a long load, on standard error
				fmt.Fprintf(os.Stderr, "history: %d referrals in %s\n", loaded, time.Since(t0).Round(time.Second))
			}
		}
	}
	load := time.Since(t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapMiB := float64(ms.HeapAlloc) / (1 << 20)
	loadRate := float64(loaded) / load.Seconds()

	var lat []time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		rec, ok := next()
		if !ok {
			b.Fatal("stream ran out")
		}
		s := time.Now()
		if _, err := e.Observe(rec); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(s))
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	// reported after the loop: ResetTimer clears metrics reported before it
	b.ReportMetric(heapMiB, "heap-MiB")
	b.ReportMetric(loadRate, "history-refs/s")
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		b.ReportMetric(float64(n)/sum.Seconds(), "records/s")
		// per CPU-second of the whole process (GC included): the figure that
		// does not depend on what else the shared machine is running
		b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu-s")
	}
}

// cpuTime returns the user+system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
