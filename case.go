package bonafide

import (
	"fmt"
	"slices"
	"time"
)

// The front door's workflow, as one table like the roles': what state a
// referral's case is in, what may be done to it there, who may do it, and
// which actions wait for a team manager's sign-off. Working Together to
// Safeguard Children (2023) sets the clocks: a decision within one working
// day of receipt, an assessment within 45 working days of the decision, an
// initial child protection conference within 15 working days of the
// strategy discussion.
//
// A case is the sequence of its events (CaseEvent); its state is what
// those events add up to (Case.Apply), so that every decision, sign-off,
// finding and closure stays on the record and a case's history can be
// read back as it happened.

// CaseState is where a referral stands in the workflow.
type CaseState string

// Case states.
const (
	CaseReceived CaseState = "received"          // awaiting the front-door decision
	CaseSignOff  CaseState = "awaiting_sign_off" // a decision or finding waits for a team manager
	CaseDecided  CaseState = "decided"           // decided; the work decided on is under way
	CaseFound    CaseState = "found"             // a finding is recorded; closure follows
	CaseClosed   CaseState = "closed"            // closed, with a closure reason
	CaseReopened CaseState = "reopened"          // reopened after closure: awaiting a decision again
)

// CaseStates lists every CaseState.
var CaseStates = []CaseState{CaseReceived, CaseSignOff, CaseDecided, CaseFound, CaseClosed, CaseReopened}

// Valid reports whether s is a CaseState.
func (s CaseState) Valid() bool { return slices.Contains(CaseStates, s) }

// AwaitsDecision reports whether a case in state s is in the front-door
// queue: received or reopened, with no decision yet.
func (s CaseState) AwaitsDecision() bool { return s == CaseReceived || s == CaseReopened }

// Open reports whether a case in state s is not closed.
func (s CaseState) Open() bool { return s != CaseClosed }

// CaseDecision is what the front door decides to do about a referral.
type CaseDecision string

// Front-door decisions.
const (
	DecideStrategyDiscussion CaseDecision = "strategy_discussion" // significant harm suspected: police, health, social care meet
	DecideSection47          CaseDecision = "section_47"          // a child protection enquiry
	DecideAssessment         CaseDecision = "assessment"          // a child and family assessment
	DecideEarlyHelp          CaseDecision = "early_help"          // support without statutory enquiry
	DecideAdvice             CaseDecision = "advice_signposting"  // advice to the family or referrer, signposting to services
	DecideNoFurtherAction    CaseDecision = "no_further_action"   // nothing more from children's social care
)

// CaseDecisions lists every CaseDecision, most protective first.
var CaseDecisions = []CaseDecision{DecideStrategyDiscussion, DecideSection47, DecideAssessment, DecideEarlyHelp, DecideAdvice, DecideNoFurtherAction}

// Valid reports whether d is a CaseDecision.
func (d CaseDecision) Valid() bool { return slices.Contains(CaseDecisions, d) }

// Statutory reports whether d starts statutory work (an enquiry or an
// assessment) that needs what universal services know: a finding follows
// it before closure, and checks held for a suspected campaign are needed
// (and so released) at once for a strategy discussion or section 47.
func (d CaseDecision) Statutory() bool {
	return d == DecideStrategyDiscussion || d == DecideSection47 || d == DecideAssessment
}

// NeedsChecksNow reports whether d needs checks with universal services
// at once, whatever a campaign signal says: a child protection enquiry
// cannot wait for a manager.
func (d CaseDecision) NeedsChecksNow() bool {
	return d == DecideStrategyDiscussion || d == DecideSection47
}

// Interchange returns the decision of the interchange format's outcome
// record closest to d, for export and for triage's reading of outcomes.
func (d CaseDecision) Interchange() Decision {
	switch d {
	case DecideStrategyDiscussion, DecideSection47:
		return DecisionSection47
	case DecideAssessment:
		return DecisionAssessment
	case DecideEarlyHelp:
		return DecisionEarlyHelp
	}
	return DecisionNoFurtherAction
}

// RecommendedDecisions returns the decisions that follow the triage
// recommendation for a referral of safety level level (triage's
// immediate, high, standard, low) that is, or is not, flagged as part of a
// campaign. A decision outside them departs from the recommendation and
// needs a team manager's sign-off. Safety comes first: a flag never widens
// what an immediate or high referral may be decided.
func RecommendedDecisions(level string, flagged bool) []CaseDecision {
	switch {
	case level == "immediate":
		return []CaseDecision{DecideStrategyDiscussion, DecideSection47}
	case level == "high":
		return []CaseDecision{DecideStrategyDiscussion, DecideSection47, DecideAssessment}
	case flagged:
		// A proportionate enquiry: check with universal services first.
		return []CaseDecision{DecideAssessment, DecideAdvice, DecideNoFurtherAction}
	case level == "low":
		return []CaseDecision{DecideEarlyHelp, DecideAdvice, DecideNoFurtherAction}
	}
	return []CaseDecision{DecideAssessment, DecideEarlyHelp, DecideAdvice}
}

// ClosureReason is why a case closed: the Children in Need census's
// reason-for-closure codes that apply at the front door and after an
// enquiry or assessment.
type ClosureReason string

// Closure reasons (CIN census codes).
const (
	ClosureNoFurtherAction ClosureReason = "RC8" // case closed after assessment (or screening), no further action
	ClosureEarlyHelp       ClosureReason = "RC9" // case closed after assessment, referred to early help
	ClosureTransferred     ClosureReason = "RC5" // transferred to another local authority
	ClosureServicesCeased  ClosureReason = "RC7" // services ceased for any other reason
)

// ClosureReasons lists every ClosureReason.
var ClosureReasons = []ClosureReason{ClosureNoFurtherAction, ClosureEarlyHelp, ClosureTransferred, ClosureServicesCeased}

// Valid reports whether r is a ClosureReason.
func (r ClosureReason) Valid() bool { return slices.Contains(ClosureReasons, r) }

// CaseAction is one thing done to a case.
type CaseAction string

// Case actions.
const (
	ActOpen    CaseAction = "open"    // the case opens when its referral is stored (the store's doing)
	ActAssign  CaseAction = "assign"  // a worker and team take the case
	ActDecide  CaseAction = "decide"  // the front-door decision
	ActFind    CaseAction = "find"    // the finding of an enquiry or screening
	ActClose   CaseAction = "close"   // closure, with a reason
	ActReopen  CaseAction = "reopen"  // closed in error, or new information
	ActApprove CaseAction = "approve" // a team manager signs off what waits
	ActReject  CaseAction = "reject"  // a team manager sends it back, with a comment
)

// caseTransitions is the one table of the workflow: from which states an
// action may be taken, the state it leads to (before any sign-off), and
// the permission it needs. Deny by default: an action in a state not
// listed is refused.
var caseTransitions = map[CaseAction]struct {
	from []CaseState
	to   CaseState
	perm Permission
}{
	ActAssign:  {[]CaseState{CaseReceived, CaseReopened, CaseSignOff, CaseDecided, CaseFound}, "", PermOutcomeRecord},
	ActDecide:  {[]CaseState{CaseReceived, CaseReopened}, CaseDecided, PermOutcomeRecord},
	ActFind:    {[]CaseState{CaseDecided}, CaseFound, PermOutcomeRecord},
	ActClose:   {[]CaseState{CaseDecided, CaseFound}, CaseClosed, PermOutcomeRecord},
	ActReopen:  {[]CaseState{CaseClosed}, CaseReopened, PermSignOff},
	ActApprove: {[]CaseState{CaseSignOff}, "", PermSignOff},
	ActReject:  {[]CaseState{CaseSignOff}, "", PermSignOff},
}

// CaseActions lists the actions people take (ActOpen is the store's).
var CaseActions = []CaseAction{ActAssign, ActDecide, ActFind, ActClose, ActReopen, ActApprove, ActReject}

// Permission returns the permission action a needs.
func (a CaseAction) Permission() Permission { return caseTransitions[a].perm }

// The deadlines Working Together sets, in working days.
const (
	AssessmentWorkingDays = 45 // from the decision to assess
	ConferenceWorkingDays = 15 // from the strategy discussion to the initial child protection conference
)

// WorkingDays adds working days in the agency's calendar (England and
// Wales bank holidays; triage.Calendar is one).
type WorkingDays interface {
	// AddWorkingDays returns the end (17:00 local) of the n-th working
	// day after t's day.
	AddWorkingDays(t time.Time, n int) time.Time
}

// CaseEvent is one thing that happened to a case, as recorded. Events are
// never changed or deleted; the case is what they add up to.
type CaseEvent struct {
	// N numbers the case's events from 1, so that two people acting at
	// once cannot both act on the same state: a store refuses an event
	// whose N is not one past the last (code EConflict).
	N          int
	ReferralID string
	At         time.Time
	Actor      string // the audit log's principal: "user:name" or "cli:login"
	Action     CaseAction
	// Decision, Finding and Closure are set by decide, find and close.
	Decision CaseDecision  `json:",omitempty"`
	Finding  Finding       `json:",omitempty"`
	Closure  ClosureReason `json:",omitempty"`
	// Reason is why, in the actor's words: required for every decision,
	// finding, closure, reopening and rejection.
	Reason string `json:",omitempty"`
	// Worker and Team are set by assign.
	Worker string `json:",omitempty"`
	Team   string `json:",omitempty"`
	// Recommended is what triage recommended when the decision was made
	// (the decisions RecommendedDecisions gave), and Departs whether the
	// decision departs from it, so that the record says which.
	Recommended []CaseDecision `json:",omitempty"`
	Departs     bool           `json:",omitempty"`
	// SignOff, on an event that waits, says why a team manager must sign
	// it off.
	SignOff string `json:",omitempty"`
	// SafetyLevel and Flagged are what the case knew of triage when it
	// opened (and on decide, when it was decided).
	SafetyLevel string `json:",omitempty"`
	Flagged     bool   `json:",omitempty"`
	// Due is the deadline the event sets: the decision's on open, the
	// assessment's or conference's on decide.
	Due time.Time `json:",omitzero"`
}

// Case is the state of a referral's case: what its events add up to.
type Case struct {
	ReferralID  string
	State       CaseState
	Events      int // how many events; the next must be Events+1
	SafetyLevel string
	Flagged     bool
	Worker      string
	Team        string
	Decision    CaseDecision
	Finding     Finding
	Closure     ClosureReason
	// Due is the current deadline: the decision's while it awaits one,
	// then the assessment's or the conference's; zero when none runs.
	Due time.Time
	// Opened, Decided and Closed are when the case opened, was decided
	// (signed off where it had to be) and closed.
	Opened, Decided, Closed time.Time
	// Pending is the event that waits for sign-off, while State is
	// CaseSignOff; Before is the state it was taken from.
	Pending *CaseEvent
	Before  CaseState
}

// Overdue reports whether c's current deadline has passed at now.
func (c *Case) Overdue(now time.Time) bool {
	return c.State.Open() && !c.Due.IsZero() && now.After(c.Due)
}

// NeedsSignOff says why event e, taken on c, must wait for a team
// manager's sign-off, or "" if it need not: no further action on a high or
// immediate referral, any decision that departs from the triage
// recommendation, and every malicious finding.
func (c *Case) NeedsSignOff(e *CaseEvent) string {
	switch e.Action {
	case ActDecide:
		if e.Decision == DecideNoFurtherAction && (c.SafetyLevel == "high" || c.SafetyLevel == "immediate") {
			return "no further action on a referral whose safety level is " + c.SafetyLevel
		}
		if !slices.Contains(RecommendedDecisions(c.SafetyLevel, c.Flagged), e.Decision) {
			return "the decision departs from the triage recommendation"
		}
	case ActFind:
		if e.Finding == FindingMalicious {
			return "every finding that a referral was malicious is signed off by a team manager"
		}
	}
	return ""
}

// Check reports why event e cannot be taken on c, as an error with code
// EInvalid (a malformed event), EConflict (not now: the case has moved
// on, or the action is not allowed in its state) or nil. It does not check
// who acts; the caller checks e.Action.Permission() first.
func (c *Case) Check(e *CaseEvent) error {
	if e.N != c.Events+1 {
		return Errorf(EConflict, "case %s has moved on (event %d, not %d): reload it and try again", c.ReferralID, c.Events, e.N-1)
	}
	if e.Action == ActOpen {
		if c.Events != 0 {
			return Errorf(EConflict, "case %s is already open", c.ReferralID)
		}
		return nil
	}
	t, ok := caseTransitions[e.Action]
	if !ok {
		return Errorf(EInvalid, "unknown case action %q: want one of %s", e.Action, joinValues(CaseActions))
	}
	if !slices.Contains(t.from, c.State) {
		return Errorf(EConflict, "a case that is %s cannot be %s: %s", c.State, pastTense(e.Action), allowedFrom(e.Action))
	}
	needReason := func() error {
		if len([]rune(e.Reason)) < MinCaseReason {
			return Errorf(EInvalid, "reason: say why in at least %d characters", MinCaseReason)
		}
		if tooLong(e.Reason, MaxNoteLen) {
			return Errorf(EInvalid, "reason: %s", longer(e.Reason, MaxNoteLen))
		}
		return nil
	}
	switch e.Action {
	case ActAssign:
		if e.Worker == "" {
			return Errorf(EInvalid, "worker: missing")
		}
		if tooLong(e.Worker, MaxLabelLen) || tooLong(e.Team, MaxLabelLen) {
			return Errorf(EInvalid, "worker or team: longer than %d characters", MaxLabelLen)
		}
		return nil
	case ActDecide:
		if !e.Decision.Valid() {
			return Errorf(EInvalid, "decision: %s", notOneOf(string(e.Decision), CaseDecisions))
		}
		return needReason()
	case ActFind:
		if !e.Finding.Valid() {
			return Errorf(EInvalid, "finding: %s", notOneOf(string(e.Finding), Findings))
		}
		return needReason()
	case ActClose:
		if !e.Closure.Valid() {
			return Errorf(EInvalid, "closure: %s", notOneOf(string(e.Closure), ClosureReasons))
		}
		if c.State == CaseDecided && c.Decision.Statutory() {
			return Errorf(EConflict, "a case decided for %s closes after its finding is recorded", c.Decision)
		}
		return needReason()
	case ActReopen, ActReject:
		return needReason()
	}
	return nil
}

// MinCaseReason is the shortest reason a decision, finding, closure,
// reopening or rejection may give: long enough to say why in words.
const MinCaseReason = 10

// Apply returns c with event e taken (c itself is unchanged), or the error
// of Check. A decide or find event whose SignOff says why it waits (the
// service sets it from NeedsSignOff when the event is made, and a replay
// trusts what was recorded) leaves the case awaiting sign-off; approve
// then takes the pending event, reject returns the case to the state it
// was taken from. cal gives the deadlines a decision sets.
func (c Case) Apply(e CaseEvent, cal WorkingDays) (Case, error) {
	if err := c.Check(&e); err != nil {
		return c, err
	}
	c.Events = e.N
	switch e.Action {
	case ActOpen:
		c.ReferralID, c.State, c.Opened = e.ReferralID, CaseReceived, e.At
		c.SafetyLevel, c.Flagged, c.Due = e.SafetyLevel, e.Flagged, e.Due
		return c, nil
	case ActAssign:
		c.Worker, c.Team = e.Worker, e.Team
		return c, nil
	case ActApprove:
		p := *c.Pending
		c.Pending, c.State = nil, c.Before
		return c.take(p, e.At, cal), nil
	case ActReject:
		c.Pending, c.State = nil, c.Before
		return c, nil
	}
	if e.SignOff != "" && (e.Action == ActDecide || e.Action == ActFind) {
		p := e
		c.Pending, c.Before, c.State = &p, c.State, CaseSignOff
		return c, nil
	}
	return c.take(e, e.At, cal), nil
}

// take makes the change of a decide, find, close or reopen event that has
// no sign-off (left) to wait for, as of at.
func (c Case) take(e CaseEvent, at time.Time, cal WorkingDays) Case {
	switch e.Action {
	case ActDecide:
		c.State, c.Decision, c.Decided = CaseDecided, e.Decision, at
		if e.SafetyLevel != "" {
			c.SafetyLevel, c.Flagged = e.SafetyLevel, e.Flagged
		}
		c.Due = time.Time{}
		switch e.Decision {
		case DecideAssessment:
			c.Due = cal.AddWorkingDays(at, AssessmentWorkingDays)
		case DecideStrategyDiscussion, DecideSection47:
			c.Due = cal.AddWorkingDays(at, ConferenceWorkingDays)
		}
	case ActFind:
		c.State, c.Finding, c.Due = CaseFound, e.Finding, time.Time{}
	case ActClose:
		c.State, c.Closure, c.Closed, c.Due = CaseClosed, e.Closure, at, time.Time{}
	case ActReopen:
		c.State, c.Decision, c.Finding, c.Closure = CaseReopened, "", "", ""
		c.Closed, c.Decided = time.Time{}, time.Time{}
		c.Due = cal.AddWorkingDays(at, 1)
	}
	return c
}

// ReplayCase folds events into the case they add up to, checking each.
func ReplayCase(events []CaseEvent, cal WorkingDays) (Case, error) {
	var c Case
	for _, e := range events {
		var err error
		if c, err = c.Apply(e, cal); err != nil {
			return c, fmt.Errorf("case event %d: %w", e.N, err)
		}
	}
	return c, nil
}

func pastTense(a CaseAction) string {
	switch a {
	case ActDecide:
		return "decided"
	case ActFind:
		return "given a finding"
	case ActClose:
		return "closed"
	case ActReopen:
		return "reopened"
	case ActApprove:
		return "approved"
	case ActReject:
		return "rejected"
	case ActAssign:
		return "assigned"
	}
	return string(a)
}

func allowedFrom(a CaseAction) string {
	t := caseTransitions[a]
	return "only a case that is " + joinValues(t.from)
}
