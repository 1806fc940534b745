package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"bonafide"
	"bonafide/auth"
)

// racingUsers is a UserStore on which another change lands just before
// the next call of one method: an administrator's reset, or the user's own
// request in another tab, arriving while a request is between reading the
// account and writing it.
type racingUsers struct {
	bonafide.UserStore
	next atomic.Pointer[landing]
}

// landing is a change waiting to land before the next call of method on.
type landing struct {
	on     string // "UpdateUser", "CreateSession" or "UserByID"
	change func(ctx context.Context, id int64)
}

// meanwhile makes change land before the next call of method on. change
// runs in the server's goroutine: it may report with t.Errorf, not t.Fatal.
func (r *racingUsers) meanwhile(on string, change func(ctx context.Context, id int64)) {
	r.next.Store(&landing{on: on, change: change})
}

func (r *racingUsers) land(ctx context.Context, method string, id int64) {
	if l := r.next.Load(); l != nil && l.on == method && r.next.CompareAndSwap(l, nil) {
		l.change(ctx, id)
	}
}

func (r *racingUsers) UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error) {
	r.land(ctx, "UpdateUser", id)
	return r.UserStore.UpdateUser(ctx, id, upd)
}

func (r *racingUsers) CreateSession(ctx context.Context, s bonafide.Session) error {
	r.land(ctx, "CreateSession", s.UserID)
	return r.UserStore.CreateSession(ctx, s)
}

func (r *racingUsers) UserByID(ctx context.Context, id int64) (bonafide.User, error) {
	r.land(ctx, "UserByID", id)
	return r.UserStore.UserByID(ctx, id)
}

// racingEnv is an API whose user store lets changes land mid-request, and
// an administrator's password reset to land.
func racingEnv(t *testing.T, open opener) (*authEnv, *racingUsers, func(context.Context, int64), string) {
	t.Helper()
	racing := &racingUsers{}
	e := newAuthEnv(t, envOptions{open: open, configure: func(s *Server) {
		racing.UserStore = s.Users
		s.Users = racing
		// stronger than the users' hashes: every login re-hashes
		s.PasswordParams = auth.PasswordParams{Memory: 2 * testPasswordParams.Memory, Time: 1, Threads: 1}
	}})
	const resetPassword = "the administrator's reset passphrase"
	resetHash, err := auth.HashPassword(resetPassword, testPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	reset := func(ctx context.Context, id int64) {
		if _, err := e.users.UpdateUser(ctx, id, bonafide.UserUpdate{PasswordHash: &resetHash}); err != nil {
			t.Errorf("the administrator's reset: %v", err)
		}
	}
	return e, racing, reset, resetPassword
}

// TestAccountChangedMeanwhile: a request that decided on the account as it
// read it (the old password checked) never writes over a reset that landed
// since, nor leaves a session behind it; it is refused with 409, the
// administrator's change stands, and the audit log says the change it
// recorded first was not made.
func TestAccountChangedMeanwhile(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		e, racing, reset, resetPassword := racingEnv(t, open)
		login := func(u bonafide.User) (*http.Response, []byte) {
			resp, body, _ := e.login(t, u.Name, testPassword, "", e.sameOrigin(creds{}))
			return resp, body
		}
		for _, tt := range []struct {
			name, user string
			rehashed   bool   // log in once first, so that the request does not re-hash
			on         string // the call the reset lands before
			request    func(u bonafide.User) (*http.Response, []byte)
			gone       string // the password the request used, which must not log in after
			notMade    string // the audit entry saying the recorded change was not made
		}{
			{"password change", "pat", false, "UpdateUser", func(u bonafide.User) (*http.Response, []byte) {
				c := e.sameOrigin(creds{cookie: e.freshSession(t, u)})
				return e.send(t, "POST", "/api/v1/me/password", "application/json",
					mustJSON(t, PasswordChange{CurrentPassword: testPassword, NewPassword: "my own new passphrase"}), c)
			}, "my own new passphrase", "user.password_change_not_made"},
			{"login that re-hashes the password", "lee", false, "UpdateUser", login, testPassword, ""},
			{"login (re-hashed already)", "kim", true, "CreateSession", login, testPassword, "login_not_made"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				u, _ := e.staff(t, tt.user, bonafide.RoleSocialWorker)
				if tt.rehashed {
					if resp, body := login(u); resp.StatusCode != http.StatusOK {
						t.Fatalf("first login: %d %s", resp.StatusCode, body)
					}
				}
				racing.meanwhile(tt.on, reset)
				resp, body := tt.request(u)
				if resp.StatusCode != http.StatusConflict {
					t.Errorf("with a reset landing meanwhile: %d %s; want 409", resp.StatusCode, body)
				}
				if sessionCookie(e, resp) != "" {
					t.Error("the refused request set a session cookie")
				}
				got, err := e.users.UserByID(context.Background(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if ok, _ := auth.CheckPassword(got.PasswordHash, resetPassword); !ok {
					t.Error("the administrator's reset was overwritten")
				}
				if tt.notMade != "" && len(findEntries(e.entries(t), tt.notMade)) == 0 {
					t.Errorf("no %s entry in the audit log", tt.notMade)
				}
				if resp, _, _ := e.login(t, u.Name, tt.gone, "", e.sameOrigin(creds{})); resp.StatusCode == http.StatusOK {
					t.Errorf("%q still logs in after the reset", tt.gone)
				}
				if resp, body, _ := e.login(t, u.Name, resetPassword, "", e.sameOrigin(creds{})); resp.StatusCode != http.StatusOK {
					t.Errorf("the reset password does not log in: %d %s", resp.StatusCode, body)
				}
			})
		}
	})
}

// TestSecondFactorChangedMeanwhile: a confirmation confirms only the
// enrolment whose code it checked, and neither enrolment nor confirmation
// goes on from a session a reset has ended, even when the reset lands
// between the server's reads of the session and of the account.
func TestSecondFactorChangedMeanwhile(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		e, racing, reset, _ := racingEnv(t, open)
		ctx := context.Background()
		resetting := func(bonafide.User) func(context.Context, int64) { return reset }
		for _, tt := range []struct {
			name, user string
			on         string
			// change makes, in the test's goroutine, the change to land
			change  func(u bonafide.User) func(ctx context.Context, id int64)
			confirm bool // confirm an enrolment (false: start one)
		}{
			{"enrolment started again in another tab", "dana", "UpdateUser", func(u bonafide.User) func(context.Context, int64) {
				_, sealed := e.newTOTP(t, u)
				return func(ctx context.Context, id int64) {
					if _, err := e.users.UpdateUser(ctx, id, bonafide.UserUpdate{TOTPSecret: &sealed}); err != nil {
						t.Errorf("the other tab's enrolment: %v", err)
					}
				}
			}, true},
			{"confirmation: reset between the reads of session and account", "dina", "UserByID", resetting, true},
			{"enrolment: reset between the reads of session and account", "dora", "UserByID", resetting, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				u := mustUser(t, e.users, tt.user, bonafide.RoleDPO)
				resp, body, ck := e.login(t, u.Name, testPassword, "", e.sameOrigin(creds{}))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("login: %d %s", resp.StatusCode, body)
				}
				c := e.sameOrigin(creds{cookie: ck.Value})
				var en TOTPEnrolment
				if tt.confirm {
					resp, body := e.send(t, "POST", "/api/v1/me/totp", "", nil, c)
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("enrol: %d %s", resp.StatusCode, body)
					}
					decodeInto(t, body, &en)
				}
				before := len(e.entries(t))
				racing.meanwhile(tt.on, tt.change(u))
				if tt.confirm {
					resp, body = e.send(t, "POST", "/api/v1/me/totp/confirm", "application/json", mustJSON(t, TOTPConfirm{Code: e.totpCode(t, en.Secret)}), c)
				} else {
					resp, body = e.send(t, "POST", "/api/v1/me/totp", "", nil, c)
				}
				if resp.StatusCode != http.StatusConflict {
					t.Errorf("%d %s; want 409", resp.StatusCode, body)
				}
				if sessionCookie(e, resp) != "" {
					t.Error("the refused request set a session cookie")
				}
				got, err := e.users.UserByID(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.TOTPConfirmed {
					t.Error("a second factor was confirmed")
				}
				for _, en := range e.entries(t)[before:] {
					if en.What == "user.totp_confirm" || en.What == "user.totp_enrol" {
						t.Errorf("audit entry %s for a refused request", en.What)
					}
				}
			})
		}
	})
}

// TestAdministratorWins: an administrator's disabling is an override, made
// even when the user changed their own account a moment before.
func TestAdministratorWins(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		e, racing, _, _ := racingEnv(t, open)
		admin, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
		c := e.sameOrigin(creds{cookie: e.freshSession(t, admin)})
		u := mustUser(t, e.users, "tom", bonafide.RoleSocialWorker)
		racing.meanwhile("UpdateUser", func(ctx context.Context, id int64) {
			secret := "a second factor started by the user"
			if _, err := e.users.UpdateUser(ctx, id, bonafide.UserUpdate{TOTPSecret: &secret}); err != nil {
				t.Errorf("the user's change: %v", err)
			}
		})
		if resp, body := e.send(t, "POST", "/api/v1/users/"+strconv.FormatInt(u.ID, 10)+"/disable", "", nil, c); resp.StatusCode != http.StatusOK {
			t.Errorf("disable with the user's change landing meanwhile: %d %s; want 200", resp.StatusCode, body)
		}
		if got, err := e.users.UserByID(context.Background(), u.ID); err != nil || !got.Disabled {
			t.Errorf("after the disabling: %+v, %v; want disabled", got, err)
		}
	})
}
