package httpapi

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// TestSAROverHTTP walks a subject access request through the API on a
// real loopback server, on each store: opening one that names nothing is
// a problem naming the field, a police liaison may not open one, the
// gathered parts hold no reporter value (the narrative gives the phone
// another way and the reporter's handle), a locked part cannot be
// released, the clock stops, starts and is extended, a bundle cannot be
// produced before sign-off, and the bundle's extracted text holds no
// reporter value.
func TestSAROverHTTP(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		{
			e := newAuthEnv(t, envOptions{open: open})
			sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
			ref := referral("SAR-HTTP-1")
			ref["reporter"] = map[string]any{"given_name": "Zephyrine", "family_name": "Quillfeather", "email": "zquill@example.org",
				"phone": "07700 900987", "relationship": "neighbour", "address": map[string]any{"line1": "14 Pellow Crescent", "town": "Kessington"}}
			ref["narrative"] = "Rowan was at the school gate without a coat, twice this week. Ring +44 7700 900-987 for more. " +
				"zquill saw it too. I live on Pellow Crescent and pass the house every morning."
			resp, body := e.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, ref), creds{token: e.token(t, sender)})
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("referral: %d %s", resp.StatusCode, body)
			}
			dpo, _ := e.staff(t, "dana", bonafide.RoleDPO)
			liaison, _ := e.staff(t, "pat", bonafide.RolePoliceLiaison)
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
			open := SAROpenBody{Requester: SARPersonBody{GivenName: "Ash", FamilyName: "Ashdown"},
				Children: []SARPersonBody{{GivenName: "Rowan", FamilyName: "Ashdown"}}, Received: e.clock.Now().Add(-24 * time.Hour)}
			resp, body = e.send(t, "POST", "/api/v1/sars", "application/json", mustJSON(t, open), as(dpo))
			if pr := decodeProblem(t, resp, body); resp.StatusCode != http.StatusBadRequest || len(pr.Errors) == 0 || pr.Errors[0].Field != "family" {
				t.Errorf("a SAR naming nothing = %d %+v, want 400 naming family", resp.StatusCode, pr)
			}
			open.Referrals = []string{"SAR-HTTP-1"}
			send(liaison, "POST", "/api/v1/sars", open, http.StatusForbidden)
			var v SARView
			json.Unmarshal(send(dpo, "POST", "/api/v1/sars", open, http.StatusCreated), &v)
			sealed := []string{"Zephyrine", "Quillfeather", "zquill", "900987", "900-987", "900 987", "Pellow Crescent", "neighbour"}
			var locked, shown string
			for _, d := range v.Documents {
				for _, p := range d.Parts {
					for _, s := range sealed {
						if strings.Contains(p.Text, s) {
							t.Errorf("part %s holds %q: %q", p.ID, s, p.Text)
						}
					}
					switch {
					case p.Locked && locked == "":
						locked = p.ID
					case p.Code == bonafide.RedactNone && strings.Contains(p.Text, "without a coat"):
						shown = p.ID
					}
				}
			}
			if locked == "" || shown == "" {
				t.Fatalf("no locked part (%q) or shown allegation (%q): %+v", locked, shown, v.Documents)
			}
			base := "/api/v1/sars/" + v.ID
			act := func(b SARActionBody, want int) SARView {
				t.Helper()
				var out SARView
				json.Unmarshal(send(dpo, "POST", base+"/actions", b, want), &out)
				return out
			}
			act(SARActionBody{Action: "redact", Part: locked, Code: bonafide.RedactNone, Reason: "the requester says she knows who it was"}, http.StatusForbidden)
			if got := act(SARActionBody{Action: "redact", Part: shown, Code: bonafide.RedactThirdParty, Reason: "names the school, another family's too"}, http.StatusOK); got.Version != v.Version+1 {
				t.Errorf("version after a redaction = %d", got.Version)
			}
			act(SARActionBody{Action: "nonsense"}, http.StatusBadRequest)
			due := act(SARActionBody{Action: "stop_clock", Reason: "asked which years she means"}, http.StatusOK).Due
			e.clock.Add(48 * time.Hour)
			if got := act(SARActionBody{Action: "start_clock", Reason: "she answered"}, http.StatusOK).Due; !got.Equal(due.Add(48 * time.Hour)) {
				t.Errorf("due after a stop of two days = %v, was %v", got, due)
			}
			act(SARActionBody{Action: "extend", Months: 3, Reason: "records from several agencies"}, http.StatusBadRequest)
			act(SARActionBody{Action: "extend", Months: 1, Reason: "records from several agencies must be gathered"}, http.StatusOK)
			act(SARActionBody{Action: "produce"}, http.StatusConflict)
			act(SARActionBody{Action: "sign_off"}, http.StatusOK)
			if got := act(SARActionBody{Action: "produce"}, http.StatusOK); got.BundleSHA256 == "" || got.State != bonafide.SARProduced {
				t.Errorf("after produce: %+v", got)
			}
			send(liaison, "GET", base+"/bundle", nil, http.StatusForbidden)
			pdf := send(dpo, "GET", base+"/bundle", nil, http.StatusOK)
			if !strings.HasPrefix(string(pdf), "%PDF-") {
				t.Fatalf("the bundle is not a PDF")
			}
			if _, err := exec.LookPath("pdftotext"); err != nil {
				t.Skip("reading the bundle needs pdftotext (apt-get install poppler-utils)")
			}
			in := filepath.Join(t.TempDir(), "bundle.pdf")
			if err := os.WriteFile(in, pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", in, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			for _, s := range sealed {
				if strings.Contains(text, s) {
					t.Errorf("the bundle's text holds %q", s)
				}
			}
			if !strings.Contains(text, "Redaction log") || !strings.Contains(text, "R1") {
				t.Errorf("the bundle lacks its redaction log: %.400s", text)
			}
		}
	})
}
