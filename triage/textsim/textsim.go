// Package textsim holds the text measures campaign triage uses: MinHash
// signatures with a small banded LSH index for near-duplicate narratives,
// character n-gram style profiles compared by cosine, content-word overlap
// for "restates a public post", and a detector of first-hand detail.
//
// Every measure uses general features of English text (word shingles,
// character n-grams, stop words, time and place expressions, first-person
// perception verbs); none matches phrases of any particular generator.
package textsim

import (
	"strings"
	"unicode"
)

// Words splits s into lower-case words of letters, digits and apostrophes.
// Triage splits every narrative several times, so it allocates once: it
// counts the words first, then cuts them (strings.FieldsFunc also builds
// a slice of spans, grown as it goes).
func Words(s string) []string {
	s = strings.ToLower(s)
	n, in := 0, false
	for _, r := range s {
		w := isWordRune(r)
		if w && !in {
			n++
		}
		in = w
	}
	out := make([]string, 0, n)
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' }

// stop lists English function words, which carry no content for overlap.
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if then so of to in on at by for with from as into onto
	is are was were be been being am do does did doing have has had having i me my mine we us our you your he him his
	she her hers they them their it its this that these those there here what which who whom whose when where why how
	all any both each few more most other some such no nor not only own same than too very can will just should could
	would may might must shall also about after before again against between during through over under up down out off
	once further while because until upon i'm i've i'd it's he's she's they're there's don't didn't doesn't isn't
	wasn't aren't weren't can't won't im ive dont didnt doesnt isnt wasnt cant wont get got like really think know
	one two lot lots well even still now just very much many`) {
		m[w] = true
	}
	return m
}()

// IsStop reports whether w (lower case) is a function word.
func IsStop(w string) bool { return stop[w] }

// Stem reduces an English word to a crude stem so that "drinking", "drinks"
// and "drunk" style variants of regular words meet: it strips common
// inflectional suffixes only.
func Stem(w string) string {
	for _, suf := range []string{"ings", "ing", "edly", "ed", "ies", "es", "s", "ly"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			w = w[:len(w)-len(suf)]
			if suf == "ies" {
				w += "y"
			}
			break
		}
	}
	// drop a doubled final consonant left by -ing/-ed: "sitt" -> "sit"
	if n := len(w); n > 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		w = w[:n-1]
	}
	return w
}

// ContentWords returns the stemmed non-stop words of s of three or more letters.
func ContentWords(s string) []string {
	var out []string
	words := Words(s)
	for _, w := range words {
		if len(w) < 3 || stop[w] {
			continue
		}
		if out == nil {
			out = make([]string, 0, len(words))
		}
		out = append(out, Stem(w))
	}
	return out
}
