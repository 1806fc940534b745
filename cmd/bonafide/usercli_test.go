package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bonafide/account"
	"bonafide/auth"
)

// TestUserNewStore runs the user commands on SQLite files that do not
// exist: those that read or change existing users refuse the file instead
// of creating it, bootstrap and add create it with its schema, and a
// command that fails after creating one leaves no file behind.
func TestUserNewStore(t *testing.T) {
	dir := t.TempDir()
	short := writeFile(t, dir, "short", "tooshort\n")
	const why = "Lost her phone on the train on 3 March (IG ticket 4411)"
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	noFiles := func(t *testing.T, db string) {
		t.Helper()
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if exists(db + suffix) {
				t.Errorf("%s left behind", db+suffix)
			}
		}
	}

	missing := filepath.Join(dir, "missing.db")
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"list", []string{"user", "list"}},
		{"tokens", []string{"user", "tokens", "portal"}},
		{"seal-totp", []string{"user", "seal-totp"}},
		{"disable", []string{"user", "disable", "sam"}},
		{"enable", []string{"user", "enable", "sam"}},
		{"token", []string{"user", "token", "portal", "--label", "gp-surgery.example"}},
		{"revoke-token", []string{"user", "revoke-token", "portal", "1"}},
		{"reset-password", []string{"user", "reset-password", "sam"}},
		{"reset-totp", []string{"user", "reset-totp", "sam", "--reason", why}},
	} {
		t.Run(tt.name+" refuses a missing file", func(t *testing.T) {
			args := append(tt.args, "--db", missing)
			code, stdout, stderr := run(t, nil, "", args...)
			if code != 1 || !strings.Contains(stderr, "no store at "+missing) {
				t.Errorf("bonafide %q = exit %d, %q %q; want 1 and no store", args, code, stdout, stderr)
			}
			noFiles(t, missing)
		})
	}

	for _, tt := range []struct {
		name   string
		args   []string
		errOut string
	}{
		{"bootstrap with a short password", []string{"user", "bootstrap", "--password-file", short}, "at least 12"},
		{"add with a short password", []string{"user", "add", "sam", "--role", "social_worker", "--password-file", short}, "at least 12"},
	} {
		t.Run(tt.name+" leaves no file", func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "new.db")
			args := append(tt.args, "--db", db)
			code, _, stderr := run(t, nil, "", args...)
			if code != 1 || !strings.Contains(stderr, tt.errOut) {
				t.Errorf("bonafide %q = exit %d, %q; want 1 and %q", args, code, stderr, tt.errOut)
			}
			noFiles(t, db)
		})
	}

	for _, tt := range []struct {
		name string
		args []string
		user string // the row user list must show
	}{
		{"bootstrap", []string{"user", "bootstrap"}, "admin"},
		{"add", []string{"user", "add", "portal", "--role", "intake_client"}, "portal"},
	} {
		t.Run(tt.name+" creates a new file", func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "new.db")
			if code, _, stderr := run(t, nil, "", append(tt.args, "--db", db)...); code != 0 {
				t.Fatalf("bonafide %q on a new file = exit %d; stderr:\n%s", tt.args, code, stderr)
			}
			code, stdout, stderr := run(t, nil, "", "user", "list", "--db", db)
			if code != 0 || !strings.Contains(stdout, "\n"+tt.user+" ") {
				t.Errorf("user list after %s on a new file = exit %d, %q %q; want %s listed", tt.name, code, stdout, stderr, tt.user)
			}
		})
	}
}

// TestUserFlagsAnywhere runs every user command with its flags (--db
// among them) after its arguments, before them, between them and before
// the subcommand: each command line does the same. The steps run in turn
// on one store, which the first creates.
func TestUserFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // where the default store would be
	db := filepath.Join(dir, "f.db")
	other := filepath.Join(dir, "other.db")
	pw := writeFile(t, dir, "pw", "a long enough passphrase for tests\n")
	const why = "Lost her phone on the train on 3 March (IG ticket 4411)"
	tests := []struct {
		name string
		args []string
		out  string // stdout must contain it
	}{
		{"bootstrap, flags after", []string{"user", "bootstrap", "--db", db, "--name", "root"}, `Created the first administrator "root"`},
		{"bootstrap, flags before the subcommand", []string{"user", "--db", other, "--name", "boss", "bootstrap"}, `Created the first administrator "boss"`},
		{"add, flags after", []string{"user", "add", "alice", "--role", "social_worker", "--db", db}, "Added alice, role social_worker."},
		{"add, flags before", []string{"user", "add", "--role", "social_worker", "--db", db, "bob"}, "Added bob, role social_worker."},
		{"add, flags between", []string{"user", "add", "--role", "intake_client", "portal", "--db", db}, "Added portal, role intake_client."},
		{"add, flags before the subcommand", []string{"user", "--db", db, "add", "carol", "--role", "auditor"}, "Added carol, role auditor."},
		{"list, flags after", []string{"user", "list", "--db", db}, "carol"},
		{"list, flags before the subcommand", []string{"user", "--db", db, "list"}, "portal"},
		{"token, flags after", []string{"user", "token", "portal", "--label", "first-host", "--db", db}, "bfk_"},
		{"token, flags before", []string{"user", "token", "--label", "second-host", "--db", db, "portal"}, "bfk_"},
		{"token, flags between", []string{"user", "token", "--db", db, "portal", "--label", "third-host"}, "bfk_"},
		{"tokens, flags after", []string{"user", "tokens", "portal", "--db", db}, "third-host"},
		{"tokens, flags before", []string{"user", "tokens", "--db", db, "portal"}, "second-host"},
		{"revoke-token, flags after", []string{"user", "revoke-token", "portal", "1", "--db", db}, "Revoked token 1 of portal."},
		{"revoke-token, flags before", []string{"user", "revoke-token", "--db", db, "portal", "2"}, "Revoked token 2 of portal."},
		{"revoke-token, flags between", []string{"user", "revoke-token", "portal", "--db", db, "3"}, "Revoked token 3 of portal."},
		{"disable, flags after", []string{"user", "disable", "alice", "--db", db}, "Disabled alice"},
		{"disable, flags before", []string{"user", "disable", "--db", db, "bob"}, "Disabled bob"},
		{"enable, flags after", []string{"user", "enable", "alice", "--db", db}, "Enabled alice"},
		{"enable, flags before", []string{"user", "enable", "--db", db, "bob"}, "Enabled bob"},
		{"reset-password, flags after", []string{"user", "reset-password", "alice", "--password-file", pw, "--db", db}, "Reset the password of alice"},
		{"reset-password, flags before", []string{"user", "reset-password", "--password-file", pw, "--db", db, "bob"}, "Reset the password of bob"},
		{"reset-totp, flags after", []string{"user", "reset-totp", "alice", "--reason", why, "--db", db}, "alice has no second factor to reset"},
		{"reset-totp, flags before", []string{"user", "reset-totp", "--reason", why, "--db", db, "bob"}, "bob has no second factor to reset"},
		{"seal-totp, flags after", []string{"user", "seal-totp", "--db", db}, "0 second-factor seeds sealed now"},
		{"seal-totp, flags before the subcommand", []string{"user", "--db", db, "seal-totp"}, "0 second-factor seeds sealed now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, "", tt.args...)
			if code != 0 || !strings.Contains(stdout, tt.out) {
				t.Errorf("bonafide %q = exit %d, %q %q; want 0 and %q", tt.args, code, stdout, stderr, tt.out)
			}
		})
	}
	if _, err := os.Stat(defaultDBConfig().DB); err == nil {
		t.Error("a command read --db as an argument and used the default store")
	}
}

// TestUserHelpSaysRules checks that each user command's --help states
// the rules the code enforces, in the account and auth packages' numbers.
func TestUserHelpSaysRules(t *testing.T) {
	reason := fmt.Sprintf("--reason (%d characters or more", account.MinGrantReason)
	password := fmt.Sprintf("%d characters or more, at most %d bytes", auth.MinPasswordLen, auth.MaxPasswordLen)
	const (
		audited  = "Recorded in the audit log, as done by cli:"
		existing = "A SQLite file that does not exist is refused"
		creates  = "A SQLite file that does not exist yet gets its schema"
	)
	tests := []struct {
		name string
		says []string
	}{
		{"bootstrap", []string{password, "Refused while two enabled administrators exist", "enrol a second factor", account.UserNameRule, audited, creates}},
		{"add", []string{"Granting data_protection_officer or administrator needs " + reason, account.UserNameRule, password,
			"an administrator is added only while there is no enabled one", "an intake_client user has no password", account.RoleNames(), audited, creates}},
		{"list", []string{"Never a password hash, seed or token", existing}},
		{"disable", []string{"their sessions end at once", audited, existing}},
		{"enable", []string{"stay ended", audited, existing}},
		{"token", []string{"an enabled intake_client user", fmt.Sprintf("at most %d bytes", account.MaxTokenLabel), "prints it once", existing}},
		{"tokens", []string{"never the token", existing}},
		{"revoke-token", []string{"the user's other tokens go on", audited, existing}},
		{"reset-password", []string{"data_protection_officer or administrator needs " + reason, password, "an intake_client has no password", "their sessions end", audited, existing}},
		{"reset-totp", []string{"always needs " + reason, "required, whatever the role", audited, existing}},
		{"seal-totp", []string{"stored in the clear", "each seal is recorded in the audit log", existing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, nil, "", "user", tt.name, "--help")
			if code != exitOK {
				t.Fatalf("bonafide user %s --help = exit %d, want 0", tt.name, code)
			}
			help := strings.Join(strings.Fields(stderr), " ")
			for _, want := range tt.says {
				if !strings.Contains(strings.ToLower(help), strings.ToLower(want)) {
					t.Errorf("bonafide user %s --help does not say %q:\n%s", tt.name, want, stderr)
				}
			}
		})
	}
}
