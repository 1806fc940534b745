package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bonafide"
	"bonafide/account"
	"bonafide/disclosure"
	"bonafide/web"
)

// TestRoutesByRole walks the pages with each role of the role table and
// checks that each gets the page (200, or 303 after a form) or 403, as
// bonafide's role table says. It fails when a route of the table is
// missing here.
func TestRoutesByRole(t *testing.T) {
	e := newEnv(t, openSQLite, envOptions{families: 20})
	// victor is the one whose account the administrator's forms change,
	// so that nobody walking the routes is signed out by them.
	u, _, err := account.NewUser("victor", bonafide.RoleSocialWorker, testPassword, "test", testParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	clients := map[string]*client{}
	for name := range roles {
		c := apiClient(t, e.URL)
		c.login(t, name)
		if name == "dana" || name == "grace" || name == "dora" {
			c.enrolTOTP(t)
		}
		clients[name] = c
	}
	referral := e.ids[0]
	row, err := e.cases.Cases.CaseRow(context.Background(), referral)
	if err != nil || row.Family == "" {
		t.Fatalf("case of %s = %+v, %v; want one with a family", referral, row, err)
	}
	family := row.Family
	all := []string{"ada", "morwenna", "dana", "alan", "grace", "percy", "dora"}
	// A request percy filed and dana approved, and a SAR dana opened, for
	// the routes about one.
	ctx := context.Background()
	liaison := disclosure.Actor{Who: "user:percy", Role: bonafide.RolePoliceLiaison}
	dpo := disclosure.Actor{Who: "user:dana", Role: bonafide.RoleDPO, TOTPEnrolled: true, SecondFactor: true}
	req := bonafide.PoliceRequest{Force: "Northshire Police", Officer: "DC Amberley", OfficerRank: bonafide.RankConstable,
		AuthorisingOfficer: "DI Quell", AuthorisingRank: bonafide.RankInspector, CrimeReference: "NP/1", Offence: bonafide.OffenceHarassment,
		LegalBasis: bonafide.LegalBasisCrime, Referrals: []string{referral}, Fields: []bonafide.DisclosureField{bonafide.FieldName},
		Necessity: strings.Repeat("necessary because of the investigation ", 2), Proportionality: strings.Repeat("proportionate: nothing less will do ", 2)}
	dr, err := e.disc.File(ctx, liaison, req)
	if err != nil {
		t.Fatal(err)
	}
	filed, err := e.disc.File(ctx, liaison, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.disc.Decide(ctx, dpo, dr.ID, bonafide.DisclosureReview{Outcome: bonafide.ReviewApproveFull,
		Prejudice: strings.Repeat("prejudice ", 3), CausalLink: strings.Repeat("causal link ", 3), Likelihood: strings.Repeat("likely ", 4)}); err != nil {
		t.Fatal(err)
	}
	sar, err := e.disc.OpenSAR(ctx, dpo, bonafide.SAR{Requester: bonafide.SARPerson{GivenName: "Dace"}, Referrals: []string{referral}, Received: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := e.disc.OpenSAR(ctx, dpo, bonafide.SAR{Requester: bonafide.SARPerson{GivenName: "Dace"}, Referrals: []string{referral}, Received: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.disc.Clarify(ctx, dpo, stopped.ID, true, "asked which years"); err != nil {
		t.Fatal(err)
	}
	part := sar.Documents[0].Parts[0].ID
	dp, sp := "/disclosures/"+dr.ID, "/sars/"+sar.ID
	dpos := []string{"dana", "dora"}
	tests := []struct {
		method, path string
		form         url.Values
		from         string // page the form is on, for its CSRF token
		ok           int
		allowed      []string
	}{
		{"GET", "/account", nil, "", 200, all},
		{"GET", "/queue", nil, "", 200, []string{"ada", "morwenna"}},
		{"GET", "/referrals/" + referral, nil, "", 200, []string{"ada", "morwenna"}},
		{"GET", "/referrals/" + referral + "/letters", nil, "", 200, []string{"ada", "morwenna"}},
		{"GET", "/letters/1", nil, "", 404, []string{"ada", "morwenna"}},
		{"GET", "/families", nil, "", 200, []string{"ada", "morwenna"}},
		{"GET", "/families?search=1&name=Smith", nil, "", 200, []string{"ada", "morwenna"}},
		{"GET", "/families/" + family, nil, "", 200, []string{"ada", "morwenna"}},
		{"GET", "/families/FAM-NONE", nil, "", 404, []string{"ada", "morwenna"}},
		// not a file upload: refused before anything is read
		{"POST", "/families/" + family + "/evidence", url.Values{}, "/account", 400, []string{"ada", "morwenna"}},
		{"GET", "/letters/1/pdf", nil, "", 404, []string{"ada", "morwenna"}},
		{"POST", "/referrals/" + referral + "/decision", url.Values{}, "/account", 422, []string{"ada", "morwenna"}},
		{"GET", "/manager", nil, "", 200, []string{"morwenna"}},
		{"POST", "/manager/sign-offs/" + referral, url.Values{"action": {"reject"}}, "/account", 422, []string{"morwenna"}},
		{"GET", "/audit", nil, "", 200, []string{"dana", "alan", "dora"}},
		{"GET", "/audit?who=ada", nil, "", 200, []string{"dana", "alan", "dora"}},
		{"POST", "/audit/checkpoint", url.Values{}, "/account", 303, []string{"dana", "alan", "grace", "dora"}},
		{"GET", "/unseal", nil, "", 200, []string{"dana", "dora"}},
		{"POST", "/unseal", url.Values{"referral": {referral}}, "/account", 422, []string{"dana", "dora"}},
		{"GET", "/users", nil, "", 200, []string{"grace"}},
		{"GET", "/users/new", nil, "", 200, []string{"grace"}},
		{"GET", "/users/victor", nil, "", 200, []string{"grace"}},
		{"POST", "/users", url.Values{"name": {"x"}}, "/account", 422, []string{"grace"}},
		{"POST", "/users/victor/role", url.Values{"role": {"nonsense"}}, "/account", 422, []string{"grace"}},
		{"POST", "/users/victor/tokens", url.Values{}, "/account", 422, []string{"grace"}},
		{"POST", "/users/victor/disable", url.Values{}, "/account", 303, []string{"grace"}},
		{"POST", "/users/victor/enable", url.Values{}, "/account", 303, []string{"grace"}},
		{"POST", "/users/victor/tokens/999/revoke", url.Values{}, "/account", 404, []string{"grace"}},
		{"POST", "/users/victor/password-reset", url.Values{}, "/account", 422, []string{"grace"}},
		{"POST", "/users/victor/second-factor-reset", url.Values{}, "/account", 422, []string{"grace"}},
		{"GET", "/approvals", nil, "", 200, []string{"grace"}},
		{"POST", "/approvals/999/approve", url.Values{}, "/account", 404, []string{"grace"}},
		{"GET", "/account/second-factor/qr.png", nil, "", 404, all},
		{"GET", "/audit/checkpoint", nil, "", 200, []string{"dana", "alan", "dora"}},
		{"GET", "/audit/entries/0/proof", nil, "", 200, []string{"dana", "alan", "dora"}},
		{"POST", "/audit/verify", url.Values{}, "/account", 200, []string{"dana", "alan", "dora"}},
		{"GET", "/disclosures", nil, "", 200, []string{"dana", "percy", "dora"}},
		{"GET", "/disclosures/new", nil, "", 200, []string{"percy"}},
		{"POST", "/disclosures", url.Values{}, "/account", 422, []string{"percy"}},
		{"GET", dp, nil, "", 200, []string{"dana", "percy", "dora"}},
		{"POST", dp + "/amend", url.Values{}, "/account", 409, []string{"percy"}},
		{"GET", dp + "/package", nil, "", 404, []string{"percy"}},
		{"GET", "/disclosures/" + filed.ID + "/review", nil, "", 200, dpos},
		{"POST", "/disclosures/" + filed.ID + "/decision", url.Values{}, "/account", 422, dpos},
		// dana made the first approval: refused; dora releases.
		{"POST", dp + "/approve", url.Values{}, "/account", 422, dpos},
		{"POST", dp + "/decline", url.Values{}, "/account", 422, dpos},
		{"GET", "/disclosure-log", nil, "", 200, dpos},
		{"GET", "/sars", nil, "", 200, dpos},
		{"GET", "/sars/new", nil, "", 200, dpos},
		{"POST", "/sars", url.Values{}, "/account", 422, dpos},
		{"GET", sp, nil, "", 200, dpos},
		{"GET", sp + "/redactions", nil, "", 200, dpos},
		{"GET", sp + "/parts/" + part, nil, "", 200, dpos},
		{"POST", sp + "/parts/" + part, url.Values{}, "/account", 422, dpos},
		{"POST", sp + "/clock", url.Values{}, "/account", 422, dpos},
		{"POST", sp + "/extend", url.Values{}, "/account", 422, dpos},
		{"POST", "/sars/" + stopped.ID + "/sign-off", url.Values{}, "/account", 422, dpos}, // the clock is stopped: not now
		{"POST", sp + "/produce", url.Values{}, "/account", 422, dpos},                     // not signed off
		{"GET", sp + "/bundle", nil, "", 404, dpos},                                        // not produced
	}
	// Every screen a role gates is walked: a route added without a row
	// here fails the test.
	for _, pattern := range web.RoleRoutes() {
		method, path, _ := strings.Cut(pattern, " ")
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\}`).ReplaceAllString(regexp.QuoteMeta(path), "[^/]+") + "$")
		covered := false
		for _, tt := range tests {
			p, _, _ := strings.Cut(tt.path, "?")
			covered = covered || tt.method == method && re.MatchString(p)
		}
		if !covered {
			t.Errorf("the walk has no row for %s", pattern)
		}
	}
	// Statuses that differ by person, of those allowed.
	per := map[string]map[string]int{"POST " + dp + "/approve": {"dora": 303}}
	for _, tt := range tests {
		for _, name := range all {
			want := http.StatusForbidden
			if strings.Contains(strings.Join(tt.allowed, ","), name) {
				want = tt.ok
				if w, ok := per[tt.method+" "+tt.path][name]; ok {
					want = w
				}
			}
			c := clients[name]
			var got int
			var body string
			if tt.method == "GET" {
				resp, err := c.hc.Get(e.URL + tt.path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got, body = resp.StatusCode, string(b)
			} else {
				got, body = c.post(t, tt.from, tt.path, tt.form)
			}
			if got != want {
				t.Errorf("%s %s as %s (%s) = %d, want %d: %.200s", tt.method, tt.path, name, roles[name], got, want, body)
			}
		}
	}
}

// enrolTOTP sets up a second factor for the signed-in user through the
// API and confirms it, so that the session has passed it.
func (c *client) enrolTOTP(t *testing.T) {
	t.Helper()
	var en struct {
		Secret string `json:"secret"`
	}
	c.api(t, "/api/v1/me/totp", `{}`, &en)
	c.secret = en.Secret
	// The code of the step before now, so that a sign-in with now's code
	// after it is not a replay.
	code, err := totp.GenerateCode(en.Secret, time.Now().Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	c.api(t, "/api/v1/me/totp/confirm", `{"code":"`+code+`"}`, nil)
}

// api posts JSON to the API and decodes the answer into out.
func (c *client) api(t *testing.T, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}
