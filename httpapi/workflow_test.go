package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/casework"
)

// workflowEnv is the API with a social worker, two team managers and a
// sending system, for the workflow tests.
type workflowEnv struct {
	*authEnv
	sender, worker, manager, manager2 creds
}

func newWorkflowEnv(t *testing.T, open opener) *workflowEnv {
	t.Helper()
	e := newAuthEnv(t, envOptions{open: open})
	letters, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1])
	if err != nil {
		t.Logf("letters in Helvetica: %v", err)
	}
	e.srv.Cases.Letters = letters
	w := &workflowEnv{authEnv: e}
	w.sender = creds{token: e.token(t, mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine))}
	for _, u := range []struct {
		c    *creds
		name string
		role bonafide.Role
	}{{&w.worker, "ada", bonafide.RoleSocialWorker}, {&w.manager, "morwenna", bonafide.RoleTeamManager}, {&w.manager2, "ravi", bonafide.RoleTeamManager}} {
		user := mustUser(t, e.users, u.name, u.role)
		*u.c = e.sameOrigin(creds{cookie: e.freshSession(t, user)})
	}
	return w
}

// act takes an action through the API and returns the case after it.
func (w *workflowEnv) act(t *testing.T, c creds, id string, req CaseActionRequest, want int) CaseView {
	t.Helper()
	resp, body := w.send(t, "POST", "/api/v1/referrals/"+id+"/case/actions", "application/json", mustJSON(t, req), c)
	if resp.StatusCode != want {
		t.Fatalf("%s on %s = %d %s; want %d", req.Action, id, resp.StatusCode, body, want)
	}
	var v CaseView
	if want == http.StatusOK {
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func (w *workflowEnv) caseOf(t *testing.T, id string) CaseView {
	t.Helper()
	resp, body := w.send(t, "GET", "/api/v1/referrals/"+id+"/case", "", nil, w.worker)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET case %s = %d %s", id, resp.StatusCode, body)
	}
	var v CaseView
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// flag stores the campaign assessment triage would make of referral id:
// flagged, in family, so that the workflow sees a suspected campaign.
func (w *workflowEnv) flag(t *testing.T, id, family string) {
	t.Helper()
	ctx := context.Background()
	st, err := w.store.ReferralByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf(`{"referral_id":%q,"family":%q,"reporter":"REP-000009","safety":{"level":"standard"},"campaign":{"score":0.61,"flagged":true,"reasons":[]},"recommendation":"Proportionate enquiry","decision_due":"2025-03-05T17:00:00Z"}`, id, family)
	if _, err := w.assessments.PutAssessments(ctx, []bonafide.Assessment{{ReferralID: id, Seq: st.Seq, SafetyLevel: "standard", Flagged: true,
		Score: 0.61, DecisionDue: time.Date(2025, 3, 5, 17, 0, 0, 0, time.UTC), Engine: "test triage", Output: []byte(out), Family: family}}); err != nil {
		t.Fatal(err)
	}
}

func notificationOf(v CaseView, agency bonafide.Agency, kind bonafide.NotificationKind) NotificationView {
	for _, n := range v.Notifications {
		if n.Agency == agency && n.Kind == kind {
			return n
		}
	}
	return NotificationView{}
}

// TestWorkingDay walks a working day at the front door on both stores: a
// referral arrives and is in the queue; triage flags it as part of a
// campaign; the worker decides on an assessment, and the checks with
// universal services are held, saying why; a manager releases the school's,
// which the worker sends; the worker finds the referral malicious, which
// waits for a team manager (not the worker); once signed off, the worker
// closes the case: the school, which was told, gets a retraction, the
// checks never sent are withdrawn, and the family gets a closure letter
// saying the agency believes the referral malicious, with the reference
// the police can quote; the census row follows, and every step is in the
// audit log.
func TestWorkingDay(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		w := newWorkflowEnv(t, open)
		id := "WALK-1"
		body := referral(id)
		body["source_code"] = "1B"
		if resp, data := w.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, body), w.sender); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST referral = %d %s", resp.StatusCode, data)
		}

		// The queue: the referral awaits a decision.
		resp, data := w.send(t, "GET", "/api/v1/referrals", "", nil, w.worker)
		var q QueueView
		if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &q) != nil || q.Total != 1 || q.Cases[0].ReferralID != id || q.Cases[0].State != bonafide.CaseReceived {
			t.Fatalf("queue = %d %s; want the one referral, received", resp.StatusCode, data)
		}

		w.flag(t, id, "FAM-WALK")
		v := w.caseOf(t, id)
		if !v.Flagged || !v.Restricted || !slices.Equal(v.Recommended, []bonafide.CaseDecision{bonafide.DecideAssessment, bonafide.DecideAdvice, bonafide.DecideNoFurtherAction}) {
			t.Fatalf("case after triage flags it = flagged %v restricted %v recommended %v", v.Flagged, v.Restricted, v.Recommended)
		}

		w.act(t, w.worker, id, CaseActionRequest{Action: bonafide.ActAssign, Worker: "user:ada", Team: "front door"}, http.StatusOK)
		// The family is restricted: only the worker assigned and team
		// managers see its names; every view is audited, saying which.
		other := w.sameOrigin(creds{cookie: w.freshSession(t, mustUser(t, w.users, "bea", bonafide.RoleSocialWorker))})
		for _, c := range []struct {
			name  string
			creds creds
			named bool
		}{{"the worker assigned", w.worker, true}, {"a team manager", w.manager, true}, {"another social worker", other, false}} {
			resp, data := w.send(t, "GET", "/api/v1/referrals/"+id, "", nil, c.creds)
			if resp.StatusCode != http.StatusOK || strings.Contains(string(data), "Rowan") != c.named || strings.Contains(string(data), "withheld") == c.named {
				t.Errorf("%s reading a restricted family's referral = %d %s; want names shown %v", c.name, resp.StatusCode, data, c.named)
			}
		}
		// Its team manager sees who looked, and whether names were shown.
		resp, data = w.send(t, "GET", "/api/v1/families/FAM-WALK", "", nil, w.manager)
		var page FamilyView
		if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &page) != nil {
			t.Fatalf("family page = %d %s", resp.StatusCode, data)
		}
		seen := map[string]bool{}
		for _, v := range page.Views {
			seen[fmt.Sprintf("%s %s %s %v", v.Who, v.What, v.ReferralID, v.NamesShown)] = true
		}
		for _, want := range []string{"user:bea referral.read WALK-1 false", "user:ada referral.read WALK-1 true", "user:morwenna family.read  true"} {
			if !seen[want] {
				t.Errorf("family page's views = %+v; want %q among them", page.Views, want)
			}
		}
		v = w.act(t, w.worker, id, CaseActionRequest{Action: bonafide.ActDecide, Decision: bonafide.DecideAssessment,
			Reason: "check what the school and GP know before any contact with the family", Seen: 2}, http.StatusOK)
		if v.State != bonafide.CaseDecided || v.Due == nil || v.Due.Before(w.clock.Now().AddDate(0, 2, 0)) {
			t.Errorf("after the decision: state %s, due %v; want decided, 45 working days on", v.State, v.Due)
		}
		for _, ag := range bonafide.UniversalServices {
			n := notificationOf(v, ag, bonafide.NoteCheck)
			if n.Status != bonafide.NoteHeld || !strings.Contains(n.HeldReason, "harassment campaign") || n.Basis != bonafide.BasisSafety {
				t.Errorf("check with %s = %+v; want held for the suspected campaign, saying why", ag, n)
			}
		}
		if ack := notificationOf(v, bonafide.AgencyReferrer, bonafide.NoteAcknowledgement); ack.Status != bonafide.NotePlanned || ack.Due == nil {
			t.Errorf("acknowledgement = %+v; want planned, with its deadline", ack)
		}

		// The manager releases the school's check; the worker sends it.
		school := notificationOf(v, bonafide.AgencySchool, bonafide.NoteCheck)
		path := fmt.Sprintf("/api/v1/referrals/%s/notifications/%d/", id, school.ID)
		if resp, data := w.send(t, "POST", path+"release", "application/json", mustJSON(t, ReasonRequest{Reason: "the school raised a concern of its own last term"}), w.worker); resp.StatusCode != http.StatusForbidden {
			t.Errorf("worker releasing a held check = %d %s; want 403", resp.StatusCode, data)
		}
		if resp, data := w.send(t, "POST", path+"release", "application/json", mustJSON(t, ReasonRequest{Reason: "the school raised a concern of its own last term"}), w.manager); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("release = %d %s", resp.StatusCode, data)
		}
		if resp, data := w.send(t, "POST", path+"sent", "", nil, w.worker); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("sent = %d %s", resp.StatusCode, data)
		}

		// A malicious finding waits for a team manager, not the worker.
		v = w.act(t, w.worker, id, CaseActionRequest{Action: bonafide.ActFind, Finding: bonafide.FindingMalicious,
			Reason: "the allegation restates the mother's public post word for word"}, http.StatusOK)
		if v.State != bonafide.CaseSignOff || v.SignOff == nil || !strings.Contains(v.SignOff.SignOff, "malicious") {
			t.Fatalf("after finding malicious: state %s, sign-off %+v; want awaiting sign-off", v.State, v.SignOff)
		}
		w.act(t, w.worker, id, CaseActionRequest{Action: bonafide.ActApprove}, http.StatusForbidden)
		resp, data = w.send(t, "GET", "/api/v1/manager", "", nil, w.manager)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"sign_offs":[{"referral_id":"WALK-1"`) || !strings.Contains(string(data), `"family":"FAM-WALK"`) {
			t.Errorf("manager's view = %d %s; want the sign-off waiting and the campaign alert", resp.StatusCode, data)
		}
		v = w.act(t, w.manager, id, CaseActionRequest{Action: bonafide.ActApprove}, http.StatusOK)
		if v.State != bonafide.CaseFound || v.Finding != bonafide.FindingMalicious {
			t.Fatalf("after sign-off: %s %s; want found malicious", v.State, v.Finding)
		}

		v = w.act(t, w.worker, id, CaseActionRequest{Action: bonafide.ActClose, Closure: bonafide.ClosureNoFurtherAction,
			Reason: "malicious referral; no concerns for the children"}, http.StatusOK)
		if v.State != bonafide.CaseClosed {
			t.Fatalf("after closing: %s", v.State)
		}
		retraction := notificationOf(v, bonafide.AgencySchool, bonafide.NoteRetraction)
		if retraction.Status != bonafide.NotePlanned || retraction.RetractionOf != school.ID || retraction.Basis != bonafide.BasisRetraction {
			t.Errorf("retraction to the school = %+v; want planned, of notification %d", retraction, school.ID)
		}
		for _, ag := range []bonafide.Agency{bonafide.AgencyGP, bonafide.AgencyHealthVisitor} {
			if n := notificationOf(v, ag, bonafide.NoteCheck); n.Status != bonafide.NoteWithdrawn {
				t.Errorf("held check with %s after closure = %s; want withdrawn, never sent", ag, n.Status)
			}
			if n := notificationOf(v, ag, bonafide.NoteRetraction); n.ID != 0 {
				t.Errorf("retraction to %s, which was never told: %+v", ag, n)
			}
		}
		kinds := map[bonafide.LetterKind]LetterView{}
		for _, l := range v.Letters {
			kinds[l.Kind] = l
		}
		if len(v.Letters) != 3 || kinds[bonafide.LetterAcknowledgement].ID == 0 || kinds[bonafide.LetterRetraction].ID == 0 || kinds[bonafide.LetterClosure].ID == 0 {
			t.Fatalf("letters = %+v; want the acknowledgement, one retraction and the closure letter", v.Letters)
		}
		closure := kinds[bonafide.LetterClosure]
		resp, pdf := w.send(t, "GET", closure.URL, "", nil, w.worker)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || casework.Digest(pdf) != closure.SHA256 ||
			resp.Header.Get("X-Content-SHA256") != closure.SHA256 || !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Fatalf("closure letter = %d %s, %d bytes; want the PDF with its recorded hash", resp.StatusCode, resp.Header.Get("Content-Type"), len(pdf))
		}
		police := casework.PoliceReference(testAgency, id, w.clock.Now().UTC())
		for _, want := range []string{"we believe this referral was malicious", police, "Rowan Ashdown", "dpo@testbury.invalid"} {
			if text := pdfText(t, pdf); text != "" && !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
				t.Errorf("closure letter's text lacks %q:\n%s", want, text)
			}
		}
		resp, text := w.send(t, "GET", closure.URL+"?format=text", "", nil, w.worker)
		if resp.StatusCode != http.StatusOK || !strings.Contains(strings.Join(strings.Fields(string(text)), " "), "we believe this referral was malicious") {
			t.Errorf("closure letter as text = %d %s", resp.StatusCode, text)
		}
		for _, mark := range []string{"Zephyrine", "Quillfeather", "zq@example.org"} {
			for _, l := range v.Letters {
				resp, body := w.send(t, "GET", l.URL+"?format=text", "", nil, w.worker)
				if resp.StatusCode != http.StatusOK || strings.Contains(string(body), mark) {
					t.Errorf("letter %d (%s) = %d, names the reporter (%q)", l.ID, l.Kind, resp.StatusCode, mark)
				}
			}
		}

		// The census row.
		resp, data = w.send(t, "GET", "/api/v1/census?from=2025-01-01&to=2026-01-01", "", nil, w.manager)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("census = %d %s", resp.StatusCode, data)
		}
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		today := w.clock.Now().UTC().Format(time.DateOnly)
		if err != nil || len(rows) != 2 || !slices.Equal(rows[0], casework.CensusHeader) ||
			!slices.Equal(rows[1], []string{"FAM-WALK-1", "2025-03-04", "1B", "0", today, "RC8"}) {
			t.Errorf("census = %q, %v; want the header and one row", rows, err)
		}

		var whats []string
		for _, en := range w.entries(t) {
			if en.Object == id || en.Object == "census" {
				whats = append(whats, en.What)
			}
		}
		withheldSeen := false
		for _, en := range w.entries(t) {
			if en.Object == id && en.What == "referral.read" && strings.Contains(en.Why, "names withheld") {
				withheldSeen = true
			}
		}
		if !withheldSeen {
			t.Errorf("no audit entry of a restricted view with names withheld")
		}
		for _, want := range []string{"referral.create", "case.assign", "case.decide", "notification.release", "notification.sent", "case.find", "case.approve", "case.close", "letter.read", "census.export"} {
			if !slices.Contains(whats, want) {
				t.Errorf("audit log of %s = %v; want %s", id, whats, want)
			}
		}
	})
}

// pdfText extracts a PDF's text with pdftotext, or "" (and a log line)
// when poppler-utils is not installed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed (apt-get install poppler-utils): the PDF's text is not checked")
		return ""
	}
	f := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestSignOffRules: no further action on a referral whose reporter says a
// child is in danger now waits for a team manager; the manager who asks
// for something cannot sign it off; a rejection sends the case back; a
// stale view is refused.
func TestSignOffRules(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		w := newWorkflowEnv(t, open)
		body := referral("SIGN-1")
		body["immediate_danger"] = true
		if resp, data := w.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, body), w.sender); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST = %d %s", resp.StatusCode, data)
		}
		v := w.caseOf(t, "SIGN-1")
		if v.SafetyLevel != "immediate" || v.Next[0] != bonafide.ActAssign {
			t.Fatalf("case = %+v", v.CaseRowView)
		}
		v = w.act(t, w.manager, "SIGN-1", CaseActionRequest{Action: bonafide.ActDecide, Decision: bonafide.DecideNoFurtherAction,
			Reason: "the caller rang back to say it was a misunderstanding", Seen: 1}, http.StatusOK)
		if v.State != bonafide.CaseSignOff || !strings.Contains(v.SignOff.SignOff, "immediate") {
			t.Fatalf("NFA on immediate = %s, %+v; want it awaiting sign-off", v.State, v.SignOff)
		}
		w.act(t, w.manager, "SIGN-1", CaseActionRequest{Action: bonafide.ActApprove}, http.StatusForbidden)
		w.act(t, w.manager2, "SIGN-1", CaseActionRequest{Action: bonafide.ActReject, Reason: "speak to the police before closing this"}, http.StatusOK)
		v = w.caseOf(t, "SIGN-1")
		if v.State != bonafide.CaseReceived || v.Decision != "" {
			t.Errorf("after rejection: %s %s; want received, no decision", v.State, v.Decision)
		}
		w.act(t, w.worker, "SIGN-1", CaseActionRequest{Action: bonafide.ActDecide, Decision: bonafide.DecideStrategyDiscussion,
			Reason: "a child in danger now: strategy discussion today", Seen: 1}, http.StatusConflict)
		v = w.act(t, w.worker, "SIGN-1", CaseActionRequest{Action: bonafide.ActDecide, Decision: bonafide.DecideStrategyDiscussion,
			Reason: "a child in danger now: strategy discussion today", Seen: v.CaseRowView.Events}, http.StatusOK)
		if v.State != bonafide.CaseDecided {
			t.Errorf("strategy discussion on immediate = %s; want decided at once", v.State)
		}
		for _, ag := range bonafide.UniversalServices {
			if n := notificationOf(v, ag, bonafide.NoteCheck); n.Status != bonafide.NotePlanned || n.Basis != bonafide.BasisSection47 {
				t.Errorf("check with %s for a strategy discussion = %+v; want planned at once on the section 47 basis", ag, n)
			}
		}
		if n := notificationOf(v, bonafide.AgencyPolice, bonafide.NoteInform); n.Status != bonafide.NotePlanned {
			t.Errorf("police = %+v; want informed for a strategy discussion", n)
		}
		w.act(t, w.worker, "SIGN-1", CaseActionRequest{Action: bonafide.ActDecide, Decision: bonafide.DecideAssessment, Reason: "long enough reason"}, http.StatusConflict)
		w.act(t, w.worker, "SIGN-1", CaseActionRequest{Action: "erase"}, http.StatusBadRequest)
	})
}
