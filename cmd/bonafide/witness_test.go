package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestAuditWitnessCommand runs the server with a witness key, and `bonafide
// audit witness` against it over loopback HTTP as the information
// governance team would: it logs in as an auditor, cosigns each new
// checkpoint, keeps its state, and the server stores the cosignatures. An
// auditor then verifies with the public verifier key alone (no master key,
// no signing key), with the witness's state; deleting a checkpoint in the
// middle, or every checkpoint, is then reported. On SQLite and PostgreSQL.
func TestAuditWitnessCommand(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) (db string, exec func(t *testing.T, q string))
	}{
		{"sqlite", func(t *testing.T) (string, func(*testing.T, string)) {
			db := filepath.Join(t.TempDir(), "w.db")
			return db, func(t *testing.T, q string) {
				h, err := sql.Open("sqlite", db)
				if err != nil {
					t.Fatal(err)
				}
				defer h.Close()
				for _, s := range []string{"DROP TRIGGER IF EXISTS audit_checkpoints_no_delete", q} {
					if _, err := h.Exec(s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
			}
		}},
		{"postgres", func(t *testing.T) (string, func(*testing.T, string)) {
			dsn := postgresDSN(t)
			return dsn, func(t *testing.T, q string) {
				c, err := pgx.Connect(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close(context.Background())
				for _, s := range []string{"ALTER TABLE audit_checkpoints DISABLE TRIGGER USER", q} {
					if _, err := c.Exec(context.Background(), s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
			}
		}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db, exec := be.open(t)
			dir := t.TempDir()
			env := map[string]string{"BONAFIDE_DB": db}
			mustRun := func(args ...string) (stdout, stderr string) {
				t.Helper()
				code, stdout, stderr := run(t, env, "", args...)
				if code != 0 {
					t.Fatalf("%s = exit %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
				}
				return stdout, stderr
			}
			mustRun("migrate")
			pwFile := filepath.Join(dir, "auditor.pw")
			if err := os.WriteFile(pwFile, []byte("a long auditor passphrase for tests\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			mustRun("user", "add", "ig-witness", "--role", "auditor", "--password-file", pwFile)
			keyFile := filepath.Join(dir, "witness.key")
			out, _ := mustRun("audit", "witness-key", "--name", "witness.test/ig", "--out", keyFile)
			wkey := strings.TrimSpace(strings.TrimPrefix(out, "witness verifier key:"))
			_, cpErr := mustRun("audit", "checkpoint", "--new")
			vkey := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cpErr), "verifier key:"))

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			keys := withTestKeys(map[string]string{"BONAFIDE_DB": db})
			std := stdio{in: strings.NewReader(""), out: io.Discard, err: pw, getenv: func(k string) string { return keys[k] }}
			done := make(chan error, 1)
			go func() {
				done <- runServe(ctx, []string{"--addr", "127.0.0.1:0", "--witness-key", wkey}, std)
				pw.Close()
			}()
			sc := bufio.NewScanner(pr)
			var addr string
			for addr == "" && sc.Scan() {
				if m := listeningRE.FindSubmatch(sc.Bytes()); m != nil {
					addr = string(m[1])
				}
			}
			if addr == "" {
				t.Fatalf("serve never logged its address; it returned %v", <-done)
			}
			go io.Copy(io.Discard, pr)

			state := filepath.Join(dir, "witness.state")
			witness := func() (int, string, string) {
				return run(t, env, "", "audit", "witness", "--url", "http://"+addr, "--user", "ig-witness",
					"--password-file", pwFile, "--state", state, "--key-file", keyFile, "--log-key", vkey)
			}
			sizes := regexp.MustCompile(`cosigned checkpoint at size (\d+) \(accepted before: (\d+)\)`)
			var last string
			for round := range 3 {
				mustRun("audit", "checkpoint", "--new")
				code, stdout, stderr := witness()
				m := sizes.FindStringSubmatch(stdout)
				if code != 0 || m == nil {
					t.Fatalf("audit witness round %d = exit %d; stdout:\n%s\nstderr:\n%s", round, code, stdout, stderr)
				}
				if round > 0 && m[2] != last {
					t.Errorf("round %d accepted before %s, want the previous round's %s", round, m[2], last)
				}
				last = m[1]
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serve after cancel = %v", err)
			}

			// The auditor: the verifier keys and the witness's state, nothing secret.
			auditor := map[string]string{"BONAFIDE_DB": db, noTestKeys: ""}
			verify := func() (int, string, string) {
				return run(t, auditor, "", "audit", "verify", "--verifier-key", vkey, "--witness-key", wkey, "--checkpoint", state)
			}
			if code, stdout, stderr := verify(); code != 0 || !strings.Contains(stdout, "audit log OK") || !strings.Contains(stdout, "cosignatures checked") {
				t.Fatalf("audit verify --verifier-key = exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if code, _, stderr := run(t, auditor, "", "audit", "verify"); code == 0 {
				t.Errorf("audit verify without keys = exit 0; want it to ask for the verifier key or the keys; stderr:\n%s", stderr)
			}

			exec(t, "DELETE FROM audit_checkpoints WHERE id = 2")
			if code, stdout, _ := verify(); code != 1 || !strings.Contains(stdout, "BROKEN: checkpoint 2 deleted") {
				t.Errorf("audit verify after deleting checkpoint 2 = exit %d; stdout:\n%s", code, stdout)
			}
			exec(t, "DELETE FROM audit_checkpoints")
			code, stdout, _ := verify()
			if code != 1 || !strings.Contains(stdout, "BROKEN: external checkpoint 1: size "+last+" is not among the stored checkpoints: deleted") {
				t.Errorf("audit verify after deleting every checkpoint = exit %d; stdout:\n%s", code, stdout)
			}
		})
	}
}
