package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/sqlstore"
	"bonafide/vault"
)

// This file gives the vault and the audit log their tables (migration 002).

// VaultKeys returns the store's table of wrapped data keys, a
// vault.KeyStore.
func (s *Store) VaultKeys() *VaultKeys { return &VaultKeys{s: s} }

// VaultKeys is a vault.KeyStore on table data_keys.
type VaultKeys struct{ s *Store }

var _ vault.KeyStore = (*VaultKeys)(nil)

func scanKeys(rows pgx.Rows) ([]vault.WrappedKey, error) {
	defer rows.Close()
	var out []vault.WrappedKey
	for rows.Next() {
		var (
			id      []byte
			purpose int16
			w       vault.WrappedKey
		)
		if err := rows.Scan(&id, &purpose, &w.Created, &w.Wrapped); err != nil {
			return nil, err
		}
		if len(id) != len(w.ID) {
			return nil, fmt.Errorf("data key id of %d bytes", len(id))
		}
		copy(w.ID[:], id)
		w.Purpose = vault.Purpose(purpose)
		w.Created = w.Created.UTC()
		out = append(out, w)
	}
	return out, rows.Err()
}

// Keys returns every stored data key.
func (k *VaultKeys) Keys(ctx context.Context) ([]vault.WrappedKey, error) {
	rows, err := k.s.pool.Query(ctx, `SELECT id, purpose, created, wrapped FROM data_keys`)
	if err != nil {
		return nil, fmt.Errorf("postgres: data keys: %w", err)
	}
	ks, err := scanKeys(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: data keys: %w", err)
	}
	return ks, nil
}

// AddKey stores a new data key; a taken ID gives EConflict.
func (k *VaultKeys) AddKey(ctx context.Context, w vault.WrappedKey) error {
	_, err := k.s.pool.Exec(ctx, `INSERT INTO data_keys (id, purpose, created, wrapped) VALUES ($1, $2, $3, $4)`,
		w.ID[:], int16(w.Purpose), w.Created, w.Wrapped)
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "data key %s already stored", w.ID)
	}
	if err != nil {
		return fmt.Errorf("postgres: add data key: %w", err)
	}
	return nil
}

// Rewrap replaces every key's wrapped form in one transaction, holding the
// rows locked so that a concurrent rotation waits.
func (k *VaultKeys) Rewrap(ctx context.Context, rewrap func(vault.WrappedKey) ([]byte, error)) error {
	err := pgx.BeginFunc(ctx, k.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE data_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, purpose, created, wrapped FROM data_keys`)
		if err != nil {
			return err
		}
		keys, err := scanKeys(rows)
		if err != nil {
			return err
		}
		for _, w := range keys {
			nw, err := rewrap(w)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE data_keys SET wrapped = $1 WHERE id = $2`, nw, w.ID[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: rewrap data keys: %w", err)
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
	err := pgx.BeginFunc(ctx, r.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM reporter_tags WHERE referral_id = $1`, referralID); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO reporter_tags (referral_id, kind, tag) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				referralID, string(t.Kind), t.Sum[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: put tags of %q: %w", referralID, err)
	}
	return nil
}

// TagsOf returns the tags of referralID, sorted.
func (r *ReporterTags) TagsOf(ctx context.Context, referralID string) ([]vault.Tag, error) {
	rows, err := r.s.pool.Query(ctx, `SELECT kind, tag FROM reporter_tags WHERE referral_id = $1 ORDER BY kind COLLATE "C", tag`, referralID)
	if err != nil {
		return nil, fmt.Errorf("postgres: tags of %q: %w", referralID, err)
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, sqlstore.ScanTag)
	if err != nil {
		return nil, fmt.Errorf("postgres: tags of %q: %w", referralID, err)
	}
	return out, nil
}

// ReferralsWithTags returns the referrals carrying each tag, sorted.
func (r *ReporterTags) ReferralsWithTags(ctx context.Context, tags []vault.Tag) (map[vault.Tag][]string, error) {
	out := map[vault.Tag][]string{}
	for _, t := range tags {
		rows, err := r.s.pool.Query(ctx, `SELECT referral_id FROM reporter_tags WHERE kind = $1 AND tag = $2 ORDER BY referral_id COLLATE "C"`,
			string(t.Kind), t.Sum[:])
		if err != nil {
			return nil, fmt.Errorf("postgres: referrals with tag: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("postgres: referrals with tag: %w", err)
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

const auditSizeSQL = `SELECT COALESCE(MAX(n) + 1, 0) FROM audit_entries`

// Size returns one more than the highest entry index.
func (a *AuditStorage) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := a.s.pool.QueryRow(ctx, auditSizeSQL).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: audit size: %w", err)
	}
	return n, nil
}

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
	enc, err := a.s.codec.Encode(rec, nil)
	if err != nil {
		return nil, err
	}
	return &enc, nil
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
		if err := tx.QueryRow(ctx, auditSizeSQL).Scan(&size); err != nil {
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
	for i, r := range recs {
		if r == nil {
			continue
		}
		enc, ok := r.(*sqlstore.Encoded)
		if !ok {
			return fmt.Errorf("record %d: %T is not from EncodeRecord", i, r)
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
			id := recs[i].(*sqlstore.Encoded).ReferralID.String
			*refused = &auditlog.RecordError{Index: i, Err: bonafide.Errorf(bonafide.EConflict, "referral %q is already stored", id)}
			return *refused
		case err != nil:
			return fmt.Errorf("insert record %d: %w", i, err)
		}
	}
	return br.Close()
}

// ReadHashes returns the stored hashes at indexes, in order.
func (a *AuditStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	rows, err := a.s.pool.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx = ANY($1)`, indexes)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit hashes: %w", err)
	}
	defer rows.Close()
	got := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var (
			i int64
			b []byte
		)
		if err := rows.Scan(&i, &b); err != nil {
			return nil, fmt.Errorf("postgres: audit hashes: %w", err)
		}
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("postgres: stored hash %d has %d bytes", i, len(b))
		}
		got[i] = tlog.Hash(b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: audit hashes: %w", err)
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
		rows, err := a.s.pool.Query(ctx, `SELECT n, data FROM audit_entries WHERE n >= $1 ORDER BY n LIMIT $2`, from, n)
		var page []auditlog.StoredEntry
		if err == nil {
			page, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditlog.StoredEntry, error) {
				var e auditlog.StoredEntry
				err := r.Scan(&e.N, &e.Data)
				return e, err
			})
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: audit entries: %w", err)
		}
		return page, nil
	}, func(e auditlog.StoredEntry) int64 { return e.N + 1 })
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

func scanCheckpoint(r pgx.CollectableRow) (auditlog.StoredCheckpoint, error) {
	var c auditlog.StoredCheckpoint
	err := r.Scan(&c.ID, &c.Size, &c.Note)
	return c, err
}

// Checkpoints yields every checkpoint in ID order, a page at a time.
func (a *AuditStorage) Checkpoints(ctx context.Context) iter.Seq2[auditlog.StoredCheckpoint, error] {
	return sqlstore.Pages(-1, 0, func(after int64, n int) ([]auditlog.StoredCheckpoint, error) {
		rows, err := a.s.pool.Query(ctx, `SELECT id, size, note FROM audit_checkpoints WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
		var page []auditlog.StoredCheckpoint
		if err == nil {
			page, err = pgx.CollectRows(rows, scanCheckpoint)
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: checkpoints: %w", err)
		}
		return page, nil
	}, func(c auditlog.StoredCheckpoint) int64 { return c.ID })
}

// LatestCheckpoint returns the checkpoint with the highest ID, or
// ENotFound.
func (a *AuditStorage) LatestCheckpoint(ctx context.Context) (auditlog.StoredCheckpoint, error) {
	var c auditlog.StoredCheckpoint
	err := a.s.pool.QueryRow(ctx, `SELECT id, size, note FROM audit_checkpoints ORDER BY id DESC LIMIT 1`).Scan(&c.ID, &c.Size, &c.Note)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, bonafide.Errorf(bonafide.ENotFound, "audit log: no checkpoint")
	}
	if err != nil {
		return c, fmt.Errorf("postgres: latest checkpoint: %w", err)
	}
	return c, nil
}

// AddCosignature stores a cosigned checkpoint (table audit_cosignatures,
// migration 009).
func (a *AuditStorage) AddCosignature(ctx context.Context, size int64, witness string, note []byte) error {
	if _, err := a.s.pool.Exec(ctx, `INSERT INTO audit_cosignatures (size, witness, note, created) VALUES ($1, $2, $3, $4)`,
		size, witness, note, a.s.opts.Now().UTC()); err != nil {
		return fmt.Errorf("postgres: add cosignature: %w", err)
	}
	return nil
}

// Cosignatures yields every cosignature in ID order, a page at a time.
func (a *AuditStorage) Cosignatures(ctx context.Context) iter.Seq2[auditlog.StoredCosignature, error] {
	return sqlstore.Pages(-1, 0, func(after int64, n int) ([]auditlog.StoredCosignature, error) {
		rows, err := a.s.pool.Query(ctx, `SELECT id, size, witness, note FROM audit_cosignatures WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
		var page []auditlog.StoredCosignature
		if err == nil {
			page, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditlog.StoredCosignature, error) {
				var c auditlog.StoredCosignature
				err := r.Scan(&c.ID, &c.Size, &c.Witness, &c.Note)
				return c, err
			})
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: cosignatures: %w", err)
		}
		return page, nil
	}, func(c auditlog.StoredCosignature) int64 { return c.ID })
}
