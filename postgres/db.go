package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"bonafide/sqlstore"
)

// db is the store as the queries of package sqlstore use it (sqlstore.DB):
// the primary's pool, placeholders numbered, times as timestamptz, rows
// locked FOR UPDATE.
type db struct{ s *Store }

var _ sqlstore.DB = db{}

func (db) Name() string { return "postgres" }

func (d db) Readable() error { return d.s.readable() }

func (d db) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Scanner {
	return conn{d.s.pool}.QueryRow(ctx, q, args...)
}

func (d db) Query(ctx context.Context, q string, args []any, each func(sqlstore.Scanner) error) error {
	return conn{d.s.pool}.Query(ctx, q, args, each)
}

func (d db) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return conn{d.s.pool}.Exec(ctx, q, args...)
}

func (d db) Insert(ctx context.Context, q string, args ...any) (int64, error) {
	return conn{d.s.pool}.Insert(ctx, q, args...)
}

func (d db) WriteTx(ctx context.Context, f func(sqlstore.Conn) error) error {
	return pgx.BeginFunc(ctx, d.s.pool, func(tx pgx.Tx) error { return f(conn{tx}) })
}

func (db) Time(t time.Time) any { return sqlstore.Micro(t) }

func (db) In(column string, vals any) (string, []any) {
	return column + " = ANY(?)", []any{vals}
}

func (db) ForUpdate() string { return " FOR UPDATE" }

func (db) IndexedBy(string) string { return "" }

func (db) Bytewise() string { return ` COLLATE "C"` }

func (db) LockTable(ctx context.Context, tx sqlstore.Conn, table, mode string) error {
	_, err := tx.Exec(ctx, `LOCK TABLE `+table+` IN `+mode+` MODE`)
	return err
}

func (db) IsUniqueViolation(err error) bool { return isUniqueViolation(err) }

// conn is the pool or a transaction as sqlstore uses it.
type conn struct{ q querier }

// querier is what pgxpool.Pool and pgx.Tx share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Scanner {
	return row{c.q.QueryRow(ctx, sqlstore.Numbered(q), args...)}
}

func (c conn) Query(ctx context.Context, q string, args []any, each func(sqlstore.Scanner) error) error {
	rows, err := c.q.Query(ctx, sqlstore.Numbered(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, sqlstore.Numbered(q), args...)
	return tag.RowsAffected(), err
}

func (c conn) Insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := c.q.QueryRow(ctx, sqlstore.Numbered(q)+` RETURNING id`, args...).Scan(&id)
	return id, err
}

// row is one row whose absence is sqlstore.ErrNoRows.
type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
