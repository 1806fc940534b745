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
