package postgres

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"bonafide"
	"bonafide/storetest"
)

func benchStore(b *testing.B) *Store {
	b.Helper()
	requirePostgres(b)
	s, err := Open(context.Background(), benchDSN(b), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkImport measures Import (COPY) of batches of generated referrals.
func BenchmarkImport(b *testing.B) {
	const batch = 10000
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]bonafide.Record, batch)
	s := benchStore(b)
	round, total := 0, 0
	for b.Loop() {
		b.StopTimer()
		for i := range recs {
			recs[i] = storetest.GenReferral(rng, fmt.Sprintf("IMP-%d-%d", round, i))
		}
		round++
		b.StartTimer()
		n, err := s.Import(context.Background(), storetest.Seq(recs))
		if err != nil || n != batch {
			b.Fatalf("Import = %d, %v", n, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "referrals/s")
}

// BenchmarkAdd measures durable Adds from many goroutines (group commit).
func BenchmarkAdd(b *testing.B) {
	s := benchStore(b)
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(uint64(next.Add(1)), 7))
		for pb.Next() {
			id := fmt.Sprintf("ADD-%d", next.Add(1))
			if _, err := s.Add(context.Background(), storetest.GenReferral(rng, id)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "referrals/s")
}

var queueCases = flag.Int("queue-cases", 100000, "referrals BenchmarkQueue stores (1% of them open)")

// BenchmarkQueue measures the front-door queue's first page among
// -queue-cases stored referrals of which 1% await a decision.
func BenchmarkQueue(b *testing.B) {
	requirePostgres(b)
	s, err := Open(context.Background(), benchDSN(b), Options{Migrate: true, Judge: storetest.BenchJudge})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	storetest.LoadCases(b, s, *queueCases)
	if _, err := s.pool.Exec(context.Background(), `UPDATE cases SET state = 'closed', due = NULL WHERE seq % 100 <> 0`); err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(context.Background(), `VACUUM ANALYZE cases`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d referrals stored in %s", *queueCases, time.Since(t0).Round(time.Second))
	b.ResetTimer()
	storetest.BenchQueue(b, s.Cases(), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
}
