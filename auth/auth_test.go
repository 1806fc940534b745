package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("HashPassword = %q, want the PHC prefix with OWASP parameters", h)
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{name: "right", pw: "correct horse battery staple", want: true},
		{name: "wrong", pw: "correct horse battery stapler", want: false},
		{name: "empty", pw: "", want: false},
		{name: "case", pw: "Correct horse battery staple", want: false},
		{name: "too long", pw: strings.Repeat("x", MaxPasswordLen+1), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckPassword(h, tt.pw)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CheckPassword(%q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
	h2, _ := HashPassword("correct horse battery staple", DefaultPasswordParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not fresh")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := HashPassword("correct horse battery staple", PasswordParams{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		"",
		"plain",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=64", "m=zz", 1),
		strings.Replace(good, "t=1", "t=0", 1),
		strings.Replace(good, "m=64", "m=99999999", 1),
		good[:len(good)-30],
		good + "$extra",
	} {
		if ok, err := CheckPassword(bad, "correct horse battery staple"); err == nil || ok {
			t.Errorf("CheckPassword(%q) = %v, %v; want false and an error", bad, ok, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	weak, _ := HashPassword("correct horse battery staple", PasswordParams{Memory: 64, Time: 1, Threads: 1})
	if !NeedsRehash(weak, DefaultPasswordParams) {
		t.Error("NeedsRehash(weak) = false, want true")
	}
	strong, _ := HashPassword("correct horse battery staple", DefaultPasswordParams)
	if NeedsRehash(strong, DefaultPasswordParams) {
		t.Error("NeedsRehash(default) = true, want false")
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	if err := CheckPasswordPolicy("short"); err == nil {
		t.Error("CheckPasswordPolicy(short) = nil, want an error")
	}
	if err := CheckPasswordPolicy("a long enough passphrase"); err != nil {
		t.Errorf("CheckPasswordPolicy(long) = %v, want nil", err)
	}
	if err := CheckPasswordPolicy(strings.Repeat("é", 200)); err == nil {
		t.Error("CheckPasswordPolicy(400 bytes) = nil, want an error")
	}
}

func TestSecret(t *testing.T) {
	s, d, err := NewSecret(TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !WellFormed(s, TokenPrefix) {
		t.Errorf("WellFormed(%q) = false, want true", s)
	}
	if WellFormed(s, SessionPrefix) {
		t.Errorf("WellFormed(%q, session) = true, want false", s)
	}
	if string(HashSecret(s)) != string(d) {
		t.Error("HashSecret(secret) differs from the digest NewSecret returned")
	}
	for _, bad := range []string{"", TokenPrefix, TokenPrefix + "abc", s[:len(s)-1], s + "A", strings.Replace(s, "_", "-", 1)} {
		if WellFormed(bad, TokenPrefix) {
			t.Errorf("WellFormed(%q) = true, want false", bad)
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret, url, err := NewTOTP("bonafide", "dpo@example.invalid")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/") {
		t.Errorf("NewTOTP url = %q, want otpauth://totp/…", url)
	}
	now := time.Date(2026, 11, 24, 12, 0, 10, 0, time.UTC)
	codeAt := func(t0 time.Time) string {
		c, err := totp.GenerateCode(secret, t0)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	nowStep := now.Unix() / 30
	tests := []struct {
		name     string
		code     string
		lastStep int64
		wantStep int64
		wantOK   bool
	}{
		{name: "current", code: codeAt(now), wantStep: nowStep, wantOK: true},
		{name: "previous step (skew)", code: codeAt(now.Add(-30 * time.Second)), wantStep: nowStep - 1, wantOK: true},
		{name: "next step (skew)", code: codeAt(now.Add(30 * time.Second)), wantStep: nowStep + 1, wantOK: true},
		{name: "two steps old", code: codeAt(now.Add(-60 * time.Second)), wantOK: false},
		{name: "replayed", code: codeAt(now), lastStep: nowStep, wantOK: false},
		{name: "garbage", code: "12345x", wantOK: false},
		{name: "empty", code: "", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := CheckTOTP(secret, tt.code, now, tt.lastStep)
			if ok != tt.wantOK || (ok && step != tt.wantStep) {
				t.Errorf("CheckTOTP(%q) = %d, %v; want %d, %v", tt.code, step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for i := 0; i < th.Free; i++ {
		if w := th.Wait("alice", now); w != 0 {
			t.Fatalf("after %d failures Wait = %v, want 0", i, w)
		}
		th.Fail("alice", now)
	}
	if w := th.Wait("alice", now); w != 0 {
		t.Fatalf("after Free failures Wait = %v, want 0", w)
	}
	wants := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, want := range wants {
		th.Fail("alice", now)
		if w := th.Wait("alice", now); w != want {
			t.Errorf("after %d extra failures Wait = %v, want %v", i+1, w, want)
		}
	}
	if w := th.Wait("bob", now); w != 0 {
		t.Errorf("Wait(bob) = %v, want 0: keys are separate", w)
	}
	for range 40 {
		th.Fail("alice", now)
	}
	if w := th.Wait("alice", now); w != th.Max {
		t.Errorf("after many failures Wait = %v, want the cap %v", w, th.Max)
	}
	if w := th.Wait("alice", now.Add(th.Max)); w != 0 {
		t.Errorf("after the wait Wait = %v, want 0", w)
	}
	th.Succeed("alice")
	th.Fail("alice", now)
	if w := th.Wait("alice", now); w != 0 {
		t.Errorf("after success and one failure Wait = %v, want 0", w)
	}
}
