package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"bonafide"
	"bonafide/disclosure"
)

// TestDisclosureOverHTTP walks a police request through the API on a real
// loopback server: a trawl is a problem naming the field, the liaison
// files, one DPO decides in part, the same DPO cannot approve, a second
// does, and only the liaison downloads the package, which holds the
// approved detail alone.
func TestDisclosureOverHTTP(t *testing.T) {
	e := newAuthEnv(t, envOptions{})
	f := newAuthzFixture(t, e)
	liaison, _ := e.staff(t, "pat", bonafide.RolePoliceLiaison)
	other, _ := e.staff(t, "lee", bonafide.RolePoliceLiaison)
	dpo1, _ := e.staff(t, "dana", bonafide.RoleDPO)
	dpo2, _ := e.staff(t, "omar", bonafide.RoleDPO)
	as := func(u bonafide.User) creds { return e.sameOrigin(creds{cookie: e.freshSession(t, u)}) }
	send := func(u bonafide.User, method, path string, body any, want int) []byte {
		t.Helper()
		var b []byte
		ct := ""
		if body != nil {
			b, ct = mustJSON(t, body), "application/json"
		}
		resp, out := e.send(t, method, path, ct, b, as(u))
		if resp.StatusCode != want {
			t.Fatalf("%s %s as %s = %d, want %d: %s", method, path, u.Name, resp.StatusCode, want, out)
		}
		return out
	}

	trawl := authzPoliceRequest(f.referral)
	trawl.Referrals = nil
	resp, body := e.send(t, "POST", "/api/v1/disclosures", "application/json", mustJSON(t, trawl), as(liaison))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("trawl = %d, want 400: %s", resp.StatusCode, body)
	}
	if pr := decodeProblem(t, resp, body); len(pr.Errors) == 0 || pr.Errors[0].Field != "referrals" {
		t.Errorf("trawl problem = %+v, want the field referrals named", pr)
	}

	req := authzPoliceRequest(f.referral)
	req.Fields = []bonafide.DisclosureField{bonafide.FieldName, bonafide.FieldEmail}
	var d DisclosureView
	json.Unmarshal(send(liaison, "POST", "/api/v1/disclosures", req, http.StatusCreated), &d)
	base := "/api/v1/disclosures/" + d.ID
	send(other, "GET", base, nil, http.StatusNotFound)
	var rv ReviewPage
	json.Unmarshal(send(dpo1, "GET", base+"/review", nil, http.StatusOK), &rv)
	if len(rv.Referrals) != 1 || !rv.Referrals[0].HasReporter || rv.Warning == "" {
		t.Errorf("review = %+v, want one referral with a reporter and the genuine-reporter warning", rv)
	}
	send(dpo1, "POST", base+"/decision", ReviewBody{Outcome: bonafide.ReviewApprovePart, Fields: []bonafide.DisclosureField{bonafide.FieldName},
		Prejudice: "Withholding would prevent identifying a suspect.", CausalLink: "There is no other line of enquiry to the sender.",
		Likelihood: "The referrals were found malicious and more are likely.", Reasons: "Only the name is needed for an interview."}, http.StatusOK)
	send(dpo1, "POST", base+"/approve", nil, http.StatusForbidden)
	send(dpo2, "POST", base+"/approve", nil, http.StatusOK)
	send(other, "GET", base+"/package", nil, http.StatusNotFound)
	send(dpo2, "GET", base+"/package", nil, http.StatusForbidden)
	pkg := send(liaison, "GET", base+"/package", nil, http.StatusOK)
	var p disclosure.Package
	if err := json.Unmarshal(pkg, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Reporters) != 1 || len(p.Reporters[0].Details) != 1 || p.Reporters[0].Details["name"] == "" {
		t.Errorf("package reporters = %+v, want the name alone", p.Reporters)
	}
	if pdf := send(liaison, "GET", base+"/package?format=pdf", nil, http.StatusOK); !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("format=pdf is not a PDF")
	}
	var key DisclosureKey
	resp, body = e.send(t, "GET", "/api/v1/disclosure-key", "", nil, creds{})
	if json.Unmarshal(body, &key); resp.StatusCode != http.StatusOK || !strings.HasPrefix(key.VerifierKey, "test.bonafide/disclosure+") {
		t.Errorf("disclosure-key = %d %s", resp.StatusCode, body)
	}
	var log DisclosureLogView
	json.Unmarshal(send(dpo1, "GET", "/api/v1/disclosure-log", nil, http.StatusOK), &log)
	if log.ByState[bonafide.DisclosureReleased] != 1 || log.Fields[bonafide.FieldName] != 1 {
		t.Errorf("log = %+v", log)
	}
}
