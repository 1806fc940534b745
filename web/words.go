package web

import (
	"fmt"
	"strings"
	"time"

	"bonafide"
)

// The words and tags the screens use for the domain's codes, in one place
// so that every screen says the same thing the same way.

// safetyTag is a safety level's words and its GOV.UK tag colour: danger
// now is red, as it is first in every list.
type safetyTag struct{ Text, Class string }

var safetyTags = map[string]safetyTag{
	"immediate": {"Immediate danger", "govuk-tag--red"},
	"high":      {"High", "govuk-tag--orange"},
	"standard":  {"Standard", ""},
	"low":       {"Low", "govuk-tag--grey"},
}

// safetyLevels are the levels in the queue's order, most urgent first.
var safetyLevels = []string{"immediate", "high", "standard", "low"}

func safetyOf(level string) safetyTag {
	if t, ok := safetyTags[level]; ok {
		return t
	}
	return safetyTag{"Not yet judged", "govuk-tag--grey"}
}

var stateWords = map[bonafide.CaseState]string{
	bonafide.CaseReceived: "Awaiting decision",
	bonafide.CaseSignOff:  "Awaiting sign-off",
	bonafide.CaseDecided:  "Decided",
	bonafide.CaseFound:    "Finding recorded",
	bonafide.CaseClosed:   "Closed",
	bonafide.CaseReopened: "Reopened",
}

func stateOf(s bonafide.CaseState) string {
	if w, ok := stateWords[s]; ok {
		return w
	}
	return words(string(s))
}

var channelWords = map[bonafide.Channel]string{
	bonafide.ChannelPhone:    "Phone",
	bonafide.ChannelWebForm:  "Web form",
	bonafide.ChannelEmail:    "Email",
	bonafide.ChannelLetter:   "Letter",
	bonafide.ChannelInPerson: "In person",
	bonafide.ChannelRelay:    "Relayed by another agency",
}

func channelOf(c bonafide.Channel) string {
	if w, ok := channelWords[c]; ok {
		return w
	}
	return words(string(c))
}

// words turns a code ("section_47") into words ("Section 47").
func words(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// london is the time zone dates are shown in; UTC when the machine has no
// zone database.
var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// when is a moment as a person reads it: "2 December 2026 at 9:15am".
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 Jan 2006 at 3:04pm")
}

// dueIn says how long until a deadline, or how long it is overdue.
func dueIn(due, now time.Time) string {
	if due.IsZero() {
		return ""
	}
	d := due.Sub(now)
	late := d < 0
	if late {
		d = -d
	}
	var s string
	switch {
	case d >= 48*time.Hour:
		s = fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		s = fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= time.Hour:
		s = "1 hour"
	default:
		s = fmt.Sprintf("%d minutes", max(1, int(d/time.Minute)))
	}
	if late {
		return s + " overdue"
	}
	return "due in " + s
}
