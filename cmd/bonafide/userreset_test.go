package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"path/filepath"

	"bonafide"
	"bonafide/auth"
	"bonafide/sqlite"
)

// TestUserResets: a forgotten password and a lost second factor are
// reset from the command line, each audited with its reason before it is
// made, and the user's sessions end; privileged users and every second
// factor need a written reason; a machine client has no password.
func TestUserResets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	env := map[string]string{"BONAFIDE_DB": db}
	pw := writeFile(t, dir, "pw", "a long enough passphrase for tests\n")
	newPw := writeFile(t, dir, "new", "another long passphrase for tests\n")
	const why = "Lost her phone on the train on 3 March (IG ticket 4411)"
	for _, args := range [][]string{
		{"migrate", "--db", db},
		{"user", "bootstrap", "--password-file", pw},
		{"user", "add", "sam", "--role", "social_worker", "--password-file", pw},
		{"user", "add", "portal", "--role", "intake_client"},
	} {
		if code, _, stderr := run(t, env, "", args...); code != 0 {
			t.Fatalf("%q: exit %d; stderr:\n%s", args, code, stderr)
		}
	}
	// Give sam a confirmed second factor and a session, as a login would.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users := st.Users()
	sam, err := users.UserByName(ctx, "sam")
	if err != nil {
		t.Fatal(err)
	}
	seed, yes := "sealed-seed", true
	if _, err := users.UpdateUser(ctx, sam.ID, bonafide.UserUpdate{TOTPSecret: &seed, TOTPConfirmed: &yes}); err != nil {
		t.Fatal(err)
	}
	session := func(id int64, b byte) []byte {
		d := bytes.Repeat([]byte{b}, 32)
		if err := users.CreateSession(ctx, bonafide.Session{Digest: d, UserID: id, Created: time.Now(), LastSeen: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	ended := func(d []byte) bool {
		_, err := users.SessionByDigest(ctx, d)
		return bonafide.ErrorCode(err) == bonafide.ENotFound
	}

	steps := []struct {
		name   string
		args   []string
		code   int
		out    string // a regexp the output must match
		errOut string
	}{
		{name: "totp without a reason", args: []string{"user", "reset-totp", "sam"}, code: 2, errOut: "needs a written reason"},
		{name: "totp with a short reason", args: []string{"user", "reset-totp", "sam", "--reason", "lost phone"}, code: 2, errOut: "needs a written reason"},
		{name: "administrator's password without a reason", args: []string{"user", "reset-password", "admin", "--password-file", newPw}, code: 2, errOut: "needs a written reason"},
		{name: "machine client has no password", args: []string{"user", "reset-password", "portal"}, code: 2, errOut: "has no password"},
		{name: "unknown user", args: []string{"user", "reset-password", "nobody"}, code: 1, errOut: "nobody"},
		{name: "totp", args: []string{"user", "reset-totp", "sam", "--reason", why}, out: `Withdrew the second factor of sam`},
		{name: "totp again", args: []string{"user", "reset-totp", "sam", "--reason", why}, out: `sam has no second factor to reset`},
		{name: "unconfirmed enrolment", args: []string{"user", "reset-totp", "sam", "--reason", why}, out: `Withdrew the unconfirmed second-factor enrolment of sam\.`},
		{name: "password generated", args: []string{"user", "reset-password", "sam"}, out: `(?m)^Password \(shown this once; it is stored only as a hash\): \S{16,}$`},
		{name: "administrator's password with a reason", args: []string{"user", "reset-password", "admin", "--password-file", newPw, "--reason", "Forgot it after leave; identity checked in person by the IG lead"}, out: `Reset the password of admin`},
	}
	samSession := session(sam.ID, 1)
	var generated string
	for _, s := range steps {
		switch s.name {
		case "unconfirmed enrolment":
			// an enrolment begun, not confirmed: withdrawn, and the
			// session (which never passed it) goes on
			pending, no := "sealed-pending", false
			if _, err := users.UpdateUser(ctx, sam.ID, bonafide.UserUpdate{TOTPSecret: &pending, TOTPConfirmed: &no}); err != nil {
				t.Fatal(err)
			}
			samSession = session(sam.ID, 3)
		case "password generated":
			samSession = session(sam.ID, 2)
		}
		code, out, errOut := run(t, env, "", s.args...)
		if code != s.code {
			t.Fatalf("%s: exit %d, want %d; stdout %s; stderr %s", s.name, code, s.code, out, errOut)
		}
		if s.out != "" && !regexp.MustCompile(s.out).MatchString(out) {
			t.Errorf("%s: output %q does not match %s", s.name, out, s.out)
		}
		if s.errOut != "" && !strings.Contains(errOut, s.errOut) {
			t.Errorf("%s: stderr %q does not say %q", s.name, errOut, s.errOut)
		}
		switch s.name {
		case "totp", "password generated":
			if !ended(samSession) {
				t.Errorf("%s: sam's session did not end", s.name)
			}
		case "unconfirmed enrolment":
			if ended(samSession) {
				t.Errorf("%s: sam's session ended", s.name)
			}
			if u, _ := users.UserByName(ctx, "sam"); u.TOTPSecret != "" {
				t.Errorf("after reset-totp sam's pending seed is %q, want none", u.TOTPSecret)
			}
		}
		if s.name == "totp" {
			if u, _ := users.UserByName(ctx, "sam"); u.TOTPConfirmed || u.TOTPSecret != "" {
				t.Errorf("after reset-totp sam has confirmed %v, seed %q; want none", u.TOTPConfirmed, u.TOTPSecret)
			}
		}
		if s.name == "password generated" {
			generated = regexp.MustCompile(`: (\S+)\n`).FindStringSubmatch(out)[1]
		}
	}
	for name, want := range map[string]string{"sam": generated, "admin": "another long passphrase for tests"} {
		u, err := users.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := auth.CheckPassword(u.PasswordHash, want); !ok || err != nil {
			t.Errorf("%s's password after the reset is not the new one (%v)", name, err)
		}
	}

	var seen []string
	for _, e := range auditEntries(t, db) {
		if strings.Contains(e.What, "reset") {
			seen = append(seen, e.What+" "+e.Object)
			if !strings.Contains(e.Why, "from the command line") || strings.Contains(e.Why, generated) {
				t.Errorf("audit entry %d says %q", e.N, e.Why)
			}
		}
		if e.What == "user.totp_reset" && !strings.HasSuffix(e.Why, why) {
			t.Errorf("totp reset entry says %q, want the reason given", e.Why)
		}
	}
	want := "user.totp_reset sam,user.totp_reset sam,user.password_reset sam,user.password_reset admin"
	if got := strings.Join(seen, ","); got != want {
		t.Errorf("reset audit entries = %s, want %s", got, want)
	}
}
