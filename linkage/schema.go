package linkage

import (
	"errors"
	"fmt"
	"strings"

	"bonafide/linkage/nickname"
	"bonafide/linkage/phonetic"
	"bonafide/normalize"
)

// A Field is one compared column: its name, how it is compared and, for dates, how it
// is written. The same Field list configures training, batch linking and the online
// index, so the three always agree.
type Field struct {
	Name       string `json:"name"`
	Kind       Kind   `json:"type"`
	DateFormat string `json:"date_format,omitempty"` // e.g. "YYYYMMDD", "DD/MM/YYYY"; ISO with partial dates when empty
	// TF turns on term-frequency adjustment of exact agreement. When nil it is on for
	// given names, surnames and free strings, where common values are common indeed.
	TF *bool `json:"tf,omitempty"`
	// Group names a set of fields that measure one thing, such as "location" for
	// postcode, address and town. A group adds only its strongest agreement, plus its
	// disagreements, because a household shares all of them at once and counting each
	// agreement would treat one fact as several.
	Group string `json:"group,omitempty"`
}

func (f Field) tf() bool {
	if f.TF != nil {
		return *f.TF
	}
	return f.Kind == KindGivenName || f.Kind == KindSurname || f.Kind == KindString
}

// A Schema is a compiled list of fields: it normalises raw values into [Record]s and
// compares them. It is safe for concurrent use once built.
type Schema struct {
	Fields  []Field
	swap    []int // index of the field a name may be swapped with, or -1
	layouts []dateLayout
	byName  map[string]int
	group   []int // group number of each field, or -1
	groups  int
}

// NewSchema checks and compiles fields. Field names must be unique; date formats must
// parse.
func NewSchema(fields []Field) (*Schema, error) {
	if len(fields) == 0 {
		return nil, errors.New("schema: no fields")
	}
	if len(fields) > 16 {
		return nil, fmt.Errorf("schema: %d fields, at most 16", len(fields))
	}
	s := &Schema{Fields: fields, swap: make([]int, len(fields)), layouts: make([]dateLayout, len(fields)), byName: map[string]int{}, group: make([]int, len(fields))}
	groupNum := map[string]int{}
	given, sur := -1, -1
	for i, f := range fields {
		if f.Name == "" {
			return nil, fmt.Errorf("schema: field %d has no name", i+1)
		}
		if _, dup := s.byName[f.Name]; dup {
			return nil, fmt.Errorf("schema: field %q listed twice", f.Name)
		}
		if f.Kind >= kindCount {
			return nil, fmt.Errorf("schema: field %q: unknown comparison type %d", f.Name, f.Kind)
		}
		s.byName[f.Name] = i
		s.swap[i] = -1
		s.group[i] = -1
		if f.Group != "" {
			g, ok := groupNum[f.Group]
			if !ok {
				g = len(groupNum)
				groupNum[f.Group] = g
			}
			s.group[i] = g
		}
		if f.Kind == KindDate {
			l, err := parseDateLayout(f.DateFormat)
			if err != nil {
				return nil, fmt.Errorf("schema: field %q: %w", f.Name, err)
			}
			s.layouts[i] = l
		} else if f.DateFormat != "" {
			return nil, fmt.Errorf("schema: field %q: date_format given for a %s field", f.Name, f.Kind)
		}
		switch f.Kind {
		case KindGivenName:
			if given == -1 {
				given = i
			}
		case KindSurname:
			if sur == -1 {
				sur = i
			}
		}
	}
	s.groups = len(groupNum)
	if given >= 0 && sur >= 0 {
		s.swap[given], s.swap[sur] = sur, given
	}
	return s, nil
}

// FieldIndex returns the position of the named field, or -1.
func (s *Schema) FieldIndex(name string) int {
	if i, ok := s.byName[name]; ok {
		return i
	}
	return -1
}

// A Record is one person record normalised for comparison. Build it with
// [Schema.Prepare]; the pair loop then never re-parses a value.
type Record struct {
	ID     string
	Source uint8 // which input file, for linking A to B
	vals   []value
}

// value is one prepared field. Which members are set depends on the field's kind.
type value struct {
	s     string   // normalised value; "" means missing
	alt   string   // compacted name, postcode district, e-mail local part, handle, IP network
	p1    string   // phonetic code (names)
	p2    string   // second phonetic code
	parts []string // name parts, address tokens, postcode [area, district, sector, full], nickname groups
	n     int32    // date yyyymmdd (0 for unknown parts); NHS: 1 when valid
	prec  int8     // date precision: 1 year, 2 month, 3 day
	tf    float32  // share of records holding s (term frequency)
}

// Prepare normalises one raw record whose values are in the order of s.Fields.
func (s *Schema) Prepare(id string, raw []string) Record {
	r := Record{ID: id, vals: make([]value, len(s.Fields))}
	for i, f := range s.Fields {
		if i < len(raw) {
			r.vals[i] = s.prepareValue(i, f.Kind, strings.TrimSpace(raw[i]))
		}
	}
	return r
}

func (s *Schema) prepareValue(i int, k Kind, raw string) value {
	var v value
	if raw == "" {
		return v
	}
	switch k {
	case KindExact, KindDevice:
		v.s = strings.ToLower(raw)
	case KindString:
		v.s = normalize.Name(raw)
		v.alt = compact(v.s)
	case KindGivenName, KindSurname:
		v.s = normalize.Name(raw)
		if v.s == "" {
			return v
		}
		v.alt = compact(v.s)
		v.p1, v.p2 = phoneticCodes(v.alt)
		if strings.ContainsAny(v.s, " -") {
			v.parts = strings.FieldsFunc(v.s, func(r rune) bool { return r == ' ' || r == '-' })
		}
		if k == KindGivenName {
			if len(v.parts) == 0 {
				v.parts = []string{v.s}
			}
			for _, p := range v.parts[:len(v.parts):len(v.parts)] {
				v.parts = append(v.parts, nicknameGroups(p)...)
			}
		}
	case KindDate:
		y, m, d, ok := s.layouts[i].parse(raw)
		if !ok {
			return v
		}
		v.n = int32(y*10000 + m*100 + d)
		v.prec = 1
		if m > 0 {
			v.prec = 2
		}
		if d > 0 {
			v.prec = 3
		}
		v.s = eightDigits(v.n)
	case KindPostcodeUK:
		// A postcode Royal Mail would not know (an unknown area, a typo in the
		// shape) keeps its parts by shape: two records typed the same way still agree.
		pc, ok := normalize.AnyPostcode(raw)
		if !ok {
			return v
		}
		v.s = pc.String()
		v.alt = pc.District
		v.parts = []string{pc.Area, pc.District, pc.Sector, pc.Full}
	case KindAddress:
		t := normalize.AddressTokens(raw)
		if len(t) == 0 {
			return v
		}
		v.parts = t
		v.s = strings.Join(t, " ")
		v.alt = strings.Join(t, "")
	case KindNHSNumber:
		var valid bool
		if v.s, valid = normalize.NHSNumber(raw); valid {
			v.n = 1
		}
	case KindPhone:
		e, _ := normalize.Phone(raw)
		v.s = e
		if len(e) > 6 {
			v.alt = e[len(e)-6:]
		}
	case KindEmail:
		v.s = normalize.Email(raw)
		if at := strings.LastIndexByte(v.s, '@'); at > 0 {
			v.alt = v.s[:at]
		}
	case KindHandle:
		p, h := splitHandle(raw)
		h = normalize.Handle(p, h)
		if h == "" {
			return v
		}
		if p != "" {
			p = normalize.Platform(p)
		}
		v.s = p + ":" + h
		v.alt = h
	case KindIP:
		v.s, v.alt = normalize.IP(raw)
	}
	return v
}

// phoneticCodes returns the Double Metaphone codes of a normalised name.
func phoneticCodes(s string) (string, string) {
	return phonetic.DoubleMetaphone(s)
}

// splitHandle reads a handle field written as "platform:@name", "@name on platform" or
// a profile URL, and returns the platform ("" when not given) and the handle as typed.
func splitHandle(s string) (platform, handle string) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		host, _, _ := strings.Cut(s[i+3:], "/")
		return strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(host), "www."), "m."), s
	}
	if p, h, ok := strings.Cut(s, ":"); ok {
		return p, h
	}
	if h, p, ok := strings.Cut(s, " on "); ok {
		return p, h
	}
	return "", s
}

// nicknameGroups returns the group keys a given name belongs to (e.g. "elizabeth" for
// "liz" and "beth"), prefixed so they never equal a name part.
func nicknameGroups(s string) []string {
	g := nickname.Canonical(s)
	if len(g) == 0 {
		return nil
	}
	out := make([]string, len(g))
	for i, k := range g {
		out[i] = "=" + k
	}
	return out
}

// dateLayout is a parsed date format such as "DD/MM/YYYY".
type dateLayout struct {
	tokens []string // "YYYY", "MM", "DD" or a literal separator
	iso    bool     // the default: ISO 8601 and YYYYMMDD, partial dates allowed
}

func parseDateLayout(f string) (dateLayout, error) {
	if f == "" {
		return dateLayout{iso: true}, nil
	}
	var l dateLayout
	seen := map[string]bool{}
	for rest := f; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "YYYY"), strings.HasPrefix(rest, "yyyy"):
			l.tokens = append(l.tokens, "YYYY")
			rest = rest[4:]
		case strings.HasPrefix(rest, "MM"), strings.HasPrefix(rest, "mm"):
			l.tokens = append(l.tokens, "MM")
			rest = rest[2:]
		case strings.HasPrefix(rest, "DD"), strings.HasPrefix(rest, "dd"):
			l.tokens = append(l.tokens, "DD")
			rest = rest[2:]
		case strings.ContainsRune("-/. ", rune(rest[0])):
			l.tokens = append(l.tokens, rest[:1])
			rest = rest[1:]
			continue
		default:
			return l, fmt.Errorf("bad date format %q: want YYYY, MM and DD with - / . or space between, e.g. DD/MM/YYYY", f)
		}
		t := l.tokens[len(l.tokens)-1]
		if seen[t] {
			return l, fmt.Errorf("bad date format %q: %s given twice", f, t)
		}
		seen[t] = true
	}
	if !seen["YYYY"] || !seen["MM"] || !seen["DD"] {
		return l, fmt.Errorf("bad date format %q: it needs YYYY, MM and DD", f)
	}
	return l, nil
}

// parse reads a date. Month or day 0 means unknown (a partial date). Any layout also
// accepts ISO partial dates "YYYY" and "YYYY-MM".
func (l dateLayout) parse(s string) (y, m, d int, ok bool) {
	if l.iso || len(s) <= 7 {
		return parseISODate(s)
	}
	p := 0
	for _, t := range l.tokens {
		n := len(t)
		if n == 1 {
			if p >= len(s) || !strings.ContainsRune("-/. ", rune(s[p])) {
				return 0, 0, 0, false
			}
			p++
			continue
		}
		end := p
		for end < len(s) && end-p < n && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		// Day and month may be written with one digit (1/2/2019) when separated.
		if end == p || (end-p < n && (t == "YYYY" || !(end < len(s) && strings.ContainsRune("-/. ", rune(s[end]))))) {
			return 0, 0, 0, false
		}
		v := atoi(s[p:end])
		switch t {
		case "YYYY":
			y = v
		case "MM":
			m = v
		case "DD":
			d = v
		}
		p = end
	}
	if p != len(s) {
		return 0, 0, 0, false
	}
	return y, m, d, validYMD(y, m, d)
}

func parseISODate(s string) (y, m, d int, ok bool) {
	switch {
	case len(s) == 8 && isNumber(s):
		y, m, d = atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])
	case len(s) == 10 && s[4] == '-' && s[7] == '-' && isNumber(s[:4]) && isNumber(s[5:7]) && isNumber(s[8:]):
		y, m, d = atoi(s[:4]), atoi(s[5:7]), atoi(s[8:])
	case len(s) == 7 && s[4] == '-' && isNumber(s[:4]) && isNumber(s[5:]):
		y, m = atoi(s[:4]), atoi(s[5:])
	case len(s) == 4 && isNumber(s):
		y = atoi(s)
	default:
		return 0, 0, 0, false
	}
	return y, m, d, validYMD(y, m, d)
}

// validYMD accepts any digits a typist could produce in the right places (0 meaning
// unknown). Impossible dates such as 31 February or month 19 are kept, because a
// one-digit slip from a real date should still match its original.
func validYMD(y, m, d int) bool {
	return y >= 1000 && y <= 9999 && m >= 0 && m <= 99 && d >= 0 && d <= 99 && !(m == 0 && d != 0)
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// eightDigits formats a yyyymmdd number with leading zeros, without fmt's cost.
func eightDigits(n int32) string {
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// Conflict returns the "cannot link" test for recs used by [ClusterConflict]: two
// records conflict when they hold different valid NHS numbers (Modulus 11 catches every
// single-digit slip and transposition, so two valid numbers name two people). It returns
// nil when the schema has no NHS number field.
func (s *Schema) Conflict(recs []Record) func(a, b int32) bool {
	if !s.hasConflicts() {
		return nil
	}
	return func(a, b int32) bool { return s.conflicts(&recs[a], &recs[b]) }
}

func (s *Schema) hasConflicts() bool {
	for _, f := range s.Fields {
		if f.Kind == KindNHSNumber {
			return true
		}
	}
	return false
}

// conflicts reports whether a and b hold different valid NHS numbers.
func (s *Schema) conflicts(a, b *Record) bool {
	for i, f := range s.Fields {
		if f.Kind != KindNHSNumber {
			continue
		}
		x, y := &a.vals[i], &b.vals[i]
		if x.n == 1 && y.n == 1 && x.s != y.s {
			return true
		}
	}
	return false
}
