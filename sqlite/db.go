package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"bonafide/sqlstore"
)

// db is the store as the queries of package sqlstore use it (sqlstore.DB):
// reads through the read pool's prepared statements, writes through the one
// writer (writeTx), times as microseconds.
type db struct{ s *Store }

var _ sqlstore.DB = db{}

func (db) Name() string { return "sqlite" }

func (d db) Readable() error { return d.s.readable() }

func (d db) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Scanner {
	return row{d.s.queryRow(ctx, q, args...)}
}

func (d db) Query(ctx context.Context, q string, args []any, each func(sqlstore.Scanner) error) error {
	rows, err := d.s.query(ctx, q, args...)
	return eachRow(rows, err, each)
}

// eachRow calls each for every row of rows (err is the query's) and
// closes them.
func eachRow(rows *sql.Rows, err error, each func(sqlstore.Scanner) error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := each(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return errors.Join(rows.Err(), rows.Close())
}

func (d db) Exec(ctx context.Context, q string, args ...any) (n int64, err error) {
	err = d.WriteTx(ctx, func(tx sqlstore.Conn) error {
		n, err = tx.Exec(ctx, q, args...)
		return err
	})
	return n, err
}

func (d db) Insert(ctx context.Context, q string, args ...any) (id int64, err error) {
	err = d.WriteTx(ctx, func(tx sqlstore.Conn) error {
		id, err = tx.Insert(ctx, q, args...)
		return err
	})
	return id, err
}

func (d db) WriteTx(ctx context.Context, f func(sqlstore.Conn) error) error {
	return d.s.writeTx(ctx, func(tx *sql.Tx) error { return f(txConn{tx}) })
}

func (db) Time(t time.Time) any { return micros(t) }

func (db) In(column string, vals any) (string, []any) {
	var args []any
	switch vals := vals.(type) {
	case []string:
		for _, v := range vals {
			args = append(args, v)
		}
	case []int64:
		for _, v := range vals {
			args = append(args, v)
		}
	default:
		panic(fmt.Sprintf("sqlite: In of %T", vals))
	}
	return column + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ") + ")", args
}

func (db) ForUpdate() string { return "" }

func (db) IndexedBy(index string) string { return " INDEXED BY " + index }

func (db) Bytewise() string { return "" } // SQLite's default collation, BINARY

func (db) LockTable(context.Context, sqlstore.Conn, string, string) error { return nil }

func (db) IsUniqueViolation(err error) bool { return isUniqueViolation(err) }

// txConn is a write transaction as sqlstore uses it.
type txConn struct{ tx *sql.Tx }

func (c txConn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Scanner {
	return row{c.tx.QueryRowContext(ctx, q, args...)}
}

func (c txConn) Query(ctx context.Context, q string, args []any, each func(sqlstore.Scanner) error) error {
	rows, err := c.tx.QueryContext(ctx, q, args...)
	return eachRow(rows, err, each)
}

func (c txConn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c txConn) Insert(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// row is one row whose absence is sqlstore.ErrNoRows.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
