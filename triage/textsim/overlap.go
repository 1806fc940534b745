package textsim

import "strings"

// Overlap measures how much of a source text (a public post and its media
// description) a narrative restates: the share of the source's distinct
// content words that the narrative also uses, and which ones. A rare-word
// weight w (e.g. an inverse document frequency) may be supplied so that
// "child" counts less than "trampoline"; nil weighs every word 1.
type Overlap struct {
	Shared   []string // the shared content stems, in source order
	Coverage float64  // weighted share of the source's content words found in the narrative, 0..1
}

// Restates compares narrative with source.
func Restates(narrative, source string, w func(stem string) float64) Overlap {
	have := map[string]bool{}
	for _, s := range ContentWords(narrative) {
		have[s] = true
	}
	var o Overlap
	var total, hit float64
	seen := map[string]bool{}
	for _, s := range ContentWords(source) {
		if seen[s] {
			continue
		}
		seen[s] = true
		wt := 1.0
		if w != nil {
			wt = w(s)
		}
		total += wt
		if have[s] {
			hit += wt
			o.Shared = append(o.Shared, s)
		}
	}
	if total > 0 {
		o.Coverage = hit / total
	}
	return o
}

// Quote shortens s to at most n runes on a word boundary, for evidence.
func Quote(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
