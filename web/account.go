package web

import (
	"errors"
	"net/http"
	"strings"

	"bonafide"
	"bonafide/account"
)

// accountView is the person's own account page.
type accountView struct {
	Name, Role   string
	TOTPEnrolled bool
	NeedsTOTP    bool
}

// handleAccount shows who is signed in, their role and second factor,
// with the way to change their password or enrol an authenticator app.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	v := accountView{Name: p.User.Name, Role: roleName(p.User.Role), TOTPEnrolled: p.User.TOTPConfirmed, NeedsTOTP: p.User.Role.RequiresSecondFactor()}
	page := &Page{Title: "Your account", Data: v}
	if r.URL.Query().Get("changed") == "password" {
		page.Banner = &Banner{Text: "Your password has been changed. You have been signed out everywhere else.", Success: true}
	}
	if r.URL.Query().Get("changed") == "totp" {
		page.Banner = &Banner{Text: "Your authenticator app is set up. Use its code every time you sign in.", Success: true}
	}
	s.render(w, r, "account", page)
}

// handlePassword shows the password change form.
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "password", &Page{Title: "Change your password", Back: &Link{Href: "/account", Text: "Back"}})
}

// handlePasswordPost changes the person's password through the account
// service: the current one must be right; every other session ends and
// this browser gets a new one.
func (s *Server) handlePasswordPost(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	current, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	var errs []FieldError
	if current == "" {
		errs = append(errs, FieldError{"current", "Enter your current password"})
	}
	switch {
	case next == "":
		errs = append(errs, FieldError{"new", "Enter a new password"})
	case next != again:
		errs = append(errs, FieldError{"confirm", "The new passwords do not match"})
	}
	page := &Page{Title: "Change your password", Back: &Link{Href: "/account", Text: "Back"}}
	if len(errs) > 0 {
		page.Errors = errs
		s.render(w, r, "password", page)
		return
	}
	ns, err := s.sh.Accounts.ChangePassword(r.Context(), p, current, next)
	var te *account.ThrottledError
	switch {
	case errors.As(err, &te):
		page.Errors = []FieldError{{"current", "There have been too many wrong passwords. Wait, then try again"}}
	case errors.Is(err, account.ErrBadLogin), bonafide.ErrorCode(err) == bonafide.EUnauthorized:
		page.Errors = []FieldError{{"current", "Your current password is not right"}}
	case bonafide.ErrorCode(err) == bonafide.EInvalid:
		page.Errors = []FieldError{{"new", sentence(bonafide.ErrorMessage(err))}}
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	if len(page.Errors) > 0 {
		s.render(w, r, "password", page)
		return
	}
	s.sh.SetSession(w, ns.ID)
	http.Redirect(w, r, "/account?changed=password", http.StatusSeeOther)
}

// enrolView is the enrolment page: before it starts, or the secret to
// type into the app (shown once, grouped in fours) and the code form.
type enrolView struct {
	Started  bool
	Secret   string
	Must     bool
	Enrolled bool
}

// handleEnrol explains the second factor and offers to set one up.
func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	s.render(w, r, "enrol", &Page{Title: "Set up your authenticator app", Data: enrolView{Must: p.MustEnrol(), Enrolled: p.User.TOTPConfirmed}})
}

// handleEnrolPost starts enrolment (account.Service.EnrolTOTP) and shows
// the secret once. Starting again replaces a secret not yet confirmed.
func (s *Server) handleEnrolPost(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	en, err := s.sh.Accounts.EnrolTOTP(r.Context(), p)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	s.render(w, r, "enrol", &Page{Title: "Set up your authenticator app", Data: enrolView{Started: true, Secret: groups(en.Secret, 4), Must: p.MustEnrol()}})
}

// handleEnrolConfirm confirms enrolment with a first code; the session is
// replaced by one that has passed the second factor.
func (s *Server) handleEnrolConfirm(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	code := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("code")), " ", "")
	page := &Page{Title: "Set up your authenticator app", Data: enrolView{Started: true, Must: p.MustEnrol()}}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		page.Errors = []FieldError{{"code", "Enter the 6-digit code your authenticator app shows, like 123456"}}
		s.render(w, r, "enrol", page)
		return
	}
	ns, err := s.sh.Accounts.ConfirmTOTP(r.Context(), p, code)
	switch {
	case errors.Is(err, account.ErrNoEnrolment), errors.Is(err, account.ErrUnreadableEnrolment):
		page.Data = enrolView{Must: p.MustEnrol()}
		page.Errors = []FieldError{{"", "The set-up has expired. Start again"}}
	case bonafide.ErrorCode(err) == bonafide.EUnauthorized, bonafide.ErrorCode(err) == bonafide.EInvalid:
		page.Errors = []FieldError{{"code", "The code is not right. Check the time on your phone is correct, and enter the code it shows now"}}
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	if len(page.Errors) > 0 {
		s.render(w, r, "enrol", page)
		return
	}
	s.sh.SetSession(w, ns.ID)
	http.Redirect(w, r, "/account?changed=totp", http.StatusSeeOther)
}

// groups splits s into space-separated groups of n, for typing.
func groups(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+n, len(s))])
	}
	return b.String()
}

// sentence gives a service's message a capital letter, as GOV.UK error
// messages have, without a full stop.
func sentence(msg string) string {
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ".")
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
