package sqlstore

import (
	"context"
	"encoding/json"
	"errors"

	"bonafide"
)

// This file reads the case workflow's tables (migration 006) for both
// stores; each store writes them in its own way.

// CaseColumns are the columns of table cases, in the order ScanCase reads
// them.
const CaseColumns = `referral_id, seq, state, safety_level, flagged, score, family, channel, received_at, decision_due,
	due, worker, team, decision, finding, closure, decided, closed, events, restricted, updated`

// ScanCase reads a row of CaseColumns.
func ScanCase(row Scanner) (bonafide.CaseRow, error) {
	var (
		r                                                bonafide.CaseRow
		state, channel, decision, finding, closure       string
		received, decisionDue, due, decided, closed, upd Time
	)
	err := row.Scan(&r.ReferralID, &r.Seq, &state, &r.SafetyLevel, &r.Flagged, &r.Score, &r.Family, &channel, &received, &decisionDue,
		&due, &r.Worker, &r.Team, &decision, &finding, &closure, &decided, &closed, &r.Events, &r.Restricted, &upd)
	r.State, r.Channel = bonafide.CaseState(state), bonafide.Channel(channel)
	r.Decision, r.Finding, r.Closure = bonafide.CaseDecision(decision), bonafide.Finding(finding), bonafide.ClosureReason(closure)
	r.ReceivedAt, r.DecisionDue, r.Due = received.Time, decisionDue.Time, due.Time
	r.Decided, r.Closed, r.Updated = decided.Time, closed.Time, upd.Time
	return r, err
}

// CaseReader is the part of a bonafide.CaseStore the stores share: the
// reads of a case, its events, notifications and letters, the views of
// restricted families and the families' evidence. Each store's Cases
// embeds it.
type CaseReader struct{ db DB }

// NewCaseReader returns the reads of the cases kept in db.
func NewCaseReader(db DB) CaseReader { return CaseReader{db: db} }

// CaseRow returns the case of referralID, or ENotFound.
func (cr CaseReader) CaseRow(ctx context.Context, referralID string) (bonafide.CaseRow, error) {
	if err := cr.db.Readable(); err != nil {
		return bonafide.CaseRow{}, err
	}
	r, err := ScanCase(cr.db.QueryRow(ctx, `SELECT `+CaseColumns+` FROM cases WHERE referral_id = ?`, referralID))
	if errors.Is(err, ErrNoRows) {
		return r, bonafide.Errorf(bonafide.ENotFound, "referral %s has no case", referralID)
	}
	if err != nil {
		return r, internal(cr.db, "case", err)
	}
	return r, nil
}

// CaseEvents returns the events after the case's opening, in order.
func (cr CaseReader) CaseEvents(ctx context.Context, referralID string) ([]bonafide.CaseEvent, error) {
	if err := cr.db.Readable(); err != nil {
		return nil, err
	}
	var decodeErr error
	out, err := Query(ctx, cr.db, `SELECT body FROM case_events WHERE referral_id = ? ORDER BY n`, []any{referralID},
		func(row Scanner) (bonafide.CaseEvent, error) {
			var (
				e    bonafide.CaseEvent
				body []byte
			)
			if err := row.Scan(&body); err != nil {
				return e, err
			}
			if err := json.Unmarshal(body, &e); err != nil {
				decodeErr = internal(cr.db, "case event of "+referralID, err)
				return e, decodeErr
			}
			return e, nil
		})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, internal(cr.db, "case events", err)
	}
	return out, nil
}

// NotificationColumns are the columns of table notifications, in the order
// Notifications reads them.
const NotificationColumns = `id, referral_id, agency, kind, basis, status, held_reason, planned, due, sent, sent_by, retraction_of`

// Notifications returns the referral's notifications in the order planned.
func (cr CaseReader) Notifications(ctx context.Context, referralID string) ([]bonafide.Notification, error) {
	if err := cr.db.Readable(); err != nil {
		return nil, err
	}
	out, err := Query(ctx, cr.db, `SELECT `+NotificationColumns+` FROM notifications WHERE referral_id = ? ORDER BY id`, []any{referralID},
		func(row Scanner) (bonafide.Notification, error) {
			var (
				n                           bonafide.Notification
				agency, kind, basis, status string
				planned, due, sent          Time
			)
			err := row.Scan(&n.ID, &n.ReferralID, &agency, &kind, &basis, &status, &n.HeldReason, &planned, &due, &sent, &n.SentBy, &n.RetractionOf)
			n.Agency, n.Kind, n.Basis, n.Status = bonafide.Agency(agency), bonafide.NotificationKind(kind), bonafide.LawfulBasis(basis), bonafide.NotificationStatus(status)
			n.Planned, n.Due, n.Sent = planned.Time, due.Time, sent.Time
			return n, err
		})
	if err != nil {
		return nil, internal(cr.db, "notifications", err)
	}
	return out, nil
}

// Letters returns the referral's letters without their PDF.
func (cr CaseReader) Letters(ctx context.Context, referralID string) ([]bonafide.Letter, error) {
	if err := cr.db.Readable(); err != nil {
		return nil, err
	}
	out, err := Query(ctx, cr.db, `SELECT id, referral_id, kind, recipient, created, actor, text, sha256 FROM letters WHERE referral_id = ? ORDER BY id`,
		[]any{referralID}, func(row Scanner) (bonafide.Letter, error) {
			var (
				l       bonafide.Letter
				kind    string
				created Time
			)
			err := row.Scan(&l.ID, &l.ReferralID, &kind, &l.Recipient, &created, &l.Actor, &l.Text, &l.SHA256)
			l.Kind, l.Created = bonafide.LetterKind(kind), created.Time
			return l, err
		})
	if err != nil {
		return nil, internal(cr.db, "letters", err)
	}
	return out, nil
}

// Letter returns one letter with its PDF, or ENotFound.
func (cr CaseReader) Letter(ctx context.Context, id int64) (bonafide.Letter, error) {
	if err := cr.db.Readable(); err != nil {
		return bonafide.Letter{}, err
	}
	var (
		l       bonafide.Letter
		kind    string
		created Time
	)
	err := cr.db.QueryRow(ctx, `SELECT id, referral_id, kind, recipient, created, actor, text, pdf, sha256 FROM letters WHERE id = ?`, id).
		Scan(&l.ID, &l.ReferralID, &kind, &l.Recipient, &created, &l.Actor, &l.Text, &l.PDF, &l.SHA256)
	if errors.Is(err, ErrNoRows) {
		return l, bonafide.Errorf(bonafide.ENotFound, "no letter %d", id)
	}
	if err != nil {
		return l, internal(cr.db, "letter", err)
	}
	l.Kind, l.Created = bonafide.LetterKind(kind), created.Time
	return l, nil
}

// RecordView keeps one view of a restricted family.
func (cr CaseReader) RecordView(ctx context.Context, v bonafide.RestrictedView) error {
	if v.Family == "" {
		return bonafide.Errorf(bonafide.EInvalid, "family: missing")
	}
	if err := cr.db.Readable(); err != nil {
		return err
	}
	if _, err := cr.db.Exec(ctx, `INSERT INTO restricted_views (family, referral_id, who, what, at, names_shown) VALUES (?, ?, ?, ?, ?, ?)`,
		v.Family, v.ReferralID, v.Who, v.What, cr.db.Time(v.At), v.NamesShown); err != nil {
		return internal(cr.db, "record view", err)
	}
	return nil
}

// Views returns the latest limit views of family, newest first.
func (cr CaseReader) Views(ctx context.Context, family string, limit int) ([]bonafide.RestrictedView, error) {
	if err := cr.db.Readable(); err != nil {
		return nil, err
	}
	out, err := Query(ctx, cr.db, `SELECT family, referral_id, who, what, at, names_shown FROM restricted_views
		WHERE family = ? ORDER BY id DESC LIMIT ?`, []any{family, limit}, func(row Scanner) (bonafide.RestrictedView, error) {
		var (
			v  bonafide.RestrictedView
			at Time
		)
		err := row.Scan(&v.Family, &v.ReferralID, &v.Who, &v.What, &at, &v.NamesShown)
		v.At = at.Time
		return v, err
	})
	if err != nil {
		return nil, internal(cr.db, "views", err)
	}
	return out, nil
}

// Evidence returns a family's evidence bundles, oldest first.
func (cr CaseReader) Evidence(ctx context.Context, family string) ([]bonafide.FamilyEvidence, error) {
	if err := cr.db.Readable(); err != nil {
		return nil, err
	}
	out, err := Query(ctx, cr.db, `SELECT id, family, received_at, who, bundle_sha256, verifier_key, exhibits, dossier, dossier_sha256
		FROM family_evidence WHERE family = ? ORDER BY id`, []any{family}, func(row Scanner) (bonafide.FamilyEvidence, error) {
		var (
			e  bonafide.FamilyEvidence
			at Time
		)
		err := row.Scan(&e.ID, &e.Family, &at, &e.Who, &e.BundleSHA256, &e.VerifierKey, &e.Exhibits, &e.Dossier, &e.DossierSHA256)
		e.ReceivedAt = at.Time
		return e, err
	})
	if err != nil {
		return nil, internal(cr.db, "evidence", err)
	}
	return out, nil
}
