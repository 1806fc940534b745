package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestDemo runs the demo on a small data set, logging at debug, then runs
// every curl line it prints (as the HTTP requests they stand for, cookie
// jars included) and checks each answers as the demo means it to: refused
// before login, read as the social worker, posted with the sending
// system's token, and the data protection officer's enrolment of a second
// factor (with a code computed from the secret the API answered) and
// break-glass unseal. It logs in with the printed administrator password,
// checks that no password or token reached the log, and stops the demo as
// Ctrl-C does.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var logs syncBuffer
	std := stdio{in: strings.NewReader(""), out: pw, err: &logs, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, []string{"--dir", dir, "--families", "300", "--addr", "127.0.0.1:0", "--log-level", "debug"}, std)
		pw.Close()
	}()
	var curls []string
	var out strings.Builder
	creds := map[string]string{} // role -> password or token
	names := map[string]string{} // role -> user name
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "curl "); ok {
			curls = append(curls, c)
		}
		if m := credLineRE.FindStringSubmatch(line); m != nil {
			names[m[2]], creds[m[2]] = m[1], m[3]
		}
		if strings.Contains(line, "Press Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if !strings.Contains(out.String(), "harassment campaigns") {
		t.Errorf("demo output lacks the data set summary:\n%s", out.String())
	}
	for _, role := range []string{"administrator", "social_worker", "team_manager", "data_protection_officer", "intake_client"} {
		if creds[role] == "" {
			t.Fatalf("demo printed no credentials for %s:\n%s", role, out.String())
		}
	}
	want := []int{
		200, 401, // health; a referral before login
		200, 200, 200, // the social worker logs in, reads a referral and its reporter links
		201, 200, // the sending system posts a referral; the social worker reads it
		400, 200, // the bulk file has a bad line: first rejected, then skipped
		204, 200, // logout; the OpenAPI document
		200,           // the metrics
		200, 200, 200, // the officer logs in, starts and confirms enrolment
		200, // break-glass unseal
	}
	if len(curls) != len(want) {
		t.Fatalf("demo printed %d curl lines, want %d:\n%s", len(curls), len(want), out.String())
	}
	cl := &curlClient{jars: map[string]http.CookieJar{}}
	var secret string
	for i, c := range curls {
		if strings.Contains(c, demoCodePlaceholder) {
			if secret == "" {
				t.Fatalf("curl %s: no enrolment secret seen before it", c)
			}
			code, err := totp.GenerateCode(secret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			c = strings.ReplaceAll(c, demoCodePlaceholder, code)
		}
		status, body := cl.do(t, c)
		if status != want[i] {
			t.Errorf("curl %s = %d, want %d; %s", c, status, want[i], body)
		}
		switch {
		case strings.HasSuffix(c, "/api/v1/me/totp"):
			var e struct{ Secret string }
			if err := json.Unmarshal(body, &e); err != nil || e.Secret == "" {
				t.Fatalf("curl %s = %s: want a TOTP secret", c, body)
			}
			secret = e.Secret
		case strings.HasSuffix(c, "/reporter/links"):
			var l struct{ Linked int }
			if err := json.Unmarshal(body, &l); err != nil || l.Linked == 0 {
				t.Errorf("curl %s = %s: want a referral whose reporter is linked to others", c, body)
			}
		case strings.HasSuffix(c, "/reporter/unseal"):
			var u struct {
				Reporter   map[string]any `json:"reporter"`
				AuditEntry int64          `json:"audit_entry"`
			}
			if err := json.Unmarshal(body, &u); err != nil || len(u.Reporter) == 0 || u.AuditEntry == 0 {
				t.Errorf("curl %s = %s: want the reporter and the audit entry", c, body)
			}
		}
	}

	// The metrics the demo printed count what the curl lines did.
	murl := regexp.MustCompile(`Metrics .* at (http://\S+/metrics)`).FindStringSubmatch(out.String())
	if murl == nil {
		t.Fatalf("demo printed no metrics URL:\n%s", out.String())
	}
	_, mbody := cl.do(t, "-s "+murl[1])
	for _, want := range []string{
		"bonafide_unseals_total 1\n",
		`bonafide_http_requests_total{route="POST /api/v1/referrals",status="201"} 1` + "\n",
		`bonafide_triage_oldest_unassessed_seconds{safety="immediate"}`,
		"bonafide_audit_log_entries ",
	} {
		if !bytes.Contains(mbody, []byte(want)) {
			t.Errorf("demo metrics lack %q:\n%s", want, mbody)
		}
	}

	// The printed administrator password logs in; the administrator must
	// enrol a second factor first, and sees no case data even then.
	base := "http://" + regexp.MustCompile(`serving the demo store at http://(\S+)`).FindStringSubmatch(out.String())[1]
	admin := mustLogin(t, base, names["administrator"], creds["administrator"])
	var me struct {
		Role      string `json:"role"`
		MustEnrol bool   `json:"must_enrol"`
	}
	getJSON(t, admin, base+"/api/v1/me", http.StatusOK, &me)
	if me.Role != "administrator" || !me.MustEnrol {
		t.Errorf("GET /api/v1/me as the demo administrator = %+v, want role administrator and must_enrol", me)
	}
	getJSON(t, admin, base+"/api/v1/users", http.StatusForbidden, nil)
	// The team manager's password works too; a wrong one does not.
	tm := mustLogin(t, base, names["team_manager"], creds["team_manager"])
	getJSON(t, tm, base+"/api/v1/referrals/DEMO-0001", http.StatusOK, nil)
	if code, _ := login(t, base, names["team_manager"], creds["social_worker"]); code != http.StatusUnauthorized {
		t.Errorf("login with another user's password = %d, want 401", code)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo after Ctrl-C = %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bonafide.db")); err != nil {
		t.Errorf("the store in --dir is gone after the demo: %v", err)
	}
	logged := logs.String()
	if !strings.Contains(logged, "level=DEBUG") || !strings.Contains(logged, "/api/v1/login") {
		t.Fatalf("the demo's debug log lacks its requests; the check below would see nothing:\n%s", logged)
	}
	for role, secret := range creds {
		if strings.Contains(logged, secret) {
			t.Errorf("the demo's log holds the %s password or token", role)
		}
	}
}

// credLineRE matches a user line of the demo's instructions: name, role,
// password (or "token" and the token).
var credLineRE = regexp.MustCompile(`^  (\S+)\s+(administrator|social_worker|team_manager|data_protection_officer|intake_client)\s+(?:token )?(\S+)$`)

// getJSON GETs url with c, checks the status and decodes the body into v.
func getJSON(t *testing.T, c *http.Client, url string, status int, v any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("GET %s = %d, want %d; %s", url, resp.StatusCode, status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the demo's goroutines to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// curlClient runs printed curl lines as HTTP requests, keeping the cookie
// jar files they name (-c writes one, -b reads one) in memory.
type curlClient struct {
	jars map[string]http.CookieJar
}

func (cl *curlClient) jar(t *testing.T, file string) http.CookieJar {
	t.Helper()
	if j, ok := cl.jars[file]; ok {
		return j
	}
	j, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.jars[file] = j
	return j
}

// do runs one curl line (without "curl ") and returns the status and body.
// It knows the options the demo prints: -s, -i, -H, -X, -c FILE, -b FILE,
// -d DATA and --data-binary @FILE; a word starting with # ends the line.
func (cl *curlClient) do(t *testing.T, line string) (int, []byte) {
	t.Helper()
	args := shellWords(line)
	method, target := "", ""
	var body []byte
	var readJar, writeJar string
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "#") {
			break
		}
		switch a {
		case "-s", "-si", "-i":
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Set(k, strings.TrimSpace(v))
		case "-X":
			i++
			method = args[i]
		case "-b":
			i++
			readJar = args[i]
		case "-c":
			i++
			writeJar = args[i]
		case "-d":
			i++
			body = []byte(args[i])
		case "--data-binary":
			i++
			data, err := os.ReadFile(strings.TrimPrefix(args[i], "@"))
			if err != nil {
				t.Fatalf("curl %s: %v", line, err)
			}
			body = data
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("curl %s: option %s unknown to the test", line, a)
			}
			target = a
		}
	}
	if method == "" {
		method = "GET"
		if body != nil {
			method = "POST"
		}
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("curl %s: %v", line, err)
	}
	req.Header = header
	if readJar != "" {
		for _, c := range cl.jar(t, readJar).Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("curl %s: %v", line, err)
	}
	defer resp.Body.Close()
	if writeJar != "" {
		cl.jar(t, writeJar).SetCookies(req.URL, resp.Cookies())
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("curl %s: %v", line, err)
	}
	return resp.StatusCode, data
}

// shellWords splits a line on spaces, keeping single-quoted words whole.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
