package normalize

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// withheldWords are what call handlers and web forms write when the caller's
// number was not shown. Anonymous referrals often carry nothing else, and a
// withheld number is itself a signal in campaign detection.
var withheldWords = [...]string{
	"withheld", "private", "unknown", "anonymous", "blocked", "hidden",
	"no caller id", "no caller-id", "caller id", "unavailable", "restricted",
	"not given", "not known", "no number", "ex-directory", "ex directory",
}

// Phone returns the number in s in E.164 form ("+447700900123"), reading it
// as a UK number unless it carries an international prefix. It accepts the
// ways numbers are typed: spaces, dashes, brackets, "+44 (0)", "0044", a
// missing leading 0, a trailing extension (dropped), a remark in brackets
// ("(mum)", dropped). When s holds several numbers separated by "/", ",", ";"
// or "|", the first that reads is returned.
//
// withheld is true when s says the number was withheld ("withheld",
// "private", "unknown", "anonymous", "no caller ID" and similar) and holds no
// number. When s is neither a number nor withheld, Phone returns "", false.
//
// A number is accepted when libphonenumber finds it valid, or possible with
// at least nine national digits: test and drama ranges such as 07700 900xxx
// are not "valid" but are exactly what synthetic data and careful humans use.
func Phone(s string) (e164 string, withheld bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if digits < 6 {
		l := strings.ToLower(s)
		for _, w := range withheldWords {
			if strings.Contains(l, w) {
				return "", true
			}
		}
		return "", false
	}
	if len(s) > 64 {
		return "", false
	}
	if e, ok := fastUK(s); ok {
		return e, false
	}
	if e := slowPhone(s); e != "" {
		return e, false
	}
	// Forms collect "07700 900123 (mum's)" and "07700 900123 / 020 7946 0018":
	// drop remarks in brackets and take the first number that reads.
	s = dropRemarks(s)
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '/' || r == ',' || r == ';' || r == '|' }) {
		if e, ok := fastUK(strings.TrimSpace(part)); ok {
			return e, false
		}
		if e := slowPhone(part); e != "" {
			return e, false
		}
	}
	return "", false
}

// dropRemarks removes bracketed text that holds a letter, such as "(mum)",
// and keeps brackets around digits, such as "(0)" and "(0113)".
func dropRemarks(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			break
		}
		inner := s[i+1 : i+j]
		b.WriteString(s[:i])
		if strings.IndexFunc(inner, unicode.IsLetter) < 0 {
			b.WriteString(s[i : i+j+1])
		} else {
			b.WriteByte(' ')
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// fastUK handles the common case without libphonenumber, which costs some
// fifty microseconds and eighty allocations a number: a UK number of ten
// national digits written with only spaces, dashes, dots and brackets, as
// 0xxxx, +44xxxx, +44 (0)xxxx or 0044xxxx. libphonenumber accepts all of
// these as possible UK numbers (TestFastUKAgrees checks), so the result is the
// same; anything else goes the slow way.
func fastUK(s string) (string, bool) {
	var d [16]byte
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	ds := d[:n]
	switch {
	case plus && n == 12 && string(ds[:2]) == "44":
		ds = ds[2:]
	case plus && n == 13 && string(ds[:3]) == "440":
		ds = ds[3:]
	case !plus && n == 14 && string(ds[:4]) == "0044":
		ds = ds[4:]
	case !plus && n == 11 && ds[0] == '0':
		ds = ds[1:]
	default:
		return "", false
	}
	if ds[0] == '0' {
		return "", false
	}
	var out [13]byte
	copy(out[:], "+44")
	copy(out[3:], ds)
	return string(out[:]), true
}

// slowPhone parses s with libphonenumber, or returns "".
func slowPhone(s string) string {
	n, err := phonenumbers.Parse(s, "GB")
	if err != nil {
		return ""
	}
	if !phonenumbers.IsValidNumber(n) {
		if !phonenumbers.IsPossibleNumber(n) || len(phonenumbers.GetNationalSignificantNumber(n)) < 9 {
			return ""
		}
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	// A few odd inputs (runs of zeros) format to an E.164 string that parses
	// to another number; such a number is no stable key, so it is refused.
	if back, err := phonenumbers.Parse(e164, "GB"); err != nil || phonenumbers.Format(back, phonenumbers.E164) != e164 {
		return ""
	}
	return e164
}
