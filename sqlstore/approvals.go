package sqlstore

import (
	"context"
	"errors"
	"time"

	"bonafide"
)

// This file keeps account changes waiting for a second administrator
// (migration 012).

// Approvals is a bonafide.ApprovalStore on table account_approvals of a
// store's DB.
type Approvals struct{ db DB }

// NewApprovals returns the pending account approvals kept in db.
func NewApprovals(db DB) *Approvals { return &Approvals{db: db} }

var _ bonafide.ApprovalStore = (*Approvals)(nil)

const approvalColumns = `id, kind, user_id, user_name, role, reason, requested_by, requested, expires, approved_by, approved`

func scanApproval(row Scanner) (bonafide.AccountApproval, error) {
	var (
		a                            bonafide.AccountApproval
		kind, role                   string
		requested, expires, approved Time
	)
	err := row.Scan(&a.ID, &kind, &a.UserID, &a.UserName, &role, &a.Reason, &a.RequestedBy, &requested, &expires, &a.ApprovedBy, &approved)
	a.Kind, a.Role = bonafide.AccountApprovalKind(kind), bonafide.Role(role)
	a.Requested, a.Expires, a.Approved = requested.Time, expires.Time, approved.Time
	return a, err
}

// CreateApproval stores a, pending, and returns it with its ID.
func (as *Approvals) CreateApproval(ctx context.Context, a bonafide.AccountApproval) (bonafide.AccountApproval, error) {
	if err := as.db.Readable(); err != nil {
		return bonafide.AccountApproval{}, err
	}
	a.ApprovedBy, a.Approved = "", time.Time{}
	a.Requested, a.Expires = Micro(a.Requested), Micro(a.Expires)
	var err error
	a.ID, err = as.db.Insert(ctx, `INSERT INTO account_approvals (kind, user_id, user_name, role, reason, requested_by, requested, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		string(a.Kind), a.UserID, a.UserName, string(a.Role), a.Reason, a.RequestedBy, as.db.Time(a.Requested), as.db.Time(a.Expires))
	if err != nil {
		return bonafide.AccountApproval{}, internal(as.db, "create approval", err)
	}
	return a, nil
}

// Approval returns approval id, or ENotFound.
func (as *Approvals) Approval(ctx context.Context, id int64) (bonafide.AccountApproval, error) {
	if err := as.db.Readable(); err != nil {
		return bonafide.AccountApproval{}, err
	}
	a, err := scanApproval(as.db.QueryRow(ctx, `SELECT `+approvalColumns+` FROM account_approvals WHERE id = ?`, id))
	if errors.Is(err, ErrNoRows) {
		return a, bonafide.Errorf(bonafide.ENotFound, "no approval request %d", id)
	}
	if err != nil {
		return a, internal(as.db, "approval", err)
	}
	return a, nil
}

// Approvals returns user userID's approvals (everyone's for 0), newest
// first.
func (as *Approvals) Approvals(ctx context.Context, userID int64) ([]bonafide.AccountApproval, error) {
	if err := as.db.Readable(); err != nil {
		return nil, err
	}
	out, err := Query(ctx, as.db, `SELECT `+approvalColumns+` FROM account_approvals WHERE ? = 0 OR user_id = ? ORDER BY id DESC`,
		[]any{userID, userID}, scanApproval)
	if err != nil {
		return nil, internal(as.db, "approvals", err)
	}
	return out, nil
}

// MarkApproved records by's approval of id if it is still pending, else
// EConflict (ENotFound when there is no such approval).
func (as *Approvals) MarkApproved(ctx context.Context, id int64, by string, at time.Time) error {
	if err := as.db.Readable(); err != nil {
		return err
	}
	n, err := as.db.Exec(ctx, `UPDATE account_approvals SET approved_by = ?, approved = ? WHERE id = ? AND approved_by = ''`, by, as.db.Time(at), id)
	if err != nil {
		return internal(as.db, "mark approved", err)
	}
	if n == 1 {
		return nil
	}
	if _, err := as.Approval(ctx, id); err != nil {
		return err
	}
	return bonafide.Errorf(bonafide.EConflict, "approval request %d was approved already", id)
}
