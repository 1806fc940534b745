package textsim

import (
	"regexp"
	"strings"
)

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

var (
	whenRE = regexp.MustCompile(`(?i)\b(\d{1,2}([:.]\d{2})?\s*(am|pm)|\d{1,2}[:.]\d{2}|\d{1,2}\s*o'?clock|` +
		`(mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today|tonight|last (night|week|weekend|month)|this (morning|afternoon|evening|week)|` +
		`(in the|early|late|at) (morning|afternoon|evening|night)|at (lunch|break|home)?time|midnight|pick-?up|drop-?off|` +
		`(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}|\d{1,2}(st|nd|rd|th)? (of )?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|` +
		`(\d+|two|three|four|five|several|few) (days|weeks|hours|times) ago|every (day|night|morning))\b`)
	whereRE = regexp.MustCompile(`(?i)\b((at|in|outside|near|behind|by|from|into|across) (the|their|his|her|my|our) ` +
		`(school|gate|gates|playground|classroom|class|park|shop|shops|street|road|garden|yard|flat|house|home|window|door|doorway|car|bus|stairwell|landing|hallway|kitchen|bedroom|nursery|surgery|clinic|hospital|pub|balcony|corridor|lift|stairs|field|driveway|pavement)|` +
		`next door|over the fence|through the (wall|window|walls)|upstairs|downstairs|a&e|school gate)\b`)
	perceivedRE = regexp.MustCompile(`(?i)\b(i|we)('ve| have| had| could| can|'d)? ?(saw|seen|see|heard|hear|watched|noticed|witnessed|smelt|smelled|found|spoke|spoken|talked|asked)\b|` +
		`\b(told me|showed me|disclosed|said to me|came to me|i observed|on examination|presented with|was observed)\b`)
)

// FirstHandDetail finds the detail a narrative gives.
func FirstHandDetail(narrative string) Detail {
	var d Detail
	d.When = strings.ToLower(whenRE.FindString(narrative))
	d.Where = strings.ToLower(whereRE.FindString(narrative))
	d.Perceived = strings.ToLower(perceivedRE.FindString(narrative))
	return d
}
