// Package httpapi is bonafide's intake API over HTTP: referrals one at a
// time or in bulk as interchange JSON Lines, fetched back by id, with an
// OpenAPI 3.1 description of itself.
//
// # Routes
//
// Every route is listed in one table, [Server] routes(); the embedded
// OpenAPI document (GET /api/v1/openapi.json) describes exactly those,
// which a test enforces.
//
//	GET  /healthz                  liveness; does not touch the store
//	GET  /api/v1/openapi.json      the OpenAPI 3.1 document
//	POST /api/v1/referrals         one referral → 201 {seq, id}, Location
//	GET  /api/v1/referrals/{id}    by interchange id; the reporter is never returned
//	POST /api/v1/import            JSON Lines, one transaction; ?skip_invalid=true
//
// A referral is named in URLs by its interchange id, not the store's
// sequence number: the id is what the sender knows and it survives export
// and import into another store.
//
// An import body is read whole (in memory, at most MaxImportBytes, at most
// MaxConcurrentImports at once) before its transaction begins, so that a
// slow sender cannot hold the store's write lock while bytes trickle in.
//
// At most MaxReferralsInFlight single referrals are handled at once; past
// that the API sheds load with 503 and Retry-After instead of queueing
// without bound.
//
// # Errors
//
// Every failure is written by one method, which maps bonafide error codes to
// statuses and writes RFC 9457 problem details (application/problem+json)
// with an errors member listing every field error as {line, field, reason}.
// Failures without a code are shown only as "internal error" and logged in
// full with the request id that the response's instance member names.
//
// # Logging
//
// One log line per request, in a request group: method, path, status,
// duration, request_id. Bodies, query values and headers are never logged:
// they hold reporter data, which is sealed.
//
// # Authentication
//
// None yet: the next issue adds token authentication for the intake routes
// and roles for the staff routes, at the marked place in the mux. Until
// then serve on loopback only.
package httpapi
