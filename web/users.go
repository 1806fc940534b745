package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bonafide"
	"bonafide/account"
)

// userRow is one user as the administrators' list shows them.
type userRow struct {
	Name, Href, Role, Created, CreatedBy string
	Disabled, TOTP, Machine              bool
}

// usersView is the list of users.
type usersView struct {
	Rows []userRow
}

func userRowOf(u bonafide.User) userRow {
	return userRow{Name: u.Name, Href: "/users/" + url.PathEscape(u.Name), Role: roleName(u.Role), Created: when(u.Created), CreatedBy: u.CreatedBy,
		Disabled: u.Disabled, TOTP: u.TOTPConfirmed, Machine: u.Role == bonafide.RoleIntakeMachine}
}

// handleUsers lists every user with their role and status
// (account.Service.List), for administrators.
func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.sh.Accounts.List(r.Context())
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	v := usersView{}
	for _, u := range us {
		v.Rows = append(v.Rows, userRowOf(u))
	}
	page := &Page{Title: "Users", Data: v}
	if d := r.URL.Query().Get("done"); d != "" {
		page.Banner = &Banner{Text: d, Success: true}
		page.Banner.Text = doneText(d)
	}
	s.render(w, r, "users", page)
}

// doneText is the banner of an action the list was sent back to.
func doneText(d string) string {
	switch d {
	case "disabled":
		return "The user has been disabled: they cannot sign in or use their tokens, and their sessions have ended."
	case "enabled":
		return "The user has been enabled: they can sign in again."
	case "role":
		return "The role has been changed. The reason is kept in the audit log."
	case "revoked":
		return "The token has been revoked. The sending system using it is cut off at once."
	case "asked":
		return "Your request is waiting for another administrator to approve it. Nothing has changed yet."
	}
	return ""
}

// newUserForm is the add-a-user form as typed (never a password).
type newUserForm struct {
	Name, Role, Reason string
	Roles              []option
	Created            *userRow
	Password           string
}

func roleOptions() []option {
	var o []option
	for _, r := range bonafide.Roles {
		o = append(o, option{string(r), sentence(roleName(r))})
	}
	return o
}

// handleUserNew shows the form to add a user.
func (s *Server) handleUserNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "user-new", &Page{Title: "Add a user", Back: &Link{Href: "/users", Text: "Back to users"}, Data: newUserForm{Roles: roleOptions()}})
}

// handleUserCreate adds a user (account.Service.Create, audited before
// it is made; a data protection officer or administrator needs a written
// reason) and shows their generated password once, on this response only.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	f := newUserForm{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"), Reason: strings.TrimSpace(r.PostFormValue("reason")), Roles: roleOptions()}
	page := &Page{Title: "Add a user", Back: &Link{Href: "/users", Text: "Back to users"}, Data: f}
	var errs []FieldError
	if f.Name == "" {
		errs = append(errs, FieldError{"name", "Enter a user name"})
	} else if err := account.CheckUserName(f.Name); err != nil {
		errs = append(errs, FieldError{"name", sentence(bonafide.ErrorMessage(err))})
	}
	role := bonafide.Role(f.Role)
	if !role.Valid() {
		errs = append(errs, FieldError{"role", "Choose a role"})
	} else if _, err := account.CheckGrantReason(role, f.Reason); err != nil {
		errs = append(errs, FieldError{"reason", sentence(bonafide.ErrorMessage(err))})
	}
	if len(errs) > 0 {
		page.Errors = errs
		s.render(w, r, "user-new", page)
		return
	}
	u, generated, err := s.sh.Accounts.Create(r.Context(), p.Actor(), account.NewUserRequest{Name: f.Name, Role: role, Reason: f.Reason})
	switch bonafide.ErrorCode(err) {
	case "":
	case bonafide.EConflict, bonafide.EInvalid:
		page.Errors = []FieldError{{"name", sentence(bonafide.ErrorMessage(err))}}
		s.render(w, r, "user-new", page)
		return
	default:
		s.serviceError(w, r, err)
		return
	}
	row := userRowOf(u)
	f.Created, f.Password = &row, generated
	page.Data = f
	page.Title = "User added"
	page.Back = nil
	s.render(w, r, "user-new", page)
}

// userView is one user's page: their account, the role form, disabling,
// and for a sending system its API tokens.
type userView struct {
	User      userRow
	Role      string
	Roles     []option
	Reason    string
	Tokens    []tokenRow
	NewToken  string
	NewLabel  string
	Self      bool
	TokenHref string
	// Pending are the requests about this user waiting for a second
	// administrator; the reasons are the reset forms' as typed.
	Pending                    []approvalRow
	PasswordReason, TOTPReason string
	HasTOTP                    bool
}

type tokenRow struct {
	ID                        int64
	Label, Created, CreatedBy string
	RevokeAction              string
}

// userPage gathers name's page, or answers 404.
func (s *Server) userPage(w http.ResponseWriter, r *http.Request) (bonafide.User, *Page, *userView, bool) {
	p := principalOf(r.Context())
	u, err := s.sh.Accounts.UserByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.serviceError(w, r, err)
		return u, nil, nil, false
	}
	v := &userView{User: userRowOf(u), Role: string(u.Role), Roles: roleOptions(), Self: u.ID == p.User.ID,
		TokenHref: "/users/" + url.PathEscape(u.Name) + "/tokens", HasTOTP: u.TOTPConfirmed || u.TOTPSecret != ""}
	if v.Pending, err = s.pendingRows(r, u.ID); err != nil && bonafide.ErrorCode(err) != bonafide.EUnavailable {
		s.serviceError(w, r, err)
		return u, nil, nil, false
	}
	if u.Role == bonafide.RoleIntakeMachine {
		ts, err := s.sh.Accounts.Tokens(r.Context(), u.ID)
		if err != nil {
			s.serviceError(w, r, err)
			return u, nil, nil, false
		}
		for _, t := range ts {
			v.Tokens = append(v.Tokens, tokenRow{ID: t.ID, Label: t.Label, Created: when(t.Created), CreatedBy: t.CreatedBy,
				RevokeAction: v.TokenHref + "/" + strconv.FormatInt(t.ID, 10) + "/revoke"})
		}
	}
	return u, &Page{Title: "User " + u.Name, Data: v, Back: &Link{Href: "/users", Text: "Back to users"}}, v, true
}

// handleUser shows one user.
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	_, page, _, ok := s.userPage(w, r)
	if !ok {
		return
	}
	if d := r.URL.Query().Get("done"); doneText(d) != "" {
		page.Banner = &Banner{Text: doneText(d), Success: true}
	}
	s.render(w, r, "user", page)
}

// handleUserRole changes a role (account.Service.ChangeRole) with the
// reason the audit log keeps. The data protection officer and
// administrator roles are not given in one step: the form asks for them
// (account.Service.RequestApproval), and a second administrator approves.
func (s *Server) handleUserRole(w http.ResponseWriter, r *http.Request) {
	if role := bonafide.Role(r.PostFormValue("role")); role.Valid() && role.RequiresSecondFactor() {
		s.requestApproval(w, r, bonafide.ApprovalRoleGrant, role, "reason")
		return
	}
	u, page, v, ok := s.userPage(w, r)
	if !ok {
		return
	}
	v.Role, v.Reason = r.PostFormValue("role"), strings.TrimSpace(r.PostFormValue("reason"))
	role := bonafide.Role(v.Role)
	var errs []FieldError
	if !role.Valid() {
		errs = append(errs, FieldError{"role", "Choose a role"})
	} else if _, err := account.CheckGrantReason(role, v.Reason); err != nil {
		errs = append(errs, FieldError{"reason", sentence(bonafide.ErrorMessage(err))})
	}
	if len(errs) == 0 {
		_, err := s.sh.Accounts.ChangeRole(r.Context(), principalOf(r.Context()).Actor(), u.ID, role, v.Reason)
		switch bonafide.ErrorCode(err) {
		case "":
			http.Redirect(w, r, v.User.Href+"?done=role", http.StatusSeeOther)
			return
		case bonafide.EInvalid, bonafide.EConflict, bonafide.EForbidden:
			errs = append(errs, FieldError{"role", sentence(bonafide.ErrorMessage(err))})
		default:
			s.serviceError(w, r, err)
			return
		}
	}
	page.Errors = errs
	s.render(w, r, "user", page)
}

// handleUserDisable and handleUserEnable stop and restart a user's access
// (account.Service.Disable, Enable), each audited.
func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) { s.setDisabled(w, r, true) }

func (s *Server) handleUserEnable(w http.ResponseWriter, r *http.Request) { s.setDisabled(w, r, false) }

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u, _, v, ok := s.userPage(w, r)
	if !ok {
		return
	}
	by := principalOf(r.Context()).Actor()
	var err error
	done := "enabled"
	if disabled {
		_, err = s.sh.Accounts.Disable(r.Context(), by, u.ID)
		done = "disabled"
	} else {
		_, err = s.sh.Accounts.Enable(r.Context(), by, u.ID)
	}
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, v.User.Href+"?done="+done, http.StatusSeeOther)
}

// handleTokenCreate issues an API token for a sending system
// (account.Service.CreateToken, audited by number and label) and shows it
// once, on this response only.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	u, page, v, ok := s.userPage(w, r)
	if !ok {
		return
	}
	v.NewLabel = strings.TrimSpace(r.PostFormValue("label"))
	if v.NewLabel == "" {
		page.Errors = []FieldError{{"label", "Enter what the token is for, like the sending system's host"}}
		s.render(w, r, "user", page)
		return
	}
	_, secret, err := s.sh.Accounts.CreateToken(r.Context(), principalOf(r.Context()).Actor(), u.Name, v.NewLabel)
	switch bonafide.ErrorCode(err) {
	case "":
	case bonafide.EInvalid, bonafide.EConflict, bonafide.EForbidden:
		page.Errors = []FieldError{{"label", sentence(bonafide.ErrorMessage(err))}}
		s.render(w, r, "user", page)
		return
	default:
		s.serviceError(w, r, err)
		return
	}
	u2, page2, v2, ok := s.userPage(w, r)
	if !ok {
		return
	}
	_ = u2
	v2.NewToken = secret
	page2.Banner = &Banner{Text: "The token has been issued. Copy it now: it is shown only once.", Success: true}
	s.render(w, r, "user", page2)
}

// handleTokenRevoke revokes one token at once (account.Service.RevokeToken).
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	u, _, v, ok := s.userPage(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil {
		s.handleNotFound(w, r)
		return
	}
	if err := s.sh.Accounts.RevokeToken(r.Context(), principalOf(r.Context()).Actor(), u.ID, id); err != nil {
		s.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, v.User.Href+"?done=revoked", http.StatusSeeOther)
}
