package normalize

import "strings"

// addressWords expands the abbreviations of UK street types and address
// words to the full word, so that "12 High St" and "12 High Street" agree
// token for token. "st" is not here: it is street or saint by position.
var addressWords = map[string]string{
	"rd": "road", "ave": "avenue", "av": "avenue", "avn": "avenue",
	"cl": "close", "cres": "crescent", "cresc": "crescent", "cr": "crescent",
	"dr": "drive", "drv": "drive", "ln": "lane", "pl": "place", "sq": "square",
	"gdns": "gardens", "gdn": "gardens", "gards": "gardens", "ct": "court", "crt": "court",
	"ter": "terrace", "terr": "terrace", "tce": "terrace", "gr": "grove", "gro": "grove",
	"pk": "park", "pde": "parade", "hse": "house", "ho": "house", "bldgs": "buildings",
	"est": "estate", "wlk": "walk", "mt": "mount", "mws": "mews", "hts": "heights",
	"apt": "flat", "apartment": "flat", "flt": "flat", "no": "", "nos": "",
}

// saintAfter are words after which "st" still means saint: "Great St
// Helen's", "Upper St Giles Street".
var saintAfter = map[string]bool{
	"upper": true, "lower": true, "great": true, "little": true, "old": true, "new": true,
	"east": true, "west": true, "north": true, "south": true, "flat": true, "house": true,
}

// AddressTokens splits an address as typed into the words record linkage
// compares: lower case, accents and punctuation dropped (St. Mary's is
// st marys), abbreviations expanded (Rd is road, Ave avenue, Cl close, Cres
// crescent, Dr drive, Ln lane, Pl place, Sq square, Gdns gardens, Ct court and
// a few more), "Apt" and "Apartment" read as flat. House and flat numbers are
// kept as tokens ("12a" stays "12a").
//
// "St" is saint when it begins a part of the address (after a comma, a house
// or flat number, or words such as "Great" or "Upper") and a word follows in
// the same part; otherwise it is street. So "12 St Mary's Rd" is
// 12 saint marys road and "3 High St, Leeds" is 3 high street leeds.
func AddressTokens(s string) []string {
	var tokens []string
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '|' }) {
		words := strings.Fields(Name(part))
		for i, w := range words {
			if w == "st" || w == "ste" {
				if saintHere(words, i) {
					w = "saint"
				} else {
					w = "street"
				}
			} else if full, ok := addressWords[w]; ok {
				if full == "" {
					continue
				}
				w = full
			}
			tokens = append(tokens, w)
		}
	}
	return tokens
}

// AddressLine returns [AddressTokens] joined by single spaces: the form an
// address line is compared in as one value ("12 High St." and "12 high
// street" are "12 high street").
func AddressLine(s string) string { return strings.Join(AddressTokens(s), " ") }

// saintHere decides whether words[i], an "st", abbreviates saint.
func saintHere(words []string, i int) bool {
	if i == len(words)-1 {
		return false // "High St" at the end of a part
	}
	if next := words[i+1]; isStreetType(next) {
		return false // "St Road" is not a name
	}
	if i == 0 {
		return true
	}
	prev := words[i-1]
	return saintAfter[prev] || (prev[0] >= '0' && prev[0] <= '9')
}

func isStreetType(w string) bool {
	if full, ok := addressWords[w]; ok {
		w = full
	}
	switch w {
	case "road", "street", "avenue", "close", "crescent", "drive", "lane", "place",
		"square", "gardens", "court", "terrace", "grove", "way", "walk", "mews":
		return true
	}
	return false
}
