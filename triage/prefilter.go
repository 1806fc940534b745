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
}

// findString is re.FindString(s), skipping the engine when lower, s in
// lower case, contains none of the literals. A text that is not all ASCII
// always goes to the engine: Unicode case folding ("ſ" for "s", the Kelvin
// sign for "k") matches letters that lower-casing does not turn into the
// literals.
func (p prefiltered) findString(s, lower string) string {
	if isASCII(s) && !containsAny(lower, p.literals) {
		return ""
	}
	return p.re.FindString(s)
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
	hearsay = prefiltered{hearsayRE, []string{"say", "said", "told", "know", "people", "heard",
		"apparently", "allegedly", "supposedly", "rumo", "word is", "been"}}
	// Every alternative of citesPostRE contains one of these: a kind of
	// post ("vid" for video, vids; "stor" for story, stories; "pic" for
	// pics, pictures; "live" for lives and live streams), or "you can
	// see", "according to", "look at what", "filmed it", "life online".
	citesPost = prefiltered{citesPostRE, []string{"vid", "stor", "post", "reel", "live", "pic", "photo", "feed",
		"tiktok", "instagram", "facebook", "clip", "you can see", "according to", "look at what", "filmed it", "life online"}}
)
