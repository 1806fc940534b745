package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"bonafide"
	"bonafide/sqlstore"
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

// coded returns err as it is when it carries a code, else wrapped as
// internal with op.
func coded(op string, err error) error {
	if err == nil {
		return nil
	}
	var c *bonafide.Error
	if errors.As(err, &c) {
		return c
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// CreateDisclosure stores d as version 1.
func (ds *Disclosures) CreateDisclosure(ctx context.Context, d bonafide.Disclosure) error {
	if err := ds.s.readable(); err != nil {
		return err
	}
	d.Version = 1
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("postgres: encode disclosure: %w", err)
	}
	_, err = ds.s.pool.Exec(ctx, `INSERT INTO disclosures (id, state, requested_by, filed, updated, version, body) VALUES ($1, $2, $3, $4, $5, 1, $6)`,
		d.ID, string(d.State), d.RequestedBy, sqlstore.Micro(d.Filed), sqlstore.Micro(d.Updated), string(body))
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "disclosure request %s already exists", d.ID)
	}
	return coded("create disclosure", err)
}

// Disclosure returns request id, or ENotFound.
func (ds *Disclosures) Disclosure(ctx context.Context, id string) (bonafide.Disclosure, error) {
	if err := ds.s.readable(); err != nil {
		return bonafide.Disclosure{}, err
	}
	var body []byte
	err := ds.s.pool.QueryRow(ctx, `SELECT body FROM disclosures WHERE id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", id)
	}
	if err != nil {
		return bonafide.Disclosure{}, fmt.Errorf("postgres: disclosure: %w", err)
	}
	return decodeDisclosure(body)
}

func decodeDisclosure(body []byte) (bonafide.Disclosure, error) {
	var d bonafide.Disclosure
	if err := json.Unmarshal(body, &d); err != nil {
		return d, fmt.Errorf("postgres: decode disclosure: %w", err)
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
		return fmt.Errorf("postgres: encode disclosure: %w", err)
	}
	err = pgx.BeginFunc(ctx, ds.s.pool, func(tx pgx.Tx) error {
		var version int32
		err := tx.QueryRow(ctx, `SELECT version FROM disclosures WHERE id = $1 FOR UPDATE`, d.ID).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", d.ID)
		}
		if err != nil {
			return err
		}
		if int(version) != d.Version-1 {
			return bonafide.Errorf(bonafide.EConflict, "disclosure request %s has changed since it was read: reload it and try again", d.ID)
		}
		if _, err := tx.Exec(ctx, `UPDATE disclosures SET state = $1, updated = $2, version = $3, body = $4 WHERE id = $5`,
			string(d.State), sqlstore.Micro(d.Updated), d.Version, string(body), d.ID); err != nil {
			return err
		}
		if pkg != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO disclosure_packages (disclosure_id, created, expires, liaison, sha256, json, pdf, signature)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ID, sqlstore.Micro(pkg.Created), sqlstore.Micro(pkg.Expires), pkg.Liaison, pkg.SHA256,
				pkg.JSON, pkg.PDF, pkg.Signature); err != nil {
				if isUniqueViolation(err) {
					return bonafide.Errorf(bonafide.EConflict, "disclosure request %s already has a package", d.ID)
				}
				return err
			}
		}
		for _, id := range disclosed {
			if _, err := tx.Exec(ctx, `INSERT INTO disclosed_referrals (referral_id, disclosure_id, at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, id, d.ID, sqlstore.Micro(d.Updated)); err != nil {
				return err
			}
		}
		return nil
	})
	return coded("update disclosure", err)
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
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		where = append(where, "state = ANY("+arg(states)+")")
	}
	if f.RequestedBy != "" {
		where = append(where, "requested_by = "+arg(f.RequestedBy))
	}
	if !f.FiledFrom.IsZero() {
		where = append(where, "filed >= "+arg(sqlstore.Micro(f.FiledFrom)))
	}
	if !f.FiledTo.IsZero() {
		where = append(where, "filed < "+arg(sqlstore.Micro(f.FiledTo)))
	}
	q := `SELECT body FROM disclosures`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY filed DESC, id DESC LIMIT ` + arg(limit)
	rows, err := ds.s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: disclosures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.Disclosure, error) {
		var body []byte
		if err := r.Scan(&body); err != nil {
			return bonafide.Disclosure{}, err
		}
		return decodeDisclosure(body)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: disclosures: %w", err)
	}
	return out, nil
}

// DisclosurePackage returns the package of a released request.
func (ds *Disclosures) DisclosurePackage(ctx context.Context, id string) (bonafide.DisclosurePackage, error) {
	if err := ds.s.readable(); err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	p := bonafide.DisclosurePackage{DisclosureID: id}
	var created, expires time.Time
	err := ds.s.pool.QueryRow(ctx, `SELECT created, expires, liaison, sha256, json, pdf, signature FROM disclosure_packages WHERE disclosure_id = $1`, id).
		Scan(&created, &expires, &p.Liaison, &p.SHA256, &p.JSON, &p.PDF, &p.Signature)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, bonafide.Errorf(bonafide.ENotFound, "disclosure request %s has no package", id)
	}
	if err != nil {
		return p, fmt.Errorf("postgres: disclosure package: %w", err)
	}
	p.Created, p.Expires = created.UTC(), expires.UTC()
	return p, nil
}

// Disclosed returns the requests that disclosed each referral's reporter.
func (ds *Disclosures) Disclosed(ctx context.Context, referralIDs []string) (map[string][]string, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	if len(referralIDs) == 0 {
		return out, nil
	}
	rows, err := ds.s.pool.Query(ctx, `SELECT referral_id, disclosure_id FROM disclosed_referrals WHERE referral_id = ANY($1) ORDER BY at, disclosure_id`, referralIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: disclosed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r, d string
		if err := rows.Scan(&r, &d); err != nil {
			return nil, fmt.Errorf("postgres: disclosed: %w", err)
		}
		out[r] = append(out[r], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: disclosed: %w", err)
	}
	return out, nil
}

// CreateSAR stores s as version 1.
func (ds *Disclosures) CreateSAR(ctx context.Context, s bonafide.SAR) error {
	if err := ds.s.readable(); err != nil {
		return err
	}
	s.Version = 1
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("postgres: encode SAR: %w", err)
	}
	_, err = ds.s.pool.Exec(ctx, `INSERT INTO sars (id, state, opened, updated, version, body) VALUES ($1, $2, $3, $4, 1, $5)`,
		s.ID, string(s.State), sqlstore.Micro(s.Received), sqlstore.Micro(s.Updated), string(body))
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "subject access request %s already exists", s.ID)
	}
	return coded("create SAR", err)
}

// SAR returns subject access request id, or ENotFound.
func (ds *Disclosures) SAR(ctx context.Context, id string) (bonafide.SAR, error) {
	if err := ds.s.readable(); err != nil {
		return bonafide.SAR{}, err
	}
	var body []byte
	err := ds.s.pool.QueryRow(ctx, `SELECT body FROM sars WHERE id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return bonafide.SAR{}, bonafide.Errorf(bonafide.ENotFound, "no subject access request %s", id)
	}
	if err != nil {
		return bonafide.SAR{}, fmt.Errorf("postgres: SAR: %w", err)
	}
	return decodeSAR(body)
}

func decodeSAR(body []byte) (bonafide.SAR, error) {
	var s bonafide.SAR
	if err := json.Unmarshal(body, &s); err != nil {
		return s, fmt.Errorf("postgres: decode SAR: %w", err)
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
		return fmt.Errorf("postgres: encode SAR: %w", err)
	}
	err = pgx.BeginFunc(ctx, ds.s.pool, func(tx pgx.Tx) error {
		var version int32
		err := tx.QueryRow(ctx, `SELECT version FROM sars WHERE id = $1 FOR UPDATE`, s.ID).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no subject access request %s", s.ID)
		}
		if err != nil {
			return err
		}
		if int(version) != s.Version-1 {
			return bonafide.Errorf(bonafide.EConflict, "subject access request %s has changed since it was read: reload it and try again", s.ID)
		}
		if bundle != nil {
			_, err = tx.Exec(ctx, `UPDATE sars SET state = $1, updated = $2, version = $3, body = $4, bundle = $5 WHERE id = $6`,
				string(s.State), sqlstore.Micro(s.Updated), s.Version, string(body), bundle, s.ID)
		} else {
			_, err = tx.Exec(ctx, `UPDATE sars SET state = $1, updated = $2, version = $3, body = $4 WHERE id = $5`,
				string(s.State), sqlstore.Micro(s.Updated), s.Version, string(body), s.ID)
		}
		return err
	})
	return coded("update SAR", err)
}

// SARs returns subject access requests, newest first.
func (ds *Disclosures) SARs(ctx context.Context, limit int) ([]bonafide.SAR, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > bonafide.MaxDisclosurePage {
		limit = 50
	}
	rows, err := ds.s.pool.Query(ctx, `SELECT body FROM sars ORDER BY opened DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: SARs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.SAR, error) {
		var body []byte
		if err := r.Scan(&body); err != nil {
			return bonafide.SAR{}, err
		}
		return decodeSAR(body)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: SARs: %w", err)
	}
	return out, nil
}

// SARBundle returns a produced SAR's bundle PDF.
func (ds *Disclosures) SARBundle(ctx context.Context, id string) ([]byte, error) {
	if err := ds.s.readable(); err != nil {
		return nil, err
	}
	var pdf []byte
	err := ds.s.pool.QueryRow(ctx, `SELECT bundle FROM sars WHERE id = $1`, id).Scan(&pdf)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && pdf == nil {
		return nil, bonafide.Errorf(bonafide.ENotFound, "subject access request %s has no bundle", id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: SAR bundle: %w", err)
	}
	return pdf, nil
}
