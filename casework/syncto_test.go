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

// indexed waits until the index holds every record up to seq, or fails
// the test when that has not happened within a minute (a hang, not a
// speed: nothing is timed).
func indexed(t *testing.T, f *Families, seq int64) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		f.mu.Lock()
		covered, advanced := f.after >= seq, f.advanced
		f.mu.Unlock()
		if covered {
			return
		}
		select {
		case <-advanced:
		case <-deadline:
			t.Fatalf("record %d not indexed after a minute", seq)
		}
	}
}

// TestFamiliesOffer checks that a referral offered by its writer is
// indexed without reading the store, that a gap (a record stored by a
// writer who offers nothing) is read from the store, that from many
// goroutines every referral is indexed exactly once, and that a search
// finds a referral nobody offered.
func TestFamiliesOffer(t *testing.T) {
	e := newFamilyEnv(t)
	ctx := context.Background()
	st := &countingStore{Store: e.st}
	if _, err := e.svc.Families.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	f := e.svc.Families
	add := func(id string) (int64, *bonafide.Referral) {
		t.Helper()
		r := smithReferral(id, e.now.Add(-time.Hour))
		seq, err := st.Add(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return seq, r
	}
	people := f.Len()
	before := st.reads.Load()
	seq, r := add("OFFERED-1")
	f.Offer(st, seq, r)
	indexed(t, f, seq)
	if st.reads.Load() != before || f.Len() != people+2 {
		t.Errorf("after offering the next seq: %d reads, %d people; want 0 reads, %d people", st.reads.Load()-before, f.Len(), people+2)
	}

	add("OFFERED-2") // stored by another writer, never offered
	seq, r = add("OFFERED-3")
	f.Offer(st, seq, r)
	indexed(t, f, seq)
	if st.reads.Load() == before || f.Len() != people+6 {
		t.Errorf("after a gap: %d reads, %d people; want the store read, %d people", st.reads.Load()-before, f.Len(), people+6)
	}

	const writers, each = 8, 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		last int64
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := smithReferral(fmt.Sprintf("OFFERED-%d-%d", w, i), e.now.Add(-time.Hour))
				seq, err := st.Add(ctx, r)
				if err != nil {
					t.Error(err)
					return
				}
				f.Offer(st, seq, r)
				mu.Lock()
				last = max(last, seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	indexed(t, f, last)
	if got, want := f.Len(), people+2*(writers*each+3); got != want {
		t.Errorf("Families.Len() = %d, want %d (each referral once)", got, want)
	}
	if n, err := f.Sync(ctx, st); err != nil || n != 0 {
		t.Errorf("Sync after every Offer = %d, %v; want 0, nil", n, err)
	}
	f.mu.Lock()
	left := len(f.pending)
	f.mu.Unlock()
	if left != 0 {
		t.Errorf("%d offered records left pending, want none", left)
	}

	// A referral stored and never offered (an import in another process)
	// is found by the next search, which reads it from the store first.
	e.svc.Referrals = st
	kid := smithReferral("NOT-OFFERED", e.now.Add(-time.Hour))
	kid.Children[0].GivenName, kid.Children[0].NHSNumber = "Ottoline", "" // found by name alone
	if _, err := st.Add(ctx, kid); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.SearchFamilies(ctx, worker, FamilyQuery{Name: "Ottoline Smith"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, fam := range res.Families {
		for _, h := range fam.Hits {
			found = found || h.ReferralID == "NOT-OFFERED"
		}
	}
	if !found {
		t.Errorf("a search after a referral stored without an offer did not find it: %+v", res.Families)
	}
}
