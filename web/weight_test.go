package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide/web/webkit/browsertest"
)

// maxFirstLoad is issue #16's page weight on first load: HTML, CSS,
// JavaScript, fonts and images together.
const maxFirstLoad = 300 << 10

// loadedResource is one resource the browser fetched for a page, from the
// Resource Timing API: its URL, its bytes over the wire (0 when it came
// from the cache) and its body's bytes.
type loadedResource struct {
	Name     string  `json:"name"`
	Transfer float64 `json:"transfer"`
	Body     float64 `json:"body"`
}

// resources waits for the page's fonts and returns the page itself (first)
// and every resource it loaded.
func (b *browser) resources() []loadedResource {
	b.t.Helper()
	return get(b, chromedp.Evaluate[[]loadedResource](`document.fonts.ready.then(() =>
		performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
			.map(e => ({name: e.name, transfer: e.transferSize, body: e.encodedBodySize})))`, chromedp.EvalAwaitPromise))
}

// TestPageWeight opens the interface in a browser with an empty cache and
// adds up what it fetched (HTML, CSS, JavaScript, fonts, images): under
// 300 KB. It checks that the stylesheet, script and a font were among it
// (so that an empty sum cannot pass), that every asset is served with a
// year's immutable cache and every page with no-store, and that the
// queue, referral and family pages, opened after, fetch only their HTML:
// their assets come from the cache, and their HTML with those assets is
// under 300 KB too.
func TestPageWeight(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, openSQLite, envOptions{families: 40})
	b.Run(chromedp.Navigate(e.URL+"/sign-in"), browsertest.Loaded())
	cold := b.resources()
	total, assets := 0.0, 0.0
	kinds := map[string]bool{}
	var assetURLs []string
	for i, r := range cold {
		total += r.Transfer
		if i == 0 {
			continue
		}
		assets += r.Transfer
		u, err := url.Parse(r.Name)
		if err != nil {
			t.Fatal(err)
		}
		assetURLs = append(assetURLs, u.RequestURI())
		switch {
		case strings.HasSuffix(u.Path, ".css"):
			kinds["css"] = true
		case strings.HasSuffix(u.Path, ".js") || strings.HasSuffix(u.Path, ".mjs"):
			kinds["js"] = true
		case strings.HasSuffix(u.Path, ".woff2"):
			kinds["font"] = true
		}
	}
	t.Logf("first load of the sign-in page: %.0f bytes (%.0f of assets, %d resources)", total, assets, len(cold)-1)
	for _, k := range []string{"css", "js", "font"} {
		if !kinds[k] {
			t.Errorf("the first load fetched no %s: %+v", k, cold)
		}
	}
	if total > maxFirstLoad || total < 50<<10 {
		t.Errorf("first load = %.0f bytes, want between 50 KB and %d", total, maxFirstLoad)
	}
	for _, p := range assetURLs {
		resp, err := http.Get(e.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		drain(resp.Body)
		if got := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s = %d, Cache-Control %q; want 200 with a year's immutable cache", p, resp.StatusCode, got)
		}
	}

	b.signIn(e.URL, "ada", testPassword)
	row, err := e.cases.Cases.CaseRow(t.Context(), e.busiestReferral(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/queue", "/referrals/" + row.ReferralID, "/families/" + row.Family} {
		b.Run(chromedp.Navigate(e.URL+page), browsertest.Loaded())
		res := b.resources()
		html := res[0].Transfer
		for _, r := range res[1:] {
			if r.Transfer > 0 {
				t.Errorf("%s fetched %s again (%.0f bytes): it should come from the cache", page, r.Name, r.Transfer)
			}
		}
		t.Logf("%s: %.0f bytes of HTML; with the assets of a first load %.0f", page, html, html+assets)
		if html+assets > maxFirstLoad {
			t.Errorf("%s on a first load = %.0f bytes, want at most %d", page, html+assets, maxFirstLoad)
		}
		if got := b.cacheControl(e.URL + page); got != "no-store" {
			t.Errorf("%s Cache-Control = %q, want no-store", page, got)
		}
	}
}

// cacheControl returns the Cache-Control header of a GET of u made by
// the page (the Fetch API, so that the session cookie goes with it).
func (b *browser) cacheControl(u string) string {
	b.t.Helper()
	return get(b, chromedp.Evaluate[string](`fetch(`+jsString(u)+`, {credentials: 'same-origin'}).then(r => r.headers.get('cache-control') || '')`, chromedp.EvalAwaitPromise))
}
