package bonafide

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Subject access requests (UK GDPR Article 15): a person's right to a copy
// of what the agency holds about them. The answer is due within one
// calendar month of receipt (Article 12(3)), extendable by up to two
// further months where requests are complex or numerous; the clock stops
// while the agency waits for the requester to clarify. What identifies
// another person, above all whoever made a referral, is withheld under
// DPA 2018 Schedule 2 Part 3 paragraph 16 unless they consent or it is
// reasonable to disclose; staff acting in their role are not redacted
// unless marked.

// SARState is where a subject access request stands.
type SARState string

// SAR states.
const (
	SAROpen       SARState = "open"       // the clock runs; gathering and redacting
	SARClarifying SARState = "clarifying" // the clock is stopped until the requester answers
	SARSignedOff  SARState = "signed_off" // a reviewer signed the redactions off
	SARProduced   SARState = "produced"   // the bundle is made
)

// SARStates lists every SARState.
var SARStates = []SARState{SAROpen, SARClarifying, SARSignedOff, SARProduced}

// RedactionCode says why a part of a SAR bundle is withheld.
type RedactionCode string

// Redaction codes.
const (
	// RedactReporter: the part holds a detail of whoever made a referral
	// (their name, contact details, address, organisation, device or
	// network). DPA 2018 Sch 2 Pt 3 para 16. A reviewer may not release
	// it: a reporter's identity leaves only through the disclosure
	// workflow.
	RedactReporter RedactionCode = "R1"
	// RedactReporterContext: the part describes whoever made the referral
	// (the narrative's "I'm her neighbour at no. 12"), so that they could
	// be identified from it. Para 16.
	RedactReporterContext RedactionCode = "R2"
	// RedactThirdParty: the part identifies another person, neither the
	// requester nor a child they ask for. Para 16.
	RedactThirdParty RedactionCode = "T1"
	// RedactStaff: a member of staff marked for withholding (e.g. at risk
	// from the requester). Para 16.
	RedactStaff RedactionCode = "S1"
	// RedactNone: shown in full; a reviewer's release of a redaction.
	RedactNone RedactionCode = ""
)

// RedactionCodes lists every code of a withheld part.
var RedactionCodes = []RedactionCode{RedactReporter, RedactReporterContext, RedactThirdParty, RedactStaff}

// Valid reports whether c is a redaction code.
func (c RedactionCode) Valid() bool { return slices.Contains(RedactionCodes, c) }

// Explain says what code c means, for the redaction log.
func (c RedactionCode) Explain() string {
	switch c {
	case RedactReporter:
		return "identifies the person who made a referral (DPA 2018 Sch 2 Pt 3 para 16)"
	case RedactReporterContext:
		return "could identify the person who made a referral from its context (DPA 2018 Sch 2 Pt 3 para 16)"
	case RedactThirdParty:
		return "identifies another person (DPA 2018 Sch 2 Pt 3 para 16)"
	case RedactStaff:
		return "identifies a member of staff marked for withholding (DPA 2018 Sch 2 Pt 3 para 16)"
	}
	return "shown"
}

// SARPart is one piece of text of a gathered document: a field or one
// sentence of free text, withheld or shown.
type SARPart struct {
	ID    string // "3.2": document 3, part 2
	Label string // e.g. "Narrative", "Decision reason"
	Text  string
	// Code is why the part is withheld; RedactNone shows it.
	Code RedactionCode
	// Locked parts may not be released: they hold a reporter's detail.
	Locked bool
	// Changed records a reviewer's change: who and why.
	ChangedBy, ChangeReason string
}

// Withheld reports whether the part is redacted.
func (p SARPart) Withheld() bool { return p.Code != RedactNone }

// SARDocument is one gathered record: a referral, its assessment, its case
// decisions, a notification or a letter.
type SARDocument struct {
	N          int
	Title      string
	ReferralID string
	Date       time.Time
	Parts      []SARPart
}

// SARPerson is a person the request is about.
type SARPerson struct {
	GivenName  string
	FamilyName string
	DOB        PartialDate
}

// FullName is the person's name as a bundle prints it.
func (p SARPerson) FullName() string { return strings.TrimSpace(p.GivenName + " " + p.FamilyName) }

// SAR is one subject access request.
type SAR struct {
	ID string
	// Requester is who asked (usually a parent), for themself and
	// Children.
	Requester SARPerson
	Children  []SARPerson
	// Family is triage's family id the DPO found the requester's records
	// under; Referrals are further referrals named.
	Family    string
	Referrals []string
	State     SARState
	OpenedBy  string
	Received  time.Time // when the request arrived: the clock starts
	// ExtendedMonths is 0, 1 or 2: the extension for a complex request,
	// with its reason.
	ExtendedMonths  int
	ExtensionReason string
	// PausedSince is when the clock stopped, while clarifying; Paused is
	// the time it was stopped before.
	PausedSince time.Time
	Paused      time.Duration
	Documents   []SARDocument
	SignedOffBy string
	SignedOff   time.Time
	Produced    time.Time
	BundleSHA   string
	Version     int
	Updated     time.Time
}

// Due returns when the answer is due: one calendar month after receipt
// (the same day of the next month, or its last day when it has none),
// plus the extension, plus the time the clock was stopped.
func (s SAR) Due(now time.Time) time.Time {
	d := AddCalendarMonths(s.Received, 1+s.ExtendedMonths).Add(s.Paused)
	if !s.PausedSince.IsZero() && now.After(s.PausedSince) {
		d = d.Add(now.Sub(s.PausedSince))
	}
	return d
}

// AddCalendarMonths returns t plus n calendar months, the ICO's way: the
// same day of the month, or the month's last day when it has no such day
// (31 January plus one month is 28 or 29 February).
func AddCalendarMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Validate checks a new SAR: a requester with a name, children named, a
// family or referral to gather from.
func (s SAR) Validate() error {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	person := func(field string, p SARPerson) {
		if strings.TrimSpace(p.GivenName) == "" && strings.TrimSpace(p.FamilyName) == "" {
			bad(field, "a name is needed")
		}
		if len(p.GivenName)+len(p.FamilyName) > 400 || !utf8.ValidString(p.GivenName+p.FamilyName) {
			bad(field, "a name of at most 400 bytes of UTF-8")
		}
	}
	person("requester", s.Requester)
	if len(s.Children) > 20 {
		bad("children", "at most 20 children")
	}
	for i, c := range s.Children {
		person(fmt.Sprintf("children[%d]", i), c)
	}
	if strings.TrimSpace(s.Family) == "" && len(s.Referrals) == 0 {
		bad("family", "name the family found in the family search, or the referrals")
	}
	if len(s.Referrals) > MaxDisclosureReferrals {
		bad("referrals", "at most %d referrals", MaxDisclosureReferrals)
	}
	if s.Received.IsZero() {
		bad("received", "when the request was received is needed: it starts the clock")
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}
