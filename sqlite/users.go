package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bonafide"
	"bonafide/sqlstore"
)

// This file gives users, sessions and API tokens their tables (migration
// 003) on the store's database, and answers which findings earlier
// referrals got, for the reporter-links route.

// Users returns the store's users, sessions and tokens, a
// bonafide.UserStore.
func (s *Store) Users() *Users { return &Users{s: s} }

// Users is a bonafide.UserStore on tables users, sessions and api_tokens.
type Users struct{ s *Store }

var _ bonafide.UserStore = (*Users)(nil)

const userColumns = `id, name, role, password_hash, totp_secret, totp_confirmed, totp_last_step, disabled, created, created_by`

func scanUser(row interface{ Scan(...any) error }) (bonafide.User, error) {
	var (
		u       bonafide.User
		role    string
		created int64
	)
	err := row.Scan(&u.ID, &u.Name, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPConfirmed, &u.TOTPLastStep, &u.Disabled, &created, &u.CreatedBy)
	u.Role = bonafide.Role(role)
	u.Created = time.UnixMicro(created).UTC()
	return u, err
}

// CreateUser stores u; a taken name gives EConflict.
func (us *Users) CreateUser(ctx context.Context, u bonafide.User) (bonafide.User, error) {
	if u.Created.IsZero() {
		u.Created = us.s.opts.Now()
	}
	u.Created = sqlstore.Micro(u.Created)
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, password_hash, totp_secret, totp_confirmed, totp_last_step, disabled, created, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Name, string(u.Role), u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, u.TOTPLastStep, u.Disabled, u.Created.UnixMicro(), u.CreatedBy)
		if err != nil {
			return err
		}
		u.ID, err = res.LastInsertId()
		return err
	})
	if isUniqueViolation(err) {
		return bonafide.User{}, bonafide.Errorf(bonafide.EConflict, "user %q already exists", u.Name)
	}
	if err != nil {
		return bonafide.User{}, fmt.Errorf("sqlite: create user: %w", err)
	}
	return u, nil
}

func (us *Users) userWhere(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, where string, arg any) (bonafide.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, bonafide.Errorf(bonafide.ENotFound, "no such user")
	}
	if err != nil {
		return u, fmt.Errorf("sqlite: user: %w", err)
	}
	return u, nil
}

// UserByID returns user id, or ENotFound.
func (us *Users) UserByID(ctx context.Context, id int64) (bonafide.User, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.User{}, err
	}
	return us.userWhere(ctx, readRows{us.s}, `id = ?`, id)
}

// UserByName returns the user called name, or ENotFound.
func (us *Users) UserByName(ctx context.Context, name string) (bonafide.User, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.User{}, err
	}
	return us.userWhere(ctx, readRows{us.s}, `name = ?`, name)
}

// readRows runs a read through the store's prepared statements (modernc
// compiles SQL on every call that is not prepared).
type readRows struct{ s *Store }

func (r readRows) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.s.queryRow(ctx, q, args...)
}

// Users returns every user by ID.
func (us *Users) Users(ctx context.Context) ([]bonafide.User, error) {
	rows, err := us.s.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	defer rows.Close()
	var out []bonafide.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	return out, nil
}

// CountUsers returns the number of users.
func (us *Users) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := us.s.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count users: %w", err)
	}
	return n, nil
}

// UpdateUser applies upd; a role change, disabling, a new password or a
// confirmed second factor withdrawn ends the user's sessions in the same
// transaction.
func (us *Users) UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error) {
	var u bonafide.User
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = us.userWhere(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		var endSessions bool
		if u, endSessions, err = u.Apply(upd); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, disabled = ?, password_hash = ?, totp_secret = ?, totp_confirmed = ? WHERE id = ?`,
			string(u.Role), u.Disabled, u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, id); err != nil {
			return err
		}
		if endSessions {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if c := bonafide.ErrorCode(err); c == bonafide.ENotFound || c == bonafide.EConflict {
			return bonafide.User{}, err
		}
		return bonafide.User{}, fmt.Errorf("sqlite: update user %d: %w", id, err)
	}
	return u, nil
}

// UseTOTPStep records step if it is later than the last one, else
// EConflict.
func (us *Users) UseTOTPStep(ctx context.Context, id int64, step int64) error {
	var n int64
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: use totp step: %w", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.EConflict, "second-factor code already used")
	}
	return nil
}

// CreateSession stores sess.
func (us *Users) CreateSession(ctx context.Context, sess bonafide.Session) error {
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (digest, user_id, created, last_seen, second_factor) VALUES (?, ?, ?, ?, ?)`,
			sess.Digest, sess.UserID, sess.Created.UnixMicro(), sess.LastSeen.UnixMicro(), sess.SecondFactor)
		return err
	})
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "session exists")
	}
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

// SessionByDigest returns the session with digest, or ENotFound.
func (us *Users) SessionByDigest(ctx context.Context, digest []byte) (bonafide.Session, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.Session{}, err
	}
	var (
		sess          bonafide.Session
		created, seen int64
	)
	err := us.s.queryRow(ctx, `SELECT digest, user_id, created, last_seen, second_factor FROM sessions WHERE digest = ?`, digest).
		Scan(&sess.Digest, &sess.UserID, &created, &seen, &sess.SecondFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, bonafide.Errorf(bonafide.ENotFound, "no such session")
	}
	if err != nil {
		return sess, fmt.Errorf("sqlite: session: %w", err)
	}
	sess.Created = time.UnixMicro(created).UTC()
	sess.LastSeen = time.UnixMicro(seen).UTC()
	return sess, nil
}

// TouchSession sets the session's last-seen time.
func (us *Users) TouchSession(ctx context.Context, digest []byte, at time.Time) error {
	var n int64
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE digest = ?`, at.UnixMicro(), digest)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: touch session: %w", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no such session")
	}
	return nil
}

// DeleteSession removes one session, if it exists.
func (us *Users) DeleteSession(ctx context.Context, digest []byte) error {
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE digest = ?`, digest)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsBefore removes sessions idle since before t.
func (us *Users) DeleteSessionsBefore(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen < ?`, t.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete old sessions: %w", err)
	}
	return n, nil
}

// CreateToken stores t for an existing user.
func (us *Users) CreateToken(ctx context.Context, t bonafide.APIToken) (bonafide.APIToken, error) {
	if t.Created.IsZero() {
		t.Created = us.s.opts.Now()
	}
	t.Created = sqlstore.Micro(t.Created)
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := us.userWhere(ctx, tx, `id = ?`, t.UserID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (digest, user_id, label, created, created_by) VALUES (?, ?, ?, ?, ?)`,
			t.Digest, t.UserID, t.Label, t.Created.UnixMicro(), t.CreatedBy)
		if err != nil {
			return err
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	switch {
	case isUniqueViolation(err):
		return bonafide.APIToken{}, bonafide.Errorf(bonafide.EConflict, "token exists")
	case bonafide.ErrorCode(err) == bonafide.ENotFound:
		return bonafide.APIToken{}, err
	case err != nil:
		return bonafide.APIToken{}, fmt.Errorf("sqlite: create token: %w", err)
	}
	return t, nil
}

func scanToken(row interface{ Scan(...any) error }) (bonafide.APIToken, error) {
	var (
		t       bonafide.APIToken
		created int64
	)
	err := row.Scan(&t.ID, &t.Digest, &t.UserID, &t.Label, &created, &t.CreatedBy)
	t.Created = time.UnixMicro(created).UTC()
	return t, err
}

// TokenByDigest returns the token with digest, or ENotFound.
func (us *Users) TokenByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.APIToken{}, err
	}
	t, err := scanToken(us.s.queryRow(ctx, `SELECT id, digest, user_id, label, created, created_by FROM api_tokens WHERE digest = ?`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return t, bonafide.Errorf(bonafide.ENotFound, "no such token")
	}
	if err != nil {
		return t, fmt.Errorf("sqlite: token: %w", err)
	}
	return t, nil
}

// TokenUserByDigest returns the token with digest and the user it
// belongs to, in one query, or ENotFound.
func (us *Users) TokenUserByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, bonafide.User, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.APIToken{}, bonafide.User{}, err
	}
	var (
		t                  bonafide.APIToken
		u                  bonafide.User
		role               string
		tcreated, ucreated int64
	)
	err := us.s.queryRow(ctx, `SELECT t.id, t.digest, t.user_id, t.label, t.created, t.created_by,
		u.id, u.name, u.role, u.password_hash, u.totp_secret, u.totp_confirmed, u.totp_last_step, u.disabled, u.created, u.created_by
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = ?`, digest).Scan(
		&t.ID, &t.Digest, &t.UserID, &t.Label, &tcreated, &t.CreatedBy,
		&u.ID, &u.Name, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPConfirmed, &u.TOTPLastStep, &u.Disabled, &ucreated, &u.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return bonafide.APIToken{}, bonafide.User{}, bonafide.Errorf(bonafide.ENotFound, "no such token")
	}
	if err != nil {
		return bonafide.APIToken{}, bonafide.User{}, fmt.Errorf("sqlite: token: %w", err)
	}
	t.Created, u.Created, u.Role = time.UnixMicro(tcreated).UTC(), time.UnixMicro(ucreated).UTC(), bonafide.Role(role)
	return t, u, nil
}

// Tokens returns user id's tokens by ID.
func (us *Users) Tokens(ctx context.Context, userID int64) ([]bonafide.APIToken, error) {
	rows, err := us.s.query(ctx, `SELECT id, digest, user_id, label, created, created_by FROM api_tokens WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tokens: %w", err)
	}
	defer rows.Close()
	var out []bonafide.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one API token of a user.
func (us *Users) DeleteToken(ctx context.Context, userID, id int64) error {
	var n int64
	err := us.s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete token: %w", err)
	}
	if n == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no token %d of user %d", id, userID)
	}
	return nil
}

// Findings returns, for each of referralIDs that has an outcome with a
// finding, the finding of its latest outcome. The reporter-links route
// uses it to say how many linked referrals were found unfounded.
func (s *Store) Findings(ctx context.Context, referralIDs []string) (map[string]bonafide.Finding, error) {
	out := map[string]bonafide.Finding{}
	for _, id := range referralIDs {
		var f sql.NullString
		err := s.queryRow(ctx, `SELECT json_extract(body, '$.finding') FROM records
			WHERE outcome_of = ? AND json_extract(body, '$.finding') IS NOT NULL ORDER BY record_time DESC, seq DESC LIMIT 1`, id).Scan(&f)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: findings: %w", err)
		}
		if f.Valid {
			out[id] = bonafide.Finding(f.String)
		}
	}
	return out, nil
}
