// Package web is the caseworker web interface: server-rendered pages in
// the GOV.UK Design System for the social workers, team managers, data
// protection officers, auditors and administrators who use bonafide all
// day.
//
// It is a face like package httpapi, over the same services: a handler
// decodes a form, calls the account service (package account) or the case
// workflow (package casework), and renders a template. It never reaches a
// store. It is served on the API's own mux (httpapi.Server.Pages), so that
// one login throttle, one set of sessions and one session cookie serve
// both, and every view the services audit is audited once, whichever face
// asked.
//
// # Templates
//
// Pages are html/template from the standard library rather than templ or
// another generator: html/template escapes by context (HTML, attributes,
// URLs), which is what keeps text written by a referrer from becoming
// markup; it needs no code generation step and no extra module; and a
// page is a plain file that someone who knows the GOV.UK Frontend Nunjucks
// macros can read. Each screen is one Go file named for what a person
// does there (signin.go, queue.go, referral.go) and one template file of
// the same name under templates/, rendered inside layout.html.
//
// # Assets
//
// GOV.UK Frontend's CSS, JavaScript, fonts and images come from npm at the
// exact version pinned in package-lock.json; `make assets` copies them into
// static/dist, and go:embed in package [bonafide/web/static] (which the
// family's locker interface serves too) puts them into the binary. They are never
// committed: only static/dist/README.txt is, so that the package compiles
// on a fresh clone. [Server.Handler] refuses to serve the interface when
// the assets were not built ([ErrNoAssets]). Assets are served under
// /assets/ with a year's cache; the stylesheet and script are linked with
// a digest of their content, so that a new build is fetched at once.
//
// # Security
//
// Every page is sent with a Content-Security-Policy that allows no inline
// script or style and no framing (frame-ancestors 'none'), and with
// Cache-Control: no-store. Every form carries a CSRF token bound to a
// cookie of its own, checked before the form is read further, besides the
// API's same-origin check on every unsafe request. The one form that
// sends a file (a family's evidence bundle, multipart) must carry its
// token as its first field, which is checked before the file is read,
// and the file is read no further than the evidence intake's limit. No
// page shows who a reporter is: the services never hand the pages a
// sealed value.
//
// Every page works without JavaScript; the script only enhances (GOV.UK
// Frontend's components and the session-timeout warning).
package web
