// Package auditlogtest holds the conformance suite of [auditlog.Storage],
// tampering included, which the SQLite and PostgreSQL stores run from their
// tests. It imports testing, so it lives apart from package auditlog, which
// the binary links.
package auditlogtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
)

// TamperStorage is a Storage that RunStorage can also tamper with.
type TamperStorage interface {
	auditlog.Storage
	auditlog.Tamperer
}

// RunStorage checks that a Storage keeps its contract and that a Log on it
// catches every kind of tampering: entries edited, deleted or reordered,
// hashes altered, checkpoints mangled byte by byte. open returns a new,
// empty storage and is called once per subtest. It lives in a non-test
// file so that the SQLite and PostgreSQL stores can run it on their tables.
func RunStorage(t *testing.T, open func(t *testing.T) TamperStorage) {
	ctx := context.Background()

	t.Run("witness", func(t *testing.T) { runWitness(t, open) })

	t.Run("contract", func(t *testing.T) {
		s := open(t)
		if n, err := s.Size(ctx); n != 0 || err != nil {
			t.Fatalf("Size(empty) = %d, %v; want 0, nil", n, err)
		}
		if _, err := s.LatestCheckpoint(ctx); bonafide.ErrorCode(err) != bonafide.ENotFound {
			t.Errorf("LatestCheckpoint(empty) code = %q (%v), want %q", bonafide.ErrorCode(err), err, bonafide.ENotFound)
		}
		if _, err := s.ReadHashes(ctx, []int64{0}); bonafide.ErrorCode(err) != bonafide.ENotFound {
			t.Errorf("ReadHashes(empty, [0]) code = %q (%v), want %q", bonafide.ErrorCode(err), err, bonafide.ENotFound)
		}
		h0 := []tlog.Hash{tlog.RecordHash([]byte("a"))}
		if err := s.Append(ctx, 1, [][]byte{[]byte("b")}, h0); bonafide.ErrorCode(err) != bonafide.EConflict {
			t.Errorf("Append(1) on empty code = %q (%v), want %q", bonafide.ErrorCode(err), err, bonafide.EConflict)
		}
		if err := s.Append(ctx, 0, [][]byte{[]byte("a")}, h0); err != nil {
			t.Fatalf("Append(0) = %v", err)
		}
		if err := s.Append(ctx, 0, [][]byte{[]byte("a")}, h0); bonafide.ErrorCode(err) != bonafide.EConflict {
			t.Errorf("Append(0) twice code = %q (%v), want %q", bonafide.ErrorCode(err), err, bonafide.EConflict)
		}
		// Entries 1 and 2 in one call: hashes for indexes 1 to 3.
		hb, hc := tlog.RecordHash([]byte("b")), tlog.RecordHash([]byte("c"))
		h1 := []tlog.Hash{hb, tlog.NodeHash(h0[0], hb), hc}
		if err := s.Append(ctx, 1, [][]byte{[]byte("b"), []byte("c")}, h1); err != nil {
			t.Fatalf("Append(1, two entries) = %v", err)
		}
		if n, err := s.Size(ctx); n != 3 || err != nil {
			t.Errorf("Size = %d, %v; want 3, nil", n, err)
		}
		got, err := s.ReadHashes(ctx, []int64{2, 0, 1})
		if err != nil || len(got) != 3 || got[0] != h1[1] || got[1] != h0[0] || got[2] != h1[0] {
			t.Errorf("ReadHashes([2 0 1]) = %v, %v; want in the order asked", got, err)
		}
		var ns []int64
		for e, err := range s.Entries(ctx, 1) {
			if err != nil {
				t.Fatal(err)
			}
			ns = append(ns, e.N)
			if want := []byte{'a' + byte(e.N)}; !bytes.Equal(e.Data, want) {
				t.Errorf("Entries(1) data of %d = %q, want %q", e.N, e.Data, want)
			}
		}
		if fmt.Sprint(ns) != "[1 2]" {
			t.Errorf("Entries(1) = %v, want [1 2]", ns)
		}
		id1, err := s.AddCheckpoint(ctx, 1, []byte("one\n"))
		if err != nil {
			t.Fatal(err)
		}
		id2, err := s.AddCheckpoint(ctx, 2, []byte("two\n"))
		if err != nil {
			t.Fatal(err)
		}
		if id2 <= id1 {
			t.Errorf("AddCheckpoint IDs = %d then %d, want rising", id1, id2)
		}
		c, err := s.LatestCheckpoint(ctx)
		if err != nil || c.ID != id2 || c.Size != 2 || string(c.Note) != "two\n" {
			t.Errorf("LatestCheckpoint = %+v, %v; want ID %d size 2", c, err, id2)
		}
		var sizes []int64
		for c, err := range s.Checkpoints(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, c.Size)
		}
		if fmt.Sprint(sizes) != "[1 2]" {
			t.Errorf("Checkpoints sizes = %v, want [1 2]", sizes)
		}
	})

	t.Run("concurrent appenders", func(t *testing.T) {
		// Two Logs on one storage stand for two server processes.
		s := open(t)
		key, _, err := auditlog.GenerateSigningKey("conformance")
		if err != nil {
			t.Fatal(err)
		}
		const each = 25
		errs := make(chan error, 2*each)
		var logs [2]*auditlog.Log
		for i := range logs {
			if logs[i], err = auditlog.New(s, key, auditlog.Config{}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range logs {
			go func() {
				for j := range each {
					_, err := logs[i].Append(ctx, auditlog.Entry{Who: fmt.Sprint("process-", i), What: "referral.view", Object: fmt.Sprint("R-", j), Why: "triage"})
					errs <- err
				}
			}()
		}
		for range 2 * each {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Append = %v", err)
			}
		}
		if n, err := s.Size(ctx); n != 2*each || err != nil {
			t.Errorf("Size after concurrent appends = %d, %v; want %d", n, err, 2*each)
		}
		if _, err := logs[0].WriteCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := logs[1].Verify(ctx); err != nil {
			t.Errorf("Verify after concurrent appends = %v", err)
		}
	})

	key, _, err := auditlog.GenerateSigningKey("conformance")
	if err != nil {
		t.Fatal(err)
	}
	const entries = 20
	checkpointsAt := []int64{7, 16, entries}
	// build returns a log of 20 entries with checkpoints at 7, 16 and 20,
	// and the checkpoints' storage IDs.
	build := func(t *testing.T) (TamperStorage, *auditlog.Log, []int64) {
		t.Helper()
		s := open(t)
		tick := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		l, err := auditlog.New(s, key, auditlog.Config{Origin: "test/audit", Now: func() time.Time { tick = tick.Add(time.Second); return tick }})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range int64(entries) {
			if _, err := l.Append(ctx, auditlog.Entry{Who: "user-1", What: "referral.view", Object: fmt.Sprintf("R-%04d", i), Why: "triage"}); err != nil {
				t.Fatal(err)
			}
			for _, at := range checkpointsAt {
				if i+1 == at {
					if _, err := l.WriteCheckpoint(ctx); err != nil {
						t.Fatal(err)
					}
					c, err := s.LatestCheckpoint(ctx)
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, c.ID)
				}
			}
		}
		if _, err := l.Verify(ctx); err != nil {
			t.Fatalf("Verify(untouched) = %v", err)
		}
		return s, l, ids
	}
	data := func(t *testing.T, s auditlog.Storage, n int64) []byte {
		t.Helper()
		for e, err := range s.Entries(ctx, n) {
			if err != nil {
				t.Fatal(err)
			}
			return e.Data
		}
		t.Fatalf("no entry %d", n)
		return nil
	}
	// rehash makes the stored hashes agree with the stored entries from n
	// on, as an attacker covering an edit would.
	rehash := func(t *testing.T, s TamperStorage, n int64) {
		t.Helper()
		r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return s.ReadHashes(ctx, idx) })
		for m := n; m < entries; m++ {
			hs, err := tlog.StoredHashes(m, data(t, s, m), r)
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range hs {
				if err := s.SetHash(ctx, tlog.StoredHashIndex(0, m)+int64(i), h); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	edit := func(t *testing.T, s TamperStorage, n int64) {
		t.Helper()
		d := bytes.Replace(data(t, s, n), []byte("user-1"), []byte("user-2"), 1)
		if err := s.SetEntry(ctx, n, d); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("proofs", func(t *testing.T) {
		s, l, ids := build(t)
		notes := map[int64][]byte{}
		for c, err := range s.Checkpoints(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			notes[c.Size] = c.Note
		}
		if len(notes) != len(ids) {
			t.Fatalf("stored %d checkpoints, want %d", len(notes), len(ids))
		}
		for _, size := range checkpointsAt {
			for n := range size {
				p, err := l.Prove(ctx, n, size)
				if err != nil {
					t.Fatalf("Prove(%d, %d) = %v", n, size, err)
				}
				if err := auditlog.CheckInclusion(l.VerifierKey(), "test/audit", notes[size], data(t, s, n), p); err != nil {
					t.Errorf("CheckInclusion(%d in %d) = %v", n, size, err)
				}
				if n > 0 {
					if err := auditlog.CheckInclusion(l.VerifierKey(), "test/audit", notes[size], data(t, s, n-1), p); err == nil {
						t.Errorf("CheckInclusion(entry %d with proof for %d) succeeded; want error", n-1, n)
					}
				}
			}
		}
		p, err := l.ProveConsistency(ctx, 7, 16)
		if err != nil {
			t.Fatal(err)
		}
		if err := auditlog.CheckConsistency(l.VerifierKey(), "test/audit", notes[7], notes[16], p); err != nil {
			t.Errorf("CheckConsistency(7, 16) = %v", err)
		}
		if err := auditlog.CheckConsistency(l.VerifierKey(), "test/audit", notes[7], notes[20], p); err == nil {
			t.Errorf("CheckConsistency(7, 20) with the proof for 16 succeeded; want error")
		}
	})

	type problem struct {
		kind auditlog.ProblemKind
		n    int64 // entry, or checkpoint size for checkpoint problems
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, s TamperStorage, ids []int64)
		want   []problem
		absent []auditlog.ProblemKind
		// refuse: WriteCheckpoint must refuse to sign afterwards (the
		// stored tree no longer extends the last checkpoint).
		refuse bool
	}{
		{
			name:   "entry edited",
			tamper: func(t *testing.T, s TamperStorage, _ []int64) { edit(t, s, 5) },
			want:   []problem{{auditlog.EntryEdited, 5}, {auditlog.CheckpointRootMismatch, 7}, {auditlog.CheckpointRootMismatch, 16}, {auditlog.CheckpointRootMismatch, 20}},
			absent: []auditlog.ProblemKind{auditlog.HashAltered},
		},
		{
			name: "entry edited and hashes rewritten",
			tamper: func(t *testing.T, s TamperStorage, _ []int64) {
				edit(t, s, 9)
				rehash(t, s, 9)
			},
			want:   []problem{{auditlog.CheckpointRootMismatch, 16}, {auditlog.CheckpointRootMismatch, 20}},
			absent: []auditlog.ProblemKind{auditlog.EntryEdited, auditlog.HashAltered},
			refuse: true,
		},
		{
			name: "entry deleted",
			tamper: func(t *testing.T, s TamperStorage, _ []int64) {
				if err := s.DeleteEntry(ctx, 9); err != nil {
					t.Fatal(err)
				}
			},
			want: []problem{{auditlog.EntryMissing, 9}, {auditlog.CheckpointRootMismatch, 16}, {auditlog.CheckpointRootMismatch, 20}},
		},
		{
			name: "last entry deleted",
			tamper: func(t *testing.T, s TamperStorage, _ []int64) {
				if err := s.DeleteEntry(ctx, entries-1); err != nil {
					t.Fatal(err)
				}
			},
			want:   []problem{{auditlog.EntryMissing, entries - 1}, {auditlog.CheckpointBeyondLog, 20}},
			refuse: true,
		},
		{
			name: "entries reordered",
			tamper: func(t *testing.T, s TamperStorage, _ []int64) {
				a, b := data(t, s, 3), data(t, s, 4)
				if err := s.SetEntry(ctx, 3, b); err != nil {
					t.Fatal(err)
				}
				if err := s.SetEntry(ctx, 4, a); err != nil {
					t.Fatal(err)
				}
			},
			want: []problem{{auditlog.EntriesReordered, 3}, {auditlog.EntriesReordered, 4}, {auditlog.CheckpointRootMismatch, 7}},
		},
		{
			name: "stored hash altered",
			tamper: func(t *testing.T, s TamperStorage, _ []int64) {
				// The level-1 hash over entries 10 and 11.
				if err := s.SetHash(ctx, tlog.StoredHashIndex(1, 5), tlog.Hash{1}); err != nil {
					t.Fatal(err)
				}
			},
			want:   []problem{{auditlog.HashAltered, tlog.StoredHashIndex(1, 5)}},
			absent: []auditlog.ProblemKind{auditlog.EntryEdited, auditlog.CheckpointRootMismatch},
		},
		{
			name: "checkpoint signed by another key",
			tamper: func(t *testing.T, s TamperStorage, ids []int64) {
				other, _, err := auditlog.GenerateSigningKey("conformance")
				if err != nil {
					t.Fatal(err)
				}
				l2, err := auditlog.New(s, other, auditlog.Config{Origin: "test/audit"})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.DeleteCheckpoint(ctx, ids[2]); err != nil {
					t.Fatal(err)
				}
				if err := s.DeleteCheckpoint(ctx, ids[1]); err != nil {
					t.Fatal(err)
				}
				if err := s.DeleteCheckpoint(ctx, ids[0]); err != nil {
					t.Fatal(err)
				}
				if _, err := l2.WriteCheckpoint(ctx); err != nil {
					t.Fatal(err)
				}
			},
			want: []problem{{auditlog.CheckpointBadSignature, 20}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, l, ids := build(t)
			tt.tamper(t, s, ids)
			_, err := l.Verify(ctx)
			var ve *auditlog.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify after %s = %v, want *VerifyError", tt.name, err)
			}
			for _, w := range tt.want {
				found := false
				for _, p := range ve.Problems {
					switch p.Kind {
					case auditlog.CheckpointRootMismatch, auditlog.CheckpointBeyondLog, auditlog.CheckpointBadSignature:
						found = found || p.Kind == w.kind && p.Size == w.n
					case auditlog.HashAltered:
						found = found || p.Kind == w.kind && p.Index == w.n
					default:
						found = found || p.Kind == w.kind && p.N == w.n
					}
				}
				if !found {
					t.Errorf("Verify after %s = %v; want it to report %v", tt.name, err, auditlog.Problem{Kind: w.kind, N: w.n, Size: w.n, Index: w.n})
				}
			}
			for _, k := range tt.absent {
				if ve.Has(k) {
					t.Errorf("Verify after %s = %v; want no %v", tt.name, err, auditlog.Problem{Kind: k})
				}
			}
			if _, err := l.WriteCheckpoint(ctx); tt.refuse && err == nil {
				t.Errorf("WriteCheckpoint after %s succeeded; want refusal", tt.name)
			}
		})
	}

	t.Run("newest entries removed with their checkpoint", func(t *testing.T) {
		// The attack stored checkpoints cannot catch: delete the last
		// entries, their hashes and the checkpoint that covered them. A
		// checkpoint kept outside the system catches it.
		s, l, ids := build(t)
		kept, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for n := int64(16); n < entries; n++ {
			if err := s.DeleteEntry(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.TruncateHashes(ctx, tlog.StoredHashIndex(0, 16)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCheckpoint(ctx, ids[2]); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Verify(ctx); err != nil {
			t.Fatalf("Verify = %v; want nil: the stored evidence is consistent", err)
		}
		_, err = l.VerifyWith(ctx, [][]byte{kept})
		var ve *auditlog.VerifyError
		if !errors.As(err, &ve) {
			t.Fatalf("VerifyWith(kept checkpoint) = %v, want *VerifyError", err)
		}
		want := auditlog.Problem{Kind: auditlog.CheckpointBeyondLog, Checkpoint: 1, Size: entries, Other: 16, External: true}
		if !ve.Has(auditlog.EntryMissing) || ve.Problems[len(ve.Problems)-1] != want {
			t.Errorf("VerifyWith(kept checkpoint) = %v; want entries 16 to 19 missing and %v", err, want)
		}
		// The log may grow again; the kept checkpoint still disagrees.
		for range 5 {
			if _, err := l.Append(ctx, auditlog.Entry{Who: "intruder", What: "referral.view", Why: "cover"}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = l.VerifyWith(ctx, [][]byte{kept})
		if !errors.As(err, &ve) || !ve.Has(auditlog.CheckpointRootMismatch) {
			t.Errorf("VerifyWith(kept checkpoint) after regrowth = %v; want a root mismatch at size %d", err, entries)
		}
		mangled := bytes.Clone(kept)
		mangled[0] ^= 1
		_, err = l.VerifyWith(ctx, [][]byte{mangled})
		if !errors.As(err, &ve) || ve.Problems[0] != (auditlog.Problem{Kind: auditlog.CheckpointBadSignature, Checkpoint: 1, External: true}) {
			t.Errorf("VerifyWith(mangled) = %v; want external checkpoint 1: signature bad", err)
		}
	})

	t.Run("every checkpoint byte mangled", func(t *testing.T) {
		s, l, ids := build(t)
		c, err := s.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// XOR flips bits; adding or subtracting one reaches the neighbouring
		// base64 digit, which may differ only in padding bits.
		mangles := []struct {
			name string
			f    func(byte) byte
		}{
			{"^ 0x01", func(b byte) byte { return b ^ 0x01 }},
			{"^ 0x80", func(b byte) byte { return b ^ 0x80 }},
			{"+ 1", func(b byte) byte { return b + 1 }},
			{"- 1", func(b byte) byte { return b - 1 }},
		}
		for i := range c.Note {
			for _, x := range mangles {
				m := bytes.Clone(c.Note)
				m[i] = x.f(m[i])
				if err := s.SetCheckpoint(ctx, ids[2], m); err != nil {
					t.Fatal(err)
				}
				_, err := l.Verify(ctx)
				var ve *auditlog.VerifyError
				if !errors.As(err, &ve) || !ve.Has(auditlog.CheckpointBadSignature) {
					t.Errorf("Verify with checkpoint byte %d %s = %v; want checkpoint signature bad", i, x.name, err)
				}
			}
		}
		if err := s.SetCheckpoint(ctx, ids[2], c.Note); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Verify(ctx); err != nil {
			t.Errorf("Verify after restoring = %v", err)
		}
	})
}
