package web_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"bonafide/auditlog"

	"bonafide/web/webkit/browsertest"
)

// TestAuditor walks the auditor's area in a browser on each store: the
// newest entries, a filter by who, one by object that matches nothing, a
// wrong date (error summary linking to the field), older entries, signing
// a checkpoint, verifying (intact, then broken after an entry is edited
// behind the service's back); axe passes on each; every browse is audited;
// the checkpoint and a proof download and the proof checks.
func TestAuditor(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 40})
			// Some entries to browse: ada signs in and out, many times.
			for range 60 {
				c := apiClient(t, e.URL)
				c.login(t, "ada")
			}
			b.signIn(e.URL, "alan", testPassword)
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/audit") {
				t.Errorf("an auditor signed in at %s, want /audit", loc)
			}
			b.check("audit log, newest")
			rows := get(b, chromedp.Evaluate[int](`document.querySelectorAll('table.app-audit tbody tr').length`))
			if rows != 50 {
				t.Errorf("first page has %d rows, want 50", rows)
			}
			if n := e.audited(t, "user:alan", "audit.read", ""); n != 1 {
				t.Errorf("audit.read entries of alan = %d, want 1", n)
			}

			// By who: only ada's entries.
			b.Run(chromedp.Navigate(e.URL+"/audit?who=ada"), browsertest.Loaded())
			b.check("audit log, by who")
			whos := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.app-audit tbody tr td:nth-child(3)')].map(td => td.innerText)`))
			if len(whos) == 0 {
				t.Fatal("no entries of ada")
			}
			for _, w := range whos {
				if !strings.HasPrefix(w, "user:ada") {
					t.Errorf("who=ada shows an entry of %q", w)
				}
			}

			// Older entries, then back.
			b.Run(chromedp.Navigate(e.URL+"/audit"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".govuk-pagination__next a")))
			b.check("audit log, older")
			first := get(b, chromedp.Text(chromedp.CSS("table.app-audit tbody tr th")))
			if first == "" {
				t.Error("older page has no entries")
			}

			// Nothing matches; a wrong date.
			b.Run(chromedp.Navigate(e.URL+"/audit?object=no-such-object"), browsertest.Loaded())
			b.check("audit log, nothing matches")
			if got := get(b, chromedp.Text(chromedp.ID("audit-empty"))); !strings.Contains(got, "No entries match") {
				t.Errorf("empty result says %q", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/audit?from=31+2+2026"), browsertest.Loaded())
			b.check("audit log, wrong date")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#from" {
				t.Errorf("error summary links to %q, want #from", got)
			}

			// A checkpoint, then verify: intact.
			b.Run(chromedp.Navigate(e.URL+"/audit"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(`form[action="/audit/checkpoint"] button`)))
			b.check("audit log, checkpoint signed")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-notification-banner--success"))); !strings.Contains(got, "new checkpoint") {
				t.Errorf("banner after signing = %q", got)
			}
			b.Run(browsertest.Submit(chromedp.CSS(`form[action="/audit/verify"] button`)))
			b.check("audit verified, intact")
			if got := get(b, chromedp.Text(chromedp.ID("verify-result"))); !strings.Contains(got, "Intact") {
				t.Errorf("verify result = %q", got)
			}

			// The downloads, with alan's session: the proof checks against
			// the checkpoint under the log's key.
			c := apiClient(t, e.URL)
			c.login(t, "alan")
			note := c.get(t, "/audit/checkpoint", http.StatusOK)
			if !strings.HasPrefix(note, e.audit.Origin()+"\n") {
				t.Errorf("checkpoint download = %q", note)
			}
			proof := c.get(t, "/audit/entries/3/proof", http.StatusOK)
			var pb auditlog.ProofBundle
			if err := pb.UnmarshalText([]byte(proof)); err != nil {
				t.Fatalf("proof: %v", err)
			}
			if ent, err := pb.Check(e.audit.VerifierKey()); err != nil || ent.N != 3 {
				t.Errorf("proof of entry 3 checks as %d, %v", ent.N, err)
			}
			if n := e.audited(t, "user:alan", "audit.prove", "3"); n != 1 {
				t.Errorf("audit.prove entries = %d, want 1", n)
			}
			c.get(t, "/audit/entries/999999/proof", http.StatusNotFound)

			// An entry edited behind the service's back: verify says which.
			if err := tamper(e, 2); err != nil {
				t.Fatalf("edit entry 2 on %s: %v", st.name, err)
			}
			b.Run(chromedp.Navigate(e.URL+"/audit"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(`form[action="/audit/verify"] button`)))
			b.check("audit verified, broken")
			if got := get(b, chromedp.Text(chromedp.ID("verify-problems"))); !strings.Contains(got, "Entry 2 edited") {
				t.Errorf("verify problems = %q", got)
			}
			b.noSealed(e.sealed)
		})
	}
}

// tamper rewrites entry n's stored bytes, as someone with the database
// might: the append-only triggers dropped first.
func tamper(e *env, n int64) error {
	ctx := context.Background()
	ent, _, err := e.audit.Entry(ctx, n)
	if err != nil {
		return err
	}
	ent.Why = "nothing happened here"
	data, err := auditlog.MarshalEntry(ent)
	if err != nil {
		return err
	}
	if e.name == "postgres" {
		conn, err := pgx.Connect(ctx, e.dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "ALTER TABLE audit_entries DISABLE TRIGGER USER; ")
		if err == nil {
			_, err = conn.Exec(ctx, "UPDATE audit_entries SET data = $1 WHERE n = $2", data, n)
		}
		return err
	}
	db, err := sql.Open("sqlite", e.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{"DROP TRIGGER IF EXISTS audit_entries_no_update"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err = db.ExecContext(ctx, "UPDATE audit_entries SET data = ? WHERE n = ?", data, n)
	return err
}

// client is a person's browser without a browser: a cookie jar signed in
// through the API's login, sending what a page of the server would.
type client struct {
	base   string
	hc     *http.Client
	secret string // the authenticator app's secret, once enrolled
}

func apiClient(t *testing.T, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{base: base, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs name in with the test password through the API.
func (c *client) login(t *testing.T, name string) {
	t.Helper()
	c.loginWith(t, name, testPassword)
}

// loginWith signs name in with password through the API.
func (c *client) loginWith(t *testing.T, name, password string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/login", strings.NewReader(`{"username":"`+name+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", name, resp.StatusCode, body)
	}
}

// get fetches path and fails t unless the status is want.
func (c *client) get(t *testing.T, path string, want int) string {
	t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Errorf("GET %s = %d, want %d: %.300s", path, resp.StatusCode, want, body)
	}
	return string(body)
}

// post sends a form from the page at from (its CSRF token) to path and
// returns the status and body.
func (c *client) post(t *testing.T, from, path string, form url.Values) (int, string) {
	t.Helper()
	page := c.get(t, from, http.StatusOK)
	form.Set("csrf", csrfOf(page))
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body)
}

// csrfOf returns the first CSRF token of a page.
func csrfOf(page string) string {
	const k = `name="csrf" value="`
	i := strings.Index(page, k)
	if i < 0 {
		return ""
	}
	rest := page[i+len(k):]
	return rest[:strings.IndexByte(rest, '"')]
}
