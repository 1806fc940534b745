package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bonafide"
	"bonafide/vault"
)

func mustSealer(t *testing.T) *vault.Vault {
	t.Helper()
	mk, err := vault.GenerateMasterKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(context.Background(), new(vault.MemoryKeyStore), vault.MasterKeys{mk}, vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSealTOTP(t *testing.T) {
	v := mustSealer(t)
	secret, _, err := NewTOTP("bonafide", "ada")
	if err != nil {
		t.Fatal(err)
	}
	ada := bonafide.User{ID: 7, Name: "ada", Role: bonafide.RoleDPO}
	bea := bonafide.User{ID: 8, Name: "bea", Role: bonafide.RoleAdministrator}
	stored, err := SealTOTP(v, ada, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !TOTPSealed(stored) || strings.Contains(stored, secret) {
		t.Fatalf("SealTOTP = %q, want the sealed form without the secret", stored)
	}
	ada.TOTPSecret = stored
	got, err := OpenTOTP(v, ada)
	if err != nil || got != secret {
		t.Fatalf("OpenTOTP(SealTOTP(s)) = %q, %v; want the secret", got, err)
	}
	// The opened seed checks codes as the plain one does.
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	if _, ok := CheckTOTP(got, mustCode(t, secret, now), now, 0); !ok {
		t.Error("a code of the opened seed is refused")
	}
	beaSealed, err := SealTOTP(v, bea, secret)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		user     bonafide.User
		unsealed bool // want ErrTOTPUnsealed
	}{
		{name: "bea's seal copied onto ada's row", user: withSecret(ada, beaSealed)},
		{name: "ada's row given bea's ID", user: bonafide.User{ID: bea.ID, Name: "ada", TOTPSecret: stored}},
		{name: "ada's row renamed", user: bonafide.User{ID: ada.ID, Name: "adam", TOTPSecret: stored}},
		{name: "plain seed written into the row", user: withSecret(ada, secret), unsealed: true},
		{name: "no seed", user: withSecret(ada, "")},
		{name: "prefix without a value", user: withSecret(ada, sealedTOTPPrefix)},
		{name: "not base64", user: withSecret(ada, sealedTOTPPrefix+"!!!")},
		{name: "one character changed", user: withSecret(ada, stored[:len(stored)-2]+flip(stored[len(stored)-2])+stored[len(stored)-1:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenTOTP(v, tt.user)
			if err == nil {
				t.Fatalf("OpenTOTP = %q, nil; want an error", got)
			}
			if errors.Is(err, ErrTOTPUnsealed) != tt.unsealed {
				t.Errorf("OpenTOTP error %v: errors.Is(ErrTOTPUnsealed) = %v, want %v", err, !tt.unsealed, tt.unsealed)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("OpenTOTP error %q contains the secret", err)
			}
		})
	}
	if _, err := SealTOTP(v, bonafide.User{Name: "new"}, secret); err == nil {
		t.Error("SealTOTP of a user without an ID = nil error, want one")
	}
}

func withSecret(u bonafide.User, s string) bonafide.User {
	u.TOTPSecret = s
	return u
}

// flip returns another base64 character than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func mustCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTOTPURL: the URL made again from a stored seed is the one NewTOTP
// gave, so that the QR code of a waiting enrolment is the same.
func TestTOTPURL(t *testing.T) {
	for _, tt := range []struct{ name, issuer, account string }{
		{"plain", "bonafide", "dana"},
		{"spaces and dots", "Testbury children's services", "dana.smith"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			secret, want, err := NewTOTP(tt.issuer, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if got := TOTPURL(tt.issuer, tt.account, secret); got != want {
				t.Errorf("TOTPURL = %s, want %s", got, want)
			}
		})
	}
}
