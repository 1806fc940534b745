package disclosure_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/disclosure"
	"bonafide/storetest"
)

// sarReferrals are referrals about the Orrery family whose narratives give
// their writer away by context, and name another person.
func sarReferrals() []*bonafide.Referral {
	a := storetest.Referral("S-1")
	a.Narrative = "I'm her neighbour at no. 12 and I hear the baby crying every night. Pim was outside in the cold on Tuesday. " +
		"Call Quorra on 07700 900123 if you need more. I live across the road and see them most days. Her friend Bryony Tallis was there too."
	a.Adults = append(a.Adults, bonafide.Person{GivenName: "Bryony", FamilyName: "Tallis", Role: bonafide.RoleOther})
	b := storetest.Referral("S-2")
	b.ReceivedAt = b.ReceivedAt.Add(48 * time.Hour)
	b.Reporter = &bonafide.Reporter{GivenName: "Wystan", FamilyName: "Pellingrove", Email: "w.pellingrove@bonafide-plant.invalid",
		Organisation: "Hillside Primary", Relationship: bonafide.RelTeacher}
	b.Narrative = "Pim came to school without a coat. As her teacher at Hillside Primary I noticed she was hungry. Mr Pellingrove can be reached at the school."
	return []*bonafide.Referral{a, b}
}

// sarMarks are the values of sarReferrals' reporters, none of which may
// appear in a bundle, and the context that gives them away.
var sarMarks = append(storetest.ReporterMarks(), "Wystan", "Pellingrove", "w.pellingrove@bonafide-plant.invalid", "Hillside Primary",
	"neighbour", "no. 12", "teacher", "across the road")

func TestSARBundle(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("the bundle test reads the PDF with pdftotext (apt-get install poppler-utils)")
	}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			ctx := context.Background()
			for _, r := range sarReferrals() {
				if _, err := e.store.Add(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			open := bonafide.SAR{Requester: bonafide.SARPerson{GivenName: "Dace", FamilyName: "Orrery"},
				Children: []bonafide.SARPerson{{GivenName: "Pim", FamilyName: "Orrery"}}, Referrals: []string{"S-1", "S-2"},
				Received: time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)}
			_, err := e.svc.OpenSAR(ctx, liaison, open)
			wantCode(t, "OpenSAR by the police liaison", err, bonafide.EForbidden)
			bad := open
			bad.Referrals = nil
			_, err = e.svc.OpenSAR(ctx, dpo1, bad)
			wantCode(t, "OpenSAR naming nothing", err, bonafide.EInvalid)
			sar, err := e.svc.OpenSAR(ctx, dpo1, open)
			if err != nil {
				t.Fatal(err)
			}
			// 31 January + one calendar month is the last day of February.
			if due := sar.Due(e.clock.t); !due.Equal(time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC)) {
				t.Errorf("Due = %v, want 28 February", due)
			}
			codes := map[string]bonafide.RedactionCode{}
			var contextPart, thirdParty, locked string
			for _, d := range sar.Documents {
				for _, p := range d.Parts {
					for _, m := range storetest.ReporterMarks() {
						if strings.Contains(p.Text, m) {
							t.Errorf("stored part %s holds reporter value %q: %q", p.ID, m, p.Text)
						}
					}
					codes[p.Text] = p.Code
					switch {
					case strings.Contains(p.Text, "no. 12"):
						contextPart = p.ID
					case strings.Contains(p.Text, "Bryony Tallis was there"):
						thirdParty = p.ID
					case p.Locked && locked == "":
						locked = p.ID
					}
				}
			}
			if contextPart == "" || thirdParty == "" || locked == "" {
				t.Fatalf("parts: context %q, third party %q, locked %q; documents %+v", contextPart, thirdParty, locked, sar.Documents)
			}
			if got := codes["Pim was outside in the cold on Tuesday."]; got != bonafide.RedactNone {
				t.Errorf("the allegation itself is %q, want shown", got)
			}
			// The reviewer may change any redaction but a reporter's detail.
			_, err = e.svc.Redact(ctx, dpo2, sar.ID, disclosure.SARChange{Part: locked, Reason: "the requester says she knows who it was"})
			wantCode(t, "releasing a reporter's detail", err, bonafide.EForbidden)
			if sar, err = e.svc.Redact(ctx, dpo2, sar.ID, disclosure.SARChange{Part: thirdParty, Code: bonafide.RedactNone,
				Reason: "Ms Tallis consented in writing to disclosure"}); err != nil {
				t.Fatal(err)
			}
			// The clock stops while clarifying and is extended.
			if sar, err = e.svc.Clarify(ctx, dpo1, sar.ID, true, "asked which years she means"); err != nil {
				t.Fatal(err)
			}
			e.clock.t = e.clock.t.Add(72 * time.Hour)
			if sar, err = e.svc.Clarify(ctx, dpo1, sar.ID, false, "she answered"); err != nil {
				t.Fatal(err)
			}
			if sar, err = e.svc.Extend(ctx, dpo1, sar.ID, 2, "records from several agencies must be gathered"); err != nil {
				t.Fatal(err)
			}
			if due := sar.Due(e.clock.t); !due.Equal(time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC).Add(72 * time.Hour)) {
				t.Errorf("Due after extension and stop = %v, want 30 April plus three days", due)
			}
			_, err = e.svc.Extend(ctx, dpo1, sar.ID, 1, "more records again from several agencies")
			wantCode(t, "a third month", err, bonafide.EInvalid)
			_, err = e.svc.Produce(ctx, dpo1, sar.ID)
			wantCode(t, "Produce before sign-off", err, bonafide.EConflict)
			if sar, err = e.svc.SignOff(ctx, dpo2, sar.ID); err != nil {
				t.Fatal(err)
			}
			if sar, err = e.svc.Produce(ctx, dpo1, sar.ID); err != nil {
				t.Fatal(err)
			}
			pdf, err := e.svc.Bundle(ctx, dpo1, sar.ID)
			if err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, pdf)
			for _, m := range sarMarks {
				if strings.Contains(strings.ToLower(text), strings.ToLower(m)) {
					t.Errorf("the bundle's text holds %q", m)
				}
			}
			for _, want := range []string{"Index", "Redaction log", "Pim was outside in the cold", "Bryony Tallis was there", "R1", "R2",
				"paragraph 16", "Page 1 of"} {
				if !strings.Contains(text, want) {
					t.Errorf("the bundle's text lacks %q", want)
				}
			}
			if dir := os.Getenv("BONAFIDE_SAR_PDF_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, backend+"-sar.pdf"), pdf, 0o600)
			}
		})
	}
}

// pdfText extracts a PDF's text with pdftotext.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "b.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Lines wrap: join them so that a value split at a line end is found.
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestScreenContext checks the screen of one sentence against the
// reporter of storetest.Referral (Quorra Vantablack, 07700 900123,
// q.vantablack@example.invalid, 9 Nowhere Row, a neighbour): a detail
// written another way is masked (R1), a sentence that describes the
// reporter is R2 whoever wrote it, and the allegation itself is shown.
func TestScreenContext(t *testing.T) {
	marks := disclosure.ReporterMarksForTest([]*bonafide.Referral{storetest.Referral("X-1")})
	tests := []struct {
		name, text string
		narrative  bool
		want       bonafide.RedactionCode
		gone       string // must not be in the shown text
	}{
		{"phone with +44", "Ring +44 7700 900123 after six.", true, bonafide.RedactReporter, "900123"},
		{"phone with dashes", "Ring 07700-900-123 after six.", false, bonafide.RedactReporter, "900-123"},
		{"phone with brackets", "Ring +44 (0)7700 900 123 after six.", true, bonafide.RedactReporter, "900 123"},
		{"e-mail handle", "q.vantablack posted the same on the forum.", true, bonafide.RedactReporter, "vantablack"},
		{"street without its number", "A car parked on Nowhere Row all night.", false, bonafide.RedactReporter, "Nowhere Row"},
		{"relationship in the third person", "The neighbour rang again about the shouting.", false, bonafide.RedactReporter, "neighbour"},
		{"house number", "The caller says the noise carries to number 9.", false, bonafide.RedactReporterContext, ""},
		{"a worker records who the caller is", "Caller said she lives across the road and sees them daily.", true, bonafide.RedactReporterContext, ""},
		{"referrer described", "The referrer works at the child's school.", true, bonafide.RedactReporterContext, ""},
		{"first person", "I live across the road and see them most days.", true, bonafide.RedactReporterContext, ""},
		{"the allegation", "Pim was outside in the cold on Tuesday.", true, bonafide.RedactNone, ""},
		{"a decision", "No further action: the home visit found no concerns.", true, bonafide.RedactNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shown, code, _ := disclosure.ScreenWith(marks, tt.text, tt.narrative)
			if code != tt.want {
				t.Errorf("screen(%q) = %q, want %q", tt.text, code, tt.want)
			}
			if tt.gone != "" && strings.Contains(shown, tt.gone) {
				t.Errorf("screen(%q) shows %q", tt.text, shown)
			}
		})
	}
}

// TestSARContext gathers a SAR whose records name the reporters through
// context: a concern and a worker's case note giving the phone another
// way, the e-mail's handle, the house number and street, and the details
// of a reporter triage linked to the gathered referral (from a referral
// outside the SAR). The bundle's text, extracted, holds none of them.
func TestSARContext(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("the bundle test reads the PDF with pdftotext (apt-get install poppler-utils)")
	}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			ctx := context.Background()
			refs := sarReferrals()
			refs[0].Concerns = append(refs[0].Concerns, bonafide.Concern{Category: bonafide.ConcernNeglect,
				Detail: "Ring +44 (0)7700 900 123 after six. q.vantablack on the forum says the same."})
			linked := storetest.Referral("S-9")
			linked.Reporter = &bonafide.Reporter{GivenName: "Ottoline", FamilyName: "Brask", Email: "obrask77@bonafide-plant.invalid", Phone: "07700 900456"}
			refs = append(refs, linked)
			seqs := map[string]int64{}
			for _, r := range refs {
				seq, err := e.store.Add(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				seqs[r.ID] = seq
			}
			as, ok := e.svc.Assessments.(bonafide.AssessmentStore)
			if !ok {
				t.Fatal("the test's assessment reader stores no assessments")
			}
			out := `{"campaign":{"score":0.9,"flagged":true,"reasons":[]},"reporter_links":{"referrals":[{"id":"S-9"}]}}`
			if _, err := as.PutAssessments(ctx, []bonafide.Assessment{{ReferralID: "S-1", Seq: seqs["S-1"], SafetyLevel: "standard",
				Engine: "test", Kind: bonafide.KindCampaign, Output: []byte(out)}}); err != nil {
				t.Fatal(err)
			}
			row, err := e.svc.Cases.CaseRow(ctx, "S-1")
			if err != nil {
				t.Fatal(err)
			}
			ev := bonafide.CaseEvent{N: row.Events + 1, ReferralID: "S-1", At: row.ReceivedAt.Add(time.Hour), Actor: "user:ada", Action: bonafide.ActDecide,
				Decision: bonafide.DecideNoFurtherAction, Reason: "Caller said she is the neighbour at number 9 and rang from 07700-900-123. " +
					"Ottoline rang too, from 07700900456, as obrask77. No further action after the check."}
			after := row
			after.State, after.Decision, after.Decided = bonafide.CaseDecided, ev.Decision, ev.At
			if _, _, err := e.svc.Cases.AppendCaseEvent(ctx, ev, after, nil, nil); err != nil {
				t.Fatal(err)
			}
			sar, err := e.svc.OpenSAR(ctx, dpo1, bonafide.SAR{Requester: bonafide.SARPerson{GivenName: "Dace", FamilyName: "Orrery"},
				Children: []bonafide.SARPerson{{GivenName: "Pim", FamilyName: "Orrery"}}, Referrals: []string{"S-1", "S-2"},
				Received: time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			marks := append(slices.Clone(sarMarks), "900123", "900 123", "q.vantablack", "Ottoline", "Brask", "obrask77", "900456",
				"Nowhere Row", "number 9")
			var sawNote bool
			for _, d := range sar.Documents {
				for _, p := range d.Parts {
					if strings.Contains(p.Text, "No further action after the check") {
						sawNote = p.Code == bonafide.RedactNone
					}
				}
			}
			if !sawNote {
				t.Errorf("the case note's decision sentence is not shown: %+v", sar.Documents)
			}
			if sar, err = e.svc.SignOff(ctx, dpo2, sar.ID); err != nil {
				t.Fatal(err)
			}
			if _, err = e.svc.Produce(ctx, dpo1, sar.ID); err != nil {
				t.Fatal(err)
			}
			pdf, err := e.svc.Bundle(ctx, dpo1, sar.ID)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ToLower(pdfText(t, pdf))
			for _, m := range marks {
				if strings.Contains(text, strings.ToLower(m)) {
					t.Errorf("the bundle's text holds %q", m)
				}
			}
			if !strings.Contains(text, "no further action after the check") {
				t.Error("the bundle lacks the case note's shown sentence")
			}
		})
	}
}
