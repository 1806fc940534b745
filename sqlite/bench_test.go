package sqlite

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

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
		n, err := s.Import(context.Background(), seq(recs))
		if err != nil || n != batch {
			b.Fatalf("Import = %d, %v", n, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "referrals/s")
}

func seq(recs []bonafide.Record) iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// BenchmarkAdd measures durable Adds from many goroutines (group commit).
func BenchmarkAdd(b *testing.B) {
	s := benchStore(b)
	var next atomic.Int64
	b.SetParallelism(32) // 32×GOMAXPROCS callers, as an HTTP server under load
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
