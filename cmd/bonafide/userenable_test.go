package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"bonafide"
	"bonafide/sqlite"
)

// TestUserEnable disables a user and enables them again from the command
// line: the account can log in again, each change is in the audit log as
// done by cli:<login>, and enabling a user who is not disabled changes and
// records nothing.
func TestUserEnable(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	env := map[string]string{"BONAFIDE_DB": db}
	for _, args := range [][]string{{"migrate"}, {"user", "add", "sam", "--role", "social_worker"}} {
		if code, _, stderr := run(t, env, "", args...); code != 0 {
			t.Fatalf("%q: exit %d; stderr:\n%s", args, code, stderr)
		}
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		out    string // stdout must contain it
		errOut string // stderr must contain it
	}{
		{"enable help", []string{"user", "enable", "--help"}, 0, "", "user enable [flags] NAME"},
		{"enable an enabled user", []string{"user", "enable", "sam"}, 0, "sam is enabled already.", ""},
		{"disable", []string{"user", "disable", "sam"}, 0, "Disabled sam", ""},
		{"enable", []string{"user", "enable", "sam"}, 0, "Enabled sam; they can log in again.", ""},
		{"enable nobody", []string{"user", "enable", "nobody"}, 1, "", "no such user"},
		{"enable without a name", []string{"user", "enable"}, 2, "", "want one user name"},
		{"list", []string{"user", "list"}, 0, "NAME", ""},
	}
	var list string
	for _, st := range steps {
		code, stdout, stderr := run(t, env, "", st.args...)
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
		if st.name == "list" {
			list = stdout
		}
	}
	if !regexp.MustCompile(`(?m)^sam\s+social_worker\s+no\b`).MatchString(list) {
		t.Errorf("sam is not listed as enabled:\n%s", list)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if u, err := st.Users().UserByName(ctx, "sam"); err != nil || u.Disabled {
		t.Errorf("sam after enable = %+v, %v; want enabled", u, err)
	}
	var seen []string
	for _, e := range auditEntries(t, db) {
		if e.What != "user.disable" && e.What != "user.enable" {
			continue
		}
		if e.Who != cliUser() {
			t.Errorf("audit entry %d who = %q, want %q", e.N, e.Who, cliUser())
		}
		seen = append(seen, e.What+" "+e.Object+": "+e.Why)
	}
	want := []string{"user.disable sam: disabled from the command line", "user.enable sam: enabled from the command line"}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries =\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

// TestUserAddRoles: `user add --help` says which roles need --reason, and a
// mistyped role is refused with the valid roles listed.
func TestUserAddRoles(t *testing.T) {
	code, _, stderr := run(t, nil, "", "user", "add", "--help")
	if code != 0 {
		t.Fatalf("user add --help: exit %d; stderr:\n%s", code, stderr)
	}
	help := strings.Join(strings.Fields(stderr), " ")
	for _, want := range []string{"-reason", "granting data_protection_officer or administrator needs --reason"} {
		if !strings.Contains(help, want) {
			t.Errorf("user add --help does not say %q:\n%s", want, stderr)
		}
	}
	db := filepath.Join(t.TempDir(), "r.db")
	code, _, stderr = run(t, nil, "", "user", "add", "sam", "--role", "socialworker", "--db", db)
	if code != 2 {
		t.Errorf("user add --role socialworker: exit %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, r := range bonafide.Roles {
		if !strings.Contains(stderr, string(r)) {
			t.Errorf("user add --role socialworker does not list the role %s:\n%s", r, stderr)
		}
	}
}
