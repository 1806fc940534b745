package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/sqlstore"
)

// This file gives the vault and the audit log their tables (migration 002).

// AuditStorage returns the store's audit log tables, an auditlog.Storage.
func (s *Store) AuditStorage() *AuditStorage {
	return &AuditStorage{AuditReader: sqlstore.NewAuditReader(db{s}, s.opts.Now), s: s}
}

// AuditStorage is an auditlog.Storage on tables audit_entries,
// audit_hashes and audit_checkpoints: its reads and cosignatures are
// sqlstore's (AuditReader), its appends this package's.
type AuditStorage struct {
	sqlstore.AuditReader
	s *Store
}

var _ auditlog.Storage = (*AuditStorage)(nil)

var errSizeMoved = errors.New("size moved")

// Append stores entries from n and their hashes in one transaction. An exclusive
// lock on audit_entries serialises appenders across processes.
func (a *AuditStorage) Append(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash) error {
	err := pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE audit_entries IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var size int64
		if err := tx.QueryRow(ctx, sqlstore.AuditSizeSQL).Scan(&size); err != nil {
			return err
		}
		if size != n {
			return errSizeMoved
		}
		ns := make([]int64, len(entries))
		for i := range entries {
			ns[i] = n + int64(i)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_entries (n, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, ns, entries); err != nil {
			return err
		}
		idx := make([]int64, len(hashes))
		hs := make([][]byte, len(hashes))
		for i := range hashes {
			idx[i] = tlog.StoredHashIndex(0, n) + int64(i)
			hs[i] = hashes[i][:]
		}
		_, err := tx.Exec(ctx, `INSERT INTO audit_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, idx, hs)
		return err
	})
	if errors.Is(err, errSizeMoved) {
		return bonafide.Errorf(bonafide.EConflict, "audit log: append at %d, another writer was first", n)
	}
	if err != nil {
		return fmt.Errorf("postgres: audit append at %d: %w", n, err)
	}
	return nil
}

// AddCheckpoint stores a checkpoint and returns its ID, one more than the
// highest stored. The ID is not the identity column's sequence: a sequence
// value taken by an insert that rolled back is never reused, and the gap it
// left would read to [auditlog.Verify] as a deleted checkpoint. A table lock
// that admits readers but one writer at a time keeps two writers from
// picking the same ID.
func (a *AuditStorage) AddCheckpoint(ctx context.Context, size int64, note []byte) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE audit_checkpoints IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO audit_checkpoints (id, size, note) OVERRIDING SYSTEM VALUE
			SELECT COALESCE(MAX(id), 0) + 1, $1, $2 FROM audit_checkpoints RETURNING id`, size, note).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: add checkpoint: %w", err)
	}
	return id, nil
}
