package bonafide

import (
	"context"
	"time"
)

// TriageCheckpoint is one stored checkpoint of the triage engine's memory
// (its families, reporters, posts and text indexes), so that a server
// restarting restores it and replays only the records stored after Seq,
// instead of every record (package live writes and reads them).
type TriageCheckpoint struct {
	ID int64
	// Seq: the engine had observed every record through it, and nothing
	// after it.
	Seq int64
	// Engine names what wrote it: the engine's version, its state format
	// and the binary's digest. Only an engine of the same name reads it.
	Engine string
	// Size is the checkpoint's length in bytes; Chunks how many rows hold
	// it, numbered from 0.
	Size    int64
	Chunks  int
	Created time.Time
}

// MaxCheckpointChunk is the most bytes one chunk of a checkpoint may hold.
const MaxCheckpointChunk = 8 << 20

// CheckpointStore keeps triage checkpoints beside the assessments. A
// checkpoint is written a chunk at a time, each chunk its own short
// transaction so that a checkpoint of hundreds of megabytes never holds
// the store's writers back, and counts only once completed: a server that
// stops half way leaves an incomplete one, which no reader sees and the
// next completion deletes.
type CheckpointStore interface {
	// CreateTriageCheckpoint starts a checkpoint at seq by engine and
	// returns its id.
	CreateTriageCheckpoint(ctx context.Context, seq int64, engine string) (int64, error)
	// PutTriageCheckpointChunk stores chunk n (from 0, in order) of
	// checkpoint id: at most MaxCheckpointChunk bytes (ETooLarge), to a
	// checkpoint not completed (ENotFound otherwise).
	PutTriageCheckpointChunk(ctx context.Context, id int64, n int, data []byte) error
	// CompleteTriageCheckpoint marks checkpoint id complete once its
	// chunks hold size bytes in all (EInvalid if they do not), and deletes
	// every other checkpoint, complete or not, in the same transaction.
	CompleteTriageCheckpoint(ctx context.Context, id int64, size int64) error
	// LatestTriageCheckpoint returns the completed checkpoint, ENotFound
	// when there is none.
	LatestTriageCheckpoint(ctx context.Context) (TriageCheckpoint, error)
	// TriageCheckpointChunk returns chunk n of checkpoint id.
	TriageCheckpointChunk(ctx context.Context, id int64, n int) ([]byte, error)
	// DeleteTriageCheckpoints deletes every checkpoint (one found corrupt,
	// say), returning how many.
	DeleteTriageCheckpoints(ctx context.Context) (int, error)
}
