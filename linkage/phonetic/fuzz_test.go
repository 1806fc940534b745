package phonetic

import (
	"strings"
	"testing"
)

func FuzzDoubleMetaphone(f *testing.F) {
	for _, s := range []string{"Smith", "Schmidt", "Thompson", "Catherine", "Kathryn", "Jose", "san jose", "Xavier", "Caesar", "Gough", "Zoë", "ç", "Ñ", "", "GH", "CCH", "WITZ", "McHugh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, a := DoubleMetaphone(s)
		for _, code := range []string{p, a} {
			if len(code) > 4 || strings.Trim(code, "A0BCDFGHJKLMNPQRSTVWXYZ") != "" {
				t.Errorf("DoubleMetaphone(%q) = %q, %q: code outside the alphabet or too long", s, p, a)
			}
		}
		lp, la := EncodeN(s, 12)
		if !strings.HasPrefix(lp, p) || !strings.HasPrefix(la, a) {
			t.Errorf("EncodeN(%q, 12) = %q, %q, want prefixes %q, %q", s, lp, la, p, a)
		}
		up, ua := DoubleMetaphone(strings.ToUpper(s))
		lo, lo2 := DoubleMetaphone(strings.ToLower(s))
		if isASCII(s) && (up != lo || ua != lo2) {
			t.Errorf("DoubleMetaphone depends on case for %q: %q, %q vs %q, %q", s, up, ua, lo, lo2)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
