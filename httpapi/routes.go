package httpapi

import (
	"net/http"

	"bonafide"
)

// route is one entry of the API. The table is data so that the OpenAPI
// test can compare it with the document, and so that the authentication
// middleware of the next issue has one place to read what each route needs.
type route struct {
	method string
	path   string // a ServeMux path pattern, which is also OpenAPI's path syntax
	// perm is the permission a caller will need (bonafide.Role.Can); ""
	// for public routes. Nothing enforces it yet: see mux.
	perm    bonafide.Permission
	handler http.HandlerFunc
}

// pattern returns the ServeMux pattern, "METHOD /path".
func (rt route) pattern() string { return rt.method + " " + rt.path }

// routes lists every route of the API, in one place.
func (s *Server) routes() []route {
	return []route{
		{http.MethodGet, "/healthz", "", s.handleHealth},
		{http.MethodGet, "/api/v1/openapi.json", "", s.handleOpenAPI},
		{http.MethodPost, "/api/v1/referrals", bonafide.PermReferralCreate, s.handleReferralCreate},
		{http.MethodGet, "/api/v1/referrals/{id}", bonafide.PermReferralRead, s.handleReferralGet},
		{http.MethodPost, "/api/v1/import", bonafide.PermReferralImport, s.handleImport},
	}
}
