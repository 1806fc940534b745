package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"bonafide/interchange"
	"bonafide/storetest"
)

// tamperer edits the audit tables directly, as an insider with database
// access would, getting past the append-only triggers first.
type tamperer interface {
	data(t *testing.T, n int64) []byte
	setData(t *testing.T, n int64, b []byte)
	deleteEntry(t *testing.T, n int64)
}

type sqliteTamper struct{ db *sql.DB }

func (s sqliteTamper) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	for _, tr := range []string{"audit_entries_no_update", "audit_entries_no_delete"} {
		if _, err := s.db.Exec("DROP TRIGGER IF EXISTS " + tr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (s sqliteTamper) data(t *testing.T, n int64) []byte {
	var b []byte
	if err := s.db.QueryRow(`SELECT data FROM audit_entries WHERE n = ?`, n).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}
func (s sqliteTamper) setData(t *testing.T, n int64, b []byte) {
	s.exec(t, `UPDATE audit_entries SET data = ? WHERE n = ?`, b, n)
}
func (s sqliteTamper) deleteEntry(t *testing.T, n int64) {
	s.exec(t, `DELETE FROM audit_entries WHERE n = ?`, n)
}

type pgTamper struct{ conn *pgx.Conn }

func (p pgTamper) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if _, err := p.conn.Exec(ctx, "ALTER TABLE audit_entries DISABLE TRIGGER USER"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.conn.Exec(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (p pgTamper) data(t *testing.T, n int64) []byte {
	var b []byte
	if err := p.conn.QueryRow(context.Background(), `SELECT data FROM audit_entries WHERE n = $1`, n).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}
func (p pgTamper) setData(t *testing.T, n int64, b []byte) {
	p.exec(t, `UPDATE audit_entries SET data = $1 WHERE n = $2`, b, n)
}
func (p pgTamper) deleteEntry(t *testing.T, n int64) {
	p.exec(t, `DELETE FROM audit_entries WHERE n = $1`, n)
}

// TestAuditVerifyCommand builds an audit log through the commands (migrate
// and three imports: entries 0 to 3), tampers with it directly in the
// database, and checks that `bonafide audit verify` exits 1 naming what
// broke, on SQLite and on PostgreSQL.
func TestAuditVerifyCommand(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) (db string, tamper func(t *testing.T) tamperer)
	}{
		{"sqlite", func(t *testing.T) (string, func(t *testing.T) tamperer) {
			db := filepath.Join(t.TempDir(), "a.db")
			return db, func(t *testing.T) tamperer {
				h, err := sql.Open("sqlite", db)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { h.Close() })
				return sqliteTamper{h}
			}
		}},
		{"postgres", func(t *testing.T) (string, func(t *testing.T) tamperer) {
			dsn := postgresDSN(t)
			return dsn, func(t *testing.T) tamperer {
				c, err := pgx.Connect(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close(context.Background()) })
				return pgTamper{c}
			}
		}},
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, tp tamperer)
		code   int
		want   []string // lines of stdout
	}{
		{"untouched", func(*testing.T, tamperer) {}, 0, []string{"audit log OK: 4 entries"}},
		{"entry edited", func(t *testing.T, tp tamperer) {
			b := tp.data(t, 2)
			edited := bytes.Replace(b, []byte("imported 1 records"), []byte("imported 9 records"), 1)
			if bytes.Equal(b, edited) {
				t.Fatalf("entry 2 = %s; nothing to edit", b)
			}
			tp.setData(t, 2, edited)
		}, 1, []string{"BROKEN: entry 2 edited", "BROKEN: checkpoint 3: root mismatch at size 3 (entries 2 to 2 changed)"}},
		{"entry deleted", func(t *testing.T, tp tamperer) { tp.deleteEntry(t, 1) }, 1, []string{"BROKEN: entry 1 missing"}},
		{"entries reordered", func(t *testing.T, tp tamperer) {
			b1, b2 := tp.data(t, 1), tp.data(t, 2)
			tp.setData(t, 1, b2)
			tp.setData(t, 2, b1)
		}, 1, []string{"BROKEN: entries reordered: entry 2 is stored at index 1", "BROKEN: entries reordered: entry 1 is stored at index 2"}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					db, tamper := be.open(t)
					env := map[string]string{"BONAFIDE_DB": db}
					if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
						t.Fatalf("migrate = exit %d; stderr:\n%s", code, stderr)
					}
					dir := t.TempDir()
					for i := range 3 {
						f := filepath.Join(dir, fmt.Sprintf("in%d.jsonl", i))
						var b bytes.Buffer
						w := interchange.NewWriter(&b)
						w.Write(storetest.Referral(fmt.Sprintf("AUD-%d", i)))
						w.Flush()
						if err := os.WriteFile(f, b.Bytes(), 0o600); err != nil {
							t.Fatal(err)
						}
						if code, _, stderr := run(t, env, "", "import", f); code != 0 {
							t.Fatalf("import = exit %d; stderr:\n%s", code, stderr)
						}
					}
					tt.tamper(t, tamper(t))
					code, stdout, stderr := run(t, env, "", "audit", "verify")
					if code != tt.code {
						t.Errorf("audit verify = exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
					}
					for _, w := range tt.want {
						if !strings.Contains(stdout, w) {
							t.Errorf("audit verify stdout lacks %q:\n%s", w, stdout)
						}
					}
					if tt.code != 0 && !strings.Contains(stderr, "bonafide audit: audit log verification failed: ") {
						t.Errorf("audit verify stderr = %q, want the failure named", stderr)
					}
				})
			}
		})
	}
}

// TestAuditProve proves an entry against the latest checkpoint and checks
// the proof as a third party would, then checks that a proof whose entry
// was altered, or checked against another key, is refused.
func TestAuditProve(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	env := map[string]string{"BONAFIDE_DB": db}
	if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate = exit %d; stderr:\n%s", code, stderr)
	}
	code, cp, stderr := run(t, env, "", "audit", "checkpoint")
	if code != 0 || !strings.HasPrefix(cp, "bonafide/audit\n1\n") {
		t.Fatalf("audit checkpoint = exit %d, %q; want the checkpoint of size 1 written when migrate closed; stderr:\n%s", code, cp, stderr)
	}
	vkey := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(stderr), "verifier key:"))
	code, proof, stderr := run(t, env, "", "audit", "prove", "0")
	if code != 0 {
		t.Fatalf("audit prove 0 = exit %d; stderr:\n%s", code, stderr)
	}
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		proof string
		args  []string
		code  int
		out   string
	}{
		{"good proof, trusted key", proof, []string{"--verifier-key", vkey}, 0, "proof OK: entry 0 (schema.migrate by cli:"},
		{"good proof, key from the file", proof, nil, 0, "checked against the key in the proof itself"},
		{"entry altered", strings.Replace(proof, "schema.migrate", "schema.migrat3", 1), nil, 1, ""},
		{"another key trusted", proof, []string{"--verifier-key", "other+00000000+AQ=="}, 1, ""},
		{"not a proof", "hello\n", nil, 1, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := write(fmt.Sprintf("proof%d.txt", i), tt.proof)
			code, stdout, stderr := run(t, nil, "", append(append([]string{"audit", "check-proof"}, tt.args...), f)...)
			if code != tt.code || !strings.Contains(stdout, tt.out) {
				t.Errorf("audit check-proof = exit %d, stdout %q; want %d and %q; stderr:\n%s", code, stdout, tt.code, tt.out, stderr)
			}
		})
	}
	t.Run("entry not yet checkpointed", func(t *testing.T) {
		if code, _, stderr := run(t, env, "", "audit", "prove", "5"); code != 1 || !strings.Contains(stderr, "not covered by the latest checkpoint") {
			t.Errorf("audit prove 5 = exit %d, stderr %q; want 1 and a pointer to --new", code, stderr)
		}
	})
	t.Run("checkpoint --new", func(t *testing.T) {
		code, out, stderr := run(t, env, "", "audit", "checkpoint", "--new")
		if code != 0 || !strings.HasPrefix(out, "bonafide/audit\n1\n") {
			t.Errorf("audit checkpoint --new = exit %d, %q; stderr:\n%s", code, out, stderr)
		}
	})
}

// TestAuditVerifyExternal checks the log against checkpoints kept outside
// the system (--checkpoint): a genuine one passes, an altered one is named.
func TestAuditVerifyExternal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{"BONAFIDE_DB": db}
	if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate = exit %d; stderr:\n%s", code, stderr)
	}
	code, cp, stderr := run(t, env, "", "audit", "checkpoint")
	if code != 0 {
		t.Fatalf("audit checkpoint = exit %d; stderr:\n%s", code, stderr)
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.txt"), filepath.Join(dir, "bad.txt")
	os.WriteFile(good, []byte(cp), 0o600)
	os.WriteFile(bad, []byte(strings.Replace(cp, "\n1\n", "\n2\n", 1)), 0o600)
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"genuine outside copy", []string{"--checkpoint", good}, 0, "audit log OK: 1 entries, 2 checkpoints checked"},
		{"altered outside copy", []string{"--checkpoint", good, "--checkpoint", bad}, 1, "BROKEN: external checkpoint 2: signature bad"},
		{"missing file", []string{"--checkpoint", filepath.Join(dir, "none.txt")}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, env, "", append([]string{"audit", "verify"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stdout, tt.out) {
				t.Errorf("audit verify %v = exit %d, stdout %q; want %d and %q; stderr:\n%s", tt.args, code, stdout, tt.code, tt.out, stderr)
			}
		})
	}
}
