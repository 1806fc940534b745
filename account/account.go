package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/auth"
)

// UserStore is what the service needs of a store: users, their sessions
// and API tokens, declared here, where it is used. Both back-ends' user
// stores (bonafide.UserStore) implement it, and auth.TestUserStore holds
// them to the contract below. Missing rows are errors with code
// not_found, never zero values.
type UserStore interface {
	// CreateUser stores u and returns it with its ID; a taken name fails
	// with code conflict.
	CreateUser(ctx context.Context, u bonafide.User) (bonafide.User, error)
	// UserByID and UserByName return one user, or not_found.
	UserByID(ctx context.Context, id int64) (bonafide.User, error)
	UserByName(ctx context.Context, name string) (bonafide.User, error)
	// Users returns every user, by ID.
	Users(ctx context.Context) ([]bonafide.User, error)
	// UpdateUser applies upd and returns the result; it fails with
	// bonafide.ErrAccountChanged (code conflict), changing nothing, when
	// upd.IfUnchanged no longer describes the account. Disabling a user,
	// changing their role or password, or withdrawing their confirmed
	// second factor also deletes their sessions.
	UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error)
	// UseTOTPStep records step as the user's last accepted TOTP step,
	// atomically and only if it is later than the one recorded; otherwise
	// it fails with code conflict (a replayed code).
	UseTOTPStep(ctx context.Context, id int64, step int64) error

	// CreateSession stores s; a taken digest fails with code conflict.
	CreateSession(ctx context.Context, s bonafide.Session) error
	// SessionByDigest returns a session, or not_found.
	SessionByDigest(ctx context.Context, digest []byte) (bonafide.Session, error)
	// TouchSession sets a session's LastSeen; not_found if it is gone.
	TouchSession(ctx context.Context, digest []byte, at time.Time) error
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, digest []byte) error

	// CreateToken stores t and returns it with its ID.
	CreateToken(ctx context.Context, t bonafide.APIToken) (bonafide.APIToken, error)
	// TokenByDigest returns a token, or not_found.
	TokenByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, error)
	// TokenUserByDigest returns a token and its user in one lookup, or
	// not_found: what every API request asks, so one query, not two.
	TokenUserByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, bonafide.User, error)
	// Tokens returns a user's tokens, by ID.
	Tokens(ctx context.Context, userID int64) ([]bonafide.APIToken, error)
	// DeleteToken revokes token id of user userID at once, or fails with
	// not_found (also when the token is another user's).
	DeleteToken(ctx context.Context, userID, id int64) error
}

// AuditLog is where the service records every login and change of an
// account: *auditlog.Log. Append returns once the entry is durable, or an
// error, in which case the change is not made.
type AuditLog interface {
	Append(ctx context.Context, e auditlog.Entry) (auditlog.Entry, error)
}

// Session lifetimes. A session ends after DefaultSessionIdle without a
// request, and DefaultSessionMax after login whatever happens: a laptop
// left open in a shared office is not a session for ever.
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
)

// Service is the account service. It holds everything the account rules
// need, so that there is no package state and every face (HTTP, command
// line, web screens) can share one, and with it one login throttle. Set
// the fields before the first call; do not change them after.
type Service struct {
	// Users keeps users, sessions and API tokens. Required.
	Users UserStore
	// Audit receives every login (success and failure, never the
	// password) and every change of an account, before it is made. Nil
	// (a nil interface, not a nil *auditlog.Log) records nothing: only for
	// tests and servers run without a log.
	Audit AuditLog
	// Logger receives what the operator must know and the caller must
	// not: why an audit append or a second-factor secret failed. Required.
	Logger *slog.Logger
	// Now tells the time; tests set it.
	Now func() time.Time
	// Approvals keeps the account changes that wait for a second
	// administrator (RequestApproval, Approve). Without it they fail with
	// code unavailable, and the changes they stand for cannot be made
	// over the API at all.
	Approvals ApprovalStore
	// Secrets seals users' TOTP seeds, bound to each user, and opens them
	// only to check a code (the vault; see auth.SealTOTP). Without it,
	// enrolment and every login that needs a code fail with code
	// unavailable: the service fails closed.
	Secrets auth.SecretSealer
	// Throttle slows password guessing per user name and per client
	// address.
	Throttle *auth.Throttle
	// PasswordParams are the Argon2id costs of new password hashes; a
	// login re-hashes a password made with weaker ones.
	PasswordParams auth.PasswordParams
	// TOTPIssuer names the service in authenticator apps.
	TOTPIssuer string
	// SessionIdle and SessionMax end sessions idle for that long, and
	// that long after login.
	SessionIdle time.Duration
	SessionMax  time.Duration
	// TokenCacheTTL is how long an authenticated API token is remembered
	// (DefaultTokenCacheTTL from New; 0 asks the store every time). A
	// token revoked, or its user disabled, through this service is
	// refused at once; through another process on the same store, within
	// the TTL.
	TokenCacheTTL time.Duration

	tokens    tokenCache
	dummyOnce sync.Once // makes dummy, on the first login for an unknown name
	dummy     string
	pending   pendingLogins // half-finished sign-ins (LoginPassword, LoginCode)
}

// New returns a Service on users with the default costs, lifetimes and
// throttle, so that callers set only what they change. audit may be nil
// (nothing is recorded).
func New(users UserStore, audit AuditLog, logger *slog.Logger) *Service {
	return &Service{
		Users:          users,
		Audit:          audit,
		Logger:         logger,
		Now:            time.Now,
		Throttle:       auth.NewThrottle(),
		PasswordParams: auth.DefaultPasswordParams,
		TOTPIssuer:     "bonafide",
		SessionIdle:    DefaultSessionIdle,
		SessionMax:     DefaultSessionMax,
		TokenCacheTTL:  DefaultTokenCacheTTL,
	}
}

// Actor is who asks for a change, as the audit log and a new user's
// CreatedBy name them, so that every change can be traced to a person.
type Actor struct {
	// Who names the actor in the audit log: "user:" and a user name, or
	// "cli:" and an operating-system login.
	Who string
	// Name is what a user made by the actor records as CreatedBy.
	Name string
	// UserID is the acting user's ID; 0 for the command line. A user may
	// not change their own account through the administrators' methods,
	// so that nobody can lift their own role or undo their own disabling.
	UserID int64
	// How ends the audit entry of an override, saying where it came
	// from: "by an administrator", "from the command line".
	How string
}

// CommandLine is the actor of the command line: the operating-system user
// login runs as. Whoever holds the database and keys acts as this actor;
// it is the only one that may make the first administrator.
func CommandLine(login string) Actor {
	who := "cli:" + login
	return Actor{Who: who, Name: who, How: "from the command line"}
}

// fromCommandLine reports whether a is the command line rather than a
// logged-in user.
func (a Actor) fromCommandLine() bool { return a.UserID == 0 }

// Principal is who a request acts for: a user, through a session or an
// API token. The faces keep it for the length of one request.
type Principal struct {
	User    bonafide.User
	Session *bonafide.Session  // set for a session
	Token   *bonafide.APIToken // set for an API token
}

// Who names the principal in the audit log.
func (p *Principal) Who() string { return "user:" + p.User.Name }

// Actor is the principal as the actor of an administrator's change.
func (p *Principal) Actor() Actor {
	return Actor{Who: p.Who(), Name: p.User.Name, UserID: p.User.ID, How: "by an administrator"}
}

// SecondFactorDone reports whether the principal may act beyond enrolling:
// a token (machine clients have no second factor), or a session whose login
// passed TOTP or whose user needs none.
func (p *Principal) SecondFactorDone() bool {
	if p.Session == nil || p.Session.SecondFactor {
		return true
	}
	return !p.User.Role.RequiresSecondFactor() && !p.User.TOTPConfirmed
}

// MustEnrol reports whether the principal's role needs a second factor that
// is not yet enrolled: until it is, a session may only enrol, see itself and
// log out.
func (p *Principal) MustEnrol() bool {
	return p.User.Role.RequiresSecondFactor() && !p.User.TOTPConfirmed
}

// ErrAuditUnavailable is the answer to a change the audit log cannot
// record: it was not made. Callers tell it apart with errors.Is; its code
// is unavailable.
var ErrAuditUnavailable = bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was done")

// auditFailure is ErrAuditUnavailable with its cause, which is logged for
// the operator and never shown: the caller sees only ErrAuditUnavailable's
// message.
type auditFailure struct{ cause error }

func (e *auditFailure) Error() string   { return ErrAuditUnavailable.Message }
func (e *auditFailure) Unwrap() []error { return []error{ErrAuditUnavailable, e.cause} }

// audit appends an entry, when the service has a log. A failure is logged
// and returned as ErrAuditUnavailable: an action that cannot be recorded is
// not done.
func (s *Service) audit(ctx context.Context, who, what, object, why string) error {
	if s.Audit == nil {
		return nil
	}
	e := auditlog.Entry{Who: who, What: what, Object: clip(object), Why: clip(why)}
	if _, err := s.Audit.Append(ctx, e); err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelError, "audit append failed", slog.String("what", what), slog.Any("error", err))
		return &auditFailure{cause: fmt.Errorf("audit %s: %w", what, err)}
	}
	return nil
}

// auditNotMade follows an entry written before a change when the change
// was then refused because the account changed meanwhile, so that the log
// never claims a change that was not made. Other errors need no entry:
// they are not this race.
func (s *Service) auditNotMade(ctx context.Context, who, what, object string, err error) {
	if !errors.Is(err, bonafide.ErrAccountChanged) && !errors.Is(err, errAccountChanged) {
		return
	}
	// a failure is logged by audit; the caller's answer is already an error
	_ = s.audit(ctx, who, what+"_not_made", object, "the account changed meanwhile; the change recorded just before was not made")
}

// clip shortens s to what an audit entry field holds, on a rune boundary.
func clip(s string) string {
	if len(s) <= auditlog.MaxFieldLen {
		return s
	}
	s = s[:auditlog.MaxFieldLen-3]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
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

// now is s.Now, or the clock when unset.
func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
