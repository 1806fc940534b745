package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide/web/webkit/browsertest"
)

// TestReferral opens a flagged referral in a browser on each store: safety
// first and largest, every campaign signal with weight and evidence, the
// reporter panel without identity, the chronology and the decision form
// with what each decision sends; a decision without reason or choice is an
// error summary; a recommended decision is recorded. Every view is audited,
// axe passes on each state, and no page shows a reporter.
func TestReferral(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{})
			id := e.busiestReferral(t)
			b.signIn(e.URL, "ada", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/referrals/"+id), browsertest.Loaded())
			b.check("referral")
			if n := e.audited(t, "user:ada", "referral.read", id); n != 1 {
				t.Errorf("views of %s audited = %d, want 1", id, n)
			}
			order := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main h2')].filter(h => h.offsetParent !== null).map(h => h.id || h.innerText)`))
			if len(order) == 0 || order[0] != "safety-heading" {
				t.Errorf("the first heading of the page is %v, want the safety section", order)
			}
			big := get(b, chromedp.Evaluate[bool](`(() => { const s = parseFloat(getComputedStyle(document.getElementById('safety-heading')).fontSize);
				return [...document.querySelectorAll('main h2')].filter(h => h.offsetParent !== null).every(h => h.id === 'safety-heading' || parseFloat(getComputedStyle(h).fontSize) < s) })()`))
			if !big {
				t.Error("the safety heading is not larger than every other section heading")
			}
			signals := get(b, chromedp.Evaluate[int](`document.querySelectorAll('#signals-caption ~ tbody tr').length`))
			if signals == 0 {
				t.Error("a flagged referral shows no campaign signal")
			}
			if got := get(b, chromedp.Text(chromedp.ID("reporter"))); got == "" {
				t.Error("no reporter panel")
			}
			if href := get(b, chromedp.Evaluate[string](`document.getElementById('letters-link')?.getAttribute('href') ?? ''`)); href != "/referrals/"+id+"/letters" {
				t.Errorf("the letters link goes to %q, want /referrals/%s/letters", href, id)
			}
			// A decision sent without choosing or saying why.
			b.Run(browsertest.Submit(chromedp.CSS("#decide ~ form button[type=submit]")))
			b.check("referral, decision with errors")
			summary := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary")))
			if !strings.Contains(summary, "Select a decision") || !strings.Contains(summary, "Enter the reason") {
				t.Errorf("error summary = %q", summary)
			}
			// The first (recommended) decision, with a reason.
			b.Run(chromedp.Click(chromedp.ID("decision")),
				chromedp.SendKeys(chromedp.ID("reason"), "Checked with the GP first; the pattern matches the earlier referrals."),
				browsertest.Submit(chromedp.CSS("#decide ~ form button[type=submit]")))
			b.check("referral, decided")
			banner := get(b, chromedp.Text(chromedp.CSS(".govuk-notification-banner--success")))
			if !strings.Contains(banner, "recorded") {
				t.Errorf("after deciding the banner says %q", banner)
			}
			if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll('#decide').length`)); n != 0 {
				t.Error("the decision form is still offered after the decision")
			}
			b.noSealed(e.sealed)
		})
	}
}
