package lockerweb_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"bonafide/locker"
)

// client is a browser without JavaScript: a cookie jar, forms posted as
// a browser posts them, redirects followed.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.c.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from the page at path.
func (c *client) csrf(path string) string {
	c.t.Helper()
	_, body := c.get(path)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no form token on %s:\n%s", path, body)
	}
	return m[1]
}

func (c *client) post(path string, form url.Values, header ...string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) multipart(path string, fields map[string]string, file, name string, data []byte) (int, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		w, _ := mw.CreateFormFile(file, name)
		w.Write(data)
	}
	mw.Close()
	resp, err := c.c.Post(c.base+path, mw.FormDataContentType(), &body)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStartLink: nothing answers without the one-time link, the link
// works once, and only for a loopback Host.
func TestStartLink(t *testing.T) {
	e := newEnv(t, envOptions{noTSA: true})
	stranger := newClient(t, e.URL)
	for _, p := range []string{"/", "/unlock", "/create", "/timeline", "/verify", "/items/x"} {
		if code, body := stranger.get(p); code != http.StatusForbidden || !strings.Contains(body, "Open the locker from its own link") {
			t.Errorf("GET %s without the link = %d, want 403 and why", p, code)
		}
	}
	if code, _ := stranger.get("/start?token=guess"); code != http.StatusForbidden {
		t.Errorf("a guessed token = %d, want 403", code)
	}
	parent := newClient(t, e.URL)
	if code, body := parent.get(e.ui.StartPath()); code != http.StatusOK || !strings.Contains(body, "Create your locker") {
		t.Fatalf("the start link = %d, want the create screen:\n%s", code, body)
	}
	if code, body := stranger.get(e.ui.StartPath()); code != http.StatusForbidden || !strings.Contains(body, "already been used") {
		t.Errorf("the start link a second time = %d, want 403 saying it was used", code)
	}
	// Assets need no session (the stylesheet of the refusal page).
	if code, _ := stranger.get("/assets/images/favicon.svg"); code != http.StatusOK {
		t.Errorf("an asset without a session = %d, want 200", code)
	}
	// Another Host (a name rebound to 127.0.0.1) is refused.
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/", nil)
	req.Host = "evil.example"
	resp, err := parent.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host evil.example = %d, want 421", resp.StatusCode)
	}
	resp, err = parent.c.Get(e.URL + "/create")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

// TestForms: every POST needs the session's form token and a same-origin
// Origin; without JavaScript a parent creates the locker, writes a diary
// entry, makes the dossier and downloads it; a part's HTML is never served
// for the browser to open.
func TestForms(t *testing.T) {
	e := newEnv(t, envOptions{noTSA: true})
	c := newClient(t, e.URL)
	c.get(e.ui.StartPath())
	tok := c.csrf("/create")
	wrong := "x" + tok[1:] // one character changed, whatever the token begins with
	if tok[0] == 'x' {
		wrong = "y" + tok[1:]
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
		want   int
	}{
		{"no token", url.Values{"passphrase": {passphrase}, "again": {passphrase}}, nil, http.StatusForbidden},
		{"a wrong token", url.Values{"csrf": {wrong}, "passphrase": {passphrase}, "again": {passphrase}}, nil, http.StatusForbidden},
		{"another site's page", url.Values{"csrf": {tok}, "passphrase": {passphrase}, "again": {passphrase}}, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"too short", url.Values{"csrf": {tok}, "passphrase": {"short"}, "again": {"short"}}, nil, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := c.post("/create", tc.form, tc.header...); code != tc.want {
				t.Errorf("POST /create = %d, want %d:\n%s", code, tc.want, body)
			}
		})
	}
	if code, body := c.post("/create", url.Values{"csrf": {tok}, "passphrase": {passphrase}, "again": {passphrase}}, "Origin", e.URL); code != http.StatusOK || !strings.Contains(body, "Your locker has been created") {
		t.Fatalf("create = %d:\n%s", code, body)
	}
	code, body := c.post("/diary/new", url.Values{"csrf": {tok}, "when-day": {"23"}, "when-month": {"2"}, "when-year": {"2026"}, "when-time": {"10:15"},
		"what": {"A phone call from the duty social worker"}, "category": {locker.CategoryReferral}})
	if code != http.StatusOK || !strings.Contains(body, "saved as version 1") {
		t.Fatalf("diary = %d:\n%s", code, body)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"a time that is not one", url.Values{"when-day": {"23"}, "when-month": {"2"}, "when-year": {"2026"}, "when-time": {"25:99"}, "what": {"x"}, "category": {"other"}}, "The time must be a 24-hour time"},
		{"no month", url.Values{"when-day": {"23"}, "when-year": {"2026"}, "what": {"x"}, "category": {"other"}}, "must include a month"},
		{"in the future", url.Values{"when-day": {"1"}, "when-month": {"1"}, "when-year": {"2999"}, "what": {"x"}, "category": {"other"}}, "must be today or in the past"},
		{"an unknown category", url.Values{"when-day": {"1"}, "when-month": {"1"}, "when-year": {"2026"}, "what": {"x"}, "category": {"gossip"}}, "Select what it was about"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf", tok)
			if code, body := c.post("/diary/new", tc.form); code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Errorf("diary with %s = %d, want 422 saying %q", tc.name, code, tc.want)
			}
		})
	}
	// A file whose part is HTML is downloaded, never shown.
	code, body = c.multipart("/add/files", map[string]string{"csrf": tok, "category": "forum"}, "files", "thread.html", []byte("<script>alert(1)</script>"))
	if code != http.StatusOK || !strings.Contains(body, "has been added") {
		t.Fatalf("add an HTML file = %d:\n%s", code, body)
	}
	id := regexp.MustCompile(`href="/items/([^"]+)">thread.html`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no link to the added file:\n%s", body)
	}
	resp, err := c.c.Get(e.URL + "/items/" + id[1] + "/parts/0")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/octet-stream" || !strings.HasPrefix(cd, "attachment") {
		t.Errorf("an HTML part is served as %q, %q; want a download", ct, cd)
	}
	// A file form without its token is refused before any file is kept.
	if code, _ := c.multipart("/add/files", map[string]string{"category": "other"}, "files", "x.txt", []byte("x")); code != http.StatusForbidden {
		t.Errorf("files without a token = %d, want 403", code)
	}
	if code, body := c.post("/export", url.Values{"csrf": {tok}, "family": {"The Price family"}}); code != http.StatusOK || !strings.Contains(body, "Your dossier and bundle are ready") {
		t.Fatalf("export = %d:\n%s", code, body)
	}
	if code, pdf := c.get("/export/dossier.pdf"); code != http.StatusOK || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("dossier download = %d %q", code, pdf[:min(10, len(pdf))])
	}
	code, bundle := c.get("/export/bundle.zip")
	if code != http.StatusOK {
		t.Fatalf("bundle download = %d", code)
	}
	rep, err := locker.Verify(strings.NewReader(bundle), int64(len(bundle)), "")
	if err != nil || !rep.OK() || len(rep.Exhibits) != 2 {
		t.Fatalf("downloaded bundle: %v %v", err, rep)
	}
	// Locking forgets the export; the downloads then need the locker.
	c.post("/lock", url.Values{"csrf": {tok}})
	if code, body := c.get("/export/bundle.zip"); code != http.StatusOK || !strings.Contains(body, "Unlock your locker") {
		t.Errorf("bundle download when locked = %d, want the unlock screen", code)
	}
}

// TestUploadLimits: a bundle to check that is not a zip, and a posts
// export over the limit, are refused naming the field.
func TestUploadLimits(t *testing.T) {
	e := newEnv(t, envOptions{noTSA: true})
	c := newClient(t, e.URL)
	c.get(e.ui.StartPath())
	tok := c.csrf("/create")
	c.post("/create", url.Values{"csrf": {tok}, "passphrase": {passphrase}, "again": {passphrase}})
	if code, body := c.multipart("/verify", map[string]string{"csrf": tok}, "bundle", "b.zip", []byte("PK not really")); code != http.StatusUnprocessableEntity || !strings.Contains(body, "This file is not a bundle") {
		t.Errorf("verify a non-zip = %d", code)
	}
	big := bytes.Repeat([]byte("x"), locker.MaxExportSize+1)
	if code, body := c.multipart("/add/posts", map[string]string{"csrf": tok}, "export", "tweets.js", big); code != http.StatusUnprocessableEntity || !strings.Contains(body, "must be smaller than") {
		t.Errorf("an export over the limit = %d:\n%.300s", code, body)
	}
}
