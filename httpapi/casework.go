package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bonafide"
	"bonafide/casework"
)

// This file is the case workflow's face: decode, call casework.Service,
// encode. The rules are casework's and the domain's.

// CaseRowView is one case of a worklist: what the queue shows. It names
// no one: names are on the referral, which restricted families hide.
type CaseRowView struct {
	ReferralID  string                 `json:"referral_id"`
	State       bonafide.CaseState     `json:"state"`
	SafetyLevel string                 `json:"safety_level"`
	Flagged     bool                   `json:"flagged"`
	Score       float64                `json:"score"`
	Family      string                 `json:"family,omitempty"`
	Channel     bonafide.Channel       `json:"channel"`
	ReceivedAt  time.Time              `json:"received_at"`
	DecisionDue time.Time              `json:"decision_due"`
	Due         *time.Time             `json:"due,omitempty"`
	Overdue     bool                   `json:"overdue"`
	Worker      string                 `json:"worker,omitempty"`
	Team        string                 `json:"team,omitempty"`
	Decision    bonafide.CaseDecision  `json:"decision,omitempty"`
	Finding     bonafide.Finding       `json:"finding,omitempty"`
	Closure     bonafide.ClosureReason `json:"closure,omitempty"`
	Restricted  bool                   `json:"restricted"`
	Events      int                    `json:"events"`
}

func caseRowView(r bonafide.CaseRow, now time.Time) CaseRowView {
	v := CaseRowView{ReferralID: r.ReferralID, State: r.State, SafetyLevel: r.SafetyLevel, Flagged: r.Flagged, Score: r.Score,
		Family: r.Family, Channel: r.Channel, ReceivedAt: r.ReceivedAt, DecisionDue: r.DecisionDue, Worker: r.Worker, Team: r.Team,
		Decision: r.Decision, Finding: r.Finding, Closure: r.Closure, Restricted: r.Restricted, Events: r.Events}
	if !r.Due.IsZero() {
		d := r.Due
		v.Due = &d
		v.Overdue = r.State.Open() && now.After(d)
	}
	return v
}

// QueueView is the body of GET /api/v1/referrals: one page of a worklist,
// safety level first, then the earliest deadline.
type QueueView struct {
	Cases    []CaseRowView  `json:"cases"`
	Total    int            `json:"total"`
	Overdue  int            `json:"overdue"`
	BySafety map[string]int `json:"by_safety"`
	Limit    int            `json:"limit"`
	Offset   int            `json:"offset"`
}

// caseActor is the request's principal as casework's actor.
func caseActor(r *http.Request) casework.Actor {
	p := principalOf(r.Context())
	if p == nil {
		return casework.Actor{}
	}
	return casework.Actor{Who: p.Who(), Role: p.User.Role}
}

func (s *Server) casesAvailable(w http.ResponseWriter, r *http.Request) bool {
	if s.Cases == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "this server keeps no case workflow"))
		return false
	}
	return true
}

// queueFilter reads a worklist filter from the query string.
func queueFilter(q url.Values, now time.Time) (bonafide.QueueFilter, error) {
	var f bonafide.QueueFilter
	for _, st := range q["state"] {
		for _, one := range strings.Split(st, ",") {
			f.States = append(f.States, bonafide.CaseState(one))
		}
	}
	f.SafetyLevel, f.Worker, f.Team, f.Family = q.Get("safety"), q.Get("worker"), q.Get("team"), q.Get("family")
	f.Channel = bonafide.Channel(q.Get("channel"))
	if v := q.Get("flagged"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, bonafide.Errorf(bonafide.EInvalid, "flagged: %q is not true or false", v)
		}
		f.Flagged = &b
	}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, bonafide.Errorf(bonafide.EInvalid, "overdue: %q is not true or false", v)
		}
		if b {
			f.OverdueAt = now
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, bonafide.Errorf(bonafide.EInvalid, "%s: %q is not a number", name, v)
			}
			*dst = n
		}
	}
	return f, f.Check()
}

// handleQueue serves a worklist: by default the front-door queue of
// referrals awaiting a decision.
func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	now := s.now()
	f, err := queueFilter(r.URL.Query(), now)
	if err != nil {
		s.error(w, r, err)
		return
	}
	page, err := s.Cases.Queue(r.Context(), caseActor(r), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := QueueView{Cases: []CaseRowView{}, Total: page.Total, Overdue: page.Overdue, BySafety: page.BySafety, Limit: f.LimitOrDefault(), Offset: f.Offset}
	for _, row := range page.Rows {
		out.Cases = append(out.Cases, caseRowView(row, now))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, out)
}

// CaseView is the body of GET /api/v1/referrals/{id}/case: the case with
// its events, deadlines, notifications and letters.
type CaseView struct {
	CaseRowView
	Recommended   []bonafide.CaseDecision `json:"recommended"`
	Next          []bonafide.CaseAction   `json:"next_actions"`
	SignOff       *bonafide.CaseEvent     `json:"awaiting_sign_off,omitempty"`
	Events        []bonafide.CaseEvent    `json:"events"`
	Notifications []NotificationView      `json:"notifications"`
	Letters       []LetterView            `json:"letters"`
}

// NotificationView is one planned, held, sent or withdrawn notification.
type NotificationView struct {
	ID           int64                       `json:"id"`
	Agency       bonafide.Agency             `json:"agency"`
	Kind         bonafide.NotificationKind   `json:"kind"`
	Basis        bonafide.LawfulBasis        `json:"basis"`
	Status       bonafide.NotificationStatus `json:"status"`
	HeldReason   string                      `json:"held_reason,omitempty"`
	Planned      time.Time                   `json:"planned"`
	Due          *time.Time                  `json:"due,omitempty"`
	Sent         *time.Time                  `json:"sent,omitempty"`
	SentBy       string                      `json:"sent_by,omitempty"`
	RetractionOf int64                       `json:"retraction_of,omitempty"`
}

// LetterView lists a letter; its PDF is at its URL.
type LetterView struct {
	ID        int64               `json:"id"`
	Kind      bonafide.LetterKind `json:"kind"`
	Recipient string              `json:"recipient"`
	Created   time.Time           `json:"created"`
	SHA256    string              `json:"sha256"`
	URL       string              `json:"url"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) caseView(v casework.View) CaseView {
	out := CaseView{CaseRowView: caseRowView(v.Row, s.now()), Recommended: v.Recommended, Next: v.Next, SignOff: v.Case.Pending,
		Events: v.Events, Notifications: []NotificationView{}, Letters: []LetterView{}}
	out.Overdue = v.Overdue
	for _, n := range v.Notifications {
		out.Notifications = append(out.Notifications, NotificationView{ID: n.ID, Agency: n.Agency, Kind: n.Kind, Basis: n.Basis,
			Status: n.Status, HeldReason: n.HeldReason, Planned: n.Planned, Due: optTime(n.Due), Sent: optTime(n.Sent), SentBy: n.SentBy,
			RetractionOf: n.RetractionOf})
	}
	for _, l := range v.Letters {
		out.Letters = append(out.Letters, LetterView{ID: l.ID, Kind: l.Kind, Recipient: l.Recipient, Created: l.Created, SHA256: l.SHA256,
			URL: "/api/v1/letters/" + strconv.FormatInt(l.ID, 10)})
	}
	return out
}

// handleCaseGet serves a referral's case; each view is audited like a
// view of the referral.
func (s *Server) handleCaseGet(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	id := r.PathValue("id")
	a := caseActor(r)
	v, err := s.Cases.Case(r.Context(), a, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.audit(r.Context(), a.Who, "case.read", id, "viewed through the API"); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Cases.NoteView(r.Context(), a, v.Row, "case.read", casework.MayNameFamily(a, v.Row)); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, s.caseView(v))
}

// CaseActionRequest is the body of POST /api/v1/referrals/{id}/case/actions.
type CaseActionRequest struct {
	Action   bonafide.CaseAction    `json:"action"`
	Decision bonafide.CaseDecision  `json:"decision,omitempty"`
	Finding  bonafide.Finding       `json:"finding,omitempty"`
	Closure  bonafide.ClosureReason `json:"closure,omitempty"`
	Reason   string                 `json:"reason,omitempty"`
	Worker   string                 `json:"worker,omitempty"`
	Team     string                 `json:"team,omitempty"`
	// Seen is how many events the case had when the caller looked at it
	// (the events member's length); the action is refused with 409 if
	// someone has acted since.
	Seen int `json:"seen,omitempty"`
}

// handleCaseAction takes one action on a referral's case.
func (s *Server) handleCaseAction(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	var req CaseActionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	v, err := s.Cases.Act(r.Context(), caseActor(r), r.PathValue("id"), casework.Request{Action: req.Action, Decision: req.Decision,
		Finding: req.Finding, Closure: req.Closure, Reason: req.Reason, Worker: req.Worker, Team: req.Team, Seen: req.Seen})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, s.caseView(v))
}

// ReasonRequest is a body that gives only a reason.
type ReasonRequest struct {
	Reason string `json:"reason"`
}

func pathInt(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, bonafide.Errorf(bonafide.ENotFound, "no %s %q", name, r.PathValue(name))
	}
	return v, nil
}

// handleNotificationRelease lets a held check go, with a reason.
func (s *Server) handleNotificationRelease(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	n, err := pathInt(r, "notification")
	if err != nil {
		s.error(w, r, err)
		return
	}
	var req ReasonRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Cases.Release(r.Context(), caseActor(r), r.PathValue("id"), n, req.Reason); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleNotificationSent records that a planned notification was sent.
func (s *Server) handleNotificationSent(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	n, err := pathInt(r, "notification")
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Cases.MarkSent(r.Context(), caseActor(r), r.PathValue("id"), n); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleLetterGet serves a letter as PDF, or as text with ?format=text,
// checked against its recorded SHA-256 (sent as the Digest header); each
// download is audited.
func (s *Server) handleLetterGet(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	id, err := pathInt(r, "letter")
	if err != nil {
		s.error(w, r, err)
		return
	}
	a := caseActor(r)
	l, err := s.Cases.Letter(r.Context(), a, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "text" && format != "pdf" {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "format: %q is not pdf or text", format))
		return
	}
	if err := s.audit(r.Context(), a.Who, "letter.read", l.ReferralID, "letter "+strconv.FormatInt(id, 10)+" ("+string(l.Kind)+") downloaded"); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-SHA256", l.SHA256)
	if format == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(l.Text))
		return
	}
	if len(l.PDF) == 0 {
		s.error(w, r, bonafide.Errorf(bonafide.ENotFound, "letter %d has no PDF: it names a character the letter font cannot show; ask for ?format=text", id))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="letter-`+strconv.FormatInt(id, 10)+`.pdf"`)
	_, _ = w.Write(l.PDF)
}

// handleManager serves the team manager's view.
func (s *Server) handleManager(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	v, err := s.Cases.Manager(r.Context(), caseActor(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	now := s.now()
	type workerView struct {
		Worker   string        `json:"worker"`
		DueToday []CaseRowView `json:"due_today"`
		Overdue  []CaseRowView `json:"overdue"`
	}
	type campaignView struct {
		Family    string        `json:"family"`
		Flagged   int           `json:"flagged"`
		Latest    time.Time     `json:"latest"`
		Referrals []CaseRowView `json:"referrals"`
	}
	rows := func(rs []bonafide.CaseRow) []CaseRowView {
		out := []CaseRowView{}
		for _, r := range rs {
			out = append(out, caseRowView(r, now))
		}
		return out
	}
	out := struct {
		Open      int            `json:"open"`
		Overdue   int            `json:"overdue"`
		Workers   []workerView   `json:"workers"`
		SignOffs  []CaseRowView  `json:"sign_offs"`
		Campaigns []campaignView `json:"campaigns"`
	}{Open: v.Open, Overdue: v.Overdue, Workers: []workerView{}, SignOffs: rows(v.SignOffs), Campaigns: []campaignView{}}
	for _, wl := range v.Workers {
		out.Workers = append(out.Workers, workerView{Worker: wl.Worker, DueToday: rows(wl.DueToday), Overdue: rows(wl.Overdue)})
	}
	for _, c := range v.Campaigns {
		out.Campaigns = append(out.Campaigns, campaignView{Family: c.Family, Flagged: c.Flagged, Latest: c.Latest, Referrals: rows(c.Referrals)})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, out)
}

// handleCensus serves the Children in Need census return as CSV, for
// referrals received from ?from= to ?to= (YYYY-MM-DD, to exclusive).
func (s *Server) handleCensus(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	var from, to time.Time
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		v := r.URL.Query().Get(name)
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "%s: %q is not a date of the form YYYY-MM-DD", name, v))
			return
		}
		*dst = t
	}
	var buf bytes.Buffer
	if _, err := s.Cases.Census(r.Context(), caseActor(r), &buf, from, to); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="cin-referrals-`+from.Format("20060102")+`.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// RestrictionRequest is the body of PUT /api/v1/families/{family}/restriction.
type RestrictionRequest struct {
	Restricted bool   `json:"restricted"`
	Reason     string `json:"reason"`
}

// handleFamilyRestriction marks a family restricted, or lifts it.
func (s *Server) handleFamilyRestriction(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	var req RestrictionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Cases.Restrict(r.Context(), caseActor(r), r.PathValue("family"), req.Restricted, req.Reason); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// now is the server's clock, in UTC.
func (s *Server) now() time.Time { return s.Now().UTC() }
