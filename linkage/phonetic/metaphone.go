package phonetic

// Byte values standing for the two non-ASCII letters the algorithm codes.
const (
	cCedilla = 0x80 // Ç
	nTilde   = 0x81 // Ñ
)

// MaxCodeLen is the longest code [EncodeN] produces. Philips' codes are four
// long; longer ones tell long surnames apart at the cost of recall.
const MaxCodeLen = 32

// DoubleMetaphone returns the primary and alternate Double Metaphone codes
// of s, each at most four characters, as Philips published them. When s has
// no second pronunciation, alternate equals primary, so callers can compare
// the two pairs crosswise without special cases. A word with no letters has
// the codes "", "".
func DoubleMetaphone(s string) (primary, alternate string) {
	return EncodeN(s, 4)
}

// EncodeN is [DoubleMetaphone] with codes up to maxLen characters (clamped to
// 1..[MaxCodeLen]), for callers that want to tell long names apart.
func EncodeN(s string, maxLen int) (primary, alternate string) {
	maxLen = min(max(maxLen, 1), MaxCodeLen)
	var stack [64]byte
	var w word
	w.b = prepare(s, stack[:0])
	w.n = len(w.b)
	w.b = append(w.b, pad...)
	w.max = maxLen
	w.encode()
	p, a := w.p[:min(w.np, maxLen)], w.a[:min(w.na, maxLen)]
	if string(p) == string(a) {
		out := string(p)
		return out, out
	}
	var both [2 * MaxCodeLen]byte
	k := copy(both[:], p)
	k += copy(both[k:], a)
	out := string(both[:k])
	return out[:len(p)], out[len(p):]
}

// prepare upper-cases s into buf, folding accented Latin letters to their
// base letters and keeping Ç and Ñ as the bytes the encoder knows. Other
// non-ASCII characters become '?' so that they still separate letters.
func prepare(s string, buf []byte) []byte {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			buf = append(buf, byte(r)-'a'+'A')
		case r < 0x80:
			buf = append(buf, byte(r))
		case r == 'ç' || r == 'Ç':
			buf = append(buf, cCedilla)
		case r == 'ñ' || r == 'Ñ':
			buf = append(buf, nTilde)
		case r == 'ß':
			buf = append(buf, 'S', 'S')
		default:
			if c := foldLatin(r); c != 0 {
				buf = append(buf, c)
			} else {
				buf = append(buf, '?')
			}
		}
	}
	return buf
}

// foldLatin maps an accented Latin letter to its upper-case base letter, or 0.
func foldLatin(r rune) byte {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą', 'À', 'Á', 'Â', 'Ã', 'Ä', 'Å', 'Ā', 'Ă', 'Ą':
		return 'A'
	case 'ć', 'č', 'Ć', 'Č':
		return 'C'
	case 'ď', 'đ', 'Ď', 'Đ', 'ð', 'Ð':
		return 'D'
	case 'è', 'é', 'ê', 'ë', 'ē', 'ė', 'ę', 'ě', 'È', 'É', 'Ê', 'Ë', 'Ē', 'Ė', 'Ę', 'Ě':
		return 'E'
	case 'ğ', 'Ğ':
		return 'G'
	case 'ì', 'í', 'î', 'ï', 'ī', 'į', 'ı', 'Ì', 'Í', 'Î', 'Ï', 'Ī', 'Į', 'İ':
		return 'I'
	case 'ł', 'Ł':
		return 'L'
	case 'ń', 'ň', 'Ń', 'Ň':
		return 'N'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő', 'Ò', 'Ó', 'Ô', 'Õ', 'Ö', 'Ø', 'Ō', 'Ő':
		return 'O'
	case 'ř', 'Ř':
		return 'R'
	case 'ś', 'ş', 'š', 'ș', 'Ś', 'Ş', 'Š', 'Ș':
		return 'S'
	case 'ţ', 'ť', 'ț', 'Ţ', 'Ť', 'Ț':
		return 'T'
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű', 'ų', 'Ù', 'Ú', 'Û', 'Ü', 'Ū', 'Ů', 'Ű', 'Ų':
		return 'U'
	case 'ý', 'ÿ', 'Ý', 'Ÿ':
		return 'Y'
	case 'ź', 'ż', 'ž', 'Ź', 'Ż', 'Ž':
		return 'Z'
	}
	return 0
}

// pad follows the word so that rules can look ahead without bounds checks;
// the published algorithm pads with spaces too, and rules such as "-IER "
// rely on it. No rule looks more than six letters past its position.
const pad = "      "

// word is the state of one encoding: the prepared letters and the two codes
// being built. Codes may run up to two characters past max before the final
// cut, as one step appends up to two.
type word struct {
	b      []byte // the letters, then pad
	n      int    // the number of letters
	max    int
	p, a   [MaxCodeLen + 2]byte
	np, na int
	slavo  int8 // 0 unknown, 1 yes, -1 no
}

// at returns the letter at i, a space past the end (the published algorithm
// pads the word with spaces, and rules such as "-IER " rely on it), and 0
// before the start.
func (w *word) at(i int) byte {
	switch {
	case i < 0:
		return 0
	case i >= w.n:
		return ' '
	}
	return w.b[i]
}

// is reports whether the text at i is one of the given strings. Positions
// before the start never match; positions past the end read as spaces.
func (w *word) is(i int, opts ...string) bool {
	if i < 0 {
		return false
	}
	for _, o := range opts {
		if i+len(o) <= len(w.b) && string(w.b[i:i+len(o)]) == o {
			return true
		}
	}
	return false
}

func (w *word) vowel(i int) bool {
	switch w.at(i) {
	case 'A', 'E', 'I', 'O', 'U', 'Y':
		return true
	}
	return false
}

// slavoGermanic reports whether the word has the marks of Slavic or Germanic
// spelling (W, K, CZ, WITZ), which change several rules.
func (w *word) slavoGermanic() bool {
	if w.slavo == 0 {
		w.slavo = -1
		for i := 0; i < w.n; i++ {
			c := w.b[i]
			if c == 'W' || c == 'K' || (c == 'C' && w.at(i+1) == 'Z') {
				w.slavo = 1
				break
			}
		}
	}
	return w.slavo > 0
}

// add appends main to the primary code and alt to the alternate.
func (w *word) add(main, alt string) {
	for i := 0; i < len(main) && w.np < len(w.p); i++ {
		w.p[w.np] = main[i]
		w.np++
	}
	for i := 0; i < len(alt) && w.na < len(w.a); i++ {
		w.a[w.na] = alt[i]
		w.na++
	}
}

// add1 appends the same code to both.
func (w *word) add1(code string) { w.add(code, code) }

// skipDouble returns the step past the letter at i: two if it is doubled.
func (w *word) skipDouble(i int, c byte) int {
	if w.at(i+1) == c {
		return 2
	}
	return 1
}

func (w *word) encode() {
	i := 0
	if w.n == 0 {
		return
	}
	// Silent first letters: GNAW, KNIGHT, PNEUMATIC, WRITE, PSALM.
	if w.is(0, "GN", "KN", "PN", "WR", "PS") {
		i = 1
	}
	// An initial X sounds S: Xavier, Xenophon.
	if w.at(0) == 'X' {
		w.add1("S")
		i = 1
	}
	for i < w.n && (w.np < w.max || w.na < w.max) {
		c := w.b[i]
		switch c {
		case 'A', 'E', 'I', 'O', 'U', 'Y':
			if i == 0 {
				w.add1("A")
			}
			i++
		case 'B':
			w.add1("P")
			i += w.skipDouble(i, 'B')
		case cCedilla:
			w.add1("S")
			i++
		case 'C':
			i += w.c(i)
		case 'D':
			switch {
			case w.is(i, "DG"):
				if w.is(i+2, "I", "E", "Y") { // EDGE
					w.add1("J")
					i += 3
				} else { // EDGAR
					w.add1("TK")
					i += 2
				}
			case w.is(i, "DT", "DD"):
				w.add1("T")
				i += 2
			default:
				w.add1("T")
				i++
			}
		case 'F':
			w.add1("F")
			i += w.skipDouble(i, 'F')
		case 'G':
			i += w.g(i)
		case 'H':
			// Sounded only first or between vowels, before a vowel.
			if (i == 0 || w.vowel(i-1)) && w.vowel(i+1) {
				w.add1("H")
				i += 2
			} else {
				i++
			}
		case 'J':
			i += w.j(i)
		case 'K':
			w.add1("K")
			i += w.skipDouble(i, 'K')
		case 'L':
			i += w.l(i)
		case 'M':
			w.add1("M")
			// DUMB, THUMBS, DUMBER: the B is silent.
			if (w.is(i-1, "UMB") && (i+1 == w.n-1 || w.is(i+2, "ER"))) || w.at(i+1) == 'M' {
				i += 2
			} else {
				i++
			}
		case 'N':
			w.add1("N")
			i += w.skipDouble(i, 'N')
		case nTilde:
			w.add1("N")
			i++
		case 'P':
			switch {
			case w.at(i+1) == 'H':
				w.add1("F")
				i += 2
			case w.is(i+1, "P", "B"): // CAMPBELL, RASPBERRY
				w.add1("P")
				i += 2
			default:
				w.add1("P")
				i++
			}
		case 'Q':
			w.add1("K")
			i += w.skipDouble(i, 'Q')
		case 'R':
			// French final -IER (Rogier), but not Germanic -MEIER.
			if i == w.n-1 && !w.slavoGermanic() && w.is(i-2, "IE") && !w.is(i-4, "ME", "MA") {
				w.add("", "R")
			} else {
				w.add1("R")
			}
			i += w.skipDouble(i, 'R')
		case 'S':
			i += w.s(i)
		case 'T':
			i += w.t(i)
		case 'V':
			w.add1("F")
			i += w.skipDouble(i, 'V')
		case 'W':
			i += w.w(i)
		case 'X':
			// French final -AUX, -EAUX, -OUX are silent (Breaux).
			if !(i == w.n-1 && (w.is(i-3, "IAU", "EAU") || w.is(i-2, "AU", "OU"))) {
				w.add1("KS")
			}
			if w.is(i+1, "C", "X") {
				i += 2
			} else {
				i++
			}
		case 'Z':
			if w.at(i+1) == 'H' { // Pinyin: ZHAO
				w.add1("J")
				i += 2
				continue
			}
			if w.is(i+1, "ZO", "ZI", "ZA") || (w.slavoGermanic() && i > 0 && w.at(i-1) != 'T') {
				w.add("S", "TS")
			} else {
				w.add1("S")
			}
			i += w.skipDouble(i, 'Z')
		default:
			i++
		}
	}
}

// c codes a C at i and returns how many letters it used.
func (w *word) c(i int) int {
	// Germanic -ACH- as in BACHER, MACHER, but not -ACHI-, -ACHE-.
	if i > 1 && !w.vowel(i-2) && w.is(i-1, "ACH") &&
		w.at(i+2) != 'I' && (w.at(i+2) != 'E' || w.is(i-2, "BACHER", "MACHER")) {
		w.add1("K")
		return 2
	}
	if i == 0 && w.is(i, "CAESAR") {
		w.add1("S")
		return 2
	}
	if w.is(i, "CHIA") { // Italian CHIANTI
		w.add1("K")
		return 2
	}
	if w.is(i, "CH") {
		if i > 0 && w.is(i, "CHAE") { // MICHAEL
			w.add("K", "X")
			return 2
		}
		// Greek roots at the start: CHARACTER, CHARISMA, CHORUS, CHYMIST, CHIA, CHEMISTRY.
		if i == 0 && (w.is(i+1, "HARAC", "HARIS") || w.is(i+1, "HOR", "HYM", "HIA", "HEM")) && !w.is(0, "CHORE") {
			w.add1("K")
			return 2
		}
		// Germanic and Greek CH for a K sound: VAN/VON, SCH-, ORCHESTRA,
		// ARCHITECT, ORCHID, -CHT-, -CHS-, and CH before a consonant.
		if w.is(0, "VAN ", "VON ", "SCH") || w.is(i-2, "ORCHES", "ARCHIT", "ORCHID") ||
			w.is(i+2, "T", "S") ||
			((w.is(i-1, "A", "O", "U", "E") || i == 0) && w.is(i+2, "L", "R", "N", "M", "B", "H", "F", "V", "W", " ")) {
			w.add1("K")
		} else if i > 0 {
			if w.is(0, "MC") { // MCHUGH
				w.add1("K")
			} else {
				w.add("X", "K")
			}
		} else {
			w.add1("X")
		}
		return 2
	}
	if w.is(i, "CZ") && !w.is(i-2, "WICZ") { // CZERNY
		w.add("S", "X")
		return 2
	}
	if w.is(i+1, "CIA") { // FOCACCIA
		w.add1("X")
		return 3
	}
	// Double C, but not MCCLELLAN.
	if w.is(i, "CC") && !(i == 1 && w.at(0) == 'M') {
		if w.is(i+2, "I", "E", "H") && !w.is(i+2, "HU") { // BELLOCCHIO, not BACCHUS
			if (i == 1 && w.at(i-1) == 'A') || w.is(i-1, "UCCEE", "UCCES") { // ACCIDENT, SUCCEED
				w.add1("KS")
			} else { // BACCI, BERTUCCI
				w.add1("X")
			}
			return 3
		}
		w.add1("K")
		return 2
	}
	if w.is(i, "CK", "CG", "CQ") {
		w.add1("K")
		return 2
	}
	if w.is(i, "CI", "CE", "CY") {
		if w.is(i, "CIO", "CIE", "CIA") { // Italian
			w.add("S", "X")
		} else {
			w.add1("S")
		}
		return 2
	}
	w.add1("K")
	switch {
	case w.is(i+1, " C", " Q", " G"): // MAC CAFFREY, MAC GREGOR
		return 3
	case w.is(i+1, "C", "K", "Q") && !w.is(i+1, "CE", "CI"):
		return 2
	}
	return 1
}

// g codes a G at i and returns how many letters it used.
func (w *word) g(i int) int {
	if w.at(i+1) == 'H' {
		if i > 0 && !w.vowel(i-1) {
			w.add1("K")
			return 2
		}
		if i == 0 { // GHISLANE, GHIRADELLI
			if w.at(i+2) == 'I' {
				w.add1("J")
			} else {
				w.add1("K")
			}
			return 2
		}
		// Silent GH after B, H, D nearby: HUGH, BOUGH, BROUGHTON.
		if (i > 1 && w.is(i-2, "B", "H", "D")) || (i > 2 && w.is(i-3, "B", "H", "D")) || (i > 3 && w.is(i-4, "B", "H")) {
			return 2
		}
		// LAUGH, MCLAUGHLIN, COUGH, GOUGH, ROUGH, TOUGH.
		if i > 2 && w.at(i-1) == 'U' && w.is(i-3, "C", "G", "L", "R", "T") {
			w.add1("F")
		} else if i > 0 && w.at(i-1) != 'I' {
			w.add1("K")
		}
		return 2
	}
	if w.at(i+1) == 'N' {
		if i == 1 && w.vowel(0) && !w.slavoGermanic() {
			w.add("KN", "N")
		} else if !w.is(i+2, "EY") && w.at(i+1) != 'Y' && !w.slavoGermanic() {
			w.add("N", "KN")
		} else { // CAGNEY
			w.add1("KN")
		}
		return 2
	}
	if w.is(i+1, "LI") && !w.slavoGermanic() { // TAGLIARO
		w.add("KL", "L")
		return 2
	}
	// GES-, GEP-, GEL-, GIE- and the like at the start.
	if i == 0 && (w.at(i+1) == 'Y' || w.is(i+1, "ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER")) {
		w.add("K", "J")
		return 2
	}
	// -GER-, -GY-, but not DANGER, RANGER, MANGER, and not after E or I.
	if (w.is(i+1, "ER") || w.at(i+1) == 'Y') && !w.is(0, "DANGER", "RANGER", "MANGER") &&
		!w.is(i-1, "E", "I") && !w.is(i-1, "RGY", "OGY") {
		w.add("K", "J")
		return 2
	}
	// Italian BIAGGI; soft G before E, I, Y.
	if w.is(i+1, "E", "I", "Y") || w.is(i-1, "AGGI", "OGGI") {
		if w.is(0, "VAN ", "VON ", "SCH") || w.is(i+1, "ET") {
			w.add1("K")
		} else if w.is(i+1, "IER ") { // French ending
			w.add1("J")
		} else {
			w.add("J", "K")
		}
		return 2
	}
	w.add1("K")
	return w.skipDouble(i, 'G')
}

// j codes a J at i and returns how many letters it used.
func (w *word) j(i int) int {
	// Spanish JOSE, SAN JACINTO.
	if w.is(i, "JOSE") || w.is(0, "SAN ") {
		if (i == 0 && w.at(i+4) == ' ') || w.is(0, "SAN ") {
			w.add1("H")
		} else {
			w.add("J", "H")
		}
		return 1
	}
	switch {
	case i == 0 && !w.is(i, "JOSE"):
		w.add("J", "A") // JANKELOWICZ, YANKELOVICH
	case w.vowel(i-1) && !w.slavoGermanic() && (w.at(i+1) == 'A' || w.at(i+1) == 'O'):
		w.add("J", "H") // Spanish BAJADOR
	case i == w.n-1:
		w.add("J", "")
	case !w.is(i+1, "L", "T", "K", "S", "N", "M", "B", "Z") && !w.is(i-1, "S", "K", "L"):
		w.add1("J")
	}
	return w.skipDouble(i, 'J')
}

// l codes an L at i and returns how many letters it used.
func (w *word) l(i int) int {
	if w.at(i+1) == 'L' {
		last := w.n - 1
		// Spanish CABRILLO, GALLEGOS: the LL is a Y sound.
		if (i == w.n-3 && w.is(i-1, "ILLO", "ILLA", "ALLE")) ||
			((w.is(last-1, "AS", "OS") || w.is(last, "A", "O")) && w.is(i-1, "ALLE")) {
			w.add("L", "")
			return 2
		}
		w.add1("L")
		return 2
	}
	w.add1("L")
	return 1
}

// s codes an S at i and returns how many letters it used.
func (w *word) s(i int) int {
	if w.is(i-1, "ISL", "YSL") { // ISLAND, ISLE, CARLISLE
		return 1
	}
	if i == 0 && w.is(i, "SUGAR") {
		w.add("X", "S")
		return 1
	}
	if w.is(i, "SH") {
		if w.is(i+1, "HEIM", "HOEK", "HOLM", "HOLZ") { // Germanic
			w.add1("S")
		} else {
			w.add1("X")
		}
		return 2
	}
	if w.is(i, "SIO", "SIA") || w.is(i, "SIAN") { // Italian, Armenian
		if !w.slavoGermanic() {
			w.add("S", "X")
		} else {
			w.add1("S")
		}
		return 3
	}
	// SMITH for SCHMIDT, SNIDER for SCHNEIDER; Slavic -SZ-.
	if (i == 0 && w.is(i+1, "M", "N", "L", "W")) || w.is(i+1, "Z") {
		w.add("S", "X")
		if w.is(i+1, "Z") {
			return 2
		}
		return 1
	}
	if w.is(i, "SC") {
		if w.at(i+2) == 'H' {
			if w.is(i+3, "OO", "ER", "EN", "UY", "ED", "EM") { // Dutch SCHOOL, SCHOONER
				if w.is(i+3, "ER", "EN") { // SCHERMERHORN, SCHENKER
					w.add("X", "SK")
				} else {
					w.add1("SK")
				}
				return 3
			}
			if i == 0 && !w.vowel(3) && w.at(3) != 'W' {
				w.add("X", "S")
			} else {
				w.add1("X")
			}
			return 3
		}
		if w.is(i+2, "I", "E", "Y") {
			w.add1("S")
			return 3
		}
		w.add1("SK")
		return 3
	}
	// French final -AIS, -OIS (Resnais, Artois).
	if i == w.n-1 && w.is(i-2, "AI", "OI") {
		w.add("", "S")
	} else {
		w.add1("S")
	}
	if w.is(i+1, "S", "Z") {
		return 2
	}
	return 1
}

// t codes a T at i and returns how many letters it used.
func (w *word) t(i int) int {
	if w.is(i, "TION") {
		w.add1("X")
		return 3
	}
	if w.is(i, "TIA", "TCH") {
		w.add1("X")
		return 3
	}
	if w.is(i, "TH") || w.is(i, "TTH") {
		// THOMAS, THAMES, and Germanic names.
		if w.is(i+2, "OM", "AM") || w.is(0, "VAN ", "VON ", "SCH") {
			w.add1("T")
		} else {
			w.add("0", "T")
		}
		return 2
	}
	w.add1("T")
	if w.is(i+1, "T", "D") {
		return 2
	}
	return 1
}

// w codes a W at i and returns how many letters it used.
func (w *word) w(i int) int {
	if w.is(i, "WR") {
		w.add1("R")
		return 2
	}
	if i == 0 && (w.vowel(i+1) || w.is(i, "WH")) {
		if w.vowel(i + 1) { // WASSERMAN for VASSERMAN
			w.add("A", "F")
		} else {
			w.add1("A")
		}
	}
	// ARNOW for ARNOFF; Polish -EWSKI.
	if (i == w.n-1 && w.vowel(i-1)) || w.is(i-1, "EWSKI", "EWSKY", "OWSKI", "OWSKY") || w.is(0, "SCH") {
		w.add("", "F")
		return 1
	}
	if w.is(i, "WICZ", "WITZ") { // Polish FILIPOWICZ
		w.add("TS", "FX")
		return 4
	}
	return 1
}

// Alike reports whether a and b sound alike by Double Metaphone: some code of
// one equals some code of the other, and neither is empty. It is the test
// Philips describes for matching with both codes.
func Alike(a, b string) bool {
	pa, aa := DoubleMetaphone(a)
	pb, ab := DoubleMetaphone(b)
	if pa == "" || pb == "" {
		return false
	}
	return pa == pb || pa == ab || aa == pb || aa == ab
}
