package casework

import (
	"strings"
	"testing"
	"time"

	"bonafide"
)

// weekdays is a calendar without bank holidays, for the tests.
type weekdays struct{}

func (weekdays) AddWorkingDays(t time.Time, n int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 17, 0, 0, 0, time.UTC)
	for left := max(n, 1); left > 0; {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			left--
		}
	}
	return d
}

func TestPlan(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s := &Service{Calendar: weekdays{}}
	tests := []struct {
		name     string
		level    string
		flagged  bool
		decision bonafide.CaseDecision
		status   bonafide.NotificationStatus // of the universal-service checks; "" for none
		basis    bonafide.LawfulBasis
		police   bool
	}{
		{"assessment", "standard", false, bonafide.DecideAssessment, bonafide.NotePlanned, bonafide.BasisSafety, false},
		{"assessment of a flagged referral: held", "standard", true, bonafide.DecideAssessment, bonafide.NoteHeld, bonafide.BasisSafety, false},
		{"flagged but high: still held", "high", true, bonafide.DecideAssessment, bonafide.NoteHeld, bonafide.BasisSafety, false},
		{"flagged but immediate: never held", "immediate", true, bonafide.DecideAssessment, bonafide.NotePlanned, bonafide.BasisSafety, false},
		{"section 47 needs the checks now", "standard", true, bonafide.DecideSection47, bonafide.NotePlanned, bonafide.BasisSection47, true},
		{"strategy discussion", "high", false, bonafide.DecideStrategyDiscussion, bonafide.NotePlanned, bonafide.BasisSection47, true},
		{"early help: no checks", "standard", false, bonafide.DecideEarlyHelp, "", "", false},
		{"no further action: no checks", "low", false, bonafide.DecideNoFurtherAction, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := bonafide.CaseRow{ReferralID: "R1", SafetyLevel: tt.level, Flagged: tt.flagged, Score: 0.4}
			got := s.plan(row, tt.decision, now)
			checks, police := 0, false
			for _, n := range got {
				switch {
				case n.Agency == bonafide.AgencyPolice:
					police = true
				case n.Kind == bonafide.NoteCheck:
					checks++
					if n.Status != tt.status || n.Basis != tt.basis {
						t.Errorf("check with %s = %s on %s, want %s on %s", n.Agency, n.Status, n.Basis, tt.status, tt.basis)
					}
					if (n.Status == bonafide.NoteHeld) != (n.HeldReason != "") || (n.Status == bonafide.NoteHeld) != n.Due.IsZero() {
						t.Errorf("check with %s: status %s, reason %q, due %v; a held check says why and has no deadline", n.Agency, n.Status, n.HeldReason, n.Due)
					}
				}
			}
			if want := map[bool]int{true: 3, false: 0}[tt.status != ""]; checks != want || police != tt.police {
				t.Errorf("plan = %d checks, police %v; want %d, %v", checks, police, want, tt.police)
			}
		})
	}
}

func TestLetterWording(t *testing.T) {
	ag := Agency{Name: "Testbury Borough Council", Team: "Front Door", DPOEmail: "dpo@testbury.invalid", Code: "TBC"}
	r := &bonafide.Referral{ID: "R-9", ReceivedAt: time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC),
		Children: []bonafide.Person{{GivenName: "Nell", FamilyName: "Garside"}, {GivenName: "Ivo", FamilyName: "Garside"}},
		Reporter: &bonafide.Reporter{GivenName: "Secretive", FamilyName: "Sender", Email: "sender@example.invalid"}}
	now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	text := func(d Draft) string {
		return strings.Join(append([]string{d.Subject, d.Recipient}, append(d.To, d.Paragraphs...)...), "\n")
	}

	ack := text(acknowledgement(ag, r, now))
	for _, leak := range []string{"Secretive", "Sender", "sender@example.invalid", "campaign", "flag"} {
		if strings.Contains(ack, leak) {
			t.Errorf("acknowledgement says %q:\n%s", leak, ack)
		}
	}
	malicious := text(closure(ag, r, bonafide.Case{Decision: bonafide.DecideAssessment, Finding: bonafide.FindingMalicious},
		[]bonafide.Agency{bonafide.AgencySchool, bonafide.AgencyGP}, now))
	for _, want := range []string{"Nell Garside and Ivo Garside", "we believe this referral was malicious", "TBC-DPO-20260201-R-9", "dpo@testbury.invalid",
		"the school and the GP practice", "12 January 2026"} {
		if !strings.Contains(malicious, want) {
			t.Errorf("closure letter of a malicious referral lacks %q:\n%s", want, malicious)
		}
	}
	substantiated := text(closure(ag, r, bonafide.Case{Decision: bonafide.DecideAssessment, Finding: bonafide.FindingSubstantiated}, nil, now))
	if strings.Contains(substantiated, "malicious") || strings.Contains(substantiated, "TBC-DPO") {
		t.Errorf("closure letter of a substantiated referral speaks of malice or the police:\n%s", substantiated)
	}
	ret := text(retraction(ag, r, bonafide.Notification{Agency: bonafide.AgencyGP, Sent: now}, bonafide.Case{Finding: bonafide.FindingUnfounded}, now))
	if !strings.Contains(ret, "please remove any flag") && !strings.Contains(ret, "Please remove any flag") {
		t.Errorf("retraction does not ask to remove the flag:\n%s", ret)
	}
}

func TestLetterheadKeepsText(t *testing.T) {
	h := &Letterhead{} // Helvetica: Windows-1252 only
	d := Draft{ReferralID: "R-1", Kind: bonafide.LetterClosure, Recipient: "the family of Олена", To: []string{"The parent or carer of Олена"},
		Date: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Subject: "Closed", Salutation: "Dear parent or carer,",
		Paragraphs: []string{"We received a referral about Олена."}, Closing: "Yours sincerely,", Signatory: "Front Door"}
	pdf, text, err := h.Render(d, Agency{Name: "Testbury Borough Council", Team: "Front Door"})
	if err != nil || pdf != nil || !strings.Contains(text, "Олена") {
		t.Errorf("Render of a name Helvetica cannot print = %d bytes, %q, %v; want no PDF, the text, no error", len(pdf), text, err)
	}
	d.To, d.Paragraphs = []string{"The parent or carer of Nell"}, []string{"We received a referral about Nell."}
	d.Recipient = "the family of Nell"
	pdf, _, err = h.Render(d, Agency{Name: "Testbury Borough Council", Team: "Front Door"})
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("Render = %d bytes, %v; want a PDF", len(pdf), err)
	}
}
