package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"bonafide"
	"bonafide/sqlstore"

	"github.com/jackc/pgx/v5"
)

const selectStored = `SELECT r.seq, r.type, r.stored_at, r.body::text, p.sealed
	FROM records r LEFT JOIN reporters p ON p.seq = r.seq`

func (s *Store) scan(row sqlstore.Scanner) (bonafide.Stored, error) {
	var (
		seq      int64
		typ      string
		storedAt time.Time
		body     string
		reporter []byte
	)
	if err := row.Scan(&seq, &typ, &storedAt, &body, &reporter); err != nil {
		return bonafide.Stored{}, err
	}
	return s.codec.Decode(seq, typ, storedAt, []byte(body), reporter)
}

// readable returns sqlstore.ErrClosed once Close has begun, so that reads after
// Close fail with code EUnavailable rather than an internal error.
func (s *Store) readable() error { return s.batch.Err() }

// Get returns the record with sequence number seq, or code ENotFound.
func (s *Store) Get(ctx context.Context, seq int64) (bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return bonafide.Stored{}, err
	}
	st, err := s.scan(s.pool.QueryRow(ctx, selectStored+` WHERE r.seq = $1`, seq))
	if errors.Is(err, pgx.ErrNoRows) {
		return st, bonafide.Errorf(bonafide.ENotFound, "no record %d", seq)
	}
	if err != nil {
		return st, fmt.Errorf("postgres: get %d: %w", seq, err)
	}
	return st, nil
}

// ReferralByID returns the referral with interchange id id, or code
// ENotFound.
func (s *Store) ReferralByID(ctx context.Context, id string) (bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return bonafide.Stored{}, err
	}
	st, err := s.scan(s.pool.QueryRow(ctx, selectStored+` WHERE r.referral_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return st, bonafide.Errorf(bonafide.ENotFound, "no referral %q", id)
	}
	if err != nil {
		return st, fmt.Errorf("postgres: referral %q: %w", id, err)
	}
	return st, nil
}

// Records yields records with Seq > after in sequence order, at most limit
// when limit > 0, a page at a time. An error ends the sequence.
func (s *Store) Records(ctx context.Context, after int64, limit int) iter.Seq2[bonafide.Stored, error] {
	return sqlstore.Pages(after, limit,
		func(after int64, n int) ([]bonafide.Stored, error) { return s.page(ctx, after, n) },
		func(st bonafide.Stored) int64 { return st.Seq })
}

func (s *Store) page(ctx context.Context, after int64, n int) ([]bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectStored+` WHERE r.seq > $1 ORDER BY r.seq LIMIT $2`, after, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: records after %d: %w", after, err)
	}
	defer rows.Close()
	page, err := sqlstore.Collect(rows, s.scan)
	if err != nil {
		return nil, fmt.Errorf("postgres: records after %d: %w", after, err)
	}
	return page, nil
}

// Count returns how many records of each type are stored; types with none
// are absent.
func (s *Store) Count(ctx context.Context) (map[bonafide.RecordType]int64, error) {
	if err := s.readable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT type, count(*) FROM records GROUP BY type`)
	if err != nil {
		return nil, fmt.Errorf("postgres: count: %w", err)
	}
	defer rows.Close()
	counts, err := sqlstore.RecordCounts(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: count: %w", err)
	}
	return counts, nil
}
