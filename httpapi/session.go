package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"bonafide"
	"bonafide/auth"
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
		SecondFactorDone: p.secondFactorDone(),
		MustEnrol:        p.User.Role.RequiresSecondFactor() && !p.User.TOTPConfirmed,
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

// errBadLogin is the one answer to a wrong name, password or code, so that
// it does not tell which users exist.
var errBadLogin = bonafide.Errorf(bonafide.EUnauthorized, "wrong user name, password or second-factor code")

// dummyHash is what a login for an unknown name (or a machine client,
// which has no password) is checked against, so that it does the same
// Argon2id work as a wrong password and its answer time does not tell
// which names exist. It is made on first use, with the server's own
// costs: a hash of other costs would take another time.
func (s *Server) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = auth.HashPassword("not a password of anyone", s.PasswordParams)
	})
	return s.dummy
}

// handleLogin checks a user name and password (and TOTP code once
// enrolled), throttled per user name and per client address, and starts a
// new session: a new id every time, and any session the browser still
// held is ended (session fixation).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ctx := r.Context()
	if s.Users == nil {
		s.error(w, r, errBadLogin)
		return
	}
	u, err := s.Users.UserByName(ctx, req.Username)
	if err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound {
		s.error(w, r, err)
		return
	}
	// The audit log names a failed login's user only when the name is a
	// user's: what people type into the name field of a login form is now
	// and then their password.
	who := "login:?"
	if err == nil {
		who = "login:" + u.Name
	}
	now := s.Now()
	name := req.Username
	if len(name) > 128 {
		name = name[:128]
	}
	keys := []string{"user:" + name, "ip:" + s.clientIP(r)}
	var wait time.Duration
	for _, k := range keys {
		wait = max(wait, s.Throttle.Wait(k, now))
	}
	if wait > 0 {
		// Not audited: the failure that started the wait was, and an
		// entry per refused attempt would let anyone grow the
		// append-only log as fast as they can send requests.
		secs := int64((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		s.error(w, r, &statusError{http.StatusTooManyRequests, fmt.Sprintf("too many failed logins; retry in %d s", secs)})
		return
	}
	fail := func(why string) {
		var wait time.Duration
		for _, k := range keys {
			s.Throttle.Fail(k, now)
			wait = max(wait, s.Throttle.Wait(k, now))
		}
		if wait > 0 {
			why += fmt.Sprintf("; logins from this name or address now wait %v", wait)
		}
		if err := s.audit(ctx, who, "login.fail", "", why); err != nil {
			s.error(w, r, err)
			return
		}
		s.error(w, r, errBadLogin)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		hash = s.dummyHash()
	}
	ok, herr := auth.CheckPassword(hash, req.Password)
	switch {
	case err != nil:
		fail("no such user")
		return
	case u.PasswordHash == "":
		fail("user has no password (machine client)")
		return
	case herr != nil:
		s.error(w, r, fmt.Errorf("login %d: %w", u.ID, herr))
		return
	case !ok:
		fail("wrong password")
		return
	case u.Disabled:
		fail("user is disabled")
		return
	}
	secondFactor := false
	if u.TOTPConfirmed {
		secret, refusal, err := s.openTOTP(ctx, u)
		switch {
		case err != nil:
			s.error(w, r, err)
			return
		case refusal != "":
			fail(refusal)
			return
		}
		step, ok := auth.CheckTOTP(secret, req.TOTP, now, u.TOTPLastStep)
		if !ok {
			fail("wrong or missing second-factor code")
			return
		}
		if err := s.Users.UseTOTPStep(ctx, u.ID, step); err != nil {
			if bonafide.ErrorCode(err) == bonafide.EConflict {
				fail("second-factor code replayed")
				return
			}
			s.error(w, r, err)
			return
		}
		secondFactor = true
	}
	for _, k := range keys {
		s.Throttle.Succeed(k)
	}
	if auth.NeedsRehash(u.PasswordHash, s.PasswordParams) {
		if h, err := auth.HashPassword(req.Password, s.PasswordParams); err == nil {
			// Setting the password ends the user's other sessions; a
			// re-hash is the same password, but sessions end once at most.
			// Only if the account is still the one the password was
			// checked against: a reset landing meanwhile must not be
			// overwritten by a hash of the old password.
			if u, err = s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &h, IfUnchanged: &u}); err != nil {
				s.error(w, r, userFacing(err))
				return
			}
		}
	}
	why := "password"
	if secondFactor {
		why = "password and TOTP"
	}
	if err := s.audit(ctx, "user:"+u.Name, "login", "", why); err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.startSession(w, r, u, secondFactor, time.Time{})
	if err != nil {
		s.auditNotMade(ctx, "user:"+u.Name, "login", "", err)
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, meOf(p))
}

// PasswordChange is the body of POST /api/v1/me/password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// handlePasswordChange sets the caller's own password, once they prove the
// current one. A user an administrator made starts with a password the
// administrator saw; this is how it becomes the user's alone. A wrong
// current password counts against the login throttle of the name, so a
// stolen session cannot be used to guess it. The change is audited before
// it is made, ends every session of the user (a thief's too) and gives the
// caller a fresh one, as far through the second factor as theirs was.
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
	ctx := r.Context()
	now := s.Now()
	key := "user:" + p.User.Name
	if wait := s.Throttle.Wait(key, now); wait > 0 {
		secs := int64((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		s.error(w, r, &statusError{http.StatusTooManyRequests, fmt.Sprintf("too many wrong passwords; retry in %d s", secs)})
		return
	}
	ok, err := auth.CheckPassword(p.User.PasswordHash, req.CurrentPassword)
	if err != nil {
		s.error(w, r, fmt.Errorf("password change %d: %w", p.User.ID, err))
		return
	}
	if !ok {
		s.Throttle.Fail(key, now)
		if err := s.audit(ctx, p.who(), "user.password_fail", p.User.Name, "wrong current password given to change it"); err != nil {
			s.error(w, r, err)
			return
		}
		s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "current_password", Reason: "is not your current password"}}})
		return
	}
	if req.NewPassword == req.CurrentPassword {
		s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "new_password", Reason: "is the current password"}}})
		return
	}
	if err := auth.CheckPasswordPolicy(req.NewPassword); err != nil {
		s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "new_password", Reason: err.Error()}}})
		return
	}
	hash, err := auth.HashPassword(req.NewPassword, s.PasswordParams)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The account as it is now, after the slow hashing: an administrator
	// may have reset the password or second factor, changed the role or
	// disabled the user, ending this session, meanwhile. Checked here so
	// that the audit log is not told of a change that will not be made,
	// and again by the store in the update itself (IfUnchanged).
	cur, err := s.Users.UserByID(ctx, p.User.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.sessionLive(ctx, p); err != nil {
		s.error(w, r, err)
		return
	}
	if !cur.SameAccount(p.User) {
		s.error(w, r, errAccountChanged)
		return
	}
	if err := s.audit(ctx, p.who(), "user.password_change", p.User.Name, "own password changed; every session ended"); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.Users.UpdateUser(ctx, p.User.ID, bonafide.UserUpdate{PasswordHash: &hash, IfUnchanged: &p.User})
	if err != nil {
		s.auditNotMade(ctx, p.who(), "user.password_change", p.User.Name, err)
		s.error(w, r, userFacing(err))
		return
	}
	s.Throttle.Succeed(key)
	// As far through the second factor as the old session was, and only
	// while the account still has one; its absolute limit unchanged.
	np, err := s.startSession(w, r, u, p.Session.SecondFactor && u.TOTPConfirmed, p.Session.Created)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, meOf(np))
}

// errAccountChanged answers a request about the caller's own account when
// the account changed (a reset, a disabling, their own request in another
// tab) between reading it and acting on it. What the request did before
// that point stands (a password change, say, whose new session was then
// refused), so the answer does not claim that nothing was done.
var errAccountChanged = bonafide.Errorf(bonafide.EConflict, "your account changed meanwhile: log in again")

// userFacing gives the caller errAccountChanged for the store's
// bonafide.ErrAccountChanged, and any other error unchanged.
func userFacing(err error) error {
	if errors.Is(err, bonafide.ErrAccountChanged) {
		return errAccountChanged
	}
	return err
}

// sessionLive refuses a change of the caller's own account once their
// session has ended: a reset landing between the middleware's reads of the
// session and of the account ends the session, yet leaves p.User already
// the account as reset, so that no condition on the account would notice.
func (s *Server) sessionLive(ctx context.Context, p *principal) error {
	_, err := s.Users.SessionByDigest(ctx, p.Session.Digest)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return errAccountChanged
	}
	return err
}

// auditNotMade follows an audit entry written before a change (as every
// change of an account is) when the change was then refused because the
// account changed meanwhile, so that the log never claims a change that
// was not made. Other errors need no entry: they are not this race.
func (s *Server) auditNotMade(ctx context.Context, who, what, object string, err error) {
	if !errors.Is(err, bonafide.ErrAccountChanged) && !errors.Is(err, errAccountChanged) {
		return
	}
	// a failure is logged by audit; the caller's answer is already an error
	_ = s.audit(ctx, who, what+"_not_made", object, "the account changed meanwhile; the change recorded just before was not made")
}

// errNoSecrets answers a request that needs a second-factor seed when the
// server has no Secrets to seal or open it with.
var errNoSecrets = bonafide.Errorf(bonafide.EUnavailable, "second factors cannot be used: the vault that seals them is not configured")

// openTOTP opens u's sealed TOTP seed to check a code. A seed that does not
// open — stored in the clear, altered, or moved from another user's row —
// is refused: refusal says why, for the audit log, and the operator's log
// gets an error (never the seed). err is errNoSecrets without Secrets.
func (s *Server) openTOTP(ctx context.Context, u bonafide.User) (secret, refusal string, err error) {
	if s.Secrets == nil {
		return "", "", errNoSecrets
	}
	secret, err = auth.OpenTOTP(s.Secrets, u)
	if err == nil {
		return secret, "", nil
	}
	refusal = "second-factor secret does not open for this user (altered, or moved from another user's row)"
	if errors.Is(err, auth.ErrTOTPUnsealed) {
		refusal = "second-factor secret stored unsealed (from before sealing, or written into the database directly); 'bonafide user seal-totp' seals seeds from before sealing"
	}
	s.Logger.LogAttrs(ctx, slog.LevelError, "second-factor secret refused",
		slog.String("request_id", requestID(ctx)), slog.String("user", u.Name), slog.Any("error", err))
	return "", refusal, nil
}

// startSession ends the session the request's cookie names (if any),
// creates a new one for u and sets its cookie. created, when not zero, is
// kept as the new session's start, so that replacing a session (a second
// factor confirmed, a password changed) never extends its absolute limit.
// If the account is no longer u once the new session exists (a reset or
// disabling landed since u was read), the session is deleted again and the
// answer is errAccountChanged.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u bonafide.User, secondFactor bool, created time.Time) (*principal, error) {
	ctx := r.Context()
	if c, err := r.Cookie(s.sessionCookieName()); err == nil && auth.WellFormed(c.Value, auth.SessionPrefix) {
		if err := s.Users.DeleteSession(ctx, auth.HashSecret(c.Value)); err != nil {
			return nil, err
		}
	}
	id, digest, err := auth.NewSecret(auth.SessionPrefix)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if created.IsZero() {
		created = now
	}
	sess := bonafide.Session{Digest: digest, UserID: u.ID, Created: created, LastSeen: now, SecondFactor: secondFactor}
	if err := s.Users.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	// An administrator's reset or disabling that landed after u was read
	// ended the sessions there were, not this one: read the account again
	// now that the session exists (a change from here on ends it too).
	cur, err := s.Users.UserByID(ctx, u.ID)
	if err == nil && !cur.SameAccount(u) {
		err = errAccountChanged
	}
	if err != nil {
		return nil, errors.Join(err, s.Users.DeleteSession(ctx, digest))
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookieName(),
		Value:    id,
		Path:     "/",
		MaxAge:   int(s.SessionMax / time.Second),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	return &principal{User: u, Session: &sess}, nil
}

// clearCookie tells the browser to forget the session cookie.
func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// handleLogout ends the request's session. A token client has no session
// to end and is refused.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p.Session == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "an API token has no session to end"))
		return
	}
	if err := s.Users.DeleteSession(r.Context(), p.Session.Digest); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.audit(r.Context(), p.who(), "logout", "", "user logged out"); err != nil {
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
// user. It does not count until confirmed with a code; a confirmed factor
// cannot be replaced here (an administrator must reset it), so that a
// stolen session cannot swap in the thief's authenticator.
func (s *Server) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p.Session == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EForbidden, "API token clients do not use a second factor"))
		return
	}
	if p.User.TOTPConfirmed {
		s.error(w, r, bonafide.Errorf(bonafide.EConflict, "a second factor is already enrolled"))
		return
	}
	if s.Secrets == nil {
		s.error(w, r, errNoSecrets)
		return
	}
	secret, url, err := auth.NewTOTP(s.TOTPIssuer, p.User.Name)
	if err != nil {
		s.error(w, r, err)
		return
	}
	sealed, err := auth.SealTOTP(s.Secrets, p.User, secret)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.sessionLive(r.Context(), p); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.audit(r.Context(), p.who(), "user.totp_enrol", p.User.Name, "second factor enrolment started"); err != nil {
		s.error(w, r, err)
		return
	}
	no := false
	if _, err := s.Users.UpdateUser(r.Context(), p.User.ID, bonafide.UserUpdate{TOTPSecret: &sealed, TOTPConfirmed: &no, IfUnchanged: &p.User}); err != nil {
		s.auditNotMade(r.Context(), p.who(), "user.totp_enrol", p.User.Name, err)
		s.error(w, r, userFacing(err))
		return
	}
	writeJSON(w, "application/json", http.StatusOK, TOTPEnrolment{Secret: secret, OTPAuthURL: url})
}

// handleTOTPConfirm confirms an enrolment with a first code. The session
// is replaced by one that has passed the second factor.
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
	if p.User.TOTPConfirmed || p.User.TOTPSecret == "" {
		s.error(w, r, bonafide.Errorf(bonafide.EConflict, "no second-factor enrolment is waiting: start one with POST /api/v1/me/totp"))
		return
	}
	ctx := r.Context()
	secret, refusal, err := s.openTOTP(ctx, p.User)
	switch {
	case err != nil:
		s.error(w, r, err)
		return
	case refusal != "":
		s.error(w, r, bonafide.Errorf(bonafide.EConflict, "the waiting second-factor enrolment cannot be read: start again with POST /api/v1/me/totp"))
		return
	}
	step, ok := auth.CheckTOTP(secret, req.Code, s.Now(), p.User.TOTPLastStep)
	if !ok {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "wrong second-factor code"))
		return
	}
	if err := s.Users.UseTOTPStep(ctx, p.User.ID, step); err != nil {
		s.error(w, r, err)
		return
	}
	yes := true
	// only the enrolment whose code was checked is confirmed: not one
	// withdrawn or started again meanwhile, nor from a session ended since
	if err := s.sessionLive(ctx, p); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.Users.UpdateUser(ctx, p.User.ID, bonafide.UserUpdate{TOTPConfirmed: &yes, IfUnchanged: &p.User})
	if err != nil {
		s.error(w, r, userFacing(err))
		return
	}
	if err := s.audit(ctx, p.who(), "user.totp_confirm", u.Name, "second factor enrolled"); err != nil {
		s.error(w, r, err)
		return
	}
	np, err := s.startSession(w, r, u, true, p.Session.Created)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, meOf(np))
}
