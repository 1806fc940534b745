package casework

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestFamiliesSyncTo stores referrals from many goroutines, each bringing
// the index up to its own referral as the API does, and checks that every
// one is indexed exactly once (two people a referral) and that a writer
// whose referral is already indexed reads nothing.
func TestFamiliesSyncTo(t *testing.T) {
	e := newFamilyEnv(t)
	ctx := context.Background()
	const writers, each = 8, 10
	var wg sync.WaitGroup
	added := make(chan int, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				seq, err := e.st.Add(ctx, smithReferral(fmt.Sprintf("SYNC-%d-%d", w, i), e.now.Add(-time.Hour)))
				if err != nil {
					t.Error(err)
					return
				}
				n, err := e.svc.Families.SyncTo(ctx, e.st, seq)
				if err != nil {
					t.Error(err)
					return
				}
				added <- n
			}
		})
	}
	wg.Wait()
	close(added)
	total := 0
	for n := range added {
		total += n
	}
	if total != writers*each {
		t.Errorf("SyncTo added %d referrals in all, want %d (each once)", total, writers*each)
	}
	if got, want := e.svc.Families.Len(), 2*writers*each; got != want {
		t.Errorf("Families.Len() = %d, want %d", got, want)
	}
	n, err := e.svc.Families.SyncTo(ctx, e.st, 1)
	if err != nil || n != 0 {
		t.Errorf("SyncTo(seq 1, already indexed) = %d, %v; want 0, nil", n, err)
	}
	if n, err := e.svc.Families.Sync(ctx, e.st); err != nil || n != 0 {
		t.Errorf("Sync after every SyncTo = %d, %v; want 0, nil", n, err)
	}
}
