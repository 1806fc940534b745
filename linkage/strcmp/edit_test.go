package strcmp

import (
	"math/rand/v2"
	"testing"

	"github.com/hbollon/go-edlib"
)

func TestWithin1(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"equal", "abc", "abc", true},
		{"substitution", "abc", "abd", true},
		{"insertion end", "abc", "abcd", true},
		{"insertion middle", "abc", "abxc", true},
		{"deletion start", "abc", "bc", true},
		{"adjacent swap", "abcd", "acbd", true},
		{"two substitutions", "abcd", "xbcy", false},
		{"swap plus change", "abcd", "bacx", false},
		{"length two apart", "ab", "abcd", false},
		{"empty and one", "", "a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Within1(tt.a, tt.b); got != tt.want {
				t.Errorf("Within1(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := Within1(tt.b, tt.a); got != tt.want {
				t.Errorf("Within1(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

// TestOSAMatchesEdlib holds OSA to go-edlib's optimal string alignment
// distance on random short strings (the fixed arrays) and long ones (go-edlib
// itself), and Within1 to OSA ≤ 1.
func TestOSAMatchesEdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		a, b := randWord(r), randWord(r)
		want := edlib.OSADamerauLevenshteinDistance(a, b)
		if got := OSA(a, b); got != want {
			t.Fatalf("OSA(%q, %q) = %d, go-edlib says %d", a, b, got, want)
		}
		if got := Within1(a, b); got != (want <= 1) {
			t.Fatalf("Within1(%q, %q) = %v, want %v (distance %d)", a, b, got, want <= 1, want)
		}
	}
}
