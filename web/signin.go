package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"bonafide"
	"bonafide/account"
)

// signInForm is what the sign-in page shows again after an error: never
// the password or the code.
type signInForm struct {
	Username string
	Next     string
	Timeout  bool
}

// handleSignIn shows the sign-in form: user name, password, and the code
// of the authenticator app for those who have one. ?next= is where to go
// after; ?timeout=1 says the session ended for want of activity.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := signInForm{Username: q.Get("username"), Next: localPath(q.Get("next")), Timeout: q.Get("timeout") != ""}
	p := &Page{Title: "Sign in", Data: f}
	if f.Timeout {
		p.Banner = &Banner{Text: "You were signed out because you did not do anything for a while. Sign in again to carry on."}
	}
	s.render(w, r, "signin", p)
}

// handleSignInPost signs a person in through the account service (the
// API's own login: throttled, audited, a new session every time and any
// old one ended), then sends them on.
func (s *Server) handleSignInPost(w http.ResponseWriter, r *http.Request) {
	f := signInForm{Username: strings.TrimSpace(r.PostFormValue("username")), Next: localPath(r.PostFormValue("next"))}
	password := r.PostFormValue("password")
	code := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("code")), " ", "")
	var errs []FieldError
	if f.Username == "" {
		errs = append(errs, FieldError{"username", "Enter your user name"})
	}
	if password == "" {
		errs = append(errs, FieldError{"password", "Enter your password"})
	}
	if code != "" && (len(code) != 6 || strings.Trim(code, "0123456789") != "") {
		errs = append(errs, FieldError{"code", "The security code is 6 digits, like 123456"})
	}
	if len(errs) > 0 {
		s.render(w, r, "signin", &Page{Title: "Sign in", Data: f, Errors: errs})
		return
	}
	if s.sh.Accounts == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, signing in is not available", "This server has no users.")
		return
	}
	c := account.Credentials{Name: f.Username, Password: password, TOTP: code, ClientAddr: s.sh.ClientIP(r)}
	if ck, err := r.Cookie(s.sh.SessionCookie); err == nil {
		c.Replacing = ck.Value
	}
	ns, err := s.sh.Accounts.Login(r.Context(), c)
	var te *account.ThrottledError
	switch {
	case errors.As(err, &te):
		s.render(w, r, "signin", &Page{Title: "Sign in", Data: f, status: http.StatusTooManyRequests,
			Errors: []FieldError{{"username", fmt.Sprintf("There have been too many failed attempts to sign in. Wait %d seconds, then try again", te.Seconds())}}})
		return
	case errors.Is(err, account.ErrBadLogin):
		s.render(w, r, "signin", &Page{Title: "Sign in", Data: f, status: http.StatusUnauthorized,
			Errors: []FieldError{{"username", "The user name, password or security code is not right. If your account has an authenticator app, enter its code too"}}})
		return
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	s.sh.SetSession(w, ns.ID)
	next := f.Next
	if ns.Principal.MustEnrol() {
		next = "/account/second-factor"
	} else if next == "/" {
		next = s.firstScreen(ns.Principal)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleSignOut ends the session and shows the sign-in page again.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if err := s.sh.Accounts.Logout(r.Context(), principalOf(r.Context())); err != nil {
		s.serviceError(w, r, err)
		return
	}
	s.sh.ClearSession(w)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

// firstScreen is where a person goes after signing in: the front door for
// those who work cases, their account page for everyone else (until their
// role's screens exist).
func (s *Server) firstScreen(p *account.Principal) string {
	if p.User.Role.Can(bonafide.PermCaseRead) {
		return "/queue"
	}
	if p.User.Role.Can(bonafide.PermBreakGlass) {
		return "/unseal"
	}
	if p.User.Role.Can(bonafide.PermDisclosureRequest) {
		return "/disclosures"
	}
	if p.User.Role.Can(bonafide.PermUserManage) {
		return "/users"
	}
	if p.User.Role.Can(bonafide.PermAuditRead) {
		return "/audit"
	}
	return "/account"
}
