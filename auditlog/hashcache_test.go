package auditlog

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestAppendHashCache appends past the cache's bound from many goroutines
// (so that it starts again empty part way) and checks the tree against
// one computed from storage alone: every stored hash an append built from
// the cache is the one storage holds, and the log verifies.
func TestAppendHashCache(t *testing.T) {
	ctx := context.Background()
	store := new(MemoryStorage)
	l, err := New(store, mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	const goroutines = 8
	per := maxCachedHashes/goroutines/2 + 100 // past the bound: about two stored hashes an entry
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range per {
				if _, err := l.Append(ctx, Entry{Who: "test", What: "test.append", Why: fmt.Sprintf("%d/%d", g, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if _, err := l.WriteCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if want := int64(goroutines * per); rep.Entries != want {
		t.Errorf("Verify read %d entries, want %d", rep.Entries, want)
	}
	// Each stored hash is what hashing the stored entries from scratch gives.
	fresh := new(MemoryStorage)
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return fresh.ReadHashes(ctx, idx) })
	n := int64(0)
	for se, err := range store.Entries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		hs, err := tlog.StoredHashes(n, se.Data, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := fresh.Append(ctx, n, [][]byte{se.Data}, hs); err != nil {
			t.Fatal(err)
		}
		n++
	}
	size := tlog.StoredHashIndex(0, n)
	idx := make([]int64, size)
	for i := range idx {
		idx[i] = int64(i)
	}
	got, err := store.ReadHashes(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fresh.ReadHashes(ctx, idx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("stored hash %d = %v, want %v (from the entries alone)", i, got[i], want[i])
		}
	}
}
