package metrics_test

import (
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/metrics"
	"bonafide/sqlite"
	"bonafide/storetest"
	"bonafide/triage"
)

// BenchmarkScrape times one scrape of /metrics over loopback on a SQLite
// store of 20,000 referrals, none triaged (the worst backlog: every
// referral waits).
func BenchmarkScrape(b *testing.B) {
	ctx := context.Background()
	cal, err := triage.NewCalendar()
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "b.db"), sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const n = 20000
	recs := func(yield func(bonafide.Record, error) bool) {
		for i := range n {
			r := storetest.Referral(fmt.Sprintf("SB-%d", i))
			r.ImmediateDanger = i%7 == 0
			if !yield(r, nil) {
				return
			}
		}
	}
	if _, err := st.Import(ctx, iter.Seq2[bonafide.Record, error](recs)); err != nil {
		b.Fatal(err)
	}
	key, _, _ := auditlog.GenerateSigningKey("bench")
	audit, _ := auditlog.New(st.AuditStorage(), key, auditlog.Config{})
	reg := metrics.NewRegistry()
	c := &metrics.Collector{Ops: st.Assessments(), Cases: st.Cases(), Audit: audit, Logger: slog.New(slog.DiscardHandler)}
	if err := c.Register(ctx, reg); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(metrics.Handler(reg, "", slog.New(slog.DiscardHandler)))
	defer srv.Close()
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
