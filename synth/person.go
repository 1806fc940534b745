package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"bonafide"
)

// human is the truth about one invented person, before anyone mistypes it.
type human struct {
	Given, Middle, Surname string
	Sex                    string // "F" or "M"
	DOB                    time.Time
	NHS                    string // valid Modulus 11, in the 999 test range
	Phone                  string
	Email                  string
}

// home is the truth about where a household lives.
type home struct {
	Flat     string // "Flat 2" or ""
	Number   int
	Stem     string
	Kind     string
	Town     town
	District int
	Postcode string
}

func (h home) line1() string {
	s := fmt.Sprintf("%d %s %s", h.Number, h.Stem, h.Kind)
	if h.Flat != "" {
		s = h.Flat + ", " + s
	}
	return s
}

func newHome(r *rand.Rand) home {
	t := pick(r, towns)
	h := home{Number: 1 + r.IntN(120), Stem: pick(r, streetStems), Kind: pick(r, streetKinds), Town: t, District: 1 + r.IntN(t.Dists)}
	if chance(r, 0.15) {
		h.Flat = fmt.Sprintf("Flat %d", 1+r.IntN(12))
	}
	h.Postcode = fmt.Sprintf("%s%d %d%c%c", t.Area, h.District, r.IntN(10),
		postcodeUnitLetters[r.IntN(len(postcodeUnitLetters))], postcodeUnitLetters[r.IntN(len(postcodeUnitLetters))])
	return h
}

func (h home) address() *bonafide.Address {
	return &bonafide.Address{Line1: h.line1(), Town: h.Town.Name, Postcode: h.Postcode}
}

// nhsNumber returns a number that passes Modulus 11. It is drawn from the
// 999 range the NHS keeps for testing, so it is never a real patient's.
func nhsNumber(r *rand.Rand) string {
	for {
		var d [10]int
		d[0], d[1], d[2] = 9, 9, 9
		for i := 3; i < 9; i++ {
			d[i] = r.IntN(10)
		}
		sum := 0
		for i := 0; i < 9; i++ {
			sum += d[i] * (10 - i)
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c == 10 {
			continue
		}
		d[9] = c
		var b strings.Builder
		for _, x := range d {
			b.WriteByte(byte('0' + x))
		}
		return b.String()
	}
}

func mobile(r *rand.Rand) string {
	return fmt.Sprintf("07%d%02d %06d", pick(r, []int{4, 5, 7, 8, 9}), r.IntN(100), r.IntN(1000000))
}

func emailFor(r *rand.Rand, given, surname string, dob time.Time) string {
	g, s := strings.ToLower(asciiOnly(given)), strings.ToLower(asciiOnly(surname))
	var local string
	switch r.IntN(6) {
	case 0:
		local = g + "." + s
	case 1:
		local = g + s + fmt.Sprint(dob.Year()%100)
	case 2:
		local = g[:1] + s
	case 3:
		local = g + "_" + s + fmt.Sprint(1+r.IntN(99))
	case 4:
		local = s + "." + g
	default:
		local = g + fmt.Sprint(dob.Year())
	}
	return local + "@" + pick(r, mailDomains)
}

func asciiOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c < 128 && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// newHuman invents a person of the given sex ("" for either) born between
// the two years, inclusive.
func newHuman(r *rand.Rand, sex string, surname string, fromYear, toYear int) human {
	if sex == "" {
		sex = pick(r, []string{"F", "M"})
	}
	names := femaleNames
	if sex == "M" {
		names = maleNames
	}
	h := human{Given: pick(r, names), Sex: sex, Surname: surname}
	if h.Surname == "" {
		h.Surname = pick(r, surnames)
		if chance(r, 0.03) {
			h.Surname += "-" + pick(r, surnames)
		}
	}
	if chance(r, 0.4) {
		h.Middle = pick(r, names)
	}
	h.DOB = randomDate(r, fromYear, toYear)
	h.NHS = nhsNumber(r)
	return h
}

func randomDate(r *rand.Rand, fromYear, toYear int) time.Time {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(toYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(end.Sub(start).Hours() / 24)
	return start.AddDate(0, 0, r.IntN(days))
}

// Noise levels say how carefully a name or number was taken down.
const (
	careful  = 0 // a professional copying from records
	ordinary = 1 // someone who knows the family
	stranger = 2 // a caller who half-knows, or invents
)

// keyboard neighbours on a UK QWERTY layout, for substitution typos.
var keyNeighbours = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "ryg", 'y': "tuh", 'u': "yij", 'i': "uok", 'o': "ipl", 'p': "ol",
	'a': "qsz", 's': "adwx", 'd': "sfec", 'f': "dgrv", 'g': "fhtb", 'h': "gjyn", 'j': "hkum", 'k': "jlim", 'l': "kop",
	'z': "xas", 'x': "zcs", 'c': "xvd", 'v': "cbf", 'b': "vng", 'n': "bmh", 'm': "nj",
	'0': "9", '1': "2", '2': "13", '3': "24", '4': "35", '5': "46", '6': "57", '7': "68", '8': "79", '9': "80",
}

// typo makes one slip of the fingers: a dropped, doubled, swapped or
// neighbouring key.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s
	}
	i := 1 + r.IntN(len(rs)-1) // keep the first letter, as people mostly do
	switch r.IntN(5) {
	case 0: // drop
		rs = append(rs[:i], rs[i+1:]...)
	case 1: // double
		rs = append(rs[:i+1], rs[i:]...)
	case 2: // transpose
		if i+1 < len(rs) {
			rs[i], rs[i+1] = rs[i+1], rs[i]
		} else {
			rs[i-1], rs[i] = rs[i], rs[i-1]
		}
	default: // neighbour key
		lc := unicode.ToLower(rs[i])
		if nb, ok := keyNeighbours[lc]; ok {
			c := rune(nb[r.IntN(len(nb))])
			if unicode.IsUpper(rs[i]) {
				c = unicode.ToUpper(c)
			}
			rs[i] = c
		} else {
			rs = append(rs[:i], rs[i+1:]...)
		}
	}
	return string(rs)
}

// phonetic makes a hearing error rather than a typing one: the name as it
// sounds, written by someone who never saw it.
func phonetic(r *rand.Rand, s string) string {
	if g, ok := spellingIndex[s]; ok && chance(r, 0.8) {
		for {
			if v := pick(r, g); v != s {
				return v
			}
		}
	}
	swaps := [][2]string{{"ph", "f"}, {"ie", "y"}, {"y", "ie"}, {"ck", "k"}, {"c", "k"}, {"k", "c"}, {"ll", "l"}, {"nn", "n"},
		{"ey", "y"}, {"ee", "ea"}, {"ai", "ay"}, {"z", "s"}, {"tt", "t"}, {"ou", "ow"}, {"th", "t"}, {"rr", "r"}}
	for _, k := range r.Perm(len(swaps)) {
		sw := swaps[k]
		if j := strings.Index(s[1:], sw[0]); j >= 0 {
			j++
			return s[:j] + sw[1] + s[j+len(sw[0]):]
		}
	}
	return typo(r, s)
}

// typedGiven is a first name as someone took it down.
func typedGiven(r *rand.Rand, name string, level int) string {
	p := [3]float64{0.04, 0.25, 0.5}[level]
	if !chance(r, p) {
		return name
	}
	switch weighted(r, []float64{4, 3, 3, 1}) {
	case 0:
		if nn, ok := nicknames[name]; ok {
			return pick(r, nn)
		}
		return phonetic(r, name)
	case 1:
		return phonetic(r, name)
	case 2:
		return typo(r, name)
	default:
		return strings.ToLower(name)
	}
}

// typedSurname is a family name as someone took it down.
func typedSurname(r *rand.Rand, name string, level int) string {
	p := [3]float64{0.02, 0.15, 0.35}[level]
	if !chance(r, p) {
		return name
	}
	switch weighted(r, []float64{4, 4, 1, 1}) {
	case 0:
		return phonetic(r, name)
	case 1:
		return typo(r, name)
	case 2:
		if i := strings.IndexByte(name, '-'); i > 0 {
			return name[:i]
		}
		return strings.ToUpper(name)
	default:
		return strings.ToLower(name)
	}
}

// typedDOB is a date of birth as someone gave it: exact, partial, with a
// wrong digit or with day and month swapped, or not known at all.
func typedDOB(r *rand.Rand, d time.Time, level int) bonafide.PartialDate {
	full := bonafide.PartialDate{Year: d.Year(), Month: int(d.Month()), Day: d.Day()}
	w := [3][]float64{
		{95, 0.5, 0.5, 1, 1, 1, 1},
		{55, 12, 10, 5, 5, 4, 9},
		{15, 15, 25, 5, 5, 5, 30},
	}[level]
	switch weighted(r, w) {
	case 0:
		return full
	case 1:
		return bonafide.PartialDate{Year: d.Year(), Month: int(d.Month())}
	case 2:
		return bonafide.PartialDate{Year: d.Year() + r.IntN(3) - 1}
	case 3:
		if full.Day <= 12 && full.Day != full.Month {
			full.Day, full.Month = full.Month, full.Day
			return full
		}
		full.Day = 1 + (full.Day+r.IntN(27))%28
		return full
	case 4: // one digit wrong in the day
		nd := full.Day/10*10 + r.IntN(10)
		if nd >= 1 && nd <= 28 {
			full.Day = nd
		}
		return full
	case 5: // year off by one, or a digit of it
		full.Year += pick(r, []int{-1, 1, -10, 10})
		if full.Month == 2 && full.Day == 29 {
			full.Day = 28 // a date that does not exist is not a date
		}
		return full
	}
	return bonafide.PartialDate{}
}

// typedPostcode is a postcode as typed: as given, without its space, in
// lower case, one character off, the district alone, or missing.
func typedPostcode(r *rand.Rand, pc string, level int) string {
	w := [3][]float64{
		{92, 4, 2, 1, 0.5, 0.5},
		{60, 12, 8, 8, 6, 6},
		{30, 12, 10, 10, 18, 20},
	}[level]
	switch weighted(r, w) {
	case 0:
		return pc
	case 1:
		return strings.ReplaceAll(pc, " ", "")
	case 2:
		return strings.ToLower(pc)
	case 3:
		b := []byte(pc)
		i := len(b) - 1 - r.IntN(3)
		if b[i] >= '0' && b[i] <= '9' {
			b[i] = byte('0' + (int(b[i]-'0')+1+r.IntN(8))%10)
		} else {
			b[i] = postcodeUnitLetters[r.IntN(len(postcodeUnitLetters))]
		}
		return string(b)
	case 4:
		if i := strings.IndexByte(pc, ' '); i > 0 {
			return pc[:i]
		}
		return pc
	}
	return ""
}

// typedNHS is an NHS number as copied: right, one digit off (which always
// fails Modulus 11), two digits swapped, or not given.
func typedNHS(r *rand.Rand, nhs string, level int) string {
	w := [3][]float64{{90, 3, 1, 6}, {15, 3, 2, 80}, {1, 1, 1, 97}}[level]
	b := []byte(nhs)
	switch weighted(r, w) {
	case 0:
		if chance(r, 0.3) {
			return nhs[:3] + " " + nhs[3:6] + " " + nhs[6:]
		}
		return nhs
	case 1:
		i := r.IntN(10)
		b[i] = byte('0' + (int(b[i]-'0')+1+r.IntN(9))%10)
		return string(b)
	case 2:
		i := 3 + r.IntN(6)
		b[i], b[i+1] = b[i+1], b[i]
		return string(b)
	}
	return ""
}

// typedLine1 is a first address line as typed: abbreviated, lower case, a
// house number slip, the flat dropped, or missing.
func typedLine1(r *rand.Rand, h home, level int) string {
	p := [3]float64{0.1, 0.4, 0.6}[level]
	if !chance(r, p) {
		return h.line1()
	}
	kind := h.Kind
	if a, ok := streetAbbrev[kind]; ok && chance(r, 0.6) {
		kind = a
	}
	num := h.Number
	if chance(r, 0.15) {
		num = num + pick(r, []int{-2, -1, 1, 2, 10})
		if num < 1 {
			num = 1
		}
	}
	s := fmt.Sprintf("%d %s %s", num, h.Stem, kind)
	if h.Flat != "" && chance(r, 0.6) {
		s = strings.Replace(h.Flat, "Flat ", "", 1) + "/" + s
	}
	if chance(r, 0.2) {
		s = strings.ToLower(s)
	}
	if level == stranger && chance(r, 0.4) {
		return ""
	}
	return s
}

// formDOB is a typed date of birth as an intake form takes it: one more
// than a year after the referral (a slipped digit of the year) is refused
// by every reader, so the reporter corrects it to the real date. It draws
// no random numbers, so the rest of the stream is unchanged.
func formDOB(typed bonafide.PartialDate, real, at time.Time) bonafide.PartialDate {
	if typed.IsZero() || typed.Year <= at.Year() {
		return typed
	}
	m, d := max(typed.Month, 1), max(typed.Day, 1)
	if !time.Date(typed.Year, time.Month(m), d, 0, 0, 0, 0, time.UTC).After(at.Add(bonafide.MaxDOBAhead)) {
		return typed
	}
	return bonafide.PartialDate{Year: real.Year(), Month: int(real.Month()), Day: real.Day()}
}
