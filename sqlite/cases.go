package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"bonafide"
	"bonafide/sqlstore"
)

// This file gives the case workflow its tables (migration 006) on the
// store's database, sharing its single write connection. A referral's case
// row is opened by insert, in the referral's own transaction.

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

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// AppendCaseEvent stores e with the case's new row, notifications and
// letters in one transaction.
func (c *Cases) AppendCaseEvent(ctx context.Context, e bonafide.CaseEvent, row bonafide.CaseRow, notes []bonafide.Notification, letters []bonafide.Letter) ([]bonafide.Notification, []bonafide.Letter, error) {
	if err := c.s.readable(); err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: encode case event: %w", err)
	}
	notes = append([]bonafide.Notification(nil), notes...)
	letters = append([]bonafide.Letter(nil), letters...)
	now := c.s.opts.Now().UnixMicro()
	err = c.s.writeTx(ctx, func(tx *sql.Tx) error {
		var events int
		err := tx.QueryRowContext(ctx, `SELECT events FROM cases WHERE referral_id = ?`, e.ReferralID).Scan(&events)
		if errors.Is(err, sql.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "referral %s has no case", e.ReferralID)
		}
		if err != nil {
			return err
		}
		if e.N != events+1 {
			return bonafide.Errorf(bonafide.EConflict, "case %s has moved on (event %d, not %d): reload it and try again", e.ReferralID, events, e.N-1)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (referral_id, n, at, actor, action, body) VALUES (?, ?, ?, ?, ?, ?)`,
			e.ReferralID, e.N, micros(e.At), e.Actor, string(e.Action), string(body)); err != nil {
			if isUniqueViolation(err) {
				return bonafide.Errorf(bonafide.EConflict, "case %s has moved on: reload it and try again", e.ReferralID)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = ?, worker = ?, team = ?, decision = ?, finding = ?, closure = ?,
			due = ?, decided = ?, closed = ?, events = ?, updated = ? WHERE referral_id = ?`,
			string(row.State), row.Worker, row.Team, string(row.Decision), string(row.Finding), string(row.Closure),
			micros(row.Due), micros(row.Decided), micros(row.Closed), e.N, now, e.ReferralID); err != nil {
			return err
		}
		for i := range notes {
			if err := putNotification(ctx, tx, &notes[i]); err != nil {
				return err
			}
		}
		for i := range letters {
			l := &letters[i]
			res, err := tx.ExecContext(ctx, `INSERT INTO letters (referral_id, kind, recipient, created, actor, text, pdf, sha256)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, l.ReferralID, string(l.Kind), l.Recipient, micros(l.Created), l.Actor, l.Text, l.PDF, l.SHA256)
			if err != nil {
				return err
			}
			if l.ID, err = res.LastInsertId(); err != nil {
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
		return nil, nil, fmt.Errorf("sqlite: append case event: %w", err)
	}
	return notes, letters, nil
}

func putNotification(ctx context.Context, tx *sql.Tx, n *bonafide.Notification) error {
	if n.ID == 0 {
		res, err := tx.ExecContext(ctx, `INSERT INTO notifications (referral_id, agency, kind, basis, status, held_reason, planned, due, sent, sent_by, retraction_of)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ReferralID, string(n.Agency), string(n.Kind), string(n.Basis), string(n.Status),
			n.HeldReason, micros(n.Planned), micros(n.Due), micros(n.Sent), n.SentBy, n.RetractionOf)
		if err != nil {
			return err
		}
		n.ID, err = res.LastInsertId()
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE notifications SET status = ?, held_reason = ?, due = ?, sent = ?, sent_by = ? WHERE id = ? AND referral_id = ?`,
		string(n.Status), n.HeldReason, micros(n.Due), micros(n.Sent), n.SentBy, n.ID, n.ReferralID)
	if err != nil {
		return err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return errors.Join(err, bonafide.Errorf(bonafide.ENotFound, "no notification %d of referral %s", n.ID, n.ReferralID))
	}
	return nil
}

// queueWhere builds the WHERE clause and arguments of a worklist query.
func queueWhere(f bonafide.QueueFilter, now time.Time) (string, []any) {
	var conds []string
	var args []any
	conds = append(conds, stateIn(f.StatesOrDefault()))
	if f.SafetyLevel != "" {
		conds, args = append(conds, "safety_rank = ?"), append(args, bonafide.SafetyRank(f.SafetyLevel))
	}
	if f.Flagged != nil {
		conds, args = append(conds, "flagged = ?"), append(args, *f.Flagged)
	}
	if f.Worker != "" {
		conds, args = append(conds, "worker = ?"), append(args, f.Worker)
	}
	if f.Team != "" {
		conds, args = append(conds, "team = ?"), append(args, f.Team)
	}
	if f.Channel != "" {
		conds, args = append(conds, "channel = ?"), append(args, string(f.Channel))
	}
	if f.Family != "" {
		// "family <> ''" as the partial index cases_family says it, so that
		// the planner can use that index (it cannot tell that ? is not '').
		conds, args = append(conds, "family <> '' AND family = ?"), append(args, f.Family)
	}
	if !f.OverdueAt.IsZero() {
		conds, args = append(conds, "due <> 0 AND due < ?"), append(args, f.OverdueAt.UnixMicro())
	}
	if !f.ReceivedSince.IsZero() {
		conds, args = append(conds, "received_at >= ?"), append(args, f.ReceivedSince.UnixMicro())
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
	where, args := queueWhere(f, now)
	from := "cases"
	if bonafide.AwaitingDecision(f.StatesOrDefault()) {
		// The planner does not know, without statistics, that this index
		// already holds the queue in its order.
		from = "cases INDEXED BY cases_awaiting"
	}
	page := bonafide.QueuePage{BySafety: map[string]int{}}
	rows, err := c.s.query(ctx, `SELECT `+sqlstore.CaseColumns+` FROM `+from+` WHERE `+where+
		` ORDER BY safety_rank DESC, due, seq LIMIT ? OFFSET ?`, append(args, f.LimitOrDefault(), f.Offset)...)
	if err != nil {
		return page, fmt.Errorf("sqlite: queue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := sqlstore.ScanCase(rows)
		if err != nil {
			return page, fmt.Errorf("sqlite: queue: %w", err)
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("sqlite: queue: %w", err)
	}
	counts, err := c.s.query(ctx, `SELECT safety_rank, count(*), coalesce(sum(due <> 0 AND due < ?), 0) FROM `+from+` WHERE `+where+
		` GROUP BY safety_rank`, append([]any{now.UnixMicro()}, args...)...)
	if err != nil {
		return page, fmt.Errorf("sqlite: queue counts: %w", err)
	}
	defer counts.Close()
	for counts.Next() {
		var rank, n, overdue int
		if err := counts.Scan(&rank, &n, &overdue); err != nil {
			return page, fmt.Errorf("sqlite: queue counts: %w", err)
		}
		page.BySafety[bonafide.SafetyLevelOfRank(rank)], page.Total, page.Overdue = n, page.Total+n, page.Overdue+overdue
	}
	if err := counts.Err(); err != nil {
		return page, fmt.Errorf("sqlite: queue counts: %w", err)
	}
	return page, nil
}

// UpdateNotification stores n if the stored one is still of status from.
func (c *Cases) UpdateNotification(ctx context.Context, n bonafide.Notification, from bonafide.NotificationStatus) error {
	if err := c.s.readable(); err != nil {
		return err
	}
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM notifications WHERE id = ? AND referral_id = ?`, n.ID, n.ReferralID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
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
		return fmt.Errorf("sqlite: update notification: %w", err)
	}
	return nil
}

// setRestrictedSQL repeats the condition of the partial index on
// cases.family, which SQLite needs to use it (see caseUpdate).
const setRestrictedSQL = `UPDATE cases SET restricted = ?, updated = ? WHERE family = ? AND family <> ''`

// SetRestricted marks every case of family restricted, or not.
func (c *Cases) SetRestricted(ctx context.Context, family string, restricted bool) error {
	if family == "" {
		return bonafide.Errorf(bonafide.EInvalid, "family: missing")
	}
	if err := c.s.readable(); err != nil {
		return err
	}
	var n int64
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, setRestrictedSQL, restricted, c.s.opts.Now().UnixMicro(), family)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: restrict family: %w", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no family %s", family)
	}
	return nil
}

// CensusRows returns the cases of referrals received in [from, to).
func (c *Cases) CensusRows(ctx context.Context, from, to time.Time) ([]bonafide.CaseRow, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.query(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE received_at >= ? AND received_at < ? ORDER BY received_at, seq`,
		from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("sqlite: census: %w", err)
	}
	defer rows.Close()
	var out []bonafide.CaseRow
	for rows.Next() {
		r, err := sqlstore.ScanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: census: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// stateIn is the states condition of a worklist, its values written as
// literals (they are checked case states, never caller text) so that the
// front-door queue's condition is the partial index cases_awaiting's own
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
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM family_evidence WHERE family = ? AND bundle_sha256 = ?`, e.Family, e.BundleSHA256).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return bonafide.Errorf(bonafide.EConflict, "this bundle was taken in for family %s already", e.Family)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO family_evidence (family, received_at, who, bundle_sha256, verifier_key, exhibits, dossier, dossier_sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.Family, micros(e.ReceivedAt), e.Who, e.BundleSHA256, e.VerifierKey, e.Exhibits, e.Dossier, e.DossierSHA256)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		if bonafide.ErrorCode(err) == bonafide.EConflict {
			return 0, err
		}
		return 0, fmt.Errorf("sqlite: add evidence: %w", err)
	}
	return id, nil
}
