package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"testing"
)

var (
	passwordRE = regexp.MustCompile(`(?m)^Password \(shown this once[^)]*\): (\S+)$`)
	tokenRE    = regexp.MustCompile(`(?m)^(bfk_\S+)$`)
)

// mustAddUser runs `bonafide user add name --role role` on db and returns
// the password it printed ("" for an intake_client).
func mustAddUser(t *testing.T, db, name, role string) string {
	t.Helper()
	code, stdout, stderr := run(t, nil, "", "user", "add", name, "--role", role, "--db", db)
	if code != 0 {
		t.Fatalf("bonafide user add %s --role %s = exit %d; stderr:\n%s", name, role, code, stderr)
	}
	if role == "intake_client" {
		return ""
	}
	m := passwordRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("bonafide user add printed no password:\n%s", stdout)
	}
	return m[1]
}

// mustToken adds the intake_client user name to db and returns a token of
// it from `bonafide user token`.
func mustToken(t *testing.T, db, name string) string {
	t.Helper()
	mustAddUser(t, db, name, "intake_client")
	code, stdout, stderr := run(t, nil, "", "user", "token", name, "--label", "test sender", "--db", db)
	if code != 0 {
		t.Fatalf("bonafide user token %s = exit %d; stderr:\n%s", name, code, stderr)
	}
	m := tokenRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("bonafide user token printed no token:\n%s", stdout)
	}
	return m[1]
}

// login logs name in at base and returns the answer's status and a client
// that carries the session cookie.
func login(t *testing.T, base, name, password string) (int, *http.Client) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"username": name, "password": password})
	resp, err := c.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, c
}

// mustLogin is login that fails t unless it answers 200.
func mustLogin(t *testing.T, base, name, password string) *http.Client {
	t.Helper()
	code, c := login(t, base, name, password)
	if code != http.StatusOK {
		t.Fatalf("login %s = %d, want 200", name, code)
	}
	return c
}

// postReferral posts body with the API token tok and returns the status.
func postReferral(t *testing.T, c *http.Client, base, tok string, body []byte) (int, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/referrals", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}
