package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"bonafide"
	"bonafide/auth"
)

// ErrUnauthenticated is the one answer for any missing, malformed,
// unknown, expired or revoked credential, so that the answer tells a
// prober nothing.
var ErrUnauthenticated = bonafide.Errorf(bonafide.EUnauthorized, "authentication required: log in or send an API token")

// ErrBadLogin is the one answer to a wrong name, password or code, so that
// it does not tell which users exist.
var ErrBadLogin = bonafide.Errorf(bonafide.EUnauthorized, "wrong user name, password or second-factor code")

// errNoSecrets answers a request that needs a second-factor seed when the
// service has no Secrets to seal or open it with.
var errNoSecrets = bonafide.Errorf(bonafide.EUnavailable, "second factors cannot be used: the vault that seals them is not configured")

// A ThrottledError refuses an attempt at a password while its user name or
// client address must wait after failures; the face tells the caller when
// to retry (HTTP: 429 with Retry-After).
type ThrottledError struct {
	What string        // what was refused, e.g. "too many failed logins"
	Wait time.Duration // how long until the next attempt may be made
}

// Seconds is Wait rounded up to whole seconds, as Retry-After gives it.
func (e *ThrottledError) Seconds() int64 { return int64((e.Wait + time.Second - 1) / time.Second) }

// Error says what was refused and when to retry.
func (e *ThrottledError) Error() string { return fmt.Sprintf("%s; retry in %d s", e.What, e.Seconds()) }

// NewSession is a session just started: the principal it makes, and its
// identifier, to be given to the browser (a cookie) and never stored.
type NewSession struct {
	Principal *Principal
	ID        string
}

// AuthenticateToken returns the principal of an API token, or
// ErrUnauthenticated: only an enabled machine client's token counts.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*Principal, error) {
	if !auth.WellFormed(token, auth.TokenPrefix) {
		return nil, ErrUnauthenticated
	}
	digest := auth.HashSecret(token)
	now := s.now()
	if s.TokenCacheTTL > 0 {
		if t, u, ok := s.tokens.get(digest, now); ok {
			return &Principal{User: u, Token: &t}, nil
		}
	}
	gen := s.tokens.generation()
	t, u, err := s.Users.TokenUserByDigest(ctx, digest)
	if err != nil {
		return nil, notFoundAs(err, ErrUnauthenticated)
	}
	if u.Disabled || u.Role != bonafide.RoleIntakeMachine {
		return nil, ErrUnauthenticated
	}
	if s.TokenCacheTTL > 0 {
		s.tokens.put(gen, digest, t, u, now.Add(s.TokenCacheTTL))
	}
	return &Principal{User: u, Token: &t}, nil
}

// AuthenticateSession returns the principal of a session identifier, or
// ErrUnauthenticated. A session idle for SessionIdle, or older than
// SessionMax, is deleted and refused; a disabled user's, or a machine
// client's, is refused. A session in use is touched at most once a
// minute: a write per request would make every read a write.
func (s *Service) AuthenticateSession(ctx context.Context, id string) (*Principal, error) {
	if !auth.WellFormed(id, auth.SessionPrefix) {
		return nil, ErrUnauthenticated
	}
	digest := auth.HashSecret(id)
	sess, err := s.Users.SessionByDigest(ctx, digest)
	if err != nil {
		return nil, notFoundAs(err, ErrUnauthenticated)
	}
	now := s.now()
	if now.Sub(sess.Created) >= s.SessionMax || now.Sub(sess.LastSeen) >= s.SessionIdle {
		if err := s.Users.DeleteSession(ctx, digest); err != nil {
			return nil, err
		}
		return nil, ErrUnauthenticated
	}
	u, err := s.Users.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, notFoundAs(err, ErrUnauthenticated)
	}
	if u.Disabled || u.Role == bonafide.RoleIntakeMachine {
		return nil, ErrUnauthenticated
	}
	if now.Sub(sess.LastSeen) >= time.Minute {
		if err := s.Users.TouchSession(ctx, digest, now); err != nil {
			return nil, notFoundAs(err, ErrUnauthenticated)
		}
		sess.LastSeen = now
	}
	return &Principal{User: u, Session: &sess}, nil
}

// notFoundAs returns instead when err is a not-found error, else err.
func notFoundAs(err error, instead error) error {
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return instead
	}
	return err
}

// Credentials are what a person gives to log in, and where from.
type Credentials struct {
	Name     string
	Password string
	// TOTP is the current authenticator code; required once the user has
	// enrolled a second factor.
	TOTP string
	// ClientAddr is the address the attempt came from, for throttling.
	ClientAddr string
	// Replacing is the session identifier the browser still holds, if any:
	// it is ended, so that a login never keeps a session someone else may
	// have planted (session fixation).
	Replacing string
}

// dummyHash is what a login for an unknown name (or a machine client,
// which has no password) is checked against, so that it does the same
// Argon2id work as a wrong password and its answer time does not tell
// which names exist. It is made on first use, with the service's own
// costs: a hash of other costs would take another time.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = auth.HashPassword("not a password of anyone", s.PasswordParams)
	})
	return s.dummy
}

// Login checks a user name and password (and TOTP code once enrolled),
// throttled per user name and per client address, and starts a new
// session: a new identifier every time, and the one c.Replacing names is
// ended. Every failure is audited, and answered with ErrBadLogin; an
// attempt while the name or address must wait is a *ThrottledError and is
// not audited (the failure that started the wait was, and an entry per
// refused attempt would let anyone grow the append-only log as fast as
// they can send requests). A password hashed with weaker costs than
// PasswordParams is re-hashed, only if the account is still the one it was
// checked against.
func (s *Service) Login(ctx context.Context, c Credentials) (*NewSession, error) {
	pw, err := s.checkPassword(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.finishLogin(ctx, pw, c)
}

// finishLogin is Login after the password: the code (once enrolled), the
// re-hash, the audit entry and the new session.
func (s *Service) finishLogin(ctx context.Context, pw passwordChecked, c Credentials) (*NewSession, error) {
	u, keys, fail, now := pw.user, pw.keys, pw.fail, pw.now
	secondFactor := false
	if u.TOTPConfirmed {
		secret, refusal, err := s.openTOTP(ctx, u)
		switch {
		case err != nil:
			return nil, err
		case refusal != "":
			return nil, fail(refusal)
		}
		step, ok := auth.CheckTOTP(secret, c.TOTP, now, u.TOTPLastStep)
		if !ok {
			return nil, fail("wrong or missing second-factor code")
		}
		if err := s.Users.UseTOTPStep(ctx, u.ID, step); err != nil {
			if bonafide.ErrorCode(err) == bonafide.EConflict {
				return nil, fail("second-factor code replayed")
			}
			return nil, err
		}
		secondFactor = true
	}
	for _, k := range keys {
		s.Throttle.Succeed(k)
	}
	if auth.NeedsRehash(u.PasswordHash, s.PasswordParams) {
		if h, err := auth.HashPassword(c.Password, s.PasswordParams); err == nil {
			// Setting the password ends the user's other sessions; a
			// re-hash is the same password, but sessions end once at most.
			// Only if the account is still the one the password was
			// checked against: a reset landing meanwhile must not be
			// overwritten by a hash of the old password.
			if u, err = s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &h, IfUnchanged: &u}); err != nil {
				return nil, userFacing(err)
			}
		}
	}
	why := "password"
	if secondFactor {
		why = "password and TOTP"
	}
	if err := s.audit(ctx, "user:"+u.Name, "login", "", why); err != nil {
		return nil, err
	}
	var replacing []byte
	if auth.WellFormed(c.Replacing, auth.SessionPrefix) {
		replacing = auth.HashSecret(c.Replacing)
	}
	ns, err := s.startSession(ctx, u, secondFactor, time.Time{}, replacing)
	if err != nil {
		s.auditNotMade(ctx, "user:"+u.Name, "login", "", err)
		return nil, err
	}
	return ns, nil
}

// passwordChecked is a login whose user name and password were right (for
// an enabled user): the account as checked, the throttle's keys, and the
// audited refusal of what comes next.
type passwordChecked struct {
	user bonafide.User
	keys []string
	fail func(why string) error
	now  time.Time
}

// checkPassword is the first part of every login (Login, LoginPassword):
// the throttle of the name and address, then the name and password, with
// each failure counted and audited and answered with ErrBadLogin.
func (s *Service) checkPassword(ctx context.Context, c Credentials) (passwordChecked, error) {
	u, err := s.Users.UserByName(ctx, c.Name)
	if err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound {
		return passwordChecked{}, err
	}
	// The audit log names a failed login's user only when the name is a
	// user's: what people type into the name field of a login form is now
	// and then their password.
	who := "login:?"
	if err == nil {
		who = "login:" + u.Name
	}
	now := s.now()
	name := c.Name
	if len(name) > 128 {
		name = name[:128]
	}
	keys := []string{"user:" + name, "ip:" + c.ClientAddr}
	if wait := s.throttled(keys, now); wait > 0 {
		return passwordChecked{}, &ThrottledError{What: "too many failed logins", Wait: wait}
	}
	fail := func(why string) error {
		return s.loginFail(ctx, who, keys, now, why)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		hash = s.dummyHash()
	}
	ok, herr := auth.CheckPassword(hash, c.Password)
	switch {
	case err != nil:
		return passwordChecked{}, fail("no such user")
	case u.PasswordHash == "":
		return passwordChecked{}, fail("user has no password (machine client)")
	case herr != nil:
		return passwordChecked{}, fmt.Errorf("login %d: %w", u.ID, herr)
	case !ok:
		return passwordChecked{}, fail("wrong password")
	case u.Disabled:
		return passwordChecked{}, fail("user is disabled")
	}
	return passwordChecked{user: u, keys: keys, fail: fail, now: now}, nil
}

// throttled is the longest wait of keys at now.
func (s *Service) throttled(keys []string, now time.Time) time.Duration {
	var wait time.Duration
	for _, k := range keys {
		wait = max(wait, s.Throttle.Wait(k, now))
	}
	return wait
}

// loginFail counts a failed login against keys and audits it as who's
// login.fail with why; its answer is ErrBadLogin (or the audit's failure).
func (s *Service) loginFail(ctx context.Context, who string, keys []string, now time.Time, why string) error {
	for _, k := range keys {
		s.Throttle.Fail(k, now)
	}
	if wait := s.throttled(keys, now); wait > 0 {
		why += fmt.Sprintf("; logins from this name or address now wait %v", wait)
	}
	if err := s.audit(ctx, who, "login.fail", "", why); err != nil {
		return err
	}
	return ErrBadLogin
}

// Logout ends p's session and records it. A token client has no session
// to end and is refused.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if p.Session == nil {
		return bonafide.Errorf(bonafide.EInvalid, "an API token has no session to end")
	}
	if err := s.Users.DeleteSession(ctx, p.Session.Digest); err != nil {
		return err
	}
	return s.audit(ctx, p.Who(), "logout", "", "user logged out")
}

// ChangePassword sets p's own password to next, once they prove the
// current one. A user an administrator made starts with a password the
// administrator saw; this is how it becomes the user's alone. A wrong
// current password counts against the login throttle of the name, so that
// a stolen session cannot be used to guess it. The change is audited
// before it is made, only if the account is as p read it and p's session
// still live, ends every session of the user (a thief's too) and gives the
// caller a fresh one, as far through the second factor as theirs was and
// no longer-lived.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) (*NewSession, error) {
	if p.Session == nil {
		return nil, bonafide.Errorf(bonafide.EForbidden, "API token clients have no password")
	}
	now := s.now()
	key := "user:" + p.User.Name
	if wait := s.Throttle.Wait(key, now); wait > 0 {
		return nil, &ThrottledError{What: "too many wrong passwords", Wait: wait}
	}
	ok, err := auth.CheckPassword(p.User.PasswordHash, current)
	if err != nil {
		return nil, fmt.Errorf("password change %d: %w", p.User.ID, err)
	}
	if !ok {
		s.Throttle.Fail(key, now)
		if err := s.audit(ctx, p.Who(), "user.password_fail", p.User.Name, "wrong current password given to change it"); err != nil {
			return nil, err
		}
		return nil, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "current_password", Reason: "is not your current password"}}}
	}
	if next == current {
		return nil, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "new_password", Reason: "is the current password"}}}
	}
	if err := auth.CheckPasswordPolicy(next); err != nil {
		return nil, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "new_password", Reason: err.Error()}}}
	}
	hash, err := auth.HashPassword(next, s.PasswordParams)
	if err != nil {
		return nil, err
	}
	// The account as it is now, after the slow hashing: an administrator
	// may have reset the password or second factor, changed the role or
	// disabled the user, ending this session, meanwhile. Checked here so
	// that the audit log is not told of a change that will not be made,
	// and again by the store in the update itself (IfUnchanged).
	cur, err := s.Users.UserByID(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if err := s.sessionLive(ctx, p); err != nil {
		return nil, err
	}
	if !cur.SameAccount(p.User) {
		return nil, errAccountChanged
	}
	if err := s.audit(ctx, p.Who(), "user.password_change", p.User.Name, "own password changed; every session ended"); err != nil {
		return nil, err
	}
	u, err := s.Users.UpdateUser(ctx, p.User.ID, bonafide.UserUpdate{PasswordHash: &hash, IfUnchanged: &p.User})
	if err != nil {
		s.auditNotMade(ctx, p.Who(), "user.password_change", p.User.Name, err)
		return nil, userFacing(err)
	}
	s.Throttle.Succeed(key)
	// As far through the second factor as the old session was, and only
	// while the account still has one; its absolute limit unchanged.
	return s.startSession(ctx, u, p.Session.SecondFactor && u.TOTPConfirmed, p.Session.Created, p.Session.Digest)
}

// sessionLive refuses a change of the caller's own account once their
// session has ended: a reset landing between the reads of the session and
// of the account ends the session, yet leaves p.User already the account
// as reset, so that no condition on the account would notice.
func (s *Service) sessionLive(ctx context.Context, p *Principal) error {
	_, err := s.Users.SessionByDigest(ctx, p.Session.Digest)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return errAccountChanged
	}
	return err
}

// openTOTP opens u's sealed TOTP seed to check a code. A seed that does not
// open — stored in the clear, altered, or moved from another user's row —
// is refused: refusal says why, for the audit log, and the operator's log
// gets an error (never the seed). err is errNoSecrets without Secrets.
func (s *Service) openTOTP(ctx context.Context, u bonafide.User) (secret, refusal string, err error) {
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
	s.Logger.LogAttrs(ctx, slog.LevelError, "second-factor secret refused", slog.String("user", u.Name), slog.Any("error", err))
	return "", refusal, nil
}

// startSession ends the session replacing names (if any), creates a new
// one for u and returns it. created, when not zero, is kept as the new
// session's start, so that replacing a session (a second factor
// confirmed, a password changed) never extends its absolute limit. If the
// account is no longer u once the new session exists (a reset or disabling
// landed since u was read), the session is deleted again and the answer is
// errAccountChanged.
func (s *Service) startSession(ctx context.Context, u bonafide.User, secondFactor bool, created time.Time, replacing []byte) (*NewSession, error) {
	if replacing != nil {
		if err := s.Users.DeleteSession(ctx, replacing); err != nil {
			return nil, err
		}
	}
	id, digest, err := auth.NewSecret(auth.SessionPrefix)
	if err != nil {
		return nil, err
	}
	now := s.now()
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
	return &NewSession{Principal: &Principal{User: u, Session: &sess}, ID: id}, nil
}

// Enrolment is a second factor begun: the secret to put in an
// authenticator app and its otpauth:// URL, shown once.
type Enrolment struct {
	Secret string
	URL    string
}

// EnrolTOTP starts enrolment of a second factor for p's user, sealed
// before it is stored. It does not count until confirmed with a code; a
// confirmed factor cannot be replaced here (an administrator must reset
// it), so that a stolen session cannot swap in the thief's authenticator.
// Audited before it is stored, only if p's session is still live and the
// account as p read it.
func (s *Service) EnrolTOTP(ctx context.Context, p *Principal) (Enrolment, error) {
	if p.Session == nil {
		return Enrolment{}, bonafide.Errorf(bonafide.EForbidden, "API token clients do not use a second factor")
	}
	if p.User.TOTPConfirmed {
		return Enrolment{}, bonafide.Errorf(bonafide.EConflict, "a second factor is already enrolled")
	}
	if s.Secrets == nil {
		return Enrolment{}, errNoSecrets
	}
	secret, url, err := auth.NewTOTP(s.TOTPIssuer, p.User.Name)
	if err != nil {
		return Enrolment{}, err
	}
	sealed, err := auth.SealTOTP(s.Secrets, p.User, secret)
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.sessionLive(ctx, p); err != nil {
		return Enrolment{}, err
	}
	if err := s.audit(ctx, p.Who(), "user.totp_enrol", p.User.Name, "second factor enrolment started"); err != nil {
		return Enrolment{}, err
	}
	no := false
	if _, err := s.Users.UpdateUser(ctx, p.User.ID, bonafide.UserUpdate{TOTPSecret: &sealed, TOTPConfirmed: &no, IfUnchanged: &p.User}); err != nil {
		s.auditNotMade(ctx, p.Who(), "user.totp_enrol", p.User.Name, err)
		return Enrolment{}, userFacing(err)
	}
	return Enrolment{Secret: secret, URL: url}, nil
}

// ErrNoEnrolment answers a confirmation when no enrolment is waiting.
var ErrNoEnrolment = bonafide.Errorf(bonafide.EConflict, "no second-factor enrolment is waiting: start one first")

// ConfirmTOTP confirms p's waiting enrolment with a first code, and
// replaces p's session by one that has passed the second factor (its
// absolute limit unchanged). Only the enrolment whose code was checked is
// confirmed: not one withdrawn or started again meanwhile, nor from a
// session ended since. It is recorded once made, so that a confirmation
// refused by such a change leaves no entry.
func (s *Service) ConfirmTOTP(ctx context.Context, p *Principal, code string) (*NewSession, error) {
	if p.Session == nil {
		return nil, bonafide.Errorf(bonafide.EForbidden, "API token clients do not use a second factor")
	}
	if p.User.TOTPConfirmed || p.User.TOTPSecret == "" {
		return nil, ErrNoEnrolment
	}
	secret, refusal, err := s.openTOTP(ctx, p.User)
	switch {
	case err != nil:
		return nil, err
	case refusal != "":
		return nil, ErrUnreadableEnrolment
	}
	step, ok := auth.CheckTOTP(secret, code, s.now(), p.User.TOTPLastStep)
	if !ok {
		return nil, bonafide.Errorf(bonafide.EInvalid, "wrong second-factor code")
	}
	if err := s.Users.UseTOTPStep(ctx, p.User.ID, step); err != nil {
		return nil, err
	}
	if err := s.sessionLive(ctx, p); err != nil {
		return nil, err
	}
	yes := true
	u, err := s.Users.UpdateUser(ctx, p.User.ID, bonafide.UserUpdate{TOTPConfirmed: &yes, IfUnchanged: &p.User})
	if err != nil {
		return nil, userFacing(err)
	}
	if err := s.audit(ctx, p.Who(), "user.totp_confirm", u.Name, "second factor enrolled"); err != nil {
		return nil, err
	}
	return s.startSession(ctx, u, true, p.Session.Created, p.Session.Digest)
}

// EnrolmentURL returns the otpauth:// URL of p's own enrolment that waits
// for its first code, so that the enrolment page can show it as a QR code
// for as long as it waits: to the session that could start a new one
// anyway, and to no one else. ErrNoEnrolment when none waits (none begun,
// or confirmed already: a confirmed seed is never shown again).
func (s *Service) EnrolmentURL(ctx context.Context, p *Principal) (string, error) {
	if p.Session == nil {
		return "", bonafide.Errorf(bonafide.EForbidden, "API token clients do not use a second factor")
	}
	if p.User.TOTPConfirmed || p.User.TOTPSecret == "" {
		return "", ErrNoEnrolment
	}
	secret, refusal, err := s.openTOTP(ctx, p.User)
	switch {
	case err != nil:
		return "", err
	case refusal != "":
		return "", ErrUnreadableEnrolment
	}
	return auth.TOTPURL(s.TOTPIssuer, p.User.Name, secret), nil
}

// ErrUnreadableEnrolment answers a confirmation whose waiting enrolment's
// seed does not open (altered, or moved from another user's row): it must
// be started again.
var ErrUnreadableEnrolment = bonafide.Errorf(bonafide.EConflict, "the waiting second-factor enrolment cannot be read: start it again")
