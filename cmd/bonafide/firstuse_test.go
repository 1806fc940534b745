package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewStore imports into a database that does not exist yet: it gets its
// schema on first use. A command that fails on a new database leaves no
// file, and a command that only reads refuses a missing one.
func TestNewStore(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.jsonl", goodFile)
	bad := writeFile(t, dir, "bad.jsonl", badFile)
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }

	db := filepath.Join(dir, "first.db")
	if code, stdout, stderr := run(t, nil, "", "import", good, "--db", db); code != 0 || !strings.Contains(stdout, "imported 5 records from 1 of 1 files") {
		t.Fatalf("first import into a new file = exit %d, %q %q; want 0 and 5 records", code, stdout, stderr)
	}
	if n := len(exportLines(t, db)); n != 5 {
		t.Errorf("new store holds %d records, want 5", n)
	}

	failed := filepath.Join(dir, "failed.db")
	if code, _, stderr := run(t, nil, "", "import", bad, "--db", failed); code != 1 {
		t.Fatalf("import of a bad file into a new store = exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if exists(failed + suffix) {
			t.Errorf("failed import left %s behind", failed+suffix)
		}
	}

	missing := filepath.Join(dir, "missing.db")
	for _, args := range [][]string{
		{"export", "--db", missing},
		{"audit", "verify", "--db", missing},
		{"audit", "checkpoint", "--db", missing},
		{"triage", "--db", missing},
	} {
		code, _, stderr := run(t, nil, "", args...)
		if code != 1 || !strings.Contains(stderr, "no store at "+missing) {
			t.Errorf("bonafide %s = exit %d, %q; want 1 and no store", strings.Join(args, " "), code, stderr)
		}
	}
	if exists(missing) {
		t.Errorf("a command that only reads created %s", missing)
	}

	fresh := filepath.Join(dir, "fresh.db")
	if code, stdout, stderr := run(t, nil, "", "migrate", "--db", fresh); code != 0 || !strings.Contains(stdout, "applied the pending migrations") {
		t.Errorf("migrate of a new file = exit %d, %q %q; want it applied", code, stdout, stderr)
	}
	empty := writeFile(t, dir, "empty.db", "")
	if code, stdout, stderr := run(t, nil, "", "import", good, "--db", empty); code != 0 || !strings.Contains(stdout, "imported 5 records") {
		t.Errorf("import into an empty file = exit %d, %q %q; want 0 and 5 records", code, stdout, stderr)
	}
}

// TestDefaultKeyFiles runs commands in a directory where 'bonafide keys
// generate' wrote its files, with no key flag or variable: they find them.
func TestDefaultKeyFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	noKeys := map[string]string{noTestKeys: "1"}
	good := writeFile(t, dir, "good.jsonl", goodFile)
	if code, _, stderr := run(t, noKeys, "", "import", good); code != exitUsage || !strings.Contains(stderr, "keep bonafide-master.key in the working directory") {
		t.Fatalf("import without keys = exit %d, %q; want %d naming the default file", code, stderr, exitUsage)
	}
	if code, _, stderr := run(t, noKeys, "", "keys", "generate"); code != 0 {
		t.Fatalf("keys generate = exit %d; stderr:\n%s", code, stderr)
	}
	for _, f := range []string{defaultMasterKeyFile, defaultAuditKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("keys generate did not write %s: %v", f, err)
		}
	}
	steps := [][]string{
		{"import", good},
		{"export", "--out", "out.jsonl"},
		{"audit", "checkpoint", "--new"},
		{"keys", "rotate"},
		{"audit", "verify"},
	}
	for _, args := range steps {
		if code, _, stderr := run(t, noKeys, "", args...); code != 0 {
			t.Fatalf("bonafide %s with the default key files = exit %d; stderr:\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	if n := len(lines(t, filepath.Join(dir, "out.jsonl"))); n != 5 {
		t.Errorf("export wrote %d records, want 5", n)
	}
	// A variable still wins over the file in the working directory.
	other := map[string]string{noTestKeys: "1", "BONAFIDE_MASTER_KEY_FILE": filepath.Join(dir, "none.key")}
	if code, _, _ := run(t, other, "", "export"); code == 0 {
		t.Errorf("export with BONAFIDE_MASTER_KEY_FILE naming a missing file = exit 0, want a failure")
	}
}
