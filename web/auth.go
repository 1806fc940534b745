package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"bonafide"
	"bonafide/account"
	"bonafide/auth"
)

// maxFormBytes bounds a form's body: the largest, a decision with its
// reason, is a few kilobytes.
const maxFormBytes = 64 << 10

// Access levels of a screen beyond a permission of the role table.
const (
	// anyone: signed in or not (the sign-in page).
	anyone bonafide.Permission = ""
	// enrolling: any signed-in person, including one who still owes the
	// second factor their role needs (enrolment, sign-out).
	enrolling bonafide.Permission = "self.enrol"
	// self: any signed-in person past their second factor (their account).
	self bonafide.Permission = "self"
)

// page wraps a screen's handler: it finds the session (a signed-out
// person is sent to the sign-in page and back), refuses an unsafe request
// from another origin or without the form's CSRF token, sends a session
// that owes a second factor to enrolment, and checks the role table. The
// principal rides in the request's context for the handler.
func (s *Server) page(perm bonafide.Permission, h http.HandlerFunc) http.Handler {
	return s.pageWith(perm, nil, h)
}

// uploadSpec is a screen's file upload: the form's file field and the
// largest file it takes.
type uploadSpec struct {
	field string
	limit func() int64
}

// uploadPage is page for a form that sends a file (multipart/form-data):
// its CSRF token must be the form's first field, and is checked before
// the file is read; the file, read up to the limit, rides in the
// request's context for the handler (uploadOf).
func (s *Server) uploadPage(perm bonafide.Permission, field string, limit func() int64, h http.HandlerFunc) http.Handler {
	return s.pageWith(perm, &uploadSpec{field, limit}, h)
}

func (s *Server) pageWith(perm bonafide.Permission, up *uploadSpec, h http.HandlerFunc) http.Handler {
	return gated{perm, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
		if unsafe && up != nil {
			if !auth.SameOrigin(r) {
				s.errorPage(w, r, http.StatusForbidden, "This form cannot be sent from here", "Forms of this service must be sent from its own pages.")
				return
			}
			// Who is asking is known before the body is read, so that
			// nobody signed out or without the permission makes the
			// server read a file.
			if p := s.authenticate(r); p == nil || !p.SecondFactorDone() || (perm != self && !p.User.Role.Can(perm)) {
				s.errorPage(w, r, http.StatusForbidden, "You cannot send this form", "Sign in with a role that may use this form, then go back and try again.")
				return
			}
			u, err := s.readUpload(w, r, up.field, up.limit())
			if errors.Is(err, errCSRF) {
				s.errorPage(w, r, http.StatusForbidden, "The form has expired", "For your security the form could not be sent. Go back, reload the page and try again.")
				return
			}
			if err != nil {
				s.errorPage(w, r, http.StatusBadRequest, "The form could not be read", "The form was not a file upload this page sends. Go back and try again.")
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), uploadKey{}, u))
		} else if unsafe {
			if !auth.SameOrigin(r) {
				s.errorPage(w, r, http.StatusForbidden, "This form cannot be sent from here", "Forms of this service must be sent from its own pages.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, "The form could not be read", "The form was too large or not a form. Go back and try again.")
				return
			}
			if err := s.checkCSRF(r); err != nil {
				s.errorPage(w, r, http.StatusForbidden, "The form has expired", "For your security the form could not be sent. Go back, reload the page and try again.")
				return
			}
		}
		p := s.authenticate(r)
		if p != nil {
			r = r.WithContext(context.WithValue(r.Context(), principalKey, p))
		}
		if perm == anyone {
			h(w, r)
			return
		}
		if p == nil {
			if unsafe {
				s.errorPage(w, r, http.StatusUnauthorized, "You have been signed out", "Sign in again, then go back to what you were doing.")
				return
			}
			http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if perm != enrolling && !p.SecondFactorDone() {
			if p.MustEnrol() {
				http.Redirect(w, r, "/account/second-factor", http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, http.StatusForbidden, "Sign in with your security code", "Your account has a second factor: sign out and sign in again with the code from your authenticator app.")
			return
		}
		if perm != enrolling && perm != self && !p.User.Role.Can(perm) {
			s.errorPage(w, r, http.StatusForbidden, "You cannot see this page", "Your role ("+roleName(p.User.Role)+") does not give access to this page. Ask your team manager if you need it.")
			return
		}
		h(w, r)
	})}
}

// gated is a screen's handler with the permission page checks, so that
// the route walk can tell which screens a role gates.
type gated struct {
	perm bonafide.Permission
	http.Handler
}

// authenticate returns the principal of r's session cookie, or nil. An
// API token is not a way into the pages.
func (s *Server) authenticate(r *http.Request) *account.Principal {
	if s.sh.Accounts == nil {
		return nil
	}
	c, err := r.Cookie(s.sh.SessionCookie)
	if err != nil {
		return nil
	}
	p, err := s.sh.Accounts.AuthenticateSession(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, account.ErrUnauthenticated) {
			s.cfg.Logger.WarnContext(r.Context(), "web: session check failed", "error", err)
		}
		return nil
	}
	return p
}

// localPath returns next when it is a path of this server, else "/", so
// that the sign-in page's ?next= cannot send anyone elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
