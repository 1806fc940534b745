package web_test

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bonafide/web/webkit/browsertest"
)

// axePath is axe-core, pinned in package-lock.json.
var axePath = filepath.Join("node_modules", "axe-core", "axe.min.js")

// browser is one headless Chromium with a fresh profile
// (browsertest.Browser), and the pages it has seen, for the checks
// across a whole run.
type browser struct {
	*browsertest.Browser
	t    *testing.T
	mu   sync.Mutex
	html map[string]string // URL → rendered DOM, every page and state seen
}

// newBrowser starts chromium for t, closed when t ends; a step that never
// ends fails after a minute.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	b := browsertest.New(t, browsertest.Options{Axe: axePath, Timeout: 60 * time.Second})
	return &browser{Browser: b, t: t, html: map[string]string{}}
}

// get is browsertest.Get on b.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	return browsertest.Get(b.Browser, a)
}

// pageHTML reads the whole page's markup in the page itself: fetching it
// by DOM node (chromedp.OuterHTML) fails now and then with "No node with
// given id found" when the node it queried belonged to the document a
// submit had just replaced.
const pageHTML = `document.documentElement.outerHTML`

// check records the page as it is now (its URL and DOM) and runs axe-core
// on it (browsertest.AxeTags), failing t on any violation; then lays it out 320 px
// wide and at 200% zoom (checkReflow), failing t on any content lost.
// state names what the page shows, for the failure message ("queue,
// filtered").
func (b *browser) check(state string) {
	b.t.Helper()
	loc := get(b, chromedp.Location())
	html := get(b, chromedp.Evaluate[string](pageHTML))
	b.mu.Lock()
	b.html[loc+"#"+state] = html
	b.mu.Unlock()
	for _, v := range b.Axe() {
		b.t.Errorf("axe on %s (%s): %s", state, loc, v)
	}
	b.checkReflow(state, loc)
}

// pages returns every page and state recorded so far.
func (b *browser) pages() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]string, len(b.html))
	for k, v := range b.html {
		out[k] = v
	}
	return out
}

// noSealed fails t if any recorded page shows a sealed reporter value.
func (b *browser) noSealed(sealed []string) {
	b.t.Helper()
	pages := b.pages()
	if len(pages) == 0 {
		b.t.Fatal("no page was recorded")
	}
	for where, html := range pages {
		for _, s := range sealed {
			if strings.Contains(html, s) {
				b.t.Errorf("page %s shows a sealed reporter value %q", where, s)
			}
		}
	}
}

// signIn fills in the sign-in form as a person would and sends it.
func (b *browser) signIn(base, name, password string) {
	b.t.Helper()
	b.Run(
		chromedp.Navigate(base+"/sign-in"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		browsertest.Submit(chromedp.CSS("main button[type=submit]")),
	)
}
