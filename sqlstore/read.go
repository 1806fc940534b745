package sqlstore

import "iter"

// PageSize is how many rows a paged read fetches per query, so that no
// read holds a connection (or, in SQLite, a read transaction) while its
// caller works on what it was given.
const PageSize = 1000

// Pages yields the rows of a keyset-paged read: page(from, n) returns at most
// n rows from cursor from on, in order, and next(row) gives the cursor that
// follows row. It stops after a short page, after limit rows when limit > 0,
// when the caller stops, or at the first error, which it yields.
func Pages[T any](from int64, limit int, page func(from int64, n int) ([]T, error), next func(T) int64) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		left := limit
		for {
			n := PageSize
			if limit > 0 {
				if left <= 0 {
					return
				}
				n = min(n, left)
			}
			rows, err := page(from, n)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
			if len(rows) < n {
				return
			}
			from = next(rows[len(rows)-1])
			left -= len(rows)
		}
	}
}

// A Scanner is one row of either driver: *sql.Row, *sql.Rows, pgx.Row.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a result set of either driver: *sql.Rows or pgx.Rows.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect scans every row of rows with scan. The caller still closes rows
// (the drivers' Close methods differ); an error stops at once.
func Collect[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
