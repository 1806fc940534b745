package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"bonafide"
)

// OpenApprovals returns a new, empty ApprovalStore for t, closed in a
// t.Cleanup.
type OpenApprovals func(t *testing.T) bonafide.ApprovalStore

// RunApprovals runs the conformance suite of [bonafide.ApprovalStore]:
// approvals round-trip pending, list per user and newest first, and are
// approved once only, even by two approvers at the same moment.
func RunApprovals(t *testing.T, open OpenApprovals) {
	tests := []struct {
		name string
		fn   func(*testing.T, bonafide.ApprovalStore)
	}{
		{"RoundTrip", testApprovalRoundTrip},
		{"List", testApprovalList},
		{"ApproveOnce", testApprovalOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func approval(userID int64, kind bonafide.AccountApprovalKind) bonafide.AccountApproval {
	a := bonafide.AccountApproval{Kind: kind, UserID: userID, UserName: "olga", Reason: "Deputy DPO while the DPO is on leave (IG-2291)",
		RequestedBy: "user:ada", Requested: t0.Add(123456789 * time.Nanosecond), Expires: t0.Add(bonafide.AccountApprovalTTL)}
	if kind == bonafide.ApprovalRoleGrant {
		a.Role = bonafide.RoleDPO
	}
	return a
}

func testApprovalRoundTrip(t *testing.T, as bonafide.ApprovalStore) {
	ctx := context.Background()
	want := approval(7, bonafide.ApprovalRoleGrant)
	want.ApprovedBy = "user:bob" // ignored: a new approval is pending
	a, err := as.CreateApproval(ctx, want)
	if err != nil {
		t.Fatalf("CreateApproval = %v", err)
	}
	got, err := as.Approval(ctx, a.ID)
	if err != nil {
		t.Fatalf("Approval(%d) = %v", a.ID, err)
	}
	if got.ID == 0 || got.Kind != want.Kind || got.UserID != 7 || got.UserName != "olga" || got.Role != bonafide.RoleDPO ||
		got.Reason != want.Reason || got.RequestedBy != "user:ada" || !got.Pending() || !got.Approved.IsZero() ||
		!got.Requested.Equal(t0.Add(123456*time.Microsecond)) || !got.Expires.Equal(want.Expires) {
		t.Errorf("Approval = %+v, want %+v, pending, times to the microsecond", got, want)
	}
	_, err = as.Approval(ctx, a.ID+1000)
	wantCode(t, "Approval(missing)", err, bonafide.ENotFound)
	wantCode(t, "MarkApproved(missing)", as.MarkApproved(ctx, a.ID+1000, "user:bob", t0), bonafide.ENotFound)

	at := t0.Add(time.Hour)
	if err := as.MarkApproved(ctx, a.ID, "user:bob", at); err != nil {
		t.Fatalf("MarkApproved = %v", err)
	}
	got, err = as.Approval(ctx, a.ID)
	if err != nil || got.Pending() || got.ApprovedBy != "user:bob" || !got.Approved.Equal(at) {
		t.Errorf("after MarkApproved: %+v, %v; want approved by user:bob at %v", got, err, at)
	}
	wantCode(t, "MarkApproved(again)", as.MarkApproved(ctx, a.ID, "user:carol", at), bonafide.EConflict)
	if got, _ := as.Approval(ctx, a.ID); got.ApprovedBy != "user:bob" {
		t.Errorf("a second MarkApproved changed the approver to %q", got.ApprovedBy)
	}
}

func testApprovalList(t *testing.T, as bonafide.ApprovalStore) {
	ctx := context.Background()
	var ids []int64
	for _, a := range []bonafide.AccountApproval{approval(1, bonafide.ApprovalRoleGrant), approval(2, bonafide.ApprovalPasswordReset), approval(1, bonafide.ApprovalTOTPReset)} {
		got, err := as.CreateApproval(ctx, a)
		if err != nil {
			t.Fatalf("CreateApproval = %v", err)
		}
		ids = append(ids, got.ID)
	}
	tests := []struct {
		name string
		user int64
		want []int64
	}{
		{"everyone's", 0, []int64{ids[2], ids[1], ids[0]}},
		{"user 1", 1, []int64{ids[2], ids[0]}},
		{"user 2", 2, []int64{ids[1]}},
		{"nobody's", 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := as.Approvals(ctx, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, a := range list {
				got = append(got, a.ID)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Approvals(%d) = %v, want %v", tt.user, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("Approvals(%d) = %v, want %v", tt.user, got, tt.want)
				}
			}
		})
	}
}

// testApprovalOnce: two approvers at once; exactly one succeeds, the other
// is told it was approved already.
func testApprovalOnce(t *testing.T, as bonafide.ApprovalStore) {
	ctx := context.Background()
	a, err := as.CreateApproval(ctx, approval(9, bonafide.ApprovalPasswordReset))
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = as.MarkApproved(ctx, a.ID, "user:approver"+string(rune('a'+i)), t0) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case bonafide.ErrorCode(err) != bonafide.EConflict:
			t.Errorf("MarkApproved racing = %v, want nil or conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d racing approvals succeeded, want 1 (%v)", ok, n, errs)
	}
}
