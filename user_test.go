package bonafide

import (
	"errors"
	"testing"
)

// TestUserApply checks the merge rules both stores' UpdateUser rest on:
// which fields change, and which changes end the user's sessions.
func TestUserApply(t *testing.T) {
	base := User{ID: 7, Name: "ana", Role: RoleIntakeOfficer, PasswordHash: "h1", TOTPSecret: "S1", TOTPConfirmed: true}
	rolep := func(r Role) *Role { return &r }
	boolp := func(b bool) *bool { return &b }
	str := func(s string) *string { return &s }
	changed := base
	changed.PasswordHash = "other"
	tests := []struct {
		name    string
		upd     UserUpdate
		want    func(User) User
		end     bool
		wantErr error
	}{
		{"nothing", UserUpdate{}, func(u User) User { return u }, false, nil},
		{"same role", UserUpdate{Role: rolep(RoleIntakeOfficer)}, func(u User) User { return u }, false, nil},
		{"new role", UserUpdate{Role: rolep(RoleAdministrator)}, func(u User) User { u.Role = RoleAdministrator; return u }, true, nil},
		{"disable", UserUpdate{Disabled: boolp(true)}, func(u User) User { u.Disabled = true; return u }, true, nil},
		{"enable", UserUpdate{Disabled: boolp(false)}, func(u User) User { return u }, false, nil},
		{"password", UserUpdate{PasswordHash: str("h2")}, func(u User) User { u.PasswordHash = "h2"; return u }, true, nil},
		{"same password hash", UserUpdate{PasswordHash: str("h1")}, func(u User) User { return u }, true, nil},
		{"new secret", UserUpdate{TOTPSecret: str("S2")}, func(u User) User { u.TOTPSecret = "S2"; return u }, false, nil},
		{"factor withdrawn", UserUpdate{TOTPSecret: str(""), TOTPConfirmed: boolp(false)},
			func(u User) User { u.TOTPSecret, u.TOTPConfirmed = "", false; return u }, true, nil},
		{"factor confirmed again", UserUpdate{TOTPConfirmed: boolp(true)}, func(u User) User { return u }, false, nil},
		{"if unchanged, unchanged", UserUpdate{PasswordHash: str("h2"), IfUnchanged: &base},
			func(u User) User { u.PasswordHash = "h2"; return u }, true, nil},
		{"if unchanged, changed", UserUpdate{PasswordHash: str("h2"), IfUnchanged: &changed},
			func(u User) User { return u }, false, ErrAccountChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, end, err := base.Apply(tt.upd)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Apply() error = %v, want %v", err, tt.wantErr)
			}
			if want := tt.want(base); got != want || end != tt.end {
				t.Errorf("Apply() = %+v, %v, want %+v, %v", got, end, want, tt.end)
			}
		})
	}
	t.Run("unconfirmed factor withdrawn", func(t *testing.T) {
		u := base
		u.TOTPConfirmed = false
		if _, end, err := u.Apply(UserUpdate{TOTPConfirmed: boolp(false)}); end || err != nil {
			t.Errorf("Apply() ends sessions = %v, %v, want false, nil", end, err)
		}
	})
}
