package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// TestPasswordChange: a user replaces the password an administrator saw
// with one only they know, by proving the current one. Every session of
// theirs ends (a thief's too) and the caller gets a fresh one; wrong
// current passwords are audited and throttled; a weak or unchanged
// password is refused with the field named; a token client has none.
func TestPasswordChange(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		e := newAuthEnv(t, envOptions{open: open})
		sam, _ := e.staff(t, "sam", bonafide.RoleSocialWorker)
		mine := e.freshSession(t, sam)
		thief := e.freshSession(t, sam)
		c := e.sameOrigin(creds{cookie: mine})
		const newPassword = "a new and long enough passphrase"
		change := func(current, next string, c creds) (*http.Response, []byte) {
			return e.send(t, "POST", "/api/v1/me/password", "application/json",
				mustJSON(t, PasswordChange{CurrentPassword: current, NewPassword: next}), c)
		}
		for _, tt := range []struct {
			name, current, next, field string
		}{
			{"wrong current password", "not the password at all", newPassword, "current_password"},
			{"unchanged", testPassword, testPassword, "new_password"},
			{"too short", testPassword, "short", "new_password"},
		} {
			resp, body := change(tt.current, tt.next, c)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.field) {
				t.Errorf("%s: %d %s; want 400 naming %s", tt.name, resp.StatusCode, body, tt.field)
			}
		}
		if n := len(findEntries(e.entries(t), "user.password_fail")); n != 1 {
			t.Errorf("%d user.password_fail entries, want 1", n)
		}

		resp, body := change(testPassword, newPassword, c)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("change = %d %s; want 200", resp.StatusCode, body)
		}
		fresh := sessionCookie(e, resp)
		if fresh == "" || fresh == mine {
			t.Fatal("the change set no fresh session cookie")
		}
		for name, id := range map[string]string{"the old session": mine, "another session (a thief's)": thief} {
			if resp, _ := e.send(t, "GET", "/api/v1/me", "", nil, creds{cookie: id}); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s after the change: GET /me = %d, want 401", name, resp.StatusCode)
			}
		}
		if resp, _ := e.send(t, "GET", "/api/v1/me", "", nil, creds{cookie: fresh}); resp.StatusCode != http.StatusOK {
			t.Errorf("fresh session: GET /me = %d, want 200", resp.StatusCode)
		}
		if resp, _, _ := e.login(t, "sam", testPassword, "", e.sameOrigin(creds{})); resp.StatusCode == http.StatusOK {
			t.Error("the old password still logs in")
		}
		if resp, body, _ := e.login(t, "sam", newPassword, "", e.sameOrigin(creds{})); resp.StatusCode != http.StatusOK {
			t.Errorf("the new password does not log in: %d %s", resp.StatusCode, body)
		}
		if n := len(findEntries(e.entries(t), "user.password_change")); n != 1 {
			t.Errorf("%d user.password_change entries, want 1", n)
		}

		// Sessions that stop at the limits they had: a password change
		// does not make a session older than the limit young again.
		old := e.clock.Now().Add(-e.srv.SessionMax + 5*time.Minute)
		c = e.sameOrigin(creds{cookie: e.session(t, sam, old, e.clock.Now(), false)})
		if resp, body := change(newPassword, newPassword+" two", c); resp.StatusCode != http.StatusOK {
			t.Fatalf("change in an old session = %d %s", resp.StatusCode, body)
		} else {
			e.clock.Add(10 * time.Minute)
			if resp, _ := e.send(t, "GET", "/api/v1/me", "", nil, creds{cookie: sessionCookie(e, resp)}); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("the session a change gave, past the old session's absolute limit: GET /me = %d, want 401", resp.StatusCode)
			}
		}
		// Guessing the current password through a session is throttled as
		// a login is.
		c = e.sameOrigin(creds{cookie: e.freshSession(t, sam)})
		throttled := false
		for range 30 {
			if resp, _ := change("guess "+strings.Repeat("x", 12), newPassword+"!", c); resp.StatusCode == http.StatusTooManyRequests {
				throttled = resp.Header.Get("Retry-After") != ""
				break
			}
		}
		if !throttled {
			t.Error("30 wrong current passwords were never throttled (429 with Retry-After)")
		}
		// Guessing through the password change counts for logins too.
		if resp, _, _ := e.login(t, "sam", newPassword+" two", "", e.sameOrigin(creds{})); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("login after guesses through the password change = %d, want 429 (one throttle per name)", resp.StatusCode)
		}

		// A data protection officer keeps the second factor passed; a
		// session that skipped it may not take the account.
		dora, _ := e.staff(t, "dora", bonafide.RoleDPO)
		if resp, _ := change(testPassword, newPassword, e.sameOrigin(creds{cookie: e.session(t, dora, e.clock.Now(), e.clock.Now(), false)})); resp.StatusCode != http.StatusForbidden {
			t.Errorf("DPO session without the second factor: %d, want 403", resp.StatusCode)
		}
		resp, body = change(testPassword, newPassword, e.sameOrigin(creds{cookie: e.freshSession(t, dora)}))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DPO change = %d %s", resp.StatusCode, body)
		}
		var me Me
		_, meBody := e.send(t, "GET", "/api/v1/me", "", nil, creds{cookie: sessionCookie(e, resp)})
		decodeInto(t, meBody, &me)
		if !me.SecondFactorDone || me.MustEnrol {
			t.Errorf("DPO's fresh session: second_factor_done %v, must_enrol %v; want true, false", me.SecondFactorDone, me.MustEnrol)
		}

		// A machine client has no password.
		client := mustUser(t, e.users, "portal", bonafide.RoleIntakeMachine)
		if resp, _ := change("x", newPassword, creds{token: e.token(t, client)}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("token client: %d, want 403", resp.StatusCode)
		}
	})
}

// sessionCookie is the session id resp set, or "".
func sessionCookie(e *authEnv, resp *http.Response) string {
	for _, ck := range resp.Cookies() {
		if ck.Name == e.srv.sessionCookieName() {
			return ck.Value
		}
	}
	return ""
}
