package textsim

import (
	"cmp"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// maxProfile bounds the trigrams a profile keeps, and so its memory.
const maxProfile = 128

// Profile is a writing-style profile: a sparse, unit-length vector of the
// character trigram frequencies (the most frequent 128) of a text whose
// content has been masked. Case, punctuation and spacing are kept, so
// capitals, "!!!" and "..." habits show in it. Masking keeps style and drops topic: every letter run that starts with a
// capital after the first word of a sentence becomes "N", every digit "0",
// so two writers describing the same family do not look alike because
// they use the same names.
type Profile struct {
	keys []uint32  // n-gram hashes, ascending
	vals []float32 // unit-length weights
}

// NewProfile builds the style profile of s. The trigrams are counted by
// sorting their hashes rather than in a map: the same profile, for a
// fraction of the allocation (a map of a few hundred entries per referral
// was a tenth of the triage engine's garbage).
func NewProfile(s string) Profile {
	rs := mask(s)
	const n = 3
	if len(rs) < n {
		return Profile{}
	}
	hs := make([]uint32, len(rs)-n+1)
	for i := range hs {
		var h uint32 = 2166136261 + uint32(n)
		for _, r := range rs[i : i+n] {
			h = (h ^ uint32(r)) * 16777619
		}
		hs[i] = h
	}
	slices.Sort(hs)
	// Run-length: the distinct hashes, ascending, over hs's front, and
	// how often each came.
	counts := make([]float32, 0, len(hs))
	keys := hs[:0]
	for i, h := range hs {
		if i > 0 && h == keys[len(keys)-1] {
			counts[len(counts)-1]++
			continue
		}
		keys = append(keys, h)
		counts = append(counts, 1)
	}
	if len(keys) > maxProfile { // keep the most frequent: bounded memory per referral
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int {
			if counts[a] != counts[b] {
				return cmp.Compare(counts[b], counts[a])
			}
			return cmp.Compare(keys[a], keys[b])
		})
		order = order[:maxProfile]
		slices.Sort(order) // ascending index is ascending key
		for j, i := range order {
			keys[j], counts[j] = keys[i], counts[i]
		}
		keys, counts = keys[:maxProfile], counts[:maxProfile]
	}
	var sq float64
	for _, v := range counts {
		sq += float64(v) * float64(v)
	}
	inv := float32(1 / math.Sqrt(sq))
	out := Profile{keys: slices.Clone(keys), vals: make([]float32, len(keys))}
	for i, v := range counts {
		out.vals[i] = v * inv
	}
	return out
}

// IsZero reports whether the profile is empty (no text, or dropped).
func (p Profile) IsZero() bool { return len(p.keys) == 0 }

// mask replaces names and digits as the Profile doc describes and keeps
// case, punctuation, spacing and the function-word texture of the text.
func mask(s string) []rune {
	out := make([]rune, 0, utf8.RuneCountInString(s))
	start := true // at the start of a sentence
	inName := false
	for i, r := range s {
		switch {
		case unicode.IsDigit(r):
			out = append(out, '0')
			inName = false
		case unicode.IsLetter(r):
			prevLetter := i > 0 && len(out) > 0 && (unicode.IsLetter(out[len(out)-1]) || out[len(out)-1] == 'N')
			if !prevLetter && unicode.IsUpper(r) && !start && !allCapsWordAt(s, i) {
				inName = true
				out = append(out, 'N')
			} else if !inName {
				out = append(out, r)
			}
			start = false
		default:
			inName = false
			out = append(out, r)
			if r == '.' || r == '!' || r == '?' || r == '\n' {
				start = true
			}
		}
	}
	return out
}

// allCapsWordAt reports whether the word at byte i is written in capitals
// (shouting is style, not a name).
func allCapsWordAt(s string, i int) bool {
	n := 0
	for _, r := range s[i:] {
		if !unicode.IsLetter(r) {
			break
		}
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// Cosine returns the cosine similarity of two profiles, in 0..1.
func Cosine(a, b Profile) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.keys) && j < len(b.keys) {
		switch {
		case a.keys[i] < b.keys[j]:
			i++
		case a.keys[i] > b.keys[j]:
			j++
		default:
			dot += float64(a.vals[i]) * float64(b.vals[j])
			i++
			j++
		}
	}
	return dot
}
