package casework_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/casework"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/storetest"
	"bonafide/triage"
)

var decisionCases = flag.Int("decision-cases", 20000, "referrals BenchmarkDecide stores, each decided at most once")

// BenchmarkDecide measures decision recording through the workflow on
// SQLite: each decision reads the case, checks it against the workflow's
// table, appends its audit entry (the Merkle log on the same database) and
// stores the event and the case's row in one durable transaction. The
// referrals are assigned in the set-up (which renders each one's
// acknowledgement letter), so that only the decision is timed; they are
// decided from the parallel goroutines (-cpu sets how many). It runs on
// SQLite and, when BONAFIDE_TEST_POSTGRES_URL is set, on PostgreSQL.
func BenchmarkDecide(b *testing.B) {
	ctx := context.Background()
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "decide.db"), sqlite.Options{Migrate: true, Judge: storetest.BenchJudge})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchDecide(b, st, st.Cases(), st.AuditStorage())
	})
	b.Run("postgres", func(b *testing.B) {
		st, err := postgres.Open(ctx, storetest.PostgresDSN(b, "bench_decide"), postgres.Options{Migrate: true, Judge: storetest.BenchJudge})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchDecide(b, st, st.Cases(), st.AuditStorage())
	})
}

func benchDecide(b *testing.B, st bonafide.Store, cases bonafide.CaseStore, audit auditlog.Storage) {
	ctx := context.Background()
	storetest.LoadCases(b, st, *decisionCases)
	key, _, err := auditlog.GenerateSigningKey("bench.bonafide/audit")
	if err != nil {
		b.Fatal(err)
	}
	alog, err := auditlog.New(audit, key, auditlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	cal, err := triage.NewCalendar()
	if err != nil {
		b.Fatal(err)
	}
	cs := &casework.Service{Cases: cases, Referrals: st, Audit: alog, Calendar: cal, Letters: &casework.Letterhead{},
		Agency: casework.Agency{Name: "Benchbury Borough Council", Team: "Front Door"}}
	worker := casework.Actor{Who: "user:bench", Role: bonafide.RoleSocialWorker}
	var levels []string
	for i := range *decisionCases {
		id := fmt.Sprintf("Q-%08d", i)
		v, err := cs.Act(ctx, worker, id, casework.Request{Action: bonafide.ActAssign, Worker: worker.Who})
		if err != nil {
			b.Fatal(err)
		}
		levels = append(levels, v.Row.SafetyLevel)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			if i >= len(levels) {
				b.Fatalf("more iterations than -decision-cases (%d): raise it", len(levels))
			}
			d := bonafide.RecommendedDecisions(levels[i], false)[0]
			if _, err := cs.Act(ctx, worker, fmt.Sprintf("Q-%08d", i), casework.Request{Action: bonafide.ActDecide, Decision: d,
				Reason: "as triage recommended"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
