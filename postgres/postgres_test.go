package postgres

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"bonafide"
	"bonafide/sqlstore"
	"bonafide/storetest"

	"github.com/jackc/pgx/v5"
)

// testDSN returns a DSN for a fresh schema of its own, dropped when t ends,
// or skips t when BONAFIDE_TEST_POSTGRES_URL is unset.
func testDSN(t *testing.T) string { return benchDSN(t) }

// benchDSN is testDSN for any testing.TB.
func benchDSN(t testing.TB) string { return storetest.PostgresDSN(t, "test") }

// requirePostgres returns BONAFIDE_TEST_POSTGRES_URL or skips t.
func requirePostgres(t testing.TB) string { return storetest.PostgresBase(t) }

// opener gives each test its own schema and reopens it when called again
// in the same test.
func opener(opts Options) storetest.Open {
	var mu sync.Mutex
	dsns := map[*testing.T]string{}
	return func(t *testing.T) bonafide.Store {
		t.Helper()
		mu.Lock()
		dsn, ok := dsns[t]
		mu.Unlock()
		if !ok {
			dsn = testDSN(t)
			mu.Lock()
			dsns[t] = dsn
			mu.Unlock()
		}
		o := opts
		o.Migrate = true
		s, err := Open(context.Background(), dsn, o)
		if err != nil {
			t.Fatalf("Open() = %v", err)
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
	requirePostgres(t)
	storetest.Run(t, opener(Options{}))
}

func TestConformanceSealed(t *testing.T) {
	requirePostgres(t)
	storetest.Run(t, opener(Options{Sealer: storetest.XORSealer{}}))
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
			dsn := testDSN(t)
			s, err := Open(ctx, dsn, Options{Migrate: true, Sealer: tt.sealer})
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
			rows, err := s.pool.Query(ctx, `SELECT body::text FROM records`)
			if err != nil {
				t.Fatal(err)
			}
			bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(bodies) != 2 {
				t.Errorf("records has %d rows, want 2", len(bodies))
			}
			for _, body := range bodies {
				if strings.Contains(body, `"reporter"`) {
					t.Errorf("records.body has a reporter member: %s", body)
				}
				for _, m := range storetest.ReporterMarks() {
					if strings.Contains(body, m) {
						t.Errorf("records.body contains reporter value %q", m)
					}
				}
			}
			var n int
			var blob []byte
			if err := s.pool.QueryRow(ctx, `SELECT count(*), (SELECT sealed FROM reporters ORDER BY seq LIMIT 1) FROM reporters`).Scan(&n, &blob); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("reporters has %d rows, want 2", n)
			}
			plain := strings.Contains(string(blob), "Vantablack")
			if want := tt.sealer == nil; plain != want {
				t.Errorf("reporters.sealed holds the family name in clear = %v, want %v", plain, want)
			}
		})
	}
}

// TestStaleSchema checks that Open refuses a schema with migrations pending
// unless asked to migrate, and that Migrate is idempotent.
func TestStaleSchema(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	_, err := Open(ctx, dsn, Options{})
	if got := bonafide.ErrorCode(err); got != bonafide.EStaleSchema {
		t.Fatalf("Open(empty schema) error code = %q (%v), want %q", got, err, bonafide.EStaleSchema)
	}
	s, err := Open(ctx, dsn, Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open(Migrate) = %v", err)
	}
	if n, err := s.Migrate(ctx); n != 0 || err != nil {
		t.Errorf("Migrate() again = %d, %v, want 0, nil", n, err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
	s.Close()
	s, err = Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatalf("Open(migrated) = %v", err)
	}
	s.Close()
}

// TestMigrationsMatchSQLite checks that both back-ends number their
// migrations alike, as the migrate command reports one version: the
// SQLite files with the shared ones give the same names in the same order.
func TestMigrationsMatchSQLite(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	lite, err := sqlstore.Migrations(os.DirFS("../sqlite"), "migrations", columnTypes)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	for _, m := range lite {
		want = append(want, m.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("PostgreSQL's migrations %v, SQLite's %v", got, want)
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := Open(context.Background(), "postgres://user:secret@[::1", Options{})
	if got := bonafide.ErrorCode(err); got != bonafide.EInvalid {
		t.Errorf("Open(bad DSN) error code = %q, want %q", got, bonafide.EInvalid)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("Open(bad DSN) error %q repeats the password", err)
	}
}

// TestMigrateEmpty: MigrateEmpty gives a new, empty database its schema
// on first use, and still refuses a stale one (a schema with tables but
// migrations pending) rather than upgrade it unasked.
func TestMigrateEmpty(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	s, err := Open(ctx, dsn, Options{MigrateEmpty: true})
	if err != nil {
		t.Fatalf("Open(MigrateEmpty, empty schema) = %v; want the schema applied", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, dsn, Options{MigrateEmpty: true}); bonafide.ErrorCode(err) != bonafide.EStaleSchema {
		t.Errorf("Open(MigrateEmpty, stale schema) = %v; want %s", err, bonafide.EStaleSchema)
	}
}
