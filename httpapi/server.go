package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/auth"
	"bonafide/casework"
	"bonafide/disclosure"
	"bonafide/evidence"
	"bonafide/triage"
)

// Default body limits. A referral is a few kilobytes; the interchange limits
// cap one well under DefaultMaxReferralBytes. Bulk import bodies are
// bounded so that one request cannot hold a transaction open for long.
const (
	DefaultMaxReferralBytes int64 = 1 << 20
	DefaultMaxImportBytes   int64 = 64 << 20
)

// Server is the intake API. It holds everything a handler needs, so that
// there is no package state and tests can run many servers side by side.
// Set the fields before calling Handler; do not change them after.
type Server struct {
	// Store keeps the records. Required.
	Store bonafide.Store
	// Logger receives one line per request (method, path, status,
	// duration, request id; never bodies, which hold reporter data) and
	// every internal error. Required.
	Logger *slog.Logger
	// Now tells the time; tests set it to get stable durations.
	Now func() time.Time
	// MaxReferralBytes limits the body of POST /api/v1/referrals.
	MaxReferralBytes int64
	// MaxImportBytes limits the body of POST /api/v1/import.
	MaxImportBytes int64
	// MaxConcurrentImports bounds how many import bodies are held in
	// memory at once (each up to MaxImportBytes); further imports wait.
	MaxConcurrentImports int

	// MaxReferralsInFlight bounds how many POST /api/v1/referrals are
	// handled at once (each may hold up to MaxReferralBytes). Past it the
	// API sheds load with 503 and Retry-After rather than queue without
	// bound; the store's group commit is saturated well before it.
	MaxReferralsInFlight int

	// Users keeps users, sessions and API tokens. Without it every route
	// that needs a permission answers 401: the API fails closed.
	//
	// Users, Audit, Now, SessionIdle, SessionMax, Throttle,
	// PasswordParams, TOTPIssuer and Secrets configure the account
	// service (package account) that Handler makes: the account and user
	// routes, and authentication, call it.
	Users bonafide.UserStore
	// Approvals keeps the account changes that wait for a second
	// administrator (granting the DPO or administrator role, resetting a
	// password or second factor); without it those routes answer 503 and
	// the changes cannot be made over the API.
	Approvals bonafide.ApprovalStore
	// Audit, when set, receives every login (success and failure, never
	// the password), every view of a referral, every reporter unseal and
	// every change of a user. The unseal route refuses to work without it.
	Audit *auditlog.Log
	// Findings, when set, tells the reporter-links route what earlier
	// referrals were found to be; that route answers from the stored
	// assessments (Assessments), and without both it answers 503.
	Findings FindingReader
	// Assessments, when set, serves each referral's stored triage
	// assessment (GET /api/v1/referrals/{id}/assessment); without it that
	// route answers 503.
	Assessments bonafide.AssessmentStore
	// Cases, when set, is the case workflow: the queue, decisions,
	// notifications, letters, the manager's view and the census; without
	// it those routes answer 503.
	Cases *casework.Service
	// Disclosures, when set, is lawful disclosure to the police (requests,
	// the DPO's review, two-person approval, signed packages); without it
	// those routes answer 503.
	Disclosures *disclosure.Service
	// Triage, when set, is woken after every referral and import is
	// stored, so that it triages them at once (a triage/live.Service).
	Triage Triager
	// TriageConfig, when set, is the triage configuration the evidence
	// route re-assesses a family's open referrals with once a family's
	// bundle is filed; without it that route files the posts and
	// re-assesses nothing.
	TriageConfig *triage.Config
	// TLS says the server is reached over HTTPS, so that the session
	// cookie takes the __Host- prefix.
	TLS bool
	// TrustedProxies are the reverse proxies in front of the server: for a
	// request from one of them, login throttling counts the client address
	// the proxy gives in X-Forwarded-For rather than the proxy's own.
	TrustedProxies []netip.Prefix
	// SessionIdle and SessionMax end sessions idle for that long, and
	// that long after login.
	SessionIdle time.Duration
	SessionMax  time.Duration
	// Throttle slows password guessing per user name and per client
	// address.
	Throttle *auth.Throttle
	// PasswordParams are the Argon2id costs of new password hashes.
	PasswordParams auth.PasswordParams
	// TOTPIssuer names the service in authenticator apps.
	TOTPIssuer string
	// Secrets seals users' TOTP seeds before they reach Users, bound to
	// each user, and opens them only to check a code (the vault; see
	// auth.SealTOTP), so that a copy of the users table yields no second
	// factor and a database administrator cannot plant or move one.
	// Without it enrolment and every login that needs a code answer 503:
	// the API fails closed.
	Secrets auth.SecretSealer
	// Witnesses are the verifier keys of the witnesses whose cosignatures
	// POST /api/v1/audit/cosignatures stores (auditlog.NewWitnessVerifier);
	// without any it stores none.
	Witnesses []note.Verifier
	// Metrics, when set, counts and times every request by route and
	// status, refused logins and unseals (NewMetrics); nil counts nothing.
	Metrics *Metrics

	// Pages, when set, makes the caseworker web interface (package web)
	// served on the same mux: every path outside /api/ and /healthz goes
	// to the handler it returns, which gets the account service and the
	// session cookie mechanism Handler made, so that a browser signed in
	// through the pages is signed in to the API and the other way round.
	Pages func(PageContext) http.Handler

	importSlots   chan struct{}     // made by Handler
	referralSlots chan struct{}     // made by Handler
	accounts      *account.Service  // made by Handler, from the fields above
	evidence      *evidence.Service // made by Handler, from the fields above
	inFlight      atomic.Int64      // referral POSTs being served
}

// ReferralsInFlight returns how many POSTs of a referral are being
// served. The triage service yields to intake while there are any
// (live.Options.Busy): intake's requests wait on a person, triage's
// campaign assessment can follow a burst.
func (s *Server) ReferralsInFlight() int64 { return s.inFlight.Load() }

// NewServer returns a Server on store with the default limits, so that
// callers only set what they change.
func NewServer(store bonafide.Store, logger *slog.Logger) *Server {
	return &Server{
		Store:            store,
		Logger:           logger,
		Now:              time.Now,
		MaxReferralBytes: DefaultMaxReferralBytes,
		MaxImportBytes:   DefaultMaxImportBytes,

		MaxConcurrentImports: 2,
		MaxReferralsInFlight: 512,

		SessionIdle:    DefaultSessionIdle,
		SessionMax:     DefaultSessionMax,
		Throttle:       auth.NewThrottle(),
		PasswordParams: auth.DefaultPasswordParams,
		TOTPIssuer:     "bonafide",
	}
}

// Handler returns the API with its middleware: request id, request log,
// panic recovery, security headers and cross-origin protection around
// every route of routes(), each route behind authorize unless public.
func (s *Server) Handler() http.Handler {
	s.importSlots = make(chan struct{}, max(1, s.MaxConcurrentImports))
	s.referralSlots = make(chan struct{}, max(1, s.MaxReferralsInFlight))
	s.accounts = s.newAccounts()
	s.evidence = s.newEvidence()
	return s.withRequestID(s.withLog(s.withRecover(withSecurityHeaders(s.withCrossOriginProtection(s.mux())))))
}

// newAccounts returns the account service the account and user routes
// call, configured from s: the routes decode and encode, the service
// decides and audits.
func (s *Server) newAccounts() *account.Service {
	a := account.New(s.Users, nil, slog.New(withRequestIDAttr{s.Logger.Handler()}))
	if s.Audit != nil {
		a.Audit = s.Audit
	}
	if s.Approvals != nil {
		a.Approvals = s.Approvals
	}
	a.Now = s.Now
	a.Secrets = s.Secrets
	a.Throttle = s.Throttle
	a.PasswordParams = s.PasswordParams
	a.TOTPIssuer = s.TOTPIssuer
	a.SessionIdle = s.SessionIdle
	a.SessionMax = s.SessionMax
	return a
}

// withRequestIDAttr adds the request id to every record logged with a
// request's context, so that what the account service logs (an audit
// append or a second-factor seed that failed) can be found with the
// request, as the server's own lines can.
type withRequestIDAttr struct{ slog.Handler }

func (h withRequestIDAttr) Handle(ctx context.Context, r slog.Record) error {
	if id := requestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h withRequestIDAttr) WithAttrs(as []slog.Attr) slog.Handler {
	return withRequestIDAttr{h.Handler.WithAttrs(as)}
}

func (h withRequestIDAttr) WithGroup(name string) slog.Handler {
	return withRequestIDAttr{h.Handler.WithGroup(name)}
}

// mux registers every route of routes() on a fresh ServeMux.
func (s *Server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		var h http.Handler = rt.handler
		if rt.perm != "" {
			h = s.authorize(rt.perm, h)
		}
		mux.Handle(rt.pattern(), s.instrument(rt.pattern(), h))
	}
	// Unknown paths and methods get a problem, not the mux's plain text.
	if s.Pages == nil {
		mux.Handle("/", s.instrument("unmatched", http.HandlerFunc(s.handleNoRoute)))
		return mux
	}
	mux.Handle("/api/", s.instrument("unmatched", http.HandlerFunc(s.handleNoRoute)))
	mux.Handle("/", s.instrument("web", s.Pages(PageContext{
		Accounts:      s.accounts,
		ClientIP:      s.clientIP,
		SessionCookie: s.sessionCookieName(),
		SetSession:    s.setCookie,
		ClearSession:  s.clearCookie,
		Evidence:      s.evidence,
	})))
	return mux
}

// PageContext is what the web interface shares with the API: one account
// service (one login throttle, one set of sessions) and one session
// cookie, named and set as the API's.
type PageContext struct {
	Accounts *account.Service
	// ClientIP is the address a request came from, through the trusted
	// proxies, for login throttling.
	ClientIP func(*http.Request) string
	// SessionCookie is the session cookie's name.
	SessionCookie string
	// SetSession gives the browser the cookie of a new session;
	// ClearSession tells it to forget it.
	SetSession   func(w http.ResponseWriter, id string)
	ClearSession func(w http.ResponseWriter)
	// Evidence is the intake of families' evidence bundles that the
	// evidence routes call, for the family page's upload screen.
	Evidence *evidence.Service
}

// handleNoRoute answers a request no route matches: 405 with Allow when
// the path exists under other methods, 404 otherwise.
func (s *Server) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, rt := range s.routes() {
		probe := &http.Request{Method: rt.method, URL: r.URL, Host: r.Host}
		if _, pattern := s.routesOnly().Handler(probe); pattern == rt.pattern() && !slices.Contains(allow, rt.method) {
			allow = append(allow, rt.method)
		}
	}
	if len(allow) == 0 {
		s.error(w, r, bonafide.Errorf(bonafide.ENotFound, "no route for %s %s", r.Method, r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.error(w, r, &statusError{http.StatusMethodNotAllowed,
		fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))})
}

// routesOnly is a mux of the routes alone, without the fallback, for
// finding which methods a path allows.
func (s *Server) routesOnly() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern(), rt.handler)
	}
	return mux
}

// HTTPServer returns an http.Server for the API with timeouts suited to
// it: short for headers (slow-loris), long enough to read a bulk import.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
}

// Run serves srv on ln until ctx is done, then shuts down gracefully:
// the listener closes at once, requests in flight finish (for at most
// timeout), and Run returns. It returns nil after a clean shutdown, so that
// the caller closes the store only once no handler can still use it.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: requests still running after %v: %w", timeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

type ctxKey int

const requestIDKey ctxKey = 0

// requestID returns the id withRequestID gave the request, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// newRequestID returns 16 random hex digits. Incoming X-Request-ID headers
// are not trusted: a client could forge one to confuse the log.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// statusWriter records the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLog writes one line per request. It logs the path but never the
// body, query values or headers: those can hold reporter data or tokens.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case status == http.StatusServiceUnavailable:
			level = slog.LevelWarn
		case status >= 500:
			level = slog.LevelError
		}
		s.Logger.LogAttrs(r.Context(), level, "request",
			slog.Group("request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Duration("duration", s.Now().Sub(start)),
				slog.String("request_id", requestID(r.Context())),
			))
	})
}

// withRecover turns a panic into a logged internal error, so that one bad
// request cannot take the server down or leak a stack trace.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.error(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// withSecurityHeaders sets headers that keep browsers from sniffing,
// framing, caching or leaking the API's responses: they hold personal data
// about children.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
