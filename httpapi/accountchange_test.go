package httpapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"bonafide"
	"bonafide/auth"
)

// racingUsers is a UserStore on which another change lands just before the
// next update: an administrator's reset arriving while a request is between
// reading the account and writing it.
type racingUsers struct {
	bonafide.UserStore
	meanwhile atomic.Pointer[func(ctx context.Context, id int64)]
}

// land runs the change waiting to land, if any.
func (r *racingUsers) land(ctx context.Context, id int64) {
	if f := r.meanwhile.Swap(nil); f != nil {
		(*f)(ctx, id)
	}
}

func (r *racingUsers) UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error) {
	r.land(ctx, id)
	return r.UserStore.UpdateUser(ctx, id, upd)
}

func (r *racingUsers) CreateSession(ctx context.Context, s bonafide.Session) error {
	r.land(ctx, s.UserID)
	return r.UserStore.CreateSession(ctx, s)
}

// TestAccountChangedMeanwhile: a request that decided on the account as it
// read it (the old password checked) never writes over a reset that landed
// since, nor leaves a session behind it; it is refused with 409 and the
// administrator's change stands.
func TestAccountChangedMeanwhile(t *testing.T) {
	const resetPassword = "the administrator's reset passphrase"
	forBackends(t, func(t *testing.T, open opener) {
		racing := &racingUsers{}
		e := newAuthEnv(t, envOptions{open: open, configure: func(s *Server) {
			racing.UserStore = s.Users
			s.Users = racing
			// stronger than the users' hashes: every login re-hashes
			s.PasswordParams = auth.PasswordParams{Memory: 2 * testPasswordParams.Memory, Time: 1, Threads: 1}
		}})
		resetHash, err := auth.HashPassword(resetPassword, testPasswordParams)
		if err != nil {
			t.Fatal(err)
		}
		reset := func(ctx context.Context, id int64) {
			if _, err := e.users.UpdateUser(ctx, id, bonafide.UserUpdate{PasswordHash: &resetHash}); err != nil {
				t.Errorf("the administrator's reset: %v", err)
			}
		}
		for _, tt := range []struct {
			name    string
			user    string
			request func(u bonafide.User) (*http.Response, []byte)
			gone    string // the password the request used, which must not log in after
		}{
			{"password change", "pat", func(u bonafide.User) (*http.Response, []byte) {
				c := e.sameOrigin(creds{cookie: e.freshSession(t, u)})
				return e.send(t, "POST", "/api/v1/me/password", "application/json",
					mustJSON(t, PasswordChange{CurrentPassword: testPassword, NewPassword: "my own new passphrase"}), c)
			}, "my own new passphrase"},
			{"login that re-hashes the password", "lee", func(u bonafide.User) (*http.Response, []byte) {
				resp, body, _ := e.login(t, u.Name, testPassword, "", e.sameOrigin(creds{}))
				return resp, body
			}, testPassword},
			{"login (re-hashed already)", "kim", func(u bonafide.User) (*http.Response, []byte) {
				racing.meanwhile.Store(nil)
				if resp, body, _ := e.login(t, u.Name, testPassword, "", e.sameOrigin(creds{})); resp.StatusCode != http.StatusOK {
					t.Fatalf("first login: %d %s", resp.StatusCode, body)
				}
				racing.meanwhile.Store(&reset)
				resp, body, _ := e.login(t, u.Name, testPassword, "", e.sameOrigin(creds{}))
				return resp, body
			}, testPassword},
		} {
			t.Run(tt.name, func(t *testing.T) {
				u, _ := e.staff(t, tt.user, bonafide.RoleSocialWorker)
				racing.meanwhile.Store(&reset)
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
				if got.PasswordHash != resetHash {
					t.Error("the administrator's reset was overwritten")
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
