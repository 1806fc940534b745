package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"bonafide"
)

// BenchImport measures st.Import of batches of 10,000 generated referrals
// into a growing database, in referrals per second.
func BenchImport(b *testing.B, st bonafide.Store) {
	const batch = 10000
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]bonafide.Record, batch)
	round, total := 0, 0
	for b.Loop() {
		b.StopTimer()
		for i := range recs {
			recs[i] = GenReferral(rng, fmt.Sprintf("IMP-%d-%d", round, i))
		}
		round++
		b.StartTimer()
		n, err := st.Import(context.Background(), Seq(recs))
		if err != nil || n != batch {
			b.Fatalf("Import = %d, %v", n, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "referrals/s")
}

// BenchAdd measures durable st.Adds from 32×GOMAXPROCS goroutines, as an
// HTTP server under load (group commit), in referrals per second.
func BenchAdd(b *testing.B, st bonafide.Store) {
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(uint64(next.Add(1)), 7))
		for pb.Next() {
			id := fmt.Sprintf("ADD-%d", next.Add(1))
			if _, err := st.Add(context.Background(), GenReferral(rng, id)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "referrals/s")
}
