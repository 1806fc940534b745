package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bonafide"
	"bonafide/auth"
	"bonafide/vault"
)

// TestTOTPSealedAtRest enrols a second factor through the API on SQLite and
// reads the raw database file, its WAL and the server log: the seed the
// API showed once is in none of them, and the stored value is the sealed
// form, which opens only for its own user.
func TestTOTPSealedAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bonafide.db")
	e := newAuthEnv(t, envOptions{open: func(t *testing.T, sealer *vault.Deferred) backend {
		return openSQLiteAt(t, sealer, path)
	}})
	u := mustUser(t, e.users, "dana", bonafide.RoleDPO)
	_, _, c := e.login(t, "dana", testPassword, "", creds{})
	if c == nil {
		t.Fatal("login set no cookie")
	}
	pre := e.sameOrigin(creds{cookie: c.Value})
	resp, body := e.send(t, "POST", "/api/v1/me/totp", "", nil, pre)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enrol = %d; %s", resp.StatusCode, body)
	}
	var en TOTPEnrolment
	decodeInto(t, body, &en)
	resp, body = e.send(t, "POST", "/api/v1/me/totp/confirm", "application/json", mustJSON(t, TOTPConfirm{Code: e.totpCode(t, en.Secret)}), pre)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm = %d; %s", resp.StatusCode, body)
	}
	stored, err := e.users.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.TOTPSealed(stored.TOTPSecret) || strings.Contains(stored.TOTPSecret, en.Secret) {
		t.Errorf("stored TOTPSecret = %q, want the sealed form", stored.TOTPSecret)
	}
	if got, err := auth.OpenTOTP(e.srv.Secrets, stored); err != nil || got != en.Secret {
		t.Errorf("OpenTOTP(stored) = %q, %v; want the enrolled seed", got, err)
	}
	files := map[string][]byte{"server log": []byte(e.logs.String()), "audit log": []byte(e.rawAudit(t))}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files[filepath.Base(path+suffix)] = b
	}
	if len(files["bonafide.db"])+len(files["bonafide.db-wal"]) == 0 {
		t.Fatal("the database files are empty: the scan would find nothing")
	}
	// The scan works: the stored sealed form itself is found.
	if !bytes.Contains(files["bonafide.db"], []byte(stored.TOTPSecret)) && !bytes.Contains(files["bonafide.db-wal"], []byte(stored.TOTPSecret)) {
		t.Fatal("the sealed seed is in neither database file: the scan is broken")
	}
	for name, b := range files {
		if bytes.Contains(b, []byte(en.Secret)) {
			t.Errorf("%s contains the TOTP seed in the clear", name)
		}
	}
}

// TestTOTPTampered: whoever can write the users table but holds no master
// key cannot give a user a second factor of their choosing, neither by
// copying another user's sealed seed onto the row nor by writing a seed in
// the clear; each login is refused as a wrong code, and the audit log says
// why.
func TestTOTPTampered(t *testing.T) { forBackends(t, testTOTPTampered) }

func testTOTPTampered(t *testing.T, open opener) {
	const planted = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" // a seed the insider knows
	tests := []struct {
		name   string
		tamper func(e *authEnv) string // changes ada's row; returns the seed the insider now codes with
		why    string                  // in the audit entry of the refused login
	}{
		{
			name: "another user's sealed seed copied",
			tamper: func(e *authEnv) string {
				_, mineSecret := e.staff(t, "mal", bonafide.RoleDPO)
				e.exec(t, "UPDATE users SET totp_secret = (SELECT totp_secret FROM users WHERE name = 'mal') WHERE name = 'ada'")
				return mineSecret
			},
			why: "does not open for this user",
		},
		{
			name: "seed written in the clear",
			tamper: func(e *authEnv) string {
				e.exec(t, "UPDATE users SET totp_secret = '"+planted+"' WHERE name = 'ada'")
				return planted
			},
			why: "stored unsealed",
		},
		{
			name: "sealed seed altered",
			tamper: func(e *authEnv) string {
				u, err := e.users.UserByName(context.Background(), "ada")
				if err != nil {
					t.Fatal(err)
				}
				s := u.TOTPSecret
				i := len(s) / 2
				c := "A"
				if s[i] == 'A' {
					c = "B"
				}
				e.exec(t, "UPDATE users SET totp_secret = '"+s[:i]+c+s[i+1:]+"' WHERE name = 'ada'")
				return ""
			},
			why: "does not open for this user",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAuthEnv(t, envOptions{open: open})
			_, secret := e.staff(t, "ada", bonafide.RoleAdministrator)
			// Untouched, ada logs in with her code.
			if resp, body, _ := e.login(t, "ada", testPassword, e.totpCode(t, secret), creds{}); resp.StatusCode != http.StatusOK {
				t.Fatalf("login before tampering = %d, want 200; %s", resp.StatusCode, body)
			}
			e.clock.Add(auth.TOTPStep)
			insider := tt.tamper(e)
			for _, seed := range []string{insider, secret} {
				if seed == "" {
					continue
				}
				resp, body, c := e.login(t, "ada", testPassword, e.totpCode(t, seed), creds{})
				if resp.StatusCode != http.StatusUnauthorized || c != nil {
					t.Errorf("login with a code of %s = %d (cookie %v), want 401 and no session; %s",
						map[bool]string{true: "the insider's seed", false: "ada's own seed"}[seed == insider], resp.StatusCode, c != nil, body)
				}
				e.clock.Add(auth.TOTPStep)
			}
			fails := findEntries(e.entries(t), "login.fail")
			if len(fails) == 0 || !strings.Contains(fails[len(fails)-1].Why, tt.why) {
				t.Errorf("audit login.fail entries = %+v, want the last to say %q", fails, tt.why)
			}
			if !strings.Contains(e.logs.String(), "second-factor secret refused") {
				t.Error("the server log does not report the refused seed to the operator")
			}
			// with the request it came from, as the server's own lines are
			for line := range strings.SplitSeq(e.logs.String(), "\n") {
				if strings.Contains(line, "second-factor secret refused") && !strings.Contains(line, `"request_id":"`) {
					t.Errorf("the refused seed's log line has no request_id: %s", line)
				}
			}
			for _, seed := range []string{insider, secret} {
				if seed != "" && strings.Contains(e.logs.String()+e.rawAudit(t), seed) {
					t.Error("a seed is in the server or audit log")
				}
			}
		})
	}
}

// TestTOTPWithoutSecrets: a server with no vault to seal seeds with
// refuses enrolment and logins that need a code with 503, rather than
// store a seed in the clear or let a login skip its second factor.
func TestTOTPWithoutSecrets(t *testing.T) {
	e := newAuthEnv(t, envOptions{})
	_, secret := e.staff(t, "ada", bonafide.RoleAdministrator)
	mustUser(t, e.users, "dana", bonafide.RoleDPO)
	_, _, c := e.login(t, "dana", testPassword, "", creds{})
	if c == nil {
		t.Fatal("dana's login set no cookie")
	}
	e.srv.Secrets = nil
	e.srv.accounts.Secrets = nil // the service the server made of its fields
	tests := []struct {
		name string
		do   func() (*http.Response, []byte)
	}{
		{"enrol", func() (*http.Response, []byte) {
			return e.send(t, "POST", "/api/v1/me/totp", "", nil, e.sameOrigin(creds{cookie: c.Value}))
		}},
		{"login with a code", func() (*http.Response, []byte) {
			resp, body, _ := e.login(t, "ada", testPassword, e.totpCode(t, secret), creds{})
			return resp, body
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.do()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s = %d, want 503; %s", tt.name, resp.StatusCode, body)
			}
		})
	}
	u, err := e.users.UserByName(context.Background(), "dana")
	if err != nil {
		t.Fatal(err)
	}
	if u.TOTPSecret != "" {
		t.Errorf("dana's stored seed = %q after a refused enrolment, want none", u.TOTPSecret)
	}
}
