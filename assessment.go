package bonafide

import (
	"context"
	"encoding/json"
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
}

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

	// Assessment returns the latest assessment of the referral whose
	// interchange id is referralID, or ENotFound when it has none (not
	// yet triaged, or no such referral).
	Assessment(ctx context.Context, referralID string) (Assessment, error)

	// Assessments returns every assessment of the referral, latest first,
	// or ENotFound when it has none.
	Assessments(ctx context.Context, referralID string) ([]Assessment, error)

	// LastAssessedSeq returns the highest Seq of any stored assessment, or
	// 0 when there is none. Writers store assessments in sequence order
	// (the triage service does), so every referral at or below it has
	// been assessed and a writer resumes after it.
	LastAssessedSeq(ctx context.Context) (int64, error)
}
