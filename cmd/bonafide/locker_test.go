package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLockerCommands runs a family's session: init, a file, a diary entry
// and its edit, export, then verify the bundle intact and damaged.
func TestLockerCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.locker")
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte("a long family passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BONAFIDE_LOCKER": path, "BONAFIDE_LOCKER_PASSPHRASE_FILE": pass}
	mustRun := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errs := run(t, env, stdin, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s%s", args, code, out, errs)
		}
		return out
	}
	mustRun("", "locker", "init")
	if code, _, errs := run(t, map[string]string{"BONAFIDE_LOCKER": path}, "the wrong passphrase\n", "locker", "list"); code != 1 || !strings.Contains(errs, "wrong passphrase") {
		t.Errorf("list with a wrong passphrase: exit %d, %q", code, errs)
	}
	letter := writeFile(t, dir, "letter.txt", "Your sponsored family is under investigation.")
	mustRun("", "locker", "add-file", letter, "--category", "sponsor", "--when", "2026-03-03")
	out := mustRun("", "locker", "diary", "--when", "2026-03-02 10:00", "--who", "duty social worker", "--what", "Phone call about an anonymous referral", "--category", "referral")
	id := strings.Fields(out)[2]
	mustRun("", "locker", "diary", "--edit", id, "--when", "2026-03-02 10:00", "--who", "duty social worker", "--what", "Phone call about an anonymous referral; they named the paddling pool", "--category", "referral")
	if list := mustRun("", "locker", "list"); !strings.Contains(list, "letter.txt") || !strings.Contains(list, "Phone call") {
		t.Errorf("list = %q", list)
	}
	bundle := filepath.Join(dir, "b.zip")
	mustRun("", "locker", "export", "--out", bundle, "--family", "The Test family")
	if b, err := os.ReadFile(strings.TrimSuffix(bundle, ".zip") + ".pdf"); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("dossier beside the bundle: %v", err)
	}
	// verify needs no passphrase
	code, out, errs := run(t, nil, "", "locker", "verify", bundle)
	if code != 0 || !strings.Contains(out, "bundle OK") {
		t.Fatalf("verify intact: exit %d %s%s", code, out, errs)
	}

	b, _ := os.ReadFile(bundle)
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	var dmg bytes.Buffer
	zw := zip.NewWriter(&dmg)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "exhibits/E1/letter.txt" {
			data[0] ^= 1
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	bad := filepath.Join(dir, "bad.zip")
	os.WriteFile(bad, dmg.Bytes(), 0o600)
	code, out, _ = run(t, nil, "", "locker", "verify", bad)
	if code != 1 || !strings.Contains(out, "BROKEN: exhibit E1: exhibits/E1/letter.txt: changed") {
		t.Errorf("verify damaged: exit %d, %q", code, out)
	}
}

// TestLockerServeAndTimestampUsage: the locker's server listens on a
// loopback address only; timestamp needs an authority; --tsa-roots must
// hold a certificate. Each is refused before anything opens.
func TestLockerServeAndTimestampUsage(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"serve on every interface", []string{"locker", "serve", "--addr", "0.0.0.0:0"}, exitUsage, "loopback address only"},
		{"serve on a name", []string{"locker", "serve", "--addr", "example.com:80"}, exitUsage, "loopback address only"},
		{"timestamp without a TSA", []string{"locker", "timestamp"}, exitUsage, "--tsa (BONAFIDE_LOCKER_TSA) is required"},
		{"verify with roots that are not PEM", []string{"locker", "verify", "--tsa-roots", notPEM, filepath.Join(dir, "b.zip")}, 1, "no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, map[string]string{"BONAFIDE_LOCKER": filepath.Join(dir, "f.locker")}, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("bonafide %q = %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
			}
		})
	}
}
