package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"bonafide"
	"bonafide/sqlstore"
)

const selectStored = `SELECT r.seq, r.type, r.stored_at, r.body, p.sealed
	FROM records r LEFT JOIN reporters p ON p.seq = r.seq`

func (s *Store) scan(row sqlstore.Scanner) (bonafide.Stored, error) {
	var (
		seq, storedAt  int64
		typ            string
		body, reporter []byte
	)
	if err := row.Scan(&seq, &typ, &storedAt, &body, &reporter); err != nil {
		return bonafide.Stored{}, err
	}
	return s.codec.Decode(seq, typ, time.UnixMicro(storedAt), body, reporter)
}

// readable returns sqlstore.ErrClosed once Close has begun, so that reads after
// Close fail with code EUnavailable rather than an internal error.
func (s *Store) readable() error { return s.batch.Err() }

// Get returns the record with sequence number seq, or code ENotFound.
func (s *Store) Get(ctx context.Context, seq int64) (bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return bonafide.Stored{}, err
	}
	st, err := s.scan(s.queryRow(ctx, selectStored+` WHERE r.seq = ?`, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return st, bonafide.Errorf(bonafide.ENotFound, "no record %d", seq)
	}
	if err != nil {
		return st, fmt.Errorf("sqlite: get %d: %w", seq, err)
	}
	return st, nil
}

// ReferralByID returns the referral with interchange id id, or code
// ENotFound.
func (s *Store) ReferralByID(ctx context.Context, id string) (bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return bonafide.Stored{}, err
	}
	st, err := s.scan(s.queryRow(ctx, selectStored+` WHERE r.referral_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return st, bonafide.Errorf(bonafide.ENotFound, "no referral %q", id)
	}
	if err != nil {
		return st, fmt.Errorf("sqlite: referral %q: %w", id, err)
	}
	return st, nil
}

// Records yields records with Seq > after in sequence order, at most limit
// when limit > 0. It reads a page at a time and holds no connection while
// the caller handles a record. An error ends the sequence.
func (s *Store) Records(ctx context.Context, after int64, limit int) iter.Seq2[bonafide.Stored, error] {
	return sqlstore.Pages(after, limit,
		func(after int64, n int) ([]bonafide.Stored, error) { return s.page(ctx, after, n) },
		func(st bonafide.Stored) int64 { return st.Seq })
}

func (s *Store) page(ctx context.Context, after int64, n int) ([]bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, selectStored+` WHERE r.seq > ? ORDER BY r.seq LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records after %d: %w", after, err)
	}
	defer rows.Close()
	page, err := sqlstore.Collect(rows, s.scan)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records after %d: %w", after, err)
	}
	return page, nil
}

// Count returns how many records of each type are stored; types with none
// are absent.
func (s *Store) Count(ctx context.Context) (map[bonafide.RecordType]int64, error) {
	if err := s.readable(); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT type, count(*) FROM records GROUP BY type`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count: %w", err)
	}
	defer rows.Close()
	counts, err := sqlstore.RecordCounts(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count: %w", err)
	}
	return counts, nil
}

// maxCachedStmts bounds the read statements kept prepared: the queries
// are constant strings but for a few built from a filter, whose shapes
// are few; past the bound a query is prepared each time, as before.
const maxCachedStmts = 256

// stmtCache keeps read statements prepared on the read pool. modernc's
// driver compiles a query's SQL on every call that is not a prepared
// statement, which was a tenth of the intake server's CPU (the token and
// user looked up for every request, every page of records the triage
// service and the family index read).
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement of q, preparing it the first time,
// or nil when it cannot be kept (the cache is full, or preparing failed:
// the caller runs q unprepared and meets the error there).
func (s *Store) stmt(ctx context.Context, q string) *sql.Stmt {
	c := &s.stmts
	c.mu.Lock()
	st, ok := c.m[q]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := s.rdb.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok {
		st.Close()
		return old
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

// query runs a read on the pool through the statement cache.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.rdb.QueryContext(ctx, q, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := s.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.rdb.QueryRowContext(ctx, q, args...)
}

// closeStmts closes the cached statements, before the pool closes.
func (s *Store) closeStmts() error {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	var errs []error
	for _, st := range s.stmts.m {
		errs = append(errs, st.Close())
	}
	s.stmts.m = nil
	return errors.Join(errs...)
}
