package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/auditlog/auditlogtest"
	"bonafide/storetest"
	"bonafide/vault"
	"bonafide/vault/vaulttest"
)

// openMigrated opens a store on a fresh schema, or skips t.
func openMigrated(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), testDSN(t), Options{Migrate: true})
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
	requirePostgres(t)
	vaulttest.RunKeyStore(t, func(t *testing.T) vault.KeyStore { return openMigrated(t).VaultKeys() })
}

func TestVaultTagIndex(t *testing.T) {
	requirePostgres(t)
	vaulttest.RunTagIndex(t, func(t *testing.T) vault.TagIndex { return openMigrated(t).ReporterTags() })
}

// tamperAudit edits the audit tables as an insider would: disabling the
// append-only triggers first.
type tamperAudit struct {
	*AuditStorage
}

func (a tamperAudit) exec(ctx context.Context, q string, args ...any) error {
	return pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		for _, table := range []string{"audit_entries", "audit_hashes", "audit_checkpoints"} {
			if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" DISABLE TRIGGER USER"); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return bonafide.Errorf(bonafide.ENotFound, "tamper: %d rows", tag.RowsAffected())
		}
		return nil
	})
}

func (a tamperAudit) SetEntry(ctx context.Context, n int64, data []byte) error {
	return a.exec(ctx, `UPDATE audit_entries SET data = $1 WHERE n = $2`, data, n)
}

func (a tamperAudit) DeleteEntry(ctx context.Context, n int64) error {
	return a.exec(ctx, `DELETE FROM audit_entries WHERE n = $1`, n)
}

func (a tamperAudit) SetHash(ctx context.Context, index int64, h tlog.Hash) error {
	return a.exec(ctx, `UPDATE audit_hashes SET hash = $1 WHERE idx = $2`, h[:], index)
}

func (a tamperAudit) TruncateHashes(ctx context.Context, from int64) error {
	return pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "ALTER TABLE audit_hashes DISABLE TRIGGER USER"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM audit_hashes WHERE idx >= $1`, from)
		return err
	})
}

func (a tamperAudit) SetCheckpoint(ctx context.Context, id int64, note []byte) error {
	return a.exec(ctx, `UPDATE audit_checkpoints SET note = $1 WHERE id = $2`, note, id)
}

func (a tamperAudit) DeleteCheckpoint(ctx context.Context, id int64) error {
	return a.exec(ctx, `DELETE FROM audit_checkpoints WHERE id = $1`, id)
}

func TestAuditStorage(t *testing.T) {
	requirePostgres(t)
	auditlogtest.RunStorage(t, func(t *testing.T) auditlogtest.TamperStorage {
		return tamperAudit{openMigrated(t).AuditStorage()}
	})
}

// TestAuditAppendOnly checks that the triggers stop an UPDATE or DELETE made
// without first disabling them.
func TestAuditAppendOnly(t *testing.T) {
	s := openMigrated(t)
	auditlogtest.RunAppendOnly(t, s.AuditStorage(), `'\x00'`, func(ctx context.Context, q string) error {
		_, err := s.pool.Exec(ctx, q)
		return err
	})
}

func TestIntakeTagging(t *testing.T) {
	requirePostgres(t)
	vaulttest.RunIntakeTagging(t, func(t *testing.T, tagger vault.Tagger) (bonafide.Store, vault.TagIndex) {
		s, err := Open(context.Background(), testDSN(t), Options{Migrate: true, Tagger: tagger})
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

// TestCheckpointIDsContiguous checks that checkpoint IDs stay 1, 2, 3, …
// when an insert rolls back (the identity sequence would skip a value,
// which Verify reads as a deleted checkpoint) and when writers race.
func TestCheckpointIDsContiguous(t *testing.T) {
	requirePostgres(t)
	ctx := context.Background()
	s := openMigrated(t)
	a := s.AuditStorage()

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, note) VALUES (1, 'rolled back')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := a.AddCheckpoint(ctx, 1, []byte("first"))
	if err != nil || id != 1 {
		t.Fatalf("AddCheckpoint after a rollback = %d, %v, want 1", id, err)
	}

	const writers = 8
	errs := make(chan error, writers)
	for range writers {
		go func() {
			_, err := a.AddCheckpoint(ctx, 2, []byte("raced"))
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent AddCheckpoint = %v", err)
		}
	}
	var ids []int64
	for c, err := range a.Checkpoints(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("checkpoint IDs = %v, want 1..%d", ids, writers+1)
		}
	}
	if len(ids) != writers+1 {
		t.Fatalf("%d checkpoints, want %d", len(ids), writers+1)
	}
}

func TestAuditedIntake(t *testing.T) {
	requirePostgres(t)
	storetest.RunAuditedIntake(t, func(t *testing.T) auditlog.RecordStorage { return openMigrated(t).AuditStorage() })
}
