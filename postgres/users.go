package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"bonafide"
	"bonafide/sqlstore"
)

// This file gives users, sessions and API tokens their tables (migration
// 003), and answers which findings earlier referrals got, for the
// reporter-links route.

// Users returns the store's users, sessions and tokens, a
// bonafide.UserStore.
func (s *Store) Users() *Users { return &Users{s: s} }

// Users is a bonafide.UserStore on tables users, sessions and api_tokens.
type Users struct{ s *Store }

var _ bonafide.UserStore = (*Users)(nil)

const userColumns = `id, name, role, password_hash, totp_secret, totp_confirmed, totp_last_step, disabled, created, created_by`

func scanUser(row pgx.Row) (bonafide.User, error) {
	var (
		u    bonafide.User
		role string
	)
	err := row.Scan(&u.ID, &u.Name, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPConfirmed, &u.TOTPLastStep, &u.Disabled, &u.Created, &u.CreatedBy)
	u.Role = bonafide.Role(role)
	u.Created = u.Created.UTC()
	return u, err
}

// CreateUser stores u; a taken name gives EConflict.
func (us *Users) CreateUser(ctx context.Context, u bonafide.User) (bonafide.User, error) {
	if u.Created.IsZero() {
		u.Created = us.s.opts.Now()
	}
	u.Created = sqlstore.Micro(u.Created)
	err := us.s.pool.QueryRow(ctx, `INSERT INTO users (name, role, password_hash, totp_secret, totp_confirmed, totp_last_step, disabled, created, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		u.Name, string(u.Role), u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, u.TOTPLastStep, u.Disabled, u.Created, u.CreatedBy).Scan(&u.ID)
	if isUniqueViolation(err) {
		return bonafide.User{}, bonafide.Errorf(bonafide.EConflict, "user %q already exists", u.Name)
	}
	if err != nil {
		return bonafide.User{}, fmt.Errorf("postgres: create user: %w", err)
	}
	return u, nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func userWhere(ctx context.Context, q rowQuerier, where string, arg any) (bonafide.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, bonafide.Errorf(bonafide.ENotFound, "no such user")
	}
	if err != nil {
		return u, fmt.Errorf("postgres: user: %w", err)
	}
	return u, nil
}

// UserByID returns user id, or ENotFound.
func (us *Users) UserByID(ctx context.Context, id int64) (bonafide.User, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.User{}, err
	}
	return userWhere(ctx, us.s.pool, `id = $1`, id)
}

// UserByName returns the user called name, or ENotFound.
func (us *Users) UserByName(ctx context.Context, name string) (bonafide.User, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.User{}, err
	}
	return userWhere(ctx, us.s.pool, `name = $1`, name)
}

// Users returns every user by ID.
func (us *Users) Users(ctx context.Context) ([]bonafide.User, error) {
	rows, err := us.s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: users: %w", err)
	}
	return out, nil
}

// CountUsers returns the number of users.
func (us *Users) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := us.s.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count users: %w", err)
	}
	return n, nil
}

// UpdateUser applies upd; a role change, disabling, a new password or a
// confirmed second factor withdrawn ends the user's sessions in the same
// transaction.
func (us *Users) UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error) {
	var u bonafide.User
	err := pgx.BeginFunc(ctx, us.s.pool, func(tx pgx.Tx) error {
		var err error
		// FOR UPDATE (not FOR NO KEY UPDATE): it also makes a session
		// insert for this user, whose foreign-key check takes KEY SHARE,
		// wait until this transaction ends, so that no session slips in
		// between the change and the deletion of the user's sessions that
		// httpapi's startSession would not see when it reads the account.
		if u, err = userWhere(ctx, tx, `id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		var endSessions bool
		if u, endSessions, err = u.Apply(upd); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $1, disabled = $2, password_hash = $3, totp_secret = $4, totp_confirmed = $5 WHERE id = $6`,
			string(u.Role), u.Disabled, u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, id); err != nil {
			return err
		}
		if endSessions {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if c := bonafide.ErrorCode(err); c == bonafide.ENotFound || c == bonafide.EConflict {
			return bonafide.User{}, err
		}
		return bonafide.User{}, fmt.Errorf("postgres: update user %d: %w", id, err)
	}
	return u, nil
}

// UseTOTPStep records step if it is later than the last one, else
// EConflict.
func (us *Users) UseTOTPStep(ctx context.Context, id int64, step int64) error {
	tag, err := us.s.pool.Exec(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, id)
	if err != nil {
		return fmt.Errorf("postgres: use totp step: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bonafide.Errorf(bonafide.EConflict, "second-factor code already used")
	}
	return nil
}

// CreateSession stores sess.
func (us *Users) CreateSession(ctx context.Context, sess bonafide.Session) error {
	_, err := us.s.pool.Exec(ctx, `INSERT INTO sessions (digest, user_id, created, last_seen, second_factor) VALUES ($1, $2, $3, $4, $5)`,
		sess.Digest, sess.UserID, sqlstore.Micro(sess.Created), sqlstore.Micro(sess.LastSeen), sess.SecondFactor)
	if isUniqueViolation(err) {
		return bonafide.Errorf(bonafide.EConflict, "session exists")
	}
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	return nil
}

// SessionByDigest returns the session with digest, or ENotFound.
func (us *Users) SessionByDigest(ctx context.Context, digest []byte) (bonafide.Session, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.Session{}, err
	}
	var sess bonafide.Session
	err := us.s.pool.QueryRow(ctx, `SELECT digest, user_id, created, last_seen, second_factor FROM sessions WHERE digest = $1`, digest).
		Scan(&sess.Digest, &sess.UserID, &sess.Created, &sess.LastSeen, &sess.SecondFactor)
	if errors.Is(err, pgx.ErrNoRows) {
		return sess, bonafide.Errorf(bonafide.ENotFound, "no such session")
	}
	if err != nil {
		return sess, fmt.Errorf("postgres: session: %w", err)
	}
	sess.Created, sess.LastSeen = sess.Created.UTC(), sess.LastSeen.UTC()
	return sess, nil
}

// TouchSession sets the session's last-seen time.
func (us *Users) TouchSession(ctx context.Context, digest []byte, at time.Time) error {
	tag, err := us.s.pool.Exec(ctx, `UPDATE sessions SET last_seen = $1 WHERE digest = $2`, sqlstore.Micro(at), digest)
	if err != nil {
		return fmt.Errorf("postgres: touch session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no such session")
	}
	return nil
}

// DeleteSession removes one session, if it exists.
func (us *Users) DeleteSession(ctx context.Context, digest []byte) error {
	if _, err := us.s.pool.Exec(ctx, `DELETE FROM sessions WHERE digest = $1`, digest); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsBefore removes sessions idle since before t.
func (us *Users) DeleteSessionsBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := us.s.pool.Exec(ctx, `DELETE FROM sessions WHERE last_seen < $1`, sqlstore.Micro(t))
	if err != nil {
		return 0, fmt.Errorf("postgres: delete old sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// CreateToken stores t for an existing user.
func (us *Users) CreateToken(ctx context.Context, t bonafide.APIToken) (bonafide.APIToken, error) {
	if t.Created.IsZero() {
		t.Created = us.s.opts.Now()
	}
	t.Created = sqlstore.Micro(t.Created)
	err := pgx.BeginFunc(ctx, us.s.pool, func(tx pgx.Tx) error {
		if _, err := userWhere(ctx, tx, `id = $1`, t.UserID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO api_tokens (digest, user_id, label, created, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			t.Digest, t.UserID, t.Label, t.Created, t.CreatedBy).Scan(&t.ID)
	})
	switch {
	case isUniqueViolation(err):
		return bonafide.APIToken{}, bonafide.Errorf(bonafide.EConflict, "token exists")
	case bonafide.ErrorCode(err) == bonafide.ENotFound:
		return bonafide.APIToken{}, err
	case err != nil:
		return bonafide.APIToken{}, fmt.Errorf("postgres: create token: %w", err)
	}
	return t, nil
}

func scanToken(row pgx.Row) (bonafide.APIToken, error) {
	var t bonafide.APIToken
	err := row.Scan(&t.ID, &t.Digest, &t.UserID, &t.Label, &t.Created, &t.CreatedBy)
	t.Created = t.Created.UTC()
	return t, err
}

// TokenByDigest returns the token with digest, or ENotFound.
func (us *Users) TokenByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, error) {
	if err := us.s.readable(); err != nil {
		return bonafide.APIToken{}, err
	}
	t, err := scanToken(us.s.pool.QueryRow(ctx, `SELECT id, digest, user_id, label, created, created_by FROM api_tokens WHERE digest = $1`, digest))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, bonafide.Errorf(bonafide.ENotFound, "no such token")
	}
	if err != nil {
		return t, fmt.Errorf("postgres: token: %w", err)
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
		t    bonafide.APIToken
		u    bonafide.User
		role string
	)
	err := us.s.pool.QueryRow(ctx, `SELECT t.id, t.digest, t.user_id, t.label, t.created, t.created_by,
		u.id, u.name, u.role, u.password_hash, u.totp_secret, u.totp_confirmed, u.totp_last_step, u.disabled, u.created, u.created_by
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = $1`, digest).Scan(
		&t.ID, &t.Digest, &t.UserID, &t.Label, &t.Created, &t.CreatedBy,
		&u.ID, &u.Name, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPConfirmed, &u.TOTPLastStep, &u.Disabled, &u.Created, &u.CreatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return bonafide.APIToken{}, bonafide.User{}, bonafide.Errorf(bonafide.ENotFound, "no such token")
	}
	if err != nil {
		return bonafide.APIToken{}, bonafide.User{}, fmt.Errorf("postgres: token: %w", err)
	}
	t.Created, u.Created, u.Role = t.Created.UTC(), u.Created.UTC(), bonafide.Role(role)
	return t, u, nil
}

// Tokens returns user id's tokens by ID.
func (us *Users) Tokens(ctx context.Context, userID int64) ([]bonafide.APIToken, error) {
	rows, err := us.s.pool.Query(ctx, `SELECT id, digest, user_id, label, created, created_by FROM api_tokens WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bonafide.APIToken, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one API token of a user.
func (us *Users) DeleteToken(ctx context.Context, userID, id int64) error {
	tag, err := us.s.pool.Exec(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("postgres: delete token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no token %d of user %d", id, userID)
	}
	return nil
}

// Findings returns, for each of referralIDs that has an outcome with a
// finding, the finding of its latest outcome. The reporter-links route
// uses it to say how many linked referrals were found unfounded.
func (s *Store) Findings(ctx context.Context, referralIDs []string) (map[string]bonafide.Finding, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (outcome_of) outcome_of, body->>'finding' FROM records
		WHERE outcome_of = ANY($1) AND body->>'finding' IS NOT NULL ORDER BY outcome_of, record_time DESC, seq DESC`, referralIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: findings: %w", err)
	}
	defer rows.Close()
	out := map[string]bonafide.Finding{}
	for rows.Next() {
		var id, f string
		if err := rows.Scan(&id, &f); err != nil {
			return nil, fmt.Errorf("postgres: findings: %w", err)
		}
		out[id] = bonafide.Finding(f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: findings: %w", err)
	}
	return out, nil
}
