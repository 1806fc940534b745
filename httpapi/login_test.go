package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bonafide"
	"bonafide/auth"
	"bonafide/vault"
)

// totpCode returns the RFC 6238 code of secret at the server's time.
func (e *authEnv) totpCode(t *testing.T, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// status sends a request with c and returns its status.
func (e *authEnv) status(t *testing.T, method, path string, c creds) int {
	t.Helper()
	resp, _ := e.send(t, method, path, "", nil, c)
	return resp.StatusCode
}

func TestLogin(t *testing.T) { forBackends(t, testLogin) }

func testLogin(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	mustUser(t, e.users, "alice", bonafide.RoleSocialWorker)
	disabled := mustUser(t, e.users, "dora", bonafide.RoleSocialWorker)
	yes := true
	if _, err := e.users.UpdateUser(context.Background(), disabled.ID, bonafide.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	mustUser(t, e.users, "machine", bonafide.RoleIntakeMachine)

	tests := []struct {
		name, user, password string
		want                 int
	}{
		{"right password", "alice", testPassword, http.StatusOK},
		{"wrong password", "alice", testPassword + "!", http.StatusUnauthorized},
		{"empty password", "alice", "", http.StatusUnauthorized},
		{"unknown user", "mallory", testPassword, http.StatusUnauthorized},
		{"disabled user, right password", "dora", testPassword, http.StatusUnauthorized},
		{"machine client has no password", "machine", "", http.StatusUnauthorized},
		{"name in other case", "ALICE", testPassword, http.StatusUnauthorized},
	}
	var refusal string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, cookie := e.login(t, tt.user, tt.password, "", creds{})
			if resp.StatusCode != tt.want {
				t.Fatalf("login %s = %d, want %d; %s", tt.user, resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK {
				var me Me
				decodeInto(t, body, &me)
				if me.Name != tt.user || me.Role != bonafide.RoleSocialWorker || me.Via != "session" || cookie == nil {
					t.Errorf("login = %+v, cookie %v; want %s as a social worker with a session cookie", me, cookie, tt.user)
				}
				return
			}
			if cookie != nil {
				t.Errorf("refused login set cookie %s", cookie.Name)
			}
			// No user enumeration: every refusal is the same problem, so
			// that it does not tell an unknown name from a wrong password
			// or a disabled account.
			p := decodeProblem(t, resp, body)
			got := p.Type + "|" + p.Title + "|" + p.Detail
			if refusal == "" {
				refusal = got
			} else if got != refusal {
				t.Errorf("refusal = %q, want the same as every other refusal, %q", got, refusal)
			}
		})
	}
}

func TestLoginThrottle(t *testing.T) { forBackends(t, testLoginThrottle) }

func testLoginThrottle(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	mustUser(t, e.users, "alice", bonafide.RoleSocialWorker)
	mustUser(t, e.users, "bob", bonafide.RoleSocialWorker)
	free := e.srv.Throttle.Free
	from1 := creds{remote: "127.0.0.1"}
	from2 := creds{remote: "127.0.0.2"}
	from3 := creds{remote: "127.0.0.3"}

	// Per name: alice's password guessed from two addresses in turn, so
	// that neither address reaches the limit alone.
	for i := range free + 1 {
		c := from1
		if i%2 == 1 {
			c = from2
		}
		if resp, body, _ := e.login(t, "alice", "guess-"+strconv.Itoa(i), "", c); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d, want 401; %s", i, resp.StatusCode, body)
		}
	}
	resp, body, cookie := e.login(t, "alice", testPassword, "", from3)
	if resp.StatusCode != http.StatusTooManyRequests || cookie != nil {
		t.Fatalf("alice's right password after %d failures = %d (cookie %v), want 429 and no session; %s", free+1, resp.StatusCode, cookie, body)
	}
	checkRetryAfter(t, resp)
	decodeProblem(t, resp, body)
	before := len(e.entries(t))
	for range 10 {
		if resp, _, _ := e.login(t, "alice", testPassword, "", from3); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("alice while throttled = %d, want 429", resp.StatusCode)
		}
	}
	if got := len(e.entries(t)) - before; got != 0 {
		t.Errorf("10 refused attempts added %d audit entries, want 0", got)
	}
	if resp, body, _ := e.login(t, "bob", testPassword, "", from3); resp.StatusCode != http.StatusOK {
		t.Fatalf("bob from a third address = %d, want 200; %s", resp.StatusCode, body)
	}

	// Per address: many names from one address.
	for i := range free + 1 {
		if resp, body, _ := e.login(t, "nobody"+strconv.Itoa(i), "x", "", from3); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray %d = %d, want 401; %s", i, resp.StatusCode, body)
		}
	}
	resp, body, _ = e.login(t, "bob", testPassword, "", from3)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("bob from the spraying address = %d, want 429; %s", resp.StatusCode, body)
	}
	checkRetryAfter(t, resp)

	// The wait passes: the clock moves past Retry-After and bob gets in.
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	e.clock.Add(time.Duration(secs) * time.Second)
	if resp, body, _ := e.login(t, "bob", testPassword, "", from3); resp.StatusCode != http.StatusOK {
		t.Fatalf("bob after Retry-After = %d, want 200; %s", resp.StatusCode, body)
	}

	// The failures that started each wait are audited, saying so; the
	// refused attempts are not (anyone could grow the log with them).
	var throttled int
	for _, en := range findEntries(e.entries(t), "login.fail") {
		if strings.Contains(en.Why, "now wait") {
			throttled++
		}
	}
	if throttled != 2 {
		t.Errorf("audit has %d login.fail entries that start a wait, want 2", throttled)
	}
}

func checkRetryAfter(t *testing.T, resp *http.Response) {
	t.Helper()
	ra := resp.Header.Get("Retry-After")
	if n, err := strconv.Atoi(ra); err != nil || n < 1 {
		t.Errorf("Retry-After = %q, want a whole number of seconds ≥ 1", ra)
	}
}

func TestSessionCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run("tls="+strconv.FormatBool(tls), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bonafide.db")
			e := newAuthEnv(t, envOptions{tls: tls, open: func(t *testing.T, sealer *vault.Deferred) backend {
				return openSQLiteAt(t, sealer, path)
			}})
			mustUser(t, e.users, "alice", bonafide.RoleSocialWorker)
			resp, body, c := e.login(t, "alice", testPassword, "", creds{})
			if resp.StatusCode != http.StatusOK || c == nil {
				t.Fatalf("login = %d, cookie %v; %s", resp.StatusCode, c, body)
			}
			wantName := "bonafide_session"
			if tls {
				wantName = "__Host-bonafide_session"
			}
			if c.Name != wantName || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie %q HttpOnly=%v Secure=%v SameSite=%v Path=%q Domain=%q, want %s HttpOnly Secure Strict / no domain",
					c.Name, c.HttpOnly, c.Secure, c.SameSite, c.Path, c.Domain, wantName)
			}
			if c.MaxAge <= 0 || time.Duration(c.MaxAge)*time.Second > e.srv.SessionMax {
				t.Errorf("cookie Max-Age = %d, want 1 to %v", c.MaxAge, e.srv.SessionMax)
			}
			if !strings.HasPrefix(c.Value, auth.SessionPrefix) {
				t.Errorf("cookie value %q lacks prefix %q", c.Value, auth.SessionPrefix)
			}
			// The store holds the digest, never the id.
			sess, err := e.users.SessionByDigest(context.Background(), auth.HashSecret(c.Value))
			if err != nil {
				t.Fatalf("session of the cookie: %v", err)
			}
			// Scan the raw database file and its WAL: the digest is there
			// (the scan works), the id the browser holds is not.
			var raw []byte
			for _, suffix := range []string{"", "-wal"} {
				b, err := os.ReadFile(path + suffix)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				raw = append(raw, b...)
			}
			if !bytes.Contains(raw, sess.Digest) {
				t.Fatal("the session's digest is in neither database file: the scan is broken")
			}
			if bytes.Contains(raw, []byte(c.Value)) {
				t.Error("the database keeps the session id the cookie holds")
			}
		})
	}
}

func TestSessionRotationAndLogout(t *testing.T) { forBackends(t, testSessionRotationAndLogout) }

func testSessionRotationAndLogout(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	mustUser(t, e.users, "alice", bonafide.RoleSocialWorker)

	// A cookie planted before login (session fixation) is not adopted.
	planted, _, err := auth.NewSecret(auth.SessionPrefix)
	if err != nil {
		t.Fatal(err)
	}
	_, _, first := e.login(t, "alice", testPassword, "", creds{cookie: planted})
	if first == nil || first.Value == planted {
		t.Fatalf("login with a planted cookie set %v, want a new session", first)
	}
	if got := e.status(t, "GET", "/api/v1/me", creds{cookie: planted}); got != http.StatusUnauthorized {
		t.Errorf("GET /me with the planted cookie = %d, want 401", got)
	}
	if got := e.status(t, "GET", "/api/v1/me", creds{cookie: first.Value}); got != http.StatusOK {
		t.Fatalf("GET /me with the first session = %d, want 200", got)
	}

	// Logging in again with the first cookie ends the first session.
	_, _, second := e.login(t, "alice", testPassword, "", creds{cookie: first.Value})
	if second == nil || second.Value == first.Value {
		t.Fatalf("second login set %v, want a new session id", second)
	}
	if got := e.status(t, "GET", "/api/v1/me", creds{cookie: first.Value}); got != http.StatusUnauthorized {
		t.Errorf("GET /me with the first cookie after a new login = %d, want 401", got)
	}
	if _, err := e.users.SessionByDigest(context.Background(), auth.HashSecret(first.Value)); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("first session after a new login: %v, want not found", err)
	}

	// Logout ends the session in the store and tells the browser to drop
	// the cookie.
	resp, body := e.send(t, "POST", "/api/v1/logout", "", nil, e.sameOrigin(creds{cookie: second.Value}))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout = %d, want 204; %s", resp.StatusCode, body)
	}
	cleared := false
	for _, c := range resp.Cookies() {
		if c.Name == e.srv.sessionCookieName() && c.MaxAge < 0 && c.Value == "" {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("logout Set-Cookie = %q, want the cookie cleared", resp.Header.Values("Set-Cookie"))
	}
	if _, err := e.users.SessionByDigest(context.Background(), auth.HashSecret(second.Value)); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("session after logout: %v, want not found", err)
	}
	if got := e.status(t, "GET", "/api/v1/me", creds{cookie: second.Value}); got != http.StatusUnauthorized {
		t.Errorf("GET /me after logout = %d, want 401", got)
	}
}

// TestSessionExpiry checks the idle and absolute limits with the server's
// clock, and that use keeps a session alive until the absolute limit.
func TestSessionExpiry(t *testing.T) { forBackends(t, testSessionExpiry) }

func testSessionExpiry(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	u := mustUser(t, e.users, "alice", bonafide.RoleSocialWorker)
	idle, maxAge := e.srv.SessionIdle, e.srv.SessionMax
	now := e.clock.Now()

	stale := e.session(t, u, now.Add(-idle), now.Add(-idle), false)
	if got := e.status(t, "GET", "/api/v1/me", creds{cookie: stale}); got != http.StatusUnauthorized {
		t.Errorf("session idle for %v = %d, want 401", idle, got)
	}
	if _, err := e.users.SessionByDigest(context.Background(), auth.HashSecret(stale)); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("idle-expired session still stored: %v", err)
	}

	// A session used every two thirds of the idle limit lives until the
	// absolute limit, and not a request longer.
	live := e.session(t, u, now, now, false)
	step := idle * 2 / 3
	for e.clock.Now().Add(step).Sub(now) < maxAge {
		e.clock.Add(step)
		if got := e.status(t, "GET", "/api/v1/me", creds{cookie: live}); got != http.StatusOK {
			t.Fatalf("session in use at +%v = %d, want 200", e.clock.Now().Sub(now), got)
		}
	}
	e.clock.Add(now.Add(maxAge).Sub(e.clock.Now()))
	if got := e.status(t, "GET", "/api/v1/me", creds{cookie: live}); got != http.StatusUnauthorized {
		t.Errorf("session in use at the absolute limit %v = %d, want 401", maxAge, got)
	}
}

func TestTOTPEnrolAndLogin(t *testing.T) { forBackends(t, testTOTPEnrolAndLogin) }

func testTOTPEnrolAndLogin(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	mustUser(t, e.users, "dana", bonafide.RoleDPO)
	ref := newAuthzFixture(t, e).referral

	// A DPO without a second factor logs in but may only enrol.
	resp, body, c := e.login(t, "dana", testPassword, "", creds{})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login = %d; %s", resp.StatusCode, body)
	}
	var me Me
	decodeInto(t, body, &me)
	if !me.MustEnrol || me.SecondFactorDone {
		t.Errorf("login of an unenrolled DPO = %+v, want must_enrol and not second_factor_done", me)
	}
	pre := e.sameOrigin(creds{cookie: c.Value})
	if got := e.status(t, "GET", "/api/v1/referrals/"+ref, pre); got != http.StatusForbidden {
		t.Errorf("unenrolled DPO reads a referral = %d, want 403", got)
	}

	resp, body = e.send(t, "POST", "/api/v1/me/totp", "", nil, pre)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enrol = %d; %s", resp.StatusCode, body)
	}
	var en TOTPEnrolment
	decodeInto(t, body, &en)
	if en.Secret == "" || !strings.HasPrefix(en.OTPAuthURL, "otpauth://totp/") {
		t.Fatalf("enrolment = %+v", en)
	}
	// Not yet confirmed: still only enrolment.
	if got := e.status(t, "GET", "/api/v1/referrals/"+ref, pre); got != http.StatusForbidden {
		t.Errorf("DPO with an unconfirmed enrolment reads a referral = %d, want 403", got)
	}
	confirm := func(code string, c creds) (*http.Response, []byte) {
		return e.send(t, "POST", "/api/v1/me/totp/confirm", "application/json", mustJSON(t, TOTPConfirm{Code: code}), c)
	}
	if resp, body := confirm("000000", pre); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("confirm with a wrong code = %d, want 400; %s", resp.StatusCode, body)
	}
	code := e.totpCode(t, en.Secret)
	resp, body = confirm(code, pre)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm = %d; %s", resp.StatusCode, body)
	}
	var after *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == e.srv.sessionCookieName() {
			after = ck
		}
	}
	if after == nil || after.Value == c.Value {
		t.Fatalf("confirm set cookie %v, want a new session", after)
	}
	if got := e.status(t, "GET", "/api/v1/me", pre); got != http.StatusUnauthorized {
		t.Errorf("the session before confirmation = %d, want 401 (replaced)", got)
	}
	post := e.sameOrigin(creds{cookie: after.Value})
	if got := e.status(t, "GET", "/api/v1/referrals/"+ref, post); got != http.StatusOK {
		t.Errorf("enrolled DPO reads a referral = %d, want 200", got)
	}
	// A confirmed factor cannot be replaced by whoever holds the session.
	if resp, body := e.send(t, "POST", "/api/v1/me/totp", "", nil, post); resp.StatusCode != http.StatusConflict {
		t.Errorf("second enrolment = %d, want 409; %s", resp.StatusCode, body)
	}

	// Logging in now needs the code; the code just used is refused
	// (replay), the next step's is accepted once.
	tests := []struct {
		name    string
		advance time.Duration
		code    func() string
		want    int
	}{
		{"no code", 0, func() string { return "" }, http.StatusUnauthorized},
		{"wrong code", 0, func() string { return "123456" }, http.StatusUnauthorized},
		{"code used to confirm", 0, func() string { return code }, http.StatusUnauthorized},
		{"next step's code", auth.TOTPStep, func() string { return e.totpCode(t, en.Secret) }, http.StatusOK},
		{"same code again", 0, func() string { return e.totpCode(t, en.Secret) }, http.StatusUnauthorized},
		{"code of a step ago", auth.TOTPStep, func() string { return code }, http.StatusUnauthorized},
		{"code two steps on", 2 * auth.TOTPStep, func() string { return e.totpCode(t, en.Secret) }, http.StatusOK},
	}
	for _, tt := range tests {
		e.clock.Add(tt.advance)
		resp, body, _ := e.login(t, "dana", testPassword, tt.code(), creds{})
		if resp.StatusCode != tt.want {
			t.Errorf("%s: login = %d, want %d; %s", tt.name, resp.StatusCode, tt.want, body)
			continue
		}
		if tt.want == http.StatusOK {
			var me Me
			decodeInto(t, body, &me)
			if !me.SecondFactorDone || me.MustEnrol {
				t.Errorf("%s: login = %+v, want second_factor_done", tt.name, me)
			}
		}
	}
	entries := e.entries(t)
	for _, what := range []string{"user.totp_enrol", "user.totp_confirm"} {
		if got := findEntries(entries, what); len(got) != 1 || got[0].Who != "user:dana" {
			t.Errorf("audit %s entries = %+v, want one by user:dana", what, got)
		}
	}
	if got := findEntries(entries, "login"); len(got) != 3 || got[2].Why != "password and TOTP" {
		t.Errorf("audit login entries = %+v, want 3, the last by password and TOTP", got)
	}
	// The secret is never in the log.
	if raw := e.rawAudit(t) + e.logs.String(); strings.Contains(raw, en.Secret) {
		t.Error("the TOTP secret is in the audit log or the server log")
	}
}

// TestAuthorizationOwnAccount covers another user's resources: nobody
// changes their own role or account through the user routes, only a user
// manager changes others, and an enrolment is confirmed only by its own
// session.
func TestAuthorizationOwnAccount(t *testing.T) { forBackends(t, testAuthorizationOwnAccount) }

func testAuthorizationOwnAccount(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	ctx := context.Background()
	admin, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
	worker := mustUser(t, e.users, "wes", bonafide.RoleSocialWorker)
	other := mustUser(t, e.users, "olga", bonafide.RoleSocialWorker)
	adminC := func() creds { return e.sameOrigin(creds{cookie: e.freshSession(t, admin)}) }
	workerC := func() creds { return e.sameOrigin(creds{cookie: e.freshSession(t, worker)}) }
	userPath := func(u bonafide.User, what string) string {
		return "/api/v1/users/" + strconv.FormatInt(u.ID, 10) + "/" + what
	}
	toDPO := mustJSON(t, RoleChange{Role: bonafide.RoleDPO})

	tests := []struct {
		name          string
		method, path  string
		body          []byte
		c             creds
		want          int
		unchanged     bonafide.User // whose role and state must not move
		wantRole      bonafide.Role
		wantDisabled  bool
		checkUnchange bool
	}{
		{"worker lifts own role", "PUT", userPath(worker, "role"), toDPO, workerC(), http.StatusForbidden, worker, bonafide.RoleSocialWorker, false, true},
		{"worker changes another's role", "PUT", userPath(other, "role"), toDPO, workerC(), http.StatusForbidden, other, bonafide.RoleSocialWorker, false, true},
		{"worker disables another", "POST", userPath(other, "disable"), nil, workerC(), http.StatusForbidden, other, bonafide.RoleSocialWorker, false, true},
		{"admin changes own role", "PUT", userPath(admin, "role"), toDPO, adminC(), http.StatusForbidden, admin, bonafide.RoleAdministrator, false, true},
		{"admin disables self", "POST", userPath(admin, "disable"), nil, adminC(), http.StatusForbidden, admin, bonafide.RoleAdministrator, false, true},
		{"admin: unknown user", "POST", "/api/v1/users/99999/disable", nil, adminC(), http.StatusNotFound, bonafide.User{}, "", false, false},
		{"admin: not a user id", "POST", "/api/v1/users/ada/disable", nil, adminC(), http.StatusNotFound, bonafide.User{}, "", false, false},
		{"admin: staff to machine client", "PUT", userPath(other, "role"), mustJSON(t, RoleChange{Role: bonafide.RoleIntakeMachine}), adminC(), http.StatusBadRequest, other, bonafide.RoleSocialWorker, false, true},
		{"admin: unknown role", "PUT", userPath(other, "role"), []byte(`{"role":"superuser"}`), adminC(), http.StatusBadRequest, other, bonafide.RoleSocialWorker, false, true},
		{"admin changes another's role", "PUT", userPath(other, "role"), mustJSON(t, RoleChange{Role: bonafide.RoleTeamManager}), adminC(), http.StatusOK, other, bonafide.RoleTeamManager, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := ""
			if tt.body != nil {
				ct = "application/json"
			}
			resp, body := e.send(t, tt.method, tt.path, ct, tt.body, tt.c)
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s = %d, want %d; %s", tt.method, tt.path, resp.StatusCode, tt.want, body)
			}
			if !tt.checkUnchange {
				return
			}
			u, err := e.users.UserByID(ctx, tt.unchanged.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != tt.wantRole || u.Disabled != tt.wantDisabled {
				t.Errorf("after %s: %s is %s disabled=%v, want %s disabled=%v", tt.name, u.Name, u.Role, u.Disabled, tt.wantRole, tt.wantDisabled)
			}
		})
	}

	// A role change or a disable ends the user's sessions at once.
	t.Run("changes take effect at once", func(t *testing.T) {
		olga := e.freshSession(t, other)
		resp, body := e.send(t, "PUT", userPath(other, "role"), "application/json", mustJSON(t, RoleChange{Role: bonafide.RolePoliceLiaison}), adminC())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("role change = %d; %s", resp.StatusCode, body)
		}
		if got := e.status(t, "GET", "/api/v1/me", creds{cookie: olga}); got != http.StatusUnauthorized {
			t.Errorf("session from before a role change = %d, want 401", got)
		}
		sess := e.freshSession(t, worker)
		if got := e.status(t, "GET", "/api/v1/me", creds{cookie: sess}); got != http.StatusOK {
			t.Fatalf("worker's session = %d, want 200", got)
		}
		resp, body = e.send(t, "POST", userPath(worker, "disable"), "", nil, adminC())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("disable = %d; %s", resp.StatusCode, body)
		}
		if got := e.status(t, "GET", "/api/v1/me", creds{cookie: sess}); got != http.StatusUnauthorized {
			t.Errorf("disabled worker's session = %d, want 401", got)
		}
		if resp, _, _ := e.login(t, worker.Name, testPassword, "", creds{}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("disabled worker's login = %d, want 401", resp.StatusCode)
		}
	})

	// Kim starts an enrolment; Lee, logged in, sends a code of Kim's
	// secret. Lee has no enrolment of their own, and Kim's is untouched.
	t.Run("TOTP confirm of another user's enrolment", func(t *testing.T) {
		kim := mustUser(t, e.users, "kim", bonafide.RoleSocialWorker)
		lee := mustUser(t, e.users, "lee", bonafide.RoleSocialWorker)
		kimC := e.sameOrigin(creds{cookie: e.freshSession(t, kim)})
		leeC := e.sameOrigin(creds{cookie: e.freshSession(t, lee)})
		resp, body := e.send(t, "POST", "/api/v1/me/totp", "", nil, kimC)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("kim enrols = %d; %s", resp.StatusCode, body)
		}
		var en TOTPEnrolment
		decodeInto(t, body, &en)
		code := e.totpCode(t, en.Secret)
		resp, body = e.send(t, "POST", "/api/v1/me/totp/confirm", "application/json", mustJSON(t, TOTPConfirm{Code: code}), leeC)
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("lee confirms with kim's code = %d, want 409; %s", resp.StatusCode, body)
		}
		// Naming the other user in the body is refused outright.
		resp, body = e.send(t, "POST", "/api/v1/me/totp/confirm", "application/json",
			[]byte(`{"code":"`+code+`","user":"kim"}`), leeC)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("lee confirms naming kim = %d, want 400; %s", resp.StatusCode, body)
		}
		for _, u := range []bonafide.User{kim, lee} {
			got, err := e.users.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.TOTPConfirmed {
				t.Errorf("%s has a confirmed second factor after lee's attempts", got.Name)
			}
		}
		// Kim's own session still confirms with the same code.
		resp, body = e.send(t, "POST", "/api/v1/me/totp/confirm", "application/json", mustJSON(t, TOTPConfirm{Code: code}), kimC)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("kim confirms = %d, want 200; %s", resp.StatusCode, body)
		}
	})

	// Only the changes that were made are in the audit log, each by ada.
	type change struct{ what, object, why string }
	var got []change
	for _, en := range e.entries(t) {
		if en.What == "user.role" || en.What == "user.disable" {
			if en.Who != "user:ada" {
				t.Errorf("audit entry %+v is not by user:ada", en)
			}
			got = append(got, change{en.What, en.Object, en.Why})
		}
	}
	want := []change{
		{"user.role", "olga", "social_worker -> team_manager"},
		{"user.role", "olga", "team_manager -> police_liaison"},
		{"user.disable", "wes", "disabled by an administrator"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit user changes = %+v, want %+v", got, want)
	}
}

// TestLoginAudit checks what the audit log records of logins, views and
// user changes, read back from its storage, and that no password, nor a
// password typed into the name field, reaches it or the server log.
func TestLoginAudit(t *testing.T) { forBackends(t, testLoginAudit) }

func testLoginAudit(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	mustUser(t, e.users, "alice", bonafide.RoleTeamManager)
	admin, secret := e.staff(t, "ada", bonafide.RoleAdministrator)
	ref := newAuthzFixture(t, e).referral
	const wrong = "Wrong-Battery-Staple-42"
	const typedAsName = "hunter2-is-my-password"

	_, _, c := e.login(t, "alice", testPassword, "", creds{})
	if c == nil {
		t.Fatal("alice's login set no cookie")
	}
	e.login(t, "alice", wrong, "", creds{})
	e.login(t, "mallory", wrong, "", creds{})
	e.login(t, typedAsName, testPassword, "", creds{})
	if got := e.status(t, "GET", "/api/v1/referrals/"+ref, creds{cookie: c.Value}); got != http.StatusOK {
		t.Fatalf("view = %d", got)
	}
	_, _, ac := e.login(t, "ada", testPassword, e.totpCode(t, secret), creds{})
	if ac == nil {
		t.Fatal("ada's login set no cookie")
	}
	resp, body := e.send(t, "POST", "/api/v1/users", "application/json",
		mustJSON(t, UserCreate{Name: "newbie", Role: bonafide.RoleIntakeOfficer, Password: "a first password of length"}), e.sameOrigin(creds{cookie: ac.Value}))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create user = %d; %s", resp.StatusCode, body)
	}

	type want struct{ who, what, object, why string }
	var got []want
	for _, en := range e.entries(t) {
		got = append(got, want{en.Who, en.What, en.Object, en.Why})
	}
	for _, w := range []want{
		{"user:alice", "login", "", "password"},
		{"login:alice", "login.fail", "", "wrong password"},
		{"login:?", "login.fail", "", "no such user"},
		{"user:alice", "referral.read", ref, "viewed through the API"},
		{"user:ada", "login", "", "password and TOTP"},
		{"user:" + admin.Name, "user.create", "newbie", "role intake_officer"},
	} {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("audit log lacks %+v; it holds %+v", w, got)
		}
	}
	all := e.rawAudit(t) + e.logs.String()
	for _, secret := range []string{testPassword, wrong, typedAsName, "a first password of length", "mallory"} {
		if strings.Contains(all, secret) {
			t.Errorf("audit or server log holds %q", secret)
		}
	}
}
