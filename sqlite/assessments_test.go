package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"bonafide"
	"bonafide/sqlite"
	"bonafide/storetest"
)

func TestAssessmentStore(t *testing.T) {
	storetest.RunAssessments(t, func(t *testing.T) (bonafide.Store, bonafide.AssessmentStore) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, st.Assessments()
	})
}

func TestIntake(t *testing.T) {
	storetest.RunIntake(t, func(t *testing.T, o storetest.IntakeOptions) (bonafide.Store, bonafide.AssessmentStore) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "i.db"), sqlite.Options{Migrate: true, Judge: o.Judge, Now: o.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, st.Assessments()
	})
}

func TestCases(t *testing.T) {
	storetest.RunCases(t, func(t *testing.T, o storetest.IntakeOptions) (bonafide.Store, bonafide.AssessmentStore, bonafide.CaseStore) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), sqlite.Options{Migrate: true, Judge: o.Judge, Now: o.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, st.Assessments(), st.Cases()
	})
}
