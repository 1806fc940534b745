package live_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bonafide"
	"bonafide/sqlite"
	"bonafide/triage/live"
	"bonafide/triage/triagetest"
)

var (
	ckptHistory = flag.Int("ckpt-history", 20000, "referrals in the store BenchmarkRestartCheckpoint restarts on")
	ckptDB      = flag.String("ckpt-db", "", "BenchmarkRestartCheckpoint's SQLite file, kept between runs (built when missing); a temporary one when empty")
	ckptMore    = flag.Int("ckpt-more", 0, "after the restarts, referrals BenchmarkRestartCheckpoint adds to the store (changing it) to time one incremental checkpoint of them and one full")
)

// BenchmarkRestartCheckpoint measures a restart on a SQLite store of
// -ckpt-history referrals, all assessed, with the engine's checkpoint
// stored at the clean stop before: from the service's start to the
// moment a referral stored just after the start has its full campaign
// assessment (restore-to-served-s), and of that the restore
// (RestoredFrom's log line). Building the store (import, the first pass
// that assesses every referral, its checkpoint) is not timed, and with
// -ckpt-db is done once. With -ckpt-more n it then stores n more records
// and reports the checkpoint written after them, incremental, and a full
// one beside it (incr-/full-written-MB, -store-s, -encode-s). Run with
// -benchtime=1x.
func BenchmarkRestartCheckpoint(b *testing.B) {
	ctx := context.Background()
	path := *ckptDB
	if path == "" {
		path = filepath.Join(b.TempDir(), "restart.db")
	}
	opts := live.Options{Build: "benchmark", Tail: -1, Checkpoint: 1 << 40}
	open := func() *sqlite.Store {
		st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	if _, err := os.Stat(path); err != nil {
		st := open()
		t0 := time.Now()
		if _, err := st.Import(ctx, func(yield func(bonafide.Record, error) bool) {
			for rec := range triagetest.History(1, *ckptHistory) {
				if !yield(rec, nil) {
					return
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		b.Logf("imported %d referrals in %s", *ckptHistory, time.Since(t0).Round(time.Second))
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if st := open(); !hasCheckpoint(b, st) {
		// The first pass, or the rest of one stopped part way.
		t1 := time.Now()
		o := opts
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
		svc, err := live.New(st, st.Assessments(), o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.CatchUp(ctx); err != nil {
			b.Fatal(err)
		}
		stop := svc.Go(ctx)
		b.Logf("first pass (triage and store every assessment) in %s", time.Since(t1).Round(time.Second))
		t2 := time.Now()
		if err := stop(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("checkpoint at the stop in %s: %+v", time.Since(t2).Round(time.Millisecond), svc.LastCheckpoint())
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	} else if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	var served time.Duration
	var size int64
	segments := 0
	run := 0
	for b.Loop() {
		b.StopTimer()
		st := open()
		cp, err := st.Assessments().LatestTriageCheckpoint(ctx)
		if err != nil {
			b.Fatal(err)
		}
		size, segments = cp.Size, len(cp.Segments)
		run++
		// Received just after the history (one every 30 s from 3 January
		// 2022), so that the engine's windows hold what they held at the
		// stop: a referral years later would age all the text out.
		at := triagetest.HistoryStart.Add(time.Duration(*ckptHistory)*triagetest.HistoryStep(*ckptHistory) + time.Duration(run)*time.Minute)
		ref := benchReferral(fmt.Sprintf("BENCH-%d-%d", time.Now().UnixNano(), run), at)
		b.StartTimer()
		t0 := time.Now()
		o := opts
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
		svc, err := live.New(st, st.Assessments(), o)
		if err != nil {
			b.Fatal(err)
		}
		stop := svc.Go(ctx)
		seq, err := st.Add(ctx, ref)
		if err != nil {
			b.Fatal(err)
		}
		svc.Notify()
		if err := svc.Wait(ctx, seq); err != nil {
			b.Fatal(err)
		}
		served += time.Since(t0)
		b.StopTimer()
		if svc.RestoredFrom() == 0 {
			b.Fatal("the service replayed the store instead of restoring its checkpoint")
		}
		a, err := st.Assessments().Assessment(ctx, ref.ID)
		if err != nil || a.Kind != bonafide.KindCampaign {
			b.Fatalf("assessment of the new referral = %+v, %v; want a full one", a, err)
		}
		if err := stop(ctx); err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(served.Seconds()/float64(b.N), "restart-to-served-s")
	b.ReportMetric(float64(size)/1e6, "checkpoint-MB")
	b.ReportMetric(float64(segments), "segments")
	if *ckptMore > 0 {
		b.StopTimer()
		checkpointMore(b, open(), opts, *ckptMore)
	}
}

// checkpointMore adds n records to the store after its history, lets a
// restored service triage them and write its checkpoint of them
// (incremental), then writes a full one, and reports both.
func checkpointMore(b *testing.B, st *sqlite.Store, opts live.Options, n int) {
	ctx := context.Background()
	defer st.Close()
	after := triagetest.HistoryStart.Add(time.Duration(*ckptHistory)*triagetest.HistoryStep(*ckptHistory) + time.Hour)
	recs := slices.Collect(triagetest.HistoryAfter(2, n, *ckptHistory, "MORE-"))
	o := opts
	o.Checkpoint = len(recs) - 1
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	svc, err := live.New(st, st.Assessments(), o)
	if err != nil {
		b.Fatal(err)
	}
	stop := svc.Go(ctx)
	var last int64
	for _, rec := range recs {
		if last, err = st.Add(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	svc.Notify()
	if err := svc.Wait(ctx, last); err != nil {
		b.Fatal(err)
	}
	for svc.Checkpoints() == 0 {
		time.Sleep(100 * time.Millisecond) // the checkpoint is written off the engine's lock
	}
	incr := svc.LastCheckpoint()
	svc.ForgetCheckpointSegments()
	seq, err := st.Add(ctx, benchReferral(fmt.Sprintf("BENCH-FULL-%d", time.Now().UnixNano()), after.Add(time.Duration(n)*triagetest.HistoryStep(n))))
	if err != nil {
		b.Fatal(err)
	}
	svc.Notify()
	if err := svc.Wait(ctx, seq); err != nil {
		b.Fatal(err)
	}
	if err := stop(ctx); err != nil {
		b.Fatal(err)
	}
	full := svc.LastCheckpoint()
	b.Logf("incremental after %d records: %+v", len(recs), incr)
	b.Logf("full: %+v", full)
	for _, m := range []struct {
		name string
		st   live.CheckpointStats
	}{{"incr", incr}, {"full", full}} {
		b.ReportMetric(float64(m.st.WrittenBytes)/1e6, m.name+"-written-MB")
		b.ReportMetric(float64(m.st.Written), m.name+"-segments-written")
		b.ReportMetric(m.st.Encode.Seconds(), m.name+"-encode-s")
		b.ReportMetric(m.st.Store.Seconds(), m.name+"-store-s")
	}
}

func hasCheckpoint(b *testing.B, st *sqlite.Store) bool {
	_, err := st.Assessments().LatestTriageCheckpoint(context.Background())
	if err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound {
		b.Fatal(err)
	}
	return err == nil
}

// benchReferral is a new referral stored just after a restart.
func benchReferral(id string, at time.Time) *bonafide.Referral {
	return &bonafide.Referral{ID: id, ReceivedAt: at, Channel: bonafide.ChannelWebForm,
		Children:  []bonafide.Person{{GivenName: "Wren", FamilyName: "Calford", Role: bonafide.RoleChild, DOB: bonafide.PartialDate{Year: 2019, Month: 4, Day: 2}}},
		Narrative: "The child has come to school hungry on several days this week.",
		Reporter:  &bonafide.Reporter{Anonymous: true},
		Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect}}}
}
