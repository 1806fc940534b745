package triage

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/London must resolve on hosts without a zoneinfo database.

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
)

// Calendar knows the working days of children's social care in England and
// Wales, so that every referral gets the statutory decision deadline.
//
// What "one working day after receipt" means here, explicitly: the decision
// is due at the end of the working day (17:00, London time) of the first
// working day that begins after the calendar day, in London, on which the
// referral was received. A referral received on Monday at 08:00 or at 23:00
// is due on Tuesday at 17:00; one received on Friday evening, or at any time
// on Saturday or Sunday, is due on Monday at 17:00 (Tuesday if Monday is a
// bank holiday). The receiving day never counts, however early, because a
// referral received at 16:59 could not otherwise be given a working day.
// This reading is never shorter than Working Together's "within one working
// day" and never longer than one full working day after the day of receipt.
type Calendar struct {
	loc   *time.Location
	bc    *cal.BusinessCalendar
	extra map[string]string // YYYY-MM-DD -> name: one-off bank holidays the library lacks
	moved map[string]bool   // YYYY-MM-DD: regular dates that one-off proclamations moved away
}

// oneOff lists bank holidays in England and Wales proclaimed for one year
// that github.com/rickar/cal/v2/gb v2.1.13 does not know. Checked against
// that version: it has VE Day 2020, the 2022 Spring holiday move, the
// Platinum Jubilee and the Coronation, but not these.
var oneOff = map[string]string{
	"1999-12-31": "Millennium Celebrations",
	"2011-04-29": "Royal Wedding",
	"2012-06-04": "Spring Bank Holiday (moved)",
	"2012-06-05": "Diamond Jubilee",
	"2022-09-19": "State Funeral of Queen Elizabeth II",
}

// movedAway lists regular bank-holiday dates that were not holidays that
// year because the holiday was moved (2012: Spring holiday moved to 4 June).
var movedAway = map[string]bool{
	"2012-05-28": true,
}

// NewCalendar returns the England and Wales calendar, 09:00–17:00 Monday to
// Friday, London time.
func NewCalendar() (*Calendar, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("load Europe/London: %w", err)
	}
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(gb.Holidays...)
	bc.SetWorkHours(9*time.Hour, 17*time.Hour)
	return &Calendar{loc: loc, bc: bc, extra: oneOff, moved: movedAway}, nil
}

// IsWorkingDay reports whether the London calendar day of t is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := t.In(c.loc)
	key := d.Format(time.DateOnly)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if _, ok := c.extra[key]; ok {
		return false
	}
	if c.moved[key] {
		return true
	}
	_, observed, _ := c.bc.IsHoliday(d)
	return !observed
}

// AddWorkingDays returns 17:00 London time on the n-th working day after
// the day (in London) of t, for the deadlines counted in working days
// (45 for an assessment, 15 to a child protection conference); n < 1
// counts as 1.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := t.In(c.loc)
	day := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, c.loc)
	for left := max(n, 1); ; {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			if left--; left == 0 {
				return time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, c.loc)
			}
		}
	}
}

// DecisionDue returns when the decision on a referral received at received
// is due: 17:00 London time on the first working day after the day of
// receipt (see [Calendar] for why).
func (c *Calendar) DecisionDue(received time.Time) time.Time {
	d := received.In(c.loc)
	day := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, c.loc)
	for {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			return time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, c.loc)
		}
	}
}
