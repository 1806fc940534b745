package bonafide

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The window of times every reader refuses to leave (interchange format,
// "Values every reader refuses"). A time outside it cannot be judged: the
// one-working-day deadline of a referral received in 9999 is past the
// largest year RFC 3339 can write, and a referral dated 1000 sorts before
// every record it should be compared with. Such a record is refused at the
// door, with its field named, rather than stored and then left untriaged.
var (
	// EarliestTime is the earliest received_at, posted_at or decided_at.
	EarliestTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	// EarliestDOBYear is the earliest year of a date of birth.
	EarliestDOBYear = 1800
)

const (
	// MaxClockSkew is how far into the future, by the reader's clock, a
	// received_at, posted_at or decided_at may lie: a sending system's clock
	// may run ahead, but not by more than a day.
	MaxClockSkew = 24 * time.Hour

	// MaxDOBAhead is how far after its record's own time a date of birth
	// may lie: an unborn child's expected date, for a pre-birth referral.
	MaxDOBAhead = 366 * 24 * time.Hour
)

// CheckTimes reports the times of rec that lie outside the window every
// reader refuses, judged by the reader's clock now: received_at, posted_at
// and decided_at from [EarliestTime] to now plus [MaxClockSkew]; dates of
// birth from [EarliestDOBYear] to [MaxDOBAhead] after the record's own
// time. A missing time is left to Validate, which says "missing". Field
// paths are as for Validate. Decoders call it beside Validate, and stores
// call it again before they write, so that no path stores a time that an
// assessment cannot be made of.
func CheckTimes(rec Record, now time.Time) []FieldError {
	var c checker
	latest := now.Add(MaxClockSkew)
	at := func(field string, t time.Time) {
		switch {
		case t.IsZero():
		case t.Before(EarliestTime):
			c.add(field, fmt.Sprintf("%s is before %s", t.UTC().Format(time.RFC3339), EarliestTime.Format("2006-01-02")))
		case t.After(latest):
			c.add(field, fmt.Sprintf("%s is more than %s after this server's clock (%s)",
				t.UTC().Format(time.RFC3339), skewWords(MaxClockSkew), now.UTC().Format(time.RFC3339)))
		}
	}
	switch r := rec.(type) {
	case *Referral:
		if r == nil {
			return nil
		}
		at("received_at", r.ReceivedAt)
		if r.ReceivedAt.IsZero() {
			break
		}
		for _, g := range []struct {
			name string
			ps   []Person
		}{{"children", r.Children}, {"adults", r.Adults}} {
			for i := range g.ps {
				if reason := dobProblem(g.ps[i].DOB, r.ReceivedAt); reason != "" {
					c.add(index(g.name, i, "dob"), reason)
				}
			}
		}
	case *PublicPost:
		if r != nil {
			at("posted_at", r.PostedAt)
		}
	case *ForumPost:
		if r != nil {
			at("posted_at", r.PostedAt)
		}
	case *Outcome:
		if r != nil {
			at("decided_at", r.DecidedAt)
		}
	}
	return c.errs
}

// dobProblem says why d cannot be the date of birth of a person named in a
// record of time t, or "". Unknown parts count at their latest for the
// upper bound, so that "2026" is accepted on 31 December 2025's referral.
func dobProblem(d PartialDate, t time.Time) string {
	if d.IsZero() {
		return ""
	}
	if d.Year < EarliestDOBYear {
		return "year " + strconv.Itoa(d.Year) + " is before " + strconv.Itoa(EarliestDOBYear)
	}
	m, day := d.Month, d.Day
	if m == 0 {
		m = 1
	}
	if day == 0 {
		day = 1
	}
	earliest := time.Date(d.Year, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if earliest.After(t.Add(MaxDOBAhead)) {
		return fmt.Sprintf("%s is more than a year after the record's own time (%s)", d, t.UTC().Format("2006-01-02"))
	}
	return ""
}

func skewWords(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "a day"
		}
		return strconv.Itoa(n) + " days"
	}
	return d.String()
}

// CheckRecord reports what a store must refuse even from a caller that
// skipped decoding and validation: times outside the window of CheckTimes,
// and identifiers that are empty of meaning to a database (invalid UTF-8,
// NUL or any other control character), which one back-end would store and
// the other refuse. Both stores call it before they write, so that they
// refuse the same records.
func CheckRecord(rec Record, now time.Time) []FieldError {
	var c checker
	switch r := rec.(type) {
	case *Referral:
		if r != nil {
			c.identifier("id", r.ID)
		}
	case *PublicPost:
		if r != nil {
			c.identifier("id", r.ID)
		}
	case *ForumPost:
		if r != nil {
			c.identifier("id", r.ID)
		}
	case *Outcome:
		if r != nil {
			c.identifier("referral_id", r.ReferralID)
		}
	}
	return CapFieldErrors(append(c.errs, CheckTimes(rec, now)...))
}

// identifier reports an identifier that is not valid UTF-8 or holds a
// C0 control character: identifiers are shown, compared and put in URLs,
// and none of those characters belongs in one.
func (c *checker) identifier(field, v string) {
	if reason := identifierProblem(v); reason != "" {
		c.add(field, reason)
	}
}

// identifierProblem says why v cannot be an identifier, or "": as
// Validate and the decoder say it, so that a store's refusal reads like
// the reader's.
func identifierProblem(v string) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	return controlProblem(v, false)
}

// JudgeAtIntake runs judge on r and checks its answer, for a store about
// to write r: the assessment is of kind KindSafety, names r, and passes
// Check. An error refuses the referral, so that none is stored without its
// safety level.
func JudgeAtIntake(judge SafetyJudge, r *Referral) (Assessment, error) {
	a, err := judge(r)
	if err != nil {
		return a, fmt.Errorf("judge safety of referral %q: %w", r.ID, err)
	}
	a.Kind = KindSafety
	if a.ReferralID != r.ID {
		return a, Errorf(EInternal, "the safety judgement of referral %q names %q", r.ID, a.ReferralID)
	}
	if err := a.Check(); err != nil {
		return a, err
	}
	return a, nil
}
