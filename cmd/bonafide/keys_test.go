package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/interchange"
	"bonafide/storetest"
	"bonafide/vault"
)

// noTestKeys in a test's env map stops withTestKeys adding keys, for tests
// of what happens without them.
const noTestKeys = "BONAFIDE_TEST_NO_KEYS"

// testKeys is one master key and one signing key for the whole test binary,
// as text, so that every in-process command of a test opens the same vault.
var testKeys = sync.OnceValue(func() map[string]string {
	mk, err := vault.GenerateMasterKey(nil)
	if err != nil {
		panic(err)
	}
	mt, _ := mk.MarshalText()
	_, sk, err := auditlog.GenerateSigningKey(auditlog.DefaultKeyName)
	if err != nil {
		panic(err)
	}
	return map[string]string{vault.EnvMasterKey: string(mt), auditlog.EnvSigningKey: string(sk)}
})

// withTestKeys returns env with the test keys added, unless env names keys
// of its own or holds noTestKeys.
func withTestKeys(env map[string]string) map[string]string {
	if _, ok := env[noTestKeys]; ok {
		return env
	}
	for _, k := range []string{vault.EnvMasterKey, vault.EnvMasterKeyFile, auditlog.EnvSigningKey, auditlog.EnvSigningKeyFile} {
		if env[k] != "" {
			return env
		}
	}
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, testKeys())
	return out
}

func init() {
	// Tests that run the built binary (crash_test.go) inherit the keys
	// through the process environment.
	for k, v := range testKeys() {
		if os.Getenv(k) == "" && os.Getenv(k+"_FILE") == "" {
			os.Setenv(k, v)
		}
	}
}

// testKeyConfig is the test keys as openApp takes them.
func testKeyConfig() keyConfig {
	k := testKeys()
	return keyConfig{masterKeyText: k[vault.EnvMasterKey], auditKeyText: k[auditlog.EnvSigningKey]}
}

// TestKeysRotate rotates the master key while another process (here, a
// second open of the same store) keeps working with the old key, then
// checks that export yields every reporter, that the new key alone opens
// the store and that the old key alone no longer does.
func TestKeysRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk, ak := filepath.Join(dir, "master.key"), filepath.Join(dir, "audit.key")
	env := map[string]string{"BONAFIDE_DB": filepath.Join(dir, "r.db"), vault.EnvMasterKeyFile: mk, auditlog.EnvSigningKeyFile: ak}
	mustRun := func(t *testing.T, want string, args ...string) string {
		t.Helper()
		code, stdout, stderr := run(t, env, "", args...)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Fatalf("bonafide %s = exit %d, stdout %q; want 0 and %q; stderr:\n%s", strings.Join(args, " "), code, stdout, want, stderr)
		}
		return stdout
	}
	mustRun(t, "audit verifier key", "keys", "generate")
	for _, f := range []string{mk, ak} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("stat %s = %v, %v; want mode 0600", f, fi.Mode(), err)
		}
	}
	if code, _, stderr := run(t, env, "", "keys", "generate"); code != 1 || !strings.Contains(stderr, "exists; not overwritten") {
		t.Errorf("second keys generate = exit %d, stderr %q; want 1 and a refusal", code, stderr)
	}
	oldKeys, err := vault.ReadMasterKeyFile(mk)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "applied", "migrate")
	in := filepath.Join(dir, "in.jsonl")
	var want []*bonafide.Referral
	var b bytes.Buffer
	w := interchange.NewWriter(&b)
	for i, r := range plantedReporters {
		ref := storetest.Referral(fmt.Sprintf("ROT-%d", i))
		ref.Reporter = &r
		want = append(want, ref)
		if err := w.Write(ref); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "imported 3 records", "import", in)

	// A "running server": opened before the rotation, with the old file.
	running, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: env["BONAFIDE_DB"]}, keyConfig: keyConfig{MasterKeyFile: mk, AuditKeyFile: ak}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "re-wrapped 2 data keys", "keys", "rotate")
	late := storetest.Referral("ROT-LATE")
	late.Reporter = &bonafide.Reporter{GivenName: "Imelda", FamilyName: "Sprocketwhistle", Email: "imelda@bonafide-plant.invalid"}
	if _, err := running.Store.Add(ctx, late); err != nil {
		t.Fatalf("Add on the server opened before the rotation = %v", err)
	}
	want = append(want, late)
	if _, err := running.Users.CreateUser(ctx, bonafide.User{Name: "dana", Role: bonafide.RoleDPO, TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPConfirmed: true,
		Created: time.Now(), CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	if got, err := running.Store.ReferralByID(ctx, "ROT-0"); err != nil || !reflect.DeepEqual(got.Record.(*bonafide.Referral).Reporter, want[0].Reporter) {
		t.Fatalf("ReferralByID(ROT-0) on the running server = %v; want its reporter", err)
	}
	if err := running.Close(); err != nil {
		t.Fatal(err)
	}

	exported := func(t *testing.T) map[string]*bonafide.Reporter {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out.jsonl")
		mustRun(t, "exported 4 records", "export", "--out", out, "--reporters", "clear", "--dpo", "dana", "--reason", "checking that rotation keeps every reporter readable")
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got := map[string]*bonafide.Reporter{}
		for rec, err := range interchange.NewReader(f).All() {
			if err != nil {
				t.Fatal(err)
			}
			got[rec.(*bonafide.Referral).ID] = rec.(*bonafide.Referral).Reporter
		}
		return got
	}
	check := func(t *testing.T, got map[string]*bonafide.Reporter) {
		t.Helper()
		for _, r := range want {
			if !reflect.DeepEqual(got[r.ID], r.Reporter) {
				t.Errorf("exported reporter of %s = %+v, want %+v", r.ID, got[r.ID], r.Reporter)
			}
		}
	}
	t.Run("export after rotate", func(t *testing.T) { check(t, exported(t)) })

	newKeys, err := vault.ReadMasterKeyFile(mk)
	if err != nil {
		t.Fatal(err)
	}
	if len(newKeys) != 2 || newKeys[1].ID() != oldKeys[0].ID() {
		t.Fatalf("master key file after rotate holds %v, want a new key then %v", newKeys, oldKeys)
	}
	t.Run("new key alone opens the store", func(t *testing.T) {
		if err := replaceMasterKeyFile(mk, newKeys[:1]); err != nil {
			t.Fatal(err)
		}
		check(t, exported(t))
	})
	t.Run("old key alone no longer does", func(t *testing.T) {
		old := filepath.Join(t.TempDir(), "old.key")
		if err := vault.WriteMasterKeyFile(old, oldKeys...); err != nil {
			t.Fatal(err)
		}
		a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: env["BONAFIDE_DB"]}, keyConfig: keyConfig{MasterKeyFile: old, AuditKeyFile: ak}}, slog.New(slog.DiscardHandler))
		if err == nil {
			a.Close()
			t.Fatal("openApp with the retired key = nil error, want failure to unwrap")
		}
	})
}

// TestNoKeys checks that the commands refuse to start without a master key
// or a signing key, and say how to make one.
func TestNoKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	mk := filepath.Join(t.TempDir(), "m.key")
	if _, err := vault.GenerateMasterKeyFile(mk); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		stderr string
	}{
		{"import without a master key", map[string]string{noTestKeys: "1"}, []string{"import", "--db", db, "x.jsonl"}, "no master key: give --master-key-file, set BONAFIDE_MASTER_KEY_FILE or keep bonafide-master.key in the working directory (make one with 'bonafide keys generate')"},
		{"export without a master key", map[string]string{noTestKeys: "1"}, []string{"export", "--db", db}, "bonafide keys generate"},
		{"migrate without a signing key", map[string]string{noTestKeys: "1", vault.EnvMasterKeyFile: mk}, []string{"migrate", "--db", db}, "no audit signing key"},
		{"serve without a master key", map[string]string{noTestKeys: "1"}, []string{"serve", "--db", db}, "no master key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.env, "", tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("bonafide %s = exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, exitUsage, tt.stderr)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("%s was created by a command that refused to start", db)
	}
}
