package sqlite

import (
	"testing"

	"bonafide"
	"bonafide/storetest"
)

func TestDisclosures(t *testing.T) {
	open := opener(Options{})
	storetest.RunDisclosures(t, func(t *testing.T) bonafide.DisclosureStore {
		return open(t).(*Store).Disclosures()
	})
}

func TestApprovals(t *testing.T) {
	open := opener(Options{})
	storetest.RunApprovals(t, func(t *testing.T) bonafide.ApprovalStore {
		return open(t).(*Store).Approvals()
	})
}
