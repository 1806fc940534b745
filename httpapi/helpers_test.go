package httpapi

import (
	"context"
	"testing"

	"bonafide"
	"bonafide/account"
	"bonafide/auth"
)

// testPasswordParams make password hashing cheap in tests.
var testPasswordParams = auth.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// testPassword is the password of every user mustUser makes.
const testPassword = "correct horse battery staple"

// mustUser stores a user of role with testPassword.
func mustUser(t testing.TB, users bonafide.UserStore, name string, role bonafide.Role) bonafide.User {
	t.Helper()
	pw := testPassword
	if role == bonafide.RoleIntakeMachine {
		pw = ""
	}
	u, _, err := account.NewUser(name, role, pw, "test", testPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if u, err = users.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// mustToken makes a machine client called name and returns a token of it.
func mustToken(t testing.TB, users bonafide.UserStore, name string) string {
	t.Helper()
	u := mustUser(t, users, name, bonafide.RoleIntakeMachine)
	_, tok, err := account.NewToken(context.Background(), users, u, "test sender", "test", u.Created)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// mustSession makes a user of role with a session that has passed the
// second factor, and returns the user and the session id for the cookie.
func mustSession(t testing.TB, s *Server, name string, role bonafide.Role) (bonafide.User, string) {
	t.Helper()
	u := mustUser(t, s.Users, name, role)
	id, digest, err := auth.NewSecret(auth.SessionPrefix)
	if err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	if err := s.Users.CreateSession(context.Background(), bonafide.Session{Digest: digest, UserID: u.ID, Created: now, LastSeen: now, SecondFactor: true}); err != nil {
		t.Fatal(err)
	}
	return u, id
}
