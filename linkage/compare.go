package linkage

import (
	"bonafide/linkage/strcmp"
	"bonafide/normalize"
)

// Compare returns the comparison level of field i between a and b: 0 for the strongest
// agreement, len(Levels)-1 for disagreement, or [Null] when either value is missing.
// It is symmetric: Compare(i, a, b) == Compare(i, b, a).
func (s *Schema) Compare(i int, a, b *Record) int {
	x, y := &a.vals[i], &b.vals[i]
	if x.s == "" || y.s == "" {
		return Null
	}
	return s.compareValue(i, a, b, x, y)
}

// pattern packs the comparison levels of every field of a and b, four bits a field
// holding the level plus one (0 for [Null]), as EM counts patterns.
func (s *Schema) pattern(a, b *Record) uint64 {
	var key uint64
	for f := range s.Fields {
		key |= uint64(s.Compare(f, a, b)+1) << (4 * f)
	}
	return key
}

func (s *Schema) compareValue(i int, a, b *Record, x, y *value) int {
	switch s.Fields[i].Kind {
	case KindExact, KindDevice:
		return pick(x.s == y.s, 0, 1)
	case KindString:
		return compareString(x, y)
	case KindGivenName:
		return s.compareGiven(i, a, b, x, y)
	case KindSurname:
		return s.compareSurname(i, a, b, x, y)
	case KindDate:
		return compareDate(x, y)
	case KindPostcodeUK:
		return comparePostcode(x, y)
	case KindAddress:
		return compareAddress(x, y)
	case KindNHSNumber:
		return compareNHS(x, y)
	case KindPhone:
		switch {
		case x.s == y.s:
			return 0
		case x.alt != "" && x.alt == y.alt:
			return 1
		}
		return 2
	case KindEmail:
		switch {
		case x.s == y.s:
			return 0
		case x.alt == y.alt:
			return 1
		case strcmp.Within1(x.s, y.s):
			return 2
		}
		return 3
	case KindHandle:
		switch {
		case x.s == y.s:
			return 0
		case x.alt == y.alt:
			return 1
		case strcmp.Within1(x.alt, y.alt):
			return 2
		}
		return 3
	case KindIP:
		switch {
		case x.s == y.s:
			return 0
		case x.alt == y.alt:
			return 1
		}
		return 2
	}
	return Null
}

func pick(c bool, yes, no int) int {
	if c {
		return yes
	}
	return no
}

// jw is Jaro–Winkler ([strcmp.JaroWinkler]) with its arguments put in a fixed order so
// that it is exactly symmetric.
func jw(a, b string) float64 {
	if a > b {
		a, b = b, a
	}
	return strcmp.JaroWinkler(a, b)
}

func compareString(x, y *value) int {
	switch {
	case x.s == y.s || x.alt == y.alt:
		return 0
	case strcmp.Within1(x.alt, y.alt):
		return 1
	}
	j := jw(x.alt, y.alt)
	switch {
	case j >= 0.92:
		return 2
	case j >= 0.80:
		return 3
	}
	return 4
}

// swapped reports whether a's value in field i is b's value in field j or the other way
// round: a given name typed in the surname box.
func swapped(a, b *Record, i, j int) bool {
	if j < 0 {
		return false
	}
	ai, bj := a.vals[i].alt, b.vals[j].alt
	aj, bi := a.vals[j].alt, b.vals[i].alt
	return ai != "" && ai == bj || bi != "" && bi == aj
}

func phoneticEqual(x, y *value) bool {
	return x.p1 != "" && (x.p1 == y.p1 || x.p1 == y.p2 || x.p2 == y.p1 || x.p2 != "" && x.p2 == y.p2)
}

// sharePart reports whether two names share a part (a hyphenated or second name, or a
// nickname group); a name without parts is its own single part.
func sharePart(x, y *value) bool {
	switch {
	case len(x.parts) == 0 && len(y.parts) == 0:
		return false
	case len(x.parts) == 0:
		return contains(y.parts, x.s)
	case len(y.parts) == 0:
		return contains(x.parts, y.s)
	}
	return anyCommon(x.parts, y.parts)
}

func contains(list []string, s string) bool {
	for _, t := range list {
		if t == s {
			return true
		}
	}
	return false
}

// anyCommon reports whether two short lists share an element.
func anyCommon(a, b []string) bool {
	for _, s := range a {
		for _, t := range b {
			if s == t {
				return true
			}
		}
	}
	return false
}

func (s *Schema) compareGiven(i int, a, b *Record, x, y *value) int {
	if x.s == y.s || x.alt == y.alt {
		return 0
	}
	if sharePart(x, y) {
		return 1 // nickname group, or one of two given names
	}
	if strcmp.Within1(x.alt, y.alt) {
		return 2
	}
	j := jw(x.alt, y.alt)
	switch {
	case j >= 0.92:
		return 3
	case phoneticEqual(x, y):
		return 4
	case j >= 0.80:
		return 5
	case swapped(a, b, i, s.swap[i]):
		return 6
	case (len(x.s) == 1 || len(y.s) == 1) && x.s[0] == y.s[0]:
		return 7
	}
	return 8
}

func (s *Schema) compareSurname(i int, a, b *Record, x, y *value) int {
	if x.s == y.s || x.alt == y.alt {
		return 0
	}
	if sharePart(x, y) {
		return 1
	}
	if strcmp.Within1(x.alt, y.alt) {
		return 2
	}
	j := jw(x.alt, y.alt)
	switch {
	case j >= 0.92:
		return 3
	case phoneticEqual(x, y):
		return 4
	case j >= 0.80:
		return 5
	case swapped(a, b, i, s.swap[i]):
		return 6
	}
	return 7
}

func compareDate(x, y *value) int {
	xy, yy := x.n/10000, y.n/10000
	if x.prec == 3 && y.prec == 3 {
		if x.n == y.n {
			return 0
		}
		xm, xd := x.n/100%100, x.n%100
		ym, yd := y.n/100%100, y.n%100
		switch {
		case xy == yy && xm == yd && xd == ym:
			return 1
		case strcmp.Within1(x.s, y.s):
			return 2
		case xy == yy && xm == ym:
			return 3
		}
	} else if min(x.prec, y.prec) >= 2 && xy == yy && x.n/100%100 == y.n/100%100 {
		return 3
	}
	switch xy - yy {
	case 0:
		return 4
	case 1, -1:
		return 5 // a birthday a year out: a guess at the age, or the year typed wrongly
	}
	return 6
}

func comparePostcode(x, y *value) int {
	// parts: area, district, sector, full
	p := func(v *value) normalize.PostcodeParts {
		return normalize.PostcodeParts{Full: v.parts[3], Sector: v.parts[2], District: v.parts[1], Area: v.parts[0]}
	}
	return ComparePostcodes(p(x), p(y))
}

// ComparePostcodes returns the agreement level of two postcodes, as the
// postcode_uk comparison grades it: 0 the full postcode, 1 its sector, 2 its
// district, 3 its area, 4 none of them (a part missing on either side does
// not agree). Triage's family linker weighs its levels too.
func ComparePostcodes(a, b normalize.PostcodeParts) int {
	switch {
	case a.Full != "" && a.Full == b.Full:
		return 0
	case a.Sector != "" && a.Sector == b.Sector:
		return 1
	case a.District != "" && a.District == b.District:
		return 2
	case a.Area != "" && a.Area == b.Area:
		return 3
	}
	return 4
}

func compareAddress(x, y *value) int {
	if x.alt == y.alt {
		return 0
	}
	if x.s > y.s {
		x, y = y, x // the greedy matching below depends on order
	}
	// Soft token overlap: a token counts when its twin is equal or one edit away.
	matched := 0
	used := uint64(0)
	for _, t := range x.parts {
		for k, u := range y.parts {
			if k < 64 && used&(1<<k) == 0 && (t == u || min(len(t), len(u)) > 3 && strcmp.Within1(t, u)) {
				used |= 1 << k
				matched++
				break
			}
		}
	}
	sim := 2 * float64(matched) / float64(len(x.parts)+len(y.parts))
	if sim < 0.8 && sim > 0 && x.alt[0] == y.alt[0] && len(x.alt)-len(y.alt) <= 3 && len(y.alt)-len(x.alt) <= 3 && jw(x.alt, y.alt) >= 0.94 {
		sim = 0.8 // "tullaroopstreet" against "tullaroop street"
	}
	switch {
	case sim >= 0.8:
		return 1
	case sim >= 0.5:
		return 2
	}
	return 3
}

func compareNHS(x, y *value) int {
	if x.s == y.s {
		return 0
	}
	if x.n == 1 && y.n == 1 {
		return 3 // two valid numbers that differ belong to two people
	}
	switch d := strcmp.OSA(x.s, y.s); {
	case d <= 1:
		return 1
	case d == 2:
		return 2
	}
	return 3
}
