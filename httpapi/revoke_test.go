package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"bonafide"
	"bonafide/account"
)

// TestTokenRevoke revokes one of a sending system's two tokens: it stops
// working at once, the other goes on, the revocation is in the audit log,
// and a token number that is not the user's (or is gone) is not found.
func TestTokenRevoke(t *testing.T) { forBackends(t, testTokenRevoke) }

func testTokenRevoke(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	ctx := context.Background()
	admin, _ := e.staff(t, "ada", bonafide.RoleAdministrator)
	adminC := e.sameOrigin(creds{cookie: e.freshSession(t, admin)})
	sender := mustUser(t, e.users, "portal", bonafide.RoleIntakeMachine)
	other := mustUser(t, e.users, "helpline", bonafide.RoleIntakeMachine)
	_, _, err := account.NewToken(ctx, e.users, sender, "main host", "test", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	lost, lostSecret, err := account.NewToken(ctx, e.users, sender, "stolen laptop", "test", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	keptSecret := e.token(t, sender)
	otherTok, _, err := account.NewToken(ctx, e.users, other, "helpline host", "test", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	post := func(secret string) int {
		t.Helper()
		n++
		resp, _ := e.send(t, http.MethodPost, "/api/v1/referrals", "application/json",
			mustJSON(t, referral(fmt.Sprintf("REVOKE-%d", n))), creds{token: secret})
		return resp.StatusCode
	}
	if got := post(lostSecret); got != http.StatusCreated {
		t.Fatalf("the token before it is revoked = %d, want 201", got)
	}
	revoke := func(user bonafide.User, id int64) (*http.Response, []byte) {
		t.Helper()
		return e.send(t, http.MethodDelete, "/api/v1/users/"+strconv.FormatInt(user.ID, 10)+"/tokens/"+strconv.FormatInt(id, 10), "", nil, adminC)
	}
	// Another user's token number is not found and not revoked.
	if resp, body := revoke(sender, otherTok.ID); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("revoke another user's token = %d, want 404; %s", resp.StatusCode, body)
	}
	if resp, body := revoke(sender, lost.ID); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke = %d, want 204; %s", resp.StatusCode, body)
	}
	if got := post(lostSecret); got != http.StatusUnauthorized {
		t.Errorf("the revoked token = %d, want 401", got)
	}
	if got := post(keptSecret); got != http.StatusCreated {
		t.Errorf("the sender's other token = %d after one was revoked, want it to work", got)
	}
	if resp, body := revoke(sender, lost.ID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoke again = %d, want 404; %s", resp.StatusCode, body)
	}
	found := false
	for _, en := range e.entries(t) {
		if en.What == "token.revoke" && en.Object == "portal" && en.Who == "user:ada" {
			found = true
		}
	}
	if !found {
		t.Error("no token.revoke audit entry by user:ada for portal")
	}
}
