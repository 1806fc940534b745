package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"bonafide"
)

// Triage checkpoints (bonafide.CheckpointStore), the SQL both stores run
// on the tables of their migration 013: triage_segments and their
// triage_segment_chunks, and triage_checkpoints, each a manifest listing
// its segments in triage_checkpoint_segments. A segment's digest is NULL
// while it is written and set when a checkpoint first holds it; from then
// on it is never written again, only shared by later checkpoints or
// deleted with the last one that holds it.

// CheckpointDB is a pool or a transaction of either driver, its statements written
// with ? placeholders (see Dollars).
type CheckpointDB interface {
	Exec(ctx context.Context, query string, args ...any) error
	// QueryRow's Scan returns ErrNoRows when no row matched.
	QueryRow(ctx context.Context, query string, args ...any) Scanner
	// Query calls each for every row, in order.
	Query(ctx context.Context, query string, each func(Scanner) error, args ...any) error
}

// Dollars rewrites a statement's ? placeholders as PostgreSQL's $1, $2…
// (the statements here hold no ? of their own).
func Dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// StdDB is a CheckpointDB on database/sql (SQLite's pool or transaction).
type StdDB struct {
	Q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

func (d StdDB) Exec(ctx context.Context, q string, args ...any) error {
	_, err := d.Q.ExecContext(ctx, q, args...)
	return err
}

func (d StdDB) QueryRow(ctx context.Context, q string, args ...any) Scanner {
	return stdRow{d.Q.QueryRowContext(ctx, q, args...)}
}

func (d StdDB) Query(ctx context.Context, q string, each func(Scanner) error, args ...any) error {
	rows, err := d.Q.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return Each(rows, each)
}

type stdRow struct{ r *sql.Row }

func (r stdRow) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return ErrNoRows
	} else {
		return err
	}
}

// Checkpoints runs a store's bonafide.CheckpointStore methods.
type Checkpoints struct {
	Store string // "sqlite" or "postgres", for errors
	// Write runs f in one write transaction; Lock, when set, is its first
	// statement in CommitTriageCheckpoint (PostgreSQL's table lock, so
	// that two commits do not interleave; SQLite has one writer).
	Write func(ctx context.Context, f func(tx CheckpointDB) error) error
	Lock  string
	// Read is the pool reads go to; Ready, when set, says whether the
	// store can be read.
	Read  CheckpointDB
	Ready func() error
	Now   func() time.Time
	// ForUpdate ends a read of the row a write transaction changes next
	// (" FOR UPDATE" on PostgreSQL).
	ForUpdate string
}

func (c *Checkpoints) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %s: %w", c.Store, op, err)
}

func (c *Checkpoints) ready() error {
	if c.Ready != nil {
		return c.Ready()
	}
	return nil
}

// CreateTriageSegment starts a segment named name.
func (c *Checkpoints) CreateTriageSegment(ctx context.Context, name string) (int64, error) {
	if name == "" {
		return 0, bonafide.Errorf(bonafide.EInvalid, "triage segment: no name")
	}
	var id int64
	err := c.Write(ctx, func(tx CheckpointDB) error {
		return tx.QueryRow(ctx, `INSERT INTO triage_segments (name) VALUES (?) RETURNING id`, name).Scan(&id)
	})
	return id, c.fail("create triage segment", err)
}

// PutTriageSegmentChunk stores chunk n of segment id.
func (c *Checkpoints) PutTriageSegmentChunk(ctx context.Context, id int64, n int, data []byte) error {
	if len(data) > bonafide.MaxCheckpointChunk {
		return bonafide.Errorf(bonafide.ETooLarge, "triage segment chunk: %d bytes, at most %d", len(data), bonafide.MaxCheckpointChunk)
	}
	err := c.Write(ctx, func(tx CheckpointDB) error {
		var chunks int
		err := tx.QueryRow(ctx, `SELECT chunks FROM triage_segments WHERE id = ? AND digest IS NULL`+c.ForUpdate, id).Scan(&chunks)
		switch {
		case errors.Is(err, ErrNoRows):
			return bonafide.Errorf(bonafide.ENotFound, "no triage segment %d being written", id)
		case err != nil:
			return err
		case n != chunks:
			return bonafide.Errorf(bonafide.EInvalid, "triage segment %d: chunk %d, want chunk %d next", id, n, chunks)
		}
		if err := tx.Exec(ctx, `INSERT INTO triage_segment_chunks (segment_id, n, data) VALUES (?, ?, ?)`, id, n, data); err != nil {
			return err
		}
		return tx.Exec(ctx, `UPDATE triage_segments SET chunks = chunks + 1, size = size + ? WHERE id = ?`, len(data), id)
	})
	return c.fail("put triage segment chunk", err)
}

// CommitTriageCheckpoint stores the manifest of segs at seq by engine.
func (c *Checkpoints) CommitTriageCheckpoint(ctx context.Context, seq int64, engine string, segs []bonafide.TriageSegment) (int64, error) {
	if seq < 0 || engine == "" || len(segs) == 0 {
		return 0, bonafide.Errorf(bonafide.EInvalid, "triage checkpoint: seq %d, engine %q, %d segments: want seq >= 0, an engine and segments", seq, engine, len(segs))
	}
	var id int64
	err := c.Write(ctx, func(tx CheckpointDB) error {
		if c.Lock != "" {
			if err := tx.Exec(ctx, c.Lock); err != nil {
				return err
			}
		}
		var latest int64
		err := tx.QueryRow(ctx, `SELECT id FROM triage_checkpoints ORDER BY seq DESC, id DESC LIMIT 1`).Scan(&latest)
		if err != nil && !errors.Is(err, ErrNoRows) {
			return err
		}
		seen := make(map[int64]bool, len(segs))
		for i, sg := range segs {
			if err := c.checkSegment(ctx, tx, latest, sg, seen); err != nil {
				return fmt.Errorf("segment %d: %w", i, err)
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO triage_checkpoints (seq, engine, created) VALUES (?, ?, ?) RETURNING id`,
			seq, engine, c.Now().UnixMicro()).Scan(&id); err != nil {
			return err
		}
		for n, sg := range segs {
			if err := tx.Exec(ctx, `INSERT INTO triage_checkpoint_segments (checkpoint_id, n, segment_id) VALUES (?, ?, ?)`, id, n, sg.ID); err != nil {
				return err
			}
		}
		for _, q := range []string{
			`DELETE FROM triage_checkpoint_segments WHERE checkpoint_id <> ?`,
			`DELETE FROM triage_checkpoints WHERE id <> ?`,
			`DELETE FROM triage_segment_chunks WHERE segment_id NOT IN (SELECT segment_id FROM triage_checkpoint_segments WHERE checkpoint_id = ?)`,
			`DELETE FROM triage_segments WHERE id NOT IN (SELECT segment_id FROM triage_checkpoint_segments WHERE checkpoint_id = ?)`,
		} {
			if err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
	return id, c.fail("commit triage checkpoint", err)
}

// checkSegment checks that sg is a segment written since the latest
// checkpoint, which it seals with its digest, or one of latest's, as it
// was.
func (c *Checkpoints) checkSegment(ctx context.Context, tx CheckpointDB, latest int64, sg bonafide.TriageSegment, seen map[int64]bool) error {
	if seen[sg.ID] {
		return bonafide.Errorf(bonafide.EInvalid, "triage segment %d twice", sg.ID)
	}
	seen[sg.ID] = true
	if len(sg.Digest) != sha256.Size {
		return bonafide.Errorf(bonafide.EInvalid, "triage segment %d: a digest of %d bytes, want %d", sg.ID, len(sg.Digest), sha256.Size)
	}
	var (
		name   string
		size   int64
		digest []byte
	)
	err := tx.QueryRow(ctx, `SELECT name, size, digest FROM triage_segments WHERE id = ?`+c.ForUpdate, sg.ID).Scan(&name, &size, &digest)
	switch {
	case errors.Is(err, ErrNoRows):
		return bonafide.Errorf(bonafide.EInvalid, "no triage segment %d", sg.ID)
	case err != nil:
		return err
	case name != sg.Name || size != sg.Size:
		return bonafide.Errorf(bonafide.EInvalid, "triage segment %d is %q of %d bytes, not %q of %d", sg.ID, name, size, sg.Name, sg.Size)
	case digest == nil:
		return tx.Exec(ctx, `UPDATE triage_segments SET digest = ? WHERE id = ?`, sg.Digest, sg.ID)
	case !bytes.Equal(digest, sg.Digest):
		return bonafide.Errorf(bonafide.EInvalid, "triage segment %d has another digest", sg.ID)
	}
	var held int
	err = tx.QueryRow(ctx, `SELECT count(*) FROM triage_checkpoint_segments WHERE checkpoint_id = ? AND segment_id = ?`, latest, sg.ID).Scan(&held)
	if err == nil && held == 0 {
		return bonafide.Errorf(bonafide.EInvalid, "triage segment %d is not the latest checkpoint's", sg.ID)
	}
	return err
}

// LatestTriageCheckpoint returns the latest checkpoint with its segments.
func (c *Checkpoints) LatestTriageCheckpoint(ctx context.Context) (bonafide.TriageCheckpoint, error) {
	var cp bonafide.TriageCheckpoint
	if err := c.ready(); err != nil {
		return cp, err
	}
	var created int64
	err := c.Read.QueryRow(ctx, `SELECT id, seq, engine, created FROM triage_checkpoints ORDER BY seq DESC, id DESC LIMIT 1`).
		Scan(&cp.ID, &cp.Seq, &cp.Engine, &created)
	if errors.Is(err, ErrNoRows) {
		return cp, bonafide.Errorf(bonafide.ENotFound, "no triage checkpoint")
	}
	if err != nil {
		return cp, c.fail("latest triage checkpoint", err)
	}
	cp.Created = time.UnixMicro(created).UTC()
	err = c.Read.Query(ctx, `SELECT s.id, s.name, s.size, s.chunks, s.digest FROM triage_checkpoint_segments cs
		JOIN triage_segments s ON s.id = cs.segment_id WHERE cs.checkpoint_id = ? ORDER BY cs.n`, func(row Scanner) error {
		var sg bonafide.TriageSegment
		if err := row.Scan(&sg.ID, &sg.Name, &sg.Size, &sg.Chunks, &sg.Digest); err != nil {
			return err
		}
		cp.Segments = append(cp.Segments, sg)
		cp.Size += sg.Size
		return nil
	}, cp.ID)
	if err != nil {
		return bonafide.TriageCheckpoint{}, c.fail("latest triage checkpoint", err)
	}
	return cp, nil
}

// TriageSegmentChunk returns chunk n of segment id.
func (c *Checkpoints) TriageSegmentChunk(ctx context.Context, id int64, n int) ([]byte, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	var data []byte
	err := c.Read.QueryRow(ctx, `SELECT data FROM triage_segment_chunks WHERE segment_id = ? AND n = ?`, id, n).Scan(&data)
	if errors.Is(err, ErrNoRows) {
		return nil, bonafide.Errorf(bonafide.ENotFound, "triage segment %d has no chunk %d", id, n)
	}
	return data, c.fail("triage segment chunk", err)
}

// DeleteTriageCheckpoints deletes every checkpoint and segment.
func (c *Checkpoints) DeleteTriageCheckpoints(ctx context.Context) (int, error) {
	var n int
	err := c.Write(ctx, func(tx CheckpointDB) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM triage_checkpoints`).Scan(&n); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM triage_checkpoint_segments`, `DELETE FROM triage_checkpoints`,
			`DELETE FROM triage_segment_chunks`, `DELETE FROM triage_segments`} {
			if err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	return n, c.fail("delete triage checkpoints", err)
}
