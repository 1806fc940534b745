package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"bonafide"
	"bonafide/sqlstore"
)

// This file keeps the triage engine's checkpoints (migration 013) on the
// assessments' database, with package sqlstore's SQL; see
// bonafide.CheckpointStore. They are read from the primary: a replica's
// may lag behind the assessments it restores for.

var _ bonafide.CheckpointStore = (*Assessments)(nil)

// pgDB is a sqlstore.CheckpointDB on the pool or a transaction.
type pgDB struct {
	q interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	}
}

func (d pgDB) Exec(ctx context.Context, q string, args ...any) error {
	_, err := d.q.Exec(ctx, sqlstore.Dollars(q), args...)
	return err
}

func (d pgDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Scanner {
	return pgRow{d.q.QueryRow(ctx, sqlstore.Dollars(q), args...)}
}

func (d pgDB) Query(ctx context.Context, q string, each func(sqlstore.Scanner) error, args ...any) error {
	rows, err := d.q.Query(ctx, sqlstore.Dollars(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return sqlstore.Each(rows, each)
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

func (s *Store) checkpoints() *sqlstore.Checkpoints {
	return &sqlstore.Checkpoints{Store: "postgres", Read: pgDB{s.pool}, Ready: s.readable, Now: s.opts.Now, ForUpdate: " FOR UPDATE",
		Lock: `LOCK TABLE triage_checkpoints IN EXCLUSIVE MODE`,
		Write: func(ctx context.Context, f func(sqlstore.CheckpointDB) error) error {
			return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return f(pgDB{tx}) })
		}}
}
