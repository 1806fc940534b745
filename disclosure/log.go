package disclosure

import (
	"context"
	"time"

	"bonafide"
)

// LogEntry is one request as the disclosure log shows it: who asked, who
// decided, what was released, when.
type LogEntry struct {
	ID          string
	Filed       time.Time
	Force       string
	Offence     bonafide.Offence
	RequestedBy string
	State       bonafide.DisclosureState
	DecidedBy   []string // the reviewer, then the second approver
	Released    []bonafide.DisclosureField
	Referrals   int // reporters (referrals) released
	ReleasedAt  time.Time
}

// Log is the disclosure log over a period, with the counts the DPO's
// annual report gives.
type Log struct {
	From, To  time.Time
	Entries   []LogEntry
	ByState   map[bonafide.DisclosureState]int
	ByOffence map[bonafide.Offence]int
	ByForce   map[string]int
	// Reporters counts reporters disclosed; Fields each detail released.
	Reporters int
	Fields    map[bonafide.DisclosureField]int
}

// DisclosureLog returns the log of requests filed in [from, to); reading
// it is audited.
func (s *Service) DisclosureLog(ctx context.Context, a Actor, from, to time.Time) (Log, error) {
	if err := can(a, bonafide.PermDisclosureApprove); err != nil {
		return Log{}, err
	}
	ds, err := s.Store.Disclosures(ctx, bonafide.DisclosureFilter{FiledFrom: from, FiledTo: to, Limit: bonafide.MaxDisclosurePage})
	if err != nil {
		return Log{}, err
	}
	if _, err := s.audit(ctx, a.Who, "disclosure.log", "", "read the disclosure log from "+from.Format(time.DateOnly)+" to "+to.Format(time.DateOnly)); err != nil {
		return Log{}, err
	}
	l := Log{From: from, To: to, ByState: map[bonafide.DisclosureState]int{}, ByOffence: map[bonafide.Offence]int{},
		ByForce: map[string]int{}, Fields: map[bonafide.DisclosureField]int{}}
	for _, d := range ds {
		e := LogEntry{ID: d.ID, Filed: d.Filed, Force: d.Request.Force, Offence: d.Request.Offence, RequestedBy: d.RequestedBy, State: d.State}
		if d.Review != nil {
			e.DecidedBy = append(e.DecidedBy, d.Review.By)
		}
		if len(d.Approvals) > 1 {
			e.DecidedBy = append(e.DecidedBy, d.Approvals[1].By)
		}
		if d.Release != nil {
			e.Released, e.Referrals, e.ReleasedAt = d.Release.Fields, d.Release.Referrals, d.Release.At
			l.Reporters += d.Release.Referrals
			for _, f := range d.Release.Fields {
				l.Fields[f]++
			}
		}
		l.Entries = append(l.Entries, e)
		l.ByState[d.State]++
		l.ByOffence[d.Request.Offence]++
		l.ByForce[d.Request.Force]++
	}
	return l, nil
}
