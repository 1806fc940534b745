package bonafide

import (
	"context"
	"time"
)

// Approver is a person taking one step of a two-person change, with what
// their login proved: the rule needs both a confirmed second factor and a
// login that passed it, so that a stolen password alone (or an API token,
// which has no second factor) cannot complete a release or a grant.
type Approver struct {
	Who string // "user:name", as the audit log names people
	// SecondFactorEnrolled says the user has a confirmed second factor;
	// SecondFactorPassed that this session's login passed it (false for
	// API tokens).
	SecondFactorEnrolled bool
	SecondFactorPassed   bool
}

// TwoPersonRule is the one rule behind every change that a single person
// may not make alone: releasing a police disclosure (package disclosure),
// granting the data protection officer or administrator role, and resetting
// another user's password or second factor over the API (package account).
// A second, different person completes what a first began, with a second
// factor enrolled and passed at this login, before the request expires. It
// lives here, in the domain, so that both services call the same checks
// and say the same things.
type TwoPersonRule struct {
	// What names the step in messages: "approving a disclosure".
	What string
}

// CheckApprover refuses an approver without a second factor enrolled and
// passed at this login (code forbidden). Services call it before reading
// the request, so that a session that cannot approve learns nothing more.
func (r TwoPersonRule) CheckApprover(a Approver) error {
	if !a.SecondFactorEnrolled || !a.SecondFactorPassed {
		return Errorf(EForbidden, "%s needs a second factor, enrolled and used at this login: log in again with your authenticator code", r.What)
	}
	return nil
}

// CheckSecond is the whole rule for the second step: a is not firstBy (the
// person who took the first step), has passed a second factor at this
// login, and now is before expires. The same person twice and a missing
// second factor are forbidden; an expired request is a conflict (it must be
// asked again).
func (r TwoPersonRule) CheckSecond(firstBy string, a Approver, expires, now time.Time) error {
	if err := r.CheckApprover(a); err != nil {
		return err
	}
	if a.Who == firstBy {
		return Errorf(EForbidden, "%s needs a second, different person: %s took the first step", r.What, a.Who)
	}
	if !now.Before(expires) {
		return Errorf(EConflict, "%s: the request expired at %s; ask again", r.What, expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// AccountApprovalKind is what a pending account approval will do once a
// second administrator approves it.
type AccountApprovalKind string

// The account changes that need two administrators over the API.
const (
	ApprovalRoleGrant     AccountApprovalKind = "role_grant"     // give a user the DPO or administrator role
	ApprovalPasswordReset AccountApprovalKind = "password_reset" // set a new, generated password
	ApprovalTOTPReset     AccountApprovalKind = "totp_reset"     // withdraw the second factor
)

// Valid reports whether k is one of the kinds above.
func (k AccountApprovalKind) Valid() bool {
	return k == ApprovalRoleGrant || k == ApprovalPasswordReset || k == ApprovalTOTPReset
}

// AccountApprovalTTL is how long an account approval waits for its second
// administrator: a day, so that a forgotten request cannot be approved
// weeks later by someone who no longer knows why it was made.
const AccountApprovalTTL = 24 * time.Hour

// AccountApproval is a change of another user's account asked for by one
// administrator and waiting for a second (see TwoPersonRule).
type AccountApproval struct {
	ID          int64
	Kind        AccountApprovalKind
	UserID      int64  // the account to change
	UserName    string // its name when asked, for views and the audit log
	Role        Role   // the role to grant, for ApprovalRoleGrant
	Reason      string
	RequestedBy string // "user:name"
	Requested   time.Time
	Expires     time.Time
	ApprovedBy  string    // "" while pending
	Approved    time.Time // zero while pending
}

// Pending reports whether the approval still waits for its second person.
func (a AccountApproval) Pending() bool { return a.ApprovedBy == "" }

// ApprovalStore keeps pending account approvals (migration 012). Both
// back-ends implement it; storetest.RunApprovals holds them to this
// contract.
type ApprovalStore interface {
	// CreateApproval stores a (its ID and approval fields ignored) and
	// returns it with its ID.
	CreateApproval(ctx context.Context, a AccountApproval) (AccountApproval, error)
	// Approval returns approval id, or an error with code not_found.
	Approval(ctx context.Context, id int64) (AccountApproval, error)
	// Approvals returns the approvals of user userID (every user's when
	// 0), newest first.
	Approvals(ctx context.Context, userID int64) ([]AccountApproval, error)
	// MarkApproved records by's approval at at, only if id is still
	// pending: otherwise it fails with code conflict (approved already,
	// perhaps by someone else a moment ago), so that one request makes
	// one change.
	MarkApproved(ctx context.Context, id int64, by string, at time.Time) error
}
