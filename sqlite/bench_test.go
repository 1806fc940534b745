package sqlite

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/storetest"
)

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkImport measures Import of batches of generated referrals into a
// growing database, one durable transaction per batch.
func BenchmarkImport(b *testing.B) { storetest.BenchImport(b, benchStore(b)) }

// BenchmarkAdd measures durable Adds from many goroutines (group commit).
func BenchmarkAdd(b *testing.B) { storetest.BenchAdd(b, benchStore(b)) }

// BenchmarkRecords measures replay: reading every stored referral back in
// sequence order with its reporter, as export and triage replay do.
func BenchmarkRecords(b *testing.B) {
	const n = 20000
	rng := rand.New(rand.NewPCG(3, 4))
	recs := make([]bonafide.Record, n)
	for i := range recs {
		recs[i] = storetest.GenReferral(rng, fmt.Sprintf("REC-%d", i))
	}
	s := benchStore(b)
	if _, err := s.Import(context.Background(), storetest.Seq(recs)); err != nil {
		b.Fatal(err)
	}
	total := 0
	for b.Loop() {
		got := 0
		for st, err := range s.Records(context.Background(), 0, 0) {
			if err != nil {
				b.Fatal(err)
			}
			if st.Record.(*bonafide.Referral).Reporter == nil {
				b.Fatal("reporter not restored")
			}
			got++
		}
		if got != n {
			b.Fatalf("Records gave %d, want %d", got, n)
		}
		total += got
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "referrals/s")
}

// BenchmarkAddLatency offers Adds open-loop at 500 a second (each on its own
// goroutine, as HTTP requests arrive) and reports the latency percentiles a
// caller sees, durable commit included. Run it with -benchtime 2500x or so.
func BenchmarkAddLatency(b *testing.B) {
	const rate = 500
	s := benchStore(b)
	rng := rand.New(rand.NewPCG(5, 6))
	recs := make([]*bonafide.Referral, b.N)
	for i := range recs {
		recs[i] = storetest.GenReferral(rng, fmt.Sprintf("LAT-%d", i))
	}
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		due := start.Add(time.Duration(i) * time.Second / rate)
		time.Sleep(time.Until(due))
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if _, err := s.Add(context.Background(), recs[i]); err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
}

var queueCases = flag.Int("queue-cases", 100000, "referrals BenchmarkQueue stores (1% of them open)")

// BenchmarkQueue measures the front-door queue's first page among
// -queue-cases stored referrals of which 1% await a decision (the rest
// marked closed in the set-up), e.g. 10,000 open among 1,000,000.
func BenchmarkQueue(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "queue.db"), Options{Migrate: true, Judge: storetest.BenchJudge})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	storetest.LoadCases(b, s, *queueCases)
	if _, err := s.wconn.ExecContext(context.Background(), `UPDATE cases SET state = 'closed', due = 0 WHERE seq % 100 <> 0`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d referrals stored in %s", *queueCases, time.Since(t0).Round(time.Second))
	b.ResetTimer()
	storetest.BenchQueue(b, s.Cases(), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
}
