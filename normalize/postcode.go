package normalize

import "strings"

// PostcodeParts is a UK postcode split into the parts that record linkage
// compares at falling levels of agreement: full, sector, district, area.
// Partial input fills only the parts it gives: a district alone ("LS6") has
// District and Area set and Full and Sector empty. [Postcode] returns it.
type PostcodeParts struct {
	Full     string // "SW1A 1AA": outward code, space, inward code
	Sector   string // "SW1A 1": outward code, space, sector digit
	District string // "SW1A": the outward code
	Area     string // "SW": the letters that start the outward code
}

// String returns the most specific part present, for display and logs.
func (p PostcodeParts) String() string {
	switch {
	case p.Full != "":
		return p.Full
	case p.Sector != "":
		return p.Sector
	}
	return p.District
}

// postcodeAreas holds the postcode areas of the United Kingdom, Crown
// dependencies and BFPO, so that an ambiguous O or I in the outward code can
// be read as the letter only where that makes a real area.
var postcodeAreas = func() map[string]bool {
	const areas = "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW " +
		"DA DD DE DG DH DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX " +
		"IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW " +
		"OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY " +
		"TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
	m := make(map[string]bool)
	for _, a := range strings.Fields(areas) {
		m[a] = true
	}
	return m
}()

// Postcode parses a UK postcode as typed: any case, with or without the
// space, with extra spaces or punctuation, with O for 0 or I for 1 (and the
// reverse) where the format allows only one. It reports false when s is not a
// postcode or a recognisable part of one (an outward code, or an outward code
// and sector digit). An inward code with letters the Royal Mail never uses
// (C I K M O V) is treated as malformed and only the sector is kept.
//
// Only the shape and the area are checked, not that the postcode exists:
// bonafide holds no address file, and a mistyped unit still shares its sector.
func Postcode(s string) (PostcodeParts, bool) {
	var buf [8]byte
	n := 0
	split := -1 // where the first gap fell, if there were exactly two runs
	runs := 0
	gap := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ' || c == '\t' || c == '-' || c == '.' || c == ',' || c == '\n' || c == '\r':
			gap = true
			continue
		default:
			return PostcodeParts{}, false
		}
		if gap {
			runs++
			if runs == 2 {
				split = n
			}
			gap = false
		}
		if n == len(buf) {
			return PostcodeParts{}, false
		}
		buf[n] = c
		n++
	}
	if runs != 2 {
		split = -1
	}
	c := string(buf[:n])

	// A full postcode: the inward code is always the last three characters.
	if n >= 5 && (split < 0 || split == n-3) {
		if out, area, ok := outward(c[:n-3]); ok {
			if d, ok := digit(c[n-3]); ok {
				sector := out + " " + string(d)
				if unitLetter(c[n-2]) && unitLetter(c[n-1]) || out == "GIR" && c[n-2:] == "AA" {
					return PostcodeParts{Full: sector + c[n-2:], Sector: sector, District: out, Area: area}, true
				}
				if isLetter(c[n-2]) && isLetter(c[n-1]) {
					// A unit the Royal Mail never issues: keep the sector.
					return PostcodeParts{Sector: sector, District: out, Area: area}, true
				}
			}
		}
	}
	// An outward code alone. Without a space "SW11" is the district SW11,
	// not the sector SW1 1.
	if split < 0 {
		if out, area, ok := outward(c); ok {
			return PostcodeParts{District: out, Area: area}, true
		}
	}
	// An outward code and the sector digit.
	if n >= 3 && (split < 0 || split == n-1) {
		if out, area, ok := outward(c[:n-1]); ok {
			if d, ok := digit(c[n-1]); ok {
				return PostcodeParts{Sector: out + " " + string(d), District: out, Area: area}, true
			}
		}
	}
	return PostcodeParts{}, false
}

// outward reads an outward code (A9, A99, AA9, AA99, A9A, AA9A), repairing
// O/0 and I/1, and returns it with its area. Where both a one-letter and a
// two-letter area fit, the reading that changes fewer characters wins, then
// the two-letter one.
func outward(o string) (out, area string, ok bool) {
	if len(o) < 2 || len(o) > 4 {
		return "", "", false
	}
	if o == "GIR" || o == "G1R" { // Girobank's non-geographic outward code
		return "GIR", "GIR", true
	}
	best, bestCost := "", 99
	for _, alen := range [...]int{2, 1} {
		if len(o)-alen < 1 || len(o)-alen > 2 {
			continue
		}
		var b [4]byte
		cost := 0
		for i := 0; i < alen; i++ {
			l, ok := letter(o[i])
			if !ok {
				cost = 99
				break
			}
			if l != o[i] {
				cost++
			}
			b[i] = l
		}
		if cost == 99 || !postcodeAreas[string(b[:alen])] {
			continue
		}
		d, ok := digit(o[alen])
		if !ok {
			continue
		}
		if d != o[alen] {
			cost++
		}
		b[alen] = d
		if len(o) == alen+2 {
			x := o[alen+1]
			if dx, ok := digit(x); ok {
				if d == '0' { // districts have no leading zero
					continue
				}
				if dx != x {
					cost++
				}
				x = dx
			} else if !isLetter(x) {
				continue
			}
			b[alen+1] = x
		}
		if cost < bestCost {
			best, bestCost, area = string(b[:len(o)]), cost, string(b[:alen])
		}
	}
	if best == "" {
		return "", "", false
	}
	return best, area, true
}

// digit reads c as a digit, taking the letters O and I for 0 and 1.
func digit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c, true
	case c == 'O':
		return '0', true
	case c == 'I':
		return '1', true
	}
	return 0, false
}

// letter reads c as a letter, taking the digits 0 and 1 for O and I.
func letter(c byte) (byte, bool) {
	switch {
	case isLetter(c):
		return c, true
	case c == '0':
		return 'O', true
	case c == '1':
		return 'I', true
	}
	return 0, false
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// unitLetter reports whether c can be a letter of an inward code's unit.
func unitLetter(c byte) bool {
	switch c {
	case 'C', 'I', 'K', 'M', 'O', 'V':
		return false
	}
	return isLetter(c)
}

// AnyPostcode is [Postcode] for data that holds postcodes Royal Mail would
// not know (an unknown area, as generated data has, or a typo in the
// shape): when Postcode does not read s as a full postcode or an outward
// code, s is split by shape alone ([PostcodeShape]), so that two records
// typed the same way still agree. It reports false when neither reads s.
func AnyPostcode(s string) (PostcodeParts, bool) {
	if pc, ok := Postcode(s); ok && (pc.Full != "" || pc.District != "") {
		return pc, true
	}
	return PostcodeShape(s)
}

// SplitPostcode returns the parts of a postcode already in the form
// [PostcodeParts] holds it ("SW1A 1AA", or a district "SW1A"), as
// substrings of it: for comparing stored postcodes without storing their
// parts. What is not in that form gives parts that agree only with the
// same text.
func SplitPostcode(s string) PostcodeParts {
	var p PostcodeParts
	out, in, full := strings.Cut(s, " ")
	if full && len(in) > 0 {
		p.Full, p.Sector = s, s[:len(out)+2]
	}
	p.District = out
	n := 0
	for n < len(out) && out[n] >= 'A' && out[n] <= 'Z' {
		n++
	}
	p.Area = out[:n]
	return p
}

// PostcodeShape splits a postcode-like value by shape alone, without
// [Postcode]'s rules and repairs: only letters and digits kept, upper case, the last
// three characters the inward code when there are five or more, the rest
// the outward code (the district), its leading letters the area. It
// reports false unless the outward code is letters then at least one more
// character. It is the reading for values compared only for equality
// where Royal Mail's rules would discard what was typed: an invented area,
// or an inward code with letters Royal Mail never uses (Postcode keeps only
// the sector of "WV7 5PO"; two referrals that both say WV7 5PO still agree).
func PostcodeShape(s string) (PostcodeParts, bool) {
	b := make([]byte, 0, 8)
	for i := 0; i < len(s) && len(b) <= 8; i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	c := string(b)
	if len(c) < 2 || len(c) > 8 {
		return PostcodeParts{}, false
	}
	var p PostcodeParts
	out := c
	if len(c) >= 5 {
		out = c[:len(c)-3]
		in := c[len(c)-3:]
		p.Sector = out + " " + in[:1]
		p.Full = out + " " + in
	}
	n := 0
	for n < len(out) && out[n] >= 'A' && out[n] <= 'Z' {
		n++
	}
	if n == 0 || n == len(out) {
		return PostcodeParts{}, false
	}
	p.Area, p.District = out[:n], out
	return p, true
}
