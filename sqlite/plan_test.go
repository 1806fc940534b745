package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaseUpdatesUseIndexes checks that the statements run for every
// campaign assessment stored, and the family restriction, find their rows
// through an index: written with only `family = ?`, SQLite ignored the
// partial index on cases.family and scanned every case once per
// assessment, a cost that grows with the store.
func TestCaseUpdatesUseIndexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plan.db")
	st, err := Open(ctx, path, Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db := rawDB(t, path)
	tests := []struct {
		name, sql string
	}{
		{"updateCaseSQL", updateCaseSQL},
		{"restrictFamilySQL", restrictFamilySQL},
		{"setRestrictedSQL", setRestrictedSQL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tt.sql, make([]any, strings.Count(tt.sql, "?"))...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(plan) == 0 {
				t.Fatal("EXPLAIN QUERY PLAN returned nothing")
			}
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN") {
					t.Errorf("plan of %s = %q, want no full scan", tt.name, plan)
				}
			}
		})
	}
}
