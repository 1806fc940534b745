package strcmp

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xrash/smetrics"
)

// TestJaroWinklerMatchesSmetrics holds JaroWinkler to the library's value
// bit for bit: names typed by strangers, random strings over a small
// alphabet (many repeated letters, the hard case for matching), the
// empty string and lengths on both sides of 64.
func TestJaroWinklerMatchesSmetrics(t *testing.T) {
	pairs := [][2]string{
		{"", ""}, {"a", ""}, {"", "b"}, {"a", "a"}, {"a", "b"},
		{"martha", "marhta"}, {"dwayne", "duane"}, {"dixon", "dicksonx"},
		{"katherine", "catherine"}, {"jon", "john"}, {"siobhan", "shivaun"},
		{"aaaa", "aaab"}, {"abcabc", "cbacba"}, {"zoë", "zoe"},
		{strings.Repeat("ab", 32), strings.Repeat("ba", 32)},
		{strings.Repeat("ab", 33), strings.Repeat("ba", 32)},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		pairs = append(pairs, [2]string{randWord(r), randWord(r)})
	}
	for _, p := range pairs {
		want := smetrics.JaroWinkler(p[0], p[1], 0.7, 4)
		if got := JaroWinkler(p[0], p[1]); got != want {
			t.Fatalf("JaroWinkler(%q, %q) = %v, smetrics says %v", p[0], p[1], got, want)
		}
	}
}

func randWord(r *rand.Rand) string {
	n := r.IntN(14) // names
	if r.IntN(10) == 0 {
		n = r.IntN(70) // every length to past the 64 of the bit sets
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdeh"[r.IntN(6)]
	}
	return string(b)
}

func FuzzJaroWinkler(f *testing.F) {
	f.Add("martha", "marhta")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := JaroWinkler(a, b), smetrics.JaroWinkler(a, b, 0.7, 4); got != want {
			t.Fatalf("JaroWinkler(%q, %q) = %v, smetrics says %v", a, b, got, want)
		}
	})
}

func BenchmarkJaroWinkler(b *testing.B) {
	for _, impl := range []struct {
		name string
		f    func(a, b string) float64
	}{
		{"own", JaroWinkler},
		{"smetrics", func(a, b string) float64 { return smetrics.JaroWinkler(a, b, 0.7, 4) }},
	} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				impl.f("catherine", "kathryn")
				impl.f("holmwick", "holmwood")
			}
		})
	}
}
