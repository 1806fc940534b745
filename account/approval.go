package account

import (
	"context"
	"strconv"
	"time"

	"bonafide"
)

// ApprovalStore keeps account changes waiting for a second administrator:
// bonafide.ApprovalStore, which both back-ends implement (the contract is
// there, and storetest.RunApprovals checks it).
type ApprovalStore interface {
	CreateApproval(ctx context.Context, a bonafide.AccountApproval) (bonafide.AccountApproval, error)
	Approval(ctx context.Context, id int64) (bonafide.AccountApproval, error)
	Approvals(ctx context.Context, userID int64) ([]bonafide.AccountApproval, error)
	MarkApproved(ctx context.Context, id int64, by string, at time.Time) error
}

// errNoApprovals answers a two-person request on a service without an
// approval store: it fails closed rather than making the change alone.
var errNoApprovals = bonafide.Errorf(bonafide.EUnavailable, "two-person approvals are not configured: the change cannot be asked for")

// rule is the two-person rule of kind k, named for its messages. It is
// bonafide.TwoPersonRule, the rule package disclosure applies to a release.
func rule(k bonafide.AccountApprovalKind, role bonafide.Role) bonafide.TwoPersonRule {
	switch k {
	case bonafide.ApprovalRoleGrant:
		return bonafide.TwoPersonRule{What: "granting the " + string(role) + " role"}
	case bonafide.ApprovalPasswordReset:
		return bonafide.TwoPersonRule{What: "resetting another user's password"}
	default:
		return bonafide.TwoPersonRule{What: "withdrawing another user's second factor"}
	}
}

// Approver is the principal as the two-person rule sees them: their user's
// confirmed second factor, and whether this session's login passed it (an
// API token never has).
func (p *Principal) Approver() bonafide.Approver {
	return bonafide.Approver{Who: p.Who(), SecondFactorEnrolled: p.User.TOTPConfirmed,
		SecondFactorPassed: p.Session != nil && p.Session.SecondFactor}
}

// ApprovalRequest is what the first administrator asks for.
type ApprovalRequest struct {
	Kind   bonafide.AccountApprovalKind
	UserID int64
	Role   bonafide.Role // for bonafide.ApprovalRoleGrant: data_protection_officer or administrator
	Reason string        // why, for the second administrator and the audit log (MinGrantReason or more)
}

// errTwoPerson refuses a one-step change that needs two administrators
// over the API, saying where to ask instead.
func errTwoPerson(what string, id int64) error {
	return bonafide.Errorf(bonafide.EForbidden, "%s over the API needs a second administrator: ask with POST /api/v1/users/%d/approvals, and another administrator approves", what, id)
}

// RequestApproval is the first step of a two-person change of another
// user's account: granting the DPO or administrator role, or resetting
// their password or second factor. The asker must have passed a second
// factor at this login, and give a written reason; the request is
// recorded in the audit log (user.approval_request) before it is stored,
// and waits bonafide.AccountApprovalTTL for a second administrator
// ([Service.Approve]). Nothing changes on the account yet.
func (s *Service) RequestApproval(ctx context.Context, p *Principal, req ApprovalRequest) (bonafide.AccountApproval, error) {
	if s.Approvals == nil {
		return bonafide.AccountApproval{}, errNoApprovals
	}
	if !req.Kind.Valid() {
		return bonafide.AccountApproval{}, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "kind",
			Reason: "want role_grant, password_reset or totp_reset"}}}
	}
	if err := rule(req.Kind, req.Role).CheckApprover(p.Approver()); err != nil {
		return bonafide.AccountApproval{}, err
	}
	u, err := s.other(ctx, p.Actor(), req.UserID)
	if err != nil {
		return bonafide.AccountApproval{}, err
	}
	a := bonafide.AccountApproval{Kind: req.Kind, UserID: u.ID, UserName: u.Name}
	reasonRole := bonafide.RoleDPO // a reset needs a reason as a privileged grant does
	switch req.Kind {
	case bonafide.ApprovalRoleGrant:
		if err := CheckRole(req.Role); err != nil {
			return a, err
		}
		if !req.Role.RequiresSecondFactor() {
			return a, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "role",
				Reason: "only the data_protection_officer and administrator roles need two administrators: change any other role with PUT /api/v1/users/{id}/role"}}}
		}
		if u.Role == bonafide.RoleIntakeMachine {
			return a, bonafide.Errorf(bonafide.EInvalid, "a machine client cannot become staff: add a new user")
		}
		if u.Role == req.Role {
			return a, bonafide.Errorf(bonafide.EConflict, "%s is a %s already", u.Name, u.Role)
		}
		a.Role, reasonRole = req.Role, req.Role
	case bonafide.ApprovalPasswordReset:
		if u.Role == bonafide.RoleIntakeMachine {
			return a, bonafide.Errorf(bonafide.EInvalid, "%s is an intake_client: it has no password", u.Name)
		}
	case bonafide.ApprovalTOTPReset:
		if u.TOTPSecret == "" && !u.TOTPConfirmed {
			return a, bonafide.Errorf(bonafide.EConflict, "%s has no second factor to withdraw", u.Name)
		}
	}
	if a.Reason, err = CheckGrantReason(reasonRole, req.Reason); err != nil {
		return a, err
	}
	now := s.now()
	a.RequestedBy, a.Requested, a.Expires = p.Who(), now, now.Add(bonafide.AccountApprovalTTL)
	what := string(a.Kind)
	if a.Role != "" {
		what += " " + string(u.Role) + " -> " + string(a.Role)
	}
	if err := s.audit(ctx, p.Who(), "user.approval_request", u.Name, AuditWhy(what+", waiting for a second administrator", a.Reason)); err != nil {
		return bonafide.AccountApproval{}, err
	}
	return s.Approvals.CreateApproval(ctx, a)
}

// PendingApprovals returns the approvals that wait for a second
// administrator and have not expired, newest first, so that one can be
// found and judged.
func (s *Service) PendingApprovals(ctx context.Context) ([]bonafide.AccountApproval, error) {
	if s.Approvals == nil {
		return nil, errNoApprovals
	}
	all, err := s.Approvals.Approvals(ctx, 0)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []bonafide.AccountApproval
	for _, a := range all {
		if a.Pending() && now.Before(a.Expires) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Approved is what a second administrator's approval did: the account
// after the change, and for a password reset the generated password, shown
// to the approver this once.
type Approved struct {
	Approval bonafide.AccountApproval
	User     bonafide.User
	Password string
}

// Approve is the second step: another administrator, with a second factor
// passed at this login, approves approval id before it expires (the
// bonafide.TwoPersonRule; the same person twice, a session without the
// second factor, an API token and an expired request are refused). The
// approval is recorded (user.approval_approve) and marked, once only, then
// the change is made, audited before it is made as every override is (its
// entry says which two administrators made it). The account may not be the
// approver's own.
func (s *Service) Approve(ctx context.Context, p *Principal, id int64) (Approved, error) {
	if s.Approvals == nil {
		return Approved{}, errNoApprovals
	}
	a, err := s.Approvals.Approval(ctx, id)
	if err != nil {
		return Approved{}, err
	}
	if !a.Pending() {
		return Approved{}, bonafide.Errorf(bonafide.EConflict, "approval request %d was approved already, by %s", id, a.ApprovedBy)
	}
	if err := rule(a.Kind, a.Role).CheckSecond(a.RequestedBy, p.Approver(), a.Expires, s.now()); err != nil {
		return Approved{}, err
	}
	if _, err := s.other(ctx, p.Actor(), a.UserID); err != nil {
		return Approved{}, err
	}
	if err := s.audit(ctx, p.Who(), "user.approval_approve", a.UserName, "approved request "+strconv.FormatInt(id, 10)+" ("+string(a.Kind)+") of "+a.RequestedBy); err != nil {
		return Approved{}, err
	}
	now := s.now()
	if err := s.Approvals.MarkApproved(ctx, id, p.Who(), now); err != nil {
		return Approved{}, err
	}
	a.ApprovedBy, a.Approved = p.Who(), now
	by := p.Actor()
	by.How = "by two administrators (" + a.RequestedBy + " asked, " + p.Who() + " approved, request " + strconv.FormatInt(id, 10) + ")"
	out := Approved{Approval: a}
	switch a.Kind {
	case bonafide.ApprovalRoleGrant:
		out.User, err = s.changeRole(ctx, by, a.UserID, a.Role, a.Reason)
	case bonafide.ApprovalPasswordReset:
		out.User, out.Password, err = s.resetPassword(ctx, by, a.UserID, "", a.Reason)
	case bonafide.ApprovalTOTPReset:
		out.User, _, err = s.resetTOTP(ctx, by, a.UserID, a.Reason)
		if err == nil {
			out.User, err = s.Users.UserByID(ctx, a.UserID)
		}
	}
	if err != nil {
		return Approved{}, err
	}
	return out, nil
}
