package casework

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"bonafide"
	"bonafide/auditlog"
)

// AuditLog records what people do. *auditlog.Log is one.
type AuditLog interface {
	Append(ctx context.Context, e auditlog.Entry) (auditlog.Entry, error)
}

// AssessmentReader reads a referral's stored triage assessment.
// bonafide.AssessmentStore is one.
type AssessmentReader interface {
	Assessment(ctx context.Context, referralID string) (bonafide.Assessment, error)
}

// Actor is who acts: the audit log's principal and their role.
type Actor struct {
	Who  string // "user:ada" or "cli:login"
	Role bonafide.Role
}

// Service is the front door's workflow over a case store. Its fields are
// set once, before use; it is safe for concurrent use.
type Service struct {
	Cases     bonafide.CaseStore
	Referrals bonafide.Store
	Audit     AuditLog
	Calendar  bonafide.WorkingDays
	// Letters renders the letters a case sends; Agency heads them.
	Letters LetterRenderer
	Agency  Agency
	// Families is the family search index (NewFamilies), kept current by
	// whoever stores referrals; without it a search answers EUnavailable.
	Families *Families
	// Assessments gives each referral's stored triage assessment, for the
	// public and forum posts a family's page shows; without it the page
	// shows none.
	Assessments AssessmentReader
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// errNoAudit refuses a change the audit log cannot record.
var errNoAudit = bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was done")

// audit records one change before it is made.
func (s *Service) audit(ctx context.Context, who, what, object, why string) error {
	if s.Audit == nil {
		return errNoAudit
	}
	if _, err := s.Audit.Append(ctx, auditlog.Entry{Who: who, What: what, Object: object, Why: clip(why)}); err != nil {
		if s.Logger != nil {
			s.Logger.Error("audit entry not written", slog.String("what", what), slog.String("object", object), slog.Any("error", err))
		}
		return errNoAudit
	}
	return nil
}

func clip(s string) string {
	r := []rune(s)
	if len(r) <= 400 {
		return s
	}
	return string(r[:397]) + "..."
}

// can refuses an actor whose role lacks p.
func can(a Actor, p bonafide.Permission) error {
	if !a.Role.Can(p) {
		return bonafide.Errorf(bonafide.EForbidden, "a %s may not %s", a.Role, p)
	}
	return nil
}

// View is a case as a social worker or team manager sees it.
type View struct {
	Row  bonafide.CaseRow
	Case bonafide.Case
	// Events are every event, its opening first.
	Events        []bonafide.CaseEvent
	Notifications []bonafide.Notification
	Letters       []bonafide.Letter
	// Recommended are the decisions that follow triage's recommendation.
	Recommended []bonafide.CaseDecision
	// Overdue says whether the current deadline has passed.
	Overdue bool
	// Next are the actions the case allows now.
	Next []bonafide.CaseAction
}

// load reads a case and folds its events.
func (s *Service) load(ctx context.Context, id string) (View, error) {
	row, err := s.Cases.CaseRow(ctx, id)
	if err != nil {
		return View{}, err
	}
	events, err := s.Cases.CaseEvents(ctx, id)
	if err != nil {
		return View{}, err
	}
	all := append([]bonafide.CaseEvent{row.Opening()}, events...)
	c, err := bonafide.ReplayCase(all, s.Calendar)
	if err != nil {
		return View{}, fmt.Errorf("case %s: %w", id, err)
	}
	// What triage said since the case opened: the campaign assessment
	// flags a case after it is stored.
	c.Flagged = row.Flagged
	v := View{Row: row, Case: c, Events: all, Recommended: bonafide.RecommendedDecisions(c.SafetyLevel, c.Flagged)}
	v.Overdue = c.Overdue(s.now())
	v.Next = nextActions(c)
	return v, nil
}

// Case returns the case of referral id, with its notifications and
// letters (without their PDF). Viewing is not audited here: the face that
// shows it audits the view with the referral.
func (s *Service) Case(ctx context.Context, a Actor, id string) (View, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return View{}, err
	}
	v, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	if v.Notifications, err = s.Cases.Notifications(ctx, id); err != nil {
		return View{}, err
	}
	if v.Letters, err = s.Cases.Letters(ctx, id); err != nil {
		return View{}, err
	}
	return v, nil
}

// Request is what a person asks to do to a case.
type Request struct {
	Action   bonafide.CaseAction
	Decision bonafide.CaseDecision
	Finding  bonafide.Finding
	Closure  bonafide.ClosureReason
	Reason   string
	Worker   string
	Team     string
	// Seen is how many events the case had when the person looked at it;
	// when set, the request is refused (EConflict) if someone has acted
	// since, so that nobody decides on a case they have not seen as it is.
	Seen int
}

// Act takes one action on the case of referral id: it checks the action
// against the workflow's table and a's permission, works out what the
// action brings (sign-off, deadlines, notifications, retractions,
// letters), audits it, then stores it all in one transaction. Approving
// or rejecting what waits for sign-off needs a second person: not the one
// who asked for it.
func (s *Service) Act(ctx context.Context, a Actor, id string, req Request) (View, error) {
	if err := can(a, req.Action.Permission()); err != nil {
		if req.Action.Permission() == "" {
			return View{}, bonafide.Errorf(bonafide.EInvalid, "action: %q is not one of %s", req.Action, actionNames())
		}
		return View{}, err
	}
	v, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	c := v.Case
	if req.Seen != 0 && req.Seen != c.Events {
		return View{}, bonafide.Errorf(bonafide.EConflict, "case %s has changed since you saw it: reload it and try again", id)
	}
	now := s.now()
	e := bonafide.CaseEvent{N: c.Events + 1, ReferralID: id, At: now, Actor: a.Who, Action: req.Action,
		Decision: req.Decision, Finding: req.Finding, Closure: req.Closure, Reason: strings.TrimSpace(req.Reason),
		Worker: req.Worker, Team: req.Team}
	switch req.Action {
	case bonafide.ActDecide:
		e.Recommended = bonafide.RecommendedDecisions(c.SafetyLevel, c.Flagged)
		e.Departs = !slices.Contains(e.Recommended, e.Decision)
		e.SafetyLevel, e.Flagged = c.SafetyLevel, c.Flagged
	case bonafide.ActApprove, bonafide.ActReject:
		if c.Pending != nil && c.Pending.Actor == a.Who {
			return View{}, bonafide.Errorf(bonafide.EForbidden, "a second person signs off: %s asked for this sign-off", a.Who)
		}
	}
	e.SignOff = c.NeedsSignOff(&e)
	next, err := c.Apply(e, s.Calendar)
	if err != nil {
		return View{}, err
	}
	existing, err := s.Cases.Notifications(ctx, id)
	if err != nil {
		return View{}, err
	}
	notes, letters, err := s.consequences(ctx, a, v, next, e, existing)
	if err != nil {
		return View{}, err
	}
	if err := s.audit(ctx, a.Who, "case."+string(req.Action), id, summary(e, next)); err != nil {
		return View{}, err
	}
	row := v.Row.WithCase(next)
	stored, _, err := s.Cases.AppendCaseEvent(ctx, e, row, notes, letters)
	if err != nil {
		return View{}, err
	}
	// The case as it now stands, from what was read and written rather
	// than read again.
	out := View{Row: row, Case: next, Events: append(v.Events, e), Recommended: bonafide.RecommendedDecisions(next.SafetyLevel, next.Flagged)}
	out.Row.Events = next.Events
	out.Overdue = next.Overdue(s.now())
	out.Next = nextActions(next)
	byID := map[int64]int{}
	for _, n := range existing {
		byID[n.ID] = len(out.Notifications)
		out.Notifications = append(out.Notifications, n)
	}
	for _, n := range stored {
		if i, ok := byID[n.ID]; ok {
			out.Notifications[i] = n
			continue
		}
		out.Notifications = append(out.Notifications, n)
	}
	if out.Letters, err = s.Cases.Letters(ctx, id); err != nil {
		return View{}, err
	}
	return out, nil
}

// nextActions are the actions the workflow's table allows on c now.
func nextActions(c bonafide.Case) []bonafide.CaseAction {
	var out []bonafide.CaseAction
	for _, a := range bonafide.CaseActions {
		probe := bonafide.CaseEvent{N: c.Events + 1, Action: a}
		if err := c.Check(&probe); bonafide.ErrorCode(err) != bonafide.EConflict {
			out = append(out, a)
		}
	}
	return out
}

func actionNames() string {
	var names []string
	for _, a := range bonafide.CaseActions {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// summary is the audit entry's why: what was done, and why in the
// actor's words.
func summary(e bonafide.CaseEvent, next bonafide.Case) string {
	var b strings.Builder
	switch e.Action {
	case bonafide.ActDecide:
		fmt.Fprintf(&b, "decided %s", e.Decision)
		if e.Departs {
			b.WriteString(", departing from the recommendation")
		}
	case bonafide.ActFind:
		fmt.Fprintf(&b, "found %s", e.Finding)
	case bonafide.ActClose:
		fmt.Fprintf(&b, "closed %s", e.Closure)
	case bonafide.ActAssign:
		fmt.Fprintf(&b, "assigned to %s %s", e.Worker, e.Team)
	default:
		b.WriteString(string(e.Action))
	}
	if next.State == bonafide.CaseSignOff {
		fmt.Fprintf(&b, "; awaits sign-off: %s", e.SignOff)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

// Release lets a held notification go: a team manager decides the check
// is needed despite the campaign signals, with a reason.
func (s *Service) Release(ctx context.Context, a Actor, id string, noteID int64, reason string) error {
	if err := can(a, bonafide.PermSignOff); err != nil {
		return err
	}
	if len([]rune(strings.TrimSpace(reason))) < bonafide.MinCaseReason {
		return bonafide.Errorf(bonafide.EInvalid, "reason: say why in at least %d characters", bonafide.MinCaseReason)
	}
	n, err := s.notification(ctx, id, noteID)
	if err != nil {
		return err
	}
	if n.Status != bonafide.NoteHeld {
		return bonafide.Errorf(bonafide.EConflict, "notification %d is %s, not held", noteID, n.Status)
	}
	if err := s.audit(ctx, a.Who, "notification.release", id, fmt.Sprintf("released the %s %s: %s", n.Agency, n.Kind, reason)); err != nil {
		return err
	}
	n.Status, n.HeldReason = bonafide.NotePlanned, ""
	n.Due = s.Calendar.AddWorkingDays(s.now(), 1)
	return s.Cases.UpdateNotification(ctx, n, bonafide.NoteHeld)
}

// MarkSent records that a planned notification was sent, by whom and
// when.
func (s *Service) MarkSent(ctx context.Context, a Actor, id string, noteID int64) error {
	if err := can(a, bonafide.PermOutcomeRecord); err != nil {
		return err
	}
	n, err := s.notification(ctx, id, noteID)
	if err != nil {
		return err
	}
	if n.Status != bonafide.NotePlanned {
		return bonafide.Errorf(bonafide.EConflict, "notification %d is %s: only a planned one is sent", noteID, n.Status)
	}
	if err := s.audit(ctx, a.Who, "notification.sent", id, fmt.Sprintf("sent the %s %s", n.Agency, n.Kind)); err != nil {
		return err
	}
	n.Status, n.Sent, n.SentBy = bonafide.NoteSent, s.now(), a.Who
	return s.Cases.UpdateNotification(ctx, n, bonafide.NotePlanned)
}

func (s *Service) notification(ctx context.Context, id string, noteID int64) (bonafide.Notification, error) {
	notes, err := s.Cases.Notifications(ctx, id)
	if err != nil {
		return bonafide.Notification{}, err
	}
	for _, n := range notes {
		if n.ID == noteID {
			return n, nil
		}
	}
	return bonafide.Notification{}, bonafide.Errorf(bonafide.ENotFound, "referral %s has no notification %d", id, noteID)
}

// Letter returns one letter with its PDF, checking that it belongs to
// referral id (when given) and that its PDF still has its recorded hash.
func (s *Service) Letter(ctx context.Context, a Actor, letterID int64) (bonafide.Letter, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return bonafide.Letter{}, err
	}
	l, err := s.Cases.Letter(ctx, letterID)
	if err != nil {
		return l, err
	}
	if Digest(l.PDF) != l.SHA256 {
		return l, fmt.Errorf("letter %d: its PDF no longer has the SHA-256 recorded with it", letterID)
	}
	return l, nil
}

// Queue returns a page of the worklist f selects.
func (s *Service) Queue(ctx context.Context, a Actor, f bonafide.QueueFilter) (bonafide.QueuePage, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return bonafide.QueuePage{}, err
	}
	return s.Cases.Queue(ctx, f, s.now())
}

// Restrict marks a family restricted, or lifts it, as a team manager
// decides, audited with the reason.
func (s *Service) Restrict(ctx context.Context, a Actor, family string, restricted bool, reason string) error {
	if err := can(a, bonafide.PermSignOff); err != nil {
		return err
	}
	if len([]rune(strings.TrimSpace(reason))) < bonafide.MinCaseReason {
		return bonafide.Errorf(bonafide.EInvalid, "reason: say why in at least %d characters", bonafide.MinCaseReason)
	}
	what := "family.restrict"
	if !restricted {
		what = "family.unrestrict"
	}
	if err := s.audit(ctx, a.Who, what, family, reason); err != nil {
		return err
	}
	return s.Cases.SetRestricted(ctx, family, restricted)
}

// MayNameFamily reports whether a may see the names in a case of row:
// anyone for an unrestricted family; for a restricted one, the worker the
// case is assigned to and team managers.
func MayNameFamily(a Actor, row bonafide.CaseRow) bool {
	return !row.Restricted || a.Role == bonafide.RoleTeamManager || (row.Worker != "" && row.Worker == a.Who)
}
