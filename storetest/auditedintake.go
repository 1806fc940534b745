package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"bonafide"
	"bonafide/auditlog"
)

// RunAuditedIntake checks auditlog.Log.AppendRecord on a store's
// RecordStorage: a referral and its audit entry commit together, a
// referral id already stored fails only its own call and leaves neither
// behind, and concurrent AppendRecords and Appends share commits without
// losing or reordering anything (the log still verifies). open returns the
// audit storage of a new, empty, migrated store.
func RunAuditedIntake(t *testing.T, open func(t *testing.T) auditlog.RecordStorage) {
	ctx := context.Background()
	// logOn is a new log on rs, as each process that writes to it has.
	logOn := func(t *testing.T, rs auditlog.RecordStorage) *auditlog.Log {
		t.Helper()
		key, _, err := auditlog.GenerateSigningKey("test")
		if err != nil {
			t.Fatal(err)
		}
		l, err := auditlog.New(rs, key, auditlog.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	newLog := func(t *testing.T) (*auditlog.Log, bonafide.Store, auditlog.RecordStorage) {
		t.Helper()
		rs := open(t)
		l := logOn(t, rs)
		if l.RecordStore() != rs.RecordStore() || l.RecordStore() == nil {
			t.Fatalf("Log.RecordStore() = %v, want the storage's store", l.RecordStore())
		}
		return l, rs.RecordStore(), rs
	}
	entry := func(id string) auditlog.Entry {
		return auditlog.Entry{Who: "user:intake", What: "referral.create", Object: id, Why: "stored through the API"}
	}

	t.Run("together", func(t *testing.T) {
		l, st, rs := newLog(t)
		e, seq, err := l.AppendRecord(ctx, entry("AR-1"), Referral("AR-1"))
		if err != nil {
			t.Fatalf("AppendRecord = %v", err)
		}
		if seq <= 0 || e.N != 0 || e.Object != "AR-1" {
			t.Fatalf("AppendRecord = entry %d %q, seq %d; want entry 0 of AR-1 and a seq", e.N, e.Object, seq)
		}
		got, err := st.ReferralByID(ctx, "AR-1")
		if err != nil || got.Seq != seq {
			t.Fatalf("Referral(AR-1) = seq %d, %v; want seq %d", got.Seq, err, seq)
		}
		if n, err := rs.Size(ctx); n != 1 || err != nil {
			t.Fatalf("audit Size = %d, %v; want 1", n, err)
		}
	})

	t.Run("refused record leaves neither", func(t *testing.T) {
		l, st, rs := newLog(t)
		if _, err := st.Add(ctx, Referral("AR-DUP")); err != nil {
			t.Fatal(err)
		}
		_, _, err := l.AppendRecord(ctx, entry("AR-DUP"), Referral("AR-DUP"))
		if bonafide.ErrorCode(err) != bonafide.EConflict {
			t.Fatalf("AppendRecord of a stored id = %v, want EConflict", err)
		}
		if n, err := rs.Size(ctx); n != 0 || err != nil {
			t.Fatalf("audit Size after the refusal = %d, %v; want 0: no entry for a referral not stored", n, err)
		}
		// The log goes on from where it was.
		e, _, err := l.AppendRecord(ctx, entry("AR-NEXT"), Referral("AR-NEXT"))
		if err != nil || e.N != 0 {
			t.Fatalf("next AppendRecord = entry %d, %v; want entry 0", e.N, err)
		}
	})

	t.Run("another writer first", func(t *testing.T) {
		// Two logs on one storage, as two processes have: each learns the
		// size from its own appends, so the second's is stale once the
		// first has appended. Its append is refused in the transaction,
		// leaves nothing, and is retried at the right size.
		l1, st, rs := newLog(t)
		l2 := logOn(t, rs)
		if _, _, err := l2.AppendRecord(ctx, entry("AW-1"), Referral("AW-1")); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"AW-2", "AW-3"} {
			if _, _, err := l1.AppendRecord(ctx, entry(id), Referral(id)); err != nil {
				t.Fatal(err)
			}
		}
		e, seq, err := l2.AppendRecord(ctx, entry("AW-4"), Referral("AW-4"))
		if err != nil || e.N != 3 {
			t.Fatalf("AppendRecord with a stale size = entry %d, %v; want entry 3", e.N, err)
		}
		for i, id := range []string{"AW-1", "AW-2", "AW-3", "AW-4"} {
			got, err := st.ReferralByID(ctx, id)
			if err != nil || got.Seq != int64(i+1) {
				t.Fatalf("Referral(%s) = seq %d, %v; want %d, each stored once", id, got.Seq, err, i+1)
			}
		}
		if seq != 4 {
			t.Fatalf("AW-4's seq = %d, want 4", seq)
		}
		if rep, err := l1.Verify(ctx); err != nil || rep.Entries != 4 {
			t.Fatalf("Verify = %+v, %v; want a log of 4 entries that verifies", rep, err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		l, st, rs := newLog(t)
		if _, err := st.Add(ctx, Referral("AR-C-DUP")); err != nil {
			t.Fatal(err)
		}
		const n = 40
		var wg sync.WaitGroup
		errs := make([]error, n)
		seqs := make([]int64, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("AR-C-%02d", i)
				switch {
				case i%10 == 9: // a duplicate among the others
					_, _, errs[i] = l.AppendRecord(ctx, entry("AR-C-DUP"), Referral("AR-C-DUP"))
				case i%3 == 0: // an entry with no record
					_, errs[i] = l.Append(ctx, auditlog.Entry{Who: "user:dpo", What: "referral.read", Object: id, Why: "checked"})
				default:
					_, seqs[i], errs[i] = l.AppendRecord(ctx, entry(id), Referral(id))
				}
			}()
		}
		wg.Wait()
		want := int64(0)
		for i := range n {
			id := fmt.Sprintf("AR-C-%02d", i)
			switch {
			case i%10 == 9:
				if bonafide.ErrorCode(errs[i]) != bonafide.EConflict {
					t.Errorf("duplicate %d = %v, want EConflict", i, errs[i])
				}
			case i%3 == 0:
				want++
				if errs[i] != nil {
					t.Errorf("Append %d = %v", i, errs[i])
				}
			default:
				want++
				if errs[i] != nil {
					t.Errorf("AppendRecord %s = %v", id, errs[i])
					continue
				}
				if got, err := st.ReferralByID(ctx, id); err != nil || got.Seq != seqs[i] {
					t.Errorf("Referral(%s) = seq %d, %v; want %d", id, got.Seq, err, seqs[i])
				}
			}
		}
		if size, err := rs.Size(ctx); size != want || err != nil {
			t.Fatalf("audit Size = %d, %v; want %d", size, err, want)
		}
		if _, err := l.WriteCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if rep, err := l.Verify(ctx); err != nil || rep.Entries != want {
			t.Fatalf("Verify = %+v, %v; want a log of %d entries that verifies", rep, err, want)
		}
	})
}
