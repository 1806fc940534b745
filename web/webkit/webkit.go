// Package webkit is what the agency's interface (package web) and the
// family's evidence locker (package locker/lockerweb) share of a page
// besides its assets (package static): the page headers and their
// Content-Security-Policy, the parts of the page shell (templates/kit.html:
// header, menu, error summary, banner, footer), how a page's
// template set is made, and how a rendered page is written. Neither
// interface imports the other.
package webkit

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/kit.html
var kitFS embed.FS

// ContentSecurityPolicy allows scripts, styles, fonts and images from the
// server only (no inline script or style, no eval), forms that post to it
// only, and no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// PageHeaders sets the headers of every page: its CSP, and no caching
// (pages hold personal data about children and families).
func PageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not the API's no-referrer: with no-referrer a browser
	// sends "Origin: null" with a form, which the same-origin check must
	// refuse.
	h.Set("Referrer-Policy", "same-origin")
}

// A Banner is what template kit-banner shows: a success after an action,
// or news.
type Banner struct {
	Text    string
	Success bool
}

// A Menu is what template kit-menu shows: the service navigation's
// items (Href, Text, Current each) and the form that ends the session,
// posted to Action with the CSRF token, its button saying Label (and, to
// screen readers, who is signed in).
type Menu struct {
	Nav                      any
	Action, CSRF, Label, Who string
}

// ParsePages makes one template set per page of fsys's templates/*.html:
// templates/layout.html (which defines "layout"), the partials
// (templates/_*.html), the kit's parts and the page's own file (defining
// "content"), keyed by the page's name ("home" for templates/home.html).
// funcs must hold "asset"; ParsePages adds "kitBanner" (text, success),
// a Banner for kit-banner, and "kitMenu" (nav, action, csrf, label, who),
// a Menu for kit-menu.
func ParsePages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var partials, pages []string
	for _, n := range names {
		switch base := pageName(n); {
		case base == "layout":
		case strings.HasPrefix(base, "_"):
			partials = append(partials, n)
		default:
			pages = append(pages, n)
		}
	}
	kit, err := template.New("kit").Funcs(funcs).Funcs(template.FuncMap{
		"kitBanner": func(text string, success bool) Banner { return Banner{Text: text, Success: success} },
		"kitMenu": func(nav any, action, csrf, label, who string) Menu {
			return Menu{Nav: nav, Action: action, CSRF: csrf, Label: label, Who: who}
		},
	}).ParseFS(kitFS, "templates/kit.html")
	if err != nil {
		return nil, fmt.Errorf("kit templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := kit.Clone()
		if err != nil {
			return nil, err
		}
		files := append(append([]string{"templates/layout.html"}, partials...), p)
		if t, err = t.New("layout").ParseFS(fsys, files...); err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		out[pageName(p)] = t
	}
	return out, nil
}

// pageName is "home" of "templates/home.html".
func pageName(file string) string {
	return strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
}

// Write executes template "layout" of t with data into a buffer first, so
// that a template error is the caller's to answer (an error page) and
// never half a page, then writes it with status: 200 when 0, or 422 when
// the page shows input errors.
func Write(w http.ResponseWriter, t *template.Template, data any, status int, inputErrors bool) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status == 0 {
		status = http.StatusOK
		if inputErrors {
			status = http.StatusUnprocessableEntity
		}
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}
