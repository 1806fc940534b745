package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	"bonafide/web/webkit/browsertest"
)

// tabTo presses Tab until the focused element matches sel, failing t after
// max presses: the element must be reachable by keyboard, in order.
func (b *browser) tabTo(sel string, max int) {
	b.t.Helper()
	for range max {
		b.Run(chromedp.KeyEvent(kb.Tab))
		if get(b, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+jsString(sel)+`)`)) {
			return
		}
	}
	b.t.Fatalf("%s not reached with %d presses of Tab", sel, max)
}

// press sends a key to the focused element and, when it loads a page,
// waits for it.
func (b *browser) press(key string, loads bool) {
	b.t.Helper()
	if loads {
		b.Run(chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = '1'`))
	}
	b.Run(chromedp.KeyEvent(key))
	if loads {
		b.Run(browsertest.Loaded())
	}
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// TestKeyboardWalk is a social worker's morning with the keyboard alone
// (Tab, Enter, Space and typing): sign in with the password and then the
// code of her authenticator app, open the most urgent referral of the
// queue, and record the recommended decision. Every page on the way
// passes axe.
func TestKeyboardWalk(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, openSQLite, envOptions{})
	c := apiClient(t, e.URL)
	c.login(t, "ada")
	c.enrolTOTP(t)
	b.Run(chromedp.Navigate(e.URL+"/sign-in"), browsertest.Loaded())
	b.tabTo("#username", 30)
	b.Run(chromedp.KeyEvent("ada"))
	b.tabTo("#password", 5)
	b.Run(chromedp.KeyEvent(testPassword))
	b.tabTo("main button[type=submit]", 10)
	b.press(kb.Enter, true)
	b.check("keyboard: code")
	b.tabTo("#code", 30)
	code, err := totp.GenerateCode(c.secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.KeyEvent(code))
	b.press(kb.Enter, true)
	b.check("keyboard: queue")
	if loc := get(b, chromedp.Location()); !strings.Contains(loc, "/queue") {
		t.Fatalf("signed in with the keyboard at %s, want the queue", loc)
	}
	first := get(b, chromedp.Text(chromedp.CSS("table.app-queue tbody th a")))
	b.tabTo("table.app-queue tbody tr:first-child th a", 80)
	b.press(kb.Enter, true)
	b.check("keyboard: referral")
	if h := get(b, chromedp.Text(chromedp.CSS("main h1"))); !strings.Contains(h, first) {
		t.Fatalf("Enter on the first referral opened %q, want %s", h, first)
	}
	b.tabTo("#decision", 300)
	b.press(" ", false)
	if !get(b, chromedp.Evaluate[bool](`document.getElementById('decision').checked`)) {
		t.Fatal("Space did not choose the recommended decision")
	}
	b.tabTo("#reason", 5)
	b.Run(chromedp.KeyEvent("Recommended route; checks held as triage says."))
	b.tabTo("#decide ~ form button[type=submit]", 5)
	b.press(kb.Enter, true)
	b.check("keyboard: decided")
	if got := get(b, chromedp.Text(chromedp.CSS(".govuk-notification-banner--success"))); !strings.Contains(got, "recorded") {
		t.Errorf("after the keyboard decision the banner says %q", got)
	}
	if n := e.audited(t, "user:ada", "case.decide", first); n != 1 {
		t.Errorf("decisions of %s audited = %d, want 1", first, n)
	}
	b.noSealed(e.sealed)
}
