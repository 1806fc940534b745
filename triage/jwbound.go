package triage

import "bonafide/linkage/strcmp"

// jwBound returns a number that strcmp.JaroWinkler(a, b) never exceeds,
// from what is cheap to count: a character can match only one that occurs
// in the other string, so the matches are at most the characters of a
// that occur in b (told by a 64-bit mask of b's byte values, which can
// only over-count) and at most b's length, and the transpositions at least
// none; the prefix boost
// is computed exactly. It is 0 when either string is empty and 1 when they
// are equal, as JaroWinkler is.
func jwBound(a, b string) float64 { return jwBoundMask(a, b, byteMask(a), byteMask(b)) }

// byteMask is the 64-bit mask of the byte values of s (each byte's low six
// bits) that [jwBound] counts a's characters against.
func byteMask(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		m |= 1 << (s[i] & 63)
	}
	return m
}

// jwBoundMask is [jwBound] with the byteMasks of a and b given, as a
// person's key keeps them: comparing a referral's names with hundreds of
// candidates', it reads only the referral's bytes, which are in the cache,
// and not the candidates', which mostly are not (two names of one length
// are compared only when their masks agree; the prefix boost reads at most
// four bytes).
func jwBoundMask(a, b string, ma, mb uint64) float64 {
	la, lb := len(a), len(b)
	switch {
	case la == 0 || lb == 0:
		return 0
	case la == lb && ma == mb && a == b:
		return 1
	case la > 64 || lb > 64:
		return 1 // JaroWinkler hands these to another implementation
	}
	ca := 0
	for i := 0; i < la; i++ {
		ca += int(mb >> (a[i] & 63) & 1)
	}
	m := min(ca, lb)
	if m == 0 {
		return 0
	}
	mf := float64(m)
	jaro := ((mf / float64(la)) + (mf / float64(lb)) + 1) / 3.0
	if jaro <= 0.7 {
		return jaro + 1e-9
	}
	var prefix float64
	for i := 0; i < min(la, lb, 4) && a[i] == b[i]; i++ {
		prefix++
	}
	return jaro + 0.1*prefix*(1.0-jaro) + 1e-9
}

// jwAtLeast reports whether the Jaro–Winkler similarity of a and b
// reaches t (never for an empty string), computing it only when the cheap
// bound ([jwBound]) does not already say no.
func (fl *familyLinker) jwAtLeast(a, b string, t float64) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	return jwBound(a, b) >= t && strcmp.JaroWinkler(a, b) >= t
}

// jwAtLeastMask is jwAtLeast with the byteMasks of a and b given.
func (fl *familyLinker) jwAtLeastMask(a, b string, ma, mb uint64, t float64) bool {
	if a == "" || b == "" {
		return false
	}
	if ma == mb && a == b {
		return true
	}
	return jwBoundMask(a, b, ma, mb) >= t && strcmp.JaroWinkler(a, b) >= t
}
