package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide"

	"bonafide/web/webkit/browsertest"
)

// TestUnseal walks the data protection officer's break-glass unseal in a
// browser on each store: the form, its errors (nothing typed, a short
// reason, a referral that does not exist), then an unseal that shows the
// reporter on that response only, audited once with the reason before;
// axe passes on each state, and no other page shows a reporter.
func TestUnseal(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 20})
			var id, name string
			for _, rid := range e.ids {
				s, err := e.store.ReferralByID(context.Background(), rid)
				if err != nil {
					t.Fatal(err)
				}
				if ref, ok := s.Record.(*bonafide.Referral); ok && ref.Reporter != nil && ref.Reporter.GivenName != "" {
					id, name = rid, strings.TrimSpace(ref.Reporter.GivenName+" "+ref.Reporter.FamilyName)
					break
				}
			}
			if id == "" {
				t.Fatal("no referral with a named reporter")
			}
			c := apiClient(t, e.URL)
			c.login(t, "dana")
			c.enrolTOTP(t)
			b.signInTOTP(e.URL, "dana", c)
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/unseal") {
				t.Fatalf("a DPO signed in at %s, want /unseal", loc)
			}
			b.check("unseal form")
			b.Run(browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("unseal, nothing typed")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); !strings.Contains(got, "Enter the referral") || !strings.Contains(got, "Enter why") {
				t.Errorf("errors of an empty form = %q", got)
			}
			b.Run(chromedp.SendKeys(chromedp.ID("referral"), id), chromedp.SendKeys(chromedp.ID("reason"), "police asked"),
				browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("unseal, short reason")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#reason" {
				t.Errorf("a short reason: error links to %q", got)
			}
			const reason = "s47 strategy discussion: police need the reporter as a witness today"
			b.Run(chromedp.SetValue(chromedp.ID("referral"), "REF-NOSUCHREFERRAL"), chromedp.SetValue(chromedp.ID("reason"), reason),
				browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			b.check("unseal, no such referral")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#referral" {
				t.Errorf("an unknown referral: error links to %q", got)
			}
			if n := e.audited(t, "user:dana", "reporter.unseal", id); n != 0 {
				t.Fatalf("unseal entries before unsealing = %d", n)
			}

			// The unseal: the result page is checked with axe but not
			// recorded among the pages that must not show a reporter.
			b.Run(chromedp.SetValue(chromedp.ID("referral"), id), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
			if got := get(b, chromedp.Text(chromedp.ID("unsealed"))); !strings.Contains(got, name) {
				t.Errorf("unsealed result = %q, want the reporter %q", got, name)
			}
			if v := b.Axe(); len(v) > 0 {
				t.Errorf("axe on the unseal result: %+v", v)
			}
			if loc := get(b, chromedp.Location()); strings.Contains(loc, id) || strings.Contains(loc, "?") {
				t.Errorf("the result is at a URL naming what was unsealed: %s", loc)
			}
			found := false
			for i := int64(0); ; i++ {
				ent, _, err := e.audit.Entry(context.Background(), i)
				if err != nil {
					break
				}
				if ent.What == "reporter.unseal" && ent.Object == id && ent.Who == "user:dana" && ent.Why == reason {
					found = true
				}
			}
			if !found {
				t.Error("the unseal is not in the audit log with its reason")
			}
			b.Run(chromedp.Navigate(e.URL+"/unseal"), browsertest.Loaded())
			b.check("unseal form again")
			b.Run(chromedp.Navigate(e.URL+"/audit?what=reporter."), browsertest.Loaded())
			b.check("audit log, unseals")
			b.noSealed(append(e.sealed, name))
		})
	}
}
