// Package authtest holds the conformance suite of [bonafide.UserStore],
// which the SQLite and PostgreSQL stores run from their tests. It imports
// testing, so it lives apart from package auth, which the binary links.
package authtest

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"bonafide"
)

// RunUserStore is the conformance suite of bonafide.UserStore: both store
// back-ends run it from their tests, so that users, sessions and tokens
// behave the same on SQLite and PostgreSQL. open returns an empty store.
func RunUserStore(t *testing.T, open func(t *testing.T) bonafide.UserStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	code := func(t *testing.T, err error) string {
		t.Helper()
		return bonafide.ErrorCode(err)
	}
	newUser := func(name string, role bonafide.Role) bonafide.User {
		return bonafide.User{Name: name, Role: role, PasswordHash: "$argon2id$fake", Created: t0, CreatedBy: "cli"}
	}

	t.Run("users", func(t *testing.T) {
		us := open(t)
		if n, err := us.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers(empty) = %d, %v; want 0, nil", n, err)
		}
		a, err := us.CreateUser(ctx, newUser("ada", bonafide.RoleSocialWorker))
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 {
			t.Errorf("CreateUser ID = 0, want one given by the store")
		}
		if _, err := us.CreateUser(ctx, newUser("ada", bonafide.RoleAuditor)); code(t, err) != bonafide.EConflict {
			t.Errorf("CreateUser(taken name) = %v, want code %s", err, bonafide.EConflict)
		}
		b, err := us.CreateUser(ctx, newUser("bea", bonafide.RoleDPO))
		if err != nil {
			t.Fatal(err)
		}
		if b.ID == a.ID {
			t.Errorf("two users share ID %d", a.ID)
		}
		got, err := us.UserByName(ctx, "ada")
		if err != nil || got != a {
			t.Errorf("UserByName(ada) = %+v, %v; want %+v", got, err, a)
		}
		got, err = us.UserByID(ctx, b.ID)
		if err != nil || got != b {
			t.Errorf("UserByID(%d) = %+v, %v; want %+v", b.ID, got, err, b)
		}
		if _, err := us.UserByName(ctx, "nobody"); code(t, err) != bonafide.ENotFound {
			t.Errorf("UserByName(nobody) = %v, want code %s", err, bonafide.ENotFound)
		}
		if _, err := us.UserByID(ctx, 999999); code(t, err) != bonafide.ENotFound {
			t.Errorf("UserByID(999999) = %v, want code %s", err, bonafide.ENotFound)
		}
		all, err := us.Users(ctx)
		if err != nil || len(all) != 2 || all[0] != a || all[1] != b {
			t.Errorf("Users = %+v, %v; want [ada bea]", all, err)
		}
		if n, err := us.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2, nil", n, err)
		}
		role, yes, secret := bonafide.RoleTeamManager, true, "JBSWY3DPEHPK3PXP"
		up, err := us.UpdateUser(ctx, a.ID, bonafide.UserUpdate{Role: &role, TOTPSecret: &secret, TOTPConfirmed: &yes})
		if err != nil {
			t.Fatal(err)
		}
		if up.Role != role || up.TOTPSecret != secret || !up.TOTPConfirmed || up.Disabled || up.Name != "ada" {
			t.Errorf("UpdateUser = %+v, want role, secret and confirmation changed only", up)
		}
		if got, _ := us.UserByID(ctx, a.ID); got != up {
			t.Errorf("UserByID after update = %+v, want %+v", got, up)
		}
		if _, err := us.UpdateUser(ctx, 999999, bonafide.UserUpdate{Role: &role}); code(t, err) != bonafide.ENotFound {
			t.Errorf("UpdateUser(999999) = %v, want code %s", err, bonafide.ENotFound)
		}
	})

	t.Run("conditional update", func(t *testing.T) {
		us := open(t)
		u0, err := us.CreateUser(ctx, newUser("fay", bonafide.RoleSocialWorker))
		if err != nil {
			t.Fatal(err)
		}
		// what a caller read is still what is stored: the update applies
		hash := "$argon2id$second"
		u1, err := us.UpdateUser(ctx, u0.ID, bonafide.UserUpdate{PasswordHash: &hash, IfUnchanged: &u0})
		if err != nil || u1.PasswordHash != hash {
			t.Fatalf("UpdateUser(IfUnchanged: as stored) = %+v, %v; want the new hash", u1, err)
		}
		// a later login moves the last TOTP step: not a change of the account
		if err := us.UseTOTPStep(ctx, u0.ID, 5); err != nil {
			t.Fatal(err)
		}
		if _, err := us.UpdateUser(ctx, u0.ID, bonafide.UserUpdate{IfUnchanged: &u1}); err != nil {
			t.Errorf("UpdateUser(IfUnchanged: as read before a login moved the TOTP step) = %v, want nil", err)
		}
		s := bonafide.Session{Digest: bytes.Repeat([]byte{9}, 32), UserID: u0.ID, Created: t0, LastSeen: t0}
		if err := us.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		stale := []struct {
			name string
			read bonafide.User // what the caller read, no longer stored
		}{
			{"password reset since", u0},
			{"disabled since", func() bonafide.User { v := u1; v.Disabled = true; return v }()},
			{"role changed since", func() bonafide.User { v := u1; v.Role = bonafide.RoleDPO; return v }()},
			{"second factor changed since", func() bonafide.User { v := u1; v.TOTPSecret = "X"; return v }()},
			{"second factor confirmed since", func() bonafide.User { v := u1; v.TOTPConfirmed = true; return v }()},
			{"another account", func() bonafide.User { v := u1; v.ID++; return v }()},
		}
		for _, tt := range stale {
			old, yes := "$argon2id$old", true
			_, err := us.UpdateUser(ctx, u0.ID, bonafide.UserUpdate{PasswordHash: &old, Disabled: &yes, IfUnchanged: &tt.read})
			if code(t, err) != bonafide.EConflict {
				t.Errorf("%s: UpdateUser = %v, want code %s", tt.name, err, bonafide.EConflict)
			}
		}
		got, err := us.UserByID(ctx, u0.ID)
		if err != nil || !got.SameAccount(u1) || got.TOTPLastStep != 5 {
			t.Errorf("after refused updates the user is %+v, %v; want unchanged %+v", got, err, u1)
		}
		if _, err := us.SessionByDigest(ctx, s.Digest); err != nil {
			t.Errorf("a refused update ended the session: %v", err)
		}
		if _, err := us.UpdateUser(ctx, u0.ID, bonafide.UserUpdate{Disabled: new(bool), IfUnchanged: &got}); err != nil {
			t.Errorf("UpdateUser(IfUnchanged: as read again) = %v, want nil", err)
		}
	})

	t.Run("totp replay", func(t *testing.T) {
		us := open(t)
		u, err := us.CreateUser(ctx, newUser("cat", bonafide.RoleDPO))
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name string
			step int64
			want string
		}{
			{"first", 100, ""},
			{"same again", 100, bonafide.EConflict},
			{"older", 99, bonafide.EConflict},
			{"later", 101, ""},
		}
		for _, tt := range steps {
			if got := code(t, us.UseTOTPStep(ctx, u.ID, tt.step)); got != tt.want {
				t.Errorf("%s: UseTOTPStep(%d) code = %q, want %q", tt.name, tt.step, got, tt.want)
			}
		}
		if got, _ := us.UserByID(ctx, u.ID); got.TOTPLastStep != 101 {
			t.Errorf("TOTPLastStep = %d, want 101", got.TOTPLastStep)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		us := open(t)
		u, err := us.CreateUser(ctx, newUser("dee", bonafide.RoleSocialWorker))
		if err != nil {
			t.Fatal(err)
		}
		mk := func(b byte, seen time.Time) bonafide.Session {
			return bonafide.Session{Digest: bytes.Repeat([]byte{b}, 32), UserID: u.ID, Created: t0, LastSeen: seen, SecondFactor: b%2 == 1}
		}
		s1, s2 := mk(1, t0), mk(2, t0.Add(time.Hour))
		for _, s := range []bonafide.Session{s1, s2} {
			if err := us.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := us.CreateSession(ctx, s1); code(t, err) != bonafide.EConflict {
			t.Errorf("CreateSession(taken digest) = %v, want code %s", err, bonafide.EConflict)
		}
		got, err := us.SessionByDigest(ctx, s1.Digest)
		if err != nil || !bytes.Equal(got.Digest, s1.Digest) || got.UserID != u.ID || !got.Created.Equal(t0) || !got.SecondFactor {
			t.Errorf("SessionByDigest = %+v, %v; want %+v", got, err, s1)
		}
		later := t0.Add(30 * time.Minute)
		if err := us.TouchSession(ctx, s1.Digest, later); err != nil {
			t.Fatal(err)
		}
		if got, _ := us.SessionByDigest(ctx, s1.Digest); !got.LastSeen.Equal(later) {
			t.Errorf("LastSeen after Touch = %v, want %v", got.LastSeen, later)
		}
		if err := us.TouchSession(ctx, bytes.Repeat([]byte{9}, 32), later); code(t, err) != bonafide.ENotFound {
			t.Errorf("TouchSession(missing) = %v, want code %s", err, bonafide.ENotFound)
		}
		n, err := us.DeleteSessionsBefore(ctx, t0.Add(45*time.Minute))
		if err != nil || n != 1 {
			t.Errorf("DeleteSessionsBefore = %d, %v; want 1, nil", n, err)
		}
		if _, err := us.SessionByDigest(ctx, s1.Digest); code(t, err) != bonafide.ENotFound {
			t.Errorf("SessionByDigest(idle, swept) = %v, want code %s", err, bonafide.ENotFound)
		}
		if err := us.DeleteSession(ctx, s2.Digest); err != nil {
			t.Fatal(err)
		}
		if err := us.DeleteSession(ctx, s2.Digest); err != nil {
			t.Errorf("DeleteSession twice = %v, want nil", err)
		}
		if _, err := us.SessionByDigest(ctx, s2.Digest); code(t, err) != bonafide.ENotFound {
			t.Errorf("SessionByDigest(deleted) = %v, want code %s", err, bonafide.ENotFound)
		}
	})

	t.Run("changes end sessions", func(t *testing.T) {
		role, yes, no, hash, none := bonafide.RoleAuditor, true, false, "$argon2id$other", ""
		tests := []struct {
			name   string
			before *bonafide.UserUpdate // applied before the session is made
			upd    bonafide.UserUpdate
			ends   bool
		}{
			{"role change", nil, bonafide.UserUpdate{Role: &role}, true},
			{"disable", nil, bonafide.UserUpdate{Disabled: &yes}, true},
			{"password", nil, bonafide.UserUpdate{PasswordHash: &hash}, true},
			{"totp confirmed", nil, bonafide.UserUpdate{TOTPConfirmed: &yes}, false},
			{"totp enrolment started", nil, bonafide.UserUpdate{TOTPSecret: &hash, TOTPConfirmed: &no}, false},
			{"confirmed totp withdrawn", &bonafide.UserUpdate{TOTPSecret: &hash, TOTPConfirmed: &yes},
				bonafide.UserUpdate{TOTPSecret: &none, TOTPConfirmed: &no}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				us := open(t)
				u, err := us.CreateUser(ctx, newUser("eve", bonafide.RoleSocialWorker))
				if err != nil {
					t.Fatal(err)
				}
				if tt.before != nil {
					if _, err := us.UpdateUser(ctx, u.ID, *tt.before); err != nil {
						t.Fatal(err)
					}
				}
				s := bonafide.Session{Digest: bytes.Repeat([]byte{7}, 32), UserID: u.ID, Created: t0, LastSeen: t0}
				if err := us.CreateSession(ctx, s); err != nil {
					t.Fatal(err)
				}
				if _, err := us.UpdateUser(ctx, u.ID, tt.upd); err != nil {
					t.Fatal(err)
				}
				_, err = us.SessionByDigest(ctx, s.Digest)
				if ended := code(t, err) == bonafide.ENotFound; ended != tt.ends {
					t.Errorf("after %s the session ended = %v, want %v (err %v)", tt.name, ended, tt.ends, err)
				}
			})
		}
	})

	t.Run("tokens", func(t *testing.T) {
		us := open(t)
		u, err := us.CreateUser(ctx, bonafide.User{Name: "sender", Role: bonafide.RoleIntakeMachine, Created: t0, CreatedBy: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		tok := bonafide.APIToken{Digest: bytes.Repeat([]byte{3}, 32), UserID: u.ID, Label: "portal", Created: t0, CreatedBy: "root"}
		got, err := us.CreateToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 {
			t.Error("CreateToken ID = 0, want one given by the store")
		}
		tok.ID = got.ID
		back, err := us.TokenByDigest(ctx, tok.Digest)
		if err != nil || back.ID != tok.ID || back.UserID != u.ID || back.Label != "portal" || !back.Created.Equal(t0) || back.CreatedBy != "root" {
			t.Errorf("TokenByDigest = %+v, %v; want %+v", back, err, tok)
		}
		if _, err := us.CreateToken(ctx, tok); code(t, err) != bonafide.EConflict {
			t.Errorf("CreateToken(taken digest) = %v, want code %s", err, bonafide.EConflict)
		}
		orphan := bonafide.APIToken{Digest: bytes.Repeat([]byte{4}, 32), UserID: 999999, Label: "x", Created: t0, CreatedBy: "root"}
		if _, err := us.CreateToken(ctx, orphan); code(t, err) != bonafide.ENotFound {
			t.Errorf("CreateToken(unknown user) = %v, want code %s", err, bonafide.ENotFound)
		}
		if _, err := us.TokenByDigest(ctx, orphan.Digest); code(t, err) != bonafide.ENotFound {
			t.Errorf("TokenByDigest(missing) = %v, want code %s", err, bonafide.ENotFound)
		}
		list, err := us.Tokens(ctx, u.ID)
		if err != nil || len(list) != 1 || list[0].ID != tok.ID {
			t.Errorf("Tokens = %+v, %v; want the one token", list, err)
		}
		if err := us.DeleteToken(ctx, u.ID+1, tok.ID); code(t, err) != bonafide.ENotFound {
			t.Errorf("DeleteToken(another user's token) = %v, want code %s", err, bonafide.ENotFound)
		}
		if _, err := us.TokenByDigest(ctx, tok.Digest); err != nil {
			t.Errorf("the token is gone after a refused DeleteToken: %v", err)
		}
		if err := us.DeleteToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}
		if _, err := us.TokenByDigest(ctx, tok.Digest); code(t, err) != bonafide.ENotFound {
			t.Errorf("TokenByDigest(revoked) = %v, want code %s", err, bonafide.ENotFound)
		}
		if err := us.DeleteToken(ctx, u.ID, tok.ID); code(t, err) != bonafide.ENotFound {
			t.Errorf("DeleteToken(again) = %v, want code %s", err, bonafide.ENotFound)
		}
	})

	// Every API request authenticates its token: one lookup gives the
	// token and its user as the two lookups do, and nothing for a token
	// missing or revoked.
	t.Run("token with its user", func(t *testing.T) {
		us := open(t)
		u, err := us.CreateUser(ctx, bonafide.User{Name: "portal", Role: bonafide.RoleIntakeMachine, PasswordHash: "h",
			TOTPSecret: "sealed", TOTPConfirmed: true, TOTPLastStep: 7, Created: t0, CreatedBy: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		disabled := true
		if u, err = us.UpdateUser(ctx, u.ID, bonafide.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		tok, err := us.CreateToken(ctx, bonafide.APIToken{Digest: bytes.Repeat([]byte{5}, 32), UserID: u.ID, Label: "portal", Created: t0, CreatedBy: "root"})
		if err != nil {
			t.Fatal(err)
		}
		wantTok, err := us.TokenByDigest(ctx, tok.Digest)
		if err != nil {
			t.Fatal(err)
		}
		wantUser, err := us.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		gotTok, gotUser, err := us.TokenUserByDigest(ctx, tok.Digest)
		if err != nil || !reflect.DeepEqual(gotTok, wantTok) || !reflect.DeepEqual(gotUser, wantUser) || !gotUser.Disabled || gotUser.TOTPLastStep != 7 {
			t.Errorf("TokenUserByDigest = %+v, %+v, %v; want %+v, %+v", gotTok, gotUser, err, wantTok, wantUser)
		}
		if _, _, err := us.TokenUserByDigest(ctx, bytes.Repeat([]byte{6}, 32)); code(t, err) != bonafide.ENotFound {
			t.Errorf("TokenUserByDigest(missing) = %v, want code %s", err, bonafide.ENotFound)
		}
		if err := us.DeleteToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := us.TokenUserByDigest(ctx, tok.Digest); code(t, err) != bonafide.ENotFound {
			t.Errorf("TokenUserByDigest(revoked) = %v, want code %s", err, bonafide.ENotFound)
		}
	})
}
