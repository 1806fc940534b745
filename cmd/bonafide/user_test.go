package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/auth"
)

// TestUserCommands runs the user subcommands in turn on one store and
// checks each exit status and what it prints, then that every change is in
// the audit log as done by the operating-system user.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "u.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	pwFile := writeFile(t, dir, "pw", "a long enough passphrase for tests\n")
	shortFile := writeFile(t, dir, "short", "tooshort\n")
	const dpoReason = "Data protection officer from 1 December (appointment letter IG-17)"
	env := map[string]string{"BONAFIDE_DB": db}
	steps := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		out    string // stdout must contain it
		errOut string // stderr must contain it
		noOut  string // stdout must not match it
	}{
		{name: "help", args: []string{"user", "--help"}, errOut: "bootstrap|add|list|disable|token"},
		{name: "no subcommand", args: []string{"user"}, code: 2, errOut: "want a subcommand"},
		{name: "unknown subcommand", args: []string{"user", "delete", "x"}, code: 2, errOut: "unknown subcommand"},
		{name: "add help", args: []string{"user", "add", "--help"}, errOut: "-role"},
		{name: "token help", args: []string{"user", "token", "--help"}, errOut: "-label"},
		{name: "bootstrap", args: []string{"user", "bootstrap"}, out: "Created the first administrator \"admin\""},
		{name: "second administrator, the pair the API's grants need", args: []string{"user", "add", "boss", "--role", "administrator", "--reason", dpoReason}, out: "Added boss, role administrator."},
		{name: "bootstrap again refused", args: []string{"user", "bootstrap", "--name", "admin2"}, code: 1, errOut: "two administrators exist already (admin, boss)"},
		{name: "third administrator refused", args: []string{"user", "add", "chief", "--role", "administrator", "--reason", dpoReason}, code: 1, errOut: "two administrators exist already"},
		{name: "social worker, generated password", args: []string{"user", "add", "sam", "--role", "social_worker"}, out: "Added sam, role social_worker."},
		{name: "flags before the name", args: []string{"user", "add", "--role", "team_manager", "tess"}, out: "Added tess, role team_manager."},
		{name: "DPO without a reason refused", args: []string{"user", "add", "dora", "--role", "data_protection_officer", "--password-file", pwFile}, code: 2, errOut: "needs a written reason"},
		{name: "DPO with a short reason refused", args: []string{"user", "add", "dora", "--role", "data_protection_officer", "--reason", "new dpo", "--password-file", pwFile}, code: 2, errOut: "needs a written reason"},
		{name: "password from a file", args: []string{"user", "add", "dora", "--role", "data_protection_officer", "--reason", dpoReason, "--password-file", pwFile},
			out: "needs a second factor", noOut: `(?m)^Password`},
		{name: "password from stdin", args: []string{"user", "add", "ian", "--role", "intake_officer", "--password-file", "-"},
			stdin: "another long passphrase\n", out: "Added ian", noOut: `(?m)^Password`},
		{name: "short password refused", args: []string{"user", "add", "pat", "--role", "police_liaison", "--password-file", shortFile}, code: 1, errOut: "at least 12"},
		{name: "taken name", args: []string{"user", "add", "sam", "--role", "auditor"}, code: 1, errOut: `"sam" already exists`},
		{name: "bad name", args: []string{"user", "add", "Sam Smith", "--role", "auditor"}, code: 2, errOut: "user name"},
		{name: "unknown role", args: []string{"user", "add", "root", "--role", "root"}, code: 2, errOut: "--role \"root\""},
		{name: "no name", args: []string{"user", "add", "--role", "auditor"}, code: 2, errOut: "want one user name"},
		{name: "machine client", args: []string{"user", "add", "sender", "--role", "intake_client"}, out: "bonafide user token sender", noOut: `(?m)^Password`},
		{name: "machine client has no password", args: []string{"user", "add", "sender2", "--role", "intake_client", "--password-file", pwFile}, code: 2, errOut: "no password"},
		{name: "token", args: []string{"user", "token", "sender", "--label", "gp-surgery.example"}, out: "bfk_"},
		{name: "token needs a label", args: []string{"user", "token", "sender"}, code: 2, errOut: "--label is required"},
		{name: "no token for staff", args: []string{"user", "token", "sam", "--label", "x"}, code: 1, errOut: "only for enabled users of role intake_client"},
		{name: "no token for nobody", args: []string{"user", "token", "nobody", "--label", "x"}, code: 1, errOut: "no such user"},
		{name: "second token", args: []string{"user", "token", "sender", "--label", "old-host.example"}, out: "bfk_"},
		{name: "tokens", args: []string{"user", "tokens", "sender"}, out: "old-host.example"},
		{name: "revoke a bad number", args: []string{"user", "revoke-token", "sender", "two"}, code: 2, errOut: "token number"},
		{name: "revoke a number not the user's", args: []string{"user", "revoke-token", "sender", "99"}, code: 1, errOut: "has no token 99"},
		{name: "revoke", args: []string{"user", "revoke-token", "sender", "2"}, out: "Revoked token 2 of sender"},
		{name: "tokens after revoking", args: []string{"user", "tokens", "sender"}, out: "gp-surgery.example", noOut: `old-host`},
		{name: "disable", args: []string{"user", "disable", "sam"}, out: "Disabled sam"},
		{name: "disable again", args: []string{"user", "disable", "sam"}, out: "disabled already"},
		{name: "disable nobody", args: []string{"user", "disable", "nobody"}, code: 1, errOut: "no such user"},
		{name: "list", args: []string{"user", "list"}, out: "NAME"},
	}
	outputs := map[string]string{}
	for _, st := range steps {
		code, stdout, stderr := run(t, env, st.stdin, st.args...)
		outputs[st.name] = stdout
		if code != st.code {
			t.Errorf("%s: bonafide %q exit = %d, want %d; stdout:\n%s\nstderr:\n%s", st.name, st.args, code, st.code, stdout, stderr)
			continue
		}
		if !strings.Contains(stdout, st.out) {
			t.Errorf("%s: bonafide %q stdout = %q, want %q", st.name, st.args, stdout, st.out)
		}
		if !strings.Contains(stderr, st.errOut) {
			t.Errorf("%s: bonafide %q stderr = %q, want %q", st.name, st.args, stderr, st.errOut)
		}
		if st.noOut != "" && regexp.MustCompile(st.noOut).MatchString(stdout) {
			t.Errorf("%s: bonafide %q stdout = %q, want no match of %s", st.name, st.args, stdout, st.noOut)
		}
	}
	if m := passwordRE.FindStringSubmatch(outputs["bootstrap"]); m == nil || len(m[1]) < 20 {
		t.Errorf("bootstrap printed no generated password:\n%s", outputs["bootstrap"])
	}
	if !strings.Contains(outputs["bootstrap"], "POST /api/v1/me/totp") {
		t.Errorf("bootstrap does not say how to enrol the second factor:\n%s", outputs["bootstrap"])
	}

	// The table has one row per user, with role, disabled and second factor.
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(outputs["list"]), "\n")[1:] {
		f := strings.Fields(line)
		rows[f[0]] = f
	}
	wantRows := []struct {
		name, role, disabled, totp string
	}{
		{"admin", "administrator", "no", "no"},
		{"boss", "administrator", "no", "no"},
		{"sam", "social_worker", "yes", "no"},
		{"tess", "team_manager", "no", "no"},
		{"dora", "data_protection_officer", "no", "no"},
		{"ian", "intake_officer", "no", "no"},
		{"sender", "intake_client", "no", "-"},
	}
	if len(rows) != len(wantRows) {
		t.Errorf("user list has %d rows, want %d:\n%s", len(rows), len(wantRows), outputs["list"])
	}
	for _, w := range wantRows {
		f := rows[w.name]
		if len(f) < 4 || f[1] != w.role || f[2] != w.disabled || f[3] != w.totp {
			t.Errorf("user list row %s = %q, want role %s, disabled %s, totp %s", w.name, f, w.role, w.disabled, w.totp)
		}
	}
	if strings.Contains(outputs["list"], "$argon2id$") || strings.Contains(outputs["list"], "bfk_") {
		t.Errorf("user list shows a hash or a token:\n%s", outputs["list"])
	}

	// Every change is in the audit log, done by cli:<login>; the token
	// itself is not.
	token := tokenRE.FindStringSubmatch(outputs["token"])[1]
	got := auditEntries(t, db)
	want := []string{
		"user.create admin", "user.create boss", "user.create sam", "user.create tess", "user.create dora", "user.create ian",
		"user.create sender", "token.create sender", "token.create sender", "token.revoke sender", "user.disable sam",
	}
	var seen []string
	for _, e := range got {
		if e.Who != cliUser() {
			t.Errorf("audit entry %d who = %q, want %q", e.N, e.Who, cliUser())
		}
		if strings.Contains(e.Why, token) || strings.Contains(e.Object, token) {
			t.Errorf("audit entry %d holds the token", e.N)
		}
		if e.What == "user.create" && e.Object == "dora" && e.Why != "role data_protection_officer: "+dpoReason {
			t.Errorf("audit entry %d of dora's creation says %q, want the role and the reason given", e.N, e.Why)
		}
		if strings.HasPrefix(e.What, "user.") || strings.HasPrefix(e.What, "token.") {
			seen = append(seen, e.What+" "+e.Object)
		}
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries =\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

// auditEntries reads every entry of db's audit log.
func auditEntries(t *testing.T, db string) []auditlog.Entry {
	t.Helper()
	ctx := context.Background()
	a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: db}, keyConfig: testKeyConfig(), NoCheckpoints: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out []auditlog.Entry
	for se, err := range a.Audits.Entries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		e, err := auditlog.UnmarshalEntry(se.Data)
		if err != nil {
			t.Fatal(err)
		}
		e.N = se.N
		out = append(out, e)
	}
	return out
}

// inProcessServer is `bonafide serve` running in this process.
type inProcessServer struct {
	base string
	logs *syncBuffer
	stop func() error // cancels as SIGTERM does and returns serve's error
}

// serveInProcess runs serve on db on a free loopback port until t ends.
func serveInProcess(t *testing.T, db string, args ...string) *inProcessServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	keys := withTestKeys(nil)
	std := stdio{in: strings.NewReader(""), out: io.Discard, err: pw, getenv: func(k string) string { return keys[k] }}
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, append([]string{"--db", db, "--addr", "127.0.0.1:0", "--log-format", "text"}, args...), std)
		pw.Close()
	}()
	s := &inProcessServer{logs: &syncBuffer{}}
	sc := bufio.NewScanner(pr)
	for s.base == "" && sc.Scan() {
		s.logs.Write(append(sc.Bytes(), '\n'))
		if m := listeningRE.FindSubmatch(sc.Bytes()); m != nil {
			s.base = "http://" + string(m[1])
		}
	}
	if s.base == "" {
		cancel()
		t.Fatalf("serve never logged its address; it returned %v; log:\n%s", <-done, s.logs)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(s.logs, pr)
	}()
	var stopped error
	once := false
	s.stop = func() error {
		if !once {
			once = true
			cancel()
			stopped = <-done
			<-copied // the log is complete
		}
		return stopped
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// TestUserCommandsOverServe checks the user commands against a running
// server: a token from `user token` is accepted by POST
// /api/v1/referrals, a user disabled with `user disable` can no longer log
// in, their session ends at once and a disabled client's token is refused;
// and serve hints how to bootstrap while there is no user.
func TestUserCommandsOverServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	empty := serveInProcess(t, db)
	if err := empty.stop(); err != nil {
		t.Fatalf("serve = %v", err)
	}
	if !strings.Contains(empty.logs.String(), "bonafide user bootstrap") {
		t.Errorf("serve with no users does not hint at bootstrap; log:\n%s", empty.logs)
	}

	tok := mustToken(t, db, "gp-sender")
	otherTok := mustToken(t, db, "school-sender")
	pw := mustAddUser(t, db, "sam", "social_worker")
	s := serveInProcess(t, db)
	if strings.Contains(s.logs.String(), "bonafide user bootstrap") {
		t.Errorf("serve with users hints at bootstrap; log:\n%s", s.logs)
	}
	gen := newReferralGen(5)
	sam := mustLogin(t, s.base, "sam", pw)
	tests := []struct {
		name string
		do   func() (int, error)
		want int
	}{
		{"token from user token posts", func() (int, error) { return postReferral(t, http.DefaultClient, s.base, tok, gen.next()) }, http.StatusCreated},
		{"no token", func() (int, error) { return postReferral(t, http.DefaultClient, s.base, "", gen.next()) }, http.StatusUnauthorized},
		{"made-up token", func() (int, error) {
			return postReferral(t, http.DefaultClient, s.base, "bfk_"+strings.Repeat("A", 43), gen.next())
		}, http.StatusUnauthorized},
		{"session reads before disable", func() (int, error) { return status(sam, s.base+"/api/v1/me") }, http.StatusOK},
		{"disable sam", func() (int, error) { return runStatus(t, "user", "disable", "sam", "--db", db) }, 0},
		{"session ended by disable", func() (int, error) { return status(sam, s.base+"/api/v1/me") }, http.StatusUnauthorized},
		{"disabled user cannot log in", func() (int, error) { c, _ := login(t, s.base, "sam", pw); return c, nil }, http.StatusUnauthorized},
		{"disable a sending system", func() (int, error) { return runStatus(t, "user", "disable", "school-sender", "--db", db) }, 0},
		{"its token is refused", func() (int, error) { return postReferral(t, http.DefaultClient, s.base, otherTok, gen.next()) }, http.StatusUnauthorized},
		{"the other token still posts", func() (int, error) { return postReferral(t, http.DefaultClient, s.base, tok, gen.next()) }, http.StatusCreated},
	}
	for _, tt := range tests {
		got, err := tt.do()
		if err != nil || got != tt.want {
			t.Errorf("%s = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve = %v", err)
	}
	for _, secret := range []string{tok, otherTok, pw} {
		if strings.Contains(s.logs.String(), secret) {
			t.Errorf("serve's log holds a password or token")
		}
	}
}

// status GETs url with c and returns the status.
func status(c *http.Client, url string) (int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// runStatus runs a command in-process and returns its exit status.
func runStatus(t *testing.T, args ...string) (int, error) {
	t.Helper()
	code, _, stderr := run(t, nil, "", args...)
	if code != 0 {
		t.Logf("bonafide %q stderr:\n%s", args, stderr)
	}
	return code, nil
}

// TestServeCookieName checks that --tls (the server is reached over
// HTTPS) gives the session cookie the __Host- prefix, and that without it
// the cookie is still Secure, HttpOnly and SameSite=Strict.
func TestServeCookieName(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	pw := mustAddUser(t, db, "tess", "team_manager")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plain loopback", nil, "bonafide_session"},
		{"behind HTTPS", []string{"--tls"}, "__Host-bonafide_session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serveInProcess(t, db, tt.args...)
			body := `{"username":"tess","password":"` + pw + `"}`
			resp, err := http.Post(s.base+"/api/v1/login", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cs := resp.Cookies()
			if resp.StatusCode != http.StatusOK || len(cs) != 1 {
				t.Fatalf("login = %d with %d cookies, want 200 and one", resp.StatusCode, len(cs))
			}
			c := cs[0]
			if c.Name != tt.want || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("session cookie = %s, want %s; Secure; HttpOnly; SameSite=Strict; Path=/; no Domain", c, tt.want)
			}
			if err := s.stop(); err != nil {
				t.Fatalf("serve = %v", err)
			}
		})
	}
}

// TestUserSealTOTP: seeds stored in the clear (as before seeds were
// sealed) are listed as refused, sealed by `user seal-totp` for their own
// user only, audited, and left alone on a second run.
func TestUserSealTOTP(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	env := map[string]string{"BONAFIDE_DB": db}
	for _, args := range [][]string{{"migrate"}, {"user", "bootstrap"}, {"user", "add", "sam", "--role", "social_worker"}} {
		if code, _, stderr := run(t, env, "", args...); code != 0 {
			t.Fatalf("bonafide %q exit = %d; stderr:\n%s", args, code, stderr)
		}
	}
	open := func() *app {
		t.Helper()
		a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: db}, keyConfig: testKeyConfig(), NoCheckpoints: true}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Plain seeds as an older server stored them: the administrator's
	// confirmed, the social worker's waiting for confirmation.
	plain := map[string]string{"admin": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "sam": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"}
	a := open()
	for name, seed := range plain {
		u, err := a.Users.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		confirmed := name == "admin"
		if _, err := a.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{TOTPSecret: &seed, TOTPConfirmed: &confirmed}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()

	_, list, _ := run(t, env, "", "user", "list")
	if !regexp.MustCompile(`(?m)^admin\s+administrator\s+no\s+unsealed \(refused`).MatchString(list) {
		t.Errorf("user list does not show admin's seed as unsealed and refused:\n%s", list)
	}
	code, out, stderr := run(t, env, "", "user", "seal-totp")
	if code != 0 {
		t.Fatalf("user seal-totp exit = %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"Sealed the second-factor seed of admin.", "Sealed the second-factor seed of sam.", "2 second-factor seeds sealed now, 0 sealed already."} {
		if !strings.Contains(out, want) {
			t.Errorf("user seal-totp printed %q, want %q", out, want)
		}
	}
	if _, out, _ := run(t, env, "", "user", "seal-totp"); !strings.Contains(out, "0 second-factor seeds sealed now, 2 sealed already.") {
		t.Errorf("second user seal-totp printed %q, want nothing sealed again", out)
	}
	if _, list, _ := run(t, env, "", "user", "list"); strings.Contains(list, "unsealed") || !regexp.MustCompile(`(?m)^admin\s+administrator\s+no\s+yes\s`).MatchString(list) {
		t.Errorf("user list after sealing:\n%s\nwant admin's second factor yes", list)
	}

	a = open()
	defer a.Close()
	users := map[string]bonafide.User{}
	for name, seed := range plain {
		u, err := a.Users.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
		if !auth.TOTPSealed(u.TOTPSecret) || strings.Contains(u.TOTPSecret, seed) {
			t.Errorf("%s's stored seed = %q, want it sealed", name, u.TOTPSecret)
		}
		if got, err := auth.OpenTOTP(a.Vault, u); err != nil || got != seed {
			t.Errorf("OpenTOTP(%s) = %q, %v; want the seed", name, got, err)
		}
	}
	// Each seed is sealed for its own user.
	swapped := users["sam"]
	swapped.TOTPSecret = users["admin"].TOTPSecret
	if _, err := auth.OpenTOTP(a.Vault, swapped); err == nil {
		t.Error("admin's sealed seed opens as sam's")
	}
	var seals []string
	for _, e := range auditEntries(t, db) {
		if e.What == "user.totp_seal" {
			seals = append(seals, e.Object)
			if e.Who != cliUser() {
				t.Errorf("audit entry %d who = %q, want %q", e.N, e.Who, cliUser())
			}
		}
		for _, seed := range plain {
			if strings.Contains(e.Why+e.Object, seed) {
				t.Errorf("audit entry %d holds a seed", e.N)
			}
		}
	}
	slices.Sort(seals)
	if strings.Join(seals, ",") != "admin,sam" {
		t.Errorf("audit user.totp_seal entries name %q, want admin,sam", seals)
	}
}

// TestUserCommandsNeedAudit makes the audit log refuse every entry (as if
// the disk were full) and checks that the commands that change users then
// change nothing: a user the log cannot record is not made, nor disabled.
func TestUserCommandsNeedAudit(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "u.db")
	env := map[string]string{"BONAFIDE_DB": db}
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	for _, u := range [][]string{{"sam", "social_worker"}, {"portal", "intake_client"}} {
		if code, _, stderr := run(t, env, "", "user", "add", u[0], "--role", u[1]); code != 0 {
			t.Fatalf("add %s: exit %d; stderr:\n%s", u[0], code, stderr)
		}
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
	pw := writeFile(t, dir, "pw", "a long enough passphrase for tests\n")
	for _, args := range [][]string{
		{"user", "bootstrap", "--password-file", pw},
		{"user", "add", "ian", "--role", "intake_officer", "--password-file", pw},
		{"user", "disable", "sam"},
		{"user", "token", "portal", "--label", "referral portal"},
	} {
		if code, _, _ := run(t, env, "", args...); code == 0 {
			t.Errorf("%q with the audit log refusing: exit 0, want an error", args)
		}
	}
	exec(`DROP TRIGGER refuse_audit`)
	code, out, stderr := run(t, env, "", "user", "list")
	if code != 0 {
		t.Fatalf("list: exit %d; stderr:\n%s", code, stderr)
	}
	if strings.Contains(out, "admin") || strings.Contains(out, "ian") {
		t.Errorf("a user was made without an audit entry:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^sam\s+social_worker\s+no\b`).MatchString(out) {
		t.Errorf("sam was disabled without an audit entry, or the list changed shape:\n%s", out)
	}
	var tokens int
	if err := conn.QueryRow(`SELECT count(*) FROM api_tokens`).Scan(&tokens); err != nil {
		t.Fatal(err)
	}
	if tokens != 0 {
		t.Errorf("%d API tokens left behind by a token the audit log could not record, want 0", tokens)
	}
}
