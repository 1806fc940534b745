package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"bonafide"
	"bonafide/casework"
	"bonafide/triage"
)

// referralView is a referral's page: safety first and largest, then the
// recommendation and deadline, the referral, the campaign signals, the
// reporter panel, the family's chronology and the decision form.
type referralView struct {
	ID, Href, Level            string
	Safety                     safetyTag
	SafetyReasons              []string
	Recommendation             string
	Due, DueIn                 string
	Overdue                    bool
	State                      string
	Received, Channel          string
	Children, Adults           []string
	Concerns                   []string
	Narrative                  string
	Named, Restricted          bool
	Triaged                    bool
	Flagged                    bool
	Score                      string
	Reasons                    []reasonView
	HasReporter                bool
	Anonymous                  bool
	Linked, LinkedAboutFamily  int
	LinkedFalse                int
	LinkedList                 []linkedView
	ShowLinks                  bool
	Chronology                 []chronoView
	FamilyHref                 string
	CanDecide                  bool
	Decisions                  []decisionOption
	Seen                       int
	Form                       decisionForm
	Notifications              []noteView
	Decided, Decision, Finding string
}

type reasonView struct {
	Signal, Weight, Evidence string
	Lowers                   bool
}

type linkedView struct {
	ID, Href, Finding string
	AboutFamily       bool
}

type chronoView struct {
	When, Referral, Href, What string
	This                       bool
}

// decisionOption is one decision of the form, with what it would send.
type decisionOption struct {
	Value, Text string
	Recommended bool
	Checked     bool
	Planned     []noteView
	SignOff     bool
}

type noteView struct {
	Agency, Kind, Status, Held, Due string
}

// decisionForm is what the person entered, shown again with errors.
type decisionForm struct {
	Decision, Reason string
}

// handleReferral shows referral {id} to someone working cases, through
// casework.Service.Referral, which audits the view first.
func (s *Server) handleReferral(w http.ResponseWriter, r *http.Request) {
	s.showReferral(w, r, decisionForm{}, nil)
}

func (s *Server) showReferral(w http.ResponseWriter, r *http.Request, form decisionForm, errs []FieldError) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the front door is unavailable", "The case workflow is not configured on this server.")
		return
	}
	id := r.PathValue("id")
	p := principalOf(r.Context())
	a := casework.Actor{Who: p.Who(), Role: p.User.Role}
	rp, err := s.cfg.Cases.Referral(r.Context(), a, id, "the web interface")
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	now := s.cfg.Now()
	ref, row := rp.Referral, rp.Row
	v := referralView{ID: id, Level: row.SafetyLevel, Href: "/referrals/" + url.PathEscape(id), Safety: safetyOf(row.SafetyLevel),
		State: stateOf(rp.Case.State), Received: when(ref.ReceivedAt), Channel: channelOf(ref.Channel),
		Narrative: ref.Narrative, Named: rp.Named, Restricted: row.Restricted, Flagged: row.Flagged,
		HasReporter: rp.HasReporter, Overdue: rp.Overdue, Seen: len(rp.Events), Form: form}
	due := rp.Case.Due
	if due.IsZero() {
		due = row.DecisionDue
	}
	if rp.Case.State == bonafide.CaseReceived || rp.Case.State == bonafide.CaseReopened {
		v.Due, v.DueIn = when(due), dueIn(due, now)
	}
	if rp.Case.Decision != "" {
		v.Decision = words(string(rp.Case.Decision))
		v.Decided = when(rp.Case.Decided)
	}
	if rp.Case.Finding != "" {
		v.Finding = words(string(rp.Case.Finding))
	}
	for _, c := range ref.Children {
		v.Children = append(v.Children, personLine(c))
	}
	for _, ad := range ref.Adults {
		v.Adults = append(v.Adults, personLine(ad))
	}
	for _, c := range ref.Concerns {
		line := words(string(c.Category))
		if c.Detail != "" && rp.Named {
			line += ": " + c.Detail
		}
		v.Concerns = append(v.Concerns, line)
	}
	var ta triage.Assessment
	if rp.HasAssessment {
		if err := json.Unmarshal(rp.Assessment.Output, &ta); err != nil {
			s.internalError(w, r, fmt.Errorf("assessment of %s: %w", id, err))
			return
		}
		v.SafetyReasons = ta.Safety.Reasons
		v.Recommendation = ta.Recommendation
		if rp.Assessment.Kind.Final() {
			v.Triaged = true
			v.Score = fmt.Sprintf("%.0f%%", ta.Campaign.Score*100)
			for _, rs := range ta.Campaign.Reasons {
				ev := rs.Evidence
				if !rp.Named {
					ev = casework.Withheld
				}
				v.Reasons = append(v.Reasons, reasonView{Signal: words(string(rs.Signal)), Weight: fmt.Sprintf("%+.2f", rs.Weight), Evidence: ev, Lowers: rs.Weight < 0})
			}
			v.Linked, v.LinkedAboutFamily = ta.ReporterLinks.Linked, ta.ReporterLinks.AboutFamily
		}
	}
	if p.User.Role.Can(bonafide.PermReporterLinks) && len(ta.ReporterLinks.Referrals) > 0 {
		v.ShowLinks = true
		ids := make([]string, len(ta.ReporterLinks.Referrals))
		for i, l := range ta.ReporterLinks.Referrals {
			ids[i] = l.ID
		}
		found, err := s.cfg.Cases.LinkedFindings(r.Context(), a, ids)
		if err != nil {
			s.serviceError(w, r, err)
			return
		}
		for _, l := range ta.ReporterLinks.Referrals {
			f := found[l.ID]
			lv := linkedView{ID: l.ID, Href: "/referrals/" + url.PathEscape(l.ID), AboutFamily: l.AboutFamily, Finding: "No finding yet"}
			if f != "" {
				lv.Finding = words(string(f))
				if f.False() {
					v.LinkedFalse++
				}
			}
			v.LinkedList = append(v.LinkedList, lv)
		}
	}
	if row.Family != "" {
		v.FamilyHref = "/families/" + url.PathEscape(row.Family)
		fam, err := s.cfg.Cases.Family(r.Context(), a, row.Family, "the web interface (the referral page's chronology)")
		if err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound {
			s.serviceError(w, r, err)
			return
		}
		for _, e := range fam.Chronology {
			v.Chronology = append(v.Chronology, chronoView{When: when(e.At), Referral: e.ReferralID, Href: "/referrals/" + url.PathEscape(e.ReferralID),
				What: chronoWhat(e), This: e.ReferralID == id})
		}
	}
	v.CanDecide = p.User.Role.Can(bonafide.PermOutcomeRecord) && slices.Contains(rp.Next, bonafide.ActDecide)
	if v.CanDecide {
		for _, d := range bonafide.CaseDecisions {
			opt := decisionOption{Value: string(d), Text: decisionWords(d), Recommended: slices.Contains(rp.Recommended, d), Checked: string(d) == form.Decision}
			opt.SignOff = !opt.Recommended
			for _, n := range s.cfg.Cases.Planned(row, d) {
				opt.Planned = append(opt.Planned, noteLine(n))
			}
			v.Decisions = append(v.Decisions, opt)
		}
		slices.SortStableFunc(v.Decisions, func(x, y decisionOption) int {
			if x.Recommended == y.Recommended {
				return 0
			}
			if x.Recommended {
				return -1
			}
			return 1
		})
	}
	for _, n := range rp.Notifications {
		v.Notifications = append(v.Notifications, noteLine(n))
	}
	page := &Page{Title: "Referral " + id, Data: v, Errors: errs, Back: &Link{Href: "/queue", Text: "Back to the front door"}}
	switch r.URL.Query().Get("done") {
	case "decided":
		page.Banner = &Banner{Text: "Your decision has been recorded.", Success: true}
	case "sign-off":
		page.Banner = &Banner{Text: "Your decision has been recorded and waits for a team manager's sign-off.", Success: true}
	}
	s.render(w, r, "referral", page)
}

// decisionMaxReason bounds the reason's length, as the API's body limit
// bounds it there.
const decisionMaxReason = 4000

// handleDecision records a front-door decision (casework.Service.Act):
// the form is checked first, and shown again with an error summary.
func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the front door is unavailable", "The case workflow is not configured on this server.")
		return
	}
	id := r.PathValue("id")
	form := decisionForm{Decision: r.PostFormValue("decision"), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	var errs []FieldError
	d := bonafide.CaseDecision(form.Decision)
	if !slices.Contains(bonafide.CaseDecisions, d) {
		errs = append(errs, FieldError{"decision", "Select a decision"})
		form.Decision = ""
	}
	switch {
	case form.Reason == "":
		errs = append(errs, FieldError{"reason", "Enter the reason for your decision"})
	case len([]rune(form.Reason)) > decisionMaxReason:
		errs = append(errs, FieldError{"reason", fmt.Sprintf("The reason must be %d characters or fewer", decisionMaxReason)})
	}
	seen, err := strconv.Atoi(r.PostFormValue("seen"))
	if err != nil || seen < 1 {
		errs = append(errs, FieldError{"", "The form is missing what you saw of the case: reload the page and try again"})
	}
	if len(errs) > 0 {
		s.showReferral(w, r, form, errs)
		return
	}
	p := principalOf(r.Context())
	v, err := s.cfg.Cases.Act(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role}, id,
		casework.Request{Action: bonafide.ActDecide, Decision: d, Reason: form.Reason, Seen: seen})
	switch bonafide.ErrorCode(err) {
	case "":
	case bonafide.EConflict:
		s.showReferral(w, r, form, []FieldError{{"", "Someone else has acted on this case since you opened it. Check what they did below, then decide again if you still need to"}})
		return
	case bonafide.EInvalid:
		s.showReferral(w, r, form, []FieldError{{"decision", sentence(bonafide.ErrorMessage(err))}})
		return
	default:
		s.serviceError(w, r, err)
		return
	}
	done := "decided"
	if v.Case.State == bonafide.CaseSignOff {
		done = "sign-off"
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

// personLine is a person as the referral page lists them.
func personLine(p bonafide.Person) string {
	name := strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	if name == "" {
		name = "Name not given"
	}
	var extra []string
	if p.Role != "" {
		extra = append(extra, words(string(p.Role)))
	}
	if !p.DOB.IsZero() {
		extra = append(extra, "born "+p.DOB.String())
	}
	if len(extra) > 0 {
		name += " (" + strings.Join(extra, ", ") + ")"
	}
	return name
}

var decisionText = map[bonafide.CaseDecision]string{
	bonafide.DecideStrategyDiscussion: "Strategy discussion",
	bonafide.DecideSection47:          "Section 47 enquiry",
	bonafide.DecideAssessment:         "Child and family assessment",
	bonafide.DecideEarlyHelp:          "Early help",
	bonafide.DecideAdvice:             "Advice and signposting",
	bonafide.DecideNoFurtherAction:    "No further action",
}

func decisionWords(d bonafide.CaseDecision) string {
	if t, ok := decisionText[d]; ok {
		return t
	}
	return words(string(d))
}

var agencyText = map[bonafide.Agency]string{
	bonafide.AgencyGP: "GP", bonafide.AgencySchool: "School", bonafide.AgencyHealthVisitor: "Health visitor",
	bonafide.AgencyPolice: "Police", bonafide.AgencyReferrer: "Referrer",
}

func noteLine(n bonafide.Notification) noteView {
	ag, ok := agencyText[n.Agency]
	if !ok {
		ag = words(string(n.Agency))
	}
	nv := noteView{Agency: ag, Kind: words(string(n.Kind)), Status: words(string(n.Status)), Held: n.HeldReason}
	if !n.Due.IsZero() {
		nv.Due = when(n.Due)
	}
	return nv
}

func chronoWhat(e casework.FamilyEntry) string {
	w := words(strings.ReplaceAll(e.Kind, "referral_", ""))
	if e.Detail != "" {
		w = sentence(e.Detail)
	}
	if e.Episode > 0 {
		w += fmt.Sprintf(" (campaign episode %d)", e.Episode)
	}
	return w
}
