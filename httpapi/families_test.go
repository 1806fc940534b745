package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// triaged stores the campaign assessment triage would make of referral
// id, unflagged, in family: what the family search groups by.
func (w *workflowEnv) triaged(t *testing.T, id, family string) {
	t.Helper()
	ctx := context.Background()
	st, err := w.store.ReferralByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf(`{"referral_id":%q,"family":%q,"reporter":"REP-000001","safety":{"level":"standard"},"campaign":{"score":0.1,"flagged":false,"reasons":[]},"recommendation":"Screen","decision_due":"2025-03-05T17:00:00Z"}`, id, family)
	if _, err := w.assessments.PutAssessments(ctx, []bonafide.Assessment{{ReferralID: id, Seq: st.Seq, SafetyLevel: "standard",
		Score: 0.1, DecisionDue: time.Date(2025, 3, 5, 17, 0, 0, 0, time.UTC), Engine: "test triage", Output: []byte(out), Family: family}}); err != nil {
		t.Fatal(err)
	}
}

// familyReferral is a referral of the Ashdown family: Rowan (child, NHS
// number, date of birth), Imogen (mother, a handle), at KX3 4AB.
func familyReferral(id string) map[string]any {
	body := referral(id)
	body["children"] = []any{map[string]any{"given_name": "William", "family_name": "Ashdown", "dob": "2019-05-02", "role": "child",
		"nhs_number": "9434765919"}}
	body["adults"] = []any{map[string]any{"given_name": "Imogen", "family_name": "Ashdown", "role": "mother",
		"social_handles": []any{map[string]any{"platform": "instagram", "handle": "@ashdownadventures"}}}}
	return body
}

func (w *workflowEnv) search(t *testing.T, c creds, q url.Values) FamilySearchView {
	t.Helper()
	resp, body := w.send(t, "GET", "/api/v1/families?"+q.Encode(), "", nil, c)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/families?%s = %d %s", q.Encode(), resp.StatusCode, body)
	}
	var v FamilySearchView
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFamilySearchAPI searches through the API on both stores: a
// referral is found as soon as it is stored, the way strangers type a
// family's details, and a restricted family shows only as a count to a
// worker not on its case.
func TestFamilySearchAPI(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		w := newWorkflowEnv(t, open)
		for _, id := range []string{"ASH-1", "ASH-2"} {
			if resp, data := w.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, familyReferral(id)), w.sender); resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST %s = %d %s", id, resp.StatusCode, data)
			}
		}
		other := referral("OTH-1")
		other["children"] = []any{map[string]any{"given_name": "Priya", "family_name": "Okafor", "dob": "2016-01-20", "role": "child"}}
		other["address"] = map[string]any{"line1": "1 High St", "town": "Leeds", "postcode": "LS1 4DT"}
		if resp, data := w.send(t, "POST", "/api/v1/import", "application/x-ndjson", jsonLines(t, other), w.sender); resp.StatusCode != http.StatusOK {
			t.Fatalf("import = %d %s", resp.StatusCode, data)
		}
		w.triaged(t, "ASH-1", "FAM-ASH")
		w.triaged(t, "ASH-2", "FAM-ASH")
		w.triaged(t, "OTH-1", "FAM-OTH")

		tests := []struct {
			name         string
			q            url.Values
			field, level string
			swapped      bool
		}{
			{"typo", url.Values{"name": {"Wiliam Ashdown"}}, "given_name", "one_edit", false},
			{"nickname Bill", url.Values{"name": {"Bill Ashdown"}}, "given_name", "nickname", false},
			{"swapped names", url.Values{"name": {"Ashdown William"}}, "given_name", "exact", true},
			{"partial date of birth", url.Values{"name": {"Ashdown"}, "dob": {"2019-05"}}, "dob", "same_year_month", false},
			{"postcode with its space", url.Values{"postcode": {"KX3 4AB"}}, "postcode", "full", false},
			{"postcode without its space", url.Values{"postcode": {"kx34ab"}}, "postcode", "full", false},
			{"NHS number with spaces", url.Values{"nhs": {"943 476 5919"}}, "nhs_number", "exact", false},
			{"handle with @", url.Values{"handle": {"@ashdownadventures"}}, "handle", "other_platform", false},
			{"handle without @", url.Values{"handle": {"ashdownadventures"}}, "handle", "other_platform", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v := w.search(t, w.worker, tt.q)
				if len(v.Families) == 0 || v.Families[0].Family != "FAM-ASH" || v.Families[0].Referrals != 2 || len(v.Families[0].Hits) != 2 {
					t.Fatalf("search %s = %+v, want FAM-ASH first with both its referrals", tt.q.Encode(), v.Families)
				}
				h := v.Families[0].Hits[0]
				if !slices.ContainsFunc(h.Agreed, func(a FieldAgreementView) bool { return a.Field == tt.field && a.Level == tt.level }) || h.NamesSwapped != tt.swapped {
					t.Errorf("search %s best hit = %+v, want %s at %s, swapped %v", tt.q.Encode(), h, tt.field, tt.level, tt.swapped)
				}
				for _, f := range v.Families[1:] {
					if f.Family == "FAM-OTH" {
						t.Errorf("search %s found the other family: %+v", tt.q.Encode(), f)
					}
				}
			})
		}

		// Every search is audited: who, and the fields asked.
		entries := w.entries(t)
		n := 0
		for _, e := range entries {
			if e.What == "family.search" {
				n++
				if e.Who != "user:ada" || strings.Contains(e.Why, "Zephyrine") || strings.Contains(e.Why, "Quillfeather") {
					t.Errorf("audit of a search = %+v; want ada's, never naming the reporter", e)
				}
			}
		}
		if n != len(tests) {
			t.Errorf("%d family.search audit entries, want %d", n, len(tests))
		}

		// The reporter is never searched.
		if v := w.search(t, w.worker, url.Values{"name": {"Zephyrine Quillfeather"}}); len(v.Families) != 0 {
			t.Errorf("search by the reporter's name = %+v, want nothing", v.Families)
		}
		resp, body := w.send(t, "GET", "/api/v1/families", "", nil, w.worker)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("search without a field = %d %s, want 400", resp.StatusCode, body)
		}

		// Restricted: only a count to a worker not on the case.
		if resp, body := w.send(t, "PUT", "/api/v1/families/FAM-ASH/restriction", "application/json",
			mustJSON(t, RestrictionRequest{Restricted: true, Reason: "named on a gossip forum"}), w.manager); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("restrict = %d %s", resp.StatusCode, body)
		}
		v := w.search(t, w.worker, url.Values{"postcode": {"KX3 4AB"}})
		if len(v.Families) != 1 || v.Families[0].Label != "a restricted family (2 referrals)" || v.Families[0].Family != "" || len(v.Families[0].Hits) != 0 {
			t.Errorf("restricted family to a worker not on its case = %+v, want only its label", v.Families)
		}
		v = w.search(t, w.manager, url.Values{"postcode": {"KX3 4AB"}})
		if len(v.Families) != 1 || v.Families[0].Family != "FAM-ASH" || len(v.Families[0].Hits) != 2 {
			t.Errorf("restricted family to a team manager = %+v, want it named", v.Families)
		}
	})
}

// TestFamilyPageAPI: the family's page through the API on both stores:
// referrals, one chronology in time order, names withheld for a
// restricted family from staff not on its case, every view audited.
func TestFamilyPageAPI(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		w := newWorkflowEnv(t, open)
		first := familyReferral("ASH-1")
		second := familyReferral("ASH-2")
		second["received_at"] = "2025-03-05T11:00:00Z"
		for _, body := range []map[string]any{second, first} { // stored out of order: the page orders by receipt
			if resp, data := w.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, body), w.sender); resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST = %d %s", resp.StatusCode, data)
			}
		}
		w.flag(t, "ASH-1", "FAM-ASH")
		w.flag(t, "ASH-2", "FAM-ASH")
		w.act(t, w.manager, "ASH-1", CaseActionRequest{Action: bonafide.ActAssign, Worker: "user:ada", Team: "front door"}, http.StatusOK)
		w.act(t, w.worker, "ASH-1", CaseActionRequest{Action: bonafide.ActDecide, Decision: bonafide.DecideAssessment,
			Reason: "check what the school and GP know first"}, http.StatusOK)

		get := func(c creds) FamilyView {
			t.Helper()
			resp, body := w.send(t, "GET", "/api/v1/families/FAM-ASH", "", nil, c)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET family = %d %s", resp.StatusCode, body)
			}
			var v FamilyView
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(body), "Zephyrine") {
				t.Errorf("family page names the reporter: %s", body)
			}
			return v
		}
		v := get(w.worker)
		if v.NamesWithheld || !v.Restricted || len(v.Referrals) != 2 || v.Referrals[0].Case.ReferralID != "ASH-1" {
			t.Fatalf("family page for the worker assigned = %+v; want both referrals, ASH-1 first, names shown", v)
		}
		if !strings.Contains(string(v.Referrals[0].Referral), "William") {
			t.Errorf("referral on the page = %s, want its names", v.Referrals[0].Referral)
		}
		var kinds []string
		for i, e := range v.Chronology {
			if i > 0 && e.At.Before(v.Chronology[i-1].At) {
				t.Errorf("chronology out of order at %d: %+v", i, v.Chronology)
			}
			kinds = append(kinds, e.ReferralID+" "+e.Kind)
		}
		for _, want := range []string{"ASH-1 referral_received", "ASH-2 referral_received", "ASH-1 assigned", "ASH-1 decided", "ASH-1 notification_held"} {
			if !slices.Contains(kinds, want) {
				t.Errorf("chronology %v lacks %q", kinds, want)
			}
		}
		if slices.Index(kinds, "ASH-1 referral_received") > slices.Index(kinds, "ASH-2 referral_received") ||
			slices.Index(kinds, "ASH-2 referral_received") > slices.Index(kinds, "ASH-1 decided") {
			t.Errorf("chronology %v: want ASH-1 received, ASH-2 received, then the decision", kinds)
		}
		if len(v.Episodes) != 1 || !slices.Equal(v.Episodes[0].Referrals, []string{"ASH-1", "ASH-2"}) {
			t.Errorf("episodes = %+v, want one of both flagged referrals", v.Episodes)
		}

		other := w.sameOrigin(creds{cookie: w.freshSession(t, mustUser(t, w.users, "bea", bonafide.RoleSocialWorker))})
		v = get(other)
		if !v.NamesWithheld || strings.Contains(string(v.Referrals[0].Referral), "William") || !strings.Contains(string(v.Referrals[0].Referral), "withheld") {
			t.Errorf("family page for another worker = withheld %v, %s; want names withheld", v.NamesWithheld, v.Referrals[0].Referral)
		}
		entries := w.entries(t)
		var views []string
		for _, e := range entries {
			if e.What == "family.read" && e.Object == "FAM-ASH" {
				views = append(views, e.Who+": "+e.Why)
			}
		}
		if len(views) != 2 || !strings.Contains(views[1], "user:bea") || !strings.Contains(views[1], "names withheld") || strings.Contains(views[0], "withheld") {
			t.Errorf("audit of the views = %q, want ada's (names shown) then bea's (names withheld)", views)
		}
		if resp, body := w.send(t, "GET", "/api/v1/families/FAM-NONE", "", nil, w.worker); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET an unknown family = %d %s, want 404", resp.StatusCode, body)
		}
	})
}
