package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresURLEnv names the variable that enables the PostgreSQL runs of
// every package's tests, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresURLEnv = "BONAFIDE_TEST_POSTGRES_URL"

// PostgresBase returns BONAFIDE_TEST_POSTGRES_URL, or skips tb saying how
// to enable the PostgreSQL runs.
func PostgresBase(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		tb.Skipf("PostgreSQL runs need %s, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable", PostgresURLEnv)
	}
	return base
}

// PostgresDSN returns a DSN for a fresh schema of its own, named prefix and
// a random suffix and dropped when tb ends, or skips tb when
// BONAFIDE_TEST_POSTGRES_URL is unset: each test sees an empty database.
func PostgresDSN(tb testing.TB, prefix string) string {
	tb.Helper()
	base := PostgresBase(tb)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	schema := prefix + "_" + hex.EncodeToString(b[:])
	if err := execPostgres(base, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("CREATE SCHEMA %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		if err := execPostgres(base, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("DROP SCHEMA %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s does not parse: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// ExecPostgres runs one statement on dsn, for tests that edit a database
// behind the store's back.
func ExecPostgres(tb testing.TB, dsn, sql string) {
	tb.Helper()
	if err := execPostgres(dsn, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

func execPostgres(dsn, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// PostgresDatabase creates a database of its own on the test server
// (CREATE DATABASE, named prefix and a random suffix), dropped when tb
// ends, and returns its URL; it skips tb when BONAFIDE_TEST_POSTGRES_URL
// is unset. Unlike PostgresDSN's schema, the URL is one the PostgreSQL
// client programs (pg_dump, pg_restore) read too, and a second database
// stands in for another server: a restore target or a read replica.
func PostgresDatabase(tb testing.TB, prefix string) string {
	tb.Helper()
	base := PostgresBase(tb)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := prefix + "_" + hex.EncodeToString(b[:])
	if err := execPostgres(base, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := execPostgres(base, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s does not parse: %v", PostgresURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}
