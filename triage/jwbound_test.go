package triage

import (
	"math/rand/v2"
	"strings"
	"testing"

	"bonafide"
	"bonafide/linkage/nickname"
	"bonafide/linkage/strcmp"
)

// TestJWBound holds jwBound at or above strcmp.JaroWinkler for pairs of
// names with typos, swaps and nothing in common, and checks that it is
// below the linker's bars for some pairs (a bound that is always 1 would
// pass and save nothing).
func TestJWBound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	names := []string{"wilhelmina", "mina", "quenby", "quenbey", "ada", "addy", "craig", "norris", "ernestine",
		"niamh", "devlin", "rosalind", "ros", "okonjo", "pelham", "tarrant", "tarrent", "", "a", "aa", "ab", "ba"}
	mutate := func(s string) string {
		b := []byte(s)
		switch r.IntN(4) {
		case 0:
			if len(b) > 0 {
				b[r.IntN(len(b))] = byte('a' + r.IntN(26))
			}
		case 1:
			if len(b) > 1 {
				i := r.IntN(len(b) - 1)
				b[i], b[i+1] = b[i+1], b[i]
			}
		case 2:
			b = append(b, byte('a'+r.IntN(26)))
		}
		return string(b)
	}
	below := 0
	for range 200000 {
		a := names[r.IntN(len(names))]
		b := names[r.IntN(len(names))]
		if r.IntN(2) == 0 {
			b = mutate(a)
		}
		if r.IntN(3) == 0 {
			a = mutate(a)
		}
		exact, bound := strcmp.JaroWinkler(a, b), jwBound(a, b)
		if a == "" || b == "" {
			exact = 0 // the linker's jw: 0 when either is empty
		}
		if bound < exact {
			t.Fatalf("jwBound(%q, %q) = %v below JaroWinkler %v", a, b, bound, exact)
		}
		if bound < 0.8 {
			below++
		}
	}
	if below == 0 {
		t.Error("jwBound never fell below 0.8: it would save no comparison")
	}
}

// TestKeyMasks checks that a person's key keeps the masks its comparisons
// read instead of the names' bytes: each that of the name it stands for,
// in every spelling the normaliser takes (accents, case, hyphens, a name
// longer than jwBound measures).
func TestKeyMasks(t *testing.T) {
	for _, p := range []bonafide.Person{
		{GivenName: "Margaret", FamilyName: "O'Neil-Hart"}, {GivenName: "ZOË", FamilyName: "Ng"}, {GivenName: "Wm.", FamilyName: ""},
		{GivenName: "", FamilyName: "Quenby"}, {GivenName: strings.Repeat("Ab", 40), FamilyName: "Þórsdóttir"},
	} {
		k := keyOf(p)
		if k.givenMask != byteMask(k.given) || k.familyMask != byteMask(k.family) || k.nick != nickname.Mask(k.given) {
			t.Errorf("keyOf(%q %q) keeps masks %#x %#x %#x, want %#x %#x %#x", p.GivenName, p.FamilyName,
				k.givenMask, k.familyMask, k.nick, byteMask(k.given), byteMask(k.family), nickname.Mask(k.given))
		}
		for _, other := range []string{"margaret", "peggy", "zoe", "william", "ab", ""} {
			if got, want := jwBoundMask(other, k.given, byteMask(other), k.givenMask), jwBound(other, k.given); got != want {
				t.Errorf("jwBoundMask(%q, %q) = %v, jwBound %v", other, k.given, got, want)
			}
		}
	}
	if m := keyOf(bonafide.Person{GivenName: "Peggy"}).nick & keyOf(bonafide.Person{GivenName: "Margaret"}).nick; m == 0 {
		t.Error("the keys of Peggy and Margaret share no nickname bit")
	}
}
