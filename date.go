package bonafide

import (
	"fmt"
	"strconv"
	"time"
)

// PartialDate is a date of birth as a stranger knows it: a full date, a year
// and month, or a year alone. Month and Day are zero when unknown.
type PartialDate struct {
	Year, Month, Day int
}

// ParsePartialDate parses "YYYY-MM-DD", "YYYY-MM" or "YYYY", and rejects
// dates that do not exist (such as 2023-02-30).
func ParsePartialDate(s string) (PartialDate, error) {
	bad := fmt.Errorf("%q is not a date of the form YYYY-MM-DD, YYYY-MM or YYYY", s)
	digits := func(s string) (int, bool) {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	var d PartialDate
	var ok bool
	switch len(s) {
	case 4:
		d.Year, ok = digits(s)
	case 7:
		if s[4] != '-' {
			return d, bad
		}
		if d.Year, ok = digits(s[:4]); ok {
			d.Month, ok = digits(s[5:])
		}
	case 10:
		if s[4] != '-' || s[7] != '-' {
			return d, bad
		}
		if d.Year, ok = digits(s[:4]); ok {
			if d.Month, ok = digits(s[5:7]); ok {
				d.Day, ok = digits(s[8:])
			}
		}
	}
	if !ok {
		return PartialDate{}, bad
	}
	if d.Year < 1800 {
		return PartialDate{}, fmt.Errorf("%q: year before 1800", s)
	}
	if len(s) >= 7 && (d.Month < 1 || d.Month > 12) {
		return PartialDate{}, fmt.Errorf("%q: month %d out of range 01-12", s, d.Month)
	}
	if len(s) == 10 {
		t := time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
		if d.Day < 1 || t.Day() != d.Day {
			return PartialDate{}, fmt.Errorf("%q: day %d does not exist in that month", s, d.Day)
		}
	}
	return d, nil
}

// IsZero reports whether no part of the date is known.
func (d PartialDate) IsZero() bool { return d.Year == 0 }

// Precision says how much of the date is known: 0 none, 1 year, 2 month, 3 day.
func (d PartialDate) Precision() int {
	switch {
	case d.Year == 0:
		return 0
	case d.Month == 0:
		return 1
	case d.Day == 0:
		return 2
	}
	return 3
}

// String formats the date as it would be written in the interchange format.
func (d PartialDate) String() string {
	switch d.Precision() {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%04d", d.Year)
	case 2:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}
