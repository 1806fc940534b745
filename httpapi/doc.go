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
//	GET  /healthz                                  liveness; does not touch the store
//	GET  /api/v1/openapi.json                      the OpenAPI 3.1 document
//	POST /api/v1/login                             user name, password (and TOTP code) → session cookie
//	POST /api/v1/logout                            ends the session
//	GET  /api/v1/me                                who the caller is, and whether they must enrol
//	POST /api/v1/me/totp, /api/v1/me/totp/confirm  enrol a second factor
//	GET, POST /api/v1/users; POST .../{id}/disable; PUT .../{id}/role
//	POST /api/v1/tokens                            an API token for an intake_client user, shown once
//	POST /api/v1/referrals                         one referral → 201 {seq, id}, Location
//	GET  /api/v1/referrals/{id}                    by interchange id; the reporter is never returned
//	GET  /api/v1/referrals/{id}/assessment         the triage assessment: safety, links, campaign signals
//	GET  /api/v1/referrals/{id}/reporter/links     how many earlier referrals the reporter is linked to, by finding
//	POST /api/v1/referrals/{id}/reporter/unseal    break-glass: the reporter, with a reason in the audit log
//	POST /api/v1/import                            JSON Lines, one transaction; ?skip_invalid=true
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
// Every route but health, the OpenAPI document and login runs behind
// authorize, which denies by default: staff log in with a password (and a
// TOTP code once enrolled; administrators and data protection officers
// must enrol before anything else) and get a session cookie (HttpOnly,
// SameSite=Strict, Secure, and __Host- when [Server].TLS); sending systems
// send an API token as "Authorization: Bearer". The route table names the
// permission each route needs and bonafide.Role.Can decides. A request
// with a session cookie that changes state must carry an Origin header
// naming this host, so that another site cannot forge it. A refusal is 401
// (with WWW-Authenticate: Bearer) for a missing, unknown, expired or
// revoked credential and 403 for everything else. Logins, reads of
// referrals, unseals and changes of users are written to the audit log.
//
// TOTP seeds are sealed with the vault ([Server].Secrets, auth.SealTOTP)
// and bound to their user, so that a copy of the users table yields no
// second factor and a database administrator can neither plant nor move
// one: a seed that does not open fails the login as a wrong code would, and
// the audit entry says why. Granting data_protection_officer or
// administrator needs a written reason (account.CheckGrantReason), kept in
// the audit entry of the grant.
//
// The account and user routes are transport only: they decode the body,
// call the account service (package account, made by [Server.Handler] from
// the Server's fields), and encode its answer; logins, sessions, second
// factors, grants, tokens and their audit entries are decided there, as
// they are for the command line's user commands.
//
// TestAuthorization walks every route with every role and every kind of
// caller that must be refused, against a reviewed copy of the permission
// table: a route added without a row there fails it.
package httpapi
