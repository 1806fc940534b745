package account

import (
	"context"
	"fmt"
	"sync"
	"time"

	"bonafide"
	"bonafide/auth"
)

// A sign-in in two steps, as the web pages do it (the API's Login takes
// the password and the code in one request): LoginPassword checks the
// name and password and, for a user with a second factor, leaves a
// half-finished sign-in in the service's memory; LoginCode finishes it
// with the code. The half-finished sign-in is not a session: it grants
// nothing but one more step, lasts PendingLoginTTL, and is refused after
// MaxCodeAttempts wrong codes, each of them audited as a failed login and
// counted by the login throttle. Like the throttle, it lives in the
// serving process: a restart drops it, and the person enters their
// password again.
const (
	// PendingLoginTTL is how long a half-finished sign-in waits for its
	// code: enough to find the phone, too little to leave it open.
	PendingLoginTTL = 5 * time.Minute
	// MaxCodeAttempts is how many wrong codes a half-finished sign-in
	// takes: the last one refuses it, and the password is asked again.
	MaxCodeAttempts = 3
	// maxPendingLogins bounds the half-finished sign-ins held at once;
	// each needs a right password, and one user has one at most.
	maxPendingLogins = 10000
)

// ErrPendingLoginGone answers a code sent for a half-finished sign-in that
// is not there: unknown, expired, refused after too many wrong codes, or
// dropped by a restart. The person starts again with their password.
var ErrPendingLoginGone = bonafide.Errorf(bonafide.EUnauthorized, "the sign-in has expired or was refused: enter your password again")

// ErrTooManyCodes answers the last wrong code a half-finished sign-in
// takes: it has been refused, and the password must be entered again.
var ErrTooManyCodes = bonafide.Errorf(bonafide.EUnauthorized, "too many wrong second-factor codes: enter your password again")

// errTooManyPending refuses a first step while the service holds
// maxPendingLogins half-finished sign-ins that have not expired.
var errTooManyPending = bonafide.Errorf(bonafide.EUnavailable, "too many sign-ins are under way: try again in a few minutes")

// A WrongCodeError answers a wrong code that leaves the half-finished
// sign-in open, saying how many more it takes. errors.Is(err, ErrBadLogin)
// holds.
type WrongCodeError struct{ Left int }

func (e *WrongCodeError) Error() string {
	return fmt.Sprintf("wrong second-factor code; %d more attempts before the sign-in is refused", e.Left)
}

func (e *WrongCodeError) Unwrap() error { return ErrBadLogin }

// FirstStep is what LoginPassword gives back: a session for a user without
// a second factor, or the identifier of a half-finished sign-in, for the
// browser (a short-lived cookie) and never stored.
type FirstStep struct {
	Session *NewSession // signed in: no code is needed
	Pending string      // a code is needed: give it to LoginCode
	Expires time.Time   // when Pending expires
}

// pendingLogin is a half-finished sign-in, held under its identifier's
// digest.
type pendingLogin struct {
	user    bonafide.User // the account as the password was checked against
	rehash  string        // a new hash of the password, made with PasswordParams, when the stored one is weaker
	expires time.Time
	wrong   int // wrong codes so far
}

// pendingLogins are the service's half-finished sign-ins.
type pendingLogins struct {
	mu sync.Mutex
	m  map[string]*pendingLogin
}

// LoginPassword is the first step of a sign-in in two steps: the name and
// password, throttled and audited as Login's are. A user without a
// confirmed second factor is signed in at once (a session, as Login
// gives). For one with a second factor nothing is granted yet: the answer
// is a half-finished sign-in, recorded as login.password in the audit log,
// that LoginCode finishes; it replaces any other of the same user's, and
// the throttle's count of failures is not cleared until the code is right.
func (s *Service) LoginPassword(ctx context.Context, c Credentials) (FirstStep, error) {
	pw, err := s.checkPassword(ctx, c)
	if err != nil {
		return FirstStep{}, err
	}
	u := pw.user
	if !u.TOTPConfirmed {
		ns, err := s.finishLogin(ctx, pw, c)
		return FirstStep{Session: ns}, err
	}
	pl := &pendingLogin{user: u, expires: pw.now.Add(PendingLoginTTL)}
	if auth.NeedsRehash(u.PasswordHash, s.PasswordParams) {
		if h, err := auth.HashPassword(c.Password, s.PasswordParams); err == nil {
			pl.rehash = h
		}
	}
	id, digest, err := auth.NewSecret(auth.PendingPrefix)
	if err != nil {
		return FirstStep{}, err
	}
	if err := s.audit(ctx, "login:"+u.Name, "login.password", "", "password right; waiting for the second-factor code"); err != nil {
		return FirstStep{}, err
	}
	if err := s.pending.put(string(digest), pl, pw.now); err != nil {
		return FirstStep{}, err
	}
	return FirstStep{Pending: id, Expires: pl.expires}, nil
}

// put holds pl under key, replacing the same user's others and forgetting
// expired ones; errTooManyPending when full.
func (p *pendingLogins) put(key string, pl *pendingLogin, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]*pendingLogin{}
	}
	for k, o := range p.m {
		if o.user.ID == pl.user.ID || !now.Before(o.expires) {
			delete(p.m, k)
		}
	}
	if len(p.m) >= maxPendingLogins {
		return errTooManyPending
	}
	p.m[key] = pl
	return nil
}

// PendingUser returns the name of the user a half-finished sign-in is for,
// or ErrPendingLoginGone, so that the code page can say who is signing in.
func (s *Service) PendingUser(pending string) (string, error) {
	if !auth.WellFormed(pending, auth.PendingPrefix) {
		return "", ErrPendingLoginGone
	}
	now := s.now()
	s.pending.mu.Lock()
	defer s.pending.mu.Unlock()
	pl := s.pending.m[string(auth.HashSecret(pending))]
	if pl == nil || !now.Before(pl.expires) {
		return "", ErrPendingLoginGone
	}
	return pl.user.Name, nil
}

// CodeCredentials are the second step of a sign-in in two steps.
type CodeCredentials struct {
	Pending    string // LoginPassword's FirstStep.Pending
	Code       string // the authenticator app's code
	ClientAddr string // for the throttle, as Credentials.ClientAddr
	Replacing  string // as Credentials.Replacing
}

// LoginCode is the second step: the code of the authenticator app for a
// half-finished sign-in. A right code starts a session that has passed the
// second factor, audited as Login's ("password and TOTP"), and clears the
// throttle. A wrong one is audited as login.fail and counted by the
// throttle; it leaves the sign-in open (*WrongCodeError) until the
// MaxCodeAttempts-th, which refuses it (ErrTooManyCodes). A sign-in that
// is not there, or expired, is ErrPendingLoginGone; one whose account
// changed since the password was checked (a reset, a disabling) is refused
// and audited. While the name or address must wait, the answer is a
// *ThrottledError and nothing is checked.
func (s *Service) LoginCode(ctx context.Context, c CodeCredentials) (*NewSession, error) {
	if !auth.WellFormed(c.Pending, auth.PendingPrefix) {
		return nil, ErrPendingLoginGone
	}
	key := string(auth.HashSecret(c.Pending))
	now := s.now()
	s.pending.mu.Lock()
	pl := s.pending.m[key]
	if pl == nil || !now.Before(pl.expires) {
		delete(s.pending.m, key)
		s.pending.mu.Unlock()
		return nil, ErrPendingLoginGone
	}
	s.pending.mu.Unlock()
	u := pl.user
	who := "login:" + u.Name
	keys := []string{"user:" + u.Name, "ip:" + c.ClientAddr}
	if wait := s.throttled(keys, now); wait > 0 {
		return nil, &ThrottledError{What: "too many failed logins", Wait: wait}
	}
	// drop ends the half-finished sign-in, once only: of two wrong codes
	// sent at once, one is the last.
	drop := func() bool {
		s.pending.mu.Lock()
		defer s.pending.mu.Unlock()
		if s.pending.m[key] != pl {
			return false
		}
		delete(s.pending.m, key)
		return true
	}
	cur, err := s.Users.UserByID(ctx, u.ID)
	if err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound {
		return nil, err
	}
	if err != nil || !cur.SameAccount(u) {
		drop()
		if err := s.audit(ctx, who, "login.fail", "", "the account changed (reset, disabled or removed) between the password and the second-factor code"); err != nil {
			return nil, err
		}
		return nil, ErrPendingLoginGone
	}
	wrong := func(why string) error {
		s.pending.mu.Lock()
		pl.wrong++
		left := MaxCodeAttempts - pl.wrong
		s.pending.mu.Unlock()
		why = fmt.Sprintf("%s (attempt %d of %d at the second step)", why, MaxCodeAttempts-left, MaxCodeAttempts)
		if left <= 0 {
			drop()
			why += "; the sign-in was refused and must start again with the password"
		}
		if err := s.loginFail(ctx, who, keys, now, why); err != ErrBadLogin {
			return err
		}
		if left <= 0 {
			return ErrTooManyCodes
		}
		return &WrongCodeError{Left: left}
	}
	secret, refusal, err := s.openTOTP(ctx, cur)
	switch {
	case err != nil:
		return nil, err
	case refusal != "":
		drop()
		return nil, s.loginFail(ctx, who, keys, now, refusal)
	}
	step, ok := auth.CheckTOTP(secret, c.Code, now, cur.TOTPLastStep)
	if !ok {
		return nil, wrong("wrong or missing second-factor code")
	}
	if err := s.Users.UseTOTPStep(ctx, u.ID, step); err != nil {
		if bonafide.ErrorCode(err) == bonafide.EConflict {
			return nil, wrong("second-factor code replayed")
		}
		return nil, err
	}
	if !drop() {
		// finished (or refused) by another request meanwhile
		return nil, ErrPendingLoginGone
	}
	for _, k := range keys {
		s.Throttle.Succeed(k)
	}
	if pl.rehash != "" {
		// as Login: only if the account is still the one the password was
		// checked against
		if u, err = s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &pl.rehash, IfUnchanged: &u}); err != nil {
			return nil, userFacing(err)
		}
	}
	if err := s.audit(ctx, "user:"+u.Name, "login", "", "password and TOTP"); err != nil {
		return nil, err
	}
	var replacing []byte
	if auth.WellFormed(c.Replacing, auth.SessionPrefix) {
		replacing = auth.HashSecret(c.Replacing)
	}
	ns, err := s.startSession(ctx, u, true, time.Time{}, replacing)
	if err != nil {
		s.auditNotMade(ctx, "user:"+u.Name, "login", "", err)
		return nil, err
	}
	return ns, nil
}
