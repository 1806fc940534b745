package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"bonafide"
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
	olga := mustUser(t, e.users, "olga", bonafide.RoleSocialWorker)
	ref := newAuthzFixture(t, e).referral
	adminC := func() creds { return e.sameOrigin(creds{cookie: e.freshSession(t, admin)}) }
	rolePath := "/api/v1/users/" + strconv.FormatInt(olga.ID, 10) + "/role"
	const (
		reason   = "Deputy data protection officer while the DPO is on leave (ticket IG-2291)"
		firstPW  = "a first password of length"
		tooShort = "needs it"
	)
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		want    int
		user    string        // whose role to check afterwards
		role    bonafide.Role // the role they must then have; "" for no such user
		auditOK string        // the why of the audit entry a success writes
	}{
		{"create DPO without a reason", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW}, http.StatusBadRequest, "dee", "", ""},
		{"create DPO with a short reason", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW, Reason: tooShort}, http.StatusBadRequest, "dee", "", ""},
		{"create administrator without a reason", "POST", "/api/v1/users", UserCreate{Name: "root", Role: bonafide.RoleAdministrator, Password: firstPW}, http.StatusBadRequest, "root", "", ""},
		{"create DPO with a reason too long", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW, Reason: strings.Repeat("x", MaxGrantReason+1)}, http.StatusBadRequest, "dee", "", ""},
		{"create social worker without a reason", "POST", "/api/v1/users", UserCreate{Name: "sol", Role: bonafide.RoleSocialWorker, Password: firstPW}, http.StatusCreated, "sol", bonafide.RoleSocialWorker, "role social_worker"},
		{"create DPO with a reason", "POST", "/api/v1/users", UserCreate{Name: "dee", Role: bonafide.RoleDPO, Password: firstPW, Reason: "  " + reason + " "}, http.StatusCreated, "dee", bonafide.RoleDPO, "role data_protection_officer: " + reason},
		{"promote to administrator without a reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleAdministrator}, http.StatusBadRequest, "olga", bonafide.RoleSocialWorker, ""},
		{"promote to DPO with a short reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleDPO, Reason: tooShort}, http.StatusBadRequest, "olga", bonafide.RoleSocialWorker, ""},
		{"promote to administrator with a reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleAdministrator, Reason: reason}, http.StatusOK, "olga", bonafide.RoleAdministrator, "social_worker -> administrator: " + reason},
		{"step down to team manager without a reason", "PUT", rolePath, RoleChange{Role: bonafide.RoleTeamManager}, http.StatusOK, "olga", bonafide.RoleTeamManager, "administrator -> team_manager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.send(t, tt.method, tt.path, "application/json", mustJSON(t, tt.body), adminC())
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s = %d, want %d; %s", tt.method, tt.path, resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusBadRequest && !strings.Contains(string(body), `"field":"reason"`) {
				t.Errorf("refusal %s does not name the reason field", body)
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
			entries := e.entries(t)
			last := entries[len(entries)-1]
			if last.Who != "user:ada" || last.Object != tt.user || last.Why != tt.auditOK {
				t.Errorf("last audit entry = %+v, want by user:ada about %s, why %q", last, tt.user, tt.auditOK)
			}
		})
	}

	// The new holders may only enrol until they have a second factor: the
	// DPO cannot read a referral, nor the new administrator (promoted and
	// demoted above, promoted again here) list users.
	if resp, body := e.send(t, "PUT", rolePath, "application/json", mustJSON(t, RoleChange{Role: bonafide.RoleAdministrator, Reason: reason}), adminC()); resp.StatusCode != http.StatusOK {
		t.Fatalf("promote olga = %d; %s", resp.StatusCode, body)
	}
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
