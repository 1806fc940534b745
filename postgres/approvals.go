package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"bonafide"
	"bonafide/sqlstore"
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

func scanApproval(row pgx.Row) (bonafide.AccountApproval, error) {
	var (
		a          bonafide.AccountApproval
		kind, role string
		approved   *time.Time
	)
	err := row.Scan(&a.ID, &kind, &a.UserID, &a.UserName, &role, &a.Reason, &a.RequestedBy, &a.Requested, &a.Expires, &a.ApprovedBy, &approved)
	a.Kind, a.Role = bonafide.AccountApprovalKind(kind), bonafide.Role(role)
	a.Requested, a.Expires = a.Requested.UTC(), a.Expires.UTC()
	if approved != nil {
		a.Approved = approved.UTC()
	}
	return a, err
}

// CreateApproval stores a, pending, and returns it with its ID.
func (as *Approvals) CreateApproval(ctx context.Context, a bonafide.AccountApproval) (bonafide.AccountApproval, error) {
	if err := as.s.readable(); err != nil {
		return bonafide.AccountApproval{}, err
	}
	a.ApprovedBy, a.Approved = "", time.Time{}
	a.Requested, a.Expires = sqlstore.Micro(a.Requested), sqlstore.Micro(a.Expires)
	err := as.s.pool.QueryRow(ctx, `INSERT INTO account_approvals (kind, user_id, user_name, role, reason, requested_by, requested, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		string(a.Kind), a.UserID, a.UserName, string(a.Role), a.Reason, a.RequestedBy, a.Requested, a.Expires).Scan(&a.ID)
	if err != nil {
		return bonafide.AccountApproval{}, fmt.Errorf("postgres: create approval: %w", err)
	}
	return a, nil
}

// Approval returns approval id, or ENotFound.
func (as *Approvals) Approval(ctx context.Context, id int64) (bonafide.AccountApproval, error) {
	if err := as.s.readable(); err != nil {
		return bonafide.AccountApproval{}, err
	}
	a, err := scanApproval(as.s.pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM account_approvals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, bonafide.Errorf(bonafide.ENotFound, "no approval request %d", id)
	}
	if err != nil {
		return a, fmt.Errorf("postgres: approval: %w", err)
	}
	return a, nil
}

// Approvals returns user userID's approvals (everyone's for 0), newest
// first.
func (as *Approvals) Approvals(ctx context.Context, userID int64) ([]bonafide.AccountApproval, error) {
	if err := as.s.readable(); err != nil {
		return nil, err
	}
	rows, err := as.s.pool.Query(ctx, `SELECT `+approvalColumns+` FROM account_approvals WHERE $1 = 0 OR user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: approvals: %w", err)
	}
	defer rows.Close()
	var out []bonafide.AccountApproval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: approvals: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: approvals: %w", err)
	}
	return out, nil
}

// MarkApproved records by's approval of id if it is still pending, else
// EConflict (ENotFound when there is no such approval).
func (as *Approvals) MarkApproved(ctx context.Context, id int64, by string, at time.Time) error {
	if err := as.s.readable(); err != nil {
		return err
	}
	tag, err := as.s.pool.Exec(ctx, `UPDATE account_approvals SET approved_by = $1, approved = $2 WHERE id = $3 AND approved_by = ''`, by, sqlstore.Micro(at), id)
	if err != nil {
		return fmt.Errorf("postgres: mark approved: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := as.Approval(ctx, id); err != nil {
		return err
	}
	return bonafide.Errorf(bonafide.EConflict, "approval request %d was approved already", id)
}
