package live_test

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"bonafide"
	"bonafide/sqlite"
	"bonafide/triage/live"
	"bonafide/triage/triagetest"
)

var liveHistory = flag.Int("live-history", 20000, "referrals in the store BenchmarkCatchUp triages (with a public post now and then)")

// BenchmarkCatchUp measures a server's start on a SQLite store of
// -live-history referrals: the first pass, which triages every referral and
// stores its assessment (as after a bulk import with no server running),
// and a restart's pass, which replays the store and stores nothing. Each
// iteration uses a fresh store; the import is not timed. Run it with
// -benchtime=1x for one pass of each.
func BenchmarkCatchUp(b *testing.B) {
	ctx := context.Background()
	var first, restart time.Duration
	referrals := 0
	for b.Loop() {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Migrate: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Import(ctx, func(yield func(bonafide.Record, error) bool) {
			for rec := range triagetest.History(1, *liveHistory) {
				if !yield(rec, nil) {
					return
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i, d := range []*time.Duration{&first, &restart} {
			svc, err := live.New(st, st.Assessments(), live.Options{})
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			stored, err := svc.CatchUp(ctx)
			if err != nil {
				b.Fatal(err)
			}
			*d += time.Since(t0)
			if i == 0 {
				referrals = stored
			} else if stored != 0 {
				b.Fatalf("restart stored %d assessments, want 0", stored)
			}
		}
		b.StopTimer()
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(referrals)*float64(b.N)/first.Seconds(), "first-pass-referrals/s")
	b.ReportMetric(float64(referrals)*float64(b.N)/restart.Seconds(), "replay-referrals/s")
}
