package lockerweb

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"bonafide"
	"bonafide/locker"
	"bonafide/web/static"
	"bonafide/web/webkit"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config is what the locker's interface is given.
type Config struct {
	// Path is the locker file; the first screen creates it when it does
	// not exist and unlocks it when it does.
	Path string
	// Locker configures the locker when it is opened or created: the
	// time-stamping authority, the dossier's embedded font, the clock.
	Locker locker.Config
	// Browser captures web pages (headless Chromium).
	Browser locker.Browser
	// TSARoots are the time-stamping authorities' roots the "check a
	// bundle" screen trusts; nil names the authority without checking it.
	TSARoots *x509.CertPool
	// Logger receives internal errors (never form values or contents).
	Logger *slog.Logger
	// Now tells the time (time.Now if nil).
	Now func() time.Time
}

// Server is the locker's web interface: one family, one browser, on
// loopback. Make one with [New]; open [Server.StartPath] once to sign in.
type Server struct {
	cfg    Config
	assets *static.Assets
	pages  map[string]*template.Template
	key    []byte // HMAC key of CSRF tokens

	mu       sync.Mutex
	token    string // the one-time sign-in token, "" once used
	sessions map[string]bool
	l        *locker.Locker // nil while locked
	export   *exported      // the last dossier and bundle made
	flash    string         // the success message the home screen shows next
}

// exported is a dossier and bundle made by the export screen, kept in
// memory (never written to disk by the interface) until downloaded again
// or replaced.
type exported struct {
	bundle, pdf []byte
	Exhibits    int
	Key         string
	Made        time.Time
}

// New checks the embedded assets and parses every template, so that a
// broken build is refused at start.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Path == "" {
		return nil, errors.New("lockerweb: no locker file")
	}
	a, err := static.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, assets: a, pages: map[string]*template.Template{}, key: make([]byte, 32), sessions: map[string]bool{}}
	rand.Read(s.key)
	s.token = randomString()
	if err := s.parse(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close locks the locker if it is open.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		return nil
	}
	err := s.l.Close()
	s.l = nil
	return err
}

// StartPath is the path (with its one-time token) that signs a browser
// in: `bonafide locker serve` prints it as a URL. It works once.
func (s *Server) StartPath() string { return "/start?token=" + s.token }

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parse makes one template set per page (webkit.ParsePages).
func (s *Server) parse() error {
	pages, err := webkit.ParsePages(templateFS, s.funcs())
	if err != nil {
		return fmt.Errorf("lockerweb: %w", err)
	}
	s.pages = pages
	return nil
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    s.assets.URL,
		"day":      func(t time.Time) string { return t.Local().Format("2 January 2006 15:04") },
		"category": categoryName,
		"kind":     kindName,
		"field": func(id, label, hint, value, err string) inputField {
			return inputField{ID: id, Label: label, Hint: hint, Value: value, Error: err}
		},
		"dateField": func(id, legend, hint string, v dateValue, err string) dateField {
			return dateField{ID: id, Legend: legend, Hint: hint, V: v, Error: err}
		},
		"categories": func(id, value, err string) selectField {
			return selectField{ID: id, Label: "What is it?", Options: categoryOptions, Value: value, Error: err}
		},
		"bytes": humanBytes,
		"add":   func(a, b int) int { return a + b },
	}
}

// Handler returns every route behind the interface's checks: a loopback
// Host (so that a web page cannot reach the locker by rebinding a name to
// 127.0.0.1), the page headers, the session, and CSRF on every POST.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.pattern, rt.handler)
	}
	mux.Handle("GET /assets/", s.assets.Handler())
	mux.HandleFunc("GET /start", s.handleStart)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "The locker only answers on this computer's own address (127.0.0.1).", http.StatusMisdirectedRequest)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			mux.ServeHTTP(w, r)
			return
		}
		webkit.PageHeaders(w.Header()) // the agency's interface's
		if r.URL.Path != "/start" && !s.signedIn(r) {
			s.errorPage(w, r, http.StatusForbidden, "Open the locker from its own link",
				"For your safety, the locker only opens from the link it printed when it started (it works once). Stop the locker and start it again to get a new link.")
			return
		}
		if r.Method == http.MethodPost && !s.sameOrigin(r) {
			s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a request's Host names this computer.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// sameOrigin refuses a POST another site's page sent: the Origin header,
// when a browser sends one, must be this server's.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || o == "http://"+r.Host
}

const sessionCookie = "bonafide_locker"

// handleStart trades the one-time token for a session cookie.
func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) {
	got := r.URL.Query().Get("token")
	s.mu.Lock()
	ok := s.token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
	if ok {
		s.token = ""
	}
	id := ""
	if ok {
		id = randomString()
		s.sessions[id] = true
	}
	s.mu.Unlock()
	if !ok {
		s.errorPage(w, r, http.StatusForbidden, "This link has already been used",
			"The locker's link works once, so that nobody else on this computer can use it. Stop the locker and start it again to get a new link.")
		return
	}
	// Not Secure: the locker is served over plain HTTP on loopback,
	// which never leaves this computer.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) session(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.sessions[c.Value] {
		return ""
	}
	return c.Value
}

func (s *Server) signedIn(r *http.Request) bool { return s.session(r) != "" }

// csrf is the form token of r's session: its HMAC under the server's key.
func (s *Server) csrf(r *http.Request) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(s.session(r)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether a form's token is its session's.
func (s *Server) checkCSRF(r *http.Request, token string) bool {
	return s.signedIn(r) && hmac.Equal([]byte(token), []byte(s.csrf(r)))
}

// open returns the unlocked locker, or nil.
func (s *Server) open() *locker.Locker {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.l
}

// Page is what the layout needs of every screen.
type Page struct {
	Title  string
	CSRF   string
	Open   bool // the locker is unlocked
	Nav    []Link
	Back   *Link
	Errors []FieldError
	Banner string
	Data   any
	status int
	index  map[string]string
}

// Link is a navigation item or back link.
type Link struct {
	Href, Text string
	Current    bool
}

// FieldError is one entry of the error summary and the field it is about.
type FieldError struct{ Field, Message string }

// FieldError returns the message of field id, or "".
func (p *Page) FieldError(id string) string {
	if p.index == nil {
		p.index = map[string]string{}
		for _, e := range p.Errors {
			if _, ok := p.index[e.Field]; !ok {
				p.index[e.Field] = e.Message
			}
		}
	}
	return p.index[id]
}

// render writes page name inside the layout, into a buffer first so that
// a template error is an error page and never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *Page) {
	t, ok := s.pages[name]
	if !ok {
		s.internalError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	p.CSRF = s.csrf(r)
	p.Open = s.open() != nil
	if p.Nav == nil && p.Open {
		for _, l := range []Link{{"/", "Your locker", false}, {"/timeline", "Timeline", false}, {"/export", "Make the dossier", false}, {"/verify", "Check a bundle", false}} {
			l.Current = r.URL.Path == l.Href || (l.Href != "/" && strings.HasPrefix(r.URL.Path, l.Href))
			p.Nav = append(p.Nav, l)
		}
	}
	if err := webkit.Write(w, t, p, p.status, len(p.Errors) > 0); err != nil {
		s.internalError(w, r, fmt.Errorf("render %s: %w", name, err))
	}
}

// errorPage shows a page with a heading and one paragraph.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	s.render(w, r, "message", &Page{Title: title, Data: text, status: status, Nav: []Link{}})
}

// internalError logs err and says only that something went wrong.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.ErrorContext(r.Context(), "lockerweb: internal error", slog.String("path", r.URL.Path), slog.Any("error", err))
	t, ok := s.pages["message"]
	if !ok {
		http.Error(w, "Sorry, there is a problem", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	p := &Page{Title: "Sorry, there is a problem", Data: "Try again. What you were doing has not been saved unless the locker says it has.", Nav: []Link{}}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, p.Title, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(buf.Bytes())
}

// serviceError shows an error the locker returned: its own words when it
// is one meant for the family, "a problem" otherwise.
func (s *Server) serviceError(w http.ResponseWriter, r *http.Request, err error) {
	switch bonafide.ErrorCode(err) {
	case bonafide.ENotFound:
		s.errorPage(w, r, http.StatusNotFound, "Page not found", bonafide.ErrorMessage(err))
	case bonafide.EInvalid, bonafide.EConflict:
		s.errorPage(w, r, http.StatusConflict, "This cannot be done", bonafide.ErrorMessage(err))
	default:
		s.internalError(w, r, err)
	}
}

// requireOpen returns the locker, or sends the browser to unlock it.
func (s *Server) requireOpen(w http.ResponseWriter, r *http.Request) *locker.Locker {
	l := s.open()
	if l == nil {
		http.Redirect(w, r, "/unlock", http.StatusSeeOther)
	}
	return l
}

// notFound is the page for an address the locker does not have.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page not found", "If you typed the address, check it is correct.")
}
