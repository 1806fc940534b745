package bonafide

import (
	"context"
	"time"
)

// TriageBacklog is the triage service's unfinished work at one safety
// level: referrals stored (each with its safety assessment) whose campaign
// assessment is not stored yet. An operator's alert on an immediate-danger
// referral left unassessed reads Oldest.
type TriageBacklog struct {
	SafetyLevel string
	Referrals   int64
	// Oldest is when the oldest of them was stored.
	Oldest time.Time
}

// OpsReader answers what an operator's dashboard asks of a store at every
// scrape, each from an index, so that asking costs little at any size.
// Both back-ends implement it beside their AssessmentStore; the
// conformance suite storetest.RunAssessments holds them to it.
type OpsReader interface {
	// TriageBacklog returns, for each safety level with referrals above
	// the last final assessment (AssessmentStore.LastAssessedSeq), how many
	// and when the oldest was stored; levels with none are left out.
	TriageBacklog(ctx context.Context) ([]TriageBacklog, error)

	// AssessmentCounts counts the final assessments (campaign and failure)
	// of referrals with Seq above after, by safety level, and returns the
	// highest Seq counted (after when there are none), so that a caller
	// counts each once by asking again from it.
	AssessmentCounts(ctx context.Context, after int64) (counts map[string]int64, last int64, err error)
}
