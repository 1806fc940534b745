package sqlite

import (
	"context"
	"database/sql"

	"bonafide"
	"bonafide/sqlstore"
)

// This file keeps the triage engine's checkpoints (migration 013) on the
// assessments' database, with package sqlstore's SQL; see
// bonafide.CheckpointStore.

var _ bonafide.CheckpointStore = (*Assessments)(nil)

func (s *Store) checkpoints() *sqlstore.Checkpoints {
	return &sqlstore.Checkpoints{Store: "sqlite", Read: sqlstore.StdDB{Q: s.rdb}, Ready: s.readable, Now: s.opts.Now,
		Write: func(ctx context.Context, f func(sqlstore.CheckpointDB) error) error {
			return s.writeTx(ctx, func(tx *sql.Tx) error { return f(sqlstore.StdDB{Q: tx}) })
		}}
}
