package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"bonafide"
	"bonafide/storetest"
)

func TestAssessmentStore(t *testing.T) {
	storetest.RunAssessments(t, func(t *testing.T) (bonafide.Store, bonafide.AssessmentStore) {
		s := openMigrated(t)
		return s, s.Assessments()
	})
}

// TestDataRefusal: a data exception from PostgreSQL (SQLSTATE class 22)
// is a refusal with code EInvalid, which the triage service leaves out,
// not a failure it would retry for ever; other errors are not.
func TestDataRefusal(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("put: %w", &pgconn.PgError{Code: "22021", Message: "invalid byte sequence"}), true},
		{&pgconn.PgError{Code: "22P05"}, true},
		{&pgconn.PgError{Code: "40001"}, false}, // serialisation failure: retry
		{&pgconn.PgError{Code: "08006"}, false}, // connection failure: retry
		{errors.New("timeout"), false},
		{nil, false},
	} {
		r := dataRefusal(tt.err)
		if got := r != nil; got != tt.want || got && bonafide.ErrorCode(r) != bonafide.EInvalid {
			t.Errorf("dataRefusal(%v) = %v; want a refusal %v with code %s", tt.err, r, tt.want, bonafide.EInvalid)
		}
	}
}

func TestIntake(t *testing.T) {
	requirePostgres(t)
	storetest.RunIntake(t, func(t *testing.T, o storetest.IntakeOptions) (bonafide.Store, bonafide.AssessmentStore) {
		t.Helper()
		s, err := Open(context.Background(), testDSN(t), Options{Migrate: true, Judge: o.Judge, Now: o.Now})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
		})
		return s, s.Assessments()
	})
}

func TestCases(t *testing.T) {
	requirePostgres(t)
	storetest.RunCases(t, func(t *testing.T, o storetest.IntakeOptions) (bonafide.Store, bonafide.AssessmentStore, bonafide.CaseStore) {
		t.Helper()
		s, err := Open(context.Background(), testDSN(t), Options{Migrate: true, Judge: o.Judge, Now: o.Now})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
		})
		return s, s.Assessments(), s.Cases()
	})
}
