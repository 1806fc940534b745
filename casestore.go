package bonafide

import (
	"context"
	"slices"
	"time"
)

// CaseRow is a case as a store keeps it for worklists: the columns of
// the folded Case that the queue filters and sorts on, beside what the
// referral and its latest assessment say. A store opens one for every
// referral it stores, in the same transaction (state received, its
// safety level and decision deadline from the safety assessment), and
// keeps Flagged, Score and Family as the campaign assessment arrives.
type CaseRow struct {
	ReferralID  string
	Seq         int64
	State       CaseState
	SafetyLevel string
	Flagged     bool
	Score       float64
	Family      string // triage's family id; "" until the campaign assessment
	Channel     Channel
	ReceivedAt  time.Time
	DecisionDue time.Time // one working day after receipt
	Due         time.Time // the current deadline; zero when none runs
	Worker      string
	Team        string
	Decision    CaseDecision
	Finding     Finding
	Closure     ClosureReason
	Decided     time.Time
	Closed      time.Time
	Events      int // how many events, counting the case's opening
	Restricted  bool
	Updated     time.Time
}

// Opening returns the event that opened the case row describes, for
// ReplayCase: the store writes the row, not this event, at intake.
func (r *CaseRow) Opening() CaseEvent {
	return CaseEvent{N: 1, ReferralID: r.ReferralID, At: r.ReceivedAt, Actor: "intake", Action: ActOpen,
		SafetyLevel: r.SafetyLevel, Flagged: r.Flagged, Due: r.DecisionDue}
}

// WithCase returns r with the columns that c decides.
func (r CaseRow) WithCase(c Case) CaseRow {
	r.State, r.Worker, r.Team, r.Events = c.State, c.Worker, c.Team, c.Events
	r.Decision, r.Finding, r.Closure, r.Due = c.Decision, c.Finding, c.Closure, c.Due
	r.Decided, r.Closed = c.Decided, c.Closed
	return r
}

// SafetyRank orders safety levels for the queue: immediate first.
func SafetyRank(level string) int {
	switch level {
	case "immediate":
		return 3
	case "high":
		return 2
	case "standard":
		return 1
	}
	return 0
}

// SafetyLevelOfRank is SafetyRank's inverse, for counts a store groups by
// rank (which its queue index holds) rather than by name.
func SafetyLevelOfRank(rank int) string {
	switch rank {
	case 3:
		return "immediate"
	case 2:
		return "high"
	case 1:
		return "standard"
	}
	return "low"
}

// AwaitingDecision reports whether states are exactly the front-door
// queue's (received and reopened), which stores keep an index of their own
// for.
func AwaitingDecision(states []CaseState) bool {
	return len(states) == 2 && slices.Contains(states, CaseReceived) && slices.Contains(states, CaseReopened)
}

// QueueFilter says which cases a worklist shows. The zero value is the
// front-door queue: every case awaiting a decision.
type QueueFilter struct {
	// States are the states shown; received and reopened when empty.
	States      []CaseState
	SafetyLevel string // one level, or all when ""
	Flagged     *bool  // only flagged (true) or unflagged (false) cases
	Worker      string
	Team        string
	Channel     Channel
	Family      string
	// OverdueAt, when set, shows only cases whose deadline has passed at
	// that time.
	OverdueAt time.Time
	// ReceivedSince, when set, shows only referrals received at or after
	// it.
	ReceivedSince time.Time
	// Limit is the page size (50 when zero, at most MaxQueuePage);
	// Offset skips that many cases of the order.
	Limit, Offset int
}

// MaxQueuePage bounds one page of a worklist.
const MaxQueuePage = 200

// StatesOrDefault returns f.States, or the states awaiting a decision.
func (f QueueFilter) StatesOrDefault() []CaseState {
	if len(f.States) == 0 {
		return []CaseState{CaseReceived, CaseReopened}
	}
	return slices.Clone(f.States)
}

// Check returns an error with code EInvalid naming what is wrong with f.
func (f QueueFilter) Check() error {
	for _, s := range f.States {
		if !s.Valid() {
			return Errorf(EInvalid, "state: %s", notOneOf(string(s), CaseStates))
		}
	}
	if f.SafetyLevel != "" && SafetyRank(f.SafetyLevel) == 0 && f.SafetyLevel != "low" {
		return Errorf(EInvalid, "safety: %q is not one of immediate, high, standard, low", f.SafetyLevel)
	}
	if f.Channel != "" && !f.Channel.Valid() {
		return Errorf(EInvalid, "channel: %s", notOneOf(string(f.Channel), Channels))
	}
	if f.Limit < 0 || f.Limit > MaxQueuePage || f.Offset < 0 {
		return Errorf(EInvalid, "page: limit 1 to %d and offset at least 0", MaxQueuePage)
	}
	return nil
}

// LimitOrDefault returns the page size f asks for.
func (f QueueFilter) LimitOrDefault() int {
	if f.Limit == 0 {
		return 50
	}
	return f.Limit
}

// QueuePage is one page of a worklist, safety level first (immediate at
// the top), then the earliest deadline, with counts over the whole of it.
type QueuePage struct {
	Rows     []CaseRow
	Total    int            // cases the filter matches
	Overdue  int            // of which past their deadline at the time asked
	BySafety map[string]int // of which at each safety level
}

// Agency is whom a notification goes to.
type Agency string

// Agencies a referral may be shared with.
const (
	AgencyGP            Agency = "gp"
	AgencySchool        Agency = "school"
	AgencyHealthVisitor Agency = "health_visitor"
	AgencyPolice        Agency = "police"
	AgencyReferrer      Agency = "referrer" // the person or agency who made the referral
)

// UniversalServices are the agencies a child meets every day, whose
// records a referral's flag follows: checks with them are what a
// suspected campaign holds back.
var UniversalServices = []Agency{AgencyGP, AgencySchool, AgencyHealthVisitor}

// LawfulBasis is why sharing with an agency is lawful.
type LawfulBasis string

// Lawful bases.
const (
	BasisConsent    LawfulBasis = "consent"           // the family agreed (early help, advice)
	BasisSection47  LawfulBasis = "section_47"        // Children Act 1989 s47: an enquiry into significant harm
	BasisSafety     LawfulBasis = "child_safety"      // Children Act 1989 s17 and DPA 2018 Sch 8 para 4: safeguarding a child
	BasisFeedback   LawfulBasis = "referrer_feedback" // Working Together: feedback to the referrer
	BasisRetraction LawfulBasis = "retraction"        // correcting what was shared (UK GDPR Art 16, 19)
)

// NotificationKind is what a notification does.
type NotificationKind string

// Notification kinds.
const (
	NoteCheck           NotificationKind = "check"           // ask what the agency knows of the child
	NoteInform          NotificationKind = "inform"          // tell the agency of the enquiry
	NoteAcknowledgement NotificationKind = "acknowledgement" // tell the referrer the referral was received
	NoteRetraction      NotificationKind = "retraction"      // "no concerns found; please remove any flag"
)

// NotificationStatus is where a notification stands.
type NotificationStatus string

// Notification statuses.
const (
	NotePlanned   NotificationStatus = "planned"   // to be sent
	NoteHeld      NotificationStatus = "held"      // held until a manager releases it or a decision needs it
	NoteSent      NotificationStatus = "sent"      // sent, when and by whom recorded
	NoteWithdrawn NotificationStatus = "withdrawn" // never sent: the case closed first
)

// Notification is one planned, held or sent contact with an agency about
// a referral, with its lawful basis. Nothing is sent by bonafide itself:
// a worker sends it and records that it was sent.
type Notification struct {
	ID         int64
	ReferralID string
	Agency     Agency
	Kind       NotificationKind
	Basis      LawfulBasis
	Status     NotificationStatus
	// HeldReason says, for a held notification, why: what the screen
	// shows.
	HeldReason string
	Planned    time.Time
	Due        time.Time // when it should be sent by; zero for none
	Sent       time.Time
	SentBy     string
	// RetractionOf is, for a retraction, the notification it corrects.
	RetractionOf int64
}

// LetterKind is what a letter is.
type LetterKind string

// Letter kinds.
const (
	LetterAcknowledgement LetterKind = "acknowledgement" // to the referrer
	LetterClosure         LetterKind = "closure"         // to the family
	LetterRetraction      LetterKind = "retraction"      // to an agency that was told
)

// Letter is a letter as rendered and kept: its text and PDF, with the
// SHA-256 of the PDF so that a copy can be checked against the record.
type Letter struct {
	ID         int64
	ReferralID string
	Kind       LetterKind
	Recipient  string // a role or agency ("the family", "the GP practice"), never a reporter's identity
	Created    time.Time
	Actor      string
	Text       string
	PDF        []byte
	SHA256     string
}

// CaseStore keeps cases, their events, notifications and letters, on the
// same database as the Store that opens them. The conformance suite
// storetest.RunCases holds both back-ends to this contract.
type CaseStore interface {
	// CaseRow returns the case of referralID, or ENotFound.
	CaseRow(ctx context.Context, referralID string) (CaseRow, error)
	// CaseEvents returns the case's events after its opening, in order.
	CaseEvents(ctx context.Context, referralID string) ([]CaseEvent, error)
	// AppendCaseEvent stores e, the case's row as it stands after e, and
	// the notifications and letters e brings, in one transaction: all or
	// none. Notifications with ID 0 are added, others updated. It fails
	// with EConflict if the case already has an event e.N (someone acted
	// first) and ENotFound if there is no such case. It returns the
	// notifications and letters with their IDs.
	AppendCaseEvent(ctx context.Context, e CaseEvent, row CaseRow, notes []Notification, letters []Letter) ([]Notification, []Letter, error)
	// Queue returns a page of the cases f selects, ordered by safety level
	// (immediate first) then deadline, with counts; overdue is judged at
	// now.
	Queue(ctx context.Context, f QueueFilter, now time.Time) (QueuePage, error)
	// Notifications returns the referral's notifications in the order
	// planned.
	Notifications(ctx context.Context, referralID string) ([]Notification, error)
	// UpdateNotification stores n if the stored one is still of status
	// from (else EConflict), or ENotFound.
	UpdateNotification(ctx context.Context, n Notification, from NotificationStatus) error
	// Letters returns the referral's letters, oldest first, without their
	// PDF; Letter returns one with it, or ENotFound.
	Letters(ctx context.Context, referralID string) ([]Letter, error)
	Letter(ctx context.Context, id int64) (Letter, error)
	// SetRestricted marks every case of family restricted, or not.
	SetRestricted(ctx context.Context, family string, restricted bool) error
	// CensusRows returns the cases of referrals received in [from, to),
	// in order of receipt, for the Children in Need census.
	CensusRows(ctx context.Context, from, to time.Time) ([]CaseRow, error)
	// RecordView keeps one view of a restricted family's case or page;
	// Views returns the latest limit of a family's, newest first.
	RecordView(ctx context.Context, v RestrictedView) error
	Views(ctx context.Context, family string, limit int) ([]RestrictedView, error)
	// AddEvidence attaches a family's verified evidence bundle (its dossier
	// and what identifies it) to the family's case and returns its id; the
	// same bundle twice for one family fails with EConflict. Evidence
	// returns a family's, oldest first, with their dossiers.
	AddEvidence(ctx context.Context, e FamilyEvidence) (int64, error)
	Evidence(ctx context.Context, family string) ([]FamilyEvidence, error)
}

// FamilyEvidence is an evidence bundle a family gave the agency from their
// locker, verified when it was taken in. The bundle's posts are filed as
// records; this keeps the rest: who took it in, what identifies it, and
// the dossier a police officer or social worker reads.
type FamilyEvidence struct {
	ID            int64
	Family        string
	ReceivedAt    time.Time
	Who           string
	BundleSHA256  string
	VerifierKey   string // the locker's key that signed it
	Exhibits      int
	Dossier       []byte // the bundle's dossier PDF; nil if it had none
	DossierSHA256 string
}

// RestrictedView is one look at a restricted family: who looked, at what,
// when, and whether they were shown its names. The audit log holds every
// view; these are kept apart so that the family's page can list them for
// its team manager without reading the whole log.
type RestrictedView struct {
	Family     string
	ReferralID string // "" for the family's page itself
	Who        string
	What       string // the audit entry's action, e.g. "referral.read"
	At         time.Time
	NamesShown bool
}
