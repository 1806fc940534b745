package postgres

import (
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
