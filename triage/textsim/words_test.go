package textsim

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// fieldsWords is Words as strings.FieldsFunc gives it, the definition
// Words keeps while allocating less.
func fieldsWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'')
	})
}

func TestWords(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"  ,. !", []string{}},
		{"She's DRUNK again!!1 at 3am", []string{"she's", "drunk", "again", "1", "at", "3am"}},
		{"Zoë’s café—open", []string{"zoë", "s", "café", "open"}},
		{"bad\xffbyte", []string{"bad", "byte"}},
		{"trailing word", []string{"trailing", "word"}},
	} {
		if got := Words(tt.in); !slices.Equal(got, tt.want) || got == nil {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := fieldsWords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("the FieldsFunc definition of %q = %q, want %q: the table is wrong", tt.in, got, tt.want)
		}
	}
}

// FuzzWords checks Words against its FieldsFunc definition on any input.
func FuzzWords(f *testing.F) {
	for _, s := range []string{"", "She's DRUNK again!!1", "Zoë’s café—open", "bad\xffbyte", "İSTANBUL ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Words(s), fieldsWords(s); !slices.Equal(got, want) {
			t.Fatalf("Words(%q) = %q, want %q", s, got, want)
		}
	})
}
