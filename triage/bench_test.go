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

var (
	history    = flag.Int("history", 20000, "referrals triaged before the benchmark measures (1000000 and 10000000 for docs/benchmarks.md)")
	checkpoint = flag.Int("checkpoint", 1_000_000, "while loading the history, time the referrals after every this many (0: never) and print their p50 and p99")
)

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
	var sample []time.Duration // latencies timed after a checkpoint
	for loaded < *history {
		rec, ok := next()
		if !ok {
			b.Fatal("history ran out")
		}
		_, isRef := rec.(*bonafide.Referral)
		timing := isRef && sample != nil
		s := time.Now()
		if _, err := e.Observe(rec); err != nil {
			b.Fatal(err)
		}
		if timing {
			sample = append(sample, time.Since(s))
		}
		if !isRef {
			continue
		}
		loaded++
		if *checkpoint > 0 && loaded%*checkpoint == 0 {
			sample = make([]time.Duration, 0, checkpointSample)
		}
		if len(sample) == checkpointSample {
			// a long load's progress, and the latency the engine has
			// reached so far, on standard error: the history a run
			// reaches tells even when it is stopped before the end
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			slices.Sort(sample)
			fmt.Fprintf(os.Stderr, "history %d referrals after %s: next %d referrals p50 %.2f ms, p99 %.2f ms, max %.2f ms; heap %d MiB\n",
				loaded-checkpointSample, time.Since(t0).Round(time.Second), checkpointSample,
				ms2(sample[len(sample)/2]), ms2(sample[len(sample)*99/100]), ms2(sample[len(sample)-1]), ms.HeapAlloc>>20)
			sample = nil
		}
	}
	load := time.Since(t0)
	fmt.Fprintf(os.Stderr, "history %d referrals loaded in %s\n", loaded, load.Round(time.Second))
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
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
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

// checkpointSample is how many referrals are timed at each checkpoint.
const checkpointSample = 5000

func ms2(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuTime returns the user+system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns the most memory the process has had resident, in bytes
// (Linux reports ru_maxrss in KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10
}
