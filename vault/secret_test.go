package vault

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestSealSecret(t *testing.T) {
	v := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	sealed, err := v.SealSecret("totp", "7/ada", []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(secret)) {
		t.Fatal("SealSecret output contains the secret")
	}
	if got, err := v.OpenSecret("totp", "7/ada", sealed); err != nil || string(got) != secret {
		t.Fatalf("OpenSecret(SealSecret(s)) = %q, %v; want the secret", got, err)
	}
	// A reporter sealed with aad equal to a secret's own associated data.
	asReporter, err := v.Seal([]byte(secret), secretAAD("totp", "7/ada"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		purpose string
		subject string
		sealed  []byte
	}{
		{name: "another user's id", purpose: "totp", subject: "8/ada", sealed: sealed},
		{name: "another user's name", purpose: "totp", subject: "7/bea", sealed: sealed},
		{name: "another purpose", purpose: "recovery", subject: "7/ada", sealed: sealed},
		{name: "purpose and subject shifted", purpose: "tot", subject: "p7/ada", sealed: sealed},
		{name: "empty purpose", purpose: "", subject: "7/ada", sealed: sealed},
		{name: "sealed as reporter data", purpose: "totp", subject: "7/ada", sealed: asReporter},
		{name: "truncated", purpose: "totp", subject: "7/ada", sealed: sealed[:len(sealed)-1]},
		{name: "empty", purpose: "totp", subject: "7/ada", sealed: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.OpenSecret(tt.purpose, tt.subject, tt.sealed)
			if err == nil {
				t.Fatalf("OpenSecret(%q, %q) = %q, nil; want an error", tt.purpose, tt.subject, got)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("OpenSecret error %q contains the secret", err)
			}
		})
	}
	// Nor does a sealed secret open as reporter data of any referral ID,
	// even one spelling out the secret's associated data.
	for _, aad := range [][]byte{secretAAD("totp", "7/ada"), []byte("7/ada"), nil} {
		if got, err := v.Open(sealed, aad); err == nil {
			t.Errorf("Open(sealed secret, %q) = %q, nil; want an error", aad, got)
		}
	}
	if _, err := v.SealSecret("", "7/ada", []byte(secret)); err == nil {
		t.Error("SealSecret with no purpose = nil error, want one")
	}
}

func TestSealSecretMangled(t *testing.T) {
	v := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	sealed, err := v.SealSecret("totp", "1/dpo", []byte("JBSWY3DPEHPK3PXP"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		m := bytes.Clone(sealed)
		m[i] ^= 0x01
		if _, err := v.OpenSecret("totp", "1/dpo", m); err == nil {
			t.Errorf("OpenSecret with byte %d flipped = nil error, want one", i)
		}
	}
}

// TestSealSecretRotation: a sealed secret outlives a new data key and a
// new master key, as reporter data does.
func TestSealSecretRotation(t *testing.T) {
	ctx := context.Background()
	ks := new(MemoryKeyStore)
	old := mustMaster(t)
	v := mustVault(t, ks, old)
	sealed, err := v.SealSecret("totp", "3/cat", []byte("JBSWY3DPEHPK3PXP"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.NewSealKey(ctx); err != nil {
		t.Fatal(err)
	}
	next := mustMaster(t)
	if _, err := Rotate(ctx, ks, MasterKeys{next, old}); err != nil {
		t.Fatal(err)
	}
	v2 := mustVault(t, ks, next)
	if got, err := v2.OpenSecret("totp", "3/cat", sealed); err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Errorf("OpenSecret after NewSealKey and Rotate = %q, %v; want the secret", got, err)
	}
}
