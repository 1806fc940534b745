package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"bonafide/web/webkit/browsertest"
)

// TestSignIn walks the sign-in form in a real browser on each store: the
// empty form, its errors, a wrong password, a right one (to the front
// door), the account page, a password change with its errors, and signing
// out; axe passes on every state, and no page shows a reporter.
func TestSignIn(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 60})
			b.Run(chromedp.Navigate(e.URL + "/"))
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/sign-in") {
				t.Fatalf("/ signed out went to %s, want /sign-in", loc)
			}
			b.check("sign in, empty")
			b.Run(browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "Enter your user name") || !strings.Contains(got, "Enter your password") {
				t.Errorf("error summary of an empty form = %q", got)
			}
			b.check("sign in, empty form sent")
			b.signIn(e.URL, "ada", "not the password at all")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "not right") {
				t.Errorf("error summary of a wrong password = %q", got)
			}
			if title := get(b, chromedp.Title()); !strings.HasPrefix(title, "Error: ") {
				t.Errorf("title with errors = %q, want it to start with Error:", title)
			}
			b.check("sign in, wrong password")
			b.signIn(e.URL, "ada", testPassword)
			b.Run(chromedp.WaitVisible(chromedp.CSS("main h1")))
			if loc := get(b, chromedp.Location()); !strings.Contains(loc, "/queue") {
				t.Errorf("a social worker signed in at %s, want the queue", loc)
			}
			b.Run(chromedp.Navigate(e.URL+"/account"), chromedp.WaitVisible(chromedp.CSS("main h1")))
			b.check("account")
			b.Run(chromedp.Navigate(e.URL+"/account/password"), chromedp.WaitVisible(chromedp.ID("current")),
				chromedp.SendKeys(chromedp.ID("current"), testPassword),
				chromedp.SendKeys(chromedp.ID("new"), "a new password of some length"),
				chromedp.SendKeys(chromedp.ID("confirm"), "another one"),
				browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("password change, mismatch")
			b.Run(
				chromedp.SendKeys(chromedp.ID("current"), testPassword),
				chromedp.SendKeys(chromedp.ID("new"), "a new password of some length"),
				chromedp.SendKeys(chromedp.ID("confirm"), "a new password of some length"),
				browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("account, password changed")
			b.Run(browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
			b.Run(chromedp.Navigate(e.URL + "/account"))
			if loc := get(b, chromedp.Location()); !strings.Contains(loc, "/sign-in") {
				t.Errorf("/account after signing out went to %s, want the sign-in page", loc)
			}
			b.signIn(e.URL, "ada", "a new password of some length")
			if loc := get(b, chromedp.Location()); strings.Contains(loc, "/sign-in") {
				t.Errorf("signing in with the new password stayed at %s", loc)
			}
			b.noSealed(e.sealed)
		})
	}
}

// TestPageHeaders checks what every page is sent with: a CSP without
// inline script or style and no framing, no caching; and that assets are
// cached for long.
func TestPageHeaders(t *testing.T) {
	e := newEnv(t, openSQLite, envOptions{families: 20})
	for _, tt := range []struct {
		path, csp, cache string
	}{
		{"/sign-in", "frame-ancestors 'none'", "no-store"},
		{"/nowhere", "script-src 'self'", "no-store"},
		{"/assets/govuk-frontend.min.css", "", "public, max-age=31536000, immutable"},
		{"/assets/app/app.mjs", "", "public, max-age=31536000, immutable"},
	} {
		resp, err := http.Get(e.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		drain(resp.Body)
		if csp := resp.Header.Get("Content-Security-Policy"); tt.csp != "" && (!strings.Contains(csp, tt.csp) || strings.Contains(csp, "unsafe-inline")) {
			t.Errorf("GET %s: Content-Security-Policy = %q, want %q and no unsafe-inline", tt.path, csp, tt.csp)
		}
		if got := resp.Header.Get("Cache-Control"); got != tt.cache {
			t.Errorf("GET %s: Cache-Control = %q, want %q", tt.path, got, tt.cache)
		}
	}
}

// wrongCode returns a 6-digit code that is not the authenticator's for
// now or the steps either side, so that a test's wrong code is wrong.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	right := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, err := totp.GenerateCode(secret, time.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		right[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444"} {
		if !right[c] {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// TestSignInCode walks the second step of signing in on each store: the
// password alone leads to the code page and grants nothing else, an
// empty and a wrong code are refused with the tries left, a right code
// signs in; three wrong codes end the sign-in, each audited, and the
// password is asked again. axe passes on every state.
func TestSignInCode(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 20})
			c := apiClient(t, e.URL)
			c.login(t, "dana")
			c.enrolTOTP(t)

			b.signIn(e.URL, "dana", testPassword)
			if loc := get(b, chromedp.Location()); !strings.Contains(loc, "/sign-in/code") {
				t.Fatalf("the password of a user with an authenticator app led to %s, want the code page", loc)
			}
			if h := get(b, chromedp.Text(chromedp.CSS("main h1"))); h != "Enter the code from your authenticator app" {
				t.Errorf("code page heading = %q", h)
			}
			b.check("sign in, code")
			// The half-finished sign-in is no session.
			b.Run(chromedp.Navigate(e.URL+"/account"), browsertest.Loaded())
			if loc := get(b, chromedp.Location()); !strings.Contains(loc, "/sign-in?") {
				t.Errorf("/account between the password and the code went to %s, want the sign-in page", loc)
			}
			b.Run(chromedp.Navigate(e.URL+"/sign-in/code"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "Enter the 6-digit code") {
				t.Errorf("error summary of an empty code = %q", got)
			}
			b.check("sign in, code, empty")
			b.Run(chromedp.SendKeys(chromedp.ID("code"), wrongCode(t, c.secret)), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "not right") || !strings.Contains(got, "2 more times") {
				t.Errorf("error summary of a wrong code = %q", got)
			}
			b.check("sign in, code, wrong")
			code, err := totp.GenerateCode(c.secret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			b.Run(chromedp.SendKeys(chromedp.ID("code"), code), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/unseal") {
				t.Fatalf("a DPO's right code led to %s, want /unseal", loc)
			}
			if n := e.audited(t, "login:dana", "login.fail", ""); n != 1 {
				t.Errorf("login.fail entries of dana after one wrong code = %d, want 1", n)
			}
			b.Run(browsertest.Submit(chromedp.CSS(".app-sign-out__button")))

			// Three wrong codes end the sign-in.
			b.signIn(e.URL, "dana", testPassword)
			for i := 0; i < 3; i++ {
				b.Run(chromedp.SendKeys(chromedp.ID("code"), wrongCode(t, c.secret)), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			}
			if loc := get(b, chromedp.Location()); !strings.Contains(loc, "/sign-in/code") {
				t.Errorf("after three wrong codes at %s", loc)
			}
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "too many times") {
				t.Errorf("error summary after three wrong codes = %q", got)
			}
			if !get(b, chromedp.Evaluate[bool](`!!document.getElementById('password')`)) {
				t.Error("after three wrong codes the page does not ask for the password")
			}
			b.check("sign in, too many codes")
			if n := e.audited(t, "login:dana", "login.fail", ""); n != 4 {
				t.Errorf("login.fail entries of dana = %d, want 4", n)
			}
			b.Run(chromedp.Navigate(e.URL+"/sign-in/code"), browsertest.Loaded())
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "timed out") {
				t.Errorf("the code page after the sign-in ended says %q", got)
			}
			b.noSealed(e.sealed)
		})
	}
}
