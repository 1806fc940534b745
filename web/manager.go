package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bonafide"
	"bonafide/casework"
)

// managerView is the team manager's dashboard: decisions due today and
// overdue by worker, what waits for their sign-off, and campaign alerts.
type managerView struct {
	Open, Overdue int
	Workers       []workerView
	SignOffs      []signOffView
	Campaigns     []campaignView
}

type workerView struct {
	Worker              string
	DueToday, Overdue   []queueRow
	NOverdue, NDueToday int
	Listed              []queueRow // the first few, overdue first
	More                int        // how many more than Listed
}

// workerListed is how many referrals a worker's row lists by number; the
// rest are in the front door's overdue filter.
const workerListed = 8

type signOffView struct {
	queueRow
	Decision, Action, Reason, ReasonID string
	Seen                               int
	Error                              string
}

type campaignView struct {
	Family, Latest string
	Flagged        int
	Referrals      []queueRow
}

// handleManager shows the dashboard (casework.Service.Manager).
func (s *Server) handleManager(w http.ResponseWriter, r *http.Request) {
	s.showManager(w, r, nil, "", "")
}

// showManager renders the dashboard; errs and the failed form's referral
// and reason are shown again after a sign-off that was refused.
func (s *Server) showManager(w http.ResponseWriter, r *http.Request, errs []FieldError, failed, reason string) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the dashboard is unavailable", "The case workflow is not configured on this server.")
		return
	}
	p := principalOf(r.Context())
	mv, err := s.cfg.Cases.Manager(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role})
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	now := s.cfg.Now()
	v := managerView{Open: mv.Open, Overdue: mv.Overdue}
	for _, wl := range mv.Workers {
		wv := workerView{Worker: wl.Worker}
		if wv.Worker == "" {
			wv.Worker = "Not yet taken"
		}
		for _, row := range wl.DueToday {
			wv.DueToday = append(wv.DueToday, s.queueRow(row, now))
		}
		for _, row := range wl.Overdue {
			wv.Overdue = append(wv.Overdue, s.queueRow(row, now))
		}
		wv.NOverdue, wv.NDueToday = len(wv.Overdue), len(wv.DueToday)
		all := append(append([]queueRow{}, wv.Overdue...), wv.DueToday...)
		wv.Listed = all[:min(len(all), workerListed)]
		wv.More = len(all) - len(wv.Listed)
		v.Workers = append(v.Workers, wv)
	}
	for _, row := range mv.SignOffs {
		so := signOffView{queueRow: s.queueRow(row, now), Decision: sentence(words(string(row.Decision))), Seen: row.Events,
			Action: "/manager/sign-offs/" + url.PathEscape(row.ReferralID), ReasonID: "reason-" + row.ReferralID}
		if so.Decision == "" {
			so.Decision = "A decision"
		}
		if row.ReferralID == failed {
			so.Reason = reason
			for _, e := range errs {
				if e.Field == so.ReasonID {
					so.Error = e.Message
				}
			}
		}
		v.SignOffs = append(v.SignOffs, so)
	}
	for _, c := range mv.Campaigns {
		cv := campaignView{Family: c.Family, Flagged: c.Flagged, Latest: when(c.Latest)}
		for _, row := range c.Referrals {
			cv.Referrals = append(cv.Referrals, s.queueRow(row, now))
		}
		v.Campaigns = append(v.Campaigns, cv)
	}
	page := &Page{Title: "Team dashboard", Data: v, Errors: errs}
	switch r.URL.Query().Get("done") {
	case "approve":
		page.Banner = &Banner{Text: "Signed off. What waited on your sign-off now goes ahead.", Success: true}
	case "reject":
		page.Banner = &Banner{Text: "Sent back to the social worker with your comment.", Success: true}
	}
	s.render(w, r, "manager", page)
}

// handleSignOff approves or rejects what waits for sign-off on a case
// (casework.Service.Act: the service refuses the person who asked for it,
// and anyone who has not seen the case as it is now).
func (s *Server) handleSignOff(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the dashboard is unavailable", "The case workflow is not configured on this server.")
		return
	}
	id := r.PathValue("id")
	reasonID := "reason-" + id
	action := bonafide.CaseAction(r.PostFormValue("action"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	seen, _ := strconv.Atoi(r.PostFormValue("seen"))
	if action != bonafide.ActApprove && action != bonafide.ActReject {
		s.showManager(w, r, []FieldError{{"", "Choose to sign off or to send back"}}, id, reason)
		return
	}
	if action == bonafide.ActReject && len([]rune(reason)) < bonafide.MinCaseReason {
		s.showManager(w, r, []FieldError{{reasonID, fmt.Sprintf("To send %s back, say why in at least %d characters", id, bonafide.MinCaseReason)}}, id, reason)
		return
	}
	p := principalOf(r.Context())
	_, err := s.cfg.Cases.Act(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role}, id,
		casework.Request{Action: action, Reason: reason, Seen: seen})
	switch bonafide.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/manager?done="+string(action), http.StatusSeeOther)
	case bonafide.EConflict, bonafide.EForbidden, bonafide.EInvalid:
		s.showManager(w, r, []FieldError{{reasonID, sentence(bonafide.ErrorMessage(err))}}, id, reason)
	default:
		s.serviceError(w, r, err)
	}
}
