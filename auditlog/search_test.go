package auditlog

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestSearch appends 1,300 entries (more than two chunks) one second
// apart and checks each kind of query, newest first, and paging by Next.
func TestSearch(t *testing.T) {
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1300
	for i := range n {
		e := Entry{Who: fmt.Sprintf("user:%d", i%3), What: []string{"login", "referral.read", "reporter.unseal"}[i%3], Object: fmt.Sprintf("R%d", i%10), Why: "test"}
		if _, err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) // entry i is at start + i+1 s
	at := func(i int) time.Time { return start.Add(time.Duration(i+1) * time.Second) }
	tests := []struct {
		name string
		q    Query
		want []int64 // the page's entries
		next int64
	}{
		{"newest", Query{Limit: 3}, []int64{1299, 1298, 1297}, 1297},
		{"before", Query{Before: 5, Limit: 10}, []int64{4, 3, 2, 1, 0}, -1},
		{"who", Query{Who: "user:1", Limit: 2}, []int64{1297, 1294}, 1294},
		{"what prefix", Query{What: "reporter.", Limit: 2}, []int64{1298, 1295}, 1295},
		{"what exact", Query{What: "reporter", Limit: 2}, nil, -1},
		{"object and who", Query{Object: "R3", Who: "user:0", Limit: 2}, []int64{1293, 1263}, 1263},
		{"dates", Query{From: at(10), To: at(13)}, []int64{12, 11, 10}, -1},
		{"last page exactly full", Query{Before: 3, Limit: 3}, []int64{2, 1, 0}, -1},
		{"nothing", Query{Who: "nobody"}, nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := l.Search(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range p.Entries {
				got = append(got, e.N)
			}
			if !slices.Equal(got, tt.want) || p.Next != tt.next {
				t.Errorf("Search(%+v) = %v next %d, want %v next %d", tt.q, got, p.Next, tt.want, tt.next)
			}
			if p.Size != n {
				t.Errorf("Size = %d, want %d", p.Size, n)
			}
		})
	}
}
