package textsim

import (
	"strings"
	"unicode"
)

// Manner describes how a narrative is written, apart from what it says:
// hostility towards the parent or the agency, sweeping claims, and
// shouting. Vexatious reports are often written this way; genuine worried
// reporters sometimes are too, so these are weak signs that count only in
// combination.
type Manner struct {
	Hostile  []string // hostile or demanding phrases found
	Sweeping []string // absolute, sweeping claims ("always", "every night")
	Shouting int      // words in capitals (three letters or more) plus runs of "!!"/"!?"
}

var (
	hostileWords = set(`disgusting disgrace disgraceful vile scum pathetic useless unfit evil sick sicko joke
		untouchable shameful shame lazy selfish liar liars trash monster monsters vermin ridiculous`)
	hostilePhrases = []string{"do your job", "wake up", "someone needs to", "somebody needs to", "someone should",
		"somebody should", "everyone knows", "everyone can see", "everybody knows", "what are you waiting for",
		"why has nothing", "nothing is being done", "you lot", "take them off her", "take them off him",
		"take those kids", "doesn't deserve", "does not deserve", "shouldn't have kids", "should not have children",
		"protect those", "get those kids", "a joke", "she thinks she", "he thinks he", "before it's too late",
		"before it is too late", "i'm warning you", "mark my words", "all lies", "enough is enough", "why has nobody",
		"why has no one", "should not have kids", "shouldn't have children", "sort it out"}
	// feelWords before "sick" make it the reporter's distress ("I felt
	// sick watching it"), not an insult ("she's sick", "it makes me sick").
	feelWords     = set(`feel felt feeling feels`)
	sweepingWords = set(`always never constantly every everyday everytime continually forever`)
)

// joinFields is strings.Join(strings.Fields(s), " ") in one allocation.
func joinFields(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for f := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

// MannerOf reads the manner of a narrative.
func MannerOf(narrative string) Manner {
	var m Manner
	low := " " + strings.ToLower(joinFields(narrative)) + " "
	seen := map[string]bool{}
	words := Words(narrative)
	for i, w := range words {
		if w == "sick" && i > 0 && feelWords[words[i-1]] {
			continue // "I feel sick" is distress, not an attack
		}
		if hostileWords[w] && !seen[w] {
			seen[w] = true
			m.Hostile = append(m.Hostile, w)
		}
		if sweepingWords[w] && !seen[w] {
			seen[w] = true
			m.Sweeping = append(m.Sweeping, w)
		}
	}
	for _, p := range hostilePhrases {
		if strings.Contains(low, " "+p) {
			m.Hostile = append(m.Hostile, p)
		}
	}
	for f := range strings.FieldsSeq(narrative) {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) })
		if len(f) >= 3 && strings.ToUpper(f) == f && strings.ToLower(f) != f && !isAcronym(f) {
			m.Shouting++
		}
	}
	m.Shouting += strings.Count(narrative, "!!") + strings.Count(narrative, "!?") + strings.Count(narrative, "?!")
	return m
}

// isAcronym reports whether an all-capitals word is a common acronym in
// referrals, which is not shouting.
func isAcronym(w string) bool {
	switch w {
	case "GP", "NHS", "DSL", "CAMHS", "SEN", "SENCO", "ADHD", "ASD", "PCSO", "CID", "MASH", "NSPCC", "CPS", "DOB", "NFA":
		return true
	}
	return false
}

// Score condenses the manner into 0..1: how strongly the narrative is
// written as an attack rather than an account.
func (m Manner) Score() float64 {
	v := 0.35*float64(len(m.Hostile)) + 0.15*float64(len(m.Sweeping)) + 0.1*float64(m.Shouting)
	return min(v, 1)
}
