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
	_, err := a.AppendWithRecords(ctx, n, entries, hashes, nil)
	return err
}

var _ auditlog.RecordStorage = (*AuditStorage)(nil)

// RecordStore returns the store AppendWithRecords writes records to.
func (a *AuditStorage) RecordStore() bonafide.Store { return a.s }

// EncodeRecord seals and encodes rec as Add does, for AppendWithRecords.
func (a *AuditStorage) EncodeRecord(rec bonafide.Record) (any, error) {
	return a.s.codec.EncodeRecord(rec)
}

// AppendWithRecords stores entries from n, their hashes and the records
// EncodeRecord made (nil beside an entry without one) in one transaction
// and returns the records' sequence numbers. It takes the audit lock, then
// the records lock (nothing takes them the other way round).
func (a *AuditStorage) AppendWithRecords(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash, recs []any) ([]int64, error) {
	var seqs []int64
	var refused *auditlog.RecordError
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
		if _, err := tx.Exec(ctx, `INSERT INTO audit_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, idx, hs); err != nil {
			return err
		}
		if recs == nil {
			return nil
		}
		seqs, refused = make([]int64, len(recs)), nil
		return a.insertRecords(ctx, tx, recs, seqs, &refused)
	})
	switch {
	case errors.Is(err, errSizeMoved):
		return nil, bonafide.Errorf(bonafide.EConflict, "audit log: append at %d, another writer was first", n)
	case refused != nil && errors.Is(err, refused):
		return nil, refused
	case err != nil:
		return nil, fmt.Errorf("postgres: audit append at %d: %w", n, err)
	}
	return seqs, nil
}

// insertRecords stores recs (EncodeRecord's; nil ones skipped) in tx under
// the records lock, pipelined, setting seqs; a referral id already stored
// fails it with *refused set.
func (a *AuditStorage) insertRecords(ctx context.Context, tx pgx.Tx, recs []any, seqs []int64, refused **auditlog.RecordError) error {
	if _, err := tx.Exec(ctx, lockRecords); err != nil {
		return fmt.Errorf("lock records: %w", err)
	}
	var b pgx.Batch
	var at []int
	storedAt := a.s.now()
	encs, err := sqlstore.Encodeds(recs)
	if err != nil {
		return err
	}
	for i, enc := range encs {
		if enc == nil {
			continue
		}
		queueInsert(&b, enc, storedAt)
		at = append(at, i)
	}
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	for _, i := range at {
		err := br.QueryRow().Scan(&seqs[i])
		switch {
		case err == pgx.ErrNoRows || isUniqueViolation(err):
			id := encs[i].ReferralID.String
			*refused = &auditlog.RecordError{Index: i, Err: bonafide.Errorf(bonafide.EConflict, "referral %q is already stored", id)}
			return *refused
		case err != nil:
			return fmt.Errorf("insert record %d: %w", i, err)
		}
	}
	return br.Close()
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
