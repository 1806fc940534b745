package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/auth"
)

// Session lifetimes: account.DefaultSessionIdle and DefaultSessionMax, the
// defaults of [Server].SessionIdle and SessionMax.
const (
	DefaultSessionIdle = account.DefaultSessionIdle
	DefaultSessionMax  = account.DefaultSessionMax
)

// Cookie names. Over TLS the __Host- prefix makes browsers refuse the
// cookie unless it is Secure, has Path=/ and no Domain, so that no
// sibling subdomain can set or shadow it. Plain loopback HTTP (the demo)
// cannot use the prefix; the cookie is still HttpOnly, SameSite=Strict
// and Secure, which browsers honour for http://localhost.
const (
	sessionCookieTLS   = "__Host-bonafide_session"
	sessionCookiePlain = "bonafide_session"
)

// Pseudo-permissions for route rows: what a route needs when no entry of
// the role table applies.
const (
	// permEnrol is any authenticated principal, including a session that
	// has still to enrol the second factor its role requires.
	permEnrol bonafide.Permission = "self.enrol"
	// permSelf is one's own account beyond enrolment (a password change):
	// any authenticated principal, including a session still to enrol,
	// but not a session that skipped the second factor its user has, so
	// that such a session cannot take the account from its holder.
	permSelf bonafide.Permission = "self"
)

// principal is who a request acts for: a user, through a session cookie
// or an API token (account.Principal, kept for the request).
type principal = account.Principal

const principalKey ctxKey = 1

// principalOf returns the principal authorize put in ctx, or nil.
func principalOf(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey).(*principal)
	return p
}

func (s *Server) sessionCookieName() string {
	if s.TLS {
		return sessionCookieTLS
	}
	return sessionCookiePlain
}

// errUnauthenticated is the one answer for any missing, malformed, unknown,
// expired or revoked credential, so that the answer tells a prober nothing.
var errUnauthenticated = account.ErrUnauthenticated

// authenticate finds the principal of r, or returns errUnauthenticated.
// A bearer token wins over a cookie; the account service checks either.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	if s.Users == nil {
		return nil, errUnauthenticated
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, errUnauthenticated
		}
		return s.accounts.AuthenticateToken(r.Context(), tok)
	}
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return nil, errUnauthenticated
	}
	return s.accounts.AuthenticateSession(r.Context(), c.Value)
}

// isUnsafe reports whether method may change state (RFC 9110 9.2.1).
func isUnsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// errCrossOrigin answers an unsafe cookie request from another origin.
var errCrossOrigin = bonafide.Errorf(bonafide.EForbidden, "cross-origin request refused: a request with a session cookie must come from this server's own pages")

// authorize wraps h so that it runs only for a principal whose role may
// perm: it authenticates (401 otherwise), refuses a cookie request that
// changes state from another origin (403), holds a session that still
// owes its second factor to enrolment (403), and checks the role table
// (403). Deny by default: an unknown permission is granted to nobody.
func (s *Server) authorize(perm bonafide.Permission, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if p.Session != nil && isUnsafe(r.Method) && !auth.SameOrigin(r) {
			s.error(w, r, errCrossOrigin)
			return
		}
		if perm != permEnrol && perm != permSelf && !p.SecondFactorDone() {
			s.error(w, r, bonafide.Errorf(bonafide.EForbidden,
				"your role needs a second factor: enrol with POST /api/v1/me/totp and confirm, then log in again"))
			return
		}
		allowed := false
		switch perm {
		case permEnrol:
			allowed = true
		case permSelf:
			allowed = p.Session == nil || p.Session.SecondFactor || !p.User.TOTPConfirmed
		default:
			allowed = p.User.Role.Can(perm)
		}
		if !allowed {
			s.error(w, r, bonafide.Errorf(bonafide.EForbidden, "your role (%s) may not do this (%s)", p.User.Role, perm))
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	})
}

// withCrossOriginProtection refuses unsafe browser requests from other
// origins (Sec-Fetch-Site or Origin against Host) before any route runs,
// with Go's http.CrossOriginProtection; requests without those headers
// (API clients) pass, and authorize checks cookie requests further.
func (s *Server) withCrossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, errCrossOrigin)
	}))
	return cop.Handler(next)
}

// clientIP is the address a request came from, for login throttling: the
// connection's peer, or, when the peer is one of TrustedProxies, the
// nearest address in X-Forwarded-For that is not a trusted proxy.
// Forwarded headers from anyone else are ignored, since any client can
// write them. Without this, every client behind a reverse proxy would
// share the proxy's address, and one troll's wrong passwords would make
// every member of staff wait.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trustedProxy(peer) {
		return host
	}
	// X-Forwarded-For lists the client first and each proxy's peer after:
	// read it from the right, past our own proxies.
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for part := range strings.SplitSeq(h, ",") {
			hops = append(hops, strings.TrimSpace(part))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return host // a malformed hop: trust nothing further left
		}
		if !s.trustedProxy(a) {
			return a.Unmap().String()
		}
	}
	return host
}

// trustedProxy reports whether a is in TrustedProxies.
func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// audit appends an entry to the audit log, when the server has one. An
// audit failure fails the request: an action that cannot be recorded is
// not done (callers audit before they answer).
func (s *Server) audit(ctx context.Context, who, what, object, why string) error {
	if s.Audit == nil {
		return nil
	}
	if _, err := s.Audit.Append(ctx, auditlog.Entry{Who: who, What: what, Object: object, Why: why}); err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelError, "audit append failed",
			slog.String("request_id", requestID(ctx)), slog.String("what", what), slog.Any("error", err))
		return bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was done")
	}
	return nil
}

// auditEntry builds an audit entry.
func auditEntry(who, what, object, why string) auditlog.Entry {
	return auditlog.Entry{Who: who, What: what, Object: object, Why: why}
}
