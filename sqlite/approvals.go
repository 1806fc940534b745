package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bonafide"
)

// This file keeps account changes waiting for a second administrator
// (migration 012).

// Approvals returns the store's pending account approvals, a
// bonafide.ApprovalStore.
func (s *Store) Approvals() *Approvals { return &Approvals{s: s} }

// Approvals is a bonafide.ApprovalStore on table account_approvals.
type Approvals struct{ s *Store }

var _ bonafide.ApprovalStore = (*Approvals)(nil)

const approvalColumns = `id, kind, user_id, user_name, role, reason, requested_by, requested, expires, approved_by, approved`

func scanApproval(row interface{ Scan(...any) error }) (bonafide.AccountApproval, error) {
	var (
		a                            bonafide.AccountApproval
		kind, role                   string
		requested, expires, approved int64
	)
	err := row.Scan(&a.ID, &kind, &a.UserID, &a.UserName, &role, &a.Reason, &a.RequestedBy, &requested, &expires, &a.ApprovedBy, &approved)
	a.Kind, a.Role = bonafide.AccountApprovalKind(kind), bonafide.Role(role)
	a.Requested, a.Expires, a.Approved = fromMicros(requested), fromMicros(expires), fromMicros(approved)
	return a, err
}

// CreateApproval stores a, pending, and returns it with its ID.
func (as *Approvals) CreateApproval(ctx context.Context, a bonafide.AccountApproval) (bonafide.AccountApproval, error) {
	if err := as.s.readable(); err != nil {
		return bonafide.AccountApproval{}, err
	}
	a.ApprovedBy, a.Approved = "", time.Time{}
	a.Requested, a.Expires = fromMicros(micros(a.Requested)), fromMicros(micros(a.Expires))
	err := as.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO account_approvals (kind, user_id, user_name, role, reason, requested_by, requested, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(a.Kind), a.UserID, a.UserName, string(a.Role), a.Reason, a.RequestedBy, micros(a.Requested), micros(a.Expires))
		if err != nil {
			return err
		}
		a.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return bonafide.AccountApproval{}, fmt.Errorf("sqlite: create approval: %w", err)
	}
	return a, nil
}

// Approval returns approval id, or ENotFound.
func (as *Approvals) Approval(ctx context.Context, id int64) (bonafide.AccountApproval, error) {
	if err := as.s.readable(); err != nil {
		return bonafide.AccountApproval{}, err
	}
	a, err := scanApproval(as.s.rdb.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM account_approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, bonafide.Errorf(bonafide.ENotFound, "no approval request %d", id)
	}
	if err != nil {
		return a, fmt.Errorf("sqlite: approval: %w", err)
	}
	return a, nil
}

// Approvals returns user userID's approvals (everyone's for 0), newest
// first.
func (as *Approvals) Approvals(ctx context.Context, userID int64) ([]bonafide.AccountApproval, error) {
	rows, err := as.s.query(ctx, `SELECT `+approvalColumns+` FROM account_approvals WHERE ? = 0 OR user_id = ? ORDER BY id DESC`, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: approvals: %w", err)
	}
	defer rows.Close()
	var out []bonafide.AccountApproval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: approvals: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: approvals: %w", err)
	}
	return out, nil
}

// MarkApproved records by's approval of id if it is still pending, else
// EConflict (ENotFound when there is no such approval).
func (as *Approvals) MarkApproved(ctx context.Context, id int64, by string, at time.Time) error {
	if err := as.s.readable(); err != nil {
		return err
	}
	var n int64
	err := as.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE account_approvals SET approved_by = ?, approved = ? WHERE id = ? AND approved_by = ''`, by, micros(at), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: mark approved: %w", err)
	}
	if n == 1 {
		return nil
	}
	if _, err := as.Approval(ctx, id); err != nil {
		return err
	}
	return bonafide.Errorf(bonafide.EConflict, "approval request %d was approved already", id)
}
