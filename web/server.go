package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/casework"
	"bonafide/disclosure"
	"bonafide/evidence"
	"bonafide/web/webkit"
)

// Shared is what the interface shares with the API it is served beside
// (httpapi.PageContext): one account service, so one login throttle and
// one set of sessions, and the API's session cookie.
type Shared struct {
	Accounts *account.Service
	// ClientIP is the address a request came from (through trusted
	// proxies), for login throttling.
	ClientIP func(*http.Request) string
	// SessionCookie is the session cookie's name; SetSession and
	// ClearSession set and clear it as the API does.
	SessionCookie string
	SetSession    func(w http.ResponseWriter, id string)
	ClearSession  func(w http.ResponseWriter)
	// Evidence is the intake of families' evidence bundles the API's
	// evidence routes call; without it the family page lists no bundles
	// and has no upload form.
	Evidence *evidence.Service
}

// Config is what the interface is given besides [Shared].
type Config struct {
	// Cases is the case workflow. Without it the case screens answer
	// that the workflow is not available.
	Cases *casework.Service
	// Disclosures is police disclosure and subject access requests.
	// Without it those screens answer that they are not available.
	Disclosures *disclosure.Service
	// Audit is the audit log, for the auditor's area (browse, verify,
	// checkpoints and proofs) and the views the pages record themselves.
	// Without it the auditor's area answers that the log is unavailable.
	Audit *auditlog.Log
	// Logger receives internal errors (never form values).
	Logger *slog.Logger
	// Service is the service's name in the header ("bonafide" if empty);
	// Agency names the organisation ("Children's services" if empty).
	Service, Agency string
	// SessionIdle is how long a session lasts without a request, for the
	// timeout warning (account.DefaultSessionIdle if zero).
	SessionIdle time.Duration
	// Now tells the time (time.Now if nil).
	Now func() time.Time
}

// Server is the web interface. Make one with [New]; it holds no
// per-request state, so one serves every request.
type Server struct {
	cfg    Config
	assets *assets
	pages  map[string]*template.Template
	csrf   []byte // HMAC key of CSRF tokens, new at every start
	sh     Shared
	mux    *http.ServeMux
}

// New checks the embedded assets and parses every template, so that a
// binary built without the assets ([ErrNoAssets]) or with a broken
// template is refused at start, not at the first request.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Service == "" {
		cfg.Service = "bonafide"
	}
	if cfg.Agency == "" {
		cfg.Agency = "Children's services"
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = account.DefaultSessionIdle
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, assets: a, pages: map[string]*template.Template{}, csrf: make([]byte, 32)}
	rand.Read(s.csrf)
	if err := s.parse(); err != nil {
		return nil, err
	}
	return s, nil
}

// parse makes one template set per page (webkit.ParsePages).
func (s *Server) parse() error {
	pages, err := webkit.ParsePages(templateFS, s.funcs())
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	s.pages = pages
	return nil
}

// Handler returns the interface's routes (see routes) with its headers,
// for httpapi.Server.Pages: every path the API does not take.
func (s *Server) Handler(sh Shared) http.Handler {
	s.sh = sh
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, rt.handler)
	}
	mux.Handle("GET /assets/", s.assets.handler())
	mux.HandleFunc("/", s.handleNotFound)
	s.mux = mux
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/assets/") {
			pageHeaders(w.Header())
		}
		mux.ServeHTTP(w, r)
	})
}

// Unavailable answers every page with 503 and why, for a server whose
// interface could not be made (err, such as [ErrNoAssets]): the API goes
// on, and a person opening the interface is told what is wrong.
func Unavailable(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "The web interface is not available: %v\n", err)
	})
}

// pageHeaders sets the headers of every page (webkit.PageHeaders).
func pageHeaders(h http.Header) { webkit.PageHeaders(h) }

// route is one screen's method and path and its handler.
type route struct {
	pattern string
	handler http.Handler
}

// Link is a navigation item or back link.
type Link struct {
	Href, Text string
	Current    bool
}

// FieldError is one entry of the error summary: the message, and the id
// of the field it is about ("" for the form as a whole), which the
// summary links to and the field shows beside itself.
type FieldError struct {
	Field, Message string
}

// Banner is a notification banner: a success after an action, or news.
type Banner = webkit.Banner

// Page is what the layout needs of every screen, and the screen's own
// data in Data.
type Page struct {
	Title            string
	Service, Agency  string
	User             *bonafide.User
	CSRF             string
	Nav              []Link
	Back             *Link
	Errors           []FieldError
	Banner           *Banner
	Here             string
	IdleSeconds      int
	Data             any
	status           int
	principal        *account.Principal
	fieldErrorsIndex map[string]string
}

// FieldError returns the error message of field id, or "".
func (p *Page) FieldError(id string) string {
	if p.fieldErrorsIndex == nil {
		p.fieldErrorsIndex = map[string]string{}
		for _, e := range p.Errors {
			if _, ok := p.fieldErrorsIndex[e.Field]; !ok {
				p.fieldErrorsIndex[e.Field] = e.Message
			}
		}
	}
	return p.fieldErrorsIndex[id]
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    func(p string) string { return s.assets.url(p) },
		"roleName": roleName,
		"field": func(id, label, hint, err, typ, autocomplete string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Error: err, Type: typ, Autocomplete: autocomplete, Width: "govuk-!-width-two-thirds"}
		},
		"auditField": func(id, label, hint, err, value string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Error: err, Type: "text", Value: value, Width: "govuk-!-width-full"}
		},
		"reasonField": func(id, label, hint, err, value string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Error: err, Value: value}
		},
		"sel": func(id, label string, opts []option, value, err string) selectField {
			return selectField{ID: id, Label: label, Options: opts, Value: value, Error: err}
		},
		"fieldv": func(id, label, hint, err, typ, autocomplete, width, inputmode, value string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Error: err, Type: typ, Autocomplete: autocomplete, Width: width, Inputmode: inputmode, Value: value}
		},
		"fieldval": func(id, label, hint, err, value string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Error: err, Type: "text", Value: value, Width: "govuk-input--width-10"}
		},
		"choices": func(name, legend, hint, err, typ string, items []choice) choiceGroup {
			return choiceGroup{Name: name, Legend: legend, Hint: hint, Error: err, Type: typ, Items: items}
		},
		"add": func(a, b int) int { return a + b },
		"cond": func(c bool, a, b string) string {
			if c {
				return a
			}
			return b
		},
		"partAnchor": func(id string) string { return strings.ReplaceAll(id, ".", "-") },
		"childError": func(errs []FieldError, i int) string {
			for _, e := range errs {
				if e.Field == fmt.Sprintf("child%d_given", i+1) {
					return e.Message
				}
			}
			return ""
		},
		"rows": func(id, caption string, rows any) tableData { return tableData{ID: id, Caption: caption, Rows: rows} },
		"legalBasis": func(checked bool) []choice {
			return []choice{{ID: "legal_basis", Value: bonafide.LegalBasisCrime, Checked: checked,
				Text: "Data Protection Act 2018, Schedule 2 Part 1 paragraph 2 (prevention or detection of crime)"}}
		},
		"fieldw": func(id, label, hint, err, typ, autocomplete, width, inputmode string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Error: err, Type: typ, Autocomplete: autocomplete, Width: width, Inputmode: inputmode}
		},
	}
}

// render writes page name inside the layout. It renders into a buffer
// first, so that a template error is an internal error page and never
// half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *Page) {
	t, ok := s.pages[name]
	if !ok {
		s.internalError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	p.Service, p.Agency = s.cfg.Service, s.cfg.Agency
	p.Here = r.URL.RequestURI()
	p.CSRF = s.csrfToken(w, r)
	if pr := principalOf(r.Context()); pr != nil {
		p.User = &pr.User
		p.principal = pr
		p.IdleSeconds = int(s.cfg.SessionIdle / time.Second)
		if p.Nav == nil {
			p.Nav = s.nav(pr, r.URL.Path)
		}
	}
	if err := webkit.Write(w, t, p, p.status, len(p.Errors) > 0); err != nil {
		s.internalError(w, r, fmt.Errorf("render %s: %w", name, err))
	}
}

// nav is the service navigation of a signed-in person: the screens their
// role may use.
func (s *Server) nav(p *account.Principal, path string) []Link {
	if !p.SecondFactorDone() {
		return []Link{}
	}
	var nav []Link
	add := func(perm bonafide.Permission, href, text string) {
		if perm == "" || p.User.Role.Can(perm) {
			nav = append(nav, Link{Href: href, Text: text, Current: path == href || strings.HasPrefix(path, href+"/")})
		}
	}
	add(bonafide.PermCaseRead, "/queue", "Front door")
	add(bonafide.PermCaseRead, "/families", "Families")
	add(bonafide.PermSignOff, "/manager", "Team dashboard")
	add(bonafide.PermDisclosureRead, "/disclosures", "Disclosures")
	add(bonafide.PermSARManage, "/sars", "Subject access")
	add(bonafide.PermBreakGlass, "/unseal", "Unseal a reporter")
	add(bonafide.PermAuditRead, "/audit", "Audit log")
	add(bonafide.PermUserManage, "/users", "Users")
	add(bonafide.PermUserManage, "/approvals", "Approvals")
	add("", "/account", "Your account")
	return nav
}

// internalError logs err and shows a page that says only that something
// went wrong: an error's text may hold what the page should not show.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.ErrorContext(r.Context(), "web: internal error", slog.String("path", r.URL.Path), slog.Any("error", err))
	s.errorPage(w, r, http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later. What you were doing has not been saved unless this page says it has.")
}

// errorPage shows a page with a heading and one paragraph.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	t, ok := s.pages["error"]
	if !ok {
		http.Error(w, title, status)
		return
	}
	p := &Page{Title: title, Data: text, status: status}
	p.Service, p.Agency = s.cfg.Service, s.cfg.Agency
	if pr := principalOf(r.Context()); pr != nil {
		p.User = &pr.User
		p.Nav = s.nav(pr, r.URL.Path)
	}
	p.CSRF = s.csrfToken(w, r)
	if err := webkit.Write(w, t, p, status, false); err != nil {
		http.Error(w, title, status)
	}
}

// serviceError shows the page for an error a service returned: its own
// words for a user-facing error, "internal error" for anything else.
func (s *Server) serviceError(w http.ResponseWriter, r *http.Request, err error) {
	switch bonafide.ErrorCode(err) {
	case bonafide.ENotFound:
		s.errorPage(w, r, http.StatusNotFound, "Page not found", bonafide.ErrorMessage(err))
	case bonafide.EForbidden:
		s.errorPage(w, r, http.StatusForbidden, "You cannot see this page", bonafide.ErrorMessage(err))
	case bonafide.EUnavailable:
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the service is unavailable", bonafide.ErrorMessage(err))
	case bonafide.EInvalid, bonafide.EConflict:
		s.errorPage(w, r, http.StatusConflict, "This cannot be done", bonafide.ErrorMessage(err))
	default:
		s.internalError(w, r, err)
	}
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.")
}

// The CSRF cookie holds a random value; a form's token is its HMAC under
// the server's key, so that a page of another site, which can neither read
// the cookie nor know the key, cannot make one. It is checked on every
// unsafe request besides the API's same-origin check.
const csrfCookie = "bonafide_csrf"

// csrfToken returns the token of r's CSRF cookie, giving the browser a
// new cookie first when it has none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		v = c.Value
	} else if v, _ = r.Context().Value(csrfKey).(string); v == "" {
		b := make([]byte, 32)
		rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	m := hmac.New(sha256.New, s.csrf)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// errCSRF is the answer to a form without a valid token: most often a
// form left open across a restart of the server.
var errCSRF = errors.New("the form has expired")

// checkCSRF reports whether r's form carries the token of its cookie.
// The form must be parsed first.
func (s *Server) checkCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return errCSRF
	}
	m := hmac.New(sha256.New, s.csrf)
	m.Write([]byte(c.Value))
	want := m.Sum(nil)
	got, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("csrf"))
	if err != nil || !hmac.Equal(got, want) {
		return errCSRF
	}
	return nil
}

type ctxKey int

const (
	principalKey ctxKey = iota
	csrfKey
)

// principalOf returns the signed-in principal of a page, or nil.
func principalOf(ctx context.Context) *account.Principal {
	p, _ := ctx.Value(principalKey).(*account.Principal)
	return p
}

// roleName is a role in words.
func roleName(r bonafide.Role) string {
	return strings.ReplaceAll(string(r), "_", " ")
}

// inputField is the data of the "input" partial (templates/_field.html):
// a GOV.UK text input with its label, hint and error.
type inputField struct {
	ID, Label, Hint, Error, Type, Autocomplete, Width, Inputmode, Value, LabelClass string
}

// selectField is the data of the "select" partial.
type selectField struct {
	ID, Label string
	Options   []option
	Value     string
	Error     string
}

// choiceGroup is the data of the "choices" partial: radios or checkboxes
// in a fieldset.
type choiceGroup struct {
	Name, Legend, Hint, Error, Type string
	Items                           []choice
}

// tableData is a table partial's id, caption and rows.
type tableData struct {
	ID, Caption string
	Rows        any
}
