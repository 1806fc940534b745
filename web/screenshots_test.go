package web_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide"
	"bonafide/casework"
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

// TestScreenshots writes a PNG of each main screen, with generated data,
// for docs/ui.md. Each page also passes axe, as everywhere.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("writes screenshots only when given a directory: make screenshots (go test ./web -run TestScreenshots -args -screenshots=DIR)")
	}
	if err := os.MkdirAll(*screenshots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	e := newEnv(t, openSQLite, envOptions{})
	referral := e.busiestReferral(t)
	page, err := e.cases.Queue(context.Background(), casework.Actor{Who: "user:test", Role: bonafide.RoleTeamManager}, bonafide.QueueFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var others []bonafide.CaseRow
	for _, row := range page.Rows {
		if row.ReferralID != referral {
			others = append(others, row)
		}
	}
	decided, letters := decideWithLetters(t, e, others)
	shots := []shot{
		{"sign-in.png", "/sign-in", "", 0},
		{"queue.png", "/queue", "ada", 0},
		{"queue-campaigns.png", "/queue?flagged=yes", "ada", 0},
		{"queue-phone.png", "/queue", "ada", 320},
		{"referral.png", "/referrals/" + referral, "ada", 0},
		{"account.png", "/account", "ada", 0},
		{"audit.png", "/audit", "alan", 0},
		{"audit-filtered.png", "/audit?who=ada&from=1+1+2026", "alan", 0},
		{"letters.png", "/referrals/" + decided + "/letters", "ada", 0},
		{"letter.png", "/letters/" + strconv.FormatInt(letters[0].ID, 10), "ada", 0},
		{"manager.png", "/manager", "morwenna", 0},
		{"unseal.png", "/unseal", "dana", 0},
		{"users.png", "/users", "grace", 0},
		{"user.png", "/users/ada", "grace", 0},
		{"user-new.png", "/users/new", "grace", 0},
	}
	signedIn := ""
	for _, s := range shots {
		if s.user != signedIn {
			if signedIn != "" {
				b.run(chromedp.Navigate(e.URL+"/account"), loaded(), submit(chromedp.CSS(".app-sign-out__button")))
			}
			switch s.user {
			case "":
			case "grace", "dana": // an administrator, a DPO: with their authenticator app
				c := apiClient(t, e.URL)
				c.login(t, s.user)
				c.enrolTOTP(t)
				b.signInTOTP(e.URL, s.user, c)
			default:
				b.signIn(e.URL, s.user, testPassword)
			}
			signedIn = s.user
		}
		w := s.width
		if w == 0 {
			w = 1280
		}
		b.run(chromedp.EmulateViewport(int64(w), 900), chromedp.Navigate(e.URL+s.path), loaded())
		b.check(s.file)
		png := get(b, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(*screenshots, s.file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.noSealed(e.sealed)
}
