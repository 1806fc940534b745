package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"bonafide"
)

// This file keeps police disclosure requests, their packages, the marks
// on disclosed referrals and subject access requests (migration 008).

// Disclosures returns the store's disclosure requests and SARs, a
// bonafide.DisclosureStore.
func (s *Store) Disclosures() *Disclosures { return &Disclosures{s: s} }

// Disclosures is a bonafide.DisclosureStore on tables disclosures,
// disclosure_packages, disclosed_referrals and sars.
type Disclosures struct{ s *Store }

var _ bonafide.DisclosureStore = (*Disclosures)(nil)

// CreateDisclosure stores d as version 1.
func (ds *Disclosures) CreateDisclosure(ctx context.Context, d bonafide.Disclosure) error {
	if err := ds.s.readable(); err != nil {
		return err
	}
	d.Version = 1
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("sqlite: encode disclosure: %w", err)
	}
	err = ds.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO disclosures (id, state, requested_by, filed, updated, version, body) VALUES (?, ?, ?, ?, ?, 1, ?)`,
			d.ID, string(d.State), d.RequestedBy, micros(d.Filed), micros(d.Updated), string(body))
		return err
	})
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "disclosure request %s already exists", d.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create disclosure: %w", err)
	}
	return nil
}

// Disclosure returns request id, or ENotFound.
func (ds *Disclosures) Disclosure(ctx context.Context, id string) (bonafide.Disclosure, error) {
	if err := ds.s.readable(); err != nil {
		return bonafide.Disclosure{}, err
	}
	var body string
	err := ds.s.rdb.QueryRowContext(ctx, `SELECT body FROM disclosures WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", id)
	}
	if err != nil {
		return bonafide.Disclosure{}, fmt.Errorf("sqlite: disclosure: %w", err)
	}
	return decodeDisclosure(body)
}

func decodeDisclosure(body string) (bonafide.Disclosure, error) {
	var d bonafide.Disclosure
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return d, fmt.Errorf("sqlite: decode disclosure: %w", err)
	}
	return d, nil
}

// UpdateDisclosure stores d over version d.Version-1, with pkg and the
// disclosed marks, in one transaction.
func (ds *Disclosures) UpdateDisclosure(ctx context.Context, d bonafide.Disclosure, pkg *bonafide.DisclosurePackage, disclosed []string) error {
	if err := ds.s.readable(); err != nil {
		return err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("sqlite: encode disclosure: %w", err)
	}
	err = ds.s.writeTx(ctx, func(tx *sql.Tx) error {
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM disclosures WHERE id = ?`, d.ID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", d.ID)
		}
		if err != nil {
			return err
		}
		if version != d.Version-1 {
			return bonafide.Errorf(bonafide.EConflict, "disclosure request %s has changed since it was read: reload it and try again", d.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE disclosures SET state = ?, updated = ?, version = ?, body = ? WHERE id = ?`,
			string(d.State), micros(d.Updated), d.Version, string(body), d.ID); err != nil {
			return err
		}
		if pkg != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO disclosure_packages (disclosure_id, created, expires, liaison, sha256, json, pdf, signature)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, micros(pkg.Created), micros(pkg.Expires), pkg.Liaison, pkg.SHA256, pkg.JSON, pkg.PDF, pkg.Signature); err != nil {
				if isUniqueViolation(err) {
					return bonafide.Errorf(bonafide.EConflict, "disclosure request %s already has a package", d.ID)
				}
				return err
			}
		}
		for _, id := range disclosed {
			if _, err := tx.ExecContext(ctx, `INSERT INTO disclosed_referrals (referral_id, disclosure_id, at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, id, d.ID, micros(d.Updated)); err != nil {
				return err
			}
		}
		return nil
	})
	if bonafide.ErrorCode(err) != bonafide.EInternal {
		return err
	}
	return fmt.Errorf("sqlite: update disclosure: %w", err)
}

// Disclosures returns the requests f selects, newest first.
func (ds *Disclosures) Disclosures(ctx context.Context, f bonafide.DisclosureFilter) ([]bonafide.Disclosure, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	if f.Limit < 0 || f.Limit > bonafide.MaxDisclosurePage {
		return nil, bonafide.Errorf(bonafide.EInvalid, "limit: 1 to %d", bonafide.MaxDisclosurePage)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	var where []string
	var args []any
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.RequestedBy != "" {
		where = append(where, "requested_by = ?")
		args = append(args, f.RequestedBy)
	}
	if !f.FiledFrom.IsZero() {
		where = append(where, "filed >= ?")
		args = append(args, micros(f.FiledFrom))
	}
	if !f.FiledTo.IsZero() {
		where = append(where, "filed < ?")
		args = append(args, micros(f.FiledTo))
	}
	q := `SELECT body FROM disclosures`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY filed DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := ds.s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: disclosures: %w", err)
	}
	defer rows.Close()
	var out []bonafide.Disclosure
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: disclosures: %w", err)
		}
		d, err := decodeDisclosure(body)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: disclosures: %w", err)
	}
	return out, nil
}

// DisclosurePackage returns the package of a released request.
func (ds *Disclosures) DisclosurePackage(ctx context.Context, id string) (bonafide.DisclosurePackage, error) {
	if err := ds.s.readable(); err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	p := bonafide.DisclosurePackage{DisclosureID: id}
	var created, expires int64
	err := ds.s.rdb.QueryRowContext(ctx, `SELECT created, expires, liaison, sha256, json, pdf, signature FROM disclosure_packages WHERE disclosure_id = ?`, id).
		Scan(&created, &expires, &p.Liaison, &p.SHA256, &p.JSON, &p.PDF, &p.Signature)
	if errors.Is(err, sql.ErrNoRows) {
		return p, bonafide.Errorf(bonafide.ENotFound, "disclosure request %s has no package", id)
	}
	if err != nil {
		return p, fmt.Errorf("sqlite: disclosure package: %w", err)
	}
	p.Created, p.Expires = fromMicros(created), fromMicros(expires)
	return p, nil
}

// Disclosed returns the requests that disclosed each referral's reporter.
func (ds *Disclosures) Disclosed(ctx context.Context, referralIDs []string) (map[string][]string, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for chunk := range chunks(referralIDs, 500) {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := ds.s.rdb.QueryContext(ctx, `SELECT referral_id, disclosure_id FROM disclosed_referrals WHERE referral_id IN (`+ph+`) ORDER BY at, disclosure_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: disclosed: %w", err)
		}
		for rows.Next() {
			var r, d string
			if err := rows.Scan(&r, &d); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: disclosed: %w", err)
			}
			out[r] = append(out[r], d)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("sqlite: disclosed: %w", err)
		}
	}
	return out, nil
}

// chunks yields s in pieces of at most n.
func chunks(s []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// CreateSAR stores s as version 1.
func (ds *Disclosures) CreateSAR(ctx context.Context, s bonafide.SAR) error {
	if err := ds.s.readable(); err != nil {
		return err
	}
	s.Version = 1
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: encode SAR: %w", err)
	}
	err = ds.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sars (id, state, opened, updated, version, body) VALUES (?, ?, ?, ?, 1, ?)`,
			s.ID, string(s.State), micros(s.Received), micros(s.Updated), string(body))
		return err
	})
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "subject access request %s already exists", s.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create SAR: %w", err)
	}
	return nil
}

// SAR returns subject access request id, or ENotFound.
func (ds *Disclosures) SAR(ctx context.Context, id string) (bonafide.SAR, error) {
	if err := ds.s.readable(); err != nil {
		return bonafide.SAR{}, err
	}
	var body string
	err := ds.s.rdb.QueryRowContext(ctx, `SELECT body FROM sars WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return bonafide.SAR{}, bonafide.Errorf(bonafide.ENotFound, "no subject access request %s", id)
	}
	if err != nil {
		return bonafide.SAR{}, fmt.Errorf("sqlite: SAR: %w", err)
	}
	return decodeSAR(body)
}

func decodeSAR(body string) (bonafide.SAR, error) {
	var s bonafide.SAR
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return s, fmt.Errorf("sqlite: decode SAR: %w", err)
	}
	return s, nil
}

// UpdateSAR stores s over version s.Version-1, with its bundle when given.
func (ds *Disclosures) UpdateSAR(ctx context.Context, s bonafide.SAR, bundle []byte) error {
	if err := ds.s.readable(); err != nil {
		return err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: encode SAR: %w", err)
	}
	err = ds.s.writeTx(ctx, func(tx *sql.Tx) error {
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM sars WHERE id = ?`, s.ID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no subject access request %s", s.ID)
		}
		if err != nil {
			return err
		}
		if version != s.Version-1 {
			return bonafide.Errorf(bonafide.EConflict, "subject access request %s has changed since it was read: reload it and try again", s.ID)
		}
		if bundle != nil {
			_, err = tx.ExecContext(ctx, `UPDATE sars SET state = ?, updated = ?, version = ?, body = ?, bundle = ? WHERE id = ?`,
				string(s.State), micros(s.Updated), s.Version, string(body), bundle, s.ID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE sars SET state = ?, updated = ?, version = ?, body = ? WHERE id = ?`,
				string(s.State), micros(s.Updated), s.Version, string(body), s.ID)
		}
		return err
	})
	if bonafide.ErrorCode(err) != bonafide.EInternal {
		return err
	}
	return fmt.Errorf("sqlite: update SAR: %w", err)
}

// SARs returns subject access requests, newest first.
func (ds *Disclosures) SARs(ctx context.Context, limit int) ([]bonafide.SAR, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > bonafide.MaxDisclosurePage {
		limit = 50
	}
	rows, err := ds.s.rdb.QueryContext(ctx, `SELECT body FROM sars ORDER BY opened DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: SARs: %w", err)
	}
	defer rows.Close()
	var out []bonafide.SAR
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: SARs: %w", err)
		}
		s, err := decodeSAR(body)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: SARs: %w", err)
	}
	return out, nil
}

// SARBundle returns a produced SAR's bundle PDF.
func (ds *Disclosures) SARBundle(ctx context.Context, id string) ([]byte, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	var pdf []byte
	err := ds.s.rdb.QueryRowContext(ctx, `SELECT bundle FROM sars WHERE id = ?`, id).Scan(&pdf)
	if errors.Is(err, sql.ErrNoRows) || err == nil && pdf == nil {
		return nil, bonafide.Errorf(bonafide.ENotFound, "subject access request %s has no bundle", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: SAR bundle: %w", err)
	}
	return pdf, nil
}
