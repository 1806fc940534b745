package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"bonafide"
	"bonafide/storetest"
)

// opener returns a storetest.Open that gives each test its own database
// file and reopens that file when called again in the same test.
func opener(opts Options) storetest.Open {
	var mu sync.Mutex
	paths := map[*testing.T]string{}
	return func(t *testing.T) bonafide.Store {
		t.Helper()
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "bonafide.db")
			paths[t] = path
		}
		mu.Unlock()
		o := opts
		o.Migrate = true
		s, err := Open(context.Background(), path, o)
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		})
		return s
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, opener(Options{}))
}

func TestConformanceSealed(t *testing.T) {
	storetest.Run(t, opener(Options{Sealer: storetest.XORSealer{}}))
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestReporterApart checks that no reporter value is stored with the record
// and that the reporters table holds it, sealed when a Sealer is given.
func TestReporterApart(t *testing.T) {
	tests := []struct {
		name   string
		sealer bonafide.Sealer
	}{
		{"plain", nil},
		{"sealed", storetest.XORSealer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "b.db")
			s, err := Open(ctx, path, Options{Migrate: true, Sealer: tt.sealer})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Add(ctx, storetest.Referral("A-1")); err != nil {
				t.Fatalf("Add = %v", err)
			}
			if _, err := s.Import(ctx, storetest.Seq([]bonafide.Record{storetest.Referral("A-2")})); err != nil {
				t.Fatalf("Import = %v", err)
			}
			db := rawDB(t, path)
			rows, err := db.Query(`SELECT body FROM records`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var body string
				if err := rows.Scan(&body); err != nil {
					t.Fatal(err)
				}
				n++
				if strings.Contains(body, `"reporter"`) {
					t.Errorf("records.body has a reporter member: %s", body)
				}
				for _, m := range storetest.ReporterMarks() {
					if strings.Contains(body, m) {
						t.Errorf("records.body contains reporter value %q", m)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("records has %d rows, want 2", n)
			}
			var reporters int
			var blob []byte
			if err := db.QueryRow(`SELECT count(*), max(sealed) FROM reporters`).Scan(&reporters, &blob); err != nil {
				t.Fatal(err)
			}
			if reporters != 2 {
				t.Errorf("reporters has %d rows, want 2", reporters)
			}
			plain := strings.Contains(string(blob), "Vantablack")
			if want := tt.sealer == nil; plain != want {
				t.Errorf("reporters.sealed holds the family name in clear = %v, want %v", plain, want)
			}
		})
	}
}

// TestStaleSchema checks that Open refuses a database with migrations
// pending unless asked to migrate, and that Migrate is idempotent.
func TestStaleSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "b.db")
	_, err := Open(ctx, path, Options{})
	if got := bonafide.ErrorCode(err); got != bonafide.EStaleSchema {
		t.Fatalf("Open(new file) error code = %q (%v), want %q", got, err, bonafide.EStaleSchema)
	}
	s, err := Open(ctx, path, Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open(Migrate) = %v", err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Migrate(ctx); n != 0 || err != nil {
		t.Errorf("Migrate() again = %d, %v, want 0, nil", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(migrated) = %v", err)
	}
	defer s.Close()
	var n int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

func TestOpenBadPath(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		t.Run(path, func(t *testing.T) {
			_, err := Open(context.Background(), path, Options{Migrate: true})
			if got := bonafide.ErrorCode(err); got != bonafide.EInvalid {
				t.Errorf("Open(%q) error code = %q, want %q", path, got, bonafide.EInvalid)
			}
		})
	}
}

// TestPragmas checks the settings durability and safety rest on: WAL,
// synchronous=FULL (2), foreign keys, a busy timeout on the writer, and
// read-only reader connections.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "b.db"), Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name, pragma, want string
		reader             bool
	}{
		{"journal mode", "journal_mode", "wal", false},
		{"synchronous", "synchronous", "2", false},
		{"foreign keys", "foreign_keys", "1", false},
		{"busy timeout", "busy_timeout", "5000", false},
		{"reader foreign keys", "foreign_keys", "1", true},
		{"reader busy timeout", "busy_timeout", "5000", true},
		{"reader query only", "query_only", "1", true},
		{"writer not query only", "query_only", "0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var err error
			if tt.reader {
				err = s.rdb.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got)
			} else {
				s.wmu.Lock()
				err = s.wconn.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got)
				s.wmu.Unlock()
			}
			if err != nil || got != tt.want {
				t.Errorf("PRAGMA %s = %q, %v, want %q", tt.pragma, got, err, tt.want)
			}
		})
	}
}
