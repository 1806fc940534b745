package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/storetest"
)

// TestExportWithoutReporters holds bonafide export to its default: no
// reporter value leaves in the output, and the clear form needs the data
// protection officer's break-glass (an enabled DPO with a second factor,
// and a written reason), which the audit log records first.
func TestExportWithoutReporters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	var b bytes.Buffer
	w := interchange.NewWriter(&b)
	for _, id := range []string{"EX-1", "EX-2"} {
		if err := w.Write(storetest.Referral(id)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	in := writeFile(t, dir, "in.jsonl", b.String())
	if code, _, stderr := run(t, nil, "", "import", "--db", db, in); code != 0 {
		t.Fatalf("import = %d: %s", code, stderr)
	}
	a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: db}, keyConfig: testKeyConfig()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []bonafide.User{
		{Name: "dana", Role: bonafide.RoleDPO, TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPConfirmed: true},
		{Name: "newdpo", Role: bonafide.RoleDPO},
		{Name: "tess", Role: bonafide.RoleTeamManager, TOTPConfirmed: true},
	} {
		u.Created, u.CreatedBy = time.Now(), "test"
		if _, err := a.Users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, name string) string {
		t.Helper()
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	reason := "the police disclosure package needs checking against the record"
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		clear   bool
		audited string
	}{
		{name: "default omits", code: 0, audited: "records.export"},
		{name: "clear without dpo", args: []string{"--reporters", "clear", "--reason", reason}, code: 2, stderr: "--dpo"},
		{name: "clear without reason", args: []string{"--reporters", "clear", "--dpo", "dana", "--reason", "because"}, code: 2, stderr: "--reason"},
		{name: "clear by a team manager", args: []string{"--reporters", "clear", "--dpo", "tess", "--reason", reason}, code: 2, stderr: "not an enabled data protection officer"},
		{name: "clear by a DPO without a second factor", args: []string{"--reporters", "clear", "--dpo", "newdpo", "--reason", reason}, code: 2, stderr: "second factor"},
		{name: "unknown form", args: []string{"--reporters", "sealed-ish"}, code: 2, stderr: "not one of omit, clear"},
		{name: "break-glass", args: []string{"--reporters", "clear", "--dpo", "dana", "--reason", reason}, code: 0, clear: true, audited: "records.export.break_glass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.jsonl")
			code, _, stderr := run(t, nil, "", append([]string{"export", "--db", db, "--out", out}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("export %v = exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.stderr)
			}
			if code != 0 {
				if _, err := os.Stat(out); err == nil {
					t.Errorf("a refused export wrote %s", out)
				}
				return
			}
			body := read(t, out)
			for _, m := range storetest.ReporterMarks() {
				if strings.Contains(body, m) != tt.clear {
					t.Errorf("export holds %q = %v, want %v", m, !tt.clear, tt.clear)
				}
			}
			a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: db}, keyConfig: testKeyConfig(), Existing: true}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			found := false
			for n := int64(0); !found; n++ {
				e, _, err := a.Audit.Entry(ctx, n)
				if err != nil {
					break // past the last entry
				}
				found = e.What == tt.audited && (!tt.clear || strings.Contains(e.Why, reason))
			}
			if !found {
				t.Errorf("no audit entry %s", tt.audited)
			}
		})
	}
}
