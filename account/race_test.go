package account_test

import (
	"context"
	"strings"
	"testing"

	"bonafide"
	"bonafide/account"
	"bonafide/auth"
)

// racingStore is a user store on which another change lands just before
// the next call of one method, as an administrator's reset would land
// while a request is between reading an account and writing it.
type racingStore struct {
	account.UserStore
	on     string // "UpdateUser" or "CreateSession"
	change func(ctx context.Context)
}

func (r *racingStore) land(ctx context.Context, method string) {
	if r.change != nil && r.on == method {
		change := r.change
		r.change = nil
		change(ctx)
	}
}

func (r *racingStore) UpdateUser(ctx context.Context, id int64, upd bonafide.UserUpdate) (bonafide.User, error) {
	r.land(ctx, "UpdateUser")
	return r.UserStore.UpdateUser(ctx, id, upd)
}

func (r *racingStore) CreateSession(ctx context.Context, s bonafide.Session) error {
	r.land(ctx, "CreateSession")
	return r.UserStore.CreateSession(ctx, s)
}

// TestChangedMeanwhile: a change decided on the account as it was read is
// refused when an administrator's reset lands before it is written; the
// reset stands, and the entry written before the change is followed by its
// _not_made.
func TestChangedMeanwhile(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		on      string
		do      func(e *env, p *account.Principal) error
		notMade string
	}{
		{"password change", "UpdateUser", func(e *env, p *account.Principal) error {
			_, err := e.svc.ChangePassword(ctx, p, testPassword, "my own new passphrase")
			return err
		}, "user.password_change"},
		{"login", "CreateSession", func(e *env, p *account.Principal) error {
			_, err := e.svc.Login(ctx, account.Credentials{Name: p.User.Name, Password: testPassword, ClientAddr: "192.0.2.1"})
			return err
		}, "login"},
		{"enrolment", "UpdateUser", func(e *env, p *account.Principal) error {
			_, err := e.svc.EnrolTOTP(ctx, p)
			return err
		}, "user.totp_enrol"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			racing := &racingStore{UserStore: e.users}
			e.svc.Users = racing
			u := e.user(t, "pat", bonafide.RoleSocialWorker)
			ns, err := e.svc.Login(ctx, account.Credentials{Name: u.Name, Password: testPassword, ClientAddr: "192.0.2.1"})
			if err != nil {
				t.Fatal(err)
			}
			resetHash, err := auth.HashPassword("the administrator's reset passphrase", testPasswordParams)
			if err != nil {
				t.Fatal(err)
			}
			racing.on, racing.change = tt.on, func(ctx context.Context) {
				if _, err := e.users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &resetHash}); err != nil {
					t.Errorf("the administrator's reset: %v", err)
				}
			}
			before := len(e.audit.entries)
			err = tt.do(e, ns.Principal)
			if code := bonafide.ErrorCode(err); code != bonafide.EConflict {
				t.Errorf("%s with a reset landing meanwhile = %v, want code conflict", tt.name, err)
			}
			got, err := e.users.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.PasswordHash != resetHash || got.TOTPSecret != "" {
				t.Errorf("the reset was overwritten: %+v", got)
			}
			if want := []string{tt.notMade, tt.notMade + "_not_made"}; strings.Join(e.audit.whats()[before:], " ") != strings.Join(want, " ") {
				t.Errorf("audit entries %q, want %q", e.audit.whats()[before:], want)
			}
		})
	}
}

// TestSealSeeds: seeds stored in the clear are sealed, each audited first,
// so that they open for their user; sealed ones are left alone; a seed
// changed while the command runs is not overwritten, and its entry is
// followed by a _not_made.
func TestSealSeeds(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	racing := &racingStore{UserStore: e.users}
	e.svc.Users = racing
	cli := account.CommandLine("root")
	const clear = "JBSWY3DPEHPK3PXP"
	seed := func(u bonafide.User, s string) {
		t.Helper()
		yes := true
		if _, err := e.users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{TOTPSecret: &s, TOTPConfirmed: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	ada := e.user(t, "ada", bonafide.RoleAdministrator)
	dora := e.user(t, "dora", bonafide.RoleDPO)
	e.user(t, "sam", bonafide.RoleSocialWorker) // no second factor
	seed(ada, clear)
	sealedDora, err := auth.SealTOTP(e.svc.Secrets, dora, clear)
	if err != nil {
		t.Fatal(err)
	}
	seed(dora, sealedDora)
	sealed, already, err := e.svc.SealSeeds(ctx, cli)
	if err != nil || strings.Join(sealed, ",") != "ada" || already != 1 {
		t.Fatalf("SealSeeds = %q, %d, %v; want [ada], 1 sealed already", sealed, already, err)
	}
	got, err := e.users.UserByID(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if open, err := auth.OpenTOTP(e.svc.Secrets, got); err != nil || open != clear {
		t.Errorf("ada's sealed seed opens to %q, %v; want the seed", open, err)
	}
	// A seed in the clear again, and the user's own enrolment landing
	// while it is sealed.
	seed(ada, clear)
	racing.on, racing.change = "UpdateUser", func(ctx context.Context) { seed(ada, "KRSXG5CTMVRXEZLU") }
	before := len(e.audit.entries)
	if _, _, err := e.svc.SealSeeds(ctx, cli); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("SealSeeds with a change landing = %v, want code conflict", err)
	}
	if got, err := e.users.UserByID(ctx, ada.ID); err != nil || got.TOTPSecret != "KRSXG5CTMVRXEZLU" {
		t.Errorf("the change landing meanwhile was overwritten: %q, %v", got.TOTPSecret, err)
	}
	if want := []string{"user.totp_seal", "user.totp_seal_not_made"}; strings.Join(e.audit.whats()[before:], " ") != strings.Join(want, " ") {
		t.Errorf("audit entries %q, want %q", e.audit.whats()[before:], want)
	}
	for _, en := range e.audit.entries {
		if strings.Contains(en.Why+en.Object, clear) {
			t.Errorf("audit entry %+v holds the seed", en)
		}
	}
}
