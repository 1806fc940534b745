package web_test

import (
	"bufio"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"bonafide/web/webkit/browsertest"
)

// screenshots is where TestScreenshots writes its PNGs: `make screenshots`
// gives docs/ui. Without it the test does nothing but say how to run it.
var screenshots = flag.String("screenshots", "", "directory to write screenshots of the main screens into (make screenshots)")

// shot is one screenshot: a file name, the path to open, and who is
// signed in ("" for nobody).
type shot struct {
	file, path, user string
	width            int // 0 for 1280
}

// demo is a running `bonafide demo`: its address and its users' passwords
// as it printed them.
type demo struct {
	URL       string
	passwords map[string]string
}

// startDemo builds the binary and runs `bonafide demo` on a free loopback
// port with its generated data, until t ends.
func startDemo(t *testing.T, families string) *demo {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bonafide")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/bonafide").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "demo", "--families", families, "--addr", "127.0.0.1:0", "--dir", filepath.Join(dir, "demo"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	d := &demo{passwords: map[string]string{}}
	sc := bufio.NewScanner(stdout)
	users := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "bonafide is serving the demo store at "):
			d.URL = strings.TrimPrefix(line, "bonafide is serving the demo store at ")
		case strings.HasPrefix(line, "Users ("):
			users = true
		case users && strings.HasPrefix(line, "  "):
			if f := strings.Fields(line); len(f) == 3 {
				d.passwords[f[0]] = f[2]
			}
		case users:
			users = false
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if d.URL == "" || d.passwords["social-worker"] == "" {
		t.Fatalf("the demo did not print its address and passwords (%v)", sc.Err())
	}
	return d
}

// TestScreenshots writes a PNG of each main screen of `bonafide demo`,
// with its generated data, for docs/ui.md. Each page also passes axe.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("writes screenshots only when given a directory: make screenshots (go test ./web -run TestScreenshots -args -screenshots=DIR)")
	}
	if err := os.MkdirAll(*screenshots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	d := startDemo(t, "3000")
	b.signIn(d.URL, "social-worker", d.passwords["social-worker"])
	firstRow := func(path string) string {
		b.Run(chromedp.Navigate(d.URL+path), browsertest.Loaded())
		return get(b, chromedp.Evaluate[string](`(document.querySelector('table.app-queue tbody th a') || {getAttribute: () => ''}).getAttribute('href')`))
	}
	// The most urgent referral awaiting a decision, and a suspected
	// campaign (awaiting a decision if one does, else decided).
	urgent := firstRow("/queue")
	campaign := firstRow("/queue?flagged=yes")
	if campaign == "" {
		campaign = firstRow("/queue?flagged=yes&state=decided")
	}
	if urgent == "" || campaign == "" {
		t.Fatalf("the demo has no referral awaiting a decision (%q) or no suspected campaign (%q)", urgent, campaign)
	}
	// The urgent referral's family, and a search for its first child.
	b.Run(chromedp.Navigate(d.URL+urgent), browsertest.Loaded())
	family := get(b, chromedp.Evaluate[string](`(document.getElementById('family-link') || {getAttribute: () => ''}).getAttribute('href')`))
	if family == "" {
		t.Fatalf("the referral %s links to no family", urgent)
	}
	b.Run(chromedp.Navigate(d.URL+family), browsertest.Loaded())
	child := get(b, chromedp.Evaluate[string](`((document.querySelector('#referrals-caption').closest('table').querySelector('tbody td:nth-child(4)') || {}).textContent || '').split(' (')[0].split(';')[0].trim()`))
	if child == "" || child == "None named" {
		t.Fatalf("the family page %s names no child", family)
	}
	search := "/families?search=1&name=" + url.QueryEscape(child)
	b.Run(chromedp.Navigate(d.URL+"/account"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
	shots := []shot{
		{"sign-in.png", "/sign-in", "", 0},
		{"queue.png", "/queue", "social-worker", 0},
		{"queue-campaigns.png", "/queue?flagged=yes", "social-worker", 0},
		{"queue-phone.png", "/queue", "social-worker", 320},
		{"referral.png", urgent, "social-worker", 0},
		{"decision-errors.png", urgent, "social-worker", 0},
		{"referral-campaign.png", campaign, "social-worker", 0},
		{"referral-campaign-team-manager.png", campaign, "team-manager", 0},
		{"referral-phone.png", urgent, "social-worker", 320},
		{"letters.png", urgent + "/letters", "social-worker", 0},
		{"families.png", search, "social-worker", 0},
		{"family.png", family, "social-worker", 0},
		{"family-evidence-errors.png", family, "social-worker", 0},
		{"manager.png", "/manager", "team-manager", 0},
		{"account.png", "/account", "team-manager", 0},
	}
	signedIn := ""
	for _, s := range shots {
		if s.user != signedIn {
			if signedIn != "" {
				b.Run(chromedp.Navigate(d.URL+"/account"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
			}
			if s.user != "" {
				b.signIn(d.URL, s.user, d.passwords[s.user])
			}
			signedIn = s.user
		}
		w := s.width
		if w == 0 {
			w = 1280
		}
		b.Run(chromedp.EmulateViewport(int64(w), 900), chromedp.Navigate(d.URL+s.path), browsertest.Loaded())
		switch s.file {
		case "decision-errors.png":
			b.Run(browsertest.Submit(chromedp.CSS("#decide ~ form button[type=submit]")))
		case "family-evidence-errors.png":
			b.Run(browsertest.Submit(chromedp.CSS(`form[action$="/evidence"] button[type=submit]`)))
		}
		b.shoot(s.file)
	}
	b.Run(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.URL+"/account"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".app-sign-out__button")))

	// The administrator's first sign-in: the authenticator app, then the
	// users and a request waiting for a second administrator.
	b.signIn(d.URL, "admin", d.passwords["admin"])
	b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
	b.shoot("enrol.png")
	secret := b.confirmEnrolment()
	b.Run(chromedp.Navigate(d.URL+"/users"), browsertest.Loaded())
	b.shoot("users.png")
	b.Run(chromedp.Navigate(d.URL+"/users/team-manager"), browsertest.Loaded(),
		chromedp.SetValue(chromedp.ID("role"), "data_protection_officer"),
		chromedp.SendKeys(chromedp.ID("reason"), "covers for the data protection officer while she is on leave in December"),
		browsertest.Submit(chromedp.CSS(`form[action$="/role"] button`)))
	b.shoot("user.png")
	b.Run(chromedp.Navigate(d.URL+"/approvals"), browsertest.Loaded())
	b.shoot("approvals.png")
	mine := get(b, chromedp.Evaluate[string](`document.querySelector('.govuk-summary-card').id.replace('approval-', '')`))
	b.postForm("/approvals/" + mine + "/approve")
	b.shoot("approval-refused.png")
	b.Run(browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
	// Signing in again: the code page.
	b.signIn(d.URL, "admin", d.passwords["admin"])
	b.shoot("sign-in-code.png")
	b.Run(chromedp.SendKeys(chromedp.ID("code"), "000000"), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
	b.shoot("sign-in-code-wrong.png")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.SendKeys(chromedp.ID("code"), code), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
	b.Run(browsertest.Submit(chromedp.CSS(".app-sign-out__button")))

	// The data protection officer: unsealing, and the audit log.
	b.signIn(d.URL, "dpo", d.passwords["dpo"])
	b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
	b.confirmEnrolment()
	b.Run(chromedp.Navigate(d.URL+"/unseal"), browsertest.Loaded())
	b.shoot("unseal.png")
	b.Run(chromedp.Navigate(d.URL+"/audit"), browsertest.Loaded())
	b.shoot("audit.png")
}

// shoot checks the page (axe, reflow) and writes its full screenshot.
func (b *browser) shoot(file string) {
	b.t.Helper()
	b.check(file)
	png := get(b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(*screenshots, file), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// confirmEnrolment reads the key of the enrolment page, confirms it with
// the code of the step before now (so that a sign-in with now's code is no
// replay) and returns it.
func (b *browser) confirmEnrolment() string {
	b.t.Helper()
	secret := strings.ReplaceAll(get(b, chromedp.Text(chromedp.ID("secret"))), " ", "")
	code, err := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
	if err != nil {
		b.t.Fatal(err)
	}
	b.Run(chromedp.SendKeys(chromedp.ID("code"), code), browsertest.Submit(chromedp.CSS("main button[type=submit]")))
	return secret
}
