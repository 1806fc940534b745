package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bonafide"
	"bonafide/account"
)

// signInForm is what the sign-in page shows again after an error: never
// the password.
type signInForm struct {
	Username string
	Next     string
	Timeout  bool
}

// pendingCookie holds the identifier of a half-finished sign-in (the
// password was right; the code is still to come) for the code page only.
// It is not a session: the account service grants it nothing but the
// second step (account.Service.LoginCode).
const pendingCookie = "bonafide_signin"

// handleSignIn shows the sign-in form: user name and password. ?next= is
// where to go after; ?timeout=1 says the session ended for want of
// activity.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := signInForm{Username: q.Get("username"), Next: localPath(q.Get("next")), Timeout: q.Get("timeout") != ""}
	p := &Page{Title: "Sign in", Data: f}
	if f.Timeout {
		p.Banner = &Banner{Text: "You were signed out because you did not do anything for a while. Sign in again to carry on."}
	}
	s.render(w, r, "signin", p)
}

// handleSignInPost checks the user name and password through the account
// service (throttled and audited as the API's login). Someone without an
// authenticator app is signed in (a new session every time, any old one
// ended); someone with one is sent to the code page with a half-finished
// sign-in that grants nothing else.
func (s *Server) handleSignInPost(w http.ResponseWriter, r *http.Request) {
	f := signInForm{Username: strings.TrimSpace(r.PostFormValue("username")), Next: localPath(r.PostFormValue("next"))}
	password := r.PostFormValue("password")
	var errs []FieldError
	if f.Username == "" {
		errs = append(errs, FieldError{"username", "Enter your user name"})
	}
	if password == "" {
		errs = append(errs, FieldError{"password", "Enter your password"})
	}
	if len(errs) > 0 {
		s.render(w, r, "signin", &Page{Title: "Sign in", Data: f, Errors: errs})
		return
	}
	if s.sh.Accounts == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, signing in is not available", "This server has no users.")
		return
	}
	c := account.Credentials{Name: f.Username, Password: password, ClientAddr: s.sh.ClientIP(r)}
	if ck, err := r.Cookie(s.sh.SessionCookie); err == nil {
		c.Replacing = ck.Value
	}
	first, err := s.sh.Accounts.LoginPassword(r.Context(), c)
	var te *account.ThrottledError
	switch {
	case errors.As(err, &te):
		s.render(w, r, "signin", &Page{Title: "Sign in", Data: f, status: http.StatusTooManyRequests,
			Errors: []FieldError{{"username", fmt.Sprintf("There have been too many failed attempts to sign in. Wait %d seconds, then try again", te.Seconds())}}})
		return
	case errors.Is(err, account.ErrBadLogin):
		s.render(w, r, "signin", &Page{Title: "Sign in", Data: f, status: http.StatusUnauthorized,
			Errors: []FieldError{{"username", "The user name or password is not right"}}})
		return
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	if first.Pending != "" {
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: first.Pending, Path: "/sign-in", MaxAge: int(account.PendingLoginTTL / time.Second),
			Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/sign-in/code?next="+url.QueryEscape(f.Next), http.StatusSeeOther)
		return
	}
	s.signedIn(w, r, first.Session, f.Next)
}

// signedIn gives the browser a new session and sends it on: to enrolment
// when the role needs a second factor not yet set up, else to next or the
// person's first screen.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, ns *account.NewSession, next string) {
	s.sh.SetSession(w, ns.ID)
	if ns.Principal.MustEnrol() {
		next = "/account/second-factor"
	} else if next == "/" {
		next = s.firstScreen(ns.Principal)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// codeForm is the code page: who is signing in, and where they go after.
type codeForm struct {
	Username string
	Next     string
}

// clearPending tells the browser to forget the half-finished sign-in.
func clearPending(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/sign-in", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// pendingOf returns the half-finished sign-in of r's cookie and its
// user's name, or "" when there is none (or it expired).
func (s *Server) pendingOf(r *http.Request) (id, name string) {
	c, err := r.Cookie(pendingCookie)
	if err != nil || s.sh.Accounts == nil {
		return "", ""
	}
	name, err = s.sh.Accounts.PendingUser(c.Value)
	if err != nil {
		return "", ""
	}
	return c.Value, name
}

// signInAgain shows the sign-in page with why the half-finished sign-in
// ended, for the person to enter their password again.
func (s *Server) signInAgain(w http.ResponseWriter, r *http.Request, name, next, why string) {
	clearPending(w)
	s.render(w, r, "signin", &Page{Title: "Sign in", Data: signInForm{Username: name, Next: next}, status: http.StatusUnauthorized,
		Errors: []FieldError{{"password", why}}})
}

// handleSignInCode shows the second step, "Enter the code from your
// authenticator app", for a half-finished sign-in; without one it sends
// the person back to the password.
func (s *Server) handleSignInCode(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	_, name := s.pendingOf(r)
	if name == "" {
		s.signInAgain(w, r, "", next, "Your sign-in timed out. Enter your password again")
		return
	}
	s.render(w, r, "signin-code", &Page{Title: "Enter the code from your authenticator app", Data: codeForm{Username: name, Next: next},
		Back: &Link{Href: "/sign-in", Text: "Back"}})
}

// handleSignInCodePost finishes the sign-in with the code
// (account.Service.LoginCode): a wrong code is refused (and audited) with
// the number of tries left; after the last, or once the sign-in has
// expired, the person enters their password again.
func (s *Server) handleSignInCodePost(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostFormValue("next"))
	id, name := s.pendingOf(r)
	if id == "" {
		s.signInAgain(w, r, "", next, "Your sign-in timed out. Enter your password again")
		return
	}
	page := &Page{Title: "Enter the code from your authenticator app", Data: codeForm{Username: name, Next: next}, Back: &Link{Href: "/sign-in", Text: "Back"}}
	code := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("code")), " ", "")
	if code == "" {
		page.Errors = []FieldError{{"code", "Enter the 6-digit code from your authenticator app"}}
		s.render(w, r, "signin-code", page)
		return
	}
	if len(code) > 6 {
		code = code[:7] // wrong anyway; long junk is not passed on
	}
	c := account.CodeCredentials{Pending: id, Code: code, ClientAddr: s.sh.ClientIP(r)}
	if ck, err := r.Cookie(s.sh.SessionCookie); err == nil {
		c.Replacing = ck.Value
	}
	ns, err := s.sh.Accounts.LoginCode(r.Context(), c)
	var te *account.ThrottledError
	var wce *account.WrongCodeError
	switch {
	case errors.As(err, &te):
		page.status = http.StatusTooManyRequests
		page.Errors = []FieldError{{"code", fmt.Sprintf("There have been too many failed attempts to sign in. Wait %d seconds, then try again", te.Seconds())}}
	case errors.As(err, &wce):
		page.status = http.StatusUnauthorized
		tries := "1 more time"
		if wce.Left != 1 {
			tries = fmt.Sprintf("%d more times", wce.Left)
		}
		page.Errors = []FieldError{{"code", "The code is not right. Check the time on your phone is correct and enter the code it shows now. You can try " + tries}}
	case errors.Is(err, account.ErrTooManyCodes):
		s.signInAgain(w, r, name, next, "You entered a wrong code too many times. Enter your password again")
		return
	case errors.Is(err, account.ErrPendingLoginGone):
		s.signInAgain(w, r, name, next, "Your sign-in timed out. Enter your password again")
		return
	case bonafide.ErrorCode(err) == bonafide.EUnauthorized:
		s.signInAgain(w, r, name, next, "The sign-in was refused. Enter your password again")
		return
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	if len(page.Errors) > 0 {
		s.render(w, r, "signin-code", page)
		return
	}
	clearPending(w)
	s.signedIn(w, r, ns, next)
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
