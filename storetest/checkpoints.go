package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"bonafide"
)

// testCheckpoints runs the store's bonafide.CheckpointStore through a
// chain of incremental checkpoints: segments written in chunks, unseen
// until a manifest holds them and read back byte for byte; a second
// checkpoint sharing some of the first's segments and writing others
// anew, after which the first's replaced segments are gone and the shared
// ones still read; segments written before a crash (no manifest) never
// seen and deleted by the next commit; a manifest naming a segment it may
// not (unknown, twice, sized or digested otherwise, an older
// checkpoint's), chunks out of order, too large, or to a held segment
// refused.
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
	data := map[int64][][]byte{}
	write := func(name string, chunks ...[]byte) bonafide.TriageSegment {
		t.Helper()
		id, err := cs.CreateTriageSegment(ctx, name)
		if err != nil {
			t.Fatalf("CreateTriageSegment = %v", err)
		}
		h := sha256.New()
		sg := bonafide.TriageSegment{ID: id, Name: name, Chunks: len(chunks)}
		for n, c := range chunks {
			if err := cs.PutTriageSegmentChunk(ctx, id, n, c); err != nil {
				t.Fatalf("PutTriageSegmentChunk(%d, %d) = %v", id, n, err)
			}
			h.Write(c)
			sg.Size += int64(len(c))
		}
		sg.Digest = h.Sum(nil)
		data[id] = chunks
		return sg
	}
	commit := func(seq int64, engine string, segs ...bonafide.TriageSegment) int64 {
		t.Helper()
		id, err := cs.CommitTriageCheckpoint(ctx, seq, engine, segs)
		if err != nil {
			t.Fatalf("CommitTriageCheckpoint = %v", err)
		}
		return id
	}
	check := func(id, seq int64, engine string, segs ...bonafide.TriageSegment) {
		t.Helper()
		cp, err := cs.LatestTriageCheckpoint(ctx)
		if err != nil {
			t.Fatalf("LatestTriageCheckpoint = %v", err)
		}
		var total int64
		for _, sg := range segs {
			total += sg.Size
		}
		if cp.ID != id || cp.Seq != seq || cp.Engine != engine || cp.Size != total || len(cp.Segments) != len(segs) || cp.Created.IsZero() {
			t.Fatalf("LatestTriageCheckpoint = %+v, want id %d seq %d engine %q size %d, %d segments", cp, id, seq, engine, total, len(segs))
		}
		for i, sg := range segs {
			got := cp.Segments[i]
			if got.ID != sg.ID || got.Name != sg.Name || got.Size != sg.Size || got.Chunks != sg.Chunks || !bytes.Equal(got.Digest, sg.Digest) {
				t.Errorf("segment %d = %+v, want %+v", i, got, sg)
			}
			for n, c := range data[sg.ID] {
				b, err := cs.TriageSegmentChunk(ctx, sg.ID, n)
				if err != nil || !bytes.Equal(b, c) {
					t.Errorf("TriageSegmentChunk(%d, %d) = %d bytes, %v; want the %d written", sg.ID, n, len(b), err, len(c))
				}
			}
			if _, err := cs.TriageSegmentChunk(ctx, sg.ID, sg.Chunks); code(err) != bonafide.ENotFound {
				t.Errorf("TriageSegmentChunk(past the last) = %v, want ENotFound", err)
			}
		}
	}
	c0, c1 := bytes.Repeat([]byte("segment "), 1000), []byte("the last chunk")
	head := write("head", c0, c1)
	refs := write("refs#0", c1)
	fam := write("fam", c0)
	if _, err := cs.LatestTriageCheckpoint(ctx); code(err) != bonafide.ENotFound {
		t.Errorf("LatestTriageCheckpoint(segments, no manifest) = %v, want ENotFound", err)
	}
	if err := cs.PutTriageSegmentChunk(ctx, head.ID, 5, c1); code(err) != bonafide.EInvalid {
		t.Errorf("PutTriageSegmentChunk(chunk 5 after 1) = %v, want EInvalid", err)
	}
	if err := cs.PutTriageSegmentChunk(ctx, head.ID, 2, make([]byte, bonafide.MaxCheckpointChunk+1)); code(err) != bonafide.ETooLarge {
		t.Errorf("PutTriageSegmentChunk(too large) = %v, want ETooLarge", err)
	}
	bad := func(what string, segs ...bonafide.TriageSegment) {
		t.Helper()
		if _, err := cs.CommitTriageCheckpoint(ctx, 10, "engine A", segs); code(err) != bonafide.EInvalid {
			t.Errorf("CommitTriageCheckpoint(%s) = %v, want EInvalid", what, err)
		}
	}
	wrongSize, wrongName, unknown := refs, refs, refs
	wrongSize.Size++
	wrongName.Name = "refs#1"
	unknown.ID += 1000
	bad("a size the chunks do not hold", head, wrongSize)
	bad("another name", head, wrongName)
	bad("an unknown segment", head, unknown)
	bad("a segment twice", head, refs, head)
	bad("no segments")
	first := commit(10, "engine A", head, refs, fam)
	check(first, 10, "engine A", head, refs, fam)
	if err := cs.PutTriageSegmentChunk(ctx, refs.ID, 1, c1); code(err) != bonafide.ENotFound {
		t.Errorf("PutTriageSegmentChunk(a checkpoint's) = %v, want ENotFound", err)
	}

	// A crash between the segments and the manifest: unseen, then gone.
	crashed := write("refs#0", c0)
	check(first, 10, "engine A", head, refs, fam)
	// The next checkpoint shares head and fam, replaces refs#0, adds one.
	refs2 := write("refs#0", c0, c0)
	more := write("refs#1", c1)
	otherDigest := head
	otherDigest.Digest = bytes.Repeat([]byte{1}, sha256.Size)
	bad("a held segment with another digest", otherDigest, refs2, more, fam)
	second := commit(30, "engine A", head, refs2, more, fam)
	check(second, 30, "engine A", head, refs2, more, fam)
	for _, id := range []int64{refs.ID, crashed.ID} {
		if _, err := cs.TriageSegmentChunk(ctx, id, 0); code(err) != bonafide.ENotFound {
			t.Errorf("TriageSegmentChunk(%d, replaced) = %v, want ENotFound", id, err)
		}
	}
	// refs#0 of the first checkpoint is gone: no manifest may name it.
	bad("a segment of an older checkpoint", head, refs, more, fam)
	if _, err := cs.CommitTriageCheckpoint(ctx, -1, "x", []bonafide.TriageSegment{head}); code(err) != bonafide.EInvalid {
		t.Errorf("CommitTriageCheckpoint(seq -1) = %v, want EInvalid", err)
	}
	n, err := cs.DeleteTriageCheckpoints(ctx)
	if err != nil || n != 1 {
		t.Errorf("DeleteTriageCheckpoints = %d, %v; want 1, nil", n, err)
	}
	if _, err := cs.LatestTriageCheckpoint(ctx); code(err) != bonafide.ENotFound {
		t.Errorf("LatestTriageCheckpoint(after delete) = %v, want ENotFound", err)
	}
	if _, err := cs.TriageSegmentChunk(ctx, head.ID, 0); code(err) != bonafide.ENotFound {
		t.Errorf("TriageSegmentChunk(after delete) = %v, want ENotFound", err)
	}
}
