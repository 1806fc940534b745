package postgres

import (
	"context"
	"testing"

	"bonafide"
	"bonafide/storetest"
)

func TestAssessmentStore(t *testing.T) {
	storetest.RunAssessments(t, func(t *testing.T) (bonafide.Store, bonafide.AssessmentStore) {
		s := openMigrated(t)
		return s, s.Assessments()
	})
}

// TestAssessmentRefusedByPostgres: values PostgreSQL itself refuses (a NUL
// in a text column: a data exception, SQLSTATE class 22) are a refusal
// with code EInvalid, which the triage service leaves out, not a failure
// it would retry for ever.
func TestAssessmentRefusedByPostgres(t *testing.T) {
	s := openMigrated(t)
	a := bonafide.Assessment{ReferralID: "R\x00", Seq: 1, Engine: "e", Output: []byte(`{}`)}
	n, err := s.Assessments().PutAssessments(context.Background(), []bonafide.Assessment{a})
	if n != 0 || bonafide.ErrorCode(err) != bonafide.EInvalid {
		t.Errorf("PutAssessments(referral id with a NUL) = %d, %v; want 0 and code %s", n, err, bonafide.EInvalid)
	}
}
