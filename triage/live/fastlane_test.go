package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/triage"
	"bonafide/triage/live"
)

// gatedStore holds back every read of the store from its start (the main
// engine's replay of the whole history) until open is closed, as a long
// replay would; reads from later on (the fast lane's) go through.
type gatedStore struct {
	bonafide.Store
	open chan struct{}
}

func (g *gatedStore) Records(ctx context.Context, after int64, limit int) iter.Seq2[bonafide.Stored, error] {
	if after == 0 {
		select {
		case <-g.open:
		case <-ctx.Done():
			return func(yield func(bonafide.Stored, error) bool) { yield(bonafide.Stored{}, ctx.Err()) }
		}
	}
	return g.Store.Records(ctx, after, limit)
}

// judgedBackends open stores with the intake safety judge, as servers do.
var judgedBackends = []struct {
	name string
	open func(t *testing.T, judge bonafide.SafetyJudge) (bonafide.Store, bonafide.AssessmentStore)
}{
	{"sqlite", func(t *testing.T, judge bonafide.SafetyJudge) (bonafide.Store, bonafide.AssessmentStore) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fast.db"), sqlite.Options{Migrate: true, Judge: judge})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, st.Assessments()
	}},
	{"postgres", func(t *testing.T, judge bonafide.SafetyJudge) (bonafide.Store, bonafide.AssessmentStore) {
		st, err := postgres.Open(context.Background(), postgresDSN(t), postgres.Options{Migrate: true, Judge: judge})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, st.Assessments()
	}},
}

// TestRestartFastLane: after a restart, while the replay of the history
// is held back, the referrals not assessed before and a referral posted
// during the replay (one saying a child is in danger now) have their
// safety level at once and a provisional assessment that says what it was
// made against; once the replay ends, each has the full assessment, the
// one `bonafide triage` writes, and readers get it.
func TestRestartFastLane(t *testing.T) {
	for _, be := range judgedBackends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			cal, err := triage.NewCalendar()
			if err != nil {
				t.Fatal(err)
			}
			st, as := be.open(t, triage.IntakeJudge(cal))
			recs := stream(t, 5)
			var refs []int
			for i, r := range recs {
				if _, ok := r.(*bonafide.Referral); ok {
					refs = append(refs, i)
				}
			}
			// The history: all but the last eight referrals (and what
			// follows them), triaged before the restart.
			cut := refs[len(refs)-8]
			if _, err := st.Import(ctx, records(recs[:cut])); err != nil {
				t.Fatal(err)
			}
			before := newService(t, st, as, live.Options{})
			if _, err := before.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			// Stored while no server ran: not assessed before the restart.
			late := recs[cut : len(recs)-1]
			if _, err := st.Import(ctx, records(late)); err != nil {
				t.Fatal(err)
			}

			gate := &gatedStore{Store: st, open: make(chan struct{})}
			svc := newService(t, gate, as, live.Options{Tail: 200, PageSize: 64})
			start(t, svc)

			// Posted during the replay, saying a child is in danger now.
			last := recs[len(recs)-1]
			if r, ok := last.(*bonafide.Referral); !ok || !r.ImmediateDanger {
				danger := *recs[refs[len(refs)-1]].(*bonafide.Referral)
				danger.ID, danger.ImmediateDanger = "R-DANGER-NOW", true
				last = &danger
			}
			if _, err := st.Add(ctx, last); err != nil {
				t.Fatal(err)
			}
			posted := last.(*bonafide.Referral)
			a, err := as.Assessment(ctx, posted.ID)
			// The safety part was stored with it; the fast lane, already
			// running, may have added the provisional one by now.
			if err != nil || (a.Kind != bonafide.KindSafety && a.Kind != bonafide.KindProvisional) || a.SafetyLevel != string(triage.LevelImmediate) {
				t.Fatalf("assessment of %s straight after it was stored = %s %s, %v; want its safety part (or a provisional one), immediate", posted.ID, a.Kind, a.SafetyLevel, err)
			}
			svc.Notify()

			var waiting []string
			for _, r := range append(late, last) {
				if ref, ok := r.(*bonafide.Referral); ok {
					waiting = append(waiting, ref.ID)
				}
			}
			// A guard against a hang, not a measure of speed.
			wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			for _, id := range waiting {
				a := waitFor(t, wctx, as, id, bonafide.KindProvisional)
				var out struct {
					triage.Assessment
					Part  string `json:"part"`
					Basis string `json:"basis"`
				}
				if err := json.Unmarshal(a.Output, &out); err != nil {
					t.Fatal(err)
				}
				if out.Part != triage.PartProvisional || !strings.Contains(out.Basis, "200 records") || out.Family == "" ||
					a.SafetyLevel != string(out.Safety.Level) || a.Engine != svc.Engine()+" provisional" {
					t.Errorf("provisional assessment of %s = %s (engine %q); want part provisional, its basis, family and safety", id, a.Output, a.Engine)
				}
			}
			// The counter moves just after the commit that made them
			// visible, so wait for it (the guard above ends the wait).
			for svc.Provisional() < int64(len(waiting)) && wctx.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			if svc.Provisional() < int64(len(waiting)) {
				t.Errorf("Provisional() = %d, want at least %d", svc.Provisional(), len(waiting))
			}
			if got, err := as.LastAssessedSeq(ctx); err != nil || got == 0 {
				t.Fatalf("LastAssessedSeq = %d, %v", got, err)
			}

			close(gate.open) // the replay goes on
			all := append(append([]bonafide.Record{}, recs[:len(recs)-1]...), last)
			_, want := command(t, triage.DefaultConfig(), all)
			for _, id := range waiting {
				a := waitFor(t, wctx, as, id, bonafide.KindCampaign)
				if !bytes.Equal(a.Output, want[id]) || a.Engine != svc.Engine() {
					t.Errorf("full assessment of %s = %s\nwant the command's %s", id, a.Output, want[id])
				}
			}
		})
	}
}

// waitFor polls until the assessment readers get of id is of kind, and
// returns it; it fails t when ctx ends first.
func waitFor(t *testing.T, ctx context.Context, as bonafide.AssessmentStore, id string, kind bonafide.AssessmentKind) bonafide.Assessment {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		a, err := as.Assessment(ctx, id)
		if err == nil && a.Kind == kind {
			return a
		}
		select {
		case <-ctx.Done():
			t.Fatalf("assessment of %s = %s, %v; never became %s", id, a.Kind, err, kind)
		case <-tick.C:
		}
	}
}
