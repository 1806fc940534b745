package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"bonafide"
)

// ErrNoRows is what a [Conn]'s QueryRow gives when no row matched, in place
// of the driver's own (sql.ErrNoRows, pgx.ErrNoRows), so that the shared
// queries tell a missing row apart the same way on either database.
var ErrNoRows = errors.New("no rows in result set")

// A Conn runs statements on a store's database, or in one of its write
// transactions. Queries are written with ? placeholders; a PostgreSQL Conn
// numbers them ([Numbered]).
type Conn interface {
	// QueryRow runs a query for one row; its Scan gives ErrNoRows when
	// there is none.
	QueryRow(ctx context.Context, q string, args ...any) Scanner
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, q string, args ...any) (int64, error)
	// Insert runs an INSERT into a table with an id column and returns
	// the new row's id (SQLite's last insert id, PostgreSQL's RETURNING id).
	Insert(ctx context.Context, q string, args ...any) (int64, error)
	// Query runs a read and calls each for every row, in order, until
	// each fails; it closes the rows.
	Query(ctx context.Context, q string, args []any, each func(Scanner) error) error
}

// A DB is one store's database as the queries this package shares between
// the stores use it: reads on its read connections, writes through its own
// way of writing (SQLite's single writer and group commit, PostgreSQL's
// pool), and what its SQL and column types need.
type DB interface {
	Conn

	// Name prefixes internal errors: "sqlite" or "postgres".
	Name() string

	// Readable fails with ErrClosed once the store has begun to close.
	Readable() error

	// WriteTx runs f in one write transaction; an error from f rolls it
	// back and is returned as it is.
	WriteTx(ctx context.Context, f func(Conn) error) error

	// Time is t as the database stores it: SQLite's microseconds since
	// the epoch (0 for the zero time), PostgreSQL's timestamptz at
	// microsecond precision. [Time] scans either back.
	Time(t time.Time) any

	// In is a condition that column is one of vals (a []string or an
	// []int64), and its arguments: SQLite's IN (?, …), PostgreSQL's
	// = ANY(?) of one array.
	In(column string, vals any) (string, []any)

	// ForUpdate is what follows a SELECT that locks the rows it reads
	// until the transaction ends (" FOR UPDATE"); SQLite's single writer
	// needs nothing.
	ForUpdate() string

	// IndexedBy names the index a query on a table must read (SQLite's
	// " INDEXED BY name", where the planner would pick another); empty
	// where the planner picks it unaided.
	IndexedBy(index string) string

	// Bytewise is what follows a text column in ORDER BY so that it sorts
	// by bytes (PostgreSQL's COLLATE "C"; SQLite's default).
	Bytewise() string

	// LockTable takes a table lock of mode in transaction tx where the
	// database needs one to serialise writers across processes
	// (PostgreSQL's LOCK TABLE); SQLite's single writer needs none.
	LockTable(ctx context.Context, tx Conn, table, mode string) error

	// IsUniqueViolation reports whether err is the driver's code for a
	// unique or primary key constraint violated.
	IsUniqueViolation(err error) bool
}

// Query is Conn.Query for rows that scan to a T each.
func Query[T any](ctx context.Context, c Conn, q string, args []any, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	err := c.Query(ctx, q, args, func(row Scanner) error {
		v, err := scan(row)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// coded returns err as it is when it carries a bonafide code (a
// not-found or conflict found inside a transaction), else wrapped as
// internal with the database's name and op; nil stays nil.
func coded(db DB, op string, err error) error {
	if err == nil || bonafide.ErrorCode(err) != bonafide.EInternal {
		return err
	}
	return internal(db, op, err)
}

// internal wraps err with the database's name and op.
func internal(db DB, op string, err error) error {
	return fmt.Errorf("%s: %s: %w", db.Name(), op, err)
}

// itoa is n in decimal, for error operations.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Time scans a time column of either store: SQLite's microseconds since the
// epoch (0 is the zero time), PostgreSQL's timestamptz, or NULL (the zero
// time). What it holds is in UTC.
type Time struct{ time.Time }

// Scan implements sql.Scanner, which both drivers call.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case int64:
		t.Time = time.Time{}
		if v != 0 {
			t.Time = time.UnixMicro(v).UTC()
		}
	case time.Time:
		t.Time = v.UTC()
	default:
		return fmt.Errorf("scan time: unsupported column value %T", src)
	}
	return nil
}

var _ sql.Scanner = (*Time)(nil)

// numbered caches Numbered's results: the shared queries are few strings
// (some built from a filter, of few shapes), run many times.
var numbered struct {
	sync.Mutex
	m map[string]string
}

// maxNumbered bounds the cache; past it a query is numbered each time.
const maxNumbered = 512

// Numbered rewrites the ? placeholders of q as PostgreSQL's $1, $2, …
// The shared queries hold no ? inside a string literal or an operator.
func Numbered(q string) string {
	numbered.Lock()
	out, ok := numbered.m[q]
	numbered.Unlock()
	if ok {
		return out
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	out = b.String()
	numbered.Lock()
	if numbered.m == nil {
		numbered.m = map[string]string{}
	}
	if len(numbered.m) < maxNumbered {
		numbered.m[q] = out
	}
	numbered.Unlock()
	return out
}
