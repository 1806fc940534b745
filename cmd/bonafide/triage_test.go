package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const triageStream = `{"type":"public_post","id":"PP-1","platform":"instagram","handle":"mira.quenby","posted_at":"2025-05-06T04:00:00Z","text":"Sunny barbecue, first glass of prosecco in months!","media_note":"mother holding a wine glass, toddler on a trampoline"}
{"type":"referral","id":"R1","received_at":"2025-05-06T09:00:00Z","channel":"web_form","reporter":{"anonymous":true},"knowledge_basis":"first_hand","children":[{"given_name":"Ada","family_name":"Quenby","dob":"2019-04-11"}],"adults":[{"given_name":"Mira","family_name":"Quenby","role":"mother","social_handles":[{"platform":"instagram","handle":"@mira.quenby"}]}],"concerns":[{"category":"neglect"}],"narrative":"She was drunk on prosecco at a barbecue while the toddler was on a trampoline.","immediate_danger":true}
{"type":"referral","id":"R2","received_at":"2025-05-09T16:30:00Z","channel":"email","reporter":{"given_name":"Pat","family_name":"Lowry","relationship":"teacher","organisation":"Larch Primary"},"knowledge_basis":"professional","children":[{"given_name":"Ada","family_name":"Quenby","dob":"2019-04-11"}],"concerns":[{"category":"neglect"}],"narrative":"On Monday at the school gate Ada told me she had not eaten since yesterday.","immediate_danger":false}
`

func TestTriageCommand(t *testing.T) {
	code, out, errOut := run(t, nil, triageStream, "triage")
	if code != exitOK {
		t.Fatalf("bonafide triage = exit %d, want 0; stderr %s", code, errOut)
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 2 {
		t.Fatalf("bonafide triage wrote %d lines, want 2 (one per referral)", len(got))
	}
	for _, key := range []string{"referral_id", "family", "reporter", "safety", "campaign", "recommendation", "decision_due"} {
		if _, ok := got[0][key]; !ok {
			t.Errorf("output lacks %q: %v", key, got[0])
		}
	}
	if lvl := got[0]["safety"].(map[string]any)["level"]; lvl != "immediate" {
		t.Errorf("safety.level(R1) = %v, want immediate", lvl)
	}
	if got[0]["family"] != got[1]["family"] {
		t.Errorf("family(R2) = %v, want %v", got[1]["family"], got[0]["family"])
	}
	if due := got[1]["decision_due"]; due != "2025-05-12T17:00:00+01:00" {
		t.Errorf("decision_due(R2, Friday evening) = %v, want 2025-05-12T17:00:00+01:00", due)
	}

	truth := writeFile(t, t.TempDir(), "truth.jsonl", `{"referral_id":"R1","family":"F","reporter":"A","campaign":"C1","immediate_danger":true}
{"referral_id":"R2","family":"F","reporter":"B","campaign":null,"immediate_danger":false}
`)
	code, rep, errOut := run(t, nil, out, "triage", "eval", "--truth", truth, "--json")
	if code != exitOK {
		t.Fatalf("bonafide triage eval = exit %d, want 0; stderr %s", code, errOut)
	}
	var r struct {
		Referrals      int `json:"referrals"`
		ImmediateBelow int `json:"immediate_danger_rated_below_immediate"`
		FamilyLinks    struct {
			F1 float64 `json:"f1"`
		} `json:"family_links"`
	}
	if err := json.Unmarshal([]byte(rep), &r); err != nil {
		t.Fatalf("eval output %q: %v", rep, err)
	}
	if r.Referrals != 2 || r.ImmediateBelow != 0 || r.FamilyLinks.F1 != 1 {
		t.Errorf("eval = %+v, want 2 referrals, 0 immediate below, family F1 1", r)
	}

	if code, _, _ := run(t, nil, "", "triage", "eval"); code != exitUsage {
		t.Errorf("bonafide triage eval without --truth = exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := run(t, nil, "{\"type\":\"referral\"}\n", "triage"); code != exitFailure {
		t.Errorf("bonafide triage on an invalid referral = exit %d, want %d", code, exitFailure)
	}
}
