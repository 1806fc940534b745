package triage

import (
	"regexp"
	"strings"
)

// A prefiltered is a pattern with the literals one of which every match
// contains: a text with none of them cannot match, and is not given to the
// regular-expression engine, whose case-folded alternations of
// hearsayRE and citesPostRE were a fifth of the engine's CPU on every
// narrative. The answers are the same (TestPrefilteredSame,
// FuzzPrefiltered).
type prefiltered struct {
	re       *regexp.Regexp
	literals []string // lower case ASCII
	// lowerRE is re without its (?i): on ASCII text in lower case it
	// matches where re matches the text, at the same bytes, without
	// folding the case of every rune it tries (a tenth of the engine's
	// CPU on narratives that hold a literal, which most do).
	lowerRE *regexp.Regexp
}

// newPrefiltered makes the prefiltered form of re, a case-insensitive
// pattern ((?i) first) written in lower case.
func newPrefiltered(re *regexp.Regexp, literals []string) prefiltered {
	src, ok := strings.CutPrefix(re.String(), "(?i)")
	if !ok || strings.ToLower(src) != src {
		panic("prefiltered: " + re.String() + " is not a lower-case pattern under (?i)")
	}
	return prefiltered{re: re, literals: literals, lowerRE: regexp.MustCompile(src)}
}

// findString is re.FindString(s), given lower, s in lower case. On ASCII
// text it skips the engine when lower contains none of the literals, and
// otherwise matches lowerRE on lower and returns the same bytes of s. A
// text that is not all ASCII always goes to re: Unicode case folding ("ſ"
// for "s", the Kelvin sign for "k") matches letters that lower-casing does
// not turn into the literals.
func (p prefiltered) findString(s, lower string) string {
	if !isASCII(s) || len(lower) != len(s) {
		return p.re.FindString(s)
	}
	if !containsAny(lower, p.literals) {
		return ""
	}
	if loc := p.lowerRE.FindStringIndex(lower); loc != nil {
		return s[loc[0]:loc[1]]
	}
	return ""
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var (
	// Every alternative of hearsayRE contains one of these: "says",
	// "said", "told" (what an ex or a neighbour said; "i was told"),
	// "know" (known abuser; everyone knows), "say" (everyone says, people
	// say, they say), "people", "heard", the three adverbs, "rumo"
	// (rumour, rumor), "word is", "been" (been seen, been spotted).
	hearsay = newPrefiltered(hearsayRE, []string{"say", "said", "told", "know", "people", "heard",
		"apparently", "allegedly", "supposedly", "rumo", "word is", "been"})
	// Every alternative of citesPostRE contains one of these: a kind of
	// post ("vid" for video, vids; "stor" for story, stories; "pic" for
	// pics, pictures; "live" for lives and live streams), or "you can
	// see", "according to", "look at what", "filmed it", "life online".
	citesPost = newPrefiltered(citesPostRE, []string{"vid", "stor", "post", "reel", "live", "pic", "photo", "feed",
		"tiktok", "instagram", "facebook", "clip", "you can see", "according to", "look at what", "filmed it", "life online"})
)
