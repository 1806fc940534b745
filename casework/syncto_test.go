package casework

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bonafide"
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

// countingStore counts the reads of records.
type countingStore struct {
	bonafide.Store
	reads atomic.Int64
}

func (c *countingStore) Records(ctx context.Context, after int64, limit int) iter.Seq2[bonafide.Stored, error] {
	c.reads.Add(1)
	return c.Store.Records(ctx, after, limit)
}

// TestFamiliesSyncStored checks that a writer holding the record it
// stored next indexes it without reading the store, that one whose
// predecessors are not indexed yet reads them, and that from many
// goroutines every referral is indexed exactly once.
func TestFamiliesSyncStored(t *testing.T) {
	e := newFamilyEnv(t)
	ctx := context.Background()
	st := &countingStore{Store: e.st}
	if _, err := e.svc.Families.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	add := func(id string) (int64, *bonafide.Referral) {
		t.Helper()
		r := smithReferral(id, e.now.Add(-time.Hour))
		seq, err := st.Add(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return seq, r
	}
	before := st.reads.Load()
	seq, r := add("STORED-1")
	if n, err := e.svc.Families.SyncStored(ctx, st, seq, r); err != nil || n != 1 || st.reads.Load() != before {
		t.Errorf("SyncStored(the next seq) = %d, %v with %d reads; want 1, nil without reading", n, err, st.reads.Load()-before)
	}
	add("STORED-2") // stored by another writer, not indexed yet
	seq, r = add("STORED-3")
	if n, err := e.svc.Families.SyncStored(ctx, st, seq, r); err != nil || n != 2 || st.reads.Load() == before {
		t.Errorf("SyncStored(after an unindexed seq) = %d, %v with %d reads; want 2 (both), nil, reading the store", n, err, st.reads.Load()-before)
	}
	const writers, each = 8, 10
	var wg sync.WaitGroup
	added := make(chan int, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := smithReferral(fmt.Sprintf("STORED-%d-%d", w, i), e.now.Add(-time.Hour))
				seq, err := st.Add(ctx, r)
				if err != nil {
					t.Error(err)
					return
				}
				n, err := e.svc.Families.SyncStored(ctx, st, seq, r)
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
		t.Errorf("SyncStored added %d referrals in all, want %d (each once)", total, writers*each)
	}
	if got, want := e.svc.Families.Len(), 2*(writers*each+3); got != want {
		t.Errorf("Families.Len() = %d, want %d", got, want)
	}
	if n, err := e.svc.Families.Sync(ctx, st); err != nil || n != 0 {
		t.Errorf("Sync after every SyncStored = %d, %v; want 0, nil", n, err)
	}
}
