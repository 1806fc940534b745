package bonafide

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Assessment is a triage assessment as kept with its referral: the triage
// output object of the interchange format, exactly as the engine wrote it,
// beside a few of its fields copied into columns so that a store can find
// and sort referrals by them (a worklist of flagged or immediate referrals
// by deadline) without parsing JSON.
//
// An assessment is made once, when its referral arrives, from what was known
// at the referral's received_at; it is what the social worker saw, so it is
// never changed afterwards. A later engine may add another assessment of
// the same referral; readers take the latest.
type Assessment struct {
	// ID is given by the store. IDs rise in the order assessments were
	// stored, so the latest of a referral's assessments has the highest.
	ID int64
	// ReferralID is the referral's interchange id.
	ReferralID string
	// Seq is the referral's sequence number in this store. A triage
	// service resumes after the highest Seq assessed.
	Seq int64
	// SafetyLevel is the output's safety.level: immediate, high, standard
	// or low.
	SafetyLevel string
	// Flagged and Score are the output's campaign.flagged and
	// campaign.score.
	Flagged bool
	Score   float64
	// DecisionDue is the output's decision_due.
	DecisionDue time.Time
	// Engine names what made the assessment: the triage settings (model
	// weights, threshold, windows) by digest and, when known, the build, so
	// that an assessment can be traced to the model that scored it.
	Engine string
	// Created is when the assessment was stored; the store sets it when
	// zero.
	Created time.Time
	// Output is the triage output object (interchange JSON), as the engine
	// encoded it; the store keeps it byte for byte.
	Output json.RawMessage
	// Kind says how complete the assessment is; KindCampaign when empty.
	Kind AssessmentKind
	// Family is the output's family id, which a store copies onto the
	// referral's case (CaseRow.Family) when it stores a campaign
	// assessment; it is not kept beside the assessment itself, and reads
	// leave it empty.
	Family string
}

// AssessmentKind says how much of a referral's triage an assessment holds.
// A referral's safety part is stored with it at intake and never waits for
// anything; the campaign part follows, and where it cannot be made a
// failure record says so, so that no stored referral is ever without an
// assessment beside it.
type AssessmentKind string

// Kinds of assessment, in the order in which readers prefer them: a
// reader takes the latest assessment of the most complete kind present
// (campaign and failure alike), so that a provisional assessment stored
// late never hides the full one.
const (
	// KindSafety is the safety judgement alone (triage.JudgeSafety reads
	// the referral alone), stored in the same transaction as the referral;
	// the campaign part follows.
	KindSafety AssessmentKind = "safety"
	// KindProvisional is a full assessment made against only the recent
	// history while the triage service reloads the rest after a restart;
	// its output says so, and a campaign assessment follows.
	KindProvisional AssessmentKind = "provisional"
	// KindCampaign is the full assessment: safety and campaign against
	// the whole history.
	KindCampaign AssessmentKind = "campaign"
	// KindFailure records that the campaign part could not be made or
	// stored: its output holds the safety level and the reason, for staff
	// to see. A later campaign assessment supersedes it.
	KindFailure AssessmentKind = "failure"
)

// AssessmentKinds lists the kinds, least complete first.
var AssessmentKinds = []AssessmentKind{KindSafety, KindProvisional, KindCampaign, KindFailure}

// Valid reports whether k is one of AssessmentKinds or empty (campaign).
func (k AssessmentKind) Valid() bool {
	return k == "" || slices.Contains(AssessmentKinds, k)
}

// OrDefault returns k, or KindCampaign when k is empty.
func (k AssessmentKind) OrDefault() AssessmentKind {
	if k == "" {
		return KindCampaign
	}
	return k
}

// Final reports whether an assessment of kind k ends the triage service's
// work on its referral: a campaign assessment or a failure record. The
// service resumes after the highest Seq of a final assessment.
func (k AssessmentKind) Final() bool {
	k = k.OrDefault()
	return k == KindCampaign || k == KindFailure
}

// Rank orders kinds for readers: a higher rank is preferred, the latest
// within a rank.
func (k AssessmentKind) Rank() int {
	switch k.OrDefault() {
	case KindSafety:
		return 0
	case KindProvisional:
		return 1
	}
	return 2
}

// SafetyJudge makes the safety part of a referral's assessment from the
// referral alone, without history, so that a store can write it in the
// same transaction as the referral. It returns an assessment of kind
// KindSafety whose ReferralID, Engine, SafetyLevel, DecisionDue and Output
// are set; the store sets Seq. package triage provides one (IntakeJudge).
type SafetyJudge func(r *Referral) (Assessment, error)

// Check returns an error with code EInvalid when a lacks what every stored
// assessment must have: a referral id, an engine, and output that is one
// JSON value in UTF-8, and no NUL in its text (a store keeps it byte for byte and serves it as
// JSON). Both stores check it before they write, so that they refuse the
// same assessments.
func (a *Assessment) Check() error {
	switch {
	case a.ReferralID == "":
		return Errorf(EInvalid, "assessment without a referral id")
	case a.Engine == "":
		return Errorf(EInvalid, "assessment of %s without an engine", a.ReferralID)
	case len(a.Output) == 0:
		return Errorf(EInvalid, "assessment of %s without output", a.ReferralID)
	case !utf8.Valid(a.Output) || !json.Valid(a.Output):
		return Errorf(EInvalid, "assessment of %s: output is not JSON in UTF-8", a.ReferralID)
	case strings.ContainsRune(a.ReferralID+a.Engine+a.SafetyLevel, 0):
		return Errorf(EInvalid, "assessment of %q: a NUL character, which no text column takes", a.ReferralID)
	case !a.Kind.Valid():
		return Errorf(EInvalid, "assessment of %s: kind %q is not one of %s", a.ReferralID, a.Kind, joinValues(AssessmentKinds))
	case !utf8.ValidString(a.ReferralID + a.Engine + a.SafetyLevel):
		return Errorf(EInvalid, "assessment of %q: text that is not UTF-8", a.ReferralID)
	}
	return nil
}

// AssessmentStore keeps assessments with their referrals. Both back-ends
// implement it on the same database as their Store; the conformance suite
// storetest.RunAssessments holds them to this contract.
//
// Missing rows are errors with code ENotFound, never zero values.
type AssessmentStore interface {
	// PutAssessments stores as in one transaction, in Seq order: all or
	// none. Each must name a referral stored at its Seq (else the call
	// fails with ENotFound and stores nothing) and pass Check (else
	// EInvalid). An assessment of a
	// referral by the same Engine as one already stored is skipped, not an
	// error, so that a writer that retries, or two writers running the
	// same engine, store it once. It returns how many it stored.
	PutAssessments(ctx context.Context, as []Assessment) (int, error)

	// Assessment returns the latest assessment of the most complete kind
	// (highest AssessmentKind.Rank) of the referral whose interchange id
	// is referralID, or ENotFound when it has none (no such referral, or
	// one stored without a SafetyJudge).
	Assessment(ctx context.Context, referralID string) (Assessment, error)

	// Assessments returns every assessment of the referral, latest first,
	// or ENotFound when it has none.
	Assessments(ctx context.Context, referralID string) ([]Assessment, error)

	// LastAssessedSeq returns the highest Seq of any stored final
	// assessment (KindCampaign or KindFailure; see AssessmentKind.Final),
	// or 0 when there is none. Writers store them in sequence order (the
	// triage service does), so every referral at or below it has been
	// assessed and a writer resumes after it. Safety and provisional
	// assessments do not count.
	LastAssessedSeq(ctx context.Context) (int64, error)
}
