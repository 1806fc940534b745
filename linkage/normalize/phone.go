package normalize

import (
	"strings"

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
// missing leading 0, a trailing extension (dropped).
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
	n, err := phonenumbers.Parse(s, "GB")
	if err != nil {
		return "", false
	}
	if !phonenumbers.IsValidNumber(n) {
		if !phonenumbers.IsPossibleNumber(n) || len(phonenumbers.GetNationalSignificantNumber(n)) < 9 {
			return "", false
		}
	}
	return phonenumbers.Format(n, phonenumbers.E164), false
}
