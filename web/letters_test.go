package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide"
	"bonafide/casework"

	"bonafide/web/webkit/browsertest"
)

// TestLetters walks a case's letters in a browser on each store: a case
// without letters, then one whose decision wrote letters: the list, a
// preview, and the PDF downloaded (each view audited); axe passes on each.
func TestLetters(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 40})
			ctx := context.Background()
			tm := casework.Actor{Who: "user:morwenna", Role: bonafide.RoleTeamManager}
			page, err := e.cases.Queue(ctx, tm, bonafide.QueueFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			empty := page.Rows[0].ReferralID
			withLetters, letters := decideWithLetters(t, e, page.Rows[1:])
			b.signIn(e.URL, "ada", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/referrals/"+empty+"/letters"), browsertest.Loaded())
			b.check("letters, none")
			if got := get(b, chromedp.Text(chromedp.ID("letters-empty"))); !strings.Contains(got, "No letters") {
				t.Errorf("no letters says %q", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/referrals/"+withLetters+"/letters"), browsertest.Loaded())
			b.check("letters")
			if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll('table.app-letters tbody tr').length`)); n != len(letters) {
				t.Errorf("letters listed = %d, want %d", n, len(letters))
			}
			if n := e.audited(t, "user:ada", "case.read", withLetters); n != 1 {
				t.Errorf("case.read entries = %d, want 1", n)
			}
			b.Run(browsertest.Submit(chromedp.CSS("table.app-letters tbody th a")))
			b.check("letter preview")
			text := get(b, chromedp.Text(chromedp.ID("letter-text")))
			if first := strings.SplitN(strings.TrimSpace(letters[0].Text), "\n", 2)[0]; !strings.Contains(text, first) {
				t.Errorf("preview does not show the letter's first line %q", first)
			}
			c := apiClient(t, e.URL)
			c.login(t, "ada")
			pdf := c.get(t, "/letters/"+strconv.FormatInt(letters[0].ID, 10)+"/pdf", http.StatusOK)
			if !strings.HasPrefix(pdf, "%PDF-") {
				t.Errorf("download is not a PDF: %.20q", pdf)
			}
			if n := e.audited(t, "user:ada", "letter.read", withLetters); n != 2 {
				t.Errorf("letter.read entries = %d, want 2 (preview, download)", n)
			}
			c.get(t, "/letters/999999", http.StatusNotFound)
			b.noSealed(e.sealed)
		})
	}
}

// decideWithLetters records a decision on the first of rows whose
// decision writes letters, and returns it with its letters.
func decideWithLetters(t *testing.T, e *env, rows []bonafide.CaseRow) (string, []bonafide.Letter) {
	t.Helper()
	tm := casework.Actor{Who: "user:morwenna", Role: bonafide.RoleTeamManager}
	for _, row := range rows {
		v, err := e.cases.Act(context.Background(), tm, row.ReferralID, casework.Request{Action: bonafide.ActDecide, Decision: bonafide.DecideAssessment, Reason: "the concern needs a child and family assessment"})
		if err != nil {
			t.Logf("decide %s: %v", row.ReferralID, err)
			continue
		}
		if len(v.Letters) > 0 {
			return row.ReferralID, v.Letters
		}
	}
	t.Fatal("no decision wrote a letter")
	return "", nil
}
