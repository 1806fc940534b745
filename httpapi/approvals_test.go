package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// TestTwoPersonApproval walks the account changes that need two
// administrators over the API, on a loopback server and both stores: a
// request, each refused way of approving it (the same person twice, a
// session that did not pass the second factor, an API token, a role
// without user.manage, the approver's own account, an expired request, a
// second approval), then the approval that makes the change, each step in
// the audit log.
func TestTwoPersonApproval(t *testing.T) { forBackends(t, testTwoPersonApproval) }

func testTwoPersonApproval(t *testing.T, open opener) {
	ctx := context.Background()
	e := newAuthEnv(t, envOptions{open: open})
	ada, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
	bea, _ := e.staff(t, "bea", bonafide.RoleAdministrator)
	carl, _ := e.staff(t, "carl", bonafide.RoleAdministrator)
	dora, _ := e.staff(t, "dora", bonafide.RoleDPO)
	olga := mustUser(t, e.users, "olga", bonafide.RoleSocialWorker)
	const reason = "Locked out the morning of a court hearing (ticket IT-4410)"
	as := func(u bonafide.User) creds { return e.sameOrigin(creds{cookie: e.freshSession(t, u)}) }
	// carl's session did not pass the second factor at its login
	carlNo2FA := func() creds {
		now := e.clock.Now()
		return e.sameOrigin(creds{cookie: e.session(t, carl, now, now, false)})
	}
	ask := func(u bonafide.User, c creds, body ApprovalAsk, want int) AccountApprovalView {
		t.Helper()
		resp, out := e.send(t, "POST", "/api/v1/users/"+strconv.FormatInt(u.ID, 10)+"/approvals", "application/json", mustJSON(t, body), c)
		if resp.StatusCode != want {
			t.Fatalf("ask %s for %s = %d, want %d; %s", body.Kind, u.Name, resp.StatusCode, want, out)
		}
		var a AccountApprovalView
		if want == http.StatusCreated {
			decodeInto(t, out, &a)
		} else {
			decodeProblem(t, resp, out)
		}
		return a
	}
	approvePath := func(id int64) string { return "/api/v1/approvals/" + strconv.FormatInt(id, 10) + "/approve" }

	// Asking needs a second factor passed at this login too.
	ask(olga, carlNo2FA(), ApprovalAsk{Kind: bonafide.ApprovalPasswordReset, Reason: reason}, http.StatusForbidden)
	ask(olga, as(ada), ApprovalAsk{Kind: "password", Reason: reason}, http.StatusBadRequest)
	ask(olga, as(ada), ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleTeamManager, Reason: reason}, http.StatusBadRequest)
	ask(ada, as(ada), ApprovalAsk{Kind: bonafide.ApprovalPasswordReset, Reason: reason}, http.StatusForbidden)
	ask(olga, as(ada), ApprovalAsk{Kind: bonafide.ApprovalTOTPReset, Reason: reason}, http.StatusConflict)

	reset := ask(olga, as(ada), ApprovalAsk{Kind: bonafide.ApprovalPasswordReset, Reason: reason}, http.StatusCreated)
	if reset.RequestedBy != "user:ada" || reset.UserName != "olga" || !reset.Expires.Equal(e.clock.Now().Add(bonafide.AccountApprovalTTL)) || reset.ApprovedBy != "" {
		t.Errorf("asked = %+v, want by user:ada for olga, pending, expiring in %v", reset, bonafide.AccountApprovalTTL)
	}
	var pending []AccountApprovalView
	resp, body := e.send(t, "GET", "/api/v1/approvals", "", nil, as(bea))
	decodeInto(t, body, &pending)
	if resp.StatusCode != http.StatusOK || len(pending) != 1 || pending[0].ID != reset.ID {
		t.Fatalf("GET /api/v1/approvals = %d %+v, want the one request", resp.StatusCode, pending)
	}

	refusals := []struct {
		name   string
		creds  func() creds
		want   int
		detail string // the problem's detail must contain it
	}{
		{"the same person twice", func() creds { return as(ada) }, http.StatusForbidden, "second, different person"},
		{"a session without the second factor", carlNo2FA, http.StatusForbidden, "second factor"},
		{"an API token", func() creds { return creds{token: e.token(t, carl)} }, http.StatusForbidden, ""},
		{"a DPO (no user.manage)", func() creds { return as(dora) }, http.StatusForbidden, ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.send(t, "POST", approvePath(reset.ID), "", nil, tt.creds())
			if resp.StatusCode != tt.want && !(tt.detail == "" && resp.StatusCode == http.StatusUnauthorized) {
				t.Fatalf("approve as %s = %d, want %d; %s", tt.name, resp.StatusCode, tt.want, body)
			}
			if pr := decodeProblem(t, resp, body); !strings.Contains(pr.Detail, tt.detail) {
				t.Errorf("problem detail %q, want it to say %q", pr.Detail, tt.detail)
			}
		})
	}
	if u, err := e.users.UserByID(ctx, olga.ID); err != nil || u.PasswordHash != olga.PasswordHash {
		t.Fatalf("olga's password changed before a second approval: %v", err)
	}

	// bea approves: the password is reset and shown to her once.
	resp, body = e.send(t, "POST", approvePath(reset.ID), "", nil, as(bea))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approve as bea = %d; %s", resp.StatusCode, body)
	}
	var done ApprovalDone
	decodeInto(t, body, &done)
	if done.Password == "" || done.Approval.ApprovedBy != "user:bea" || done.User.Name != "olga" {
		t.Errorf("approved = %+v, want olga's new password, approved by user:bea", done)
	}
	if resp, _, _ := e.login(t, "olga", done.Password, "", creds{}); resp.StatusCode != http.StatusOK {
		t.Errorf("olga's login with the new password = %d, want 200", resp.StatusCode)
	}
	resp, body = e.send(t, "POST", approvePath(reset.ID), "", nil, as(carl))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(decodeProblem(t, resp, body).Detail, "approved already") {
		t.Errorf("a second approval = %d %s, want 409 approved already", resp.StatusCode, body)
	}

	// An expired request: dora's second factor stays.
	totp := ask(dora, as(ada), ApprovalAsk{Kind: bonafide.ApprovalTOTPReset, Reason: reason}, http.StatusCreated)
	e.clock.Add(bonafide.AccountApprovalTTL)
	resp, body = e.send(t, "POST", approvePath(totp.ID), "", nil, as(bea))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(decodeProblem(t, resp, body).Detail, "expired") {
		t.Errorf("approve an expired request = %d %s, want 409 expired", resp.StatusCode, body)
	}
	if u, err := e.users.UserByID(ctx, dora.ID); err != nil || !u.TOTPConfirmed {
		t.Errorf("dora's second factor after an expired request = %+v, %v; want kept", u, err)
	}
	resp, body = e.send(t, "GET", "/api/v1/approvals", "", nil, as(bea))
	decodeInto(t, body, &pending)
	if resp.StatusCode != http.StatusOK || len(pending) != 0 {
		t.Errorf("pending after expiry = %d %+v, want 200 and none", resp.StatusCode, pending)
	}
	// Asked again in time, it is approved.
	totp = ask(dora, as(ada), ApprovalAsk{Kind: bonafide.ApprovalTOTPReset, Reason: reason}, http.StatusCreated)
	e.clock.Add(bonafide.AccountApprovalTTL - time.Second)
	if resp, body := e.send(t, "POST", approvePath(totp.ID), "", nil, as(bea)); resp.StatusCode != http.StatusOK {
		t.Fatalf("approve in time = %d; %s", resp.StatusCode, body)
	}
	if u, err := e.users.UserByID(ctx, dora.ID); err != nil || u.TOTPConfirmed || u.TOTPSecret != "" {
		t.Errorf("dora after an approved second-factor reset = %+v, %v; want none", u, err)
	}

	// A grant: not of the approver's own account, then of olga.
	own := ask(bea, as(ada), ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleDPO, Reason: reason}, http.StatusCreated)
	if resp, body := e.send(t, "POST", approvePath(own.ID), "", nil, as(bea)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bea approving a change of her own account = %d; %s", resp.StatusCode, body)
	}
	ask(bea, as(ada), ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleAdministrator, Reason: reason}, http.StatusConflict)
	grant := ask(olga, as(ada), ApprovalAsk{Kind: bonafide.ApprovalRoleGrant, Role: bonafide.RoleDPO, Reason: reason}, http.StatusCreated)
	if resp, body := e.send(t, "POST", approvePath(grant.ID), "", nil, as(olga)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("olga approving her own grant = %d; %s", resp.StatusCode, body)
	}
	if resp, body := e.send(t, "POST", approvePath(grant.ID), "", nil, as(carl)); resp.StatusCode != http.StatusOK {
		t.Fatalf("approve the grant as carl = %d; %s", resp.StatusCode, body)
	}
	if u, err := e.users.UserByID(ctx, olga.ID); err != nil || u.Role != bonafide.RoleDPO {
		t.Errorf("olga after the approved grant = %+v, %v; want data_protection_officer", u, err)
	}

	// Each step is in the audit log, the change naming both people.
	entries := e.entries(t)
	if n := len(findEntries(entries, "user.approval_request")); n != 5 {
		t.Errorf("%d user.approval_request entries, want 5", n)
	}
	if n := len(findEntries(entries, "user.approval_approve")); n != 3 {
		t.Errorf("%d user.approval_approve entries, want 3", n)
	}
	for _, what := range []string{"user.password_reset", "user.totp_reset"} {
		got := findEntries(entries, what)
		if len(got) != 1 || got[0].Who != "user:bea" || !strings.Contains(got[0].Why, "user:ada asked, user:bea approved") {
			t.Errorf("%s entries = %+v, want one by user:bea naming both administrators", what, got)
		}
	}
	if got := findEntries(entries, "user.role"); len(got) != 1 || got[0].Who != "user:carl" || got[0].Object != "olga" {
		t.Errorf("user.role entries = %+v, want one by user:carl about olga", got)
	}
}
