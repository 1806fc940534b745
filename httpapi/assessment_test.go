package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/interchange"
	"bonafide/sqlite"
	"bonafide/triage"
	"bonafide/triage/live"
)

// assessmentEnv is a testEnv whose server keeps assessments, audits, and
// has a triage service that has not started yet.
type assessmentEnv struct {
	*testEnv
	svc    *live.Service
	audits auditlog.Storage
}

func newAssessmentEnv(t *testing.T) *assessmentEnv {
	t.Helper()
	ae := &assessmentEnv{}
	ae.testEnv = newEnv(t, func(s *Server) {
		st := s.Store.(*sqlite.Store)
		ae.audits = st.AuditStorage()
		skey, _, err := auditlog.GenerateSigningKey("test.bonafide/audit")
		if err != nil {
			t.Fatal(err)
		}
		if s.Audit, err = auditlog.New(ae.audits, skey, auditlog.Config{}); err != nil {
			t.Fatal(err)
		}
		s.Assessments = st.Assessments()
		// A poll far longer than the test, so that only the API's wake-up
		// can get a new referral triaged in time.
		if ae.svc, err = live.New(s.Store, s.Assessments, live.Options{Poll: time.Hour}); err != nil {
			t.Fatal(err)
		}
		s.Triage = ae.svc
	})
	return ae
}

// run starts the triage service until the test ends.
func (ae *assessmentEnv) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ae.svc.Run(ctx) }()
	t.Cleanup(func() { // before the store closes (registered after it)
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("triage Run = %v", err)
		}
	})
}

// waitTriaged waits for the service to triage through seq. The deadline
// only turns a missing wake-up into a failure instead of a hung test.
func (ae *assessmentEnv) waitTriaged(t *testing.T, seq int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ae.svc.Wait(ctx, seq); err != nil {
		t.Fatalf("triage of seq %d = %v: the API did not wake the service", seq, err)
	}
}

// auditWhat returns the actions and objects of the audit log, in order.
func (ae *assessmentEnv) auditWhat(t *testing.T) []string {
	t.Helper()
	var out []string
	for se, err := range ae.audits.Entries(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		en, err := auditlog.UnmarshalEntry(se.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, en.Who+" "+en.What+" "+en.Object)
	}
	return out
}

// engineSays returns what the triage engine gives for recs, in order, as
// `bonafide triage` writes it.
func engineSays(t *testing.T, recs ...[]byte) map[string][]byte {
	t.Helper()
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := triage.Run(context.Background(), e, bytes.NewReader(bytes.Join(recs, []byte("\n"))), &out, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for line := range bytes.Lines(out.Bytes()) {
		a, err := triage.ReadAssessments(bytes.NewReader(line))
		if err != nil || len(a) != 1 {
			t.Fatalf("triage output %q: %v", line, err)
		}
		want[a[0].ReferralID] = bytes.TrimSuffix(line, []byte("\n"))
	}
	return want
}

func TestAssessmentRoute(t *testing.T) {
	ae := newAssessmentEnv(t)

	// Stored before the service runs: 404, saying it is not triaged yet.
	first := referral("REF-A1")
	resp, body := ae.do(t, http.MethodPost, "/api/v1/referrals", "application/json", mustJSON(t, first))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST referral = %d %s", resp.StatusCode, body)
	}
	resp, body = ae.do(t, http.MethodGet, "/api/v1/referrals/REF-A1/assessment", "", nil)
	if p := decodeProblem(t, resp, body); resp.StatusCode != http.StatusNotFound || !strings.Contains(p.Detail, "not been triaged yet") {
		t.Errorf("GET assessment before triage = %d %q, want 404 saying not triaged yet", resp.StatusCode, p.Detail)
	}
	resp, body = ae.do(t, http.MethodGet, "/api/v1/referrals/REF-NONE/assessment", "", nil)
	if p := decodeProblem(t, resp, body); resp.StatusCode != http.StatusNotFound || strings.Contains(p.Detail, "triaged") {
		t.Errorf("GET assessment of no referral = %d %q, want 404 saying there is no such referral", resp.StatusCode, p.Detail)
	}

	ae.run(t)
	// One by one, and by import: each is triaged once the API wakes the
	// service (it polls only hourly here).
	second := referral("REF-A2")
	resp, body = ae.do(t, http.MethodPost, "/api/v1/referrals", "application/json", mustJSON(t, second))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST referral = %d %s", resp.StatusCode, body)
	}
	var created ReferralCreated
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	ae.waitTriaged(t, created.Seq)
	third, fourth := referral("REF-A3"), referral("REF-A4")
	resp, body = ae.do(t, http.MethodPost, "/api/v1/import", "application/x-ndjson", jsonLines(t, third, fourth))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST import = %d %s", resp.StatusCode, body)
	}
	ae.waitTriaged(t, created.Seq+2)

	var lines [][]byte
	for _, r := range []map[string]any{first, second, third, fourth} {
		ref, err := interchange.DecodeReferral(mustJSON(t, r))
		if err != nil {
			t.Fatal(err)
		}
		b, err := interchange.Encode(ref)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
	}
	want := engineSays(t, lines...)
	for i, id := range []string{"REF-A1", "REF-A2", "REF-A3", "REF-A4"} {
		resp, body := ae.do(t, http.MethodGet, "/api/v1/referrals/"+id+"/assessment", "", nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET assessment of %s = %d %s %s, want 200 JSON", id, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			continue
		}
		var v AssessmentView
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if v.ReferralID != id || v.Seq != int64(i+1) || v.Engine != ae.svc.Engine() || v.AssessedAt.IsZero() {
			t.Errorf("GET assessment of %s = %s %d %q %v, want %s at seq %d by %q", id, v.ReferralID, v.Seq, v.Engine, v.AssessedAt, id, i+1, ae.svc.Engine())
		}
		if !bytes.Equal(v.Assessment, want[id]) {
			t.Errorf("GET assessment of %s =\n%s\nwant what `bonafide triage` writes:\n%s", id, v.Assessment, want[id])
		}
		for _, mark := range plantedReporter {
			if bytes.Contains(body, []byte(mark)) {
				t.Errorf("GET assessment of %s shows reporter data %q", id, mark)
			}
		}
	}

	// Each successful view is audited under the viewer; the 404s are not.
	var views []string
	for _, w := range ae.auditWhat(t) {
		if strings.Contains(w, " triage.read ") {
			views = append(views, w)
		}
	}
	wantViews := []string{"user:worker triage.read REF-A1", "user:worker triage.read REF-A2", "user:worker triage.read REF-A3", "user:worker triage.read REF-A4"}
	if strings.Join(views, "\n") != strings.Join(wantViews, "\n") {
		t.Errorf("audit entries of views = %q, want %q", views, wantViews)
	}
}

// TestAssessmentRoutePermission: an intake officer, who may read a
// referral but not its triage, is refused; a server without assessments
// answers 503.
func TestAssessmentRoutePermission(t *testing.T) {
	ae := newAssessmentEnv(t)
	ae.run(t)
	resp, body := ae.do(t, http.MethodPost, "/api/v1/referrals", "application/json", mustJSON(t, referral("REF-P1")))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST referral = %d %s", resp.StatusCode, body)
	}
	_, officer := mustSession(t, ae.srv, "officer", bonafide.RoleIntakeOfficer)
	ae.cookie = officer
	resp, body = ae.do(t, http.MethodGet, "/api/v1/referrals/REF-P1/assessment", "", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET assessment as intake officer = %d %s, want 403", resp.StatusCode, body)
	}
	resp, _ = ae.do(t, http.MethodGet, "/api/v1/referrals/REF-P1", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET referral as intake officer = %d, want 200 (the refusal above is of triage only)", resp.StatusCode)
	}

	plain := newEnv(t, nil)
	resp, body = plain.do(t, http.MethodGet, "/api/v1/referrals/REF-P1/assessment", "", nil)
	if p := decodeProblem(t, resp, body); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET assessment without an assessment store = %d %q, want 503", resp.StatusCode, p.Detail)
	}
}
