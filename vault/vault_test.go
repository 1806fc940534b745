package vault

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bonafide"
)

// planted is reporter data no output may ever contain.
const planted = "Zebedee Quarrington-Plimsoll"

func mustMaster(t testing.TB) *MasterKey {
	t.Helper()
	k, err := GenerateMasterKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustVault(t testing.TB, s KeyStore, ks ...*MasterKey) *Vault {
	t.Helper()
	v, err := Open(context.Background(), s, MasterKeys(ks), Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	return v
}

func TestSealOpen(t *testing.T) {
	v := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	tests := []struct {
		name  string
		plain []byte
		aad   []byte
	}{
		{"empty", nil, []byte("R-1")},
		{"short", []byte(planted), []byte("R-1")},
		{"no aad", []byte(planted), nil},
		{"long", bytes.Repeat([]byte("x"), 1<<16), []byte("R-2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := v.Seal(tt.plain, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if want := prefixLen + len(tt.plain) + tagLen; len(s) != want {
				t.Errorf("len(Seal) = %d, want %d", len(s), want)
			}
			if len(tt.plain) > 0 && bytes.Contains(s, tt.plain) {
				t.Errorf("Seal output contains the plaintext")
			}
			got, err := v.Open(s, tt.aad)
			if err != nil || !bytes.Equal(got, tt.plain) {
				t.Errorf("Open(Seal(p)) = %d bytes, %v; want %d bytes, nil", len(got), err, len(tt.plain))
			}
			s2, _ := v.Seal(tt.plain, tt.aad)
			if bytes.Equal(s, s2) {
				t.Errorf("two Seals of the same value are equal; nonces must differ")
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	v := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	other := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	aad := ReporterAAD("R-1")
	sealed, err := v.Seal([]byte(planted), aad)
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, v *Vault, s, aad []byte) {
		t.Helper()
		got, err := v.Open(s, aad)
		if err == nil {
			t.Fatalf("Open = %q, nil; want error", got)
		}
		if strings.Contains(err.Error(), planted) || strings.Contains(err.Error(), "Zebedee") {
			t.Errorf("Open error %q leaks the plaintext", err)
		}
	}
	t.Run("other referral", func(t *testing.T) { check(t, v, sealed, ReporterAAD("R-2")) })
	t.Run("no aad", func(t *testing.T) { check(t, v, sealed, nil) })
	t.Run("other vault", func(t *testing.T) { check(t, other, sealed, aad) })
	t.Run("truncated", func(t *testing.T) {
		for n := range len(sealed) {
			check(t, v, sealed[:n], aad)
		}
	})
	t.Run("extended", func(t *testing.T) { check(t, v, append(bytes.Clone(sealed), 0), aad) })
	t.Run("every byte mangled", func(t *testing.T) {
		for i := range sealed {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				m := bytes.Clone(sealed)
				m[i] ^= x
				if _, err := v.Open(m, aad); err == nil {
					t.Errorf("Open(sealed with byte %d ^ %#x) succeeded; want error", i, x)
				}
			}
		}
	})
}

func TestWrappedKeyMangled(t *testing.T) {
	ctx := context.Background()
	m := mustMaster(t)
	var s MemoryKeyStore
	mustVault(t, &s, m)
	keys, err := s.Keys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys() = %d keys, %v; want 2 (seal and index)", len(keys), err)
	}
	openWith := func(ks []WrappedKey) error {
		var s2 MemoryKeyStore
		for _, k := range ks {
			if err := s2.AddKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Open(ctx, &s2, MasterKeys{m}, Options{})
		return err
	}
	if err := openWith(keys); err != nil {
		t.Fatalf("Open(unmangled copy) = %v, want nil", err)
	}
	for ki, k := range keys {
		for i := range k.Wrapped {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				ks := bytes.Clone(k.Wrapped)
				ks[i] ^= x
				mangled := append([]WrappedKey(nil), keys...)
				mangled[ki].Wrapped = ks
				if err := openWith(mangled); err == nil {
					t.Errorf("Open with %s key byte %d ^ %#x succeeded; want error", k.Purpose, i, x)
				}
			}
		}
		t.Run("swapped id "+k.Purpose.String(), func(t *testing.T) {
			mangled := append([]WrappedKey(nil), keys...)
			mangled[ki].ID[0] ^= 1
			if err := openWith(mangled); err == nil {
				t.Errorf("Open with a key under another ID succeeded; want error")
			}
		})
		t.Run("swapped purpose "+k.Purpose.String(), func(t *testing.T) {
			mangled := append([]WrappedKey(nil), keys...)
			mangled[ki].Purpose = 3 - mangled[ki].Purpose
			if err := openWith(mangled); err == nil {
				t.Errorf("Open with a %s key relabelled succeeded; want error", k.Purpose)
			}
		})
	}
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	old, next := mustMaster(t), mustMaster(t)
	var s MemoryKeyStore
	v := mustVault(t, &s, old)
	sealed, err := v.Seal([]byte(planted), ReporterAAD("R-1"))
	if err != nil {
		t.Fatal(err)
	}
	tagsBefore := v.Tags(&bonafide.Reporter{Email: "a.b@gmail.com"})

	if _, err := Rotate(ctx, &s, MasterKeys{next}); err == nil {
		t.Fatalf("Rotate without the old key succeeded; want error")
	}
	got, err := Rotate(ctx, &s, MasterKeys{next, old})
	if err != nil {
		t.Fatalf("Rotate = %v", err)
	}
	if want := (RotateResult{Rewrapped: 2, Primary: next.ID()}); got != want {
		t.Errorf("Rotate = %+v, want %+v", got, want)
	}
	// The running vault carries on without reloading.
	if _, err := v.Open(sealed, ReporterAAD("R-1")); err != nil {
		t.Errorf("old vault Open after Rotate = %v", err)
	}
	v2 := mustVault(t, &s, next)
	p, err := v2.Open(sealed, ReporterAAD("R-1"))
	if err != nil || string(p) != planted {
		t.Errorf("new vault Open = %v; want the sealed value", err)
	}
	if tagsAfter := v2.Tags(&bonafide.Reporter{Email: "ab@gmail.com"}); tagsAfter[0] != tagsBefore[0] {
		t.Errorf("Tags after Rotate = %v, want %v (rotation must not change tags)", tagsAfter, tagsBefore)
	}
	if _, err := Open(ctx, &s, MasterKeys{old}, Options{}); err == nil {
		t.Errorf("Open with only the retired key succeeded; want error")
	}
	got, err = Rotate(ctx, &s, MasterKeys{next})
	if err != nil {
		t.Fatalf("Rotate again = %v", err)
	}
	if want := (RotateResult{Already: 2, Primary: next.ID()}); got != want {
		t.Errorf("Rotate again = %+v, want %+v", got, want)
	}
}

func TestNewSealKeyAndReload(t *testing.T) {
	ctx := context.Background()
	m := mustMaster(t)
	var s MemoryKeyStore
	v1, v2 := mustVault(t, &s, m), mustVault(t, &s, m)
	if v1.ActiveKey() != v2.ActiveKey() {
		t.Fatalf("two vaults on one store: active keys %s, %s; want equal", v1.ActiveKey(), v2.ActiveKey())
	}
	before, _ := v1.Seal([]byte("before"), nil)
	id, err := v2.NewSealKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id == v1.ActiveKey() {
		t.Fatalf("NewSealKey = %s, the old key", id)
	}
	after, _ := v2.Seal([]byte("after"), nil)
	if !bytes.Equal(after[1:headerLen], id[:]) {
		t.Errorf("Seal after NewSealKey used key %x, want %s", after[1:headerLen], id)
	}
	for _, tt := range []struct {
		name   string
		v      *Vault
		sealed []byte
		want   string
	}{
		{"new vault, old key", v2, before, "before"},
		{"old vault, new key (lazy reload)", v1, after, "after"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.Open(tt.sealed, nil)
			if err != nil || string(got) != tt.want {
				t.Errorf("Open = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReporterRoundTrip(t *testing.T) {
	v := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	r := &bonafide.Reporter{
		GivenName: "Zebedee", FamilyName: "Quarrington-Plimsoll", Phone: "07700 900123",
		Email: "z.q+bonafide@example.org", Address: &bonafide.Address{Postcode: "ZZ99 3ZZ"},
		Relationship: "neighbour", ContactIP: "203.0.113.7", DeviceID: "dev-1234",
	}
	sealed, err := v.SealReporter("R-1", r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("Zebedee")) {
		t.Fatalf("sealed reporter contains the name")
	}
	got, err := v.OpenReporter("R-1", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got.GivenName != r.GivenName || got.Email != r.Email || got.Address == nil || got.Address.Postcode != "ZZ99 3ZZ" || got.DeviceID != r.DeviceID {
		t.Errorf("OpenReporter(SealReporter(r)) = %+v, want %+v", got, r)
	}
	if _, err := v.OpenReporter("R-2", sealed); err == nil {
		t.Errorf("OpenReporter under another referral succeeded; want error")
	} else if strings.Contains(err.Error(), "Zebedee") {
		t.Errorf("error %q leaks the reporter", err)
	}
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "master.key")
	k, err := GenerateMasterKeyFile(name)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	ks, err := ReadMasterKeyFile(name)
	if err != nil || len(ks) != 1 || ks[0].ID() != k.ID() || ks[0].key != k.key {
		t.Fatalf("ReadMasterKeyFile = %v, %v; want the written key", ks, err)
	}
	if _, err := GenerateMasterKeyFile(name); err == nil {
		t.Errorf("GenerateMasterKeyFile over an existing file succeeded; want error")
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	ks, err = LoadMasterKeys(env(map[string]string{EnvMasterKeyFile: name}))
	if err != nil || ks.Primary().ID() != k.ID() {
		t.Errorf("LoadMasterKeys(file) = %v, %v; want %s", ks, err, k.ID())
	}
	text, _ := k.MarshalText()
	ks, err = LoadMasterKeys(env(map[string]string{EnvMasterKey: string(text)}))
	if err != nil || ks.Primary().ID() != k.ID() {
		t.Errorf("LoadMasterKeys(var) = %v, %v; want %s", ks, err, k.ID())
	}
	if _, err := LoadMasterKeys(env(nil)); err == nil {
		t.Errorf("LoadMasterKeys(unset) succeeded; want error")
	}
	if err := os.Chmod(name, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMasterKeyFile(name); err == nil {
		t.Errorf("ReadMasterKeyFile(mode 0644) succeeded; want error")
	}
}

func TestParseMasterKeys(t *testing.T) {
	a, b := mustMaster(t), mustMaster(t)
	ta, _ := a.MarshalText()
	tb, _ := b.MarshalText()
	tests := []struct {
		name    string
		text    string
		want    []KeyID
		wantErr bool
	}{
		{"one", string(ta) + "\n", []KeyID{a.ID()}, false},
		{"two with comments", "# new\n" + string(tb) + "\n\n# old\n" + string(ta), []KeyID{b.ID(), a.ID()}, false},
		{"empty", "# nothing\n", nil, true},
		{"twice", string(ta) + "\n" + string(ta), nil, true},
		{"wrong prefix", strings.Replace(string(ta), "v1", "v2", 1), nil, true},
		{"short", string(ta[:len(ta)-8]), nil, true},
		{"not base64", string(ta[:len(ta)-2]) + "!!", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := ParseMasterKeys([]byte(tt.text))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseMasterKeys(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
			}
			if err != nil {
				secret := strings.TrimPrefix(string(ta), masterKeyPrefix)[:16]
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q echoes key material", err)
				}
				return
			}
			var got []KeyID
			for _, k := range ks {
				got = append(got, k.ID())
			}
			if len(got) != len(tt.want) || got[0] != tt.want[0] {
				t.Errorf("ParseMasterKeys IDs = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("every byte mangled", func(t *testing.T) {
		for i := range ta {
			m := bytes.Clone(ta)
			m[i] ^= 0x01
			ks, err := ParseMasterKeys(m)
			if err == nil && ks[0].ID() == a.ID() {
				t.Errorf("ParseMasterKeys(key with byte %d ^ 1) = the same key; want error or another key", i)
			}
		}
	})
}

func TestSecretsRedacted(t *testing.T) {
	k := mustMaster(t)
	text, _ := k.MarshalText()
	secret := strings.TrimPrefix(string(text), masterKeyPrefix)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("key", "master", k, "reporter", &bonafide.Reporter{GivenName: planted})
	out := buf.String() + k.String()
	for _, leak := range []string{secret, secret[:12], planted} {
		if strings.Contains(out, leak) {
			t.Errorf("log and String output %q contain secret %q", out, leak)
		}
	}
	if !strings.Contains(out, k.ID().String()) {
		t.Errorf("log output %q lacks the key ID, which helps operators", out)
	}
}

func TestDeferred(t *testing.T) {
	var d Deferred
	if _, err := d.Seal([]byte("x"), nil); err == nil {
		t.Errorf("Deferred.Seal before Set succeeded; want error")
	}
	if _, err := d.Open([]byte("x"), nil); err == nil {
		t.Errorf("Deferred.Open before Set succeeded; want error")
	}
	d.Set(mustVault(t, new(MemoryKeyStore), mustMaster(t)))
	s, err := d.Seal([]byte("x"), []byte("R-1"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := d.Open(s, []byte("R-1")); err != nil || string(p) != "x" {
		t.Errorf("Deferred.Open(Seal(x)) = %q, %v; want x", p, err)
	}
}
