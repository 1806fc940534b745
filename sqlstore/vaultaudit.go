package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/vault"
)

// This file gives the vault and the audit log their tables (migration 002)
// on either store's database. The audit log's appends (Append,
// AddCheckpoint) stay each store's: they lock in its own way.

// VaultKeys is a vault.KeyStore on table data_keys of a store's DB.
type VaultKeys struct{ db DB }

// NewVaultKeys returns the wrapped data keys kept in db.
func NewVaultKeys(db DB) *VaultKeys { return &VaultKeys{db: db} }

var _ vault.KeyStore = (*VaultKeys)(nil)

func scanKey(row Scanner) (vault.WrappedKey, error) {
	var (
		id      []byte
		purpose int
		created Time
		w       vault.WrappedKey
	)
	if err := row.Scan(&id, &purpose, &created, &w.Wrapped); err != nil {
		return w, err
	}
	if len(id) != len(w.ID) {
		return w, fmt.Errorf("data key id of %d bytes", len(id))
	}
	copy(w.ID[:], id)
	w.Purpose, w.Created = vault.Purpose(purpose), created.Time
	return w, nil
}

// Keys returns every stored data key.
func (k *VaultKeys) Keys(ctx context.Context) ([]vault.WrappedKey, error) {
	out, err := Query(ctx, k.db, `SELECT id, purpose, created, wrapped FROM data_keys`, nil, scanKey)
	if err != nil {
		return nil, internal(k.db, "data keys", err)
	}
	return out, nil
}

// AddKey stores a new data key; a taken ID gives EConflict.
func (k *VaultKeys) AddKey(ctx context.Context, w vault.WrappedKey) error {
	_, err := k.db.Exec(ctx, `INSERT INTO data_keys (id, purpose, created, wrapped) VALUES (?, ?, ?, ?)`,
		w.ID[:], int(w.Purpose), k.db.Time(w.Created), w.Wrapped)
	if k.db.IsUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "data key %s already stored", w.ID)
	}
	if err != nil {
		return internal(k.db, "add data key", err)
	}
	return nil
}

// Rewrap replaces every key's wrapped form in one transaction, holding the
// table so that a concurrent rotation waits.
func (k *VaultKeys) Rewrap(ctx context.Context, rewrap func(vault.WrappedKey) ([]byte, error)) error {
	err := k.db.WriteTx(ctx, func(tx Conn) error {
		if err := k.db.LockTable(ctx, tx, "data_keys", "SHARE ROW EXCLUSIVE"); err != nil {
			return err
		}
		keys, err := Query(ctx, tx, `SELECT id, purpose, created, wrapped FROM data_keys`, nil, scanKey)
		if err != nil {
			return err
		}
		for _, w := range keys {
			nw, err := rewrap(w)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE data_keys SET wrapped = ? WHERE id = ?`, nw, w.ID[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return internal(k.db, "rewrap data keys", err)
	}
	return nil
}

// ReporterTags is a vault.TagIndex on table reporter_tags of a store's DB.
type ReporterTags struct{ db DB }

// NewReporterTags returns the reporter blind-index tags kept in db.
func NewReporterTags(db DB) *ReporterTags { return &ReporterTags{db: db} }

var _ vault.TagIndex = (*ReporterTags)(nil)

// PutTags replaces the tags recorded for referralID.
func (r *ReporterTags) PutTags(ctx context.Context, referralID string, tags []vault.Tag) error {
	err := r.db.WriteTx(ctx, func(tx Conn) error {
		if _, err := tx.Exec(ctx, `DELETE FROM reporter_tags WHERE referral_id = ?`, referralID); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO reporter_tags (referral_id, kind, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				referralID, string(t.Kind), t.Sum[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return internal(r.db, fmt.Sprintf("put tags of %q", referralID), err)
	}
	return nil
}

// TagsOf returns the tags of referralID, sorted (bytewise).
func (r *ReporterTags) TagsOf(ctx context.Context, referralID string) ([]vault.Tag, error) {
	out, err := Query(ctx, r.db, `SELECT kind, tag FROM reporter_tags WHERE referral_id = ? ORDER BY kind`+r.db.Bytewise()+`, tag`,
		[]any{referralID}, ScanTag)
	if err != nil {
		return nil, internal(r.db, fmt.Sprintf("tags of %q", referralID), err)
	}
	return out, nil
}

// ReferralsWithTags returns the referrals carrying each tag, sorted
// (bytewise).
func (r *ReporterTags) ReferralsWithTags(ctx context.Context, tags []vault.Tag) (map[vault.Tag][]string, error) {
	out := map[vault.Tag][]string{}
	for _, t := range tags {
		ids, err := Query(ctx, r.db, `SELECT referral_id FROM reporter_tags WHERE kind = ? AND tag = ? ORDER BY referral_id`+r.db.Bytewise(),
			[]any{string(t.Kind), t.Sum[:]}, ScanString)
		if err != nil {
			return nil, internal(r.db, "referrals with tag", err)
		}
		if len(ids) > 0 {
			out[t] = ids
		}
	}
	return out, nil
}

// AuditReader is the part of an auditlog.Storage on tables audit_entries,
// audit_hashes, audit_checkpoints and audit_cosignatures that the stores
// share: its reads, and the cosignatures. Each store's AuditStorage embeds
// it and appends entries and checkpoints in its own way.
type AuditReader struct {
	db  DB
	now func() time.Time
}

// NewAuditReader returns the reads of the audit log kept in db; now stamps
// a cosignature.
func NewAuditReader(db DB, now func() time.Time) AuditReader { return AuditReader{db: db, now: now} }

// AuditSizeSQL is the audit log's size: one more than the highest entry
// index, 0 when empty.
const AuditSizeSQL = `SELECT COALESCE(MAX(n) + 1, 0) FROM audit_entries`

// Size returns one more than the highest entry index.
func (a AuditReader) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := a.db.QueryRow(ctx, AuditSizeSQL).Scan(&n); err != nil {
		return 0, internal(a.db, "audit size", err)
	}
	return n, nil
}

// hashChunk bounds the indexes one query of ReadHashes asks about, under
// SQLite's limit on a statement's variables.
const hashChunk = 500

// ReadHashes returns the stored hashes at indexes, in order. Contiguous
// indexes (what a proof reads most) are one range of the primary key.
func (a AuditReader) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	got := make(map[int64]tlog.Hash, len(indexes))
	scan := func(row Scanner) error {
		var (
			i int64
			b []byte
		)
		if err := row.Scan(&i, &b); err != nil {
			return err
		}
		if len(b) != tlog.HashSize {
			return fmt.Errorf("stored hash %d has %d bytes", i, len(b))
		}
		got[i] = tlog.Hash(b)
		return nil
	}
	contiguous := true
	for i := 1; i < len(indexes); i++ {
		contiguous = contiguous && indexes[i] == indexes[i-1]+1
	}
	if contiguous {
		if err := a.db.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx >= ? AND idx <= ?`,
			[]any{indexes[0], indexes[len(indexes)-1]}, scan); err != nil {
			return nil, internal(a.db, "audit hashes", err)
		}
	} else {
		for lo := 0; lo < len(indexes); lo += hashChunk {
			cond, args := a.db.In("idx", indexes[lo:min(lo+hashChunk, len(indexes))])
			if err := a.db.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE `+cond, args, scan); err != nil {
				return nil, internal(a.db, "audit hashes", err)
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
func (a AuditReader) Entries(ctx context.Context, start int64) iter.Seq2[auditlog.StoredEntry, error] {
	return Pages(start, 0, func(from int64, n int) ([]auditlog.StoredEntry, error) {
		page, err := Query(ctx, a.db, `SELECT n, data FROM audit_entries WHERE n >= ? ORDER BY n LIMIT ?`, []any{from, n},
			func(row Scanner) (auditlog.StoredEntry, error) {
				var e auditlog.StoredEntry
				err := row.Scan(&e.N, &e.Data)
				return e, err
			})
		if err != nil {
			return nil, internal(a.db, "audit entries", err)
		}
		return page, nil
	}, func(e auditlog.StoredEntry) int64 { return e.N + 1 })
}

// scanCheckpoint reads the columns id, size, note.
func scanCheckpoint(row Scanner) (auditlog.StoredCheckpoint, error) {
	var c auditlog.StoredCheckpoint
	err := row.Scan(&c.ID, &c.Size, &c.Note)
	return c, err
}

// Checkpoints yields every checkpoint in ID order, a page at a time.
func (a AuditReader) Checkpoints(ctx context.Context) iter.Seq2[auditlog.StoredCheckpoint, error] {
	return Pages(-1, 0, func(after int64, n int) ([]auditlog.StoredCheckpoint, error) {
		page, err := Query(ctx, a.db, `SELECT id, size, note FROM audit_checkpoints WHERE id > ? ORDER BY id LIMIT ?`, []any{after, n}, scanCheckpoint)
		if err != nil {
			return nil, internal(a.db, "checkpoints", err)
		}
		return page, nil
	}, func(c auditlog.StoredCheckpoint) int64 { return c.ID })
}

// LatestCheckpoint returns the checkpoint with the highest ID, or
// ENotFound.
func (a AuditReader) LatestCheckpoint(ctx context.Context) (auditlog.StoredCheckpoint, error) {
	c, err := scanCheckpoint(a.db.QueryRow(ctx, `SELECT id, size, note FROM audit_checkpoints ORDER BY id DESC LIMIT 1`))
	if errors.Is(err, ErrNoRows) {
		return c, bonafide.Errorf(bonafide.ENotFound, "audit log: no checkpoint")
	}
	if err != nil {
		return c, internal(a.db, "latest checkpoint", err)
	}
	return c, nil
}

// AddCosignature stores a cosigned checkpoint (table audit_cosignatures,
// migration 009).
func (a AuditReader) AddCosignature(ctx context.Context, size int64, witness string, note []byte) error {
	if _, err := a.db.Exec(ctx, `INSERT INTO audit_cosignatures (size, witness, note, created) VALUES (?, ?, ?, ?)`,
		size, witness, note, a.db.Time(a.now())); err != nil {
		return internal(a.db, "add cosignature", err)
	}
	return nil
}

// Cosignatures yields every cosignature in ID order, a page at a time.
func (a AuditReader) Cosignatures(ctx context.Context) iter.Seq2[auditlog.StoredCosignature, error] {
	return Pages(-1, 0, func(after int64, n int) ([]auditlog.StoredCosignature, error) {
		page, err := Query(ctx, a.db, `SELECT id, size, witness, note FROM audit_cosignatures WHERE id > ? ORDER BY id LIMIT ?`, []any{after, n},
			func(row Scanner) (auditlog.StoredCosignature, error) {
				var c auditlog.StoredCosignature
				err := row.Scan(&c.ID, &c.Size, &c.Witness, &c.Note)
				return c, err
			})
		if err != nil {
			return nil, internal(a.db, "cosignatures", err)
		}
		return page, nil
	}, func(c auditlog.StoredCosignature) int64 { return c.ID })
}
