package live_test

import (
	"context"
	"flag"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"bonafide"
	"bonafide/sqlite"
	"bonafide/triage"
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

var (
	restartHistory = flag.Int("restart-history", 20000, "referrals assessed before the restart in BenchmarkRestartWait")
	restartNew     = flag.Int("restart-new", 300, "referrals BenchmarkRestartWait posts after the restart, one every -restart-every")
	restartEvery   = flag.Duration("restart-every", 100*time.Millisecond, "the interval between BenchmarkRestartWait's new referrals")
)

// BenchmarkRestartWait measures how long a referral waits for its campaign
// assessment (provisional or full) while the triage service restarts on a
// SQLite store of -restart-history referrals, all assessed before: the
// service starts, and at once -restart-new referrals are stored one every
// -restart-every, as intake goes on during the restart. Each has its
// safety part from the moment it is stored; the wait reported is from its
// storing to the first campaign assessment a reader gets (p50, p99, max),
// polled every 5 ms. The store's set-up (import, one assessment marking
// the history assessed) is not timed. Run it with -benchtime=1x.
func BenchmarkRestartWait(b *testing.B) {
	ctx := context.Background()
	cal, err := triage.NewCalendar()
	if err != nil {
		b.Fatal(err)
	}
	var waits []time.Duration
	provisional := 0
	for b.Loop() {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "restart.db"), sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal)})
		if err != nil {
			b.Fatal(err)
		}
		var fresh []*bonafide.Referral
		var lastRef *bonafide.Referral
		n := 0
		t0 := time.Now()
		if _, err := st.Import(ctx, func(yield func(bonafide.Record, error) bool) {
			for rec := range triagetest.History(1, *restartHistory+*restartNew) {
				if r, ok := rec.(*bonafide.Referral); ok {
					if n++; n > *restartHistory {
						fresh = append(fresh, r)
						continue
					}
					lastRef = r
				} else if n >= *restartHistory {
					continue
				}
				if !yield(rec, nil) {
					return
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		last, err := st.ReferralByID(ctx, lastRef.ID)
		if err != nil {
			b.Fatal(err)
		}
		mark, err := triage.FailureAssessment(cal, lastRef, "benchmark: the history was assessed before the restart", "not assessed: a benchmark's mark")
		if err != nil {
			b.Fatal(err)
		}
		mark.Seq = last.Seq
		if _, err := st.Assessments().PutAssessments(ctx, []bonafide.Assessment{mark}); err != nil {
			b.Fatal(err)
		}
		b.Logf("store of %d referrals ready in %s", *restartHistory, time.Since(t0).Round(time.Second))

		b.StartTimer()
		svc, err := live.New(st, st.Assessments(), live.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- svc.Run(rctx) }()
		// One goroutine stores the new referrals at their pace; this one
		// polls, from the start, for the first campaign assessment of each
		// stored so far.
		stored := make([]time.Time, len(fresh))
		got := make([]time.Duration, len(fresh))
		var posted atomic.Int64
		postErr := make(chan error, 1)
		go func() {
			for i, r := range fresh {
				if _, err := st.Add(ctx, r); err != nil {
					postErr <- err
					return
				}
				stored[i] = time.Now()
				posted.Store(int64(i + 1))
				svc.Notify()
				time.Sleep(*restartEvery)
			}
			postErr <- nil
		}()
		for left := len(fresh); left > 0; time.Sleep(5 * time.Millisecond) {
			for i := range int(posted.Load()) {
				if got[i] != 0 {
					continue
				}
				a, err := st.Assessments().Assessment(ctx, fresh[i].ID)
				if err != nil {
					b.Fatal(err)
				}
				if a.Kind == bonafide.KindProvisional || a.Kind == bonafide.KindCampaign {
					got[i] = time.Since(stored[i])
					if a.Kind == bonafide.KindProvisional {
						provisional++
					}
					left--
				}
			}
		}
		if err := <-postErr; err != nil {
			b.Fatal(err)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		waits = append(waits, got...)
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	slices.Sort(waits)
	at := func(q float64) float64 { return waits[min(len(waits)-1, int(q*float64(len(waits))))].Seconds() * 1000 }
	b.ReportMetric(at(0.5), "p50-wait-ms")
	b.ReportMetric(at(0.99), "p99-wait-ms")
	b.ReportMetric(waits[len(waits)-1].Seconds()*1000, "max-wait-ms")
	b.ReportMetric(float64(provisional)/float64(len(waits)), "provisional-share")
}
