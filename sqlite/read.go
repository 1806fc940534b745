package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"bonafide"
)

const selectStored = `SELECT r.seq, r.type, r.stored_at, r.body, p.sealed
	FROM records r LEFT JOIN reporters p ON p.seq = r.seq`

// pageSize is how many rows Records reads per query, so that no read
// transaction stays open while the caller works on what it was given.
const pageSize = 1000

func (s *Store) scan(row interface{ Scan(...any) error }) (bonafide.Stored, error) {
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
	st, err := s.scan(s.rdb.QueryRowContext(ctx, selectStored+` WHERE r.seq = ?`, seq))
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
	st, err := s.scan(s.rdb.QueryRowContext(ctx, selectStored+` WHERE r.referral_id = ?`, id))
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
	return func(yield func(bonafide.Stored, error) bool) {
		left := limit
		for {
			n := pageSize
			if limit > 0 {
				if left <= 0 {
					return
				}
				n = min(n, left)
			}
			page, err := s.page(ctx, after, n)
			if err != nil {
				yield(bonafide.Stored{}, err)
				return
			}
			for _, st := range page {
				if !yield(st, nil) {
					return
				}
			}
			if len(page) < n {
				return
			}
			after = page[len(page)-1].Seq
			left -= len(page)
		}
	}
}

func (s *Store) page(ctx context.Context, after int64, n int) ([]bonafide.Stored, error) {
	if err := s.readable(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, selectStored+` WHERE r.seq > ? ORDER BY r.seq LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records after %d: %w", after, err)
	}
	defer rows.Close()
	page := make([]bonafide.Stored, 0, n)
	for rows.Next() {
		st, err := s.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: records after %d: %w", after, err)
		}
		page = append(page, st)
	}
	if err := rows.Err(); err != nil {
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
	rows, err := s.rdb.QueryContext(ctx, `SELECT type, count(*) FROM records GROUP BY type`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count: %w", err)
	}
	defer rows.Close()
	counts := map[bonafide.RecordType]int64{}
	for rows.Next() {
		var typ string
		var n int64
		if err := rows.Scan(&typ, &n); err != nil {
			return nil, fmt.Errorf("sqlite: count: %w", err)
		}
		counts[bonafide.RecordType(typ)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count: %w", err)
	}
	return counts, nil
}
