package storetest

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"bonafide"
)

// BenchJudge is a safety judge for benchmarks: a level spread as at a real
// front door, due a day after receipt.
func BenchJudge(r *bonafide.Referral) (bonafide.Assessment, error) {
	level := []string{"low", "standard", "standard", "standard", "high", "immediate"}[len(r.ID)%6]
	if r.ImmediateDanger {
		level = "immediate"
	}
	return bonafide.Assessment{ReferralID: r.ID, SafetyLevel: level, Engine: "bench safety", DecisionDue: r.ReceivedAt.Add(24 * time.Hour),
		Output: []byte(`{"part":"safety"}`), Kind: bonafide.KindSafety}, nil
}

// LoadCases imports n generated referrals (their cases opened by the
// store's judge) in batches of 10,000, for the worklist benchmarks.
func LoadCases(b *testing.B, st bonafide.Store, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	for done := 0; done < n; {
		batch := min(10000, n-done)
		recs := func(yield func(bonafide.Record, error) bool) {
			for i := range batch {
				r := GenReferral(rng, fmt.Sprintf("Q-%08d", done+i))
				r.ImmediateDanger = false
				if !yield(r, nil) {
					return
				}
			}
		}
		if _, err := st.Import(context.Background(), iter.Seq2[bonafide.Record, error](recs)); err != nil {
			b.Fatal(err)
		}
		done += batch
	}
}

// BenchQueue measures the front-door queue's first page, with its counts,
// on cs: the store's own query time, which the API adds only encoding to.
func BenchQueue(b *testing.B, cs bonafide.CaseStore, now time.Time) {
	b.Helper()
	ctx := context.Background()
	var page bonafide.QueuePage
	for b.Loop() {
		var err error
		if page, err = cs.Queue(ctx, bonafide.QueueFilter{}, now); err != nil {
			b.Fatal(err)
		}
	}
	if len(page.Rows) != 50 {
		b.Fatalf("first page = %d rows, want 50", len(page.Rows))
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
	b.ReportMetric(float64(page.Total), "open-cases")
}
