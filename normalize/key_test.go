package normalize

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNameKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Jane", "jane"},
		{"hyphen and space", "Mary-Jane Ann", "maryjaneann"},
		{"apostrophe", "O'Brien", "obrien"},
		{"diacritics folded", "Zoë", "zoe"},
		{"digits dropped", "Henry 8th", "henryth"},
		{"cyrillic kept", "Мария", "мария"},
		{"empty", "", ""},
		{"only punctuation", "--", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameKey(tt.in); got != tt.want {
				t.Errorf("NameKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNHSNumber(t *testing.T) {
	tests := []struct {
		name, in, want string
		valid          bool
	}{
		{"valid", "9434765919", "9434765919", true},
		{"spaced", "943 476 5919", "9434765919", true},
		{"dashed", "943-476-5919", "9434765919", true},
		{"wrong check digit", "9434765918", "9434765918", false},
		{"another wrong check digit", "1000000010", "1000000010", false},
		{"too short", "943476591", "943476591", false},
		{"too long", "94347659190", "94347659190", false},
		{"letters dropped", "NHS 9434765919", "9434765919", true},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, valid := NHSNumber(tt.in)
			if got != tt.want || valid != tt.valid {
				t.Errorf("NHSNumber(%q) = %q, %v, want %q, %v", tt.in, got, valid, tt.want, tt.valid)
			}
		})
	}
}

func TestAnyPostcode(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   PostcodeParts
		wantOK bool
	}{
		{"real", "sw1a1aa", PostcodeParts{"SW1A 1AA", "SW1A 1", "SW1A", "SW"}, true},
		{"real district", "LS6", PostcodeParts{"", "", "LS6", "LS"}, true},
		{"unknown area", "KV2 5QB", PostcodeParts{"KV2 5QB", "KV2 5", "KV2", "KV"}, true},
		{"unknown area lower case", "kv25qb", PostcodeParts{"KV2 5QB", "KV2 5", "KV2", "KV"}, true},
		{"unknown district", "KV2", PostcodeParts{"", "", "KV2", "KV"}, true},
		{"no letters", "12345", PostcodeParts{}, false},
		{"no digits", "ABCDE", PostcodeParts{}, false},
		{"too long", "ABC123DEFG", PostcodeParts{}, false},
		{"empty", "", PostcodeParts{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AnyPostcode(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("AnyPostcode(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPostcodeShape(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   PostcodeParts
		wantOK bool
	}{
		{"unused inward letters kept", "WV7 5PO", PostcodeParts{"WV7 5PO", "WV7 5", "WV7", "WV"}, true},
		{"punctuation dropped", "kv2-5qb.", PostcodeParts{"KV2 5QB", "KV2 5", "KV2", "KV"}, true},
		{"no repair", "wi71mw", PostcodeParts{"WI7 1MW", "WI7 1", "WI7", "WI"}, true},
		{"district", "ls6", PostcodeParts{"", "", "LS6", "LS"}, true},
		{"no digits", "ABCDE", PostcodeParts{}, false},
		{"one character", "A", PostcodeParts{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PostcodeShape(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("PostcodeShape(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestSplitPostcode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want PostcodeParts
	}{
		{"full", "SW1A 1AA", PostcodeParts{"SW1A 1AA", "SW1A 1", "SW1A", "SW"}},
		{"district", "LS6", PostcodeParts{"", "", "LS6", "LS"}},
		{"empty", "", PostcodeParts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitPostcode(tt.in); got != tt.want {
				t.Errorf("SplitPostcode(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzPostcodeShape checks that the parts PostcodeShape and Postcode give
// are what SplitPostcode reads back from the full postcode or district.
func FuzzPostcodeShape(f *testing.F) {
	for _, s := range []string{"KV2 5QB", "wv75po", "LS6", "SW1A 1AA", "0L1 1AA", "a", "AB-12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, read := range []func(string) (PostcodeParts, bool){PostcodeShape, Postcode} {
			p, ok := read(s)
			if !ok {
				continue
			}
			key := p.Full
			if key == "" {
				key = p.District
				p.Sector = "" // a partial postcode read back from its district alone
			}
			if got := SplitPostcode(key); got != p {
				t.Fatalf("SplitPostcode(%q) = %+v, want %+v (read from %q)", key, got, p, s)
			}
		}
	})
}

func FuzzNameKey(f *testing.F) {
	for _, s := range []string{"Zoë O'Brien", "Smith-Jones", "Мария", "Henry 8th", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		k := NameKey(s)
		if again := NameKey(k); again != k {
			t.Errorf("NameKey(%q) = %q, want it unchanged (idempotent)", k, again)
		}
		for _, r := range k {
			if !unicode.IsLetter(r) {
				t.Fatalf("NameKey(%q) = %q, holds %q, not a letter", s, k, r)
			}
		}
	})
}

// TestLetterWords pins the form the vault's blind name-and-postcode index
// is computed over: a change here would make every stored index miss.
func TestLetterWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mary Jane", "mary jane"},
		{"O'Brien-Smith, Mary", "o brien smith mary"},
		{"  JOHN   smith  ", "john smith"},
		{"Zoë Ørsted", "zoë ørsted"}, // accents kept, unlike Name
		{"Mr J. Smith 3rd", "mr j smith rd"},
		{"1234 !!", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := LetterWords(tt.in); got != tt.want {
			t.Errorf("LetterWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
