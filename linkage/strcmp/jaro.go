package strcmp

import "github.com/xrash/smetrics"

// JaroWinkler returns the Jaro–Winkler similarity of a and b with the usual
// boost threshold 0.7 and prefix of four: 1 for equal strings (two empty
// ones included), 0 when one is empty or no character matches. It compares
// bytes, as names are compared once normalised.
//
// It is smetrics.JaroWinkler(a, b, 0.7, 4), the same value to the last
// bit, without its floating-point bookkeeping for strings of up to 64 bytes
// (every name): triage's family linker compares a referral's names with
// those of about a hundred candidate families, and this comparison was the
// larger part of triage's time. Longer strings go to smetrics.
// TestJaroWinklerMatchesSmetrics and FuzzJaroWinkler hold the two equal.
//
// The greedy matching makes it depend, very rarely, on the order of its
// arguments; a caller that needs exact symmetry puts them in a fixed order.
func JaroWinkler(a, b string) float64 {
	la, lb := len(a), len(b)
	if la > 64 || lb > 64 {
		return smetrics.JaroWinkler(a, b, 0.7, 4)
	}
	if la == 0 && lb == 0 {
		return 1
	}
	if la == 0 || lb == 0 {
		return 0
	}
	reach := max(la, lb)/2 - 1 // how far apart two matching characters may be
	if reach < 0 {
		reach = 0
	}
	var usedA, usedB uint64 // matched characters, a bit each
	m := 0
	for i := 0; i < la; i++ {
		for j := max(0, i-reach); j <= min(lb-1, i+reach); j++ {
			if usedB&(1<<j) == 0 && a[i] == b[j] {
				usedA |= 1 << i
				usedB |= 1 << j
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	unaligned, j := 0, 0
	for i := 0; i < la; i++ {
		if usedA&(1<<i) == 0 {
			continue
		}
		for usedB&(1<<j) == 0 {
			j++
		}
		if a[i] != b[j] {
			unaligned++
		}
		j++
	}
	mf, t := float64(m), float64(unaligned/2)
	jaro := ((mf / float64(la)) + (mf / float64(lb)) + ((mf - t) / mf)) / 3.0
	if jaro <= 0.7 {
		return jaro
	}
	var prefix float64
	for i := 0; i < min(la, lb, 4) && a[i] == b[i]; i++ {
		prefix++
	}
	return jaro + 0.1*prefix*(1.0-jaro)
}
