package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/auditlog/auditlogtest"
	"bonafide/storetest"
	"bonafide/vault"
	"bonafide/vault/vaulttest"
)

// openMigrated opens a fresh store in a temporary directory.
func openMigrated(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	return s
}

func TestVaultKeyStore(t *testing.T) {
	vaulttest.RunKeyStore(t, func(t *testing.T) vault.KeyStore { return openMigrated(t).VaultKeys() })
}

func TestVaultTagIndex(t *testing.T) {
	vaulttest.RunTagIndex(t, func(t *testing.T) vault.TagIndex { return openMigrated(t).ReporterTags() })
}

// tamperAudit edits the audit tables as an insider would: dropping the
// append-only triggers first.
type tamperAudit struct {
	*AuditStorage
}

var dropAuditTriggers = []string{
	"audit_entries_no_update", "audit_entries_no_delete",
	"audit_hashes_no_update", "audit_hashes_no_delete",
	"audit_checkpoints_no_update", "audit_checkpoints_no_delete",
}

func (a tamperAudit) exec(ctx context.Context, q string, args ...any) error {
	return a.s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, tr := range dropAuditTriggers {
			if _, err := tx.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+tr); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, bonafide.Errorf(bonafide.ENotFound, "tamper: %d rows", n))
		}
		return nil
	})
}

func (a tamperAudit) SetEntry(ctx context.Context, n int64, data []byte) error {
	return a.exec(ctx, `UPDATE audit_entries SET data = ? WHERE n = ?`, data, n)
}

func (a tamperAudit) DeleteEntry(ctx context.Context, n int64) error {
	return a.exec(ctx, `DELETE FROM audit_entries WHERE n = ?`, n)
}

func (a tamperAudit) SetHash(ctx context.Context, index int64, h tlog.Hash) error {
	return a.exec(ctx, `UPDATE audit_hashes SET hash = ? WHERE idx = ?`, h[:], index)
}

func (a tamperAudit) TruncateHashes(ctx context.Context, from int64) error {
	return a.s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DROP TRIGGER IF EXISTS audit_hashes_no_delete"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM audit_hashes WHERE idx >= ?`, from)
		return err
	})
}

func (a tamperAudit) SetCheckpoint(ctx context.Context, id int64, note []byte) error {
	return a.exec(ctx, `UPDATE audit_checkpoints SET note = ? WHERE id = ?`, note, id)
}

func (a tamperAudit) DeleteCheckpoint(ctx context.Context, id int64) error {
	return a.exec(ctx, `DELETE FROM audit_checkpoints WHERE id = ?`, id)
}

func TestAuditStorage(t *testing.T) {
	auditlogtest.RunStorage(t, func(t *testing.T) auditlogtest.TamperStorage {
		return tamperAudit{openMigrated(t).AuditStorage()}
	})
}

// TestAuditAppendOnly checks that the triggers stop an UPDATE or DELETE made
// without first dropping them.
func TestAuditAppendOnly(t *testing.T) {
	s := openMigrated(t)
	auditlogtest.RunAppendOnly(t, s.AuditStorage(), `x'00'`, func(ctx context.Context, q string) error {
		return s.writeTx(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
	})
}

// TestVaultSealsStore runs the vault as the store's Sealer, with its keys
// in the same database: the reporters table holds no plaintext and a blob
// moved to another referral does not open.
func TestVaultSealsStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sealed.db")
	master, err := vault.GenerateMasterKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var sealer vault.Deferred
	s, err := Open(ctx, path, Options{Migrate: true, Sealer: &sealer})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := vault.Open(ctx, s.VaultKeys(), vault.MasterKeys{master}, vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sealer.Set(v)
	const name = "Quentin Zebrafinch"
	for _, id := range []string{"R-1", "R-2"} {
		r := &bonafide.Referral{ID: id, ReceivedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Channel: bonafide.Channel("web"),
			Children: []bonafide.Person{{GivenName: "Child"}},
			Reporter: &bonafide.Reporter{GivenName: "Quentin", FamilyName: "Zebrafinch", Email: "qz@example.org"}}
		if _, err := s.Add(ctx, r); err != nil {
			t.Fatalf("Add(%s) = %v", id, err)
		}
	}
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM reporters WHERE instr(sealed, 'Zebrafinch') > 0 OR instr(sealed, 'qz@') > 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d reporter rows hold the reporter in the clear", n)
	}
	got, err := s.ReferralByID(ctx, "R-1")
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Record.(*bonafide.Referral).Reporter; r == nil || r.GivenName+" "+r.FamilyName != name {
		t.Errorf("ReferralByID(R-1).Reporter = %v, want %s back", r, name)
	}
	// Swap the two sealed blobs in the database: neither referral opens.
	if err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE reporters SET sealed = (SELECT sealed FROM reporters p JOIN records r ON r.seq = p.seq WHERE r.referral_id = 'R-2')
			WHERE seq = (SELECT seq FROM records WHERE referral_id = 'R-1')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReferralByID(ctx, "R-1"); err == nil {
		t.Errorf("ReferralByID(R-1) with R-2's sealed reporter succeeded; want error")
	}
}

// BenchmarkAuditAppend measures one durable audit append (its own
// transaction, synchronous=FULL) on SQLite.
func BenchmarkAuditAppend(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	key, _, err := auditlog.GenerateSigningKey("bench")
	if err != nil {
		b.Fatal(err)
	}
	l, err := auditlog.New(s.AuditStorage(), key, auditlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	e := auditlog.Entry{Who: "sw-17", What: "referral.view", Object: "R-000001", Why: "triage"}
	for b.Loop() {
		if _, err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditAppendParallel measures appends from 64 concurrent callers,
// which share commits.
func BenchmarkAuditAppendParallel(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	key, _, err := auditlog.GenerateSigningKey("bench")
	if err != nil {
		b.Fatal(err)
	}
	l, err := auditlog.New(s.AuditStorage(), key, auditlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	e := auditlog.Entry{Who: "sw-17", What: "referral.view", Object: "R-000001", Why: "triage"}
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append(ctx, e); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAuditVerify measures Verify over a 5,000-entry log on SQLite
// with a checkpoint every 500 entries, in entries per second.
func BenchmarkAuditVerify(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	key, _, err := auditlog.GenerateSigningKey("bench")
	if err != nil {
		b.Fatal(err)
	}
	l, err := auditlog.New(s.AuditStorage(), key, auditlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 5000
	e := auditlog.Entry{Who: "sw-17", What: "referral.view", Object: "R-000001", Why: "triage"}
	for i := range n {
		if _, err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
		if (i+1)%500 == 0 {
			if _, err := l.WriteCheckpoint(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		if _, err := l.Verify(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}

func TestIntakeTagging(t *testing.T) {
	vaulttest.RunIntakeTagging(t, func(t *testing.T, tagger vault.Tagger) (bonafide.Store, vault.TagIndex) {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), Options{Migrate: true, Tagger: tagger})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
		})
		return s, s.ReporterTags()
	})
}

func TestAuditedIntake(t *testing.T) {
	storetest.RunAuditedIntake(t, func(t *testing.T) auditlog.RecordStorage { return openMigrated(t).AuditStorage() })
}
