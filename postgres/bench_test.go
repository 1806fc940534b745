package postgres

import (
	"context"
	"flag"
	"testing"
	"time"

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
func BenchmarkImport(b *testing.B) { storetest.BenchImport(b, benchStore(b)) }

// BenchmarkAdd measures durable Adds from many goroutines (group commit).
func BenchmarkAdd(b *testing.B) { storetest.BenchAdd(b, benchStore(b)) }

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
