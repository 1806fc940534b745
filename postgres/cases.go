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

// This file gives the case workflow its tables (migration 006). A
// referral's case row is opened by insertOne and the import's copy, in the
// referral's own transaction.

// Cases returns the store's cases, a bonafide.CaseStore.
func (s *Store) Cases() *Cases { return &Cases{CaseReader: sqlstore.NewCaseReader(db{s}), s: s} }

// Cases is a bonafide.CaseStore on tables cases, case_events,
// notifications and letters: its reads are sqlstore's (CaseReader), its
// writes this package's.
type Cases struct {
	sqlstore.CaseReader
	s *Store
}

var _ bonafide.CaseStore = (*Cases)(nil)

// nullTime is a time column that is NULL for none.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := sqlstore.Micro(t)
	return &u
}

// AppendCaseEvent stores e with the case's new row, notifications and
// letters in one transaction.
func (c *Cases) AppendCaseEvent(ctx context.Context, e bonafide.CaseEvent, row bonafide.CaseRow, notes []bonafide.Notification, letters []bonafide.Letter) ([]bonafide.Notification, []bonafide.Letter, error) {
	if err := c.s.readable(); err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: encode case event: %w", err)
	}
	notes = append([]bonafide.Notification(nil), notes...)
	letters = append([]bonafide.Letter(nil), letters...)
	now := c.s.now()
	err = pgx.BeginFunc(ctx, c.s.pool, func(tx pgx.Tx) error {
		var events int32
		err := tx.QueryRow(ctx, `SELECT events FROM cases WHERE referral_id = $1 FOR UPDATE`, e.ReferralID).Scan(&events)
		if errors.Is(err, pgx.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "referral %s has no case", e.ReferralID)
		}
		if err != nil {
			return err
		}
		if e.N != int(events)+1 {
			return bonafide.Errorf(bonafide.EConflict, "case %s has moved on (event %d, not %d): reload it and try again", e.ReferralID, events, e.N-1)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_events (referral_id, n, at, actor, action, body) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.ReferralID, e.N, sqlstore.Micro(e.At), e.Actor, string(e.Action), string(body)); err != nil {
			if isUniqueViolation(err) {
				return bonafide.Errorf(bonafide.EConflict, "case %s has moved on: reload it and try again", e.ReferralID)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET state = $1, worker = $2, team = $3, decision = $4, finding = $5, closure = $6,
			due = $7, decided = $8, closed = $9, events = $10, updated = $11 WHERE referral_id = $12`,
			string(row.State), row.Worker, row.Team, string(row.Decision), string(row.Finding), string(row.Closure),
			nullTime(row.Due), nullTime(row.Decided), nullTime(row.Closed), e.N, now, e.ReferralID); err != nil {
			return err
		}
		for i := range notes {
			if err := putNotification(ctx, tx, &notes[i]); err != nil {
				return err
			}
		}
		for i := range letters {
			l := &letters[i]
			if err := tx.QueryRow(ctx, `INSERT INTO letters (referral_id, kind, recipient, created, actor, text, pdf, sha256)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, l.ReferralID, string(l.Kind), l.Recipient, sqlstore.Micro(l.Created), l.Actor,
				l.Text, l.PDF, l.SHA256).Scan(&l.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var coded *bonafide.Error
		if errors.As(err, &coded) {
			return nil, nil, coded
		}
		if r := dataRefusal(err); r != nil {
			return nil, nil, r
		}
		return nil, nil, fmt.Errorf("postgres: append case event: %w", err)
	}
	return notes, letters, nil
}

func putNotification(ctx context.Context, tx pgx.Tx, n *bonafide.Notification) error {
	if n.ID == 0 {
		return tx.QueryRow(ctx, `INSERT INTO notifications (referral_id, agency, kind, basis, status, held_reason, planned, due, sent, sent_by, retraction_of)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, n.ReferralID, string(n.Agency), string(n.Kind), string(n.Basis),
			string(n.Status), n.HeldReason, sqlstore.Micro(n.Planned), nullTime(n.Due), nullTime(n.Sent), n.SentBy, n.RetractionOf).Scan(&n.ID)
	}
	tag, err := tx.Exec(ctx, `UPDATE notifications SET status = $1, held_reason = $2, due = $3, sent = $4, sent_by = $5 WHERE id = $6 AND referral_id = $7`,
		string(n.Status), n.HeldReason, nullTime(n.Due), nullTime(n.Sent), n.SentBy, n.ID, n.ReferralID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no notification %d of referral %s", n.ID, n.ReferralID)
	}
	return nil
}

// queueWhere builds the WHERE clause and arguments of a worklist query,
// numbering its parameters from 1.
func queueWhere(f bonafide.QueueFilter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds = append(conds, stateIn(f.StatesOrDefault()))
	if f.SafetyLevel != "" {
		conds = append(conds, "safety_rank = "+arg(bonafide.SafetyRank(f.SafetyLevel)))
	}
	if f.Flagged != nil {
		conds = append(conds, "flagged = "+arg(*f.Flagged))
	}
	if f.Worker != "" {
		conds = append(conds, "worker = "+arg(f.Worker))
	}
	if f.Team != "" {
		conds = append(conds, "team = "+arg(f.Team))
	}
	if f.Channel != "" {
		conds = append(conds, "channel = "+arg(string(f.Channel)))
	}
	if f.Family != "" {
		// "family <> ''" as the partial index cases_family says it, so that
		// a generic plan can use that index too.
		conds = append(conds, "family <> '' AND family = "+arg(f.Family))
	}
	if !f.OverdueAt.IsZero() {
		conds = append(conds, "due < "+arg(f.OverdueAt))
	}
	if !f.ReceivedSince.IsZero() {
		conds = append(conds, "received_at >= "+arg(f.ReceivedSince))
	}
	return strings.Join(conds, " AND "), args
}

// Queue returns one page of the worklist f selects, with its counts.
func (c *Cases) Queue(ctx context.Context, f bonafide.QueueFilter, now time.Time) (bonafide.QueuePage, error) {
	if err := f.Check(); err != nil {
		return bonafide.QueuePage{}, err
	}
	if err := c.s.readable(); err != nil {
		return bonafide.QueuePage{}, err
	}
	where, args := queueWhere(f)
	page := bonafide.QueuePage{BySafety: map[string]int{}}
	n := len(args)
	rows, err := c.s.rpool.Query(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE `+where+
		` ORDER BY safety_rank DESC, due NULLS LAST, seq LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, f.LimitOrDefault(), f.Offset)...)
	if err != nil {
		return page, fmt.Errorf("postgres: queue: %w", err)
	}
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.CaseRow, error) { return sqlstore.ScanCase(r) })
	if err != nil {
		return page, fmt.Errorf("postgres: queue: %w", err)
	}
	counts, err := c.s.rpool.Query(ctx, `SELECT safety_rank, count(*), count(*) FILTER (WHERE due < $`+strconv.Itoa(n+1)+`) FROM cases WHERE `+where+
		` GROUP BY safety_rank`, append(args, now)...)
	if err != nil {
		return page, fmt.Errorf("postgres: queue counts: %w", err)
	}
	defer counts.Close()
	for counts.Next() {
		var rank int32
		var total, overdue int64
		if err := counts.Scan(&rank, &total, &overdue); err != nil {
			return page, fmt.Errorf("postgres: queue counts: %w", err)
		}
		page.BySafety[bonafide.SafetyLevelOfRank(int(rank))], page.Total, page.Overdue = int(total), page.Total+int(total), page.Overdue+int(overdue)
	}
	if err := counts.Err(); err != nil {
		return page, fmt.Errorf("postgres: queue counts: %w", err)
	}
	return page, nil
}

// UpdateNotification stores n if the stored one is still of status from.
func (c *Cases) UpdateNotification(ctx context.Context, n bonafide.Notification, from bonafide.NotificationStatus) error {
	if err := c.s.readable(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, c.s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM notifications WHERE id = $1 AND referral_id = $2 FOR UPDATE`, n.ID, n.ReferralID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no notification %d of referral %s", n.ID, n.ReferralID)
		}
		if err != nil {
			return err
		}
		if bonafide.NotificationStatus(status) != from {
			return bonafide.Errorf(bonafide.EConflict, "notification %d is %s, not %s: reload it", n.ID, status, from)
		}
		return putNotification(ctx, tx, &n)
	})
	var coded *bonafide.Error
	if errors.As(err, &coded) {
		return coded
	}
	if err != nil {
		return fmt.Errorf("postgres: update notification: %w", err)
	}
	return nil
}

// SetRestricted marks every case of family restricted, or not.
func (c *Cases) SetRestricted(ctx context.Context, family string, restricted bool) error {
	if family == "" {
		return bonafide.Errorf(bonafide.EInvalid, "family: missing")
	}
	if err := c.s.readable(); err != nil {
		return err
	}
	tag, err := c.s.pool.Exec(ctx, `UPDATE cases SET restricted = $1, updated = $2 WHERE family = $3 AND family <> ''`, restricted, c.s.now(), family)
	if err != nil {
		return fmt.Errorf("postgres: restrict family: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no family %s", family)
	}
	return nil
}

// CensusRows returns the cases of referrals received in [from, to).
func (c *Cases) CensusRows(ctx context.Context, from, to time.Time) ([]bonafide.CaseRow, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.rpool.Query(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE received_at >= $1 AND received_at < $2 ORDER BY received_at, seq`, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: census: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.CaseRow, error) { return sqlstore.ScanCase(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: census: %w", err)
	}
	return out, nil
}

// stateIn is the states condition of a worklist, its values written as
// literals (they are checked case states, never caller text) so that the
// front-door queue's condition implies the partial index cases_awaiting's
// and the planner uses it.
func stateIn(states []bonafide.CaseState) string {
	quoted := make([]string, len(states))
	for i, s := range states {
		quoted[i] = "'" + string(s) + "'"
	}
	return "state IN (" + strings.Join(quoted, ", ") + ")"
}

// AddEvidence attaches a family's verified evidence bundle.
func (c *Cases) AddEvidence(ctx context.Context, e bonafide.FamilyEvidence) (int64, error) {
	if e.Family == "" || e.BundleSHA256 == "" {
		return 0, bonafide.Errorf(bonafide.EInvalid, "family evidence: family and bundle hash required")
	}
	if err := c.s.readable(); err != nil {
		return 0, err
	}
	var id int64
	err := c.s.pool.QueryRow(ctx, `INSERT INTO family_evidence (family, received_at, who, bundle_sha256, verifier_key, exhibits, dossier, dossier_sha256)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (family, bundle_sha256) DO NOTHING RETURNING id`,
		e.Family, sqlstore.Micro(e.ReceivedAt), e.Who, e.BundleSHA256, e.VerifierKey, e.Exhibits, e.Dossier, e.DossierSHA256).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, bonafide.Errorf(bonafide.EConflict, "this bundle was taken in for family %s already", e.Family)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: add evidence: %w", err)
	}
	return id, nil
}
