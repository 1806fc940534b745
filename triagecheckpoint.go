package bonafide

import (
	"context"
	"time"
)

// TriageCheckpoint is one stored checkpoint of the triage engine's memory
// (its families, reporters, posts and text indexes), so that a server
// restarting restores it and replays only the records stored after Seq,
// instead of every record (package live writes and reads them). It is a
// manifest of segments, each a part of the state stored once and shared
// by every later checkpoint in which that part is unchanged.
type TriageCheckpoint struct {
	ID int64
	// Seq: the engine had observed every record through it, and nothing
	// after it.
	Seq int64
	// Engine names what wrote it: the engine's version, its state format
	// and its build. Only an engine of the same name reads it.
	Engine string
	// Segments are its parts, in the order they are read.
	Segments []TriageSegment
	// Size is the bytes of its segments in all.
	Size    int64
	Created time.Time
}

// TriageSegment is one part of a checkpoint, stored in chunks numbered
// from 0.
type TriageSegment struct {
	ID     int64
	Name   string
	Size   int64
	Chunks int
	// Digest is the SHA-256 of its bytes, which the reader checks and
	// the writer compares to tell whether the part changed.
	Digest []byte
}

// MaxCheckpointChunk is the most bytes one chunk of a segment may hold.
const MaxCheckpointChunk = 8 << 20

// CheckpointStore keeps triage checkpoints beside the assessments. A
// checkpoint's new segments are written a chunk at a time, each chunk its
// own short transaction so that hundreds of megabytes never hold the
// store's writers back, and the checkpoint counts only once committed,
// its manifest in one transaction: a server that stops half way leaves
// segments no manifest names, which no reader sees and the next commit
// deletes.
type CheckpointStore interface {
	// CreateTriageSegment starts a segment named name and returns its id.
	CreateTriageSegment(ctx context.Context, name string) (int64, error)
	// PutTriageSegmentChunk stores chunk n (from 0, in order) of segment
	// id: at most MaxCheckpointChunk bytes (ETooLarge), to a segment no
	// checkpoint holds yet (ENotFound otherwise).
	PutTriageSegmentChunk(ctx context.Context, id int64, n int, data []byte) error
	// CommitTriageCheckpoint stores the checkpoint at seq by engine made
	// of segs, in order, and returns its id. Each segment is one written
	// since the latest checkpoint (its chunks holding Size bytes) or one
	// of the latest checkpoint's, by ID, with the same name, size and
	// digest; EInvalid otherwise. In the same transaction it deletes every
	// other checkpoint and every segment the new one does not hold.
	CommitTriageCheckpoint(ctx context.Context, seq int64, engine string, segs []TriageSegment) (int64, error)
	// LatestTriageCheckpoint returns the committed checkpoint with its
	// segments, ENotFound when there is none.
	LatestTriageCheckpoint(ctx context.Context) (TriageCheckpoint, error)
	// TriageSegmentChunk returns chunk n of segment id.
	TriageSegmentChunk(ctx context.Context, id int64, n int) ([]byte, error)
	// DeleteTriageCheckpoints deletes every checkpoint and segment (one
	// found corrupt, say), returning how many checkpoints.
	DeleteTriageCheckpoints(ctx context.Context) (int, error)
}
