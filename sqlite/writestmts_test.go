package sqlite

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/storetest"
)

// TestIntakeStatementsPrepared drives every write a referral's intake
// makes (the audited insert with its safety assessment and case, a plain
// Add, a transaction with its savepoint, the campaign assessment that
// flags the case and restricts the family) and fails if any of them had to
// compile a statement in its transaction instead of using the writer's
// prepared ones.
func TestIntakeStatementsPrepared(t *testing.T) {
	var mu sync.Mutex
	var compiled []string
	unprepared = func(q string) {
		mu.Lock()
		defer mu.Unlock()
		compiled = append(compiled, q)
	}
	t.Cleanup(func() { unprepared = nil })

	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "test.db"), Options{Migrate: true, Judge: storetest.BenchJudge})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	audited := storetest.GenReferral(rng, "ref-audited")
	a := s.AuditStorage()
	enc, err := a.EncodeRecord(audited)
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := a.AppendWithRecords(ctx, 0, [][]byte{[]byte("entry 0")}, []tlog.Hash{{1}}, []any{enc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, storetest.GenReferral(rng, "ref-plain")); err != nil {
		t.Fatal(err)
	}
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	n, err := s.Assessments().PutAssessments(ctx, []bonafide.Assessment{{
		ReferralID: audited.ID, Seq: seqs[0], SafetyLevel: "standard", Flagged: true, Score: 0.9,
		Family: "family-1", Engine: "test engine", DecisionDue: audited.ReceivedAt.Add(24 * time.Hour),
		Output: []byte(`{}`), Kind: bonafide.KindCampaign,
	}})
	if err != nil || n != 1 {
		t.Fatalf("PutAssessments = %d, %v; want 1 stored", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, q := range compiled {
		t.Errorf("compiled in its transaction, not prepared at open: %s", q)
	}
}
