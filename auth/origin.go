package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// SameOrigin reports whether a cookie-authenticated request comes from a
// page of this server: its Origin header names this host and, where the
// browser sends it, Sec-Fetch-Site says same-origin. Browsers send Origin
// on every unsafe request, so a missing one (or "null") means the request
// was not made by our own pages, and is refused. The API and the web
// interface both check it before any change a session asks for, beside the
// web forms' CSRF tokens.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}
