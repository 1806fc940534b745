package vault

import (
	"bytes"
	"context"
	"testing"
)

// FuzzOpen checks that Open accepts only the exact bytes Seal produced.
func FuzzOpen(f *testing.F) {
	v, err := Open(context.Background(), new(MemoryKeyStore), MasterKeys{mustMaster(f)}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	aad := ReporterAAD("R-1")
	sealed, err := v.Seal([]byte(`{"given_name":"Ada"}`), aad)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(sealed[:prefixLen])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := v.Open(b, aad); err == nil && !bytes.Equal(b, sealed) {
			t.Errorf("Open accepted %x, which Seal did not produce", b)
		}
	})
}

// FuzzNormalize checks that every normaliser is idempotent, so that a
// normalised value stored or re-entered gives the same tag.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"Jo.Bloggs+x@Gmail.com", "jo dot bloggs at gmail dot com", "07700 900123", "+44 (0)7700-900123 ext 4",
		"203.0.113.7:443", "::ffff:203.0.113.7", "2001:db8::1", "AB12-cd34", "withheld", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range []struct {
			name string
			f    func(string) (string, bool)
		}{
			{"NormalizeEmail", NormalizeEmail},
			{"NormalizePhone", NormalizePhone},
			{"NormalizeDevice", NormalizeDevice},
			{"NormalizeIP", func(s string) (string, bool) { a, _, ok := NormalizeIP(s); return a, ok }},
		} {
			once, ok := n.f(s)
			if !ok {
				continue
			}
			twice, ok2 := n.f(once)
			if !ok2 || twice != once {
				t.Errorf("%s(%q) = %q, but %s(%q) = %q, %v", n.name, s, once, n.name, once, twice, ok2)
			}
		}
	})
}

// FuzzParseMasterKeys checks that a parsed key file never panics and that
// every key it yields writes back to a line that parses to the same key.
func FuzzParseMasterKeys(f *testing.F) {
	k := mustMaster(f)
	text, _ := k.MarshalText()
	f.Add(text)
	f.Add(append(append([]byte("# comment\n"), text...), '\n'))
	f.Add([]byte(masterKeyPrefix + "AAAA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ks, err := ParseMasterKeys(b)
		if err != nil {
			return
		}
		for _, k := range ks {
			line, _ := k.MarshalText()
			back, err := ParseMasterKeys(line)
			if err != nil || len(back) != 1 || back[0].ID() != k.ID() {
				t.Errorf("ParseMasterKeys(MarshalText(k)) = %v, %v; want k", back, err)
			}
		}
	})
}
