package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide/web/webkit/browsertest"
)

// TestQueue walks the front-door queue in a browser on each store: the
// whole queue (safety tag first, most urgent first), counts, a filter, a
// filter that matches nothing, a wrong filter value, and paging; axe passes
// on each, and no page shows a reporter.
func TestQueue(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{})
			b.signIn(e.URL, "ada", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/queue"), browsertest.Loaded())
			b.check("queue")
			total := queueTotal(t, b)
			if total < 26 {
				t.Fatalf("the queue holds %d referrals, want more than a page (25) to test paging", total)
			}
			first := get(b, chromedp.Text(chromedp.CSS("table.app-queue thead th")))
			if first != "Safety" {
				t.Errorf("first column = %q, want Safety", first)
			}
			levels := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.app-queue tbody tr td:first-child')].map(td => td.innerText.trim())`))
			rank := map[string]int{"Immediate danger": 4, "High": 3, "Standard": 2, "Low": 1, "Not yet judged": 0}
			for i := 1; i < len(levels); i++ {
				if rank[levels[i]] > rank[levels[i-1]] {
					t.Errorf("row %d is %s after %s: the queue is not most urgent first", i+1, levels[i], levels[i-1])
				}
			}

			// Flagged campaigns only: fewer, each tagged.
			b.Run(chromedp.Navigate(e.URL+"/queue?flagged=yes"), browsertest.Loaded())
			b.check("queue, suspected campaigns")
			flagged := queueTotal(t, b)
			if flagged == 0 || flagged >= total {
				t.Errorf("suspected campaigns = %d of %d, want some but not all", flagged, total)
			}
			tags := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.app-queue tbody tr td:nth-child(4)')].map(td => td.innerText)`))
			for i, tag := range tags {
				if !strings.Contains(tag, "Suspected campaign") {
					t.Errorf("flagged row %d campaign cell = %q", i+1, tag)
				}
			}

			// A filter that matches nothing says so.
			b.Run(chromedp.Navigate(e.URL+"/queue?state=closed&channel=in_person&safety=immediate&overdue=1"), browsertest.Loaded())
			b.check("queue, nothing matches")
			if got := get(b, chromedp.Text(chromedp.ID("queue-empty"))); !strings.Contains(got, "No referrals match") {
				t.Errorf("empty queue says %q", got)
			}

			// A wrong value is an error summary linking to its field.
			b.Run(chromedp.Navigate(e.URL+"/queue?safety=whenever"), browsertest.Loaded())
			b.check("queue, wrong filter")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#safety" {
				t.Errorf("error summary links to %q, want #safety", got)
			}

			// Paging: the next page starts where the first ended.
			b.Run(chromedp.Navigate(e.URL+"/queue"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".govuk-pagination__next a")))
			b.check("queue, page 2")
			if got := get(b, chromedp.Text(chromedp.ID("queue-caption"))); !strings.HasPrefix(got, "Referrals 26 to ") {
				t.Errorf("page 2 caption = %q", got)
			}
			b.noSealed(e.sealed)
		})
	}
}

// queueTotal reads the queue's total from its summary.
func queueTotal(t *testing.T, b *browser) int {
	t.Helper()
	s := get(b, chromedp.Text(chromedp.ID("queue-summary")))
	n, err := strconv.Atoi(strings.Fields(s)[0])
	if err != nil {
		t.Fatalf("queue summary %q: %v", s, err)
	}
	return n
}
