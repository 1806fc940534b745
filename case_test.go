package bonafide

import (
	"strings"
	"testing"
	"time"
)

// weekdays is a WorkingDays without bank holidays, for the tests.
type weekdays struct{}

func (weekdays) AddWorkingDays(t time.Time, n int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 17, 0, 0, 0, time.UTC)
	for left := max(n, 1); left > 0; {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			left--
		}
	}
	return d
}

var caseT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday

func opened(level string, flagged bool) Case {
	c, err := Case{}.Apply(CaseEvent{N: 1, ReferralID: "R1", At: caseT0, Action: ActOpen, SafetyLevel: level, Flagged: flagged,
		Due: caseT0.Add(31 * time.Hour)}, weekdays{})
	if err != nil {
		panic(err)
	}
	return c
}

// step makes the next event of c, with its sign-off set as the service
// sets it.
func step(c Case, e CaseEvent) CaseEvent {
	e.N, e.ReferralID = c.Events+1, c.ReferralID
	if e.At.IsZero() {
		e.At = caseT0.Add(time.Duration(c.Events) * time.Hour)
	}
	e.SignOff = c.NeedsSignOff(&e)
	return e
}

func TestCaseWalk(t *testing.T) {
	c := opened("standard", true)
	if c.State != CaseReceived || !c.State.AwaitsDecision() {
		t.Fatalf("opened case state = %s, want received, awaiting a decision", c.State)
	}
	walk := []struct {
		name   string
		event  CaseEvent
		state  CaseState
		signed bool // needs sign-off
	}{
		{"assigned", CaseEvent{Action: ActAssign, Worker: "user:ada", Team: "front door"}, CaseReceived, false},
		{"decided, following the recommendation", CaseEvent{Action: ActDecide, Decision: DecideAssessment, Reason: "check with the GP first"}, CaseDecided, false},
		{"found malicious: waits", CaseEvent{Action: ActFind, Finding: FindingMalicious, Reason: "restates her public post word for word"}, CaseSignOff, true},
		{"manager approves", CaseEvent{Action: ActApprove}, CaseFound, false},
		{"closed", CaseEvent{Action: ActClose, Closure: ClosureNoFurtherAction, Reason: "no concerns found at assessment"}, CaseClosed, false},
		{"reopened", CaseEvent{Action: ActReopen, Reason: "new information from the school"}, CaseReopened, false},
	}
	for _, s := range walk {
		e := step(c, s.event)
		if (e.SignOff != "") != s.signed {
			t.Errorf("%s: NeedsSignOff = %q, want sign-off %v", s.name, e.SignOff, s.signed)
		}
		next, err := c.Apply(e, weekdays{})
		if err != nil {
			t.Fatalf("%s: Apply = %v", s.name, err)
		}
		if next.State != s.state {
			t.Errorf("%s: state = %s, want %s", s.name, next.State, s.state)
		}
		c = next
	}
	if c.Worker != "user:ada" || c.Decision != "" || c.Finding != "" {
		t.Errorf("reopened case = %+v; want the worker kept and decision and finding cleared", c)
	}
}

func TestCaseSignOff(t *testing.T) {
	tests := []struct {
		name    string
		level   string
		flagged bool
		event   CaseEvent
		want    string // part of the reason, "" for none
	}{
		{"NFA on immediate", "immediate", false, CaseEvent{Action: ActDecide, Decision: DecideNoFurtherAction}, "no further action on a referral whose safety level is immediate"},
		{"NFA on high", "high", true, CaseEvent{Action: ActDecide, Decision: DecideNoFurtherAction}, "safety level is high"},
		{"NFA on flagged standard follows the recommendation", "standard", true, CaseEvent{Action: ActDecide, Decision: DecideNoFurtherAction}, ""},
		{"NFA on unflagged standard departs", "standard", false, CaseEvent{Action: ActDecide, Decision: DecideNoFurtherAction}, "departs from the triage recommendation"},
		{"early help on immediate departs", "immediate", false, CaseEvent{Action: ActDecide, Decision: DecideEarlyHelp}, "departs"},
		{"strategy discussion on immediate follows", "immediate", true, CaseEvent{Action: ActDecide, Decision: DecideStrategyDiscussion}, ""},
		{"flag never widens an immediate one", "immediate", true, CaseEvent{Action: ActDecide, Decision: DecideAdvice}, "departs"},
		{"malicious finding", "low", false, CaseEvent{Action: ActFind, Finding: FindingMalicious}, "every finding that a referral was malicious"},
		{"unfounded finding", "low", false, CaseEvent{Action: ActFind, Finding: FindingUnfounded}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := opened(tt.level, tt.flagged)
			got := c.NeedsSignOff(&tt.event)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("NeedsSignOff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCaseRefusals(t *testing.T) {
	c := opened("standard", false)
	decided, err := c.Apply(step(c, CaseEvent{Action: ActDecide, Decision: DecideAssessment, Reason: "assess the family's needs"}), weekdays{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		c     Case
		event CaseEvent
		code  string
		want  string
	}{
		{"stale event", c, CaseEvent{N: 5, Action: ActDecide, Decision: DecideAssessment, Reason: "long enough"}, EConflict, "moved on"},
		{"decide twice", decided, CaseEvent{Action: ActDecide, Decision: DecideAssessment, Reason: "long enough"}, EConflict, "cannot be decided"},
		{"no reason", c, CaseEvent{Action: ActDecide, Decision: DecideAssessment, Reason: "ok"}, EInvalid, "at least 10 characters"},
		{"unknown decision", c, CaseEvent{Action: ActDecide, Decision: "ignore", Reason: "long enough"}, EInvalid, `"ignore" is not one of strategy_discussion`},
		{"find before deciding", c, CaseEvent{Action: ActFind, Finding: FindingUnfounded, Reason: "long enough"}, EConflict, "only a case that is decided"},
		{"close an assessment without a finding", decided, CaseEvent{Action: ActClose, Closure: ClosureNoFurtherAction, Reason: "long enough"}, EConflict, "after its finding"},
		{"unknown closure reason", decided, CaseEvent{Action: ActClose, Closure: "RC99", Reason: "long enough"}, EInvalid, "RC8"},
		{"approve what does not wait", c, CaseEvent{Action: ActApprove}, EConflict, "awaiting_sign_off"},
		{"unknown action", c, CaseEvent{Action: "delete"}, EInvalid, "unknown case action"},
		{"assign nobody", c, CaseEvent{Action: ActAssign}, EInvalid, "worker: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.event
			if e.N == 0 {
				e.N = tt.c.Events + 1
			}
			_, err := tt.c.Apply(e, weekdays{})
			if ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply = %v (code %s), want code %s containing %q", err, ErrorCode(err), tt.code, tt.want)
			}
		})
	}
}

func TestCaseDeadlines(t *testing.T) {
	tests := []struct {
		decision CaseDecision
		want     time.Time
	}{
		{DecideAssessment, time.Date(2026, 5, 4, 17, 0, 0, 0, time.UTC)},          // 45 working days after Monday 2 March
		{DecideStrategyDiscussion, time.Date(2026, 3, 23, 17, 0, 0, 0, time.UTC)}, // 15 working days
		{DecideSection47, time.Date(2026, 3, 23, 17, 0, 0, 0, time.UTC)},
		{DecideEarlyHelp, time.Time{}},
	}
	for _, tt := range tests {
		c := opened("high", false)
		e := step(c, CaseEvent{Action: ActDecide, Decision: tt.decision, Reason: "as the referral describes", At: caseT0})
		e.SignOff = "" // the deadline is the point here
		got, err := c.Apply(e, weekdays{})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Due.Equal(tt.want) {
			t.Errorf("%s: Due = %v, want %v", tt.decision, got.Due, tt.want)
		}
		if got.Overdue(caseT0.AddDate(1, 0, 0)) != !tt.want.IsZero() {
			t.Errorf("%s: Overdue a year on = %v", tt.decision, got.Overdue(caseT0.AddDate(1, 0, 0)))
		}
	}
	if c := opened("low", false); !c.Overdue(caseT0.Add(32*time.Hour)) || c.Overdue(caseT0.Add(30*time.Hour)) {
		t.Errorf("decision deadline: overdue after it %v, before it %v", c.Overdue(caseT0.Add(32*time.Hour)), c.Overdue(caseT0.Add(30*time.Hour)))
	}
}

func TestCaseRejectReturns(t *testing.T) {
	c := opened("immediate", false)
	e := step(c, CaseEvent{Action: ActDecide, Decision: DecideNoFurtherAction, Reason: "the reporter withdrew the claim"})
	waiting, err := c.Apply(e, weekdays{})
	if err != nil || waiting.State != CaseSignOff || waiting.Pending == nil {
		t.Fatalf("NFA on immediate = %+v, %v; want it awaiting sign-off", waiting, err)
	}
	back, err := waiting.Apply(step(waiting, CaseEvent{Action: ActReject, Reason: "speak to the school before deciding"}), weekdays{})
	if err != nil || back.State != CaseReceived || back.Decision != "" || back.Pending != nil {
		t.Errorf("rejected = %+v, %v; want back to received with no decision", back, err)
	}
	events := []CaseEvent{{N: 1, ReferralID: "R1", At: caseT0, Action: ActOpen, SafetyLevel: "immediate"}, e}
	replayed, err := ReplayCase(events, weekdays{})
	if err != nil || replayed.State != CaseSignOff {
		t.Errorf("ReplayCase = %s, %v; want awaiting sign-off", replayed.State, err)
	}
}
