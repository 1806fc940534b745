package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"bonafide"
	"bonafide/account"
)

// TestPrivilegedGrant: the roles that can unseal reporters or manage users
// are granted, by creation or by a change of role, only with a written
// reason that the audit log keeps; and their new holder can do nothing but
// enrol a second factor until they have.
func TestPrivilegedGrant(t *testing.T) { forBackends(t, testPrivilegedGrant) }

func testPrivilegedGrant(t *testing.T, open opener) {
	ctx := context.Background()
	e := newAuthEnv(t, envOptions{open: open})
	admin, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
	second, _ := e.staff(t, "bea", bonafide.RoleAdministrator)
	olga := mustUser(t, e.users, "olga", bonafide.RoleSocialWorker)
	ref := newAuthzFixture(t, e).referral
	adminC := func() creds { return e.sameOrigin(creds{cookie: e.freshSession(t, admin)}) }
	secondC := func() creds { return e.sameOrigin(creds{cookie: e.freshSession(t, second)}) }
	rolePath := "/api/v1/users/" + strconv.FormatInt(olga.ID, 10) + "/role"
	askPath := func(name string) string {
		u, err := e.users.UserByName(ctx, name)
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		return "/api/v1/users/" + strconv.FormatInt(u.ID, 10) + "/approvals"
	}
	const (
		reason   = "Deputy data protection officer while the DPO is on leave (ticket IG-2291)"
		firstPW  = "a first password of length"
		tooShort = "needs it"
	)
	// approve has bea approve the request an ask answered with.
	approve := func(t *testing.T, body []byte) {
		t.Helper()
		var a AccountApprovalView
		decodeInto(t, body, &a)
		if resp, out := e.send(t, "POST", "/api/v1/approvals/"+strconv.FormatInt(a.ID, 10)+"/approve", "", nil, secondC()); resp.StatusCode != http.StatusOK {
			t.Fatalf("approve %d as bea = %d; %s", a.ID, resp.StatusCode, out)
		}
	}
	tests := []struct {
		name    string
		method  string
		path    string // "" asks for a grant of user: POST /api/v1/users/{id}/approvals
		body    any
		want    int
		user    string        // whose role to check afterwards
		role    bonafide.Role // the role they must then have; "" for no such user
		auditOK string        // the why of the audit entry a success writes
		// approved: a second administrator (bea) approves the ask, and the
		// change's audit entry is hers
		approved bool
	}{
		{"create DPO without a reason", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW}, http.StatusBadRequest, "dee", "", "", false},
		{"create DPO with a short reason", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW, Reason: tooShort}, http.StatusBadRequest, "dee", "", "", false},
		{"create administrator without a reason", "POST", "/api/v1/users", UserCreate{Name: "root", Role: bonafide.RoleAdministrator, Password: firstPW}, http.StatusBadRequest, "root", "", "", false},
		{"create DPO with a reason too long", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW, Reason: strings.Repeat("x", account.MaxGrantReason+1)}, http.StatusBadRequest, "dee", "", "", false},
		{"create social worker without a reason", "POST", "/api/v1/users", UserCreate{Name: "sol", Role: bonafide.RoleSocialWorker, Password: firstPW}, http.StatusCreated, "sol", bonafide.RoleSocialWorker, "role social_worker", false},
		{"create DPO in one step", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW, Reason: reason}, http.StatusForbidden, "dee", "", "", false},
		{"create the future DPO as a social worker", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleSocialWorker, Password: firstPW}, http.StatusCreated, "dee", bonafide.RoleSocialWorker, "role social_worker", false},
		{"grant DPO with a reason, two administrators", "", "dee", ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleDPO, Reason: "  " + reason + " "}, http.StatusCreated, "dee", bonafide.RoleDPO, "social_worker -> data_protection_officer: " + reason, true},
		{"promote to administrator without a reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleAdministrator}, http.StatusBadRequest, "olga", bonafide.RoleSocialWorker, "", false},
		{"promote to DPO with a short reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleDPO, Reason: tooShort}, http.StatusBadRequest, "olga", bonafide.RoleSocialWorker, "", false},
		{"ask for administrator with a short reason", "", "olga", ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleAdministrator, Reason: tooShort}, http.StatusBadRequest, "olga", bonafide.RoleSocialWorker, "", false},
		{"promote to administrator in one step", "PUT", rolePath, RoleChange{Role: bonafide.RoleAdministrator, Reason: reason}, http.StatusForbidden, "olga", bonafide.RoleSocialWorker, "", false},
		{"promote to administrator with a reason, two administrators", "", "olga", ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleAdministrator, Reason: reason}, http.StatusCreated, "olga", bonafide.RoleAdministrator, "social_worker -> administrator: " + reason, true},
		{"step down to team manager without a reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleTeamManager}, http.StatusOK, "olga", bonafide.RoleTeamManager, "administrator -> team_manager", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path := tt.method, tt.path
			if method == "" {
				method, path = "POST", askPath(tt.path)
			}
			resp, body := e.send(t, method, path, "application/json", mustJSON(t, tt.body), adminC())
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s = %d, want %d; %s", method, path, resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusBadRequest && !strings.Contains(string(body), `"field":"reason"`) {
				t.Errorf("refusal %s does not name the reason field", body)
			}
			if tt.want == http.StatusForbidden && !strings.Contains(string(body), "/approvals") {
				t.Errorf("one-step refusal %s does not say where to ask", body)
			}
			if tt.approved {
				approve(t, body)
			}
			u, err := e.users.UserByName(ctx, tt.user)
			switch {
			case tt.role == "" && bonafide.ErrorCode(err) != bonafide.ENotFound:
				t.Errorf("user %s after a refused creation: %+v, %v; want none", tt.user, u, err)
			case tt.role != "" && (err != nil || u.Role != tt.role):
				t.Errorf("user %s = %+v, %v; want role %s", tt.user, u, err, tt.role)
			}
			if tt.auditOK == "" {
				return
			}
			who := "user:ada"
			if tt.approved {
				who = "user:bea"
			}
			entries := e.entries(t)
			last := entries[len(entries)-1]
			if last.Who != who || last.Object != tt.user || last.Why != tt.auditOK {
				t.Errorf("last audit entry = %+v, want by %s about %s, why %q", last, who, tt.user, tt.auditOK)
			}
		})
	}

	// The new holders may only enrol until they have a second factor: the
	// DPO cannot read a referral, nor the new administrator (promoted and
	// demoted above, promoted again here) list users.
	resp, body := e.send(t, "POST", askPath("olga"), "application/json", mustJSON(t, ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleAdministrator, Reason: reason}), adminC())
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("ask to promote olga = %d; %s", resp.StatusCode, body)
	}
	approve(t, body)
	holders := []struct {
		name, password, path string
	}{
		{"dee", firstPW, "/api/v1/referrals/" + ref},
		{"olga", testPassword, "/api/v1/users"},
	}
	for _, h := range holders {
		resp, body, c := e.login(t, h.name, h.password, "", creds{})
		if resp.StatusCode != http.StatusOK || c == nil {
			t.Fatalf("login of %s = %d; %s", h.name, resp.StatusCode, body)
		}
		var me Me
		decodeInto(t, body, &me)
		if !me.MustEnrol || me.SecondFactorDone {
			t.Errorf("login of %s = %+v, want must_enrol", h.name, me)
		}
		if got := e.status(t, "GET", h.path, creds{cookie: c.Value}); got != http.StatusForbidden {
			t.Errorf("%s before enrolling: GET %s = %d, want 403", h.name, h.path, got)
		}
	}
}

// TestUserChangeNeedsAudit: a change of users that the audit log cannot
// record is not made. A 503 that says "nothing was done" must be true: no
// user created with a password the administrator knows, no role raised,
// no account disabled, all without an entry.
func TestUserChangeNeedsAudit(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { testUserChangeNeedsAudit(t, be.name, be.open) })
	}
}

func testUserChangeNeedsAudit(t *testing.T, name string, open opener) {
	ctx := context.Background()
	e := newAuthEnv(t, envOptions{open: open})
	admin, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
	olga := mustUser(t, e.users, "olga", bonafide.RoleSocialWorker)
	portal := mustUser(t, e.users, "portal", bonafide.RoleIntakeMachine)
	c := e.sameOrigin(creds{cookie: e.freshSession(t, admin)})
	const reason = "Deputy data protection officer while the DPO is on leave (ticket IG-2291)"
	// As if the disk were full: every new audit entry is refused.
	refuse := map[string][2]string{
		"sqlite": {`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
			`DROP TRIGGER refuse_audit`},
		"postgres": {`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
			CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
			`DROP TRIGGER refuse_audit ON audit_entries; DROP FUNCTION refuse_audit()`},
	}
	id := strconv.FormatInt(olga.ID, 10)
	tests := []struct {
		name, method, path string
		body               any
	}{
		{"create a user with a known password", "POST", "/api/v1/users", UserCreate{Name: "mal", Role: bonafide.RoleSocialWorker, Password: "a first password of length", Reason: reason}},
		{"ask to raise to DPO", "POST", "/api/v1/users/" + id + "/approvals", ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleDPO, Reason: reason}},
		{"disable", "POST", "/api/v1/users/" + id + "/disable", nil},
		{"token for a sending system", "POST", "/api/v1/tokens", TokenCreate{User: "portal", Label: "referral portal"}},
	}
	e.exec(t, refuse[name][0])
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			ct := ""
			if tt.body != nil {
				body, ct = mustJSON(t, tt.body), "application/json"
			}
			resp, got := e.send(t, tt.method, tt.path, ct, body, c)
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%s %s with a failing audit log = %d, want 503; %s", tt.method, tt.path, resp.StatusCode, got)
			}
		})
	}
	if u, err := e.users.UserByName(ctx, "mal"); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("user mal after an unrecorded creation = %+v, %v; want none", u, err)
	}
	if u, err := e.users.UserByID(ctx, olga.ID); err != nil || u.Role != bonafide.RoleSocialWorker || u.Disabled {
		t.Errorf("olga after unrecorded changes = role %s, disabled %v, %v; want social_worker, enabled", u.Role, u.Disabled, err)
	}
	if toks, err := e.users.Tokens(ctx, portal.ID); err != nil || len(toks) != 0 {
		t.Errorf("tokens of portal after an unrecorded creation = %d, %v; want none", len(toks), err)
	}
	e.exec(t, refuse[name][1])
	// Once the log works the same requests succeed, each with its entry.
	for _, tt := range tests {
		var body []byte
		ct := ""
		if tt.body != nil {
			body, ct = mustJSON(t, tt.body), "application/json"
		}
		if resp, got := e.send(t, tt.method, tt.path, ct, body, c); resp.StatusCode >= 300 {
			t.Errorf("%s %s once the audit log works = %d; %s", tt.method, tt.path, resp.StatusCode, got)
		}
	}
	// A second administrator approves the raise, once the log works.
	second, _ := e.staff(t, "bea", bonafide.RoleAdministrator)
	pending, err := e.approvals.Approvals(ctx, olga.ID)
	if err != nil || len(pending) != 1 {
		t.Fatalf("approvals of olga = %+v, %v; want the one asked for once the log worked", pending, err)
	}
	if resp, got := e.send(t, "POST", "/api/v1/approvals/"+strconv.FormatInt(pending[0].ID, 10)+"/approve", "", nil,
		e.sameOrigin(creds{cookie: e.freshSession(t, second)})); resp.StatusCode != http.StatusOK {
		t.Errorf("approve the raise = %d; %s", resp.StatusCode, got)
	}
	for _, what := range []string{"user.create", "user.approval_request", "user.approval_approve", "user.role", "user.disable", "token.create"} {
		if n := len(findEntries(e.entries(t), what)); n == 0 {
			t.Errorf("no %s audit entry", what)
		}
	}
}

// TestUnknownRoleListed: a mistyped role, in a new user or a change of
// role, is refused with 400 and a detail that lists the valid roles (the
// account service's error, which every face shows).
func TestUnknownRoleListed(t *testing.T) {
	e := newAuthEnv(t, envOptions{})
	admin, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
	olga := mustUser(t, e.users, "olga", bonafide.RoleSocialWorker)
	c := e.sameOrigin(creds{cookie: e.freshSession(t, admin)})
	for _, tt := range []struct {
		name, method, path string
		body               any
	}{
		{"create", "POST", "/api/v1/users", UserCreate{Name: "sam", Role: "socialworker"}},
		{"change of role", "PUT", "/api/v1/users/" + strconv.FormatInt(olga.ID, 10) + "/role", RoleChange{Role: "socialworker"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.send(t, tt.method, tt.path, "application/json", mustJSON(t, tt.body), c)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s %s with role socialworker = %d, want 400; %s", tt.method, tt.path, resp.StatusCode, body)
			}
			var p Problem
			decodeInto(t, body, &p)
			if !strings.Contains(p.Detail, `unknown role "socialworker"`) {
				t.Errorf("detail %q does not name the role given", p.Detail)
			}
			for _, r := range bonafide.Roles {
				if !strings.Contains(p.Detail, string(r)) {
					t.Errorf("detail %q does not list the role %s", p.Detail, r)
				}
			}
		})
	}
}
