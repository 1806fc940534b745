package textsim

import "strings"

// Detail says which kinds of first-hand detail a narrative gives: when
// (a time or day), where (a place), and what the reporter perceived
// themselves (first-person seeing or hearing). A reporter who was there
// usually gives at least one; one who read about the family online
// usually gives none.
type Detail struct {
	When, Where, Perceived string // the first matching phrase of each kind, or ""
}

// Count returns how many kinds of detail were found, 0..3.
func (d Detail) Count() int {
	n := 0
	for _, s := range []string{d.When, d.Where, d.Perceived} {
		if s != "" {
			n++
		}
	}
	return n
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

var (
	whenWords = set(`monday tuesday wednesday thursday friday saturday sunday yesterday today tonight midnight
		midday noon o'clock oclock weekend morning afternoon evening overnight lunchtime breaktime bedtime teatime
		pickup drop-off dropoff pick-up am pm`)
	whenAfterLast = set(`night week weekend month term year summer christmas time`)
	months        = set(`january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec`)
	agoUnits      = set(`days weeks hours minutes months times`)
	// hourWords follow "half" or "gone" in a spoken time ("half seven",
	// "gone eleven").
	hourWords   = set(`one two three four five six seven eight nine ten eleven twelve`)
	wherePreps  = set(`at in on outside near behind by from into across through inside opposite`)
	whereDets   = set(`the their his her my our a`)
	wherePlaces = set(`school gate gates playground classroom class park shop shops supermarket street road garden yard flat flats
		house home window door doorway car bus stairwell landing hallway kitchen bedroom bathroom nursery surgery clinic hospital
		pub balcony corridor lift stairs field driveway pavement station library pool centre center church mosque office reception
		canteen car-park carpark bins estate block alley corner wall walls step steps doorstep porch stop lounge`)
	placeAlone = set(`upstairs downstairs next-door a&e`)
	perceive   = set(`saw seen see heard hear watched noticed witnessed smell smelt smelled found spoke spoken talked asked observed`)
	firstPers  = set(`i we i've we've i'd we'd`)
	aux        = set(`have had could can did also then just was were`)
)

// detailWords splits a narrative into lower-case words, keeping the
// characters that matter for times (digits, ':' and '.') and hyphens.
func detailWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r == ':' || r == '-' || r == '&' || r > 127)
	})
}

func isClock(w string) bool {
	// 10pm, 8.40, 15:34, 7am
	digits, sep := 0, false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ':' || c == '.':
			sep = true
		case strings.HasSuffix(w[i:], "am") || strings.HasSuffix(w[i:], "pm"):
			return digits > 0 && digits <= 2 && len(w[i:]) == 2 || digits >= 3 && sep
		default:
			return false
		}
	}
	return sep && digits >= 3 && digits <= 4
}

func isNumber(w string) bool {
	w = strings.TrimRight(w, "stndrh")
	if w == "" || len(w) > 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// FirstHandDetail finds the detail a narrative gives, from general
// features of English: day and clock words, a preposition with a place,
// and a first-person perception verb.
func FirstHandDetail(narrative string) Detail {
	var d Detail
	w := detailWords(strings.ReplaceAll(narrative, ".", " . "))
	// re-join clock times split on '.' ("8 . 40"): check the raw text too
	for raw := range strings.FieldsSeq(strings.ToLower(narrative)) {
		raw = strings.Trim(raw, ",;!?()\"")
		if d.When == "" && isClock(strings.TrimRight(raw, ".")) {
			d.When = raw
		}
	}
	for i, x := range w {
		next := func(k int) string {
			if i+k < len(w) {
				return w[i+k]
			}
			return ""
		}
		if d.When == "" {
			switch {
			case whenWords[x] && x != "am" && x != "pm":
				d.When = x
			case (x == "last" || x == "this" || x == "every" || x == "all") && whenAfterLast[next(1)]:
				d.When = x + " " + next(1)
			case (x == "half" || x == "gone") && (hourWords[next(1)] || isNumber(next(1))):
				d.When = x + " " + next(1)
			case months[x] && x != "may" && isNumber(next(1)), isNumber(x) && months[next(1)], isNumber(x) && next(1) == "of" && months[next(2)]:
				d.When = x + " " + next(1)
			case agoUnits[x] && next(1) == "ago":
				d.When = x + " ago"
			case isNumber(x) && (next(1) == "am" || next(1) == "pm"):
				d.When = x + " " + next(1)
			}
		}
		if d.Where == "" {
			switch {
			case placeAlone[x]:
				d.Where = x
			case x == "next" && next(1) == "door":
				d.Where = "next door"
			case wherePreps[x] && whereDets[next(1)] && wherePlaces[next(2)]:
				d.Where = x + " " + next(1) + " " + next(2)
			case wherePreps[x] && whereDets[next(1)] && !wherePreps[next(2)] && wherePlaces[next(3)]:
				// one word between: "in the back garden", "on the front step"
				d.Where = x + " " + next(1) + " " + next(2) + " " + next(3)
			case wherePreps[x] && wherePlaces[next(1)] && next(1) != "class" && next(1) != "home":
				d.Where = x + " " + next(1)
			}
		}
		if d.Perceived == "" {
			switch {
			case firstPers[x] && perceive[next(1)]:
				d.Perceived = x + " " + next(1)
			case firstPers[x] && aux[next(1)] && perceive[next(2)]:
				d.Perceived = x + " " + next(1) + " " + next(2)
			case (x == "told" || x == "showed") && next(1) == "me", x == "disclosed", x == "said" && next(1) == "to" && next(2) == "me":
				d.Perceived = x + " " + next(1)
			}
		}
	}
	return d
}
