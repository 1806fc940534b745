package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/sqlstore"
)

// This file gives the vault and the audit log their tables (migration 002)
// on the store's database, sharing its single write connection.

// writeTx runs f in a transaction on the write connection. Concurrent
// calls share a commit with each other and with Adds (group commit,
// [sqlstore.Batcher], see commit): each f runs in a savepoint of its own,
// so that its error undoes only its own writes, and one durable sync covers
// the batch. Before, every case event, user change and audit batch paid a
// sync of its own on the one writer, which held decisions under 1,000/s.
// An error means f's writes were not stored.
func (s *Store) writeTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	_, err := s.batch.Add(ctx, write{f: f})
	return err
}

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

// Append stores entries from n and their hashes in one transaction.
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
// EncodeRecord made (nil beside an entry without one) in one transaction,
// which shares its commit with concurrent Adds and writes (writeTx), and
// returns the records' sequence numbers.
func (a *AuditStorage) AppendWithRecords(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash, recs []any) ([]int64, error) {
	conflict := false
	var seqs []int64
	var refused *auditlog.RecordError
	err := a.s.writeTx(ctx, func(tx *sql.Tx) error {
		var size int64
		sizeQ, err := a.s.wst.in(ctx, tx, sqlstore.AuditSizeSQL)
		if err != nil {
			return err
		}
		if err := sizeQ.QueryRowContext(ctx).Scan(&size); err != nil {
			return err
		}
		if size != n {
			conflict = true
			return errors.New("size moved")
		}
		if err := appendAudit(ctx, a.s.wst, tx, n, entries, hashes); err != nil {
			return err
		}
		if recs == nil {
			return nil
		}
		encs, err := sqlstore.Encodeds(recs)
		if err != nil {
			return err
		}
		ins := a.s.txIns.in(ctx, tx)
		storedAt := a.s.opts.Now().UnixMicro()
		seqs = make([]int64, len(recs))
		for i, enc := range encs {
			if enc == nil {
				continue
			}
			seq, err := a.s.insert(ctx, ins, enc, storedAt)
			if bonafide.ErrorCode(err) == bonafide.EConflict {
				refused = &auditlog.RecordError{Index: i, Err: err}
				return refused // rolls back the savepoint: nothing of this append is kept
			}
			if err != nil {
				return err
			}
			seqs[i] = seq
		}
		return nil
	})
	switch {
	case conflict:
		return nil, bonafide.Errorf(bonafide.EConflict, "audit log: append at %d, another writer was first", n)
	case refused != nil && errors.Is(err, refused):
		return nil, refused
	case err != nil:
		return nil, fmt.Errorf("sqlite: audit append at %d: %w", n, err)
	}
	return seqs, nil
}

// appendAudit inserts entries from n and the stored hashes from
// tlog.StoredHashIndex(0, n) in tx.
func appendAudit(ctx context.Context, w writeStmts, tx *sql.Tx, n int64, entries [][]byte, hashes []tlog.Hash) error {
	ins, err := w.in(ctx, tx, insertAuditEntrySQL)
	if err != nil {
		return err
	}
	for i, e := range entries {
		if _, err := ins.ExecContext(ctx, n+int64(i), e); err != nil {
			return err
		}
	}
	insh, err := w.in(ctx, tx, insertAuditHashSQL)
	if err != nil {
		return err
	}
	idx := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		if _, err := insh.ExecContext(ctx, idx+int64(i), h[:]); err != nil {
			return err
		}
	}
	return nil
}

// AddCheckpoint stores a checkpoint and returns its ID.
func (a *AuditStorage) AddCheckpoint(ctx context.Context, size int64, note []byte) (int64, error) {
	var id int64
	err := a.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, note) VALUES (?, ?)`, size, note)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: add checkpoint: %w", err)
	}
	return id, nil
}
