package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bonafide"
	"bonafide/account"

	"bonafide/web/webkit/browsertest"
)

// postForm sends a form of the page's own (its CSRF token) to action from
// the browser, as a stale tab or a hand-made request would, and waits for
// the answer's page.
func (b *browser) postForm(action string) {
	b.t.Helper()
	b.Run(chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.createElement('form'); f.method = 'post'; f.action = `+jsString(action)+`;
		const c = document.createElement('input'); c.type = 'hidden'; c.name = 'csrf';
		c.value = document.querySelector('input[name=csrf]').value; f.append(c);
		document.body.append(f); document.documentElement.dataset.stale = '1'; f.submit();
	})()`), browsertest.Loaded())
}

// TestApprovals walks the two-person account changes in a browser on each
// store: one administrator asks (a data protection officer's role, a
// password reset, an authenticator reset) from the user's page, with the
// reason required; nothing changes; the same administrator cannot
// approve, nor anyone an expired request; a second administrator approves
// each, the change is made and audited, and the new password is shown
// once. axe passes on every state.
func TestApprovals(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 20})
			u, _, err := account.NewUser("linus", bonafide.RoleAdministrator, testPassword, "test", testParams)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.users.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			clients := map[string]*client{}
			for _, name := range []string{"grace", "linus", "dana"} {
				c := apiClient(t, e.URL)
				c.login(t, name)
				c.enrolTOTP(t)
				clients[name] = c
			}
			b.signInTOTP(e.URL, "grace", clients["grace"])
			b.Run(chromedp.Navigate(e.URL+"/approvals"), browsertest.Loaded())
			b.check("approvals, none")
			if got := get(b, chromedp.Text(chromedp.ID("approvals-empty"))); !strings.Contains(got, "No request") {
				t.Errorf("empty approvals say %q", got)
			}

			// Asking: the DPO role for ada, the reason required.
			b.Run(chromedp.Navigate(e.URL+"/users/ada"), browsertest.Loaded(),
				chromedp.SetValue(chromedp.ID("role"), "data_protection_officer"),
				browsertest.Submit(chromedp.CSS(`form[action$="/role"] button`)))
			b.check("ask for a role, no reason")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#reason" {
				t.Errorf("a DPO grant without a reason: error links to %q, want #reason", got)
			}
			b.Run(chromedp.SetValue(chromedp.ID("role"), "data_protection_officer"),
				chromedp.SendKeys(chromedp.ID("reason"), "cover for the data protection officer during her leave"),
				browsertest.Submit(chromedp.CSS(`form[action$="/role"] button`)))
			b.check("role asked for")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-notification-banner--success"))); !strings.Contains(got, "waiting for another administrator") {
				t.Errorf("after asking, the banner says %q", got)
			}
			if ada, _ := e.users.UserByName(ctx, "ada"); ada.Role != bonafide.RoleSocialWorker {
				t.Fatalf("asking made ada a %s in one step", ada.Role)
			}
			if n := e.audited(t, "user:grace", "user.role", "ada"); n != 0 {
				t.Errorf("user.role entries after asking = %d, want 0", n)
			}
			// A password reset: too short a reason, then asked.
			b.Run(chromedp.SendKeys(chromedp.ID("password-reason"), "forgot"), browsertest.Submit(chromedp.CSS(`form[action$="/password-reset"] button`)))
			b.check("ask for a password reset, short reason")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "at least 20") {
				t.Errorf("a short reason: %q", got)
			}
			b.Run(chromedp.SendKeys(chromedp.ID("password-reason"), " her password; she rang from her desk phone"), browsertest.Submit(chromedp.CSS(`form[action$="/password-reset"] button`)))
			b.check("user, two requests waiting")
			if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll('#pending + ul li').length`)); n != 2 {
				t.Errorf("ada's page lists %d requests waiting, want 2", n)
			}
			// An authenticator reset for dana.
			b.Run(chromedp.Navigate(e.URL+"/users/dana"), browsertest.Loaded(),
				chromedp.SendKeys(chromedp.ID("totp-reason"), "dana's phone was stolen on the train this morning"),
				browsertest.Submit(chromedp.CSS(`form[action$="/second-factor-reset"] button`)))
			if n := e.audited(t, "user:grace", "user.approval_request", "ada") + e.audited(t, "user:grace", "user.approval_request", "dana"); n != 3 {
				t.Errorf("user.approval_request entries = %d, want 3", n)
			}

			// The asker's own requests cannot be approved by them.
			b.Run(chromedp.Navigate(e.URL+"/approvals"), browsertest.Loaded())
			b.check("approvals, asked by me")
			if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll('.govuk-summary-card').length`)); n != 3 {
				t.Errorf("approvals listed = %d, want 3", n)
			}
			if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll('.govuk-summary-card form').length`)); n != 0 {
				t.Errorf("the asker is offered %d approve buttons, want 0", n)
			}
			mine := get(b, chromedp.Evaluate[string](`document.querySelector('.govuk-summary-card').id.replace('approval-', '')`))
			b.postForm("/approvals/" + mine + "/approve")
			b.check("approve, same person")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "second, different person") {
				t.Errorf("approving one's own request: %q", got)
			}
			// An expired request.
			ada, _ := e.users.UserByName(ctx, "ada")
			old, err := e.approvals.CreateApproval(ctx, bonafide.AccountApproval{Kind: bonafide.ApprovalTOTPReset, UserID: ada.ID, UserName: "ada",
				Reason: "asked a long time ago, and forgotten", RequestedBy: "user:linus",
				Requested: time.Now().Add(-25 * time.Hour), Expires: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			b.postForm("/approvals/" + itoa(old.ID) + "/approve")
			b.check("approve, expired")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "expired") {
				t.Errorf("approving an expired request: %q", got)
			}
			b.Run(browsertest.Submit(chromedp.CSS(".app-sign-out__button")))

			// The second administrator approves each.
			b.signInTOTP(e.URL, "linus", clients["linus"])
			b.Run(chromedp.Navigate(e.URL+"/approvals"), browsertest.Loaded())
			b.check("approvals, for the second administrator")
			for _, what := range []string{"Give the data protection officer role", "Reset the authenticator app"} {
				b.Run(chromedp.Evaluate[chromedp.Void](`(() => { for (const c of document.querySelectorAll('.govuk-summary-card')) if (c.querySelector('h3').innerText.startsWith(`+jsString(what)+`)) { document.documentElement.dataset.stale = '1'; c.querySelector('form button').click(); return } throw new Error('no card') })()`), browsertest.Loaded())
				b.check("approved: " + what)
				if got := get(b, chromedp.Text(chromedp.CSS(".govuk-notification-banner--success"))); !strings.Contains(got, "You approved") {
					t.Errorf("after approving %s the banner says %q", what, got)
				}
			}
			if ada, _ := e.users.UserByName(ctx, "ada"); ada.Role != bonafide.RoleDPO {
				t.Errorf("after approval ada is a %s, want data_protection_officer", ada.Role)
			}
			if dana, _ := e.users.UserByName(ctx, "dana"); dana.TOTPConfirmed {
				t.Error("after approval dana still has her authenticator app")
			}
			b.Run(browsertest.Submit(chromedp.CSS(`.govuk-summary-card form button`)))
			b.check("approved: password reset")
			pw := get(b, chromedp.Text(chromedp.ID("new-password")))
			if len(pw) < 16 {
				t.Fatalf("new password shown = %q", pw)
			}
			if n := e.audited(t, "user:linus", "user.approval_approve", "ada"); n != 2 {
				t.Errorf("user.approval_approve entries of ada = %d, want 2", n)
			}
			b.Run(chromedp.Navigate(e.URL+"/approvals"), browsertest.Loaded())
			if html := get(b, chromedp.Evaluate[string](pageHTML)); strings.Contains(html, pw) {
				t.Error("the new password is shown again")
			}
			adaC := apiClient(t, e.URL)
			adaC.loginWith(t, "ada", pw)
			b.noSealed(e.sealed)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
