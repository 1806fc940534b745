package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/synth"
	"bonafide/triage"
)

// troll is a reporter who writes from variants of one throwaway address.
var troll = map[string]any{"given_name": "Jo", "family_name": "Smithers", "email": "jo.smith84@gmail.com", "relationship": "neighbour"}

// trollVariant is troll at another provider: one person to triage's
// reporter linkage (a personal address with digits, any provider), two
// addresses to the blind index.
var trollVariant = map[string]any{"email": "josmith84@outlook.com", "relationship": "neighbour"}

// otherFamily is r about another family than referral's.
func otherFamily(r map[string]any) map[string]any {
	r["children"] = []any{map[string]any{"given_name": "Tamsin", "family_name": "Ollerenshaw", "dob": "2016-11-20", "role": "child"}}
	r["address"] = map[string]any{"line1": "3 Quarry Row", "town": "Barnsworth", "postcode": "BW9 2QQ"}
	return r
}

func narrated(r map[string]any, text string) map[string]any {
	r["narrative"] = text
	return r
}

// seedDiffer stores referrals on which the links route (blind-index tags
// of any family) and the triage assessment (triage's reporter linkage,
// this family) used to disagree: an address at another provider (RL-2),
// another family (RL-B), a relay of a call (RL-RELAY), a referral at the
// same instant as an earlier-stored one (RL-SAME), and a teacher without
// an address who is linked by name and organisation (PRO-2).
func seedDiffer(t *testing.T, e *authEnv) {
	t.Helper()
	relay := narrated(receivedOn(reporterReferral("RL-RELAY", map[string]any{"given_name": "Duty", "family_name": "Operator",
		"relationship": "member_of_public", "phone": "0808 800 5000"}), 6),
		"Caller says the boy was left alone all night and the mother was out drinking again with her friends.")
	relay["channel"] = "relay"
	relay["relayed_from"] = map[string]any{"agency": "National Helpline", "ref": "NH-1"}
	relay["received_at"] = "2025-03-06T11:15:00Z"
	teacher := map[string]any{"given_name": "Hester", "family_name": "Quenby", "relationship": "teacher", "organisation": "Kessington Primary", "phone": "01632 960123"}
	body := jsonLines(t,
		narrated(receivedOn(reporterReferral("RL-1", troll), 1), "The boy is always hungry and dirty, everyone knows the mother drinks."),
		outcome("RL-1", bonafide.FindingMalicious),
		narrated(receivedOn(reporterReferral("RL-2", trollVariant), 3), "Heard shouting from the flat late at night, a door slammed twice."),
		otherFamily(narrated(receivedOn(reporterReferral("RL-B", troll), 4), "Another family: the girl walks to school alone in the dark.")),
		narrated(receivedOn(reporterReferral("RL-3", troll), 6), "The boy was left alone all night and the mother was out drinking again with her friends."),
		relay,
		narrated(receivedOn(reporterReferral("RL-SAME", troll), 6), "Bins overflowing at the back, flies everywhere, a smell of rot."),
		narrated(receivedOn(reporterReferral("PRO-1", teacher), 7), "Rowan came in without lunch on Monday and Tuesday."),
		narrated(receivedOn(reporterReferral("PRO-2", teacher), 8), "Rowan fell asleep in class twice this week and was late."),
	)
	sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
	if resp, data := e.send(t, "POST", "/api/v1/import", "application/x-ndjson", body, creds{token: e.token(t, sender)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("import = %d; %s", resp.StatusCode, data)
	}
	e.catchUp(t)
}

// storedOutput is the part of a stored triage output these tests read.
type storedOutput struct {
	Reporter      string               `json:"reporter"`
	RelayOf       string               `json:"relay_of"`
	ReporterLinks triage.ReporterLinks `json:"reporter_links"`
	Campaign      struct {
		Reasons []triage.Reason `json:"reasons"`
	} `json:"campaign"`
}

func storedAssessment(t *testing.T, e *authEnv, id string) storedOutput {
	t.Helper()
	a, err := e.assessments.Assessment(context.Background(), id)
	if err != nil {
		t.Fatalf("assessment of %s: %v", id, err)
	}
	if a.Kind.OrDefault() != bonafide.KindCampaign {
		t.Fatalf("assessment of %s is of kind %s, want campaign", id, a.Kind)
	}
	var out storedOutput
	if err := json.Unmarshal(a.Output, &out); err != nil {
		t.Fatalf("assessment of %s: %v", id, err)
	}
	return out
}

var repeatCount = regexp.MustCompile(`^the reporter is linked to (\d+) earlier referral\(s\) about this family`)

// repeatEvidence returns the count reporter_repeat's evidence gives and
// the evidence, or -1 when the signal did not fire.
func repeatEvidence(t *testing.T, o storedOutput) (int, string) {
	t.Helper()
	for _, r := range o.Campaign.Reasons {
		if r.Signal != triage.SigReporterRepeat {
			continue
		}
		m := repeatCount.FindStringSubmatch(r.Evidence)
		if m == nil {
			t.Fatalf("reporter_repeat evidence %q: no count", r.Evidence)
		}
		n, _ := strconv.Atoi(m[1])
		return n, r.Evidence
	}
	return -1, ""
}

// campaignSign reports whether o has a sign of a campaign in the referral
// itself besides reporter_repeat.
func campaignSign(o storedOutput) bool {
	return slices.ContainsFunc(triage.ReferralSignals, func(s triage.Signal) bool { return s != triage.SigReporterRepeat && hasSignal(o, s) })
}

func hasSignal(o storedOutput, s triage.Signal) bool {
	return slices.ContainsFunc(o.Campaign.Reasons, func(r triage.Reason) bool { return r.Signal == s })
}

// links asks the route about id.
func (e *authEnv) links(t *testing.T, id string, c creds) (ReporterLinks, []byte) {
	t.Helper()
	resp, body := e.send(t, "GET", "/api/v1/referrals/"+id+"/reporter/links", "", nil, c)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("links of %s = %d; %s", id, resp.StatusCode, body)
	}
	var got ReporterLinks
	decodeInto(t, body, &got)
	return got, body
}

// checkAgrees fails t unless the route's answer got for id is what the
// stored assessment o counted: the same counts and the same referrals,
// and reporter_repeat's count is the part about this family.
func checkAgrees(t *testing.T, id string, got ReporterLinks, o storedOutput) {
	t.Helper()
	sl := o.ReporterLinks
	if got.Linked != sl.Linked || got.AboutFamily != sl.AboutFamily || len(got.Referrals) != len(sl.Referrals) {
		t.Errorf("links of %s = %d (%d about the family, %d named), assessment %d (%d, %d)",
			id, got.Linked, got.AboutFamily, len(got.Referrals), sl.Linked, sl.AboutFamily, len(sl.Referrals))
		return
	}
	for i, l := range sl.Referrals {
		if g := got.Referrals[i]; g.ID != l.ID || g.AboutFamily != l.AboutFamily {
			t.Errorf("links of %s: referral %d = %+v, assessment %+v", id, i, g, l)
		}
	}
	n, ev := repeatEvidence(t, o)
	switch {
	case n >= 0 && n != sl.AboutFamily:
		t.Errorf("%s: reporter_repeat counts %d earlier referrals about the family, reporter_links %d: %s", id, n, sl.AboutFamily, ev)
	case n < 0 && sl.AboutFamily > 0 && !hasSignal(o, triage.SigProfessional) && campaignSign(o):
		// Reporting a family again counts only beside another sign in the
		// referral itself (triage's gatePersistence): a persistent genuine
		// reporter alone scores nothing for it.
		t.Errorf("%s: reporter_links counts %d about the family beside another sign of a campaign, reporter_repeat did not fire", id, sl.AboutFamily)
	}
	// The evidence names the newest of them, as the route does.
	shown := 0
	for _, l := range sl.Referrals {
		if l.AboutFamily && n >= 0 && shown < 3 {
			shown++
			if !strings.Contains(ev, l.ID+" (received") {
				t.Errorf("%s: reporter_repeat evidence does not name %s: %s", id, l.ID, ev)
			}
		}
	}
}

// TestReporterLinksAgree checks, on each case where they used to differ,
// that the links route gives what the stored assessment counted, and
// what that is.
func TestReporterLinksAgree(t *testing.T) { forBackends(t, testReporterLinksAgree) }

func testReporterLinksAgree(t *testing.T, open opener) {
	e := newAuthEnv(t, envOptions{open: open, triage: true})
	seedDiffer(t, e)
	worker := mustUser(t, e.users, "wes", bonafide.RoleSocialWorker)
	c := creds{cookie: e.freshSession(t, worker)}
	tests := []struct {
		name, id    string
		ids         []string // newest first
		aboutFamily int
	}{
		{"first referral", "RL-1", nil, 0},
		{"an address at another provider", "RL-2", []string{"RL-1"}, 1},
		{"another family: counted in all, not about the family", "RL-B", []string{"RL-2", "RL-1"}, 0},
		{"every family", "RL-3", []string{"RL-B", "RL-2", "RL-1"}, 2},
		{"a relay is its original's call", "RL-RELAY", []string{"RL-B", "RL-2", "RL-1"}, 2},
		{"the same instant is not earlier, a relay is no second referral", "RL-SAME", []string{"RL-B", "RL-2", "RL-1"}, 2},
		{"a teacher", "PRO-1", nil, 0},
		{"a teacher by name and organisation", "PRO-2", []string{"PRO-1"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body := e.links(t, tt.id, c)
			var ids []string
			for _, l := range got.Referrals {
				ids = append(ids, l.ID)
			}
			if got.Linked != len(tt.ids) || got.AboutFamily != tt.aboutFamily || !slices.Equal(ids, tt.ids) {
				t.Errorf("links of %s = %d linked %v, %d about the family; want %v, %d", tt.id, got.Linked, ids, got.AboutFamily, tt.ids, tt.aboutFamily)
			}
			checkAgrees(t, tt.id, got, storedAssessment(t, e, tt.id))
			for _, leak := range []string{"Smithers", "smith84", "Quenby", "960123", "Operator"} {
				if strings.Contains(strings.ToLower(string(body)), strings.ToLower(leak)) {
					t.Errorf("links of %s name %q: %s", tt.id, leak, body)
				}
			}
		})
	}
	if o := storedAssessment(t, e, "RL-RELAY"); o.RelayOf != "RL-3" {
		t.Errorf("RL-RELAY relay_of = %q, want RL-3", o.RelayOf)
	}
	// What they were found to be is read when asked: RL-1 was found malicious.
	if got, _ := e.links(t, "RL-2", c); got.FoundFalse != 1 || got.Findings["malicious"] != 1 || got.Referrals[0].Finding != "malicious" {
		t.Errorf("links of RL-2 = %+v, want RL-1 found malicious", got)
	}
	checkNoReporterData(t, e, troll)
}

// TestReporterLinksOnStream checks, for every referral of a generated
// stream imported through the API, that the links route answers what the
// stored assessment counted (reporter_links and reporter_repeat's
// evidence), that this is what the engine gives for the stream on its
// own (`bonafide triage --in`), and that every referral named was
// received strictly before and is no relay.
func TestReporterLinksOnStream(t *testing.T) { forBackends(t, testReporterLinksOnStream) }

func testReporterLinksOnStream(t *testing.T, open opener) {
	var stream bytes.Buffer
	// Many public families, many of them targeted: trolls who report
	// several families, relays and professionals all occur.
	if _, err := synth.Generate(context.Background(), synth.Config{Seed: 7, Families: 400, Months: 12,
		PublicShare: 0.4, TargetedShare: 0.5, TempDir: t.TempDir()}, &stream, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	want := engineSays(t, stream.Bytes())
	received := map[string]time.Time{}
	for rec, err := range interchange.NewReader(bytes.NewReader(stream.Bytes())).All() {
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := rec.(*bonafide.Referral); ok {
			received[r.ID] = r.ReceivedAt
		}
	}

	e := newAuthEnv(t, envOptions{open: open, triage: true})
	sender := mustUser(t, e.users, "sender", bonafide.RoleIntakeMachine)
	if resp, data := e.send(t, "POST", "/api/v1/import", "application/x-ndjson", stream.Bytes(), creds{token: e.token(t, sender)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("import = %d; %s", resp.StatusCode, data)
	}
	e.catchUp(t)
	worker := mustUser(t, e.users, "wes", bonafide.RoleSocialWorker)
	c := creds{cookie: e.freshSession(t, worker)}
	relays := map[string]bool{}
	stored := map[string]storedOutput{}
	for id := range want {
		stored[id] = storedAssessment(t, e, id)
		if stored[id].RelayOf != "" {
			relays[id] = true
		}
	}
	var linked, aboutFamily, crossFamily, relayLinked, repeats int
	for id, line := range want {
		o := stored[id]
		got, _ := e.links(t, id, c)
		checkAgrees(t, id, got, o)
		var alone storedOutput
		if err := json.Unmarshal(line, &alone); err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, alone.ReporterLinks), mustJSON(t, o.ReporterLinks); !bytes.Equal(a, b) {
			t.Errorf("%s: served reporter_links %s, the engine alone %s", id, b, a)
		}
		for _, l := range got.Referrals {
			if !received[l.ID].Before(received[id]) || relays[l.ID] {
				t.Errorf("%s (received %s) is linked to %s (received %s, relay %v): not an earlier referral",
					id, received[id].Format(time.RFC3339), l.ID, received[l.ID].Format(time.RFC3339), relays[l.ID])
			}
		}
		linked += got.Linked
		aboutFamily += got.AboutFamily
		if got.Linked > got.AboutFamily {
			crossFamily++
		}
		if relays[id] && got.Linked > 0 {
			relayLinked++
		}
		if n, _ := repeatEvidence(t, o); n > 0 {
			repeats++
		}
	}
	t.Logf("%d referrals: %d links, %d about the family; %d referrals linked across families, %d relays with links, %d reporter_repeat",
		len(want), linked, aboutFamily, crossFamily, relayLinked, repeats)
	// The stream must exercise what it is for.
	if repeats == 0 || crossFamily == 0 || len(relays) == 0 {
		t.Errorf("the generated stream has %d repeats, %d cross-family links, %d relays: too few to test with", repeats, crossFamily, len(relays))
	}
}

// TestReporterLinksNotTriaged checks that a referral whose campaign
// assessment is not stored yet gets no answer (404, "not triaged yet", as
// the assessment route answered before the campaign part), rather than a
// count made another way.
func TestReporterLinksNotTriaged(t *testing.T) {
	e := newAuthEnv(t, envOptions{})
	seedLinked(t, e)
	worker := mustUser(t, e.users, "wes", bonafide.RoleSocialWorker)
	resp, body := e.send(t, "GET", "/api/v1/referrals/LINK-NOW/reporter/links", "", nil, creds{cookie: e.freshSession(t, worker)})
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "not been triaged yet") {
		t.Errorf("links before triage = %d, want 404 saying it is not triaged yet; %s", resp.StatusCode, body)
	}
}
