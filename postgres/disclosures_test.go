package postgres

import (
	"context"
	"testing"

	"bonafide"
	"bonafide/storetest"
)

func TestDisclosures(t *testing.T) {
	requirePostgres(t)
	storetest.RunDisclosures(t, func(t *testing.T) bonafide.DisclosureStore {
		t.Helper()
		s, err := Open(context.Background(), testDSN(t), Options{Migrate: true})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
		})
		return s.Disclosures()
	})
}

func TestApprovals(t *testing.T) {
	requirePostgres(t)
	storetest.RunApprovals(t, func(t *testing.T) bonafide.ApprovalStore {
		t.Helper()
		s, err := Open(context.Background(), testDSN(t), Options{Migrate: true})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
		})
		return s.Approvals()
	})
}
