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

// NewProfile builds the style profile of s.
func NewProfile(s string) Profile {
	m := mask(s)
	p := map[uint32]float32{}
	rs := []rune(m)
	for n := 3; n <= 3; n++ {
		for i := 0; i+n <= len(rs); i++ {
			var h uint32 = 2166136261 + uint32(n)
			for _, r := range rs[i : i+n] {
				h = (h ^ uint32(r)) * 16777619
			}
			p[h]++
		}
	}
	if len(p) > maxProfile { // keep the most frequent: bounded memory per referral
		type kv struct {
			k uint32
			v float32
		}
		all := make([]kv, 0, len(p))
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
	out.keys = make([]uint32, 0, len(p))
	for k := range p {
		out.keys = append(out.keys, k)
	}
	slices.Sort(out.keys)
	out.vals = make([]float32, len(out.keys))
	for i, k := range out.keys {
		out.vals[i] = p[k] * inv
	}
	return out
}

// IsZero reports whether the profile is empty (no text, or dropped).
func (p Profile) IsZero() bool { return len(p.keys) == 0 }

// mask replaces names and digits as the Profile doc describes and keeps
// case, punctuation, spacing and the function-word texture of the text.
func mask(s string) string {
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
	return string(out)
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
