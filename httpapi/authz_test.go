package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bonafide"
	"bonafide/auth"
)

// authzPublic is the allow-list of routes anyone may call without
// credentials. A route with no permission in routes() that is not listed
// here fails TestAuthorization.
var authzPublic = []string{
	"GET /healthz",
	"GET /api/v1/openapi.json",
	"POST /api/v1/login",
	// Authenticated by the signatures it carries: the log's and a
	// configured witness's (C2SP tlog-witness).
	"POST /api/v1/audit/cosignatures",
	"GET /api/v1/disclosure-key",
}

// authzFixture is what the requests of the walk refer to: a referral with
// a reporter, a user to disable and re-role, and a machine client to
// issue tokens for. n numbers the objects that requests create, so that
// no allowed request fails for a duplicate.
type authzFixture struct {
	referral string
	target   bonafide.User
	sender   bonafide.User
	login    bonafide.User // never disabled, so that its login succeeds
	approval int64         // a password reset of target asked for by another administrator
	n        atomic.Int64
}

func (f *authzFixture) next() int64 { return f.n.Add(1) }

// authzRequest is the request the walk sends to one route.
type authzRequest struct {
	path        string
	contentType string
	body        []byte
}

// authzRow is the reviewed permission of one route and a request that an
// allowed caller can expect to succeed.
type authzRow struct {
	perm bonafide.Permission // "" for a public route; permEnrol for one's own account
	// sessionOnly marks account routes a token client is refused (403):
	// machine clients have no second factor to enrol.
	sessionOnly bool
	request     func(t *testing.T, f *authzFixture) authzRequest
}

func jsonRequest(path string, body []byte) authzRequest {
	return authzRequest{path: path, contentType: "application/json", body: body}
}

// authzRows is the permission table of the API as reviewed for the
// authorisation test, by route pattern. Every route of routes() must have
// a row, and its permission must be the one written here.
var authzRows = map[string]authzRow{
	"GET /healthz": {request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/healthz"}
	}},
	"GET /api/v1/openapi.json": {request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/openapi.json"}
	}},
	"POST /api/v1/login": {request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/login", mustJSON(t, LoginRequest{Username: f.login.Name, Password: testPassword}))
	}},
	"POST /api/v1/logout": {perm: permEnrol, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/logout"}
	}},
	"GET /api/v1/me": {perm: permEnrol, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/me"}
	}},
	"POST /api/v1/me/totp": {perm: permEnrol, sessionOnly: true, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/me/totp"}
	}},
	"POST /api/v1/me/password": {perm: permSelf, sessionOnly: true, request: func(t *testing.T, _ *authzFixture) authzRequest {
		// a wrong current password: allowed callers get 400, never a refusal
		return jsonRequest("/api/v1/me/password", mustJSON(t, PasswordChange{CurrentPassword: "not the password", NewPassword: "a new long enough password"}))
	}},
	"POST /api/v1/me/totp/confirm": {perm: permEnrol, sessionOnly: true, request: func(t *testing.T, _ *authzFixture) authzRequest {
		return jsonRequest("/api/v1/me/totp/confirm", mustJSON(t, TOTPConfirm{Code: "000000"}))
	}},
	"GET /api/v1/users": {perm: bonafide.PermUserManage, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/users"}
	}},
	"POST /api/v1/users": {perm: bonafide.PermUserManage, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/users", mustJSON(t, UserCreate{Name: fmt.Sprintf("new%d", f.next()), Role: bonafide.RoleSocialWorker}))
	}},
	"POST /api/v1/users/{id}/disable": {perm: bonafide.PermUserManage, request: func(_ *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/users/" + strconv.FormatInt(f.target.ID, 10) + "/disable"}
	}},
	"PUT /api/v1/users/{id}/role": {perm: bonafide.PermUserManage, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/users/"+strconv.FormatInt(f.target.ID, 10)+"/role", mustJSON(t, RoleChange{Role: bonafide.RoleTeamManager}))
	}},
	"POST /api/v1/users/{id}/approvals": {perm: bonafide.PermUserManage, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/users/"+strconv.FormatInt(f.target.ID, 10)+"/approvals",
			mustJSON(t, ApprovalAsk{Kind: bonafide.ApprovalPasswordReset, Reason: "locked out before a court visit (ticket IT-4410)"}))
	}},
	"GET /api/v1/approvals": {perm: bonafide.PermUserManage, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/approvals"}
	}},
	"POST /api/v1/approvals/{id}/approve": {perm: bonafide.PermUserManage, request: func(_ *testing.T, f *authzFixture) authzRequest {
		// the first allowed caller approves; any later one is told 409
		return authzRequest{path: "/api/v1/approvals/" + strconv.FormatInt(f.approval, 10) + "/approve"}
	}},
	"DELETE /api/v1/users/{id}/tokens/{token}": {perm: bonafide.PermUserManage, request: func(_ *testing.T, f *authzFixture) authzRequest {
		// A token number the sender has not got: an allowed caller gets 404.
		return authzRequest{path: "/api/v1/users/" + strconv.FormatInt(f.sender.ID, 10) + "/tokens/999999"}
	}},
	"POST /api/v1/tokens": {perm: bonafide.PermUserManage, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/tokens", mustJSON(t, TokenCreate{User: f.sender.Name, Label: "authorisation test"}))
	}},
	"POST /api/v1/referrals": {perm: bonafide.PermReferralCreate, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/referrals", mustJSON(t, referral(fmt.Sprintf("AUTHZ-%d", f.next()))))
	}},
	"GET /api/v1/referrals/{id}": {perm: bonafide.PermReferralRead, request: func(_ *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/referrals/" + f.referral}
	}},
	"GET /api/v1/referrals/{id}/assessment": {perm: bonafide.PermTriageRead, request: func(_ *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/referrals/" + f.referral + "/assessment"}
	}},
	"GET /api/v1/referrals/{id}/reporter/links": {perm: bonafide.PermReporterLinks, request: func(_ *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/referrals/" + f.referral + "/reporter/links"}
	}},
	"POST /api/v1/referrals/{id}/reporter/unseal": {perm: bonafide.PermBreakGlass, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/referrals/"+f.referral+"/reporter/unseal",
			mustJSON(t, UnsealRequest{Reason: "authorisation test: checking who may break the glass"}))
	}},
	"POST /api/v1/import": {perm: bonafide.PermReferralImport, request: func(t *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/import", contentType: "application/x-ndjson",
			body: jsonLines(t, referral(fmt.Sprintf("AUTHZ-%d", f.next())))}
	}},
	"GET /api/v1/referrals": {perm: bonafide.PermCaseRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/referrals?safety=immediate"}
	}},
	"GET /api/v1/referrals/{id}/case": {perm: bonafide.PermCaseRead, request: func(_ *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/referrals/" + f.referral + "/case"}
	}},
	"POST /api/v1/referrals/{id}/case/actions": {perm: bonafide.PermOutcomeRecord, request: func(t *testing.T, f *authzFixture) authzRequest {
		// assign needs only the route's permission; allowed callers get 200
		return jsonRequest("/api/v1/referrals/"+f.referral+"/case/actions", mustJSON(t, CaseActionRequest{Action: bonafide.ActAssign, Worker: "user:target"}))
	}},
	"POST /api/v1/referrals/{id}/notifications/{notification}/release": {perm: bonafide.PermSignOff, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/referrals/"+f.referral+"/notifications/999999/release", mustJSON(t, ReasonRequest{Reason: "the authorisation test releases nothing"}))
	}},
	"POST /api/v1/referrals/{id}/notifications/{notification}/sent": {perm: bonafide.PermOutcomeRecord, request: func(_ *testing.T, f *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/referrals/" + f.referral + "/notifications/999999/sent"}
	}},
	"GET /api/v1/letters/{letter}": {perm: bonafide.PermCaseRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/letters/999999"}
	}},
	"GET /api/v1/manager": {perm: bonafide.PermSignOff, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/manager"}
	}},
	"GET /api/v1/census": {perm: bonafide.PermCensus, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/census?from=2025-04-01&to=2026-04-01"}
	}},
	"PUT /api/v1/families/{family}/restriction": {perm: bonafide.PermSignOff, request: func(t *testing.T, _ *authzFixture) authzRequest {
		return jsonRequest("/api/v1/families/FAM-NONE/restriction", mustJSON(t, RestrictionRequest{Restricted: true, Reason: "the authorisation test restricts no one"}))
	}},
	"GET /api/v1/families": {perm: bonafide.PermCaseRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/families?name=Rowan+Ashdown&postcode=KX34AB"}
	}},
	"GET /api/v1/families/{family}": {perm: bonafide.PermCaseRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/families/FAM-NONE"}
	}},
	"GET /api/v1/audit/witness": {perm: bonafide.PermAuditRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/audit/witness?old=0"}
	}},
	"POST /api/v1/audit/cosignatures": {perm: "", request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/audit/cosignatures", contentType: "text/plain", body: []byte("bonafide/audit\n1\nAAAA\n\n")}
	}},
	"GET /api/v1/disclosure-key": {request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosure-key"}
	}},
	"POST /api/v1/disclosures": {perm: bonafide.PermDisclosureRequest, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/disclosures", mustJSON(t, authzPoliceRequest(f.referral)))
	}},
	"GET /api/v1/disclosures": {perm: bonafide.PermDisclosureRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosures"}
	}},
	// The requests below name a request nobody filed: an allowed caller
	// gets 404, a refused one 401 or 403.
	"GET /api/v1/disclosures/{id}": {perm: bonafide.PermDisclosureRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosures/DR-NONE"}
	}},
	"POST /api/v1/disclosures/{id}/amend": {perm: bonafide.PermDisclosureRequest, request: func(t *testing.T, _ *authzFixture) authzRequest {
		return jsonRequest("/api/v1/disclosures/DR-NONE/amend", mustJSON(t, AmendBody{Note: "the posts came from the same device"}))
	}},
	"GET /api/v1/disclosures/{id}/review": {perm: bonafide.PermDisclosureApprove, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosures/DR-NONE/review"}
	}},
	"POST /api/v1/disclosures/{id}/decision": {perm: bonafide.PermDisclosureApprove, request: func(t *testing.T, _ *authzFixture) authzRequest {
		return jsonRequest("/api/v1/disclosures/DR-NONE/decision", mustJSON(t, ReviewBody{Outcome: bonafide.ReviewNCND, Reasons: "neither confirm nor deny, as policy asks"}))
	}},
	"POST /api/v1/disclosures/{id}/approve": {perm: bonafide.PermDisclosureApprove, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosures/DR-NONE/approve"}
	}},
	"POST /api/v1/disclosures/{id}/decline": {perm: bonafide.PermDisclosureApprove, request: func(t *testing.T, _ *authzFixture) authzRequest {
		return jsonRequest("/api/v1/disclosures/DR-NONE/decline", mustJSON(t, DeclineBody{Reasons: "the request does not show necessity"}))
	}},
	"GET /api/v1/disclosures/{id}/package": {perm: bonafide.PermDisclosureRequest, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosures/DR-NONE/package"}
	}},
	"POST /api/v1/sars": {perm: bonafide.PermSARManage, request: func(t *testing.T, f *authzFixture) authzRequest {
		return jsonRequest("/api/v1/sars", mustJSON(t, SAROpenBody{Requester: SARPersonBody{GivenName: "Dace", FamilyName: "Orrery"},
			Referrals: []string{f.referral}, Received: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}))
	}},
	"GET /api/v1/sars/{id}": {perm: bonafide.PermSARManage, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/sars/SAR-NONE"}
	}},
	"POST /api/v1/sars/{id}/actions": {perm: bonafide.PermSARManage, request: func(t *testing.T, _ *authzFixture) authzRequest {
		return jsonRequest("/api/v1/sars/SAR-NONE/actions", mustJSON(t, SARActionBody{Action: "sign_off"}))
	}},
	"GET /api/v1/sars/{id}/bundle": {perm: bonafide.PermSARManage, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/sars/SAR-NONE/bundle"}
	}},
	"GET /api/v1/disclosure-log": {perm: bonafide.PermDisclosureApprove, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/disclosure-log"}
	}},
	// a family there is not: allowed callers get 404, nothing is filed
	"POST /api/v1/families/{family}/evidence": {perm: bonafide.PermLockerImport, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/families/FAM-NONE/evidence", contentType: "application/zip", body: []byte("PK not a bundle")}
	}},
	"GET /api/v1/families/{family}/evidence": {perm: bonafide.PermCaseRead, request: func(*testing.T, *authzFixture) authzRequest {
		return authzRequest{path: "/api/v1/families/FAM-NONE/evidence"}
	}},
}

// authzPoliceRequest is a valid police request about referral id.
func authzPoliceRequest(id string) PoliceRequestBody {
	return PoliceRequestBody{Force: "Northshire Police", Officer: "DC Ames", OfficerRank: bonafide.RankConstable,
		AuthorisingOfficer: "DI Reyes", AuthorisingRank: bonafide.RankInspector, CrimeReference: "NP/2026/00412",
		Offence: bonafide.OffenceHarassment, LegalBasis: bonafide.LegalBasisCrime, Referrals: []string{id},
		Fields:          []bonafide.DisclosureField{bonafide.FieldName},
		Necessity:       "The family reports a course of conduct by false referrals; identifying the sender is needed.",
		Proportionality: "Open-source enquiries have not identified the sender; only the name is asked for."}
}

// authzCaller is one kind of caller of the walk.
type authzCaller struct {
	name string
	// creds returns fresh credentials for one request (a new session each
	// time, so that logout and login cannot end the next request's).
	creds func(t *testing.T) creds
	// authenticated says the credentials name a valid principal; role and
	// token say which.
	authenticated bool
	role          bonafide.Role
	token         bool
	// owesSecondFactor marks a session that must enrol a second factor,
	// or (skippedSecondFactor) pass the one its user has.
	owesSecondFactor, skippedSecondFactor bool
	// crossOrigin marks a cookie request that a browser would send from
	// another site (no Origin, a foreign one, or Sec-Fetch-Site cross-site).
	crossOrigin bool
	// foreignOrigin marks a request whose Origin or Sec-Fetch-Site names
	// another site, which Go's cross-origin protection refuses before any
	// route, login included.
	foreignOrigin bool
}

// want is the status class the permission table gives caller c on route
// pattern with row: 401, 403, or 0 for "allowed" (any status but 401 and
// 403, and no server error).
func (c authzCaller) want(pattern string, row authzRow) int {
	method, _, _ := strings.Cut(pattern, " ")
	unsafe := isUnsafe(method)
	switch {
	case unsafe && c.foreignOrigin:
		return http.StatusForbidden
	case row.perm == "":
		return 0
	case !c.authenticated:
		return http.StatusUnauthorized
	case unsafe && c.crossOrigin:
		return http.StatusForbidden
	case row.perm == permEnrol || row.perm == permSelf:
		if c.token && row.sessionOnly || row.perm == permSelf && c.skippedSecondFactor {
			return http.StatusForbidden
		}
		return 0
	case c.owesSecondFactor:
		return http.StatusForbidden
	case c.role.Can(row.perm):
		return 0
	}
	return http.StatusForbidden
}

// checkRouteTable fails t for each problem routeTableProblems finds in
// the server's routes.
func checkRouteTable(t *testing.T, s *Server) {
	t.Helper()
	for _, p := range routeTableProblems(s.routes()) {
		t.Error(p)
	}
}

// routeTableProblems lists every route without a row in authzRows, with a
// permission other than its row's, or public without being on the
// allow-list; and every row or allow-listed route that routes lacks.
func routeTableProblems(routes []route) []string {
	var out []string
	seen := map[string]bool{}
	for _, rt := range routes {
		p := rt.pattern()
		seen[p] = true
		row, ok := authzRows[p]
		if !ok {
			out = append(out, fmt.Sprintf("route %s has no row in authzRows: add its permission and a request to the authorisation test", p))
			continue
		}
		if rt.perm != row.perm {
			out = append(out, fmt.Sprintf("route %s needs %q in routes(), the reviewed table says %q", p, rt.perm, row.perm))
		}
		if rt.perm == "" && !slices.Contains(authzPublic, p) {
			out = append(out, fmt.Sprintf("route %s is public but not on the public allow-list", p))
		}
	}
	for p := range authzRows {
		if !seen[p] {
			out = append(out, fmt.Sprintf("authzRows has a row for %s, which routes() does not serve", p))
		}
	}
	for _, p := range authzPublic {
		if row, ok := authzRows[p]; !ok || row.perm != "" {
			out = append(out, fmt.Sprintf("public allow-list names %s, which is not a public route", p))
		}
	}
	slices.Sort(out)
	return out
}

// TestRouteTableProblems checks that the authorisation test notices a
// route added without a row, a permission changed in routes() alone, and
// a new public route.
func TestRouteTableProblems(t *testing.T) {
	s := &Server{}
	base := s.routes()
	if got := routeTableProblems(base); len(got) != 0 {
		t.Fatalf("routeTableProblems(routes()) = %q, want none", got)
	}
	changed := slices.Clone(base)
	for i := range changed {
		if changed[i].pattern() == "GET /api/v1/referrals/{id}" {
			changed[i].perm = bonafide.PermReferralCreate
		}
	}
	tests := []struct {
		name   string
		routes []route
		want   string
	}{
		{"new route", append(slices.Clone(base), route{http.MethodGet, "/api/v1/export", bonafide.PermExport, nil}), "GET /api/v1/export has no row"},
		{"new public route", append(slices.Clone(base), route{http.MethodGet, "/api/v1/everything", "", nil}), "GET /api/v1/everything has no row"},
		{"permission changed", changed, `route GET /api/v1/referrals/{id} needs "referral.create"`},
		{"route removed", base[1:], "authzRows has a row for GET /healthz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := routeTableProblems(tt.routes)
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Errorf("routeTableProblems = %q, want one problem containing %q", got, tt.want)
			}
		})
	}
}

// newAuthzFixture makes the objects the walk's requests name.
func newAuthzFixture(t *testing.T, e *authEnv) *authzFixture {
	t.Helper()
	f := &authzFixture{referral: "AUTHZ-REF"}
	f.target = mustUser(t, e.users, "target", bonafide.RoleSocialWorker)
	f.sender = mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
	f.login = mustUser(t, e.users, "login", bonafide.RoleIntakeOfficer)
	resp, body := e.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, referral(f.referral)), creds{token: e.token(t, f.sender)})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("fixture referral: %d %s", resp.StatusCode, body)
	}
	now := e.clock.Now()
	a, err := e.approvals.CreateApproval(context.Background(), bonafide.AccountApproval{Kind: bonafide.ApprovalPasswordReset, UserID: f.target.ID,
		UserName: f.target.Name, Reason: "locked out before a court visit (ticket IT-4410)", RequestedBy: "user:fixture-admin",
		Requested: now, Expires: now.Add(bonafide.AccountApprovalTTL)})
	if err != nil {
		t.Fatalf("fixture approval: %v", err)
	}
	f.approval = a.ID
	return f
}

// roleCallers returns a caller for each role: a session of a staff user
// (with a second factor where the role requires one), sending the headers
// a page of the server sends, and the intake client's API token.
func roleCallers(t *testing.T, e *authEnv) []authzCaller {
	var out []authzCaller
	for _, role := range bonafide.Roles {
		if role == bonafide.RoleIntakeMachine {
			u := mustUser(t, e.users, "client", role)
			tok := e.token(t, u)
			out = append(out, authzCaller{name: "token/" + string(role), role: role, token: true, authenticated: true,
				creds: func(*testing.T) creds { return creds{token: tok} }})
			continue
		}
		u, _ := e.staff(t, "u-"+strings.ReplaceAll(string(role), "_", "-"), role)
		out = append(out, authzCaller{name: "session/" + string(role), role: role, authenticated: true,
			creds: func(t *testing.T) creds { return e.sameOrigin(creds{cookie: e.freshSession(t, u)}) }})
	}
	return out
}

// edgeCallers returns the callers that must be refused whatever the route:
// no credentials, bad or expired ones, disabled users, cross-origin cookie
// requests and sessions that still owe a second factor.
func edgeCallers(t *testing.T, e *authEnv) []authzCaller {
	ctx := context.Background()
	manager, _ := e.staff(t, "edge-manager", bonafide.RoleTeamManager)
	dpo, _ := e.staff(t, "edge-dpo", bonafide.RoleDPO)
	secs := func(n int64) time.Duration { return time.Duration(n) * time.Second }

	disabled := mustUser(t, e.users, "edge-disabled", bonafide.RoleTeamManager)
	disabledClient := mustUser(t, e.users, "edge-disabled-client", bonafide.RoleIntakeMachine)
	disabledToken := e.token(t, disabledClient)
	yes := true
	for _, u := range []bonafide.User{disabled, disabledClient} {
		if _, err := e.users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	machine := mustUser(t, e.users, "edge-machine", bonafide.RoleIntakeMachine)
	unenrolledDPO := mustUser(t, e.users, "edge-dpo-unenrolled", bonafide.RoleDPO)
	unenrolledAdmin := mustUser(t, e.users, "edge-admin-unenrolled", bonafide.RoleAdministrator)
	unknownSession, _, err := auth.NewSecret(auth.SessionPrefix)
	if err != nil {
		t.Fatal(err)
	}
	unknownToken, _, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}

	session := func(u bonafide.User, createdAgo, seenAgo int64, secondFactor bool) func(t *testing.T) creds {
		return func(t *testing.T) creds {
			now := e.clock.Now()
			return e.sameOrigin(creds{cookie: e.session(t, u, now.Add(-secs(createdAgo)), now.Add(-secs(seenAgo)), secondFactor)})
		}
	}
	fixed := func(c creds) func(*testing.T) creds { return func(*testing.T) creds { return c } }
	same := e.sameOrigin
	idleS, maxS := int64(e.srv.SessionIdle/time.Second), int64(e.srv.SessionMax/time.Second)
	return []authzCaller{
		{name: "none", creds: fixed(creds{})},
		{name: "none/same-origin", creds: fixed(same(creds{}))},
		{name: "none/foreign-origin", foreignOrigin: true, creds: fixed(creds{origin: "https://forum.example"})},
		{name: "bearer-garbage", creds: fixed(creds{token: "not-a-token"})},
		{name: "bearer-unknown", creds: fixed(creds{token: unknownToken})},
		{name: "cookie-garbage", creds: fixed(same(creds{cookie: "garbage"}))},
		{name: "cookie-unknown", creds: fixed(same(creds{cookie: unknownSession}))},
		{name: "session/idle-expired", creds: session(manager, idleS, idleS, false)},
		{name: "session/absolute-expired", creds: session(manager, maxS, 0, false)},
		{name: "session/idle-almost", role: bonafide.RoleTeamManager, authenticated: true, creds: session(manager, idleS-1, idleS-1, false)},
		{name: "session/absolute-almost", role: bonafide.RoleTeamManager, authenticated: true, creds: session(manager, maxS-1, 0, false)},
		{name: "session/disabled-user", creds: session(disabled, 0, 0, false)},
		{name: "token/disabled-client", creds: fixed(creds{token: disabledToken})},
		{name: "session/intake-client", creds: session(machine, 0, 0, false)},
		{name: "token/staff-user", creds: func(t *testing.T) creds { return creds{token: e.token(t, manager)} }},
		{name: "session/no-origin", role: bonafide.RoleTeamManager, authenticated: true, crossOrigin: true,
			creds: func(t *testing.T) creds { return creds{cookie: e.freshSession(t, manager)} }},
		{name: "session/null-origin", role: bonafide.RoleTeamManager, authenticated: true, crossOrigin: true, foreignOrigin: true,
			creds: func(t *testing.T) creds { return creds{cookie: e.freshSession(t, manager), origin: "null"} }},
		{name: "session/foreign-origin", role: bonafide.RoleDPO, authenticated: true, crossOrigin: true, foreignOrigin: true,
			creds: func(t *testing.T) creds {
				return creds{cookie: e.freshSession(t, dpo), origin: "https://forum.example"}
			}},
		{name: "session/cross-site-fetch", role: bonafide.RoleDPO, authenticated: true, crossOrigin: true, foreignOrigin: true,
			creds: func(t *testing.T) creds {
				return creds{cookie: e.freshSession(t, dpo), origin: e.ts.URL, fetchSite: "cross-site"}
			}},
		{name: "session/dpo-owes-totp", role: bonafide.RoleDPO, authenticated: true, owesSecondFactor: true,
			creds: session(unenrolledDPO, 0, 0, false)},
		{name: "session/admin-owes-totp", role: bonafide.RoleAdministrator, authenticated: true, owesSecondFactor: true,
			creds: session(unenrolledAdmin, 0, 0, false)},
		{name: "session/dpo-skipped-totp", role: bonafide.RoleDPO, authenticated: true, owesSecondFactor: true, skippedSecondFactor: true,
			creds: session(dpo, 0, 0, false)},
	}
}

// walk sends every route's request with every caller and checks each
// answer against the permission table.
func walk(t *testing.T, e *authEnv, f *authzFixture, callers []authzCaller) {
	t.Helper()
	routes := e.srv.routes()
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			for _, rt := range routes {
				p := rt.pattern()
				row, ok := authzRows[p]
				if !ok {
					continue // checkRouteTable reports it
				}
				req := row.request(t, f)
				resp, body := e.send(t, rt.method, req.path, req.contentType, req.body, c.creds(t))
				got := resp.StatusCode
				switch want := c.want(p, row); want {
				case 0:
					if got == http.StatusUnauthorized || got == http.StatusForbidden || got >= 500 {
						t.Errorf("%s %s = %d, want it allowed (not 401, 403 or 5xx); %s", rt.method, req.path, got, body)
					}
				default:
					if got != want {
						t.Errorf("%s %s = %d, want %d; %s", rt.method, req.path, got, want, body)
						continue
					}
					if pr := decodeProblem(t, resp, body); strings.Contains(pr.Detail, "AUTHZ") {
						t.Errorf("%s %s: refusal names the object: %q", rt.method, req.path, pr.Detail)
					}
					if wa := resp.Header.Get("WWW-Authenticate"); want == http.StatusUnauthorized && !strings.HasPrefix(wa, "Bearer ") {
						t.Errorf("%s %s: 401 with WWW-Authenticate %q, want a Bearer challenge (RFC 9110 11.6.1)", rt.method, req.path, wa)
					}
				}
			}
		})
	}
}

// TestAuthorization walks every route of the API with every role, an
// intake client's token, and every caller that must be refused, on a real
// loopback server over SQLite, and checks each answer against the
// permission table. A route added without a row in authzRows fails it.
func TestAuthorization(t *testing.T) {
	e := newAuthEnv(t, envOptions{})
	checkRouteTable(t, e.srv)
	f := newAuthzFixture(t, e)
	walk(t, e, f, append(roleCallers(t, e), edgeCallers(t, e)...))
}

// TestAuthorizationPostgres is the role × route part of TestAuthorization
// on PostgreSQL.
func TestAuthorizationPostgres(t *testing.T) {
	e := newAuthEnv(t, envOptions{open: openPostgres})
	checkRouteTable(t, e.srv)
	f := newAuthzFixture(t, e)
	walk(t, e, f, roleCallers(t, e))
}
