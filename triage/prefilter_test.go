package triage

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// prefilterTexts are narratives that match each alternative of the two
// patterns, near misses, and text the prefilter must not judge (non-ASCII
// case folding).
var prefilterTexts = []string{
	"",
	"Her ex says she drinks. Apparently the kids are left alone.",
	"Everyone round here knows. People are saying it. I heard from a friend she has been seen out.",
	"Rumours, rumors; word is she is said to hit them. I was told that she does. They say she lies.",
	"She is a known drinker. Allegedly. Supposedly. I've heard that she shouts.",
	"In her own videos you can see it. According to her stories the baby was left. She posted herself drunk.",
	"She put up a video of it. The clip she posted shows it. Look at what she shared! He just filmed it.",
	"Their perfect life online. On his live stream. From their tiktoks, instagram, facebook, feed, reels, pics.",
	"The children were seen at the window at half seven. The neighbour rang.",
	"SHE IS A JOKE AND EVERYONE KNOWS",
	"ſhe has been ſeen; look at her ſtories", // long s folds to s in the pattern, not in ToLower
	"the \u212anown abuser",                  // the Kelvin sign folds to k
	"Zoë’s mum said so",
	"She has been seen out late.", // only "been"
	"Everyone knows.",             // only "know"
	"It is said to be so.",        // only "said"
	"He just filmed it.",          // only "filmed it"
}

func TestPrefilteredSame(t *testing.T) {
	matched := 0
	for _, s := range prefilterTexts {
		for _, p := range []prefiltered{hearsay, citesPost} {
			got, want := p.findString(s, strings.ToLower(s)), p.re.FindString(s)
			if got != want {
				t.Errorf("%s on %q: prefiltered %q, the pattern %q", p.re.String()[:20], s, got, want)
			}
			if want != "" {
				matched++
			}
		}
	}
	if matched < 8 {
		t.Errorf("only %d matches among the table: it does not exercise the patterns", matched)
	}
}

// FuzzPrefiltered checks the prefilter against the pattern on any text.
func FuzzPrefiltered(f *testing.F) {
	for _, s := range prefilterTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []prefiltered{hearsay, citesPost} {
			if got, want := p.findString(s, strings.ToLower(s)), p.re.FindString(s); got != want {
				t.Fatalf("on %q: prefiltered %q, the pattern %q", s, got, want)
			}
		}
	})
}

// TestPrefilteredWords runs both on text made of the patterns' own words
// in random order, where near misses are many.
func TestPrefilteredWords(t *testing.T) {
	words := strings.Fields(`her his their ex neighbours friend family says said told known abuser drug every one body
		round here knows people say are saying heard it from someone apparently allegedly rumours word is i've have was
		they she he been seen spotted in on own videos vids story stories posts reels lives live stream photos pictures
		pics feed tiktok instagram facebook you can see this according to page put posted uploaded shared up a the clip
		look at what herself filmed just perfect life online`)
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		var b strings.Builder
		for j := range 1 + rng.IntN(5) {
			if j > 0 {
				b.WriteByte(" ,."[rng.IntN(3)])
				b.WriteByte(' ')
			}
			w := words[rng.IntN(len(words))]
			if rng.IntN(4) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
		}
		s := b.String()
		for _, p := range []prefiltered{hearsay, citesPost} {
			if got, want := p.findString(s, strings.ToLower(s)), p.re.FindString(s); got != want {
				t.Fatalf("on %q: prefiltered %q, the pattern %q", s, got, want)
			}
		}
	}
}
