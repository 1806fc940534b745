// Package browsertest is the browser harness of the interfaces' tests
// (packages web and locker/lockerweb): Debian's Chromium, headless, driven
// by chromedp, and axe-core's accessibility checks (web/node_modules,
// pinned in package-lock.json). Every step waits for an element or an
// event, never for a time; a step that never ends fails the test after
// [Options.Timeout] rather than hang it.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is Debian's browser, which the browser tests drive.
const Chromium = "/usr/bin/chromium"

// AxeTags are the rule sets every page must pass: WCAG 2.0, 2.1 and 2.2
// at levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"}

// axeSources are axe-core's sources by path, each read once.
var axeSources sync.Map // path → func() (string, error)

// AxeSource returns axe-core read from path (web/node_modules/axe-core/
// axe.min.js, relative to the test's package), read once.
func AxeSource(path string) (string, error) {
	f, _ := axeSources.LoadOrStore(path, sync.OnceValues(func() (string, error) {
		b, err := os.ReadFile(path)
		return string(b), err
	}))
	return f.(func() (string, error))()
}

// Require skips t outside CI when Chromium or axe-core (at axePath) is
// missing, saying how to enable the test, and fails it in CI (CI=true),
// where a missing browser must not pass as a green run.
func Require(t testing.TB, axePath string) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath(Chromium); err != nil {
		missing = append(missing, Chromium+" (apt-get install chromium)")
	}
	if _, err := AxeSource(axePath); err != nil {
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

// Options are what differs between the interfaces' harnesses.
type Options struct {
	// Axe is the path of axe-core's axe.min.js from the test's package.
	Axe string
	// Timeout bounds one Run or Get.
	Timeout time.Duration
	// HideScrollbars hides the scroll bars (for screenshots).
	HideScrollbars bool
}

// Browser is one headless Chromium with a fresh profile, 1280×900.
type Browser struct {
	ctx  context.Context
	t    testing.TB
	opts Options
}

// New starts Chromium for t (after Require), closed when t ends.
func New(t testing.TB, o Options) *Browser {
	t.Helper()
	Require(t, o.Axe)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	if o.HideScrollbars {
		opts = append(opts, chromedp.Flag("hide-scrollbars", true))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelA()
		t.Fatalf("start %s: %v", Chromium, err)
	}
	t.Cleanup(func() { cancel(); cancelA() })
	return &Browser{ctx: ctx, t: t, opts: o}
}

// Run runs steps, failing the test on error.
func (b *Browser) Run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.opts.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Get runs an action that reads a value, failing the test on error.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.opts.Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// Submit clicks sel (a button or link that loads a new page) and waits
// until the new page's main heading is there.
func Submit[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = '1'`),
		chromedp.Click(sel),
		Loaded(),
	)
}

// Loaded waits for a page loaded since the last Submit or key press.
func Loaded() chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS("html:not([data-stale]) main h1"))
}

// A Violation is what axe.run reports of one violated rule.
type Violation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// String is the rule, its help and the elements that violate it, one a
// line.
func (v Violation) String() string {
	var where []string
	for _, n := range v.Nodes {
		where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
	}
	return v.ID + ": " + v.Help + " at\n  " + strings.Join(where, "\n  ")
}

// Axe runs axe-core on the page as it is, with AxeTags, and returns the
// rules it violates.
func (b *Browser) Axe() []Violation {
	b.t.Helper()
	src, err := AxeSource(b.opts.Axe)
	if err != nil {
		b.t.Fatal(err)
	}
	if !Get(b, chromedp.Evaluate[bool](`typeof window.axe !== 'undefined'`)) {
		b.Run(chromedp.Evaluate[chromedp.Void](src))
	}
	tags, _ := json.Marshal(AxeTags)
	return Get(b, chromedp.Evaluate[[]Violation](fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}}).then(r => r.violations)`, tags),
		chromedp.EvalAwaitPromise))
}
