package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"bonafide"
)

// This file keeps police disclosure requests, their packages, the marks
// on disclosed referrals and subject access requests (migration 008).

// Disclosures is a bonafide.DisclosureStore on tables disclosures,
// disclosure_packages, disclosed_referrals and sars of a store's DB.
type Disclosures struct{ db DB }

// NewDisclosures returns the disclosure requests and SARs kept in db.
func NewDisclosures(db DB) *Disclosures { return &Disclosures{db: db} }

var _ bonafide.DisclosureStore = (*Disclosures)(nil)

// A request is one of the two kinds of request this file keeps.
type request struct {
	kind  string // in errors' operations
	table string
	noun  string // in errors for the user
}

var (
	disclosureRequest = request{kind: "disclosure", table: "disclosures", noun: "disclosure request"}
	sarRequest        = request{kind: "SAR", table: "sars", noun: "subject access request"}
)

// CreateDisclosure stores d as version 1.
func (ds *Disclosures) CreateDisclosure(ctx context.Context, d bonafide.Disclosure) error {
	d.Version = 1
	return ds.create(ctx, disclosureRequest, d.ID, d,
		`INSERT INTO disclosures (id, state, requested_by, filed, updated, version, body) VALUES (?, ?, ?, ?, ?, 1, ?)`,
		d.ID, string(d.State), d.RequestedBy, ds.db.Time(d.Filed), ds.db.Time(d.Updated))
}

// CreateSAR stores s as version 1.
func (ds *Disclosures) CreateSAR(ctx context.Context, s bonafide.SAR) error {
	s.Version = 1
	return ds.create(ctx, sarRequest, s.ID, s,
		`INSERT INTO sars (id, state, opened, updated, version, body) VALUES (?, ?, ?, ?, 1, ?)`,
		s.ID, string(s.State), ds.db.Time(s.Received), ds.db.Time(s.Updated))
}

// create inserts v, request id of kind r, with statement ins of args and
// then v's JSON body; a taken id is EConflict.
func (ds *Disclosures) create(ctx context.Context, r request, id string, v any, ins string, args ...any) error {
	if err := ds.db.Readable(); err != nil {
		return err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return internal(ds.db, "encode "+r.kind, err)
	}
	_, err = ds.db.Exec(ctx, ins, append(args, string(body))...)
	if ds.db.IsUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "%s %s already exists", r.noun, id)
	}
	return coded(ds.db, "create "+r.kind, err)
}

// Disclosure returns request id, or ENotFound.
func (ds *Disclosures) Disclosure(ctx context.Context, id string) (bonafide.Disclosure, error) {
	var d bonafide.Disclosure
	return d, ds.get(ctx, disclosureRequest, id, &d)
}

// SAR returns subject access request id, or ENotFound.
func (ds *Disclosures) SAR(ctx context.Context, id string) (bonafide.SAR, error) {
	var s bonafide.SAR
	return s, ds.get(ctx, sarRequest, id, &s)
}

// get reads request id of kind r into v, or gives ENotFound.
func (ds *Disclosures) get(ctx context.Context, r request, id string, v any) error {
	if err := ds.db.Readable(); err != nil {
		return err
	}
	var body []byte
	err := ds.db.QueryRow(ctx, `SELECT body FROM `+r.table+` WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, ErrNoRows) {
		return bonafide.Errorf(bonafide.ENotFound, "no %s %s", r.noun, id)
	}
	if err != nil {
		return internal(ds.db, r.kind, err)
	}
	return ds.decode(r, body, v)
}

// decode reads the JSON body of a request of kind r into v.
func (ds *Disclosures) decode(r request, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return internal(ds.db, "decode "+r.kind, err)
	}
	return nil
}

// UpdateDisclosure stores d over version d.Version-1, with pkg and the
// disclosed marks, in one transaction.
func (ds *Disclosures) UpdateDisclosure(ctx context.Context, d bonafide.Disclosure, pkg *bonafide.DisclosurePackage, disclosed []string) error {
	return ds.update(ctx, disclosureRequest, d.ID, d.Version, d, func(tx Conn, body string) error {
		if _, err := tx.Exec(ctx, `UPDATE disclosures SET state = ?, updated = ?, version = ?, body = ? WHERE id = ?`,
			string(d.State), ds.db.Time(d.Updated), d.Version, body, d.ID); err != nil {
			return err
		}
		if pkg != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO disclosure_packages (disclosure_id, created, expires, liaison, sha256, json, pdf, signature)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, ds.db.Time(pkg.Created), ds.db.Time(pkg.Expires), pkg.Liaison, pkg.SHA256,
				pkg.JSON, pkg.PDF, pkg.Signature); err != nil {
				if ds.db.IsUniqueViolation(err) {
					return bonafide.Errorf(bonafide.EConflict, "disclosure request %s already has a package", d.ID)
				}
				return err
			}
		}
		for _, id := range disclosed {
			if _, err := tx.Exec(ctx, `INSERT INTO disclosed_referrals (referral_id, disclosure_id, at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, id, d.ID, ds.db.Time(d.Updated)); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateSAR stores s over version s.Version-1, with its bundle when given.
func (ds *Disclosures) UpdateSAR(ctx context.Context, s bonafide.SAR, bundle []byte) error {
	return ds.update(ctx, sarRequest, s.ID, s.Version, s, func(tx Conn, body string) error {
		var err error
		if bundle != nil {
			_, err = tx.Exec(ctx, `UPDATE sars SET state = ?, updated = ?, version = ?, body = ?, bundle = ? WHERE id = ?`,
				string(s.State), ds.db.Time(s.Updated), s.Version, body, bundle, s.ID)
		} else {
			_, err = tx.Exec(ctx, `UPDATE sars SET state = ?, updated = ?, version = ?, body = ? WHERE id = ?`,
				string(s.State), ds.db.Time(s.Updated), s.Version, body, s.ID)
		}
		return err
	})
}

// update stores v, request id of kind r, as version over version-1 with
// write's statements, in one transaction that first locks the row: a
// missing row is ENotFound, another version EConflict.
func (ds *Disclosures) update(ctx context.Context, r request, id string, version int, v any, write func(tx Conn, body string) error) error {
	if err := ds.db.Readable(); err != nil {
		return err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return internal(ds.db, "encode "+r.kind, err)
	}
	err = ds.db.WriteTx(ctx, func(tx Conn) error {
		var stored int
		err := tx.QueryRow(ctx, `SELECT version FROM `+r.table+` WHERE id = ?`+ds.db.ForUpdate(), id).Scan(&stored)
		if errors.Is(err, ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no %s %s", r.noun, id)
		}
		if err != nil {
			return err
		}
		if stored != version-1 {
			return bonafide.Errorf(bonafide.EConflict, "%s %s has changed since it was read: reload it and try again", r.noun, id)
		}
		return write(tx, string(body))
	})
	return coded(ds.db, "update "+r.kind, err)
}

// Disclosures returns the requests f selects, newest first.
func (ds *Disclosures) Disclosures(ctx context.Context, f bonafide.DisclosureFilter) ([]bonafide.Disclosure, error) {
	if err := ds.db.Readable(); err != nil {
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
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		cond, a := ds.db.In("state", states)
		where, args = append(where, cond), append(args, a...)
	}
	if f.RequestedBy != "" {
		where, args = append(where, "requested_by = ?"), append(args, f.RequestedBy)
	}
	if !f.FiledFrom.IsZero() {
		where, args = append(where, "filed >= ?"), append(args, ds.db.Time(f.FiledFrom))
	}
	if !f.FiledTo.IsZero() {
		where, args = append(where, "filed < ?"), append(args, ds.db.Time(f.FiledTo))
	}
	q := `SELECT body FROM disclosures`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY filed DESC, id DESC LIMIT ?`
	return bodies[bonafide.Disclosure](ctx, ds, disclosureRequest, q, append(args, limit))
}

// SARs returns subject access requests, newest first.
func (ds *Disclosures) SARs(ctx context.Context, limit int) ([]bonafide.SAR, error) {
	if err := ds.db.Readable(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > bonafide.MaxDisclosurePage {
		limit = 50
	}
	return bodies[bonafide.SAR](ctx, ds, sarRequest, `SELECT body FROM sars ORDER BY opened DESC, id DESC LIMIT ?`, []any{limit})
}

// bodies reads the JSON bodies of requests of kind r that q selects,
// each a T.
func bodies[T any](ctx context.Context, ds *Disclosures, r request, q string, args []any) ([]T, error) {
	var decodeErr error
	out, err := Query(ctx, ds.db, q, args, func(row Scanner) (T, error) {
		var (
			v    T
			body []byte
		)
		if err := row.Scan(&body); err != nil {
			return v, err
		}
		decodeErr = ds.decode(r, body, &v)
		return v, decodeErr
	})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, internal(ds.db, r.kind+"s", err)
	}
	return out, nil
}

// DisclosurePackage returns the package of a released request.
func (ds *Disclosures) DisclosurePackage(ctx context.Context, id string) (bonafide.DisclosurePackage, error) {
	if err := ds.db.Readable(); err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	p := bonafide.DisclosurePackage{DisclosureID: id}
	var created, expires Time
	err := ds.db.QueryRow(ctx, `SELECT created, expires, liaison, sha256, json, pdf, signature FROM disclosure_packages WHERE disclosure_id = ?`, id).
		Scan(&created, &expires, &p.Liaison, &p.SHA256, &p.JSON, &p.PDF, &p.Signature)
	if errors.Is(err, ErrNoRows) {
		return p, bonafide.Errorf(bonafide.ENotFound, "disclosure request %s has no package", id)
	}
	if err != nil {
		return p, internal(ds.db, "disclosure package", err)
	}
	p.Created, p.Expires = created.Time, expires.Time
	return p, nil
}

// disclosedChunk bounds the referral ids one query of Disclosed asks
// about, under SQLite's limit on a statement's variables.
const disclosedChunk = 500

// Disclosed returns the requests that disclosed each referral's reporter.
func (ds *Disclosures) Disclosed(ctx context.Context, referralIDs []string) (map[string][]string, error) {
	if err := ds.db.Readable(); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for len(referralIDs) > 0 {
		chunk := referralIDs[:min(disclosedChunk, len(referralIDs))]
		referralIDs = referralIDs[len(chunk):]
		cond, args := ds.db.In("referral_id", chunk)
		err := ds.db.Query(ctx, `SELECT referral_id, disclosure_id FROM disclosed_referrals WHERE `+cond+` ORDER BY at, disclosure_id`, args,
			func(row Scanner) error {
				var r, d string
				if err := row.Scan(&r, &d); err != nil {
					return err
				}
				out[r] = append(out[r], d)
				return nil
			})
		if err != nil {
			return nil, internal(ds.db, "disclosed", err)
		}
	}
	return out, nil
}

// SARBundle returns a produced SAR's bundle PDF.
func (ds *Disclosures) SARBundle(ctx context.Context, id string) ([]byte, error) {
	if err := ds.db.Readable(); err != nil {
		return nil, err
	}
	var pdf []byte
	err := ds.db.QueryRow(ctx, `SELECT bundle FROM sars WHERE id = ?`, id).Scan(&pdf)
	if errors.Is(err, ErrNoRows) || err == nil && pdf == nil {
		return nil, bonafide.Errorf(bonafide.ENotFound, "subject access request %s has no bundle", id)
	}
	if err != nil {
		return nil, internal(ds.db, "SAR bundle", err)
	}
	return pdf, nil
}
