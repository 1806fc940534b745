package main

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/interchange"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/storetest"
)

// TestBackupRestore backs a SQLite store up through the command while it
// is open, restores it to a new path, and checks that the restored store
// verifies its audit log, unseals every reporter with the same keys (the
// exports, reporters included, are identical) and serves the same
// assessments; that restoring over an existing store, or from a file that
// is not a store, is refused; and that the backup and the restore are in
// the audit log.
func TestBackupRestore(t *testing.T) {
	for _, b := range []backupBackend{
		{"sqlite", func(t *testing.T) (string, string, string) {
			dir := t.TempDir()
			return filepath.Join(dir, "live.db"), filepath.Join(dir, "restored.db"), filepath.Join(dir, "x.db")
		}, func(t *testing.T, db string) backupStore {
			st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return backupStore{st.Users().CreateUser, st.Assessments().Assessments, st.AuditStorage().Entries, st.Close}
		}},
		// PostgreSQL: pg_dump and pg_restore between two databases of the
		// test server (the second created empty, as a restore needs).
		{"postgres", func(t *testing.T) (string, string, string) {
			if _, err := exec.LookPath("pg_dump"); err != nil {
				t.Skip("pg_dump is not installed (apt-get install postgresql-client)")
			}
			return storetest.PostgresDatabase(t, "backup_live"), storetest.PostgresDatabase(t, "backup_restored"), ""
		}, func(t *testing.T, db string) backupStore {
			st, err := postgres.Open(context.Background(), db, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return backupStore{st.Users().CreateUser, st.Assessments().Assessments, st.AuditStorage().Entries,
				func() error { st.Close(); return nil }}
		}},
	} {
		t.Run(b.name, func(t *testing.T) { testBackupRestore(t, b) })
	}
}

// backupBackend makes the databases of TestBackupRestore: the live one,
// the restore's target, and one a refused restore must not leave behind
// ("" when the target is a database that exists already).
type backupBackend struct {
	name string
	dbs  func(t *testing.T) (live, restored, refused string)
	open func(t *testing.T, db string) backupStore
}

// backupStore is what the test reads of either store.
type backupStore struct {
	createUser  func(context.Context, bonafide.User) (bonafide.User, error)
	assessments func(context.Context, string) ([]bonafide.Assessment, error)
	entries     func(context.Context, int64) iter.Seq2[auditlog.StoredEntry, error]
	close       func() error
}

func testBackupRestore(t *testing.T, bk backupBackend) {
	dir := t.TempDir()
	db, restored, refused := bk.dbs(t)
	env := map[string]string{"BONAFIDE_DB": db}
	mustRun := func(env map[string]string, args ...string) string {
		t.Helper()
		code, stdout, stderr := run(t, env, "", args...)
		if code != 0 {
			t.Fatalf("%s = exit %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout
	}
	in := filepath.Join(dir, "in.jsonl")
	var b bytes.Buffer
	w := interchange.NewWriter(&b)
	for i := range 4 {
		r := storetest.Referral(fmt.Sprintf("BK-%d", i))
		r.ImmediateDanger = i == 0
		w.Write(r)
	}
	w.Flush()
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(env, "import", in)
	mustRun(env, "triage", "--db", db, "--out", filepath.Join(dir, "triage.jsonl"))

	// The live store stays open (as a server would hold it) during the backup.
	live := bk.open(t, db)
	defer live.close()
	// A data protection officer, so that the exports below can unseal the
	// reporters (the break-glass form of export).
	dpo := bonafide.User{Name: "dana", Role: bonafide.RoleDPO, TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPConfirmed: true, Created: time.Now(), CreatedBy: "test"}
	if _, err := live.createUser(context.Background(), dpo); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	mustRun(env, "backup", "--out", backup)
	if code, _, _ := run(t, env, "", "backup", "--out", backup); code == 0 {
		t.Errorf("backup over an existing file = exit 0, want refused")
	}

	renv := map[string]string{"BONAFIDE_DB": restored}
	out := mustRun(renv, "restore", "--from", backup)
	if !strings.Contains(out, "audit log OK") {
		t.Errorf("restore = %q, want the audit log verified", out)
	}
	if code, _, _ := run(t, renv, "", "restore", "--from", backup); code == 0 {
		t.Errorf("restore over an existing store = exit 0, want refused")
	}
	if refused != "" {
		if code, _, _ := run(t, map[string]string{"BONAFIDE_DB": refused}, "", "restore", "--from", in); code == 0 {
			t.Errorf("restore from a file that is not a store = exit 0, want refused")
		}
		if _, err := os.Stat(refused); err == nil {
			t.Errorf("a refused restore left a store behind")
		}
	}
	if v := mustRun(renv, "audit", "verify"); !strings.Contains(v, "audit log OK") {
		t.Errorf("audit verify of the restored store = %q", v)
	}
	exp := func(env map[string]string) string {
		t.Helper()
		return mustRun(env, "export", "--reporters", "clear", "--dpo", "dana", "--reason", "checking that the restored store unseals as the live one does")
	}
	if a, b := exp(env), exp(renv); a != b || !strings.Contains(a, "q.vantablack@example.invalid") {
		t.Errorf("exports differ, or the reporters were not unsealed:\nlive:\n%s\nrestored:\n%s", a, b)
	}
	rs := bk.open(t, restored)
	defer rs.close()
	for i := range 4 {
		id := fmt.Sprintf("BK-%d", i)
		want, err := live.assessments(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rs.assessments(context.Background(), id)
		if err != nil || len(got) != len(want) || len(want) < 2 {
			t.Fatalf("assessments of %s restored = %d, %v; want %d (safety and campaign)", id, len(got), err, len(want))
		}
		for j := range want {
			if !bytes.Equal(got[j].Output, want[j].Output) || got[j].Kind != want[j].Kind {
				t.Errorf("assessment %d of %s restored = %s %s, want %s %s", j, id, got[j].Kind, got[j].Output, want[j].Kind, want[j].Output)
			}
		}
	}
	code, proof, _ := run(t, renv, "", "audit", "checkpoint", "--new")
	if code != 0 || proof == "" {
		t.Fatalf("checkpoint of the restored store = exit %d", code)
	}
	var whats []string
	for e, err := range rs.entries(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(e.Data, []byte(`"what":"backup"`)) || bytes.Contains(e.Data, []byte(`"what":"restore"`)) {
			whats = append(whats, string(e.Data))
		}
	}
	if len(whats) != 2 {
		t.Errorf("restored audit log holds %d backup/restore entries, want 2 (the backup, then the restore): %q", len(whats), whats)
	}
}
