package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is Debian's browser, which the browser tests drive.
const chromium = "/usr/bin/chromium"

// axeTags are the rule sets every page must pass: WCAG 2.0, 2.1 and 2.2
// at levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"}

// axeSource is axe-core, pinned in package-lock.json, read once.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// requireBrowser skips t outside CI when chromium or axe-core is missing,
// saying how to enable the test, and fails it in CI (CI=true), where a
// missing browser must not pass as a green run.
func requireBrowser(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if _, err := axeSource(); err != nil {
		missing = append(missing, "web/node_modules/axe-core (make assets)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "browser tests need " + strings.Join(missing, " and ") + "; `make test` installs both"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// browser is one headless Chromium with a fresh profile, and the pages it
// has seen, for the checks across a whole run.
type browser struct {
	ctx  context.Context
	t    *testing.T
	mu   sync.Mutex
	html map[string]string // URL → rendered DOM, every page and state seen
}

// newBrowser starts chromium for t, closed when t ends.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	requireBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelA()
		t.Fatalf("start %s: %v", chromium, err)
	}
	t.Cleanup(func() { cancel(); cancelA() })
	return &browser{ctx: ctx, t: t, html: map[string]string{}}
}

// run runs steps, failing the test on error.
func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// stepTimeout bounds one call of run or get, so that a page that never
// comes fails the test rather than hang it; every step waits for an
// element or an event, never for a time.
const stepTimeout = 60 * time.Second

// submit clicks sel (a button or link that loads a new page) and waits
// until the new page's main heading is there.
func submit[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = '1'`),
		chromedp.Click(sel),
		loaded(),
	)
}

// loaded waits for a page loaded since the last submit or key press.
func loaded() chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS("html:not([data-stale]) main h1"))
}

// get runs an action that reads a value, failing the test on error.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// axeResult is what axe.run reports of one violated rule.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// check records the page as it is now (its URL and DOM) and runs axe-core
// on it with axeTags, failing t on any violation; then lays it out 320 px
// wide and at 200% zoom (checkReflow), failing t on any content lost.
// state names what the page shows, for the failure message ("queue,
// filtered").
func (b *browser) check(state string) {
	b.t.Helper()
	loc := get(b, chromedp.Location())
	html := get(b, chromedp.OuterHTML(chromedp.CSS("html")))
	b.mu.Lock()
	b.html[loc+"#"+state] = html
	b.mu.Unlock()
	violations := b.axe()
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		b.t.Errorf("axe on %s (%s): %s: %s at\n  %s", state, loc, v.ID, v.Help, strings.Join(where, "\n  "))
	}
	b.checkReflow(state, loc)
}

// axe runs axe-core on the page as it is, with axeTags, and returns the
// rules it violates.
func (b *browser) axe() []axeViolation {
	b.t.Helper()
	src, _ := axeSource()
	if !get(b, chromedp.Evaluate[bool](`typeof window.axe !== 'undefined'`)) {
		b.run(chromedp.Evaluate[chromedp.Void](src))
	}
	tags, _ := json.Marshal(axeTags)
	return get(b, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}}).then(r => r.violations)`, tags),
		chromedp.EvalAwaitPromise))
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
	b.run(
		chromedp.Navigate(base+"/sign-in"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		submit(chromedp.CSS("main button[type=submit]")),
	)
}
