package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"bonafide"
	"bonafide/account"
)

// approvalRow is one account change waiting for a second administrator.
type approvalRow struct {
	ID             int64
	What, Reason   string
	User, UserHref string
	AskedBy, Asked string
	Expires        string
	Action         string // the approve form's action
	Mine           bool   // asked by the person looking
}

// approvalWhat is what an approval will do, in words.
func approvalWhat(a bonafide.AccountApproval) string {
	switch a.Kind {
	case bonafide.ApprovalRoleGrant:
		return "Give the " + roleName(a.Role) + " role"
	case bonafide.ApprovalPasswordReset:
		return "Reset the password"
	default:
		return "Reset the authenticator app"
	}
}

func approvalRowOf(a bonafide.AccountApproval, me string) approvalRow {
	return approvalRow{ID: a.ID, What: approvalWhat(a), Reason: a.Reason, User: a.UserName, UserHref: "/users/" + url.PathEscape(a.UserName),
		AskedBy: strings.TrimPrefix(a.RequestedBy, "user:"), Asked: when(a.Requested), Expires: when(a.Expires),
		Action: "/approvals/" + strconv.FormatInt(a.ID, 10) + "/approve", Mine: a.RequestedBy == me}
}

// approvalsView is the administrators' list of pending approvals, and
// what an approval just did.
type approvalsView struct {
	Rows []approvalRow
	// Done is set after an approval: what was done, to whom, and for a
	// password reset the new password, shown on this response only.
	Done     *approvalRow
	Password string
}

// pendingRows returns the approvals that wait, newest first, as rows;
// only those of user userID when it is not 0.
func (s *Server) pendingRows(r *http.Request, userID int64) ([]approvalRow, error) {
	as, err := s.sh.Accounts.PendingApprovals(r.Context())
	if err != nil {
		return nil, err
	}
	me := principalOf(r.Context()).Who()
	var rows []approvalRow
	for _, a := range as {
		if userID == 0 || a.UserID == userID {
			rows = append(rows, approvalRowOf(a, me))
		}
	}
	return rows, nil
}

// approvalsPage renders the list with errs (a refusal) or a banner.
func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request, page *Page) {
	rows, err := s.pendingRows(r, 0)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	v, _ := page.Data.(approvalsView)
	v.Rows = rows
	page.Data = v
	page.Title = "Approvals"
	s.render(w, r, "approvals", page)
}

// handleApprovals lists the account changes waiting for a second
// administrator (account.Service.PendingApprovals): roles of data
// protection officer and administrator, password and authenticator
// resets, each with who asked, why, and until when it can be approved.
func (s *Server) handleApprovals(w http.ResponseWriter, r *http.Request) {
	page := &Page{}
	if d := r.URL.Query().Get("done"); d != "" {
		page.Banner = &Banner{Text: approvalDoneText(d), Success: true}
	}
	s.approvalsPage(w, r, page)
}

func approvalDoneText(d string) string {
	switch d {
	case string(bonafide.ApprovalRoleGrant):
		return "You approved the change of role. It has been made, and the audit log names both administrators."
	case string(bonafide.ApprovalTOTPReset):
		return "You approved the reset. The authenticator app has been removed; the user sets up a new one when they next sign in."
	}
	return ""
}

// handleApprove is the second administrator's approval
// (account.Service.Approve, which enforces the two-person rule: a second,
// different administrator with an authenticator app used at this sign-in,
// before the request expires). A refusal is shown in the error summary;
// an approved password reset shows the new password once.
func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.handleNotFound(w, r)
		return
	}
	done, err := s.sh.Accounts.Approve(r.Context(), principalOf(r.Context()), id)
	switch bonafide.ErrorCode(err) {
	case "":
	case bonafide.EForbidden, bonafide.EConflict:
		status := http.StatusForbidden
		if bonafide.ErrorCode(err) == bonafide.EConflict {
			status = http.StatusConflict
		}
		s.approvalsPage(w, r, &Page{status: status, Errors: []FieldError{{"", sentence(bonafide.ErrorMessage(err))}}})
		return
	default:
		s.serviceError(w, r, err)
		return
	}
	if done.Approval.Kind != bonafide.ApprovalPasswordReset {
		http.Redirect(w, r, "/approvals?done="+url.QueryEscape(string(done.Approval.Kind)), http.StatusSeeOther)
		return
	}
	row := approvalRowOf(done.Approval, "")
	s.approvalsPage(w, r, &Page{Data: approvalsView{Done: &row, Password: done.Password},
		Banner: &Banner{Text: "You approved the password reset. Give " + done.User.Name + " the new password below in person or by phone: it is shown only on this page, once.", Success: true}})
}

// checkReason is the web's check of a two-person request's reason, with
// the field's own message.
func checkReason(field, reason string) []FieldError {
	n := utf8.RuneCountInString(reason)
	switch {
	case n == 0:
		return []FieldError{{field, "Enter why this is needed. The second administrator reads it, and the audit log keeps it"}}
	case n < account.MinGrantReason:
		return []FieldError{{field, "The reason must be at least " + strconv.Itoa(account.MinGrantReason) + " characters"}}
	case len(reason) > account.MaxGrantReason:
		return []FieldError{{field, "The reason must be at most " + strconv.Itoa(account.MaxGrantReason) + " characters"}}
	}
	return nil
}

// requestApproval asks for a two-person change of the user page's user
// (account.Service.RequestApproval), with the reason of field; the user's
// page shows the request waiting, or the refusal beside field.
func (s *Server) requestApproval(w http.ResponseWriter, r *http.Request, kind bonafide.AccountApprovalKind, role bonafide.Role, field string) {
	u, page, v, ok := s.userPage(w, r)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue(field))
	switch field {
	case "reason":
		v.Role, v.Reason = string(role), reason
	case "password-reason":
		v.PasswordReason = reason
	case "totp-reason":
		v.TOTPReason = reason
	}
	errs := checkReason(field, reason)
	if len(errs) == 0 {
		_, err := s.sh.Accounts.RequestApproval(r.Context(), principalOf(r.Context()), account.ApprovalRequest{Kind: kind, UserID: u.ID, Role: role, Reason: reason})
		switch bonafide.ErrorCode(err) {
		case "":
			http.Redirect(w, r, v.User.Href+"?done=asked", http.StatusSeeOther)
			return
		case bonafide.EInvalid, bonafide.EConflict, bonafide.EForbidden:
			errs = []FieldError{{field, sentence(bonafide.ErrorMessage(err))}}
		default:
			s.serviceError(w, r, err)
			return
		}
	}
	page.Errors = errs
	s.render(w, r, "user", page)
}

// handlePasswordResetAsk and handleTOTPResetAsk ask for a reset of the
// user's password or authenticator app, which a second administrator
// approves.
func (s *Server) handlePasswordResetAsk(w http.ResponseWriter, r *http.Request) {
	s.requestApproval(w, r, bonafide.ApprovalPasswordReset, "", "password-reason")
}

func (s *Server) handleTOTPResetAsk(w http.ResponseWriter, r *http.Request) {
	s.requestApproval(w, r, bonafide.ApprovalTOTPReset, "", "totp-reason")
}
