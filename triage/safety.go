package triage

import (
	"fmt"
	"strings"
	"time"

	"bonafide"
)

// Level is the risk to a child as the concern describes it. It is judged
// from the referral alone and is never lowered by any campaign signal.
type Level string

// Safety levels, most urgent first.
const (
	LevelImmediate Level = "immediate"
	LevelHigh      Level = "high"
	LevelStandard  Level = "standard"
	LevelLow       Level = "low"
)

// rank orders levels so that a rule can only ever raise one.
func (l Level) rank() int {
	switch l {
	case LevelImmediate:
		return 3
	case LevelHigh:
		return 2
	case LevelStandard:
		return 1
	}
	return 0
}

// Safety is the independent safety judgement of one referral with the
// reasons, in words, that set its level.
type Safety struct {
	Level   Level    `json:"level"`
	Reasons []string `json:"reasons,omitempty"`
}

// JudgeSafety rates the risk to the child as described in r, as of r's
// received_at. Its only input is the referral as received: it cannot see
// linkage, history, posts or any campaign signal, so nothing about who else
// reported the family, or why, can lower it. Every referral whose reporter
// says a child is in danger now is rated LevelImmediate, whoever sent it.
func JudgeSafety(r *bonafide.Referral) Safety {
	s := Safety{Level: LevelStandard}
	raise := func(l Level, why string) {
		if l.rank() > s.Level.rank() {
			s.Level = l
		}
		s.Reasons = append(s.Reasons, why)
	}
	if r.ImmediateDanger {
		raise(LevelImmediate, "the reporter says a child is in danger now")
	}

	text := concernText(r)
	cats := map[bonafide.ConcernCategory]bool{}
	for _, c := range r.Concerns {
		cats[c.Category] = true
	}

	if w, ok := findTerm(text, injuryTerms); ok {
		raise(LevelHigh, fmt.Sprintf("an injury is described (%q)", w))
	}
	if cats[bonafide.ConcernSexualAbuse] {
		raise(LevelHigh, "a concern of sexual abuse is reported")
	} else if w, ok := findTerm(text, sexualTerms); ok {
		raise(LevelHigh, fmt.Sprintf("the account describes possible sexual abuse (%q)", w))
	}
	if cats[bonafide.ConcernDomesticAbuse] || hasTerm(text, domesticTerms) {
		if w, ok := findTerm(text, presentTerms); ok {
			raise(LevelHigh, fmt.Sprintf("domestic abuse with a child present (%q)", w))
		} else {
			s.Reasons = append(s.Reasons, "domestic abuse is reported in the child's household")
		}
	}
	if w, ok := findTerm(text, weaponTerms); ok {
		raise(LevelHigh, fmt.Sprintf("a weapon or threat to life is described (%q)", w))
	}

	youngest, known := youngestAgeMonths(r.Children, r.ReceivedAt)
	serious := cats[bonafide.ConcernPhysicalAbuse] || cats[bonafide.ConcernNeglect] ||
		cats[bonafide.ConcernDomesticAbuse] || cats[bonafide.ConcernSubstanceMisuse]
	switch {
	case known && youngest < 12:
		raise(LevelHigh, "a child under one is named: babies cannot seek help and are most at risk of serious harm")
	case known && youngest < 24 && serious:
		raise(LevelHigh, "a child under two is named with a concern of abuse or neglect")
	}

	professional := r.KnowledgeBasis == bonafide.KnowledgeProfessional ||
		(r.Reporter != nil && r.Reporter.Relationship.Professional())
	if professional {
		if s.Level == LevelStandard && serious {
			raise(LevelHigh, "a professional who knows the child reports abuse or neglect")
		} else {
			s.Reasons = append(s.Reasons, "the reporter is a professional who knows the child through their work")
		}
	}

	if s.Level == LevelStandard && !professional && !serious && !(known && youngest < 60) && minorOnly(r) {
		s.Level = LevelLow
		s.Reasons = append(s.Reasons, "the concern as described names no harm, injury, abuse or neglect of the child")
	}
	if len(s.Reasons) == 0 {
		s.Reasons = append(s.Reasons, "a concern for the child's welfare with no factor that raises or lowers it")
	}
	return s
}

// minorOnly reports whether every concern is of a kind that, without any
// harm described, is a welfare matter rather than a risk of significant harm.
func minorOnly(r *bonafide.Referral) bool {
	if len(r.Concerns) == 0 {
		return false
	}
	for _, c := range r.Concerns {
		switch c.Category {
		case bonafide.ConcernOther, bonafide.ConcernOnlineSafety, bonafide.ConcernEmotionalAbuse:
		default:
			return false
		}
	}
	return true
}

func concernText(r *bonafide.Referral) string {
	var b strings.Builder
	b.WriteString(r.Narrative)
	for _, c := range r.Concerns {
		b.WriteString(" . ")
		b.WriteString(c.Detail)
	}
	return " " + normalise(b.String()) + " "
}

// normalise lower-cases s and turns every run of non-letters into one space
// so that terms can be matched on word boundaries.
func normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '\'' {
			b.WriteRune(r)
			space = false
			continue
		}
		if r > 127 && isLetter(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

func isLetter(r rune) bool {
	return strings.ContainsRune("éèêëáàâäíìîïóòôöúùûüçñ", r)
}

// Word lists name kinds of harm in plain English. They are about the child's
// risk, not about any generator's phrasing; a term preceded closely by a
// negation ("no bruises", "never hit") does not count.
var (
	injuryTerms = []string{"bruise", "bruises", "bruised", "bruising", "burn", "burns", "burned", "burnt", "scald", "scalded",
		"fracture", "fractured", "broken arm", "broken leg", "broken bone", "broken wrist", "black eye", "bleeding", "bled",
		"cut lip", "cuts", "welt", "welts", "swollen", "swelling", "bite mark", "bite marks", "injury", "injuries", "injured",
		"hit him", "hit her", "hit them", "hits him", "hits her", "punched", "kicked", "slapped", "strangled", "choked",
		"head injury", "unconscious", "marks on", "belt marks", "limping"}
	sexualTerms = []string{"sexual", "sexually", "touched her private", "touched him private", "touches her private",
		"private parts", "inappropriate touching", "touched inappropriately", "indecent", "groomed", "grooming",
		"raped", "rape", "molested", "explicit images", "nude pictures", "nude images"}
	domesticTerms = []string{"domestic abuse", "domestic violence", "beats his partner", "beats her partner",
		"hits his partner", "hits her partner", "partner hits", "partner beats", "coercive"}
	presentTerms = []string{"in front of the child", "in front of the children", "in front of the kids",
		"children present", "child present", "kids present", "children were present", "child was present",
		"witnessed", "witness", "children heard", "child heard", "kids heard", "while the children",
		"while the kids", "children were in", "children in the room", "child in the room", "children screaming",
		"children crying", "baby crying", "in the same room"}
	weaponTerms = []string{"knife", "knives", "gun", "firearm", "weapon", "threatened to kill", "threat to kill",
		"kill the child", "kill the baby", "kill the kids", "overdose", "suicidal", "strangle"}
	negations = map[string]bool{"no": true, "not": true, "never": true, "without": true, "nor": true, "didn't": true,
		"don't": true, "haven't": true, "hasn't": true, "wasn't": true, "weren't": true, "isn't": true}
)

func hasTerm(text string, terms []string) bool { _, ok := findTerm(text, terms); return ok }

// findTerm returns the first term found in text (normalised and padded with
// spaces) on word boundaries and not negated by one of the three words before it.
func findTerm(text string, terms []string) (string, bool) {
	for _, t := range terms {
		needle := " " + t + " "
		from := 0
		for {
			i := strings.Index(text[from:], needle)
			if i < 0 {
				break
			}
			at := from + i
			if !negated(text[:at]) {
				return t, true
			}
			from = at + 1
		}
	}
	return "", false
}

func negated(before string) bool {
	f := strings.Fields(before)
	for i := len(f) - 1; i >= 0 && i >= len(f)-3; i-- {
		if negations[f[i]] {
			return true
		}
	}
	return false
}

// youngestAgeMonths returns the age in whole months of the youngest child
// whose date of birth is known at least to the year, as of at. A year-only
// date is taken as 1 July and a month-only one as the 15th, so an
// uncertain baby is not aged up past a threshold by the guess.
func youngestAgeMonths(children []bonafide.Person, at time.Time) (int, bool) {
	best, found := 0, false
	for _, c := range children {
		d := c.DOB
		if d.IsZero() {
			continue
		}
		m, day := d.Month, d.Day
		if m == 0 {
			m = 7
		}
		if day == 0 {
			day = 15
		}
		months := (at.Year()-d.Year)*12 + int(at.Month()) - m
		if at.Day() < day {
			months--
		}
		if months < 0 {
			months = 0 // unborn or a typo: treat as a newborn
		}
		if !found || months < best {
			best, found = months, true
		}
	}
	return best, found
}
