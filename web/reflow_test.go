package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide/web/webkit/browsertest"
)

// reflows are the layouts in which every page must lose nothing (WCAG
// 2.2 1.4.10 Reflow and 1.4.4 Resize text): a phone's 320 CSS pixels, and
// a 1280-pixel window at 200% zoom, which lays the page out in 640 CSS
// pixels with two device pixels to each.
var reflows = []struct {
	name  string
	width int64
	scale float64
}{{"320 px wide", 320, 1}, {"200% zoom", 640, 2}}

// reflowScript lists what is lost in the page's layout as it is: a page
// that scrolls sideways, and any element with text of its own that is
// off the page, cut off by its own box or by an ancestor that hides
// overflow, or that scrolls sideways in a box a keyboard cannot reach or a
// screen reader cannot name. Visually hidden text and elements not shown
// (display: none, hidden) are not looked at.
const reflowScript = `(() => {
  const out = [];
  const de = document.documentElement;
  const vw = de.clientWidth;
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + el.textContent.trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
  if (de.scrollWidth > vw) {
    // name the innermost elements that stick out, text or not
    const inScroller = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true } return false };
    const out_ = el => el.getBoundingClientRect().right > vw + 1 && !inScroller(el);
    const wide = [...document.body.querySelectorAll('*')].filter(el => out_(el) && ![...el.children].some(out_));
    out.push('the page scrolls sideways: ' + de.scrollWidth + ' px of content in ' + vw + ' px, from ' + wide.slice(0, 3).map(describe).join(', '));
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (![...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '')) continue;
    if (el.closest('[class*="visually-hidden"], .govuk-skip-link, [hidden], template, script, style, noscript')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let scroller = null;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'auto' || cs.overflowX === 'scroll') { scroller = a; break; }
      if (cs.overflowX === 'hidden' || cs.overflowX === 'clip') {
        const ar = a.getBoundingClientRect();
        if (r.left < ar.left - 1 || r.right > ar.right + 1) out.push('cut off by ' + describe(a) + ': ' + describe(el));
      }
    }
    if (scroller) {
      if (scroller.scrollWidth > scroller.clientWidth && !(scroller.tabIndex >= 0 && (scroller.getAttribute('aria-label') || scroller.getAttribute('aria-labelledby'))))
        out.push('in a box that scrolls sideways without tabindex and a label: ' + describe(el));
      continue;
    }
    if (r.right > vw + 1 || r.left < -1) out.push('off the page (' + Math.round(r.left) + ' to ' + Math.round(r.right) + ' of ' + vw + ' px): ' + describe(el));
    const cs = getComputedStyle(el);
    if (cs.display !== 'inline' && ((cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) || (cs.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1)))
      out.push('text cut off by its own box: ' + describe(el));
  }
  return out.slice(0, 20);
})()`

// viewport is the page's layout viewport as the browser has it now.
type viewport struct {
	W     int64   `json:"w"`
	H     int64   `json:"h"`
	Scale float64 `json:"scale"`
}

// reflow lays the page out in each of reflows and returns what is lost
// in each ("" for none), then puts the viewport back as it was.
func (b *browser) reflow() map[string][]string {
	b.t.Helper()
	was := get(b, chromedp.Evaluate[viewport](`({w: window.innerWidth, h: window.innerHeight, scale: window.devicePixelRatio})`))
	out := map[string][]string{}
	for _, rf := range reflows {
		b.Run(chromedp.EmulateViewport(rf.width, 900, chromedp.EmulateScale(rf.scale)))
		if lost := get(b, chromedp.Evaluate[[]string](reflowScript)); len(lost) > 0 {
			out[rf.name] = lost
		}
	}
	b.Run(chromedp.EmulateViewport(was.W, was.H, chromedp.EmulateScale(was.Scale)))
	return out
}

// checkReflow fails t for whatever the page loses at 320 px or 200% zoom.
func (b *browser) checkReflow(state, loc string) {
	b.t.Helper()
	for name, lost := range b.reflow() {
		b.t.Errorf("reflow of %s (%s) at %s:\n  %s", state, loc, name, strings.Join(lost, "\n  "))
	}
}

// TestReflowFindsLoss shows that the reflow check can fail: a page given
// a wide element, text cut off by a box that hides overflow, and a
// sideways-scrolling box without a label has each reported, and the
// page without them has nothing.
func TestReflowFindsLoss(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, openSQLite, envOptions{families: 20})
	b.Run(chromedp.Navigate(e.URL+"/sign-in"), browsertest.Loaded())
	if lost := b.reflow(); len(lost) != 0 {
		t.Fatalf("the sign-in page loses content before the change: %v", lost)
	}
	// The page's CSP refuses style attributes in markup; styles set from
	// script apply.
	for _, tt := range []struct {
		name, js, want string
	}{
		{"wide", `m.insertAdjacentHTML('beforeend', '<p class="govuk-body">` + strings.Repeat("W", 120) + `</p>')`, "the page scrolls sideways"},
		{"cut off", `const box = document.createElement('div'); box.style.overflow = 'hidden'; box.style.width = '100px';
			const p = document.createElement('p'); p.className = 'govuk-body'; p.style.whiteSpace = 'nowrap'; p.style.width = '400px';
			p.textContent = 'text that a narrow box hides'; box.append(p); m.append(box)`, "cut off by"},
		{"unlabelled scroller", `const box = document.createElement('div'); box.style.overflowX = 'auto';
			const p = document.createElement('p'); p.className = 'govuk-body'; p.style.width = '900px';
			p.textContent = 'a wide table of sorts'; box.append(p); m.append(box)`, "without tabindex and a label"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.Run(chromedp.Navigate(e.URL+"/sign-in"), browsertest.Loaded())
			b.Run(chromedp.Evaluate[chromedp.Void](`(() => { const m = document.querySelector('main'); ` + tt.js + ` })()`))
			lost := b.reflow()
			for _, rf := range reflows {
				if !strings.Contains(strings.Join(lost[rf.name], "\n"), tt.want) {
					t.Errorf("reflow at %s of a page with %s = %q, want %q", rf.name, tt.name, lost[rf.name], tt.want)
				}
			}
		})
	}
}
