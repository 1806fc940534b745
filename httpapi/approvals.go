package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"bonafide"
	"bonafide/account"
)

// ApprovalAsk is the body of POST /api/v1/users/{id}/approvals: the first
// administrator's request for a change that a second must approve.
type ApprovalAsk struct {
	Kind bonafide.AccountApprovalKind `json:"kind"` // role_grant, password_reset or totp_reset
	// Role is the role to grant (role_grant): data_protection_officer or
	// administrator.
	Role bonafide.Role `json:"role,omitempty"`
	// Reason says why, for the second administrator and the audit log:
	// at least 20 characters.
	Reason string `json:"reason"`
}

// AccountApprovalView is an account approval as the API shows it.
type AccountApprovalView struct {
	ID          int64                        `json:"id"`
	Kind        bonafide.AccountApprovalKind `json:"kind"`
	UserID      int64                        `json:"user_id"`
	UserName    string                       `json:"user_name"`
	Role        bonafide.Role                `json:"role,omitempty"`
	Reason      string                       `json:"reason"`
	RequestedBy string                       `json:"requested_by"`
	Requested   time.Time                    `json:"requested"`
	Expires     time.Time                    `json:"expires"`
	ApprovedBy  string                       `json:"approved_by,omitempty"`
	Approved    *time.Time                   `json:"approved,omitempty"`
}

func accountApprovalView(a bonafide.AccountApproval) AccountApprovalView {
	v := AccountApprovalView{ID: a.ID, Kind: a.Kind, UserID: a.UserID, UserName: a.UserName, Role: a.Role, Reason: a.Reason,
		RequestedBy: a.RequestedBy, Requested: a.Requested, Expires: a.Expires, ApprovedBy: a.ApprovedBy}
	if !a.Approved.IsZero() {
		at := a.Approved
		v.Approved = &at
	}
	return v
}

// ApprovalDone answers POST /api/v1/approvals/{id}/approve: the approval,
// the user after the change, and for a password reset the new password,
// shown to the approving administrator this once.
type ApprovalDone struct {
	Approval AccountApprovalView `json:"approval"`
	User     UserView            `json:"user"`
	Password string              `json:"password,omitempty"`
}

func (s *Server) handleApprovalAsk(w http.ResponseWriter, r *http.Request) {
	var req ApprovalAsk
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	a, err := s.accounts.RequestApproval(r.Context(), principalOf(r.Context()), account.ApprovalRequest{Kind: req.Kind, UserID: id, Role: req.Role, Reason: req.Reason})
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/approvals/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, "application/json", http.StatusCreated, accountApprovalView(a))
}

func (s *Server) handleApprovalList(w http.ResponseWriter, r *http.Request) {
	as, err := s.accounts.PendingApprovals(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]AccountApprovalView, 0, len(as))
	for _, a := range as {
		out = append(out, accountApprovalView(a))
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (s *Server) handleApprovalApprove(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.error(w, r, bonafide.Errorf(bonafide.ENotFound, "no such approval request"))
		return
	}
	done, err := s.accounts.Approve(r.Context(), principalOf(r.Context()), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, ApprovalDone{Approval: accountApprovalView(done.Approval), User: userView(done.User), Password: done.Password})
}
