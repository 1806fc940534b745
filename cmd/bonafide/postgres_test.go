package main

import (
	"bonafide/storetest"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// postgresDSN returns a DSN for a fresh schema, dropped when t ends, or
// skips t.
func postgresDSN(t *testing.T) string { return storetest.PostgresDSN(t, "cmd_test") }

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
	if got, want := lines(t, out), withoutReporters(lines(t, file)); !reflect.DeepEqual(got, want) {
		t.Errorf("export from PostgreSQL = %v,\nwant %v (the default export omits reporters)", got, want)
	}
}

// TestPostgresUsers runs the user commands and an authenticated serve on
// PostgreSQL: the first two administrators, a third bootstrap refused, a
// token that posts, a staff login that reads what was posted, and a
// disabled user refused.
func TestPostgresUsers(t *testing.T) {
	db := postgresDSN(t)
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	if code, stdout, stderr := run(t, nil, "", "user", "bootstrap", "--db", db); code != 0 || !passwordRE.MatchString(stdout) {
		t.Fatalf("user bootstrap = exit %d, stdout %q; want 0 and a password; stderr:\n%s", code, stdout, stderr)
	}
	if code, _, stderr := run(t, nil, "", "user", "bootstrap", "--name", "admin2", "--db", db); code != 0 {
		t.Fatalf("second user bootstrap (the pair two-person grants need) = exit %d; stderr:\n%s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "", "user", "bootstrap", "--name", "admin3", "--db", db); code != 1 || !strings.Contains(stderr, "two administrators exist already") {
		t.Errorf("third user bootstrap = exit %d, stderr %q; want 1 and a refusal", code, stderr)
	}
	tok := mustToken(t, db, "pg-sender")
	pw := mustAddUser(t, db, "pg-worker", "social_worker")
	s := serveInProcess(t, db)
	body := newReferralGen(9).next()
	if status, err := postReferral(t, http.DefaultClient, s.base, tok, body); err != nil || status != http.StatusCreated {
		t.Fatalf("POST with the token = %d, %v; want 201", status, err)
	}
	var ref struct{ ID string }
	if err := json.Unmarshal(body, &ref); err != nil {
		t.Fatal(err)
	}
	worker := mustLogin(t, s.base, "pg-worker", pw)
	getJSON(t, worker, s.base+referralPath(ref.ID), http.StatusOK, nil)
	if code, _, stderr := run(t, nil, "", "user", "disable", "pg-worker", "--db", db); code != 0 {
		t.Fatalf("user disable = exit %d; stderr:\n%s", code, stderr)
	}
	getJSON(t, worker, s.base+referralPath(ref.ID), http.StatusUnauthorized, nil)
	if code, _ := login(t, s.base, "pg-worker", pw); code != http.StatusUnauthorized {
		t.Errorf("login of a disabled user = %d, want 401", code)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve = %v", err)
	}
}

// TestPostgresFirstImport: a first import into a new, empty PostgreSQL
// database gets its schema, as a new SQLite file does, instead of being
// refused as stale; a command that only reads still refuses it.
func TestPostgresFirstImport(t *testing.T) {
	db := postgresDSN(t)
	if code, _, stderr := run(t, nil, "", "export", "--db", db); code == 0 || !strings.Contains(stderr, "migrat") {
		t.Errorf("export of an empty database = exit %d, %q; want it refused as stale", code, stderr)
	}
	dir := t.TempDir()
	if code, stdout, stderr := run(t, nil, "", "import", "--db", db, writeFile(t, dir, "good.jsonl", goodFile)); code != 0 || !strings.Contains(stdout, "imported 5 records") {
		t.Fatalf("first import into an empty database = exit %d, %q, %q; want it imported", code, stdout, stderr)
	}
}
