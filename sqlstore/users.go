package sqlstore

import (
	"context"
	"errors"
	"time"

	"bonafide"
)

// This file gives users, sessions and API tokens their tables (migration
// 003).

// Users is a bonafide.UserStore on tables users, sessions and api_tokens
// of a store's DB.
type Users struct {
	db  DB
	now func() time.Time
}

// NewUsers returns the users, sessions and tokens kept in db; now stamps a
// user or token created without a time.
func NewUsers(db DB, now func() time.Time) *Users { return &Users{db: db, now: now} }

var _ bonafide.UserStore = (*Users)(nil)

const (
	userColumns  = `id, name, role, password_hash, totp_secret, totp_confirmed, totp_last_step, disabled, created, created_by`
	tokenColumns = `id, digest, user_id, label, created, created_by`
)

// userFields are the destinations of userColumns in u, with its role and
// created time to be set from role and created after the scan.
func userFields(u *bonafide.User, role *string, created *Time) []any {
	return []any{&u.ID, &u.Name, role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPConfirmed, &u.TOTPLastStep, &u.Disabled, created, &u.CreatedBy}
}

// tokenFields are the destinations of tokenColumns in t, with its created
// time to be set from created after the scan.
func tokenFields(t *bonafide.APIToken, created *Time) []any {
	return []any{&t.ID, &t.Digest, &t.UserID, &t.Label, created, &t.CreatedBy}
}

func scanUser(row Scanner) (bonafide.User, error) {
	var (
		u       bonafide.User
		role    string
		created Time
	)
	err := row.Scan(userFields(&u, &role, &created)...)
	u.Role, u.Created = bonafide.Role(role), created.Time
	return u, err
}

func scanToken(row Scanner) (bonafide.APIToken, error) {
	var (
		t       bonafide.APIToken
		created Time
	)
	err := row.Scan(tokenFields(&t, &created)...)
	t.Created = created.Time
	return t, err
}

// CreateUser stores u; a taken name gives EConflict.
func (us *Users) CreateUser(ctx context.Context, u bonafide.User) (bonafide.User, error) {
	if u.Created.IsZero() {
		u.Created = us.now()
	}
	u.Created = Micro(u.Created)
	var err error
	u.ID, err = us.db.Insert(ctx, `INSERT INTO users (name, role, password_hash, totp_secret, totp_confirmed, totp_last_step, disabled, created, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Name, string(u.Role), u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, u.TOTPLastStep, u.Disabled, us.db.Time(u.Created), u.CreatedBy)
	if us.db.IsUniqueViolation(err) {
		return bonafide.User{}, bonafide.Errorf(bonafide.EConflict, "user %q already exists", u.Name)
	}
	if err != nil {
		return bonafide.User{}, internal(us.db, "create user", err)
	}
	return u, nil
}

// userWhere reads the user that where (of one argument, arg) selects on c,
// or gives ENotFound.
func (us *Users) userWhere(ctx context.Context, c Conn, where string, arg any) (bonafide.User, error) {
	u, err := scanUser(c.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, ErrNoRows) {
		return u, bonafide.Errorf(bonafide.ENotFound, "no such user")
	}
	if err != nil {
		return u, internal(us.db, "user", err)
	}
	return u, nil
}

// UserByID returns user id, or ENotFound.
func (us *Users) UserByID(ctx context.Context, id int64) (bonafide.User, error) {
	if err := us.db.Readable(); err != nil {
		return bonafide.User{}, err
	}
	return us.userWhere(ctx, us.db, `id = ?`, id)
}

// UserByName returns the user called name, or ENotFound.
func (us *Users) UserByName(ctx context.Context, name string) (bonafide.User, error) {
	if err := us.db.Readable(); err != nil {
		return bonafide.User{}, err
	}
	return us.userWhere(ctx, us.db, `name = ?`, name)
}

// Users returns every user by ID.
func (us *Users) Users(ctx context.Context) ([]bonafide.User, error) {
	out, err := Query(ctx, us.db, `SELECT `+userColumns+` FROM users ORDER BY id`, nil, scanUser)
	if err != nil {
		return nil, internal(us.db, "users", err)
	}
	return out, nil
}

// CountUsers returns the number of users.
func (us *Users) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := us.db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, internal(us.db, "count users", err)
	}
	return n, nil
}

// UpdateUser applies upd; a role change, disabling, a new password or a
// confirmed second factor withdrawn ends the user's sessions in the same
// transaction.
func (us *Users) UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error) {
	var u bonafide.User
	err := us.db.WriteTx(ctx, func(tx Conn) error {
		var err error
		// FOR UPDATE (not FOR NO KEY UPDATE) in PostgreSQL: it also makes
		// a session insert for this user, whose foreign-key check takes
		// KEY SHARE, wait until this transaction ends, so that no session
		// slips in between the change and the deletion of the user's
		// sessions that httpapi's startSession would not see when it
		// reads the account. SQLite's single writer orders them anyway.
		if u, err = us.userWhere(ctx, tx, `id = ?`+us.db.ForUpdate(), id); err != nil {
			return err
		}
		var endSessions bool
		if u, endSessions, err = u.Apply(upd); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = ?, disabled = ?, password_hash = ?, totp_secret = ?, totp_confirmed = ? WHERE id = ?`,
			string(u.Role), u.Disabled, u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, id); err != nil {
			return err
		}
		if endSessions {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if c := bonafide.ErrorCode(err); c == bonafide.ENotFound || c == bonafide.EConflict {
			return bonafide.User{}, err
		}
		return bonafide.User{}, internal(us.db, "update user "+itoa(id), err)
	}
	return u, nil
}

// UseTOTPStep records step if it is later than the last one, else
// EConflict.
func (us *Users) UseTOTPStep(ctx context.Context, id int64, step int64) error {
	n, err := us.db.Exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
	if err != nil {
		return internal(us.db, "use totp step", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.EConflict, "second-factor code already used")
	}
	return nil
}

// CreateSession stores sess.
func (us *Users) CreateSession(ctx context.Context, sess bonafide.Session) error {
	_, err := us.db.Exec(ctx, `INSERT INTO sessions (digest, user_id, created, last_seen, second_factor) VALUES (?, ?, ?, ?, ?)`,
		sess.Digest, sess.UserID, us.db.Time(sess.Created), us.db.Time(sess.LastSeen), sess.SecondFactor)
	if us.db.IsUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "session exists")
	}
	if err != nil {
		return internal(us.db, "create session", err)
	}
	return nil
}

// SessionByDigest returns the session with digest, or ENotFound.
func (us *Users) SessionByDigest(ctx context.Context, digest []byte) (bonafide.Session, error) {
	if err := us.db.Readable(); err != nil {
		return bonafide.Session{}, err
	}
	var (
		sess          bonafide.Session
		created, seen Time
	)
	err := us.db.QueryRow(ctx, `SELECT digest, user_id, created, last_seen, second_factor FROM sessions WHERE digest = ?`, digest).
		Scan(&sess.Digest, &sess.UserID, &created, &seen, &sess.SecondFactor)
	if errors.Is(err, ErrNoRows) {
		return sess, bonafide.Errorf(bonafide.ENotFound, "no such session")
	}
	if err != nil {
		return sess, internal(us.db, "session", err)
	}
	sess.Created, sess.LastSeen = created.Time, seen.Time
	return sess, nil
}

// TouchSession sets the session's last-seen time.
func (us *Users) TouchSession(ctx context.Context, digest []byte, at time.Time) error {
	n, err := us.db.Exec(ctx, `UPDATE sessions SET last_seen = ? WHERE digest = ?`, us.db.Time(at), digest)
	if err != nil {
		return internal(us.db, "touch session", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no such session")
	}
	return nil
}

// DeleteSession removes one session, if it exists.
func (us *Users) DeleteSession(ctx context.Context, digest []byte) error {
	if _, err := us.db.Exec(ctx, `DELETE FROM sessions WHERE digest = ?`, digest); err != nil {
		return internal(us.db, "delete session", err)
	}
	return nil
}

// DeleteSessionsBefore removes sessions idle since before t.
func (us *Users) DeleteSessionsBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := us.db.Exec(ctx, `DELETE FROM sessions WHERE last_seen < ?`, us.db.Time(t))
	if err != nil {
		return 0, internal(us.db, "delete old sessions", err)
	}
	return n, nil
}

// CreateToken stores t for an existing user.
func (us *Users) CreateToken(ctx context.Context, t bonafide.APIToken) (bonafide.APIToken, error) {
	if t.Created.IsZero() {
		t.Created = us.now()
	}
	t.Created = Micro(t.Created)
	err := us.db.WriteTx(ctx, func(tx Conn) error {
		if _, err := us.userWhere(ctx, tx, `id = ?`, t.UserID); err != nil {
			return err
		}
		var err error
		t.ID, err = tx.Insert(ctx, `INSERT INTO api_tokens (digest, user_id, label, created, created_by) VALUES (?, ?, ?, ?, ?)`,
			t.Digest, t.UserID, t.Label, us.db.Time(t.Created), t.CreatedBy)
		return err
	})
	switch {
	case us.db.IsUniqueViolation(err):
		return bonafide.APIToken{}, bonafide.Errorf(bonafide.EConflict, "token exists")
	case bonafide.ErrorCode(err) == bonafide.ENotFound:
		return bonafide.APIToken{}, err
	case err != nil:
		return bonafide.APIToken{}, internal(us.db, "create token", err)
	}
	return t, nil
}

// TokenByDigest returns the token with digest, or ENotFound.
func (us *Users) TokenByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, error) {
	if err := us.db.Readable(); err != nil {
		return bonafide.APIToken{}, err
	}
	t, err := scanToken(us.db.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE digest = ?`, digest))
	if errors.Is(err, ErrNoRows) {
		return t, bonafide.Errorf(bonafide.ENotFound, "no such token")
	}
	if err != nil {
		return t, internal(us.db, "token", err)
	}
	return t, nil
}

// TokenUserByDigest returns the token with digest and the user it
// belongs to, in one query, or ENotFound.
func (us *Users) TokenUserByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, bonafide.User, error) {
	if err := us.db.Readable(); err != nil {
		return bonafide.APIToken{}, bonafide.User{}, err
	}
	var (
		t                  bonafide.APIToken
		u                  bonafide.User
		role               string
		tcreated, ucreated Time
	)
	err := us.db.QueryRow(ctx, `SELECT t.id, t.digest, t.user_id, t.label, t.created, t.created_by,
		u.id, u.name, u.role, u.password_hash, u.totp_secret, u.totp_confirmed, u.totp_last_step, u.disabled, u.created, u.created_by
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = ?`, digest).Scan(
		append(tokenFields(&t, &tcreated), userFields(&u, &role, &ucreated)...)...)
	if errors.Is(err, ErrNoRows) {
		return bonafide.APIToken{}, bonafide.User{}, bonafide.Errorf(bonafide.ENotFound, "no such token")
	}
	if err != nil {
		return bonafide.APIToken{}, bonafide.User{}, internal(us.db, "token", err)
	}
	t.Created, u.Created, u.Role = tcreated.Time, ucreated.Time, bonafide.Role(role)
	return t, u, nil
}

// Tokens returns user id's tokens by ID.
func (us *Users) Tokens(ctx context.Context, userID int64) ([]bonafide.APIToken, error) {
	out, err := Query(ctx, us.db, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY id`, []any{userID}, scanToken)
	if err != nil {
		return nil, internal(us.db, "tokens", err)
	}
	return out, nil
}

// DeleteToken revokes one API token of a user.
func (us *Users) DeleteToken(ctx context.Context, userID, id int64) error {
	n, err := us.db.Exec(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return internal(us.db, "delete token", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no token %d of user %d", id, userID)
	}
	return nil
}
