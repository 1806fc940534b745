package bonafide

import (
	"context"
	"time"
)

// User is a member of staff, or a sending system, that may use bonafide.
// Credentials are kept only as hashes (package auth makes them), so that a
// copy of the users table lets nobody act as anyone.
type User struct {
	ID   int64  // given by the store
	Name string // login name; unique, never reused, never changed
	Role Role
	// PasswordHash is the Argon2id PHC string; empty for a sending system
	// (role intake_client), which authenticates only with API tokens.
	PasswordHash string
	// TOTPSecret is the second-factor secret (base32). It counts only once
	// TOTPConfirmed: an enrolment is confirmed by a first valid code.
	TOTPSecret    string
	TOTPConfirmed bool
	// TOTPLastStep is the last time step a code was accepted for; a code of
	// that step or an earlier one is refused (replay).
	TOTPLastStep int64
	Disabled     bool
	Created      time.Time
	CreatedBy    string // who added the user: a user name or "cli"
}

// UserUpdate changes the fields of a User that are not nil.
type UserUpdate struct {
	Role          *Role
	Disabled      *bool
	PasswordHash  *string
	TOTPSecret    *string
	TOTPConfirmed *bool
	// IfUnchanged, when set, makes the update conditional: it applies only
	// if the stored account is still as IfUnchanged describes it (see
	// User.SameAccount), and otherwise fails with EConflict and changes
	// nothing. A caller that decided on an account it read earlier — a
	// password checked, a second factor verified — passes what it read, so
	// that a reset or disabling landing meanwhile is never overwritten by a
	// decision taken on the old state.
	// An administrator's override (disable, reset, role) goes without it:
	// it must win over the user's own requests under way, which carry it.
	IfUnchanged *User
}

// SameAccount reports whether u and v agree on what decides what an
// account may do: role, disabled flag, password hash and second factor
// (secret and confirmation). It is the comparison UserUpdate.IfUnchanged
// makes; the last TOTP step is left out, since each login moves it.
func (u User) SameAccount(v User) bool {
	return u.ID == v.ID && u.Role == v.Role && u.Disabled == v.Disabled &&
		u.PasswordHash == v.PasswordHash && u.TOTPSecret == v.TOTPSecret &&
		u.TOTPConfirmed == v.TOTPConfirmed
}

// Apply returns u changed by the fields of upd that are set, and whether
// the change ends u's sessions: a new role, disabling, a new password or a
// confirmed second factor withdrawn (the sessions that passed it), so that
// the change takes effect at once. It fails with ErrAccountChanged, and
// changes nothing, when upd.IfUnchanged no longer describes u. Every
// UserStore.UpdateUser applies its changes through it, inside the
// transaction that read u.
func (u User) Apply(upd UserUpdate) (_ User, endSessions bool, _ error) {
	if upd.IfUnchanged != nil && !u.SameAccount(*upd.IfUnchanged) {
		return u, false, ErrAccountChanged
	}
	if upd.Role != nil {
		endSessions = endSessions || u.Role != *upd.Role
		u.Role = *upd.Role
	}
	if upd.Disabled != nil {
		endSessions = endSessions || *upd.Disabled
		u.Disabled = *upd.Disabled
	}
	if upd.PasswordHash != nil {
		endSessions = true
		u.PasswordHash = *upd.PasswordHash
	}
	if upd.TOTPSecret != nil {
		u.TOTPSecret = *upd.TOTPSecret
	}
	if upd.TOTPConfirmed != nil {
		endSessions = endSessions || u.TOTPConfirmed && !*upd.TOTPConfirmed
		u.TOTPConfirmed = *upd.TOTPConfirmed
	}
	return u, endSessions, nil
}

// Session is a logged-in browser. The store keeps the digest of the
// session id, never the id, so that a reader of the database cannot take
// the session over.
type Session struct {
	Digest   []byte // SHA-256 of the cookie's session id
	UserID   int64
	Created  time.Time // the absolute expiry counts from here
	LastSeen time.Time // the idle expiry counts from here
	// SecondFactor says the login passed a TOTP check. A session of a user
	// whose role requires one but who has not enrolled may only enrol.
	SecondFactor bool
}

// APIToken lets a sending system (a user of role intake_client) submit
// referrals without a session. Only its digest is stored.
type APIToken struct {
	ID        int64
	Digest    []byte // SHA-256 of the bfk_… token
	UserID    int64
	Label     string // what the token is for, e.g. the sending system's host
	Created   time.Time
	CreatedBy string
}

// UserStore keeps users, their sessions and API tokens. Both back-ends
// implement it; authtest.RunUserStore holds them to this contract.
//
// Missing rows are errors with code ENotFound, never zero values.
type UserStore interface {
	// CreateUser stores u and returns it with its ID. A taken name fails
	// with EConflict.
	CreateUser(ctx context.Context, u User) (User, error)
	// UserByID and UserByName return one user, or ENotFound.
	UserByID(ctx context.Context, id int64) (User, error)
	UserByName(ctx context.Context, name string) (User, error)
	// Users returns every user, by ID.
	Users(ctx context.Context) ([]User, error)
	// CountUsers returns how many users exist, for the first-administrator
	// bootstrap.
	CountUsers(ctx context.Context) (int, error)
	// UpdateUser applies upd to user id and returns the result, or
	// ENotFound, or EConflict when upd.IfUnchanged no longer describes the
	// account. Disabling a user, changing their role or password, or
	// withdrawing their confirmed second factor also deletes their
	// sessions, so that the change takes effect at once.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (User, error)
	// UseTOTPStep records step as user id's last accepted TOTP step, only
	// if it is later than the one recorded; otherwise it fails with
	// EConflict. It is atomic, so that one code cannot be used twice even
	// by two requests at once.
	UseTOTPStep(ctx context.Context, id int64, step int64) error

	// CreateSession stores s. A taken digest fails with EConflict.
	CreateSession(ctx context.Context, s Session) error
	// SessionByDigest returns the session, or ENotFound.
	SessionByDigest(ctx context.Context, digest []byte) (Session, error)
	// TouchSession sets the session's LastSeen to at; ENotFound if gone.
	TouchSession(ctx context.Context, digest []byte, at time.Time) error
	// DeleteSession removes one session; removing a missing one is not an
	// error (logout is idempotent).
	DeleteSession(ctx context.Context, digest []byte) error
	// DeleteSessionsBefore removes sessions last seen before t, and
	// returns how many.
	DeleteSessionsBefore(ctx context.Context, t time.Time) (int64, error)

	// CreateToken stores t and returns it with its ID. A taken digest
	// fails with EConflict; an unknown user with ENotFound.
	CreateToken(ctx context.Context, t APIToken) (APIToken, error)
	// TokenByDigest returns the token, or ENotFound.
	TokenByDigest(ctx context.Context, digest []byte) (APIToken, error)
	// TokenUserByDigest returns the token and its user in one lookup
	// (every API request makes it), or ENotFound.
	TokenUserByDigest(ctx context.Context, digest []byte) (APIToken, User, error)
	// Tokens returns the tokens of user id, by ID.
	Tokens(ctx context.Context, userID int64) ([]APIToken, error)
	// DeleteToken revokes token id of user userID at once, or fails with
	// ENotFound (also when the token belongs to another user, so that a
	// mistyped number never revokes someone else's token).
	DeleteToken(ctx context.Context, userID, id int64) error
}

// ErrAccountChanged is UpdateUser's answer when UserUpdate.IfUnchanged no
// longer describes the account: someone changed it since it was read.
var ErrAccountChanged = Errorf(EConflict, "the account changed meanwhile, so this change was not made: read the account again and retry")
