package textsim

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"testing"
)

// mapProfile is NewProfile as it was defined, counting trigrams in a map:
// the definition the sorting NewProfile keeps while allocating less.
func mapProfile(s string) Profile {
	rs := mask(s)
	p := map[uint32]float32{}
	for i := 0; i+3 <= len(rs); i++ {
		var h uint32 = 2166136261 + 3
		for _, r := range rs[i : i+3] {
			h = (h ^ uint32(r)) * 16777619
		}
		p[h]++
	}
	if len(p) > maxProfile {
		type kv struct {
			k uint32
			v float32
		}
		var all []kv
		for k, v := range p {
			all = append(all, kv{k, v})
		}
		slices.SortFunc(all, func(a, b kv) int {
			if a.v != b.v {
				return cmp.Compare(b.v, a.v)
			}
			return cmp.Compare(a.k, b.k)
		})
		clear(p)
		for _, x := range all[:maxProfile] {
			p[x.k] = x.v
		}
	}
	var sq float64
	for _, v := range p {
		sq += float64(v) * float64(v)
	}
	var out Profile
	if sq == 0 {
		return out
	}
	inv := float32(1 / math.Sqrt(sq))
	for k := range p {
		out.keys = append(out.keys, k)
	}
	slices.Sort(out.keys)
	for _, k := range out.keys {
		out.vals = append(out.vals, p[k]*inv)
	}
	return out
}

var profileSeeds = []string{
	"",
	"ab",
	"abc",
	"aaaa",
	"I saw Kayla Brook at 10pm on the 3rd!!! She was DRUNK... again.",
	"Zoë’s café—open. Mr Ōtani said NO.",
	"bad\xffbyte " + strings.Repeat("the quick brown fox jumps over the lazy dog, ", 20) +
		"pack my box with five dozen liquor jugs; sphinx of black quartz, judge my vow! " +
		"how vexingly quick daft zebras jump; waltz, bad nymph, for quick jigs vex.",
}

func TestProfileMatchesMapDefinition(t *testing.T) {
	for _, s := range profileSeeds {
		got, want := NewProfile(s), mapProfile(s)
		if !slices.Equal(got.keys, want.keys) || !slices.Equal(got.vals, want.vals) {
			t.Errorf("NewProfile(%q) = %v %v, want %v %v", s, got.keys, got.vals, want.keys, want.vals)
		}
	}
	if long := NewProfile(profileSeeds[len(profileSeeds)-1]); len(long.keys) != maxProfile {
		t.Errorf("a long text kept %d trigrams, want the bound %d (the test does not reach the selection)", len(long.keys), maxProfile)
	}
}

// FuzzProfile checks NewProfile against its map definition on any input.
func FuzzProfile(f *testing.F) {
	for _, s := range profileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := NewProfile(s), mapProfile(s)
		if !slices.Equal(got.keys, want.keys) || !slices.Equal(got.vals, want.vals) {
			t.Fatalf("NewProfile(%q) = %v %v, want %v %v", s, got.keys, got.vals, want.keys, want.vals)
		}
	})
}
