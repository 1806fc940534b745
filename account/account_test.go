package account_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/auth"
	"bonafide/sqlite"
	"bonafide/vault"
)

// testPasswordParams make password hashing cheap in tests.
var testPasswordParams = auth.PasswordParams{Memory: 64, Time: 1, Threads: 1}

const testPassword = "correct horse battery staple"

// watchedLog is the real audit log of a test's store, which also lets a
// test look at the store at the moment each entry is appended (to see
// whether the change it records is made yet) and refuse entries, as a full
// disk would.
type watchedLog struct {
	log *auditlog.Log
	// onAppend, when set, runs before each entry is appended.
	onAppend func(e auditlog.Entry)
	refuse   bool
	entries  []auditlog.Entry
}

func (w *watchedLog) Append(ctx context.Context, e auditlog.Entry) (auditlog.Entry, error) {
	if w.onAppend != nil {
		w.onAppend(e)
	}
	if w.refuse {
		return auditlog.Entry{}, errors.New("disk full")
	}
	e, err := w.log.Append(ctx, e)
	if err == nil {
		w.entries = append(w.entries, e)
	}
	return e, err
}

// whats lists the actions of the entries appended so far.
func (w *watchedLog) whats() []string {
	var out []string
	for _, e := range w.entries {
		out = append(out, e.What)
	}
	return out
}

// env is an account service on a fresh SQLite store with its vault and
// audit log.
type env struct {
	svc   *account.Service
	users bonafide.UserStore
	audit *watchedLog
	now   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	sealer := &vault.Deferred{}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"), sqlite.Options{Migrate: true, Sealer: sealer, Tagger: sealer.Tags})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	mk, err := vault.GenerateMasterKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(ctx, st.VaultKeys(), vault.MasterKeys{mk}, vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sealer.Set(v)
	skey, _, err := auditlog.GenerateSigningKey("test.bonafide/audit")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{users: st.Users(), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	alog, err := auditlog.New(st.AuditStorage(), skey, auditlog.Config{Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.audit = &watchedLog{log: alog}
	e.svc = account.New(e.users, e.audit, slog.New(slog.DiscardHandler))
	e.svc.Now = func() time.Time { return e.now }
	e.svc.PasswordParams = testPasswordParams
	e.svc.Secrets = v
	e.svc.Approvals = st.Approvals()
	return e
}

// twoFactor is the principal of user u in a session whose login passed a
// second factor, as the two-person rule needs; u's account is taken to
// have a confirmed one.
func twoFactor(u bonafide.User) *account.Principal {
	u.TOTPConfirmed = true
	return &account.Principal{User: u, Session: &bonafide.Session{UserID: u.ID, SecondFactor: true}}
}

// user stores a user of role with testPassword (none for a machine
// client), unaudited, as a fixture.
func (e *env) user(t *testing.T, name string, role bonafide.Role) bonafide.User {
	t.Helper()
	pw := testPassword
	if role == bonafide.RoleIntakeMachine {
		pw = ""
	}
	u, _, err := account.NewUser(name, role, pw, "test", testPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if u, err = e.users.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// admin is an administrator's actor, as the HTTP API makes it.
func (e *env) admin(t *testing.T) account.Actor {
	t.Helper()
	p := &account.Principal{User: e.user(t, "ada", bonafide.RoleAdministrator)}
	return p.Actor()
}

// TestLoginSameWork checks that a login for an unknown name verifies a
// password against a hash of the service's own cost, as a known user's
// does, so that the time taken does not tell which names exist.
func TestLoginSameWork(t *testing.T) {
	e := newEnv(t)
	u := e.user(t, "alice", bonafide.RoleSocialWorker)
	// The PHC string's fourth field holds the costs: "m=…,t=…,p=…".
	costs := func(hash string) string {
		parts := strings.Split(hash, "$")
		if len(parts) != 6 {
			t.Fatalf("hash %q is not a PHC string", hash)
		}
		return parts[3]
	}
	if got, want := costs(account.DummyHash(e.svc)), costs(u.PasswordHash); got != want {
		t.Errorf("the hash checked for unknown names costs %s, a user's %s: unknown names answer at another speed", got, want)
	}
}

// TestUnknownRole: a mistyped role is refused, by every way of giving one,
// with the valid roles listed, so that the person can correct it.
func TestUnknownRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada := e.admin(t)
	olga := e.user(t, "olga", bonafide.RoleSocialWorker)
	const typo = bonafide.Role("socialworker")
	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"CheckRole", func() error { return account.CheckRole(typo) }},
		{"NewUser", func() error {
			_, _, err := account.NewUser("sam", typo, "", "test", testPasswordParams)
			return err
		}},
		{"Create", func() error {
			_, _, err := e.svc.Create(ctx, ada, account.NewUserRequest{Name: "sam", Role: typo})
			return err
		}},
		{"ChangeRole", func() error {
			_, err := e.svc.ChangeRole(ctx, ada, olga.ID, typo, "")
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if code := bonafide.ErrorCode(err); code != bonafide.EInvalid {
				t.Fatalf("%s(%q) = %v (code %s), want code %s", tt.name, typo, err, code, bonafide.EInvalid)
			}
			msg := bonafide.ErrorMessage(err)
			if !strings.Contains(msg, `unknown role "socialworker"`) {
				t.Errorf("%s(%q) says %q, want it to name the role given", tt.name, typo, msg)
			}
			for _, r := range bonafide.Roles {
				if !strings.Contains(msg, string(r)) {
					t.Errorf("%s(%q) says %q, which does not list the valid role %s", tt.name, typo, msg, r)
				}
			}
		})
	}
	if got := e.audit.whats(); len(got) != 0 {
		t.Errorf("refused changes left audit entries %q", got)
	}
}

// TestCheckGrantReason: a privileged role needs a written reason of
// MinGrantReason characters; every role takes one of at most
// MaxGrantReason bytes, trimmed.
func TestCheckGrantReason(t *testing.T) {
	const long = "Deputy data protection officer while the DPO is on leave"
	for _, tt := range []struct {
		name   string
		role   bonafide.Role
		reason string
		want   string // "" for refused
	}{
		{"DPO without", bonafide.RoleDPO, "", ""},
		{"administrator, short", bonafide.RoleAdministrator, "new admin", ""},
		{"DPO, spaces only count once trimmed", bonafide.RoleDPO, "   short reason   ", ""},
		{"DPO with", bonafide.RoleDPO, "  " + long + " ", long},
		{"social worker without", bonafide.RoleSocialWorker, "", ""},
		{"social worker, too long", bonafide.RoleSocialWorker, strings.Repeat("x", account.MaxGrantReason+1), ""},
		{"social worker with", bonafide.RoleSocialWorker, "cover", "cover"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := account.CheckGrantReason(tt.role, tt.reason)
			refused := tt.want == "" && (tt.role.RequiresSecondFactor() || len(tt.reason) > account.MaxGrantReason)
			switch {
			case refused && err == nil:
				t.Errorf("CheckGrantReason(%s, %q) = %q, nil; want refused", tt.role, tt.reason, got)
			case !refused && (err != nil || got != tt.want):
				t.Errorf("CheckGrantReason(%s, %q) = %q, %v; want %q, nil", tt.role, tt.reason, got, err, tt.want)
			}
		})
	}
}

// TestAuditBeforeChange: every administrator's change is recorded before
// it is made (at the moment its entry is appended, the store does not show
// it yet), with the actor and what changed; a token, whose number exists
// only once it is made, is recorded after.
func TestAuditBeforeChange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada := e.admin(t)
	olga := e.user(t, "olga", bonafide.RoleSocialWorker)
	portal := e.user(t, "portal", bonafide.RoleIntakeMachine)
	const reason = "Deputy data protection officer while the DPO is on leave"
	adaUser, err := e.users.UserByID(ctx, ada.UserID)
	if err != nil {
		t.Fatal(err)
	}
	bea := twoFactor(e.user(t, "bea", bonafide.RoleAdministrator))
	// twoStep grants a role or resets a password the API's way: ada asks,
	// bea approves.
	twoStep := func(kind bonafide.AccountApprovalKind, role bonafide.Role) error {
		a, err := e.svc.RequestApproval(ctx, twoFactor(adaUser), account.ApprovalRequest{Kind: kind, UserID: olga.ID, Role: role, Reason: reason})
		if err != nil {
			return err
		}
		_, err = e.svc.Approve(ctx, bea, a.ID)
		return err
	}
	var seen []string
	e.audit.onAppend = func(en auditlog.Entry) {
		var made bool
		switch en.What {
		case "user.create":
			_, err := e.users.UserByName(ctx, en.Object)
			made = err == nil
		case "token.create":
			ts, err := e.users.Tokens(ctx, portal.ID)
			if err != nil {
				t.Fatal(err)
			}
			made = len(ts) == 1
		default:
			u, err := e.users.UserByName(ctx, en.Object)
			if err != nil {
				t.Fatal(err)
			}
			switch en.What {
			case "user.role":
				made = u.Role == bonafide.RoleDPO
			case "user.disable":
				made = u.Disabled
			case "user.enable":
				made = !u.Disabled
			case "user.password_reset":
				made = u.PasswordHash != olga.PasswordHash
			case "token.revoke":
				ts, err := e.users.Tokens(ctx, portal.ID)
				if err != nil {
					t.Fatal(err)
				}
				made = len(ts) == 0
			}
		}
		if made != (en.What == "token.create") {
			t.Errorf("%s %s: made before its entry = %v", en.What, en.Object, made)
		}
		seen = append(seen, en.Who+" "+en.What+" "+en.Object+": "+en.Why)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"create", func() error {
			_, _, err := e.svc.Create(ctx, ada, account.NewUserRequest{Name: "sol", Role: bonafide.RoleSocialWorker})
			return err
		}},
		{"role", func() error { return twoStep(bonafide.ApprovalRoleGrant, bonafide.RoleDPO) }},
		{"disable", func() error { _, err := e.svc.Disable(ctx, ada, olga.ID); return err }},
		{"enable", func() error { _, err := e.svc.Enable(ctx, ada, olga.ID); return err }},
		{"reset password", func() error { return twoStep(bonafide.ApprovalPasswordReset, "") }},
		{"token", func() error { _, _, err := e.svc.CreateToken(ctx, ada, "portal", "referral portal"); return err }},
		{"revoke", func() error {
			ts, err := e.users.Tokens(ctx, portal.ID)
			if err != nil || len(ts) != 1 {
				t.Fatalf("tokens of portal = %d, %v; want 1", len(ts), err)
			}
			return e.svc.RevokeToken(ctx, ada, portal.ID, ts[0].ID)
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	want := []string{
		"user:ada user.create sol: role social_worker",
		"user:ada user.approval_request olga: role_grant social_worker -> data_protection_officer, waiting for a second administrator: " + reason,
		"user:bea user.approval_approve olga: approved request 1 (role_grant) of user:ada",
		"user:bea user.role olga: social_worker -> data_protection_officer: " + reason,
		"user:ada user.disable olga: disabled by an administrator",
		"user:ada user.enable olga: enabled by an administrator",
		"user:ada user.approval_request olga: password_reset, waiting for a second administrator: " + reason,
		"user:bea user.approval_approve olga: approved request 2 (password_reset) of user:ada",
		"user:bea user.password_reset olga: password reset by two administrators (user:ada asked, user:bea approved, request 2): " + reason,
		"user:ada token.create portal: token 1: referral portal",
		"user:ada token.revoke portal: token 1 revoked by an administrator",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

// TestChangeNeedsAudit: a change the audit log cannot record is not made,
// and the answer (ErrAuditUnavailable) says so truthfully; a token made
// before its entry is deleted again.
func TestChangeNeedsAudit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada := e.admin(t)
	olga := e.user(t, "olga", bonafide.RoleSocialWorker)
	dora := e.user(t, "dora", bonafide.RoleDPO)
	portal := e.user(t, "portal", bonafide.RoleIntakeMachine)
	seed, yes := "sealed-seed", true
	if _, err := e.users.UpdateUser(ctx, dora.ID, bonafide.UserUpdate{TOTPSecret: &seed, TOTPConfirmed: &yes}); err != nil {
		t.Fatal(err)
	}
	const reason = "Deputy data protection officer while the DPO is on leave"
	// The command line changes alone (the API asks two administrators;
	// see TestTwoPersonApproval).
	cli := account.CommandLine("root")
	adaUser, err := e.users.UserByID(ctx, ada.UserID)
	if err != nil {
		t.Fatal(err)
	}
	adaP := twoFactor(adaUser)
	e.audit.refuse = true
	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"create", func() error {
			_, _, err := e.svc.Create(ctx, cli, account.NewUserRequest{Name: "mal", Role: bonafide.RoleAdministrator, Reason: reason})
			return err
		}},
		{"role", func() error { _, err := e.svc.ChangeRole(ctx, cli, olga.ID, bonafide.RoleDPO, reason); return err }},
		{"disable", func() error { _, err := e.svc.Disable(ctx, ada, olga.ID); return err }},
		{"reset password", func() error { _, _, err := e.svc.ResetPassword(ctx, cli, olga.ID, "", ""); return err }},
		{"reset second factor", func() error { _, _, err := e.svc.ResetTOTP(ctx, cli, dora.ID, reason); return err }},
		{"ask for a grant", func() error {
			_, err := e.svc.RequestApproval(ctx, adaP, account.ApprovalRequest{Kind: bonafide.ApprovalRoleGrant, UserID: olga.ID, Role: bonafide.RoleDPO, Reason: reason})
			return err
		}},
		{"token", func() error { _, _, err := e.svc.CreateToken(ctx, ada, "portal", "referral portal"); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, account.ErrAuditUnavailable) || bonafide.ErrorCode(err) != bonafide.EUnavailable {
				t.Errorf("%s with the audit log refusing = %v, want ErrAuditUnavailable", tt.name, err)
			}
			if msg := bonafide.ErrorMessage(err); strings.Contains(msg, "disk full") {
				t.Errorf("%s: the caller is shown the cause %q", tt.name, msg)
			}
		})
	}
	if _, err := e.users.UserByName(ctx, "mal"); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("mal was created without an entry: %v", err)
	}
	if u, err := e.users.UserByID(ctx, olga.ID); err != nil || u.Role != bonafide.RoleSocialWorker || u.Disabled || u.PasswordHash != olga.PasswordHash {
		t.Errorf("olga after unrecorded changes = %+v, %v; want unchanged", u, err)
	}
	if u, err := e.users.UserByID(ctx, dora.ID); err != nil || !u.TOTPConfirmed {
		t.Errorf("dora's second factor was withdrawn without an entry: %+v, %v", u, err)
	}
	if ts, err := e.users.Tokens(ctx, portal.ID); err != nil || len(ts) != 0 {
		t.Errorf("tokens of portal after an unrecorded creation = %d, %v; want 0", len(ts), err)
	}
}

// TestEnable: a disabled user is enabled again, audited, and can log in;
// enabling is an administrator's override, never of their own account.
func TestEnable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada := e.admin(t)
	sam := e.user(t, "sam", bonafide.RoleSocialWorker)
	login := func() error {
		_, err := e.svc.Login(ctx, account.Credentials{Name: "sam", Password: testPassword, ClientAddr: "192.0.2.1"})
		return err
	}
	if _, err := e.svc.Disable(ctx, ada, sam.ID); err != nil {
		t.Fatal(err)
	}
	if err := login(); !errors.Is(err, account.ErrBadLogin) {
		t.Fatalf("login of a disabled user = %v, want ErrBadLogin", err)
	}
	u, err := e.svc.Enable(ctx, ada, sam.ID)
	if err != nil || u.Disabled {
		t.Fatalf("Enable = %+v, %v; want enabled", u, err)
	}
	if err := login(); err != nil {
		t.Errorf("login after Enable = %v, want a session", err)
	}
	if _, err := e.svc.Enable(ctx, ada, ada.UserID); bonafide.ErrorCode(err) != bonafide.EForbidden {
		t.Errorf("an administrator enabling themselves = %v, want forbidden", err)
	}
	want := []string{"user.disable", "login.fail", "user.enable", "login"}
	if got := e.audit.whats(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit entries %q, want %q", got, want)
	}
}

// TestFirstAdministrator: the command line makes an administrator only
// while there are fewer than two enabled ones (the pair the two-person
// rule needs); over the API, two administrators grant the role.
func TestFirstAdministrator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cli := account.CommandLine("root")
	const reason = "first administrator (bootstrap)"
	first, pw, err := e.svc.Create(ctx, cli, account.NewUserRequest{Name: "admin", Role: bonafide.RoleAdministrator, Reason: reason})
	if err != nil || pw == "" || first.CreatedBy != "cli:root" {
		t.Fatalf("first administrator = %+v, password %q, %v; want one made by cli:root with a generated password", first, pw, err)
	}
	by := (&account.Principal{User: first}).Actor()
	if _, _, err := e.svc.Create(ctx, by, account.NewUserRequest{Name: "boss", Role: bonafide.RoleAdministrator, Reason: "second administrator for the out-of-hours rota"}); bonafide.ErrorCode(err) != bonafide.EForbidden {
		t.Errorf("second administrator by an administrator alone = %v, want forbidden (two administrators grant it)", err)
	}
	// The second, which the two-person rule needs, comes from the command
	// line too; a third does not.
	if _, _, err := e.svc.Create(ctx, cli, account.NewUserRequest{Name: "boss", Role: bonafide.RoleAdministrator, Reason: reason}); err != nil {
		t.Errorf("second administrator from the command line = %v, want made", err)
	}
	if _, _, err := e.svc.Create(ctx, cli, account.NewUserRequest{Name: "chief", Role: bonafide.RoleAdministrator, Reason: reason}); !errors.Is(err, account.ErrAdministratorExists) {
		t.Errorf("third administrator from the command line = %v, want ErrAdministratorExists", err)
	}
	if _, err := e.svc.Disable(ctx, by, first.ID); bonafide.ErrorCode(err) != bonafide.EForbidden {
		t.Errorf("an administrator disabling themselves = %v, want forbidden", err)
	}
}

// TestWrongPasswordsThrottled: a wrong current password given to change
// one's own counts against the name's login throttle, and once the name
// must wait, logins and changes are refused with a ThrottledError, not
// audited.
func TestWrongPasswordsThrottled(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "sam", bonafide.RoleSocialWorker)
	ns, err := e.svc.Login(ctx, account.Credentials{Name: "sam", Password: testPassword, ClientAddr: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	// The clock stands still: the failures after the free ones make the
	// name wait.
	for i := range e.svc.Throttle.Free + 1 {
		if _, err := e.svc.ChangePassword(ctx, ns.Principal, "not my password at all", "my own new passphrase"); bonafide.ErrorCode(err) != bonafide.EInvalid {
			t.Fatalf("wrong current password %d = %v, want invalid", i+1, err)
		}
	}
	before := len(e.audit.entries)
	var te *account.ThrottledError
	if _, err := e.svc.ChangePassword(ctx, ns.Principal, testPassword, "my own new passphrase"); !errors.As(err, &te) || te.Seconds() < 1 {
		t.Errorf("a change with the right password while the name waits = %v, want a ThrottledError", err)
	}
	if _, err := e.svc.Login(ctx, account.Credentials{Name: "sam", Password: testPassword, ClientAddr: "192.0.2.3"}); !errors.As(err, &te) || te.Seconds() < 1 {
		t.Errorf("login of a name that must wait = %v, want a ThrottledError", err)
	}
	if got := e.audit.whats()[before:]; len(got) != 0 {
		t.Errorf("audit entries %q for throttled attempts, want none", got)
	}
	if n := strings.Count(strings.Join(e.audit.whats(), " "), "user.password_fail"); n != e.svc.Throttle.Free+1 {
		t.Errorf("%d user.password_fail entries, want %d", n, e.svc.Throttle.Free+1)
	}
}
