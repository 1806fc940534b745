package sqlstore

import (
	"errors"
	"slices"
	"testing"
)

// table is a keyset-paged read of 1..rows, counting its queries.
type table struct {
	rows    int64
	queries int
	failAt  int // the query that fails, 1-based; 0 for none
}

func (tb *table) page(from int64, n int) ([]int64, error) {
	tb.queries++
	if tb.queries == tb.failAt {
		return nil, errors.New("query failed")
	}
	var out []int64
	for v := from + 1; v <= tb.rows && len(out) < n; v++ {
		out = append(out, v)
	}
	return out, nil
}

func TestPages(t *testing.T) {
	tests := []struct {
		name        string
		rows, after int64
		limit       int
		want        int   // rows yielded
		queries     int   // queries made
		first, last int64 // first and last row yielded
	}{
		{"empty", 0, 0, 0, 0, 1, 0, 0},
		{"less than a page", 10, 0, 0, 10, 1, 1, 10},
		{"exactly a page", PageSize, 0, 0, PageSize, 2, 1, PageSize},
		{"two and a half pages", 2*PageSize + 500, 0, 0, 2*PageSize + 500, 3, 1, 2*PageSize + 500},
		{"after", 2 * PageSize, PageSize - 1, 0, PageSize + 1, 2, PageSize, 2 * PageSize},
		{"limit under a page", 5000, 0, 10, 10, 1, 1, 10},
		{"limit of a page and a bit", 5000, 0, PageSize + 1, PageSize + 1, 2, 1, PageSize + 1},
		{"limit of two pages", 5000, 0, 2 * PageSize, 2 * PageSize, 2, 1, 2 * PageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := &table{rows: tt.rows}
			var got []int64
			for v, err := range Pages(tt.after, tt.limit, tb.page, func(v int64) int64 { return v }) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, v)
			}
			if len(got) != tt.want || tb.queries != tt.queries {
				t.Fatalf("Pages() = %d rows in %d queries, want %d in %d", len(got), tb.queries, tt.want, tt.queries)
			}
			if len(got) > 0 && (got[0] != tt.first || got[len(got)-1] != tt.last || !slices.IsSorted(got)) {
				t.Errorf("Pages() = %d..%d, want %d..%d in order", got[0], got[len(got)-1], tt.first, tt.last)
			}
		})
	}
}

func TestPagesStops(t *testing.T) {
	tb := &table{rows: 5000, failAt: 2}
	n := 0
	var last error
	for _, err := range Pages(0, 0, tb.page, func(v int64) int64 { return v }) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	if n != PageSize || last == nil {
		t.Errorf("Pages(second query fails) = %d rows, error %v, want %d and the error", n, last, PageSize)
	}
	tb = &table{rows: 5000}
	for range Pages(0, 0, tb.page, func(v int64) int64 { return v }) {
		break
	}
	if tb.queries != 1 {
		t.Errorf("Pages(caller stops at once) made %d queries, want 1", tb.queries)
	}
}
