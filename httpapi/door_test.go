package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/sqlite"
)

// doorReferral is a referral body with received_at and id as given.
func doorReferral(id, receivedAt string, danger bool) string {
	return fmt.Sprintf(`{"type":"referral","id":%s,"received_at":%q,"channel":"phone",`+
		`"children":[{"given_name":"Ottilie","family_name":"Farnaby","dob":"2019-04"}],`+
		`"concerns":[{"category":"neglect"}],"immediate_danger":%v}`, id, receivedAt, danger)
}

// TestRefusedAtTheDoor: what no assessment can be made of is refused
// with 400 and the field named, identically on both stores (before, a
// referral received in 9999 was stored and never triaged, an id with NUL
// was stored by SQLite and a 500 on PostgreSQL, and year 0001 was
// reported as missing), by the single route and, line by line, by bulk
// import; nothing of a refused request is stored.
func TestRefusedAtTheDoor(t *testing.T) {
	cases := []struct {
		name, body, field, reason string
	}{
		{"received in 9999, a child in danger now", doorReferral(`"D-9999"`, "9999-12-31T23:59:59Z", true), "received_at", "after this server's clock"},
		{"received tomorrow's tomorrow", doorReferral(`"D-AHEAD"`, "2100-01-01T00:00:00Z", true), "received_at", "after this server's clock"},
		{"received in year 0000", doorReferral(`"D-0000"`, "0000-01-01T00:00:00Z", false), "received_at", "before 1900-01-01"},
		{"received in year 0001", doorReferral(`"D-0001"`, "0001-01-01T00:00:00Z", false), "received_at", "before 1900-01-01"},
		{"received in 1000", doorReferral(`"D-1000"`, "1000-06-01T00:00:00Z", false), "received_at", "before 1900-01-01"},
		{"NUL in the id", doorReferral(`"D-NUL\u0000"`, "2025-06-01T09:00:00Z", true), "id", "control character U+0000"},
		{"escape character in the id", doorReferral(`"D-\u001bESC"`, "2025-06-01T09:00:00Z", false), "id", "control character U+001B"},
		{"born in 2040", strings.Replace(doorReferral(`"D-DOB"`, "2025-06-01T09:00:00Z", false), `"2019-04"`, `"2040-01-01"`, 1), "children[0].dob", "more than a year after"},
	}
	forBackends(t, func(t *testing.T, open opener) {
		e := newAuthEnv(t, envOptions{open: open})
		sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
		tok := e.token(t, sender)
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := e.send(t, "POST", "/api/v1/referrals", "application/json", []byte(tt.body), creds{token: tok})
				if resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("POST = %d %s; want 400", resp.StatusCode, body)
				}
				checkFieldError(t, decodeProblem(t, resp, body), 0, tt.field, tt.reason)

				bulk := doorReferral(`"D-OK-`+strings.ReplaceAll(tt.name, " ", "-")+`"`, "2025-06-01T09:00:00Z", false) + "\n" + tt.body + "\n"
				resp, body = e.send(t, "POST", "/api/v1/import", "application/x-ndjson", []byte(bulk), creds{token: tok})
				if resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("POST import = %d %s; want 400", resp.StatusCode, body)
				}
				checkFieldError(t, decodeProblem(t, resp, body), 2, tt.field, tt.reason)
			})
		}
		counts, err := e.store.Count(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := counts[bonafide.TypeReferral]; n != 0 {
			t.Errorf("%d referrals stored after only refused requests, want 0", n)
		}
	})
}

func checkFieldError(t *testing.T, p Problem, line int, field, reason string) {
	t.Helper()
	for _, fe := range p.Errors {
		if fe.Line == line && fe.Field == field && strings.Contains(fe.Reason, reason) {
			return
		}
	}
	t.Errorf("problem errors = %+v; want line %d, field %s, reason containing %q", p.Errors, line, field, reason)
}

// TestSafetyAtOnce: a referral saying a child is in danger now has its
// safety level from the moment the POST answers, with no triage service
// running at all (the campaign part would follow from one), and the view
// says which part it is.
func TestSafetyAtOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		e := newAuthEnv(t, envOptions{open: open})
		sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
		worker := mustUser(t, e.users, "worker", bonafide.RoleSocialWorker)
		body := doorReferral(`"D-NOW"`, "2025-06-01T09:00:00Z", true)
		if resp, data := e.send(t, "POST", "/api/v1/referrals", "application/json", []byte(body), creds{token: e.token(t, sender)}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST = %d %s", resp.StatusCode, data)
		}
		resp, data := e.send(t, "GET", "/api/v1/referrals/D-NOW/assessment", "", nil, creds{cookie: e.freshSession(t, worker)})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET assessment = %d %s; want 200 at once", resp.StatusCode, data)
		}
		var v struct {
			Kind       string `json:"kind"`
			Assessment struct {
				Part   string `json:"part"`
				Safety struct {
					Level string `json:"level"`
				} `json:"safety"`
				Recommendation string `json:"recommendation"`
				Pending        string `json:"pending"`
			} `json:"assessment"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if v.Kind != "safety" || v.Assessment.Part != "safety" || v.Assessment.Safety.Level != "immediate" ||
			!strings.HasPrefix(v.Assessment.Recommendation, "Respond now") || v.Assessment.Pending == "" {
			t.Errorf("assessment at once = %s; want kind and part safety, level immediate, respond now, the campaign part pending", data)
		}
	})
}

// TestImportNamesStoreRefusal: a record the reader passes but the store
// refuses (here, a time ahead of the store's own clock) is reported at its
// line, like any invalid line, and nothing is stored.
func TestImportNamesStoreRefusal(t *testing.T) {
	behind := func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "behind.db"), sqlite.Options{Migrate: true, Now: behind})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	body := doorReferral(`"D-EARLY"`, "2024-12-30T09:00:00Z", false) + "\n\n" + doorReferral(`"D-LATER"`, "2025-06-01T09:00:00Z", false) + "\n"
	res, err := Import(t.Context(), st, strings.NewReader(body), false)
	var ve *bonafide.ValidationError
	if !errors.As(err, &ve) || res.RejectedLines != 1 {
		t.Fatalf("Import = %+v, %v; want one rejected line", res, err)
	}
	checkFieldError(t, Problem{Errors: res.Rejected}, 3, "received_at", "after this server's clock")
	if counts, err := st.Count(t.Context()); err != nil || counts[bonafide.TypeReferral] != 0 {
		t.Errorf("Count = %v, %v; want nothing stored", counts, err)
	}
}
