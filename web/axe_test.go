package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide/web/webkit/browsertest"
)

// TestAxeFindsViolations shows that the accessibility check can fail: a
// page given an image without alternative text and an unlabelled input
// has violations.
func TestAxeFindsViolations(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, openSQLite, envOptions{families: 20})
	b.Run(chromedp.Navigate(e.URL+"/sign-in"), browsertest.Loaded())
	if v := b.Axe(); len(v) != 0 {
		t.Fatalf("the sign-in page has violations before the change: %+v", v)
	}
	b.Run(chromedp.Evaluate[chromedp.Void](`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/assets/images/favicon.svg"><input type="text">')`))
	got := map[string]bool{}
	for _, v := range b.Axe() {
		got[v.ID] = true
	}
	if !got["image-alt"] || !got["label"] {
		t.Errorf("axe on a page with an image without alt and an unlabelled input found %v, want image-alt and label", got)
	}
}
