package sqlstore

import (
	"bonafide"
	"bonafide/vault"
)

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

// Each calls each for every row of rows, stopping at its first error.
// The caller still closes rows.
func Each(rows Rows, each func(Scanner) error) error {
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RecordCounts reads rows of (type, count) into the map Store.Count
// returns; types with no row are absent.
func RecordCounts(rows Rows) (map[bonafide.RecordType]int64, error) {
	counts := map[bonafide.RecordType]int64{}
	for rows.Next() {
		var typ string
		var n int64
		if err := rows.Scan(&typ, &n); err != nil {
			return nil, err
		}
		counts[bonafide.RecordType(typ)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return counts, nil
}

// ScanTag reads a row of (kind, tag) of table reporter_tags.
func ScanTag(row Scanner) (vault.Tag, error) {
	var (
		kind string
		sum  []byte
	)
	if err := row.Scan(&kind, &sum); err != nil {
		return vault.Tag{}, err
	}
	t := vault.Tag{Kind: vault.TagKind(kind)}
	copy(t.Sum[:], sum)
	return t, nil
}

// ScanString reads a row of one text column.
func ScanString(row Scanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}
