package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"bonafide"
	"bonafide/interchange"
)

// linkedReporter is the reporter of the referrals TestReporterLinks links:
// generated, and planted so that the tests can grep for it.
var linkedReporter = map[string]any{
	"given_name": "Ottoline", "family_name": "Brackenridge",
	"email": "o.brackenridge@example.net", "phone": "07700 900461", "relationship": "neighbour",
	"contact_ip": "203.0.113.57",
}

// sameNetwork is another person who wrote from the same address as
// linkedReporter (a shared office or café network): an address alone
// does not make them the same reporter.
var sameNetwork = map[string]any{
	"given_name": "Marigold", "family_name": "Thistlewood", "email": "m.thistlewood@example.org",
	"contact_ip": "203.0.113.57",
}

// reporterReferral is referral(id) with reporter rep (nil for anonymous).
func reporterReferral(id string, rep map[string]any) map[string]any {
	r := referral(id)
	if rep == nil {
		delete(r, "reporter")
	} else {
		r["reporter"] = rep
	}
	return r
}

// outcome is an interchange outcome record of referral id.
func outcome(id string, f bonafide.Finding) map[string]any {
	return map[string]any{"type": "outcome", "referral_id": id, "decided_at": "2025-04-01T12:00:00Z",
		"decision": "assessment", "finding": string(f)}
}

// receivedOn returns r received at 09:15 UTC on the given day of March
// 2025, so that a test can order referrals.
func receivedOn(r map[string]any, day int) map[string]any {
	r["received_at"] = fmt.Sprintf("2025-03-%02dT09:15:00Z", day)
	return r
}

// seedLinked imports four earlier referrals from linkedReporter (two found
// false, one substantiated, one pending; LINK-3 stored before LINK-2, which
// it was received after), one from someone else, one anonymous, one from
// another person at the same address, the referral under view, LINK-NOW,
// from linkedReporter again; then LINK-SAME from linkedReporter received
// at the same instant as LINK-NOW, and LINK-LATER from linkedReporter after
// both, found unfounded. Storage order and received_at differ, so that what
// counts is received_at among the referrals triaged before. When e has a
// triage service, it triages them.
func seedLinked(t *testing.T, e *authEnv) {
	t.Helper()
	other := map[string]any{"given_name": "Perpetua", "family_name": "Venn", "email": "pv@example.com"}
	body := jsonLines(t,
		receivedOn(reporterReferral("LINK-1", linkedReporter), 1), outcome("LINK-1", bonafide.FindingMalicious),
		receivedOn(reporterReferral("LINK-3", linkedReporter), 3), outcome("LINK-3", bonafide.FindingSubstantiated),
		receivedOn(reporterReferral("LINK-2", linkedReporter), 2), outcome("LINK-2", bonafide.FindingUnfounded),
		receivedOn(reporterReferral("LINK-4", linkedReporter), 4),
		receivedOn(reporterReferral("LINK-OTHER", other), 5), outcome("LINK-OTHER", bonafide.FindingUnfounded),
		receivedOn(reporterReferral("LINK-ANON", nil), 5),
		receivedOn(reporterReferral("LINK-NET", sameNetwork), 5), outcome("LINK-NET", bonafide.FindingMalicious),
		receivedOn(reporterReferral("LINK-NOW", linkedReporter), 10),
		receivedOn(reporterReferral("LINK-SAME", linkedReporter), 10),
		receivedOn(reporterReferral("LINK-LATER", linkedReporter), 20), outcome("LINK-LATER", bonafide.FindingUnfounded),
	)
	sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
	resp, data := e.send(t, "POST", "/api/v1/import", "application/x-ndjson", body, creds{token: e.token(t, sender)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import = %d; %s", resp.StatusCode, data)
	}
	if e.triage != nil {
		e.catchUp(t)
	}
}

// TestReporterLinks checks that a social worker learns which earlier
// referrals the reporter is linked to and what they were found to be, but
// never who the reporter is. Only referrals received before the one in
// view count: not later ones, nor one received at the same instant, in
// either direction.
func TestReporterLinks(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			e := newAuthEnv(t, envOptions{open: be.open, triage: true})
			seedLinked(t, e)
			worker := mustUser(t, e.users, "wes", bonafide.RoleSocialWorker)
			c := creds{cookie: e.freshSession(t, worker)}
			tests := []struct {
				id   string
				want ReporterLinks
			}{
				{"LINK-NOW", ReporterLinks{Linked: 4, FoundFalse: 2, Findings: map[string]int{"malicious": 1, "unfounded": 1, "substantiated": 1, "pending": 1}}},
				{"LINK-SAME", ReporterLinks{Linked: 4, FoundFalse: 2, Findings: map[string]int{"malicious": 1, "unfounded": 1, "substantiated": 1, "pending": 1}}},
				{"LINK-LATER", ReporterLinks{Linked: 6, FoundFalse: 2, Findings: map[string]int{"malicious": 1, "unfounded": 1, "substantiated": 1, "pending": 3}}},
				{"LINK-2", ReporterLinks{Linked: 1, FoundFalse: 1, Findings: map[string]int{"malicious": 1}}},
				{"LINK-1", ReporterLinks{Linked: 0, Findings: map[string]int{}}},
				{"LINK-OTHER", ReporterLinks{Linked: 0, Findings: map[string]int{}}},
				{"LINK-ANON", ReporterLinks{Linked: 0, Findings: map[string]int{}}},
				{"LINK-NET", ReporterLinks{Linked: 0, Findings: map[string]int{}}},
			}
			for _, tt := range tests {
				resp, body := e.send(t, "GET", "/api/v1/referrals/"+tt.id+"/reporter/links", "", nil, c)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("links of %s = %d; %s", tt.id, resp.StatusCode, body)
				}
				var got ReporterLinks
				decodeInto(t, body, &got)
				if got.Linked != tt.want.Linked || got.AboutFamily != tt.want.Linked || got.FoundFalse != tt.want.FoundFalse ||
					!equalCounts(got.Findings, tt.want.Findings) || len(got.Referrals) != tt.want.Linked {
					t.Errorf("links of %s = %+v, want %+v, all about the family", tt.id, got, tt.want)
				}
				// Which referrals, never who.
				for _, leak := range []string{"Ottoline", "Brackenridge", "brackenridge", "900461", "203.0.113"} {
					if strings.Contains(string(body), leak) {
						t.Errorf("links of %s name %q: %s", tt.id, leak, body)
					}
				}
			}
			if resp, body := e.send(t, "GET", "/api/v1/referrals/NO-SUCH/reporter/links", "", nil, c); resp.StatusCode != http.StatusNotFound {
				t.Errorf("links of an unknown referral = %d, want 404; %s", resp.StatusCode, body)
			}
			got := findEntries(e.entries(t), "reporter.links")
			if len(got) != len(tests) || got[0].Who != "user:wes" || got[0].Object != "LINK-NOW" {
				t.Errorf("audit reporter.links = %+v, want %d entries by user:wes, the first of LINK-NOW", got, len(tests))
			}
			checkNoReporterData(t, e, linkedReporter)
		})
	}
}

// TestReporterLinksProfessional checks that colleagues who report from
// one organisation's phone and mailbox are not linked to each other: a
// professional links by name with organisation, or by an e-mail address
// that bears their own family name.
func TestReporterLinksProfessional(t *testing.T) { forBackends(t, testReporterLinksProfessional) }

func testReporterLinksProfessional(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open, triage: true})
	school := map[string]any{"line1": "Kessington Primary, Mill Lane", "town": "Kessington", "postcode": "KX3 4AB"}
	teacher := func(given, family, email string, addr map[string]any) map[string]any {
		r := map[string]any{"given_name": given, "family_name": family, "relationship": "teacher",
			"organisation": "Kessington Primary", "phone": "01632 960123", "email": email}
		if addr != nil {
			r["address"] = addr
		}
		return r
	}
	office := "office@kessington-primary.example"
	body := jsonLines(t,
		receivedOn(reporterReferral("PRO-A1", teacher("Hester", "Quenby", office, school)), 1), outcome("PRO-A1", bonafide.FindingUnfounded),
		receivedOn(reporterReferral("PRO-B1", teacher("Ambrose", "Pell", office, school)), 2), outcome("PRO-B1", bonafide.FindingMalicious),
		receivedOn(reporterReferral("PRO-A2", teacher("Hester", "Quenby", office, school)), 3),
		receivedOn(reporterReferral("PRO-C1", teacher("Clemency", "Fairweather", "c.fairweather@kessington-primary.example", school)), 4),
		receivedOn(reporterReferral("PRO-C2", teacher("Clem", "Fairweather", "c.fairweather@kessington-primary.example", nil)), 5),
	)
	sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
	if resp, data := e.send(t, "POST", "/api/v1/import", "application/x-ndjson", body, creds{token: e.token(t, sender)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("import = %d; %s", resp.StatusCode, data)
	}
	e.catchUp(t)
	worker := mustUser(t, e.users, "wes", bonafide.RoleSocialWorker)
	c := creds{cookie: e.freshSession(t, worker)}
	tests := []struct {
		id   string
		want ReporterLinks
	}{
		{"PRO-B1", ReporterLinks{Linked: 0, Findings: map[string]int{}}},
		{"PRO-A2", ReporterLinks{Linked: 1, FoundFalse: 1, Findings: map[string]int{"unfounded": 1}}},
		{"PRO-C2", ReporterLinks{Linked: 1, Findings: map[string]int{"pending": 1}}},
	}
	for _, tt := range tests {
		resp, body := e.send(t, "GET", "/api/v1/referrals/"+tt.id+"/reporter/links", "", nil, c)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("links of %s = %d; %s", tt.id, resp.StatusCode, body)
		}
		var got ReporterLinks
		decodeInto(t, body, &got)
		if got.Linked != tt.want.Linked || got.FoundFalse != tt.want.FoundFalse || !equalCounts(got.Findings, tt.want.Findings) {
			t.Errorf("links of %s = %+v, want %+v", tt.id, got, tt.want)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkNoReporterData fails t if any value of rep is in the server log or
// the audit log.
func checkNoReporterData(t *testing.T, e *authEnv, rep map[string]any) {
	t.Helper()
	logs, audit := strings.ToLower(e.logs.String()), strings.ToLower(e.rawAudit(t))
	for k, v := range rep {
		s, _ := v.(string)
		if k == "relationship" || s == "" {
			continue
		}
		s = strings.ToLower(s)
		if strings.Contains(logs, s) {
			t.Errorf("server log holds reporter %s %q", k, s)
		}
		if strings.Contains(audit, s) {
			t.Errorf("audit log holds reporter %s %q", k, s)
		}
	}
}

// unseal posts a break-glass unseal of referral id with reason.
func (e *authEnv) unseal(t *testing.T, id, reason string, c creds) (*http.Response, []byte) {
	t.Helper()
	return e.send(t, "POST", "/api/v1/referrals/"+id+"/reporter/unseal", "application/json", mustJSON(t, UnsealRequest{Reason: reason}), c)
}

const goodReason = "Police request 2026/0417 under Schedule 2: imminent risk, DPO on call authorises"

func TestReporterUnseal(t *testing.T) { forBackends(t, testReporterUnseal) }

func testReporterUnseal(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open})
	seedLinked(t, e)
	dpo, _ := e.staff(t, "dana", bonafide.RoleDPO)
	c := e.sameOrigin(creds{cookie: e.freshSession(t, dpo)})

	tests := []struct {
		name, id, reason string
		want             int
	}{
		{"no reason", "LINK-NOW", "", http.StatusBadRequest},
		{"blank reason", "LINK-NOW", "                         ", http.StatusBadRequest},
		{"short reason", "LINK-NOW", "because I must", http.StatusBadRequest},
		{"19 characters padded", "LINK-NOW", "   " + strings.Repeat("x", MinUnsealReason-1) + "   ", http.StatusBadRequest},
		{"reason too long", "LINK-NOW", strings.Repeat("why ", 300), http.StatusBadRequest},
		{"unknown referral", "NO-SUCH", goodReason, http.StatusNotFound},
		{"anonymous referral", "LINK-ANON", goodReason, http.StatusNotFound},
		{"20 characters", "LINK-1", strings.Repeat("y", MinUnsealReason), http.StatusOK},
		{"written reason", "LINK-NOW", goodReason, http.StatusOK},
	}
	before := len(e.entries(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.unseal(t, tt.id, tt.reason, c)
			if resp.StatusCode != tt.want {
				t.Fatalf("unseal = %d, want %d; %s", resp.StatusCode, tt.want, body)
			}
			if tt.want != http.StatusOK {
				if strings.Contains(string(body), "Brackenridge") {
					t.Errorf("refused unseal holds the reporter: %s", body)
				}
				if tt.want == http.StatusBadRequest {
					if p := decodeProblem(t, resp, body); len(p.Errors) != 1 || p.Errors[0].Field != "reason" {
						t.Errorf("problem errors = %+v, want one for field reason", p.Errors)
					}
				}
				return
			}
			var u Unsealed
			decodeInto(t, body, &u)
			rep, err := interchange.UnmarshalReporter(u.Reporter)
			if err != nil || u.ReferralID != tt.id || rep.FamilyName != "Brackenridge" || rep.Email != "o.brackenridge@example.net" {
				t.Fatalf("unseal = %+v (%v), want %s's reporter", u, err, tt.id)
			}
			// The answer names its audit entry, which is stored: who, what,
			// which referral, and the reason as given.
			en, _, err := e.audit.Entry(context.Background(), u.AuditEntry)
			if err != nil {
				t.Fatalf("audit entry %d: %v", u.AuditEntry, err)
			}
			if en.Who != "user:dana" || en.What != "reporter.unseal" || en.Object != tt.id || en.Why != strings.TrimSpace(tt.reason) {
				t.Errorf("audit entry %d = %+v, want dana's unseal of %s with the reason", u.AuditEntry, en, tt.id)
			}
		})
	}
	if got := len(findEntries(e.entries(t), "reporter.unseal")); got != 2 {
		t.Errorf("audit holds %d unseal entries, want 2 (refusals unseal nothing)", got)
	}
	if got := len(e.entries(t)) - before; got != 2 {
		t.Errorf("the unseal attempts added %d audit entries, want 2", got)
	}
	// The reporter's identity went to the DPO, never to a log.
	checkNoReporterData(t, e, linkedReporter)
}

// TestReporterUnsealNeedsAudit checks that the break-glass route refuses
// when nothing can record it: without an audit log, and when the audit
// log's storage refuses the entry.
func TestReporterUnsealNeedsAudit(t *testing.T) {
	t.Run("no audit log", func(t *testing.T) {
		e := newAuthEnv(t, envOptions{noAudit: true})
		seedLinked(t, e)
		dpo, _ := e.staff(t, "dana", bonafide.RoleDPO)
		resp, body := e.unseal(t, "LINK-NOW", goodReason, e.sameOrigin(creds{cookie: e.freshSession(t, dpo)}))
		if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "Brackenridge") {
			t.Errorf("unseal without an audit log = %d, want 503 without the reporter; %s", resp.StatusCode, body)
		}
	})
	// As if the disk were full: every new audit entry is refused.
	refuse := map[string][2]string{
		"sqlite": {`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
			`DROP TRIGGER refuse_audit`},
		"postgres": {`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
			CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
			`DROP TRIGGER refuse_audit ON audit_entries`},
	}
	for _, be := range backends {
		t.Run("audit storage refuses/"+be.name, func(t *testing.T) {
			e := newAuthEnv(t, envOptions{open: be.open})
			seedLinked(t, e)
			dpo, _ := e.staff(t, "dana", bonafide.RoleDPO)
			c := e.sameOrigin(creds{cookie: e.freshSession(t, dpo)})
			e.exec(t, refuse[be.name][0])
			resp, body := e.unseal(t, "LINK-NOW", goodReason, c)
			if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "Brackenridge") {
				t.Errorf("unseal with a failing audit log = %d, want 503 without the reporter; %s", resp.StatusCode, body)
			}
			// Reading a referral is a view, audited too: refused alike.
			if resp, body := e.send(t, "GET", "/api/v1/referrals/LINK-NOW", "", nil, c); resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("view with a failing audit log = %d, want 503; %s", resp.StatusCode, body)
			}
			e.exec(t, refuse[be.name][1])
			if resp, body := e.unseal(t, "LINK-NOW", goodReason, c); resp.StatusCode != http.StatusOK {
				t.Errorf("unseal once the audit log works = %d, want 200; %s", resp.StatusCode, body)
			}
		})
	}
}
