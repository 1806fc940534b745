package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"bonafide/web/webkit/browsertest"
)

// signInTOTP signs name in with the test password and then, on the code
// page, the code of their authenticator app (c's secret), as a person
// would.
func (b *browser) signInTOTP(base, name string, c *client) {
	b.t.Helper()
	code, err := totp.GenerateCode(c.secret, time.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	b.signIn(base, name, testPassword)
	b.Run(
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code),
		browsertest.Submit(chromedp.CSS("main button[type=submit]")),
	)
}

// TestUsers walks the administrators' screens in a browser on each store:
// the list, adding a user (errors, a social worker with their password
// shown once, a sending system), issuing a token (error, shown once) and
// revoking it, granting a role (the reason required), disabling and
// enabling; axe passes on each, and each change is audited.
func TestUsers(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 20})
			c := apiClient(t, e.URL)
			c.login(t, "grace")
			c.enrolTOTP(t)
			b.signInTOTP(e.URL, "grace", c)
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/users") {
				t.Fatalf("an administrator signed in at %s, want /users", loc)
			}
			b.check("users")
			names := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.app-users tbody th')].map(th => th.innerText)`))
			if len(names) != len(roles) {
				t.Errorf("users listed = %v, want %d", names, len(roles))
			}

			// Adding: errors first.
			b.Run(chromedp.Navigate(e.URL+"/users/new"), browsertest.Loaded())
			b.check("add a user")
			b.Run(browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("add a user, empty")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "Enter a user name") {
				t.Errorf("errors of an empty form = %q", got)
			}
			b.Run(chromedp.SendKeys(chromedp.ID("name"), "priya"),
				chromedp.SetValue(chromedp.ID("role"), "data_protection_officer"),
				browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("add a user, no reason")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#reason" {
				t.Errorf("a DPO without a reason: error links to %q, want #reason", got)
			}
			b.Run(chromedp.SetValue(chromedp.ID("role"), "social_worker"), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("user added")
			if pw := get(b, chromedp.Text(chromedp.ID("new-password"))); len(pw) < 12 {
				t.Errorf("new password shown = %q", pw)
			}
			if n := e.audited(t, "user:grace", "user.create", "priya"); n != 1 {
				t.Errorf("user.create entries = %d, want 1", n)
			}

			// A sending system and its tokens.
			b.Run(chromedp.Navigate(e.URL+"/users/new"), browsertest.Loaded(),
				chromedp.SendKeys(chromedp.ID("name"), "police-portal"),
				chromedp.SetValue(chromedp.ID("role"), "intake_client"),
				browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.Run(chromedp.Navigate(e.URL+"/users/police-portal"), browsertest.Loaded())
			b.check("sending system, no tokens")
			b.Run(browsertest.Submit(chromedp.CSS(`form[action$="/tokens"] button`)))
			b.check("issue a token, no label")
			b.Run(chromedp.SendKeys(chromedp.ID("label"), "portal.police.example"), browsertest.Submit(chromedp.CSS(`form[action$="/tokens"] button`)))
			b.check("token issued")
			token := get(b, chromedp.Text(chromedp.ID("new-token")))
			if !strings.HasPrefix(token, "bfk_") {
				t.Errorf("token shown = %q", token)
			}
			b.Run(chromedp.Navigate(e.URL+"/users/police-portal"), browsertest.Loaded())
			if html := get(b, chromedp.Evaluate[string](pageHTML)); strings.Contains(html, token) {
				t.Error("the token is shown again on the user's page")
			}
			b.Run(browsertest.Submit(chromedp.CSS(`#tokens form button`)))
			b.check("token revoked")
			if got := get(b, chromedp.Text(chromedp.ID("tokens-empty"))); !strings.Contains(got, "No tokens") {
				t.Errorf("after revoking: %q", got)
			}

			// A role, with its reason.
			b.Run(chromedp.Navigate(e.URL+"/users/ada"), browsertest.Loaded(),
				chromedp.SetValue(chromedp.ID("role"), "data_protection_officer"),
				browsertest.Submit(chromedp.CSS(`form[action$="/role"] button`)))
			b.check("grant, no reason")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); got == "" {
				t.Error("granting DPO without a reason shows no error")
			}
			b.Run(chromedp.SetValue(chromedp.ID("role"), "team_manager"),
				chromedp.SendKeys(chromedp.ID("reason"), "acting team manager while Morwenna is on leave"),
				browsertest.Submit(chromedp.CSS(`form[action$="/role"] button`)))
			b.check("role changed")
			if n := e.audited(t, "user:grace", "user.role", "ada"); n != 1 {
				t.Errorf("user.role entries = %d, want 1", n)
			}

			// Disable, enable.
			b.Run(browsertest.Submit(chromedp.CSS(`form[action$="/disable"] button`)))
			b.check("user disabled")
			if got := get(b, chromedp.Text(chromedp.ID("user-status"))); got != "Disabled" {
				t.Errorf("status after disabling = %q", got)
			}
			b.Run(browsertest.Submit(chromedp.CSS(`form[action$="/enable"] button`)))
			if got := get(b, chromedp.Text(chromedp.ID("user-status"))); got != "Active" {
				t.Errorf("status after enabling = %q", got)
			}
			b.noSealed(e.sealed)
		})
	}
}
