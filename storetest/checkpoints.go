package storetest

import (
	"bytes"
	"context"
	"testing"

	"bonafide"
)

// testCheckpoints runs the store's bonafide.CheckpointStore through a
// checkpoint's life: written in chunks, unseen until complete, read back
// byte for byte; a second completed replaces the first; one left
// incomplete (a crash mid-write) is never seen and is deleted by the next
// completion; chunks out of order, too large, or to a completed
// checkpoint are refused.
func testCheckpoints(t *testing.T, open OpenAssessments) {
	ctx := context.Background()
	_, as := open(t)
	cs, ok := as.(bonafide.CheckpointStore)
	if !ok {
		t.Fatalf("%T is not a bonafide.CheckpointStore", as)
	}
	code := bonafide.ErrorCode
	if _, err := cs.LatestTriageCheckpoint(ctx); code(err) != bonafide.ENotFound {
		t.Fatalf("LatestTriageCheckpoint(empty store) = %v, want ENotFound", err)
	}
	write := func(seq int64, engine string, chunks ...[]byte) int64 {
		t.Helper()
		id, err := cs.CreateTriageCheckpoint(ctx, seq, engine)
		if err != nil {
			t.Fatalf("CreateTriageCheckpoint = %v", err)
		}
		for n, c := range chunks {
			if err := cs.PutTriageCheckpointChunk(ctx, id, n, c); err != nil {
				t.Fatalf("PutTriageCheckpointChunk(%d, %d) = %v", id, n, err)
			}
		}
		return id
	}
	a0, a1 := bytes.Repeat([]byte{0, 1, 2, 0xff}, 300_000), []byte("tail\x00")
	first := write(10, "engine A", a0, a1)
	if _, err := cs.LatestTriageCheckpoint(ctx); code(err) != bonafide.ENotFound {
		t.Errorf("LatestTriageCheckpoint(before completion) = %v, want ENotFound", err)
	}
	if err := cs.PutTriageCheckpointChunk(ctx, first, 5, a1); code(err) != bonafide.EInvalid {
		t.Errorf("PutTriageCheckpointChunk(chunk 5 after 1) = %v, want EInvalid", err)
	}
	if err := cs.PutTriageCheckpointChunk(ctx, first, 2, make([]byte, bonafide.MaxCheckpointChunk+1)); code(err) != bonafide.ETooLarge {
		t.Errorf("PutTriageCheckpointChunk(too large) = %v, want ETooLarge", err)
	}
	size := int64(len(a0) + len(a1))
	if err := cs.CompleteTriageCheckpoint(ctx, first, size+1); code(err) != bonafide.EInvalid {
		t.Errorf("CompleteTriageCheckpoint(wrong size) = %v, want EInvalid", err)
	}
	if err := cs.CompleteTriageCheckpoint(ctx, first, size); err != nil {
		t.Fatalf("CompleteTriageCheckpoint = %v", err)
	}
	if err := cs.PutTriageCheckpointChunk(ctx, first, 2, a1); code(err) != bonafide.ENotFound {
		t.Errorf("PutTriageCheckpointChunk(completed) = %v, want ENotFound", err)
	}
	check := func(id, seq int64, engine string, chunks ...[]byte) {
		t.Helper()
		cp, err := cs.LatestTriageCheckpoint(ctx)
		if err != nil {
			t.Fatalf("LatestTriageCheckpoint = %v", err)
		}
		var total int64
		for _, c := range chunks {
			total += int64(len(c))
		}
		if cp.ID != id || cp.Seq != seq || cp.Engine != engine || cp.Size != total || cp.Chunks != len(chunks) || cp.Created.IsZero() {
			t.Errorf("LatestTriageCheckpoint = %+v, want id %d seq %d engine %q size %d chunks %d", cp, id, seq, engine, total, len(chunks))
		}
		for n, c := range chunks {
			got, err := cs.TriageCheckpointChunk(ctx, id, n)
			if err != nil || !bytes.Equal(got, c) {
				t.Errorf("TriageCheckpointChunk(%d, %d) = %d bytes, %v; want the %d written", id, n, len(got), err, len(c))
			}
		}
		if _, err := cs.TriageCheckpointChunk(ctx, id, len(chunks)); code(err) != bonafide.ENotFound {
			t.Errorf("TriageCheckpointChunk(past the last) = %v, want ENotFound", err)
		}
	}
	check(first, 10, "engine A", a0, a1)

	// A crash mid-write leaves an incomplete checkpoint: unseen.
	crashed := write(20, "engine A", a1)
	check(first, 10, "engine A", a0, a1)
	second := write(30, "engine B", a1, a0, a1)
	if err := cs.CompleteTriageCheckpoint(ctx, second, int64(2*len(a1)+len(a0))); err != nil {
		t.Fatalf("CompleteTriageCheckpoint(second) = %v", err)
	}
	check(second, 30, "engine B", a1, a0, a1)
	for _, id := range []int64{first, crashed} {
		if _, err := cs.TriageCheckpointChunk(ctx, id, 0); code(err) != bonafide.ENotFound {
			t.Errorf("TriageCheckpointChunk(%d, replaced) = %v, want ENotFound", id, err)
		}
	}
	if err := cs.CompleteTriageCheckpoint(ctx, crashed, int64(len(a1))); code(err) != bonafide.ENotFound {
		t.Errorf("CompleteTriageCheckpoint(deleted) = %v, want ENotFound", err)
	}
	if _, err := cs.CreateTriageCheckpoint(ctx, -1, "x"); code(err) != bonafide.EInvalid {
		t.Errorf("CreateTriageCheckpoint(seq -1) = %v, want EInvalid", err)
	}
	n, err := cs.DeleteTriageCheckpoints(ctx)
	if err != nil || n != 1 {
		t.Errorf("DeleteTriageCheckpoints = %d, %v; want 1, nil", n, err)
	}
	if _, err := cs.LatestTriageCheckpoint(ctx); code(err) != bonafide.ENotFound {
		t.Errorf("LatestTriageCheckpoint(after delete) = %v, want ENotFound", err)
	}
}
