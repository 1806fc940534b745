package phonetic

import (
	"testing"
	"unicode/utf8"
)

func TestSoundex(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"robert", "Robert", "R163"},
		{"rupert", "Rupert", "R163"},
		{"rubin", "Rubin", "R150"},
		{"h between one code", "Ashcraft", "A261"},
		{"w between one code", "Ashcroft", "A261"},
		{"vowel separates one code", "Tymczak", "T522"},
		{"first letter's code", "Pfister", "P236"},
		{"padded", "Lee", "L000"},
		{"honeyman", "Honeyman", "H555"},
		{"case and hyphen", "SMITH-jones", "S532"},
		{"smyth", "Smyth", "S530"},
		{"diacritic folded", "Zoë", "Z000"},
		{"apostrophe", "O'Brien", "O165"},
		{"no latin letter", "Мария", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Soundex(tt.in); got != tt.want {
				t.Errorf("Soundex(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzSoundex(f *testing.F) {
	for _, s := range []string{"Robert", "Ashcraft", "Pfister", "Zoë", "Мария", "", "hw", "O'Brien"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		c := Soundex(s)
		if c == "" {
			return
		}
		if len(c) != 4 || c[0] < 'A' || c[0] > 'Z' {
			t.Fatalf("Soundex(%q) = %q, want a letter and three digits", s, c)
		}
		for i := 1; i < 4; i++ {
			if c[i] < '0' || c[i] > '6' {
				t.Fatalf("Soundex(%q) = %q, want a letter and three digits", s, c)
			}
		}
		if again := Soundex(c); again[0] != c[0] {
			t.Fatalf("Soundex(%q) = %q, Soundex of it %q: first letter lost", s, c, again)
		}
	})
}
