package strcmp

import "github.com/hbollon/go-edlib"

// Within1 reports whether a and b are at most one edit apart, counting a swap of two
// adjacent letters as one edit (optimal string alignment distance ≤ 1). It does not
// allocate, unlike a full distance matrix, because it runs in the pair loop.
func Within1(a, b string) bool {
	la, lb := len(a), len(b)
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	if lb-la > 1 {
		return false
	}
	i := 0
	for i < la && a[i] == b[i] {
		i++
	}
	if i == la {
		return true // equal, or b has one extra letter at the end
	}
	if la == lb {
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:] // insertion
}

// OSA is the optimal string alignment distance (substitutions, insertions,
// deletions and swaps of adjacent characters). Short strings such as NHS numbers use
// fixed arrays, so the pair loop does not allocate; longer ones go to go-edlib.
func OSA(a, b string) int {
	const max = 24
	if len(a) > max || len(b) > max {
		return edlib.OSADamerauLevenshteinDistance(a, b)
	}
	var d [max + 1][max + 1]int
	for i := 0; i <= len(a); i++ {
		d[i][0] = i
	}
	for j := 0; j <= len(b); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, d[i-2][j-2]+1)
			}
			d[i][j] = v
		}
	}
	return d[len(a)][len(b)]
}
