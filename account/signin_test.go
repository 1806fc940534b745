package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bonafide"
	"bonafide/account"
)

// enrolled makes name a user of role with a confirmed second factor and
// returns the user and the authenticator app's secret.
func (e *env) enrolled(t *testing.T, name string, role bonafide.Role) (bonafide.User, string) {
	t.Helper()
	ctx := context.Background()
	u := e.user(t, name, role)
	ns, err := e.svc.Login(ctx, account.Credentials{Name: name, Password: testPassword, ClientAddr: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	en, err := e.svc.EnrolTOTP(ctx, ns.Principal)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.AuthenticateSession(ctx, ns.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, e.now.Add(-30*time.Second))
	if _, err := e.svc.ConfirmTOTP(ctx, p, code); err != nil {
		t.Fatal(err)
	}
	u, err = e.users.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, en.Secret
}

// TestLoginTwoSteps walks the web's sign-in in two steps: the password
// alone grants nothing to a user with a second factor, a right code
// finishes it, wrong codes are audited and the last refuses it, and an
// expired, replaced or changed-meanwhile sign-in is refused.
func TestLoginTwoSteps(t *testing.T) {
	ctx := context.Background()
	pw := func(name string) account.Credentials {
		return account.Credentials{Name: name, Password: testPassword, ClientAddr: "192.0.2.1"}
	}
	t.Run("no second factor: a session at once", func(t *testing.T) {
		e := newEnv(t)
		e.user(t, "sam", bonafide.RoleSocialWorker)
		fs, err := e.svc.LoginPassword(ctx, pw("sam"))
		if err != nil || fs.Session == nil || fs.Pending != "" {
			t.Fatalf("LoginPassword(sam) = %+v, %v, want a session", fs, err)
		}
	})
	t.Run("wrong password: nothing pending", func(t *testing.T) {
		e := newEnv(t)
		e.enrolled(t, "dee", bonafide.RoleDPO)
		c := pw("dee")
		c.Password = "not the password"
		fs, err := e.svc.LoginPassword(ctx, c)
		if !errors.Is(err, account.ErrBadLogin) || fs.Pending != "" || fs.Session != nil {
			t.Fatalf("LoginPassword(wrong password) = %+v, %v, want ErrBadLogin", fs, err)
		}
	})

	type step struct {
		code    string // "now" for the right code, "" to skip
		advance time.Duration
		wantErr error // nil: signed in
		left    int   // for a WrongCodeError
	}
	for _, tt := range []struct {
		name   string
		steps  []step
		fails  int // login.fail entries
		before func(e *env, u bonafide.User)
	}{
		{"right code", []step{{code: "now"}}, 0, nil},
		{"wrong, then right", []step{{code: "000000", left: 2}, {code: "now"}}, 1, nil},
		{"three wrong codes refuse it", []step{{code: "000000", left: 2}, {code: "111111", left: 1}, {code: "222222", wantErr: account.ErrTooManyCodes}, {code: "now", wantErr: account.ErrPendingLoginGone}}, 3, nil},
		{"expired", []step{{code: "now", advance: account.PendingLoginTTL, wantErr: account.ErrPendingLoginGone}}, 0, nil},
		{"not a code", []step{{code: "12a456", left: 2}}, 1, nil},
		{"password reset meanwhile", []step{{code: "now", wantErr: account.ErrPendingLoginGone}}, 1, func(e *env, u bonafide.User) {
			h := "changed"
			if _, err := e.users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &h}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u, secret := e.enrolled(t, "dee", bonafide.RoleDPO)
			fs, err := e.svc.LoginPassword(ctx, pw("dee"))
			if err != nil || fs.Session != nil || fs.Pending == "" {
				t.Fatalf("LoginPassword(dee) = %+v, %v, want a pending sign-in", fs, err)
			}
			if fs.Expires != e.now.Add(account.PendingLoginTTL) {
				t.Errorf("pending sign-in expires %v, want %v", fs.Expires, e.now.Add(account.PendingLoginTTL))
			}
			if _, err := e.svc.AuthenticateSession(ctx, fs.Pending); !errors.Is(err, account.ErrUnauthenticated) {
				t.Errorf("the pending sign-in as a session: %v, want ErrUnauthenticated", err)
			}
			if name, err := e.svc.PendingUser(fs.Pending); name != "dee" || err != nil {
				t.Errorf("PendingUser = %q, %v, want dee", name, err)
			}
			if tt.before != nil {
				tt.before(e, u)
			}
			for i, s := range tt.steps {
				e.now = e.now.Add(s.advance)
				code := s.code
				if code == "now" {
					code, _ = totp.GenerateCode(secret, e.now)
				}
				ns, err := e.svc.LoginCode(ctx, account.CodeCredentials{Pending: fs.Pending, Code: code, ClientAddr: "192.0.2.1"})
				var wce *account.WrongCodeError
				switch {
				case s.left > 0:
					if !errors.As(err, &wce) || wce.Left != s.left || !errors.Is(err, account.ErrBadLogin) {
						t.Fatalf("step %d: LoginCode(%s) = %v, want a WrongCodeError with %d left", i, code, err, s.left)
					}
				case s.wantErr != nil:
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("step %d: LoginCode = %v, want %v", i, err, s.wantErr)
					}
				default:
					if err != nil {
						t.Fatalf("step %d: LoginCode = %v", i, err)
					}
					if !ns.Principal.Session.SecondFactor || !ns.Principal.SecondFactorDone() {
						t.Errorf("the session of a right code has not passed the second factor")
					}
					if _, err := e.svc.AuthenticateSession(ctx, ns.ID); err != nil {
						t.Errorf("the new session: %v", err)
					}
					if _, err := e.svc.LoginCode(ctx, account.CodeCredentials{Pending: fs.Pending, Code: code, ClientAddr: "192.0.2.1"}); !errors.Is(err, account.ErrPendingLoginGone) {
						t.Errorf("the pending sign-in used twice: %v, want ErrPendingLoginGone", err)
					}
				}
			}
			fails := 0
			for _, en := range e.audit.entries {
				if en.What == "login.fail" && en.Who == "login:dee" {
					fails++
					if !strings.Contains(en.Why, "second") {
						t.Errorf("login.fail says %q, want it to name the second step", en.Why)
					}
				}
			}
			if fails != tt.fails {
				t.Errorf("login.fail entries of dee = %d, want %d (%v)", fails, tt.fails, e.audit.whats())
			}
		})
	}

	t.Run("a new password step replaces the old", func(t *testing.T) {
		e := newEnv(t)
		_, secret := e.enrolled(t, "dee", bonafide.RoleDPO)
		first, err := e.svc.LoginPassword(ctx, pw("dee"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.LoginPassword(ctx, pw("dee")); err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(secret, e.now)
		if _, err := e.svc.LoginCode(ctx, account.CodeCredentials{Pending: first.Pending, Code: code}); !errors.Is(err, account.ErrPendingLoginGone) {
			t.Errorf("the replaced sign-in: %v, want ErrPendingLoginGone", err)
		}
	})
	t.Run("junk identifier", func(t *testing.T) {
		e := newEnv(t)
		for _, id := range []string{"", "bfp_short", "bfs_" + strings.Repeat("A", 43)} {
			if _, err := e.svc.LoginCode(ctx, account.CodeCredentials{Pending: id, Code: "123456"}); !errors.Is(err, account.ErrPendingLoginGone) {
				t.Errorf("LoginCode(%q) = %v, want ErrPendingLoginGone", id, err)
			}
		}
	})
}
