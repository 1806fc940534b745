package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bonafide"
)

// This file keeps the triage engine's checkpoints (migration 011) on the
// assessments' database; see bonafide.CheckpointStore.

var _ bonafide.CheckpointStore = (*Assessments)(nil)

// CreateTriageCheckpoint starts a checkpoint at seq by engine.
func (as *Assessments) CreateTriageCheckpoint(ctx context.Context, seq int64, engine string) (int64, error) {
	if seq < 0 || engine == "" {
		return 0, bonafide.Errorf(bonafide.EInvalid, "triage checkpoint: seq %d, engine %q: want seq >= 0 and an engine", seq, engine)
	}
	var id int64
	err := as.s.writeTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO triage_checkpoints (seq, engine, created) VALUES (?, ?, ?) RETURNING id`,
			seq, engine, as.s.opts.Now().UnixMicro()).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: create triage checkpoint: %w", err)
	}
	return id, nil
}

// PutTriageCheckpointChunk stores chunk n of checkpoint id.
func (as *Assessments) PutTriageCheckpointChunk(ctx context.Context, id int64, n int, data []byte) error {
	if len(data) > bonafide.MaxCheckpointChunk {
		return bonafide.Errorf(bonafide.ETooLarge, "triage checkpoint chunk: %d bytes, at most %d", len(data), bonafide.MaxCheckpointChunk)
	}
	err := as.s.writeTx(ctx, func(tx *sql.Tx) error {
		var chunks int
		err := tx.QueryRowContext(ctx, `SELECT chunks FROM triage_checkpoints WHERE id = ? AND NOT complete`, id).Scan(&chunks)
		if errors.Is(err, sql.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no triage checkpoint %d being written", id)
		}
		if err != nil {
			return err
		}
		if n != chunks {
			return bonafide.Errorf(bonafide.EInvalid, "triage checkpoint %d: chunk %d, want chunk %d next", id, n, chunks)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO triage_checkpoint_chunks (checkpoint_id, n, data) VALUES (?, ?, ?)`, id, n, data); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE triage_checkpoints SET chunks = chunks + 1, size = size + ? WHERE id = ?`, len(data), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: put triage checkpoint chunk: %w", err)
	}
	return nil
}

// CompleteTriageCheckpoint marks checkpoint id complete and deletes every
// other.
func (as *Assessments) CompleteTriageCheckpoint(ctx context.Context, id int64, size int64) error {
	err := as.s.writeTx(ctx, func(tx *sql.Tx) error {
		var got int64
		err := tx.QueryRowContext(ctx, `SELECT size FROM triage_checkpoints WHERE id = ? AND NOT complete`, id).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return bonafide.Errorf(bonafide.ENotFound, "no triage checkpoint %d being written", id)
		}
		if err != nil {
			return err
		}
		if got != size {
			return bonafide.Errorf(bonafide.EInvalid, "triage checkpoint %d: its chunks hold %d bytes, not %d", id, got, size)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM triage_checkpoint_chunks WHERE checkpoint_id <> ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM triage_checkpoints WHERE id <> ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE triage_checkpoints SET complete = 1 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: complete triage checkpoint: %w", err)
	}
	return nil
}

// LatestTriageCheckpoint returns the completed checkpoint.
func (as *Assessments) LatestTriageCheckpoint(ctx context.Context) (bonafide.TriageCheckpoint, error) {
	if err := as.s.readable(); err != nil {
		return bonafide.TriageCheckpoint{}, err
	}
	var (
		cp      bonafide.TriageCheckpoint
		created int64
	)
	err := as.s.queryRow(ctx, `SELECT id, seq, engine, size, chunks, created FROM triage_checkpoints WHERE complete
		ORDER BY seq DESC, id DESC LIMIT 1`).Scan(&cp.ID, &cp.Seq, &cp.Engine, &cp.Size, &cp.Chunks, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, bonafide.Errorf(bonafide.ENotFound, "no triage checkpoint")
	}
	if err != nil {
		return cp, fmt.Errorf("sqlite: latest triage checkpoint: %w", err)
	}
	cp.Created = time.UnixMicro(created).UTC()
	return cp, nil
}

// TriageCheckpointChunk returns chunk n of checkpoint id.
func (as *Assessments) TriageCheckpointChunk(ctx context.Context, id int64, n int) ([]byte, error) {
	if err := as.s.readable(); err != nil {
		return nil, err
	}
	var data []byte
	err := as.s.queryRow(ctx, `SELECT data FROM triage_checkpoint_chunks WHERE checkpoint_id = ? AND n = ?`, id, n).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bonafide.Errorf(bonafide.ENotFound, "triage checkpoint %d has no chunk %d", id, n)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: triage checkpoint chunk: %w", err)
	}
	return data, nil
}

// DeleteTriageCheckpoints deletes every checkpoint.
func (as *Assessments) DeleteTriageCheckpoints(ctx context.Context) (int, error) {
	var n int64
	err := as.s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM triage_checkpoint_chunks`); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM triage_checkpoints`)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete triage checkpoints: %w", err)
	}
	return int(n), nil
}
