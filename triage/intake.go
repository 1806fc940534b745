package triage

import (
	"encoding/json"
	"time"

	"bonafide"
)

// SafetyEngine names the safety judgement stored at intake, as the Engine
// of its assessment. JudgeSafety reads the referral alone, so the name
// changes only when its rules do.
const SafetyEngine = "triage safety:v1"

// PartSafety and the other Part values say, in a stored assessment's
// output, how much of the triage it holds (see bonafide.AssessmentKind).
const (
	PartSafety      = "safety"
	PartProvisional = "provisional"
	PartFailure     = "failure"
)

// SafetyOutput is the output object of a safety assessment: the triage
// output of the interchange format without its family, reporter and
// campaign parts, which follow in a later assessment, and with Part saying
// so.
type SafetyOutput struct {
	ReferralID     string    `json:"referral_id"`
	Part           string    `json:"part"`
	Safety         Safety    `json:"safety"`
	Recommendation string    `json:"recommendation"`
	DecisionDue    time.Time `json:"decision_due"`
	// Pending says, in words, what is still to come.
	Pending string `json:"pending,omitempty"`
	// Failure says why the campaign part could not be made (Part
	// "failure").
	Failure string `json:"failure,omitempty"`
}

// pendingCampaign is what a safety assessment says of its campaign part.
const pendingCampaign = "The campaign part of this assessment (family, reporter links and campaign signals) follows shortly. " +
	"It can never lower this safety level."

// IntakeJudge is a bonafide.SafetyJudge for the stores: it rates r with
// JudgeSafety and gives its decision deadline, without history, so that
// the store writes the referral's safety level in the same transaction
// as the referral. Its recommendation is the one for the safety level
// alone; the campaign assessment that follows may make it more careful
// about notifications, never less urgent.
func IntakeJudge(cal *Calendar) bonafide.SafetyJudge {
	return func(r *bonafide.Referral) (bonafide.Assessment, error) {
		return safetyAssessment(cal, r, PartSafety, pendingCampaign, "")
	}
}

// FailureAssessment is the record stored when the campaign part of r's
// assessment cannot be made or stored: the safety level, recommendation
// and deadline, and why, for staff to see. engine names the triage
// engine that failed.
func FailureAssessment(cal *Calendar, r *bonafide.Referral, engine, why string) (bonafide.Assessment, error) {
	a, err := safetyAssessment(cal, r, PartFailure, "", why)
	a.Engine = engine
	a.Kind = bonafide.KindFailure
	return a, err
}

func safetyAssessment(cal *Calendar, r *bonafide.Referral, part, pending, failure string) (bonafide.Assessment, error) {
	s := JudgeSafety(r)
	out := SafetyOutput{
		ReferralID:     r.ID,
		Part:           part,
		Safety:         s,
		Recommendation: recommend(s, false),
		DecisionDue:    cal.DecisionDue(r.ReceivedAt),
		Pending:        pending,
		Failure:        failure,
	}
	b, err := json.Marshal(out)
	if err != nil {
		return bonafide.Assessment{}, bonafide.Errorf(bonafide.EInvalid, "referral %q: its safety assessment cannot be written: %v", r.ID, err)
	}
	return bonafide.Assessment{
		ReferralID:  r.ID,
		SafetyLevel: string(s.Level),
		DecisionDue: out.DecisionDue,
		Engine:      SafetyEngine,
		Output:      b,
		Kind:        bonafide.KindSafety,
	}, nil
}
