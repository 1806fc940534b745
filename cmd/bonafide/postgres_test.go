package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// postgresDSN returns a DSN for a fresh schema on the server named by
// BONAFIDE_TEST_POSTGRES_URL, dropped when t ends, or skips t.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("BONAFIDE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("PostgreSQL tests need BONAFIDE_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", base, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "cmd_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("CREATE SCHEMA: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("connect to drop schema: %v", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("DROP SCHEMA: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresRoundTrip runs migrate, import and export against
// PostgreSQL: BONAFIDE_DB as a postgres:// URL selects it.
func TestPostgresRoundTrip(t *testing.T) {
	env := map[string]string{"BONAFIDE_DB": postgresDSN(t)}
	file := writeFile(t, t.TempDir(), "good.jsonl", goodFile)
	steps := []struct {
		name string
		args []string
		code int
	}{
		{"stale schema refused", []string{"export"}, 1},
		{"migrate", []string{"migrate"}, 0},
		{"import", []string{"import", file}, 0},
		{"import again conflicts", []string{"import", file}, 1},
	}
	var stderr string
	for _, st := range steps {
		var code int
		if code, _, stderr = run(t, env, "", st.args...); code != st.code {
			t.Fatalf("%s: bonafide %q exit = %d, want %d; stderr:\n%s", st.name, st.args, code, st.code, stderr)
		}
	}
	if want := `line 1: referral "REF-1" is already stored`; !strings.Contains(stderr, want) {
		t.Errorf("second import stderr = %q, want %q", stderr, want)
	}
	out := filepath.Join(t.TempDir(), "export.jsonl")
	if code, _, stderr := run(t, env, "", "export", "--out", out); code != 0 {
		t.Fatalf("export exit = %d; stderr:\n%s", code, stderr)
	}
	if got, want := lines(t, out), lines(t, file); !reflect.DeepEqual(got, want) {
		t.Errorf("export from PostgreSQL = %v,\nwant %v", got, want)
	}
}
