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
//
// This is every audited referral's commit, so it costs two round trips
// rather than one per statement: the first opens the transaction, takes
// the audit lock and reads the log's size; the second, once the size is
// the one expected, sends every insert and the COMMIT together. Under a
// second CPU-bound process each round trip is a wake-up of this process
// and of the database's that may wait for a processor, which was most of
// intake's tail on PostgreSQL (eight round trips before). A duplicate
// referral id is an error here, not an empty insert (insertAudited), so
// that it stops the statements after it, the COMMIT among them, and the
// transaction is rolled back whole.
func (a *AuditStorage) AppendWithRecords(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash, recs []any) ([]int64, error) {
	var encs []*sqlstore.Encoded
	if recs != nil {
		var err error
		if encs, err = sqlstore.Encodeds(recs); err != nil {
			return nil, err
		}
	}
	conn, err := a.s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit append at %d: %w", n, err)
	}
	defer conn.Release()
	seqs, err := a.appendTx(ctx, conn.Conn(), n, entries, hashes, encs)
	if err != nil {
		// Whatever the server had done is undone; a connection left in a
		// transaction is closed by the pool rather than reused.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	var refused *auditlog.RecordError
	switch {
	case err == nil:
		return seqs, nil
	case errors.Is(err, errSizeMoved):
		return nil, bonafide.Errorf(bonafide.EConflict, "audit log: append at %d, another writer was first", n)
	case errors.As(err, &refused):
		return nil, refused
	}
	return nil, fmt.Errorf("postgres: audit append at %d: %w", n, err)
}

// appendTx is AppendWithRecords' two round trips on conn. On an error the
// caller rolls back.
func (a *AuditStorage) appendTx(ctx context.Context, conn *pgx.Conn, n int64, entries [][]byte, hashes []tlog.Hash, encs []*sqlstore.Encoded) ([]int64, error) {
	var open pgx.Batch
	open.Queue("BEGIN")
	open.Queue(`LOCK TABLE audit_entries IN EXCLUSIVE MODE`)
	open.Queue(sqlstore.AuditSizeSQL)
	br := conn.SendBatch(ctx, &open)
	var size int64
	_, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil {
		err = br.QueryRow().Scan(&size)
	}
	if err = errors.Join(err, br.Close()); err != nil {
		return nil, err
	}
	if size != n {
		return nil, errSizeMoved
	}

	ns := make([]int64, len(entries))
	for i := range entries {
		ns[i] = n + int64(i)
	}
	idx := make([]int64, len(hashes))
	hs := make([][]byte, len(hashes))
	for i := range hashes {
		idx[i] = tlog.StoredHashIndex(0, n) + int64(i)
		hs[i] = hashes[i][:]
	}
	var b pgx.Batch
	b.Queue(`INSERT INTO audit_entries (n, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, ns, entries)
	b.Queue(`INSERT INTO audit_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, idx, hs)
	var at []int // the index in encs of each record insert queued
	if encs != nil {
		b.Queue(lockRecords)
		storedAt := a.s.now()
		for i, enc := range encs {
			if enc == nil {
				continue
			}
			queueInsertAudited(&b, enc, storedAt)
			at = append(at, i)
		}
	}
	b.Queue("COMMIT")
	br = conn.SendBatch(ctx, &b)
	defer br.Close()
	for range 2 {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
	}
	var seqs []int64
	if encs != nil {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("lock records: %w", err)
		}
		seqs = make([]int64, len(encs))
		for _, i := range at {
			err := br.QueryRow().Scan(&seqs[i])
			switch {
			case isUniqueViolation(err):
				id := encs[i].ReferralID.String
				return nil, &auditlog.RecordError{Index: i, Err: bonafide.Errorf(bonafide.EConflict, "referral %q is already stored", id)}
			case err != nil:
				return nil, fmt.Errorf("insert record %d: %w", i, err)
			}
		}
	}
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return seqs, br.Close()
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
