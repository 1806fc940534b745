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
func (s *Store) Cases() *Cases { return &Cases{s: s} }

// Cases is a bonafide.CaseStore on tables cases, case_events,
// notifications and letters.
type Cases struct{ s *Store }

var _ bonafide.CaseStore = (*Cases)(nil)

const caseColumns = `referral_id, seq, state, safety_level, flagged, score, family, channel, received_at, decision_due,
	due, worker, team, decision, finding, closure, decided, closed, events, restricted, updated`

// nullTime is a time column that is NULL for none.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := sqlstore.Micro(t)
	return &u
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func scanCase(row pgx.Row) (bonafide.CaseRow, error) {
	var (
		r                                          bonafide.CaseRow
		state, channel, decision, finding, closure string
		due, decided, closed                       *time.Time
		events                                     int32
	)
	err := row.Scan(&r.ReferralID, &r.Seq, &state, &r.SafetyLevel, &r.Flagged, &r.Score, &r.Family, &channel, &r.ReceivedAt, &r.DecisionDue,
		&due, &r.Worker, &r.Team, &decision, &finding, &closure, &decided, &closed, &events, &r.Restricted, &r.Updated)
	r.State, r.Channel, r.Events = bonafide.CaseState(state), bonafide.Channel(channel), int(events)
	r.Decision, r.Finding, r.Closure = bonafide.CaseDecision(decision), bonafide.Finding(finding), bonafide.ClosureReason(closure)
	r.ReceivedAt, r.DecisionDue, r.Updated = r.ReceivedAt.UTC(), r.DecisionDue.UTC(), r.Updated.UTC()
	r.Due, r.Decided, r.Closed = fromNull(due), fromNull(decided), fromNull(closed)
	return r, err
}

// CaseRow returns the case of referralID, or ENotFound.
func (c *Cases) CaseRow(ctx context.Context, referralID string) (bonafide.CaseRow, error) {
	if err := c.s.readable(); err != nil {
		return bonafide.CaseRow{}, err
	}
	r, err := scanCase(c.s.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE referral_id = $1`, referralID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, bonafide.Errorf(bonafide.ENotFound, "referral %s has no case", referralID)
	}
	if err != nil {
		return r, fmt.Errorf("postgres: case: %w", err)
	}
	return r, nil
}

// CaseEvents returns the events after the case's opening, in order.
func (c *Cases) CaseEvents(ctx context.Context, referralID string) ([]bonafide.CaseEvent, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.pool.Query(ctx, `SELECT body::text FROM case_events WHERE referral_id = $1 ORDER BY n`, referralID)
	if err != nil {
		return nil, fmt.Errorf("postgres: case events: %w", err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: case events: %w", err)
	}
	out := make([]bonafide.CaseEvent, 0, len(bodies))
	for _, b := range bodies {
		var e bonafide.CaseEvent
		if err := json.Unmarshal([]byte(b), &e); err != nil {
			return nil, fmt.Errorf("postgres: case event of %s: %w", referralID, err)
		}
		out = append(out, e)
	}
	return out, nil
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
	rows, err := c.s.rpool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+where+
		` ORDER BY safety_rank DESC, due NULLS LAST, seq LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, f.LimitOrDefault(), f.Offset)...)
	if err != nil {
		return page, fmt.Errorf("postgres: queue: %w", err)
	}
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.CaseRow, error) { return scanCase(r) })
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

const notificationColumns = `id, referral_id, agency, kind, basis, status, held_reason, planned, due, sent, sent_by, retraction_of`

// Notifications returns the referral's notifications in the order planned.
func (c *Cases) Notifications(ctx context.Context, referralID string) ([]bonafide.Notification, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, fmt.Errorf("postgres: notifications: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.Notification, error) {
		var (
			n                           bonafide.Notification
			agency, kind, basis, status string
			due, sent                   *time.Time
		)
		err := r.Scan(&n.ID, &n.ReferralID, &agency, &kind, &basis, &status, &n.HeldReason, &n.Planned, &due, &sent, &n.SentBy, &n.RetractionOf)
		n.Agency, n.Kind, n.Basis, n.Status = bonafide.Agency(agency), bonafide.NotificationKind(kind), bonafide.LawfulBasis(basis), bonafide.NotificationStatus(status)
		n.Planned, n.Due, n.Sent = n.Planned.UTC(), fromNull(due), fromNull(sent)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: notifications: %w", err)
	}
	return out, nil
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

// Letters returns the referral's letters without their PDF.
func (c *Cases) Letters(ctx context.Context, referralID string) ([]bonafide.Letter, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.pool.Query(ctx, `SELECT id, referral_id, kind, recipient, created, actor, text, sha256 FROM letters WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, fmt.Errorf("postgres: letters: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.Letter, error) {
		var l bonafide.Letter
		var kind string
		err := r.Scan(&l.ID, &l.ReferralID, &kind, &l.Recipient, &l.Created, &l.Actor, &l.Text, &l.SHA256)
		l.Kind, l.Created = bonafide.LetterKind(kind), l.Created.UTC()
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: letters: %w", err)
	}
	return out, nil
}

// Letter returns one letter with its PDF, or ENotFound.
func (c *Cases) Letter(ctx context.Context, id int64) (bonafide.Letter, error) {
	if err := c.s.readable(); err != nil {
		return bonafide.Letter{}, err
	}
	var l bonafide.Letter
	var kind string
	err := c.s.pool.QueryRow(ctx, `SELECT id, referral_id, kind, recipient, created, actor, text, pdf, sha256 FROM letters WHERE id = $1`, id).
		Scan(&l.ID, &l.ReferralID, &kind, &l.Recipient, &l.Created, &l.Actor, &l.Text, &l.PDF, &l.SHA256)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, bonafide.Errorf(bonafide.ENotFound, "no letter %d", id)
	}
	if err != nil {
		return l, fmt.Errorf("postgres: letter: %w", err)
	}
	l.Kind, l.Created = bonafide.LetterKind(kind), l.Created.UTC()
	return l, nil
}

// SetRestricted marks every case of family restricted, or not.
func (c *Cases) SetRestricted(ctx context.Context, family string, restricted bool) error {
	if family == "" {
		return bonafide.Errorf(bonafide.EInvalid, "family: missing")
	}
	if err := c.s.readable(); err != nil {
		return err
	}
	tag, err := c.s.pool.Exec(ctx, `UPDATE cases SET restricted = $1, updated = $2 WHERE family <> '' AND family = $3`, restricted, c.s.now(), family)
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
	rows, err := c.s.rpool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE received_at >= $1 AND received_at < $2 ORDER BY received_at, seq`, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: census: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.CaseRow, error) { return scanCase(r) })
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

// RecordView keeps one view of a restricted family.
func (c *Cases) RecordView(ctx context.Context, v bonafide.RestrictedView) error {
	if v.Family == "" {
		return bonafide.Errorf(bonafide.EInvalid, "family: missing")
	}
	if err := c.s.readable(); err != nil {
		return err
	}
	if _, err := c.s.pool.Exec(ctx, `INSERT INTO restricted_views (family, referral_id, who, what, at, names_shown) VALUES ($1, $2, $3, $4, $5, $6)`,
		v.Family, v.ReferralID, v.Who, v.What, sqlstore.Micro(v.At), v.NamesShown); err != nil {
		return fmt.Errorf("postgres: record view: %w", err)
	}
	return nil
}

// Views returns the latest limit views of family, newest first.
func (c *Cases) Views(ctx context.Context, family string, limit int) ([]bonafide.RestrictedView, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.pool.Query(ctx, `SELECT family, referral_id, who, what, at, names_shown FROM restricted_views
		WHERE family = $1 ORDER BY id DESC LIMIT $2`, family, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: views: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.RestrictedView, error) {
		var v bonafide.RestrictedView
		err := r.Scan(&v.Family, &v.ReferralID, &v.Who, &v.What, &v.At, &v.NamesShown)
		v.At = v.At.UTC()
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: views: %w", err)
	}
	return out, nil
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

// Evidence returns a family's evidence bundles, oldest first.
func (c *Cases) Evidence(ctx context.Context, family string) ([]bonafide.FamilyEvidence, error) {
	if err := c.s.readable(); err != nil {
		return nil, err
	}
	rows, err := c.s.pool.Query(ctx, `SELECT id, family, received_at, who, bundle_sha256, verifier_key, exhibits, dossier, dossier_sha256
		FROM family_evidence WHERE family = $1 ORDER BY id`, family)
	if err != nil {
		return nil, fmt.Errorf("postgres: evidence: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.FamilyEvidence, error) {
		var e bonafide.FamilyEvidence
		err := r.Scan(&e.ID, &e.Family, &e.ReceivedAt, &e.Who, &e.BundleSHA256, &e.VerifierKey, &e.Exhibits, &e.Dossier, &e.DossierSHA256)
		e.ReceivedAt = e.ReceivedAt.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: evidence: %w", err)
	}
	return out, nil
}
