package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"bonafide"
	"bonafide/account"
)

// maxSmallBody limits the JSON bodies of the account and user routes.
const maxSmallBody = 16 << 10

// decodeJSON reads one JSON object of at most maxSmallBody bytes into v,
// refusing unknown members (a typo in "reason" must not pass silently).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireMediaType(r, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSmallBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return bonafide.Errorf(bonafide.EInvalid, "body is not the expected JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bonafide.Errorf(bonafide.EInvalid, "body has more than one JSON value")
	}
	return nil
}

// LoginRequest is the body of POST /api/v1/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// TOTP is the current authenticator code; required once the user has
	// enrolled a second factor.
	TOTP string `json:"totp,omitempty"`
}

// Me describes the logged-in principal (GET /api/v1/me, and the answer to
// a login), so that a client knows what to show and whether it must enrol
// a second factor first.
type Me struct {
	ID               int64         `json:"id"`
	Name             string        `json:"name"`
	Role             bonafide.Role `json:"role"`
	TOTPEnrolled     bool          `json:"totp_enrolled"`
	SecondFactorDone bool          `json:"second_factor_done"`
	// MustEnrol says the role needs a second factor that is not yet
	// enrolled: until it is, the session may only enrol, see itself and
	// log out.
	MustEnrol   bool                  `json:"must_enrol"`
	Permissions []bonafide.Permission `json:"permissions"`
	// Via is "session" or "token".
	Via string `json:"via"`
}

func meOf(p *principal) Me {
	m := Me{
		ID: p.User.ID, Name: p.User.Name, Role: p.User.Role,
		TOTPEnrolled:     p.User.TOTPConfirmed,
		SecondFactorDone: p.SecondFactorDone(),
		MustEnrol:        p.MustEnrol(),
		Permissions:      []bonafide.Permission{},
		Via:              "session",
	}
	if p.Token != nil {
		m.Via = "token"
	}
	for _, perm := range bonafide.Permissions {
		if p.User.Role.Can(perm) {
			m.Permissions = append(m.Permissions, perm)
		}
	}
	return m
}

// handleLogin decodes a login and has the account service check it and
// start a session (throttled, audited; see account.Service.Login); the
// session identifier goes into the cookie. Any session the browser still
// held is ended (session fixation).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if s.Users == nil {
		s.error(w, r, account.ErrBadLogin)
		return
	}
	c := account.Credentials{Name: req.Username, Password: req.Password, TOTP: req.TOTP, ClientAddr: s.clientIP(r)}
	if ck, err := r.Cookie(s.sessionCookieName()); err == nil {
		c.Replacing = ck.Value
	}
	ns, err := s.accounts.Login(r.Context(), c)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.setCookie(w, ns.ID)
	writeJSON(w, "application/json", http.StatusOK, meOf(ns.Principal))
}

// PasswordChange is the body of POST /api/v1/me/password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// handlePasswordChange sets the caller's own password, once they prove the
// current one (see account.Service.ChangePassword): every session of the
// user ends and the caller gets a fresh one.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p.Session == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EForbidden, "API token clients have no password"))
		return
	}
	var req PasswordChange
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ns, err := s.accounts.ChangePassword(r.Context(), p, req.CurrentPassword, req.NewPassword)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.setCookie(w, ns.ID)
	writeJSON(w, "application/json", http.StatusOK, meOf(ns.Principal))
}

// setCookie gives the browser the session cookie of session id.
func (s *Server) setCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookieName(),
		Value:    id,
		Path:     "/",
		MaxAge:   int(s.SessionMax / time.Second),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
}

// clearCookie tells the browser to forget the session cookie.
func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// handleLogout ends the request's session. A token client has no session
// to end and is refused.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.accounts.Logout(r.Context(), principalOf(r.Context())); err != nil {
		s.error(w, r, err)
		return
	}
	s.clearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

// handleMe describes the principal.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, "application/json", http.StatusOK, meOf(principalOf(r.Context())))
}

// TOTPEnrolment is the answer to POST /api/v1/me/totp: the secret to put
// in an authenticator app, shown once.
type TOTPEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

// TOTPConfirm is the body of POST /api/v1/me/totp/confirm.
type TOTPConfirm struct {
	Code string `json:"code"`
}

// handleTOTPEnrol starts enrolment of a second factor for the session's
// user (see account.Service.EnrolTOTP) and shows its secret once.
func (s *Server) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) {
	en, err := s.accounts.EnrolTOTP(r.Context(), principalOf(r.Context()))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, TOTPEnrolment{Secret: en.Secret, OTPAuthURL: en.URL})
}

// handleTOTPConfirm confirms an enrolment with a first code (see
// account.Service.ConfirmTOTP). The session is replaced by one that has
// passed the second factor.
func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p.Session == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EForbidden, "API token clients do not use a second factor"))
		return
	}
	var req TOTPConfirm
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ns, err := s.accounts.ConfirmTOTP(r.Context(), p, req.Code)
	switch {
	case errors.Is(err, account.ErrNoEnrolment):
		err = bonafide.Errorf(bonafide.EConflict, "no second-factor enrolment is waiting: start one with POST /api/v1/me/totp")
	case errors.Is(err, account.ErrUnreadableEnrolment):
		err = bonafide.Errorf(bonafide.EConflict, "the waiting second-factor enrolment cannot be read: start again with POST /api/v1/me/totp")
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.setCookie(w, ns.ID)
	writeJSON(w, "application/json", http.StatusOK, meOf(ns.Principal))
}
