package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bonafide"
	"bonafide/disclosure"
)

// The subject access request screens of the data protection officer: open
// one for a person and their children, watch its clock (the due date, an
// extension of up to two months, the clock stopped while clarifying),
// review every redaction with its reason code and change it, sign it off
// and produce and download the bundle. Every step is
// disclosure.Service's, audited as the API's are.

var sarTags = map[bonafide.SARState]stateTag{
	bonafide.SAROpen:       {"Open", "govuk-tag--blue"},
	bonafide.SARClarifying: {"Clock stopped", "govuk-tag--yellow"},
	bonafide.SARSignedOff:  {"Signed off", "govuk-tag--purple"},
	bonafide.SARProduced:   {"Bundle produced", "govuk-tag--green"},
}

func sarTag(st bonafide.SARState) stateTag {
	if t, ok := sarTags[st]; ok {
		return t
	}
	return stateTag{words(string(st)), "govuk-tag--grey"}
}

var codeTags = map[bonafide.RedactionCode]stateTag{
	bonafide.RedactReporter:        {"R1 reporter", "govuk-tag--red"},
	bonafide.RedactReporterContext: {"R2 reporter by context", "govuk-tag--orange"},
	bonafide.RedactThirdParty:      {"T1 third party", "govuk-tag--yellow"},
	bonafide.RedactStaff:           {"S1 staff", "govuk-tag--purple"},
	bonafide.RedactNone:            {"Shown", "govuk-tag--green"},
}

// day is a date as a person reads it: "2 December 2026".
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006")
}

// handleSARs lists subject access requests with their due dates.
func (s *Server) handleSARs(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	sars, err := svc.SARs(r.Context(), disclosureActor(principalOf(r.Context())), bonafide.MaxDisclosurePage)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	type row struct {
		ID, Href, Requester, Received, Due, DueIn string
		Tag                                       stateTag
		Late                                      bool
	}
	now := s.cfg.Now()
	var rows []row
	for _, sar := range sars {
		due := sar.Due(now)
		rw := row{ID: sar.ID, Href: "/sars/" + url.PathEscape(sar.ID), Requester: sar.Requester.FullName(), Received: day(sar.Received),
			Due: day(due), Tag: sarTag(sar.State)}
		if sar.State != bonafide.SARProduced {
			rw.DueIn, rw.Late = dueIn(due, now), due.Before(now)
		}
		rows = append(rows, rw)
	}
	s.render(w, r, "sars", &Page{Title: "Subject access requests", Data: rows})
}

// sarForm is the opening form as typed.
type sarForm struct {
	Given, Family                            string
	Children                                 [3][2]string
	FamilyID, Referrals                      string
	ReceivedDay, ReceivedMonth, ReceivedYear string
}

// receivedOn reads the day a request was received, as the form gives it,
// as 9 am that day in London, or now when that is still to come today (a
// request opened before nine is not refused as received in the future).
// A day after today, or no real date, comes back as the form's message.
func receivedOn(day, month, year string, now time.Time) (time.Time, string) {
	d, e1 := strconv.Atoi(day)
	m, e2 := strconv.Atoi(month)
	y, e3 := strconv.Atoi(year)
	t := time.Date(y, time.Month(m), d, 9, 0, 0, 0, london)
	if e1 != nil || e2 != nil || e3 != nil || y < 2000 || t.Day() != d || int(t.Month()) != m {
		return time.Time{}, "Date received: enter a real date, like 27 3 2026"
	}
	today := now.In(london)
	if time.Date(y, time.Month(m), d, 0, 0, 0, 0, london).After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, london)) {
		return time.Time{}, "Date received: it must be today or in the past"
	}
	if t.After(now) {
		t = now
	}
	return t.UTC(), ""
}

// handleSARNew shows the form that opens a subject access request.
func (s *Server) handleSARNew(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now().In(london)
	f := sarForm{ReceivedDay: strconv.Itoa(now.Day()), ReceivedMonth: strconv.Itoa(int(now.Month())), ReceivedYear: strconv.Itoa(now.Year())}
	s.render(w, r, "sar-new", &Page{Title: "Open a subject access request", Data: f, Back: &Link{Href: "/sars", Text: "Back"}})
}

// handleSAROpen opens the request (disclosure.Service.OpenSAR), which
// gathers and redacts every record, and shows it.
func (s *Server) handleSAROpen(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := sarForm{Given: v("requester_given"), Family: v("requester_family"), FamilyID: v("family"), Referrals: v("referrals"),
		ReceivedDay: v("received-day"), ReceivedMonth: v("received-month"), ReceivedYear: v("received-year")}
	sar := bonafide.SAR{Requester: bonafide.SARPerson{GivenName: f.Given, FamilyName: f.Family}, Family: f.FamilyID, Referrals: lines(f.Referrals)}
	for i := range f.Children {
		f.Children[i] = [2]string{v(fmt.Sprintf("child%d_given", i+1)), v(fmt.Sprintf("child%d_family", i+1))}
		if f.Children[i][0] != "" || f.Children[i][1] != "" {
			sar.Children = append(sar.Children, bonafide.SARPerson{GivenName: f.Children[i][0], FamilyName: f.Children[i][1]})
		}
	}
	var errs []FieldError
	if f.ReceivedDay != "" || f.ReceivedMonth != "" || f.ReceivedYear != "" {
		t, msg := receivedOn(f.ReceivedDay, f.ReceivedMonth, f.ReceivedYear, s.cfg.Now())
		if msg != "" {
			errs = append(errs, FieldError{"received-day", msg})
		} else {
			sar.Received = t
		}
	}
	if len(errs) == 0 {
		out, err := svc.OpenSAR(r.Context(), disclosureActor(principalOf(r.Context())), sar)
		if err == nil {
			http.Redirect(w, r, "/sars/"+url.PathEscape(out.ID)+"?done=opened", http.StatusSeeOther)
			return
		}
		var ok bool
		if errs, ok = fieldErrors(err, map[string]string{"requester": "requester_given", "children": "child%d_given", "received": "received-day"}); !ok {
			s.serviceError(w, r, err)
			return
		}
	}
	s.render(w, r, "sar-new", &Page{Title: "Open a subject access request", Data: f, Errors: errs, Back: &Link{Href: "/sars", Text: "Back"}})
}

// sarView is a SAR's page.
type sarView struct {
	S                               bonafide.SAR
	Tag                             stateTag
	Tasks                           []task
	Received, Due, DueIn, PausedAt  string
	Late, Open, Clarifying          bool
	CanExtend, CanSignOff, Produced bool
	SignedOff                       bool
	Documents, Parts, Withheld      int
	ByCode                          []fact
	Months                          []choice
	ClockReason, ExtendReason       string
	Min                             int
}

func (s *Server) sarPage(w http.ResponseWriter, r *http.Request) (*Page, bool) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return nil, false
	}
	sar, err := svc.GetSAR(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.serviceError(w, r, err)
		return nil, false
	}
	now := s.cfg.Now()
	due := sar.Due(now)
	v := sarView{S: sar, Tag: sarTag(sar.State), Received: day(sar.Received), Due: day(due), Min: bonafide.MinDecisionText,
		Open: sar.State == bonafide.SAROpen, Clarifying: sar.State == bonafide.SARClarifying, Produced: sar.State == bonafide.SARProduced,
		SignedOff: sar.State == bonafide.SARSignedOff || sar.State == bonafide.SARProduced}
	if !v.Produced {
		v.DueIn, v.Late = dueIn(due, now), due.Before(now)
	}
	if v.Clarifying {
		v.PausedAt = when(sar.PausedSince)
	}
	v.CanExtend = (v.Open || v.Clarifying) && sar.ExtendedMonths < 2
	v.CanSignOff = v.Open
	counts := map[bonafide.RedactionCode]int{}
	for _, d := range sar.Documents {
		v.Documents++
		for _, p := range d.Parts {
			v.Parts++
			if p.Withheld() {
				v.Withheld++
				counts[p.Code]++
			}
		}
	}
	for _, c := range bonafide.RedactionCodes {
		if counts[c] > 0 {
			v.ByCode = append(v.ByCode, fact{codeTags[c].Text, fmt.Sprintf("%d: %s", counts[c], c.Explain())})
		}
	}
	for m := 1; m <= 2-sar.ExtendedMonths; m++ {
		id := "months"
		if m > 1 {
			id = fmt.Sprintf("months-%d", m)
		}
		text := "One month"
		if m == 2 {
			text = "Two months"
		}
		v.Months = append(v.Months, choice{ID: id, Value: strconv.Itoa(m), Text: text})
	}
	href := "/sars/" + url.PathEscape(sar.ID)
	gather := task{Name: "Gather the records", Hint: fmt.Sprintf("%d documents, %d parts", v.Documents, v.Parts), Status: taskDone}
	review := task{Name: "Review the redactions", Href: href + "/redactions", Hint: fmt.Sprintf("%d parts withheld, each with its reason code", v.Withheld),
		Status: stateTag{"In progress", "govuk-tag--light-blue"}}
	sign := task{Name: "Sign off the redactions", Status: taskTodo}
	produce := task{Name: "Produce the bundle", Hint: "An indexed, paginated PDF with its redaction log", Status: taskCannot}
	switch sar.State {
	case bonafide.SAROpen:
		sign.Href = href + "#sign-off"
	case bonafide.SARClarifying:
		sign.Status = stateTag{"Clock stopped", "govuk-tag--yellow"}
	case bonafide.SARSignedOff:
		review.Status, sign.Status, produce.Status, produce.Href = taskDone, taskDone, taskTodo, href+"#produce"
	case bonafide.SARProduced:
		review.Status, sign.Status, produce.Status, produce.Href = taskDone, taskDone, taskDone, href+"#bundle"
		review.Href = ""
	}
	v.Tasks = []task{gather, review, sign, produce}
	return &Page{Title: "Subject access request " + sar.ID, Data: v, Back: &Link{Href: "/sars", Text: "Back to subject access requests"}}, true
}

// handleSAR shows the request as a task list with its clock.
func (s *Server) handleSAR(w http.ResponseWriter, r *http.Request) {
	page, ok := s.sarPage(w, r)
	if !ok {
		return
	}
	banners := map[string]string{
		"opened":     "The request is open. The records were gathered and redacted: review the redactions.",
		"stopped":    "The clock is stopped until the requester answers.",
		"started":    "The clock runs again; the due date moved on by the time it was stopped.",
		"extended":   "The deadline was extended. Tell the requester why, within the first month.",
		"signed-off": "Signed off. You can now produce the bundle.",
		"produced":   "The bundle was produced and its hash recorded in the audit log.",
	}
	if b, ok := banners[r.URL.Query().Get("done")]; ok {
		page.Banner = &Banner{Text: b, Success: true}
	}
	s.render(w, r, "sar", page)
}

// sarStep runs one step on the SAR and goes back to its page; a refusal
// is shown there, naming the field.
func (s *Server) sarStep(w http.ResponseWriter, r *http.Request, done string, step func(svc *disclosure.Service, a disclosure.Actor, id string) error, field string, keep func(*sarView)) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	err := step(svc, disclosureActor(principalOf(r.Context())), id)
	if err == nil {
		http.Redirect(w, r, "/sars/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(err, map[string]string{"reason": field + "_reason"})
	if !ok {
		switch bonafide.ErrorCode(err) {
		case bonafide.EConflict, bonafide.EForbidden:
			errs = []FieldError{{"", sentence(bonafide.ErrorMessage(err))}}
		default:
			s.serviceError(w, r, err)
			return
		}
	}
	page, ok := s.sarPage(w, r)
	if !ok {
		return
	}
	v := page.Data.(sarView)
	keep(&v)
	page.Data, page.Errors = v, errs
	s.render(w, r, "sar", page)
}

// handleSARClock stops the clock while clarifying, or starts it again.
func (s *Server) handleSARClock(w http.ResponseWriter, r *http.Request) {
	stop := r.PostFormValue("action") == "stop"
	reason := strings.TrimSpace(r.PostFormValue("clock_reason"))
	done := "started"
	if stop {
		done = "stopped"
	}
	s.sarStep(w, r, done, func(svc *disclosure.Service, a disclosure.Actor, id string) error {
		if reason == "" {
			return &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason", Reason: "say what the requester was asked, or what they answered"}}}
		}
		_, err := svc.Clarify(r.Context(), a, id, stop, reason)
		return err
	}, "clock", func(v *sarView) { v.ClockReason = reason })
}

// handleSARExtend extends the deadline by one or two months in all.
func (s *Server) handleSARExtend(w http.ResponseWriter, r *http.Request) {
	months, _ := strconv.Atoi(r.PostFormValue("months"))
	reason := strings.TrimSpace(r.PostFormValue("extend_reason"))
	s.sarStep(w, r, "extended", func(svc *disclosure.Service, a disclosure.Actor, id string) error {
		_, err := svc.Extend(r.Context(), a, id, months, reason)
		return err
	}, "extend", func(v *sarView) { v.ExtendReason = reason })
}

// handleSARSignOff signs the redactions off.
func (s *Server) handleSARSignOff(w http.ResponseWriter, r *http.Request) {
	s.sarStep(w, r, "signed-off", func(svc *disclosure.Service, a disclosure.Actor, id string) error {
		_, err := svc.SignOff(r.Context(), a, id)
		return err
	}, "sign_off", func(*sarView) {})
}

// handleSARProduce renders and stores the bundle.
func (s *Server) handleSARProduce(w http.ResponseWriter, r *http.Request) {
	s.sarStep(w, r, "produced", func(svc *disclosure.Service, a disclosure.Actor, id string) error {
		_, err := svc.Produce(r.Context(), a, id)
		return err
	}, "produce", func(*sarView) {})
}

// handleSARBundle sends the bundle's PDF; the service audits it.
func (s *Server) handleSARBundle(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	pdf, err := svc.Bundle(r.Context(), disclosureActor(principalOf(r.Context())), id)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.pdf"`)
	w.Write(pdf) //nolint:errcheck // the client has gone
}

// partView is one part in the redaction review.
type partView struct {
	bonafide.SARPart
	Tag     stateTag
	Explain string
	Href    string
}

// handleSARRedactions lists every part of every document with its code.
func (s *Server) handleSARRedactions(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	sar, err := svc.GetSAR(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	type docView struct {
		N           int
		Title, Date string
		Parts       []partView
	}
	v := struct {
		S        bonafide.SAR
		Docs     []docView
		Editable bool
	}{S: sar, Editable: sar.State == bonafide.SAROpen || sar.State == bonafide.SARClarifying}
	for _, d := range sar.Documents {
		dv := docView{N: d.N, Title: d.Title, Date: day(d.Date)}
		for _, p := range d.Parts {
			pv := partView{SARPart: p, Tag: codeTags[p.Code], Explain: p.Code.Explain()}
			if v.Editable && !p.Locked {
				pv.Href = "/sars/" + url.PathEscape(sar.ID) + "/parts/" + url.PathEscape(p.ID)
			}
			dv.Parts = append(dv.Parts, pv)
		}
		v.Docs = append(v.Docs, dv)
	}
	page := &Page{Title: "Redactions of " + sar.ID, Data: v, Back: &Link{Href: "/sars/" + url.PathEscape(sar.ID), Text: "Back to the request"}}
	if r.URL.Query().Get("done") == "changed" {
		page.Banner = &Banner{Text: "The redaction was changed and your reason kept in the redaction log.", Success: true}
	}
	s.render(w, r, "sar-redactions", page)
}

// handleSARPart shows the form that changes one part's redaction.
func (s *Server) handleSARPart(w http.ResponseWriter, r *http.Request) {
	s.showPart(w, r, "", "", nil)
}

func (s *Server) showPart(w http.ResponseWriter, r *http.Request, code, reason string, errs []FieldError) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	sar, err := svc.GetSAR(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	id := r.PathValue("part")
	var part *bonafide.SARPart
	var doc bonafide.SARDocument
	for _, d := range sar.Documents {
		for i := range d.Parts {
			if d.Parts[i].ID == id {
				part, doc = &d.Parts[i], d
			}
		}
	}
	if part == nil {
		s.errorPage(w, r, http.StatusNotFound, "Page not found", "There is no part "+id+" in "+sar.ID+".")
		return
	}
	if code == "" && errs == nil {
		code = string(part.Code)
		if part.Code == bonafide.RedactNone {
			code = "shown"
		}
	}
	var codes []choice
	for i, c := range append([]bonafide.RedactionCode{bonafide.RedactNone}, bonafide.RedactionCodes...) {
		val, cid := string(c), "code"
		if c == bonafide.RedactNone {
			val = "shown"
		}
		if i > 0 {
			cid = fmt.Sprintf("code-%d", i+1)
		}
		codes = append(codes, choice{ID: cid, Value: val, Text: codeTags[c].Text, Hint: sentence(c.Explain()), Checked: code == val})
	}
	v := struct {
		S      bonafide.SAR
		Doc    bonafide.SARDocument
		Part   partView
		Codes  []choice
		Reason string
		Min    int
	}{S: sar, Doc: doc, Part: partView{SARPart: *part, Tag: codeTags[part.Code], Explain: part.Code.Explain()}, Codes: codes, Reason: reason, Min: bonafide.MinDecisionText}
	s.render(w, r, "sar-part", &Page{Title: "Change the redaction of part " + id, Data: v, Errors: errs,
		Back: &Link{Href: "/sars/" + url.PathEscape(sar.ID) + "/redactions", Text: "Back to the redactions"}})
}

// handleSARPartPost changes one part's redaction with a reason; a part
// holding a reporter's detail is refused by the service.
func (s *Server) handleSARPartPost(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	code, reason := r.PostFormValue("code"), strings.TrimSpace(r.PostFormValue("reason"))
	id, part := r.PathValue("id"), r.PathValue("part")
	var errs []FieldError
	c := bonafide.RedactionCode(code)
	switch {
	case code == "":
		errs = append(errs, FieldError{"code", "Redaction code: choose whether to show the part or why it is withheld"})
	case code == "shown":
		c = bonafide.RedactNone
	case !c.Valid():
		errs = append(errs, FieldError{"code", "Redaction code: one of those listed"})
	}
	if len(errs) == 0 {
		_, err := svc.Redact(r.Context(), disclosureActor(principalOf(r.Context())), id, disclosure.SARChange{Part: part, Code: c, Reason: reason})
		if err == nil {
			http.Redirect(w, r, "/sars/"+url.PathEscape(id)+"/redactions?done=changed#part-"+strings.ReplaceAll(part, ".", "-"), http.StatusSeeOther)
			return
		}
		var ok bool
		if errs, ok = fieldErrors(err, nil); !ok {
			switch bonafide.ErrorCode(err) {
			case bonafide.EForbidden, bonafide.EConflict:
				errs = []FieldError{{"code", sentence(bonafide.ErrorMessage(err))}}
			default:
				s.serviceError(w, r, err)
				return
			}
		}
	}
	s.showPart(w, r, code, reason, errs)
}
