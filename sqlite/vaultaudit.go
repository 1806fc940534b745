package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/sqlstore"
	"bonafide/vault"
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

// VaultKeys returns the store's table of wrapped data keys, a
// vault.KeyStore.
func (s *Store) VaultKeys() *VaultKeys { return &VaultKeys{s: s} }

// VaultKeys is a vault.KeyStore on table data_keys.
type VaultKeys struct{ s *Store }

var _ vault.KeyStore = (*VaultKeys)(nil)

// Keys returns every stored data key.
func (k *VaultKeys) Keys(ctx context.Context) ([]vault.WrappedKey, error) {
	rows, err := k.s.query(ctx, `SELECT id, purpose, created, wrapped FROM data_keys`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: data keys: %w", err)
	}
	defer rows.Close()
	var out []vault.WrappedKey
	for rows.Next() {
		var (
			id      []byte
			purpose int
			created int64
			w       vault.WrappedKey
		)
		if err := rows.Scan(&id, &purpose, &created, &w.Wrapped); err != nil {
			return nil, fmt.Errorf("sqlite: data keys: %w", err)
		}
		if len(id) != len(w.ID) {
			return nil, fmt.Errorf("sqlite: data keys: id of %d bytes", len(id))
		}
		copy(w.ID[:], id)
		w.Purpose = vault.Purpose(purpose)
		w.Created = time.UnixMicro(created).UTC()
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: data keys: %w", err)
	}
	return out, nil
}

// AddKey stores a new data key; a taken ID gives EConflict.
func (k *VaultKeys) AddKey(ctx context.Context, w vault.WrappedKey) error {
	err := k.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO data_keys (id, purpose, created, wrapped) VALUES (?, ?, ?, ?)`,
			w.ID[:], int(w.Purpose), w.Created.UnixMicro(), w.Wrapped)
		return err
	})
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "data key %s already stored", w.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add data key: %w", err)
	}
	return nil
}

// Rewrap replaces every key's wrapped form in one transaction.
func (k *VaultKeys) Rewrap(ctx context.Context, rewrap func(vault.WrappedKey) ([]byte, error)) error {
	err := k.s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, purpose, created, wrapped FROM data_keys`)
		if err != nil {
			return err
		}
		var keys []vault.WrappedKey
		for rows.Next() {
			var (
				id      []byte
				purpose int
				created int64
				w       vault.WrappedKey
			)
			if err := rows.Scan(&id, &purpose, &created, &w.Wrapped); err != nil {
				rows.Close()
				return err
			}
			copy(w.ID[:], id)
			w.Purpose = vault.Purpose(purpose)
			w.Created = time.UnixMicro(created).UTC()
			keys = append(keys, w)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, w := range keys {
			nw, err := rewrap(w)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = ? WHERE id = ?`, nw, w.ID[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: rewrap data keys: %w", err)
	}
	return nil
}

// ReporterTags returns the store's table of reporter blind-index tags, a
// vault.TagIndex.
func (s *Store) ReporterTags() *ReporterTags { return &ReporterTags{s: s} }

// ReporterTags is a vault.TagIndex on table reporter_tags.
type ReporterTags struct{ s *Store }

var _ vault.TagIndex = (*ReporterTags)(nil)

// PutTags replaces the tags recorded for referralID.
func (r *ReporterTags) PutTags(ctx context.Context, referralID string, tags []vault.Tag) error {
	err := r.s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reporter_tags WHERE referral_id = ?`, referralID); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO reporter_tags (referral_id, kind, tag) VALUES (?, ?, ?)`,
				referralID, string(t.Kind), t.Sum[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: put tags of %q: %w", referralID, err)
	}
	return nil
}

// TagsOf returns the tags of referralID, sorted.
func (r *ReporterTags) TagsOf(ctx context.Context, referralID string) ([]vault.Tag, error) {
	rows, err := r.s.query(ctx, `SELECT kind, tag FROM reporter_tags WHERE referral_id = ? ORDER BY kind, tag`, referralID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tags of %q: %w", referralID, err)
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, sqlstore.ScanTag)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tags of %q: %w", referralID, err)
	}
	return out, nil
}

// ReferralsWithTags returns the referrals carrying each tag, sorted.
func (r *ReporterTags) ReferralsWithTags(ctx context.Context, tags []vault.Tag) (map[vault.Tag][]string, error) {
	out := map[vault.Tag][]string{}
	for _, t := range tags {
		rows, err := r.s.query(ctx, `SELECT referral_id FROM reporter_tags WHERE kind = ? AND tag = ? ORDER BY referral_id`,
			string(t.Kind), t.Sum[:])
		if err != nil {
			return nil, fmt.Errorf("sqlite: referrals with tag: %w", err)
		}
		ids, err := sqlstore.Collect(rows, sqlstore.ScanString)
		if err = errors.Join(err, rows.Close()); err != nil {
			return nil, fmt.Errorf("sqlite: referrals with tag: %w", err)
		}
		if len(ids) > 0 {
			out[t] = ids
		}
	}
	return out, nil
}

// AuditStorage returns the store's audit log tables, an auditlog.Storage.
func (s *Store) AuditStorage() *AuditStorage { return &AuditStorage{s: s} }

// AuditStorage is an auditlog.Storage on tables audit_entries,
// audit_hashes and audit_checkpoints.
type AuditStorage struct{ s *Store }

var _ auditlog.Storage = (*AuditStorage)(nil)

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func auditSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(n) + 1, 0) FROM audit_entries`).Scan(&n)
	return n, err
}

// Size returns one more than the highest entry index.
func (a *AuditStorage) Size(ctx context.Context) (int64, error) {
	n, err := auditSize(ctx, a.s.rdb)
	if err != nil {
		return 0, fmt.Errorf("sqlite: audit size: %w", err)
	}
	return n, nil
}

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
	enc, err := a.s.codec.Encode(rec, nil)
	if err != nil {
		return nil, err
	}
	return &enc, nil
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
		size, err := auditSize(ctx, tx)
		if err != nil {
			return err
		}
		if size != n {
			conflict = true
			return errors.New("size moved")
		}
		if err := appendAudit(ctx, tx, n, entries, hashes); err != nil {
			return err
		}
		if recs == nil {
			return nil
		}
		ins := a.s.ins.in(ctx, tx)
		storedAt := a.s.opts.Now().UnixMicro()
		seqs = make([]int64, len(recs))
		for i, r := range recs {
			if r == nil {
				continue
			}
			enc, ok := r.(*sqlstore.Encoded)
			if !ok {
				return fmt.Errorf("record %d: %T is not from EncodeRecord", i, r)
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
func appendAudit(ctx context.Context, tx *sql.Tx, n int64, entries [][]byte, hashes []tlog.Hash) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO audit_entries (n, data) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for i, e := range entries {
		if _, err := ins.ExecContext(ctx, n+int64(i), e); err != nil {
			return err
		}
	}
	insh, err := tx.PrepareContext(ctx, `INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer insh.Close()
	idx := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		if _, err := insh.ExecContext(ctx, idx+int64(i), h[:]); err != nil {
			return err
		}
	}
	return nil
}

// ReadHashes returns the stored hashes at indexes, in order.
func (a *AuditStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	got := make(map[int64]tlog.Hash, len(indexes))
	scan := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var (
				i int64
				b []byte
			)
			if err := rows.Scan(&i, &b); err != nil {
				return err
			}
			if len(b) != tlog.HashSize {
				return fmt.Errorf("stored hash %d has %d bytes", i, len(b))
			}
			got[i] = tlog.Hash(b)
		}
		return rows.Err()
	}
	contiguous := true
	for i := 1; i < len(indexes); i++ {
		contiguous = contiguous && indexes[i] == indexes[i-1]+1
	}
	if contiguous {
		rows, err := a.s.query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx >= ? AND idx <= ?`, indexes[0], indexes[len(indexes)-1])
		if err == nil {
			err = scan(rows)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: audit hashes: %w", err)
		}
	} else {
		const chunk = 500
		for lo := 0; lo < len(indexes); lo += chunk {
			part := indexes[lo:min(lo+chunk, len(indexes))]
			args := make([]any, len(part))
			for i, x := range part {
				args[i] = x
			}
			q := `SELECT idx, hash FROM audit_hashes WHERE idx IN (?` + strings.Repeat(",?", len(part)-1) + `)`
			rows, err := a.s.query(ctx, q, args...)
			if err == nil {
				err = scan(rows)
			}
			if err != nil {
				return nil, fmt.Errorf("sqlite: audit hashes: %w", err)
			}
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := got[x]
		if !ok {
			return nil, bonafide.Errorf(bonafide.ENotFound, "audit log: no stored hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

// Entries yields entries from start in index order, a page at a time.
func (a *AuditStorage) Entries(ctx context.Context, start int64) iter.Seq2[auditlog.StoredEntry, error] {
	return sqlstore.Pages(start, 0, func(from int64, n int) ([]auditlog.StoredEntry, error) {
		page, err := a.entryPage(ctx, from, n)
		if err != nil {
			return nil, fmt.Errorf("sqlite: audit entries: %w", err)
		}
		return page, nil
	}, func(e auditlog.StoredEntry) int64 { return e.N + 1 })
}

func (a *AuditStorage) entryPage(ctx context.Context, from int64, n int) ([]auditlog.StoredEntry, error) {
	rows, err := a.s.query(ctx, `SELECT n, data FROM audit_entries WHERE n >= ? ORDER BY n LIMIT ?`, from, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlstore.Collect(rows, func(r sqlstore.Scanner) (auditlog.StoredEntry, error) {
		var e auditlog.StoredEntry
		err := r.Scan(&e.N, &e.Data)
		return e, err
	})
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

// Checkpoints yields every checkpoint in ID order, a page at a time.
func (a *AuditStorage) Checkpoints(ctx context.Context) iter.Seq2[auditlog.StoredCheckpoint, error] {
	return sqlstore.Pages(-1, 0, func(after int64, n int) ([]auditlog.StoredCheckpoint, error) {
		page, err := a.checkpointPage(ctx, after, n)
		if err != nil {
			return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
		}
		return page, nil
	}, func(c auditlog.StoredCheckpoint) int64 { return c.ID })
}

func (a *AuditStorage) checkpointPage(ctx context.Context, after int64, n int) ([]auditlog.StoredCheckpoint, error) {
	rows, err := a.s.query(ctx, `SELECT id, size, note FROM audit_checkpoints WHERE id > ? ORDER BY id LIMIT ?`, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlstore.Collect(rows, scanCheckpoint)
}

// scanCheckpoint reads the columns id, size, note.
func scanCheckpoint(r sqlstore.Scanner) (auditlog.StoredCheckpoint, error) {
	var c auditlog.StoredCheckpoint
	err := r.Scan(&c.ID, &c.Size, &c.Note)
	return c, err
}

// LatestCheckpoint returns the checkpoint with the highest ID, or
// ENotFound.
func (a *AuditStorage) LatestCheckpoint(ctx context.Context) (auditlog.StoredCheckpoint, error) {
	var c auditlog.StoredCheckpoint
	err := a.s.queryRow(ctx, `SELECT id, size, note FROM audit_checkpoints ORDER BY id DESC LIMIT 1`).Scan(&c.ID, &c.Size, &c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return c, bonafide.Errorf(bonafide.ENotFound, "audit log: no checkpoint")
	}
	if err != nil {
		return c, fmt.Errorf("sqlite: latest checkpoint: %w", err)
	}
	return c, nil
}

// AddCosignature stores a cosigned checkpoint (table audit_cosignatures,
// migration 009).
func (a *AuditStorage) AddCosignature(ctx context.Context, size int64, witness string, note []byte) error {
	err := a.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_cosignatures (size, witness, note, created) VALUES (?, ?, ?, ?)`,
			size, witness, note, a.s.opts.Now().UnixMicro())
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: add cosignature: %w", err)
	}
	return nil
}

// Cosignatures yields every cosignature in ID order, a page at a time.
func (a *AuditStorage) Cosignatures(ctx context.Context) iter.Seq2[auditlog.StoredCosignature, error] {
	return sqlstore.Pages(-1, 0, func(after int64, n int) ([]auditlog.StoredCosignature, error) {
		rows, err := a.s.rdb.QueryContext(ctx, `SELECT id, size, witness, note FROM audit_cosignatures WHERE id > ? ORDER BY id LIMIT ?`, after, n)
		if err != nil {
			return nil, fmt.Errorf("sqlite: cosignatures: %w", err)
		}
		defer rows.Close()
		page, err := sqlstore.Collect(rows, func(r sqlstore.Scanner) (auditlog.StoredCosignature, error) {
			var c auditlog.StoredCosignature
			err := r.Scan(&c.ID, &c.Size, &c.Witness, &c.Note)
			return c, err
		})
		if err != nil {
			return nil, fmt.Errorf("sqlite: cosignatures: %w", err)
		}
		return page, nil
	}, func(c auditlog.StoredCosignature) int64 { return c.ID })
}
