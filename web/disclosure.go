package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"bonafide"
	"bonafide/account"
	"bonafide/disclosure"
)

// The police disclosure screens: the liaison files a request, sees their
// requests, amends one the data protection officer asked more about and
// downloads the released package; the DPO works the queue, reviews a
// request without the identity, records the three-step test and a
// decision; a second, different DPO approves or declines the release; the
// disclosure log gives the annual report's counts. Every step is
// disclosure.Service's, which audits it as the API's routes do.

// disclosureActor is the principal as package disclosure sees them, with
// what their login proved.
func disclosureActor(p *account.Principal) disclosure.Actor {
	return disclosure.Actor{Who: p.Who(), Role: p.User.Role, TOTPEnrolled: p.User.TOTPConfirmed,
		SecondFactor: p.Session != nil && p.Session.SecondFactor}
}

// disclosures returns the disclosure service, or answers 503.
func (s *Server) disclosures(w http.ResponseWriter, r *http.Request) (*disclosure.Service, bool) {
	if s.cfg.Disclosures == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, disclosure is unavailable", "Police disclosure and subject access requests are not configured on this server.")
		return nil, false
	}
	return s.cfg.Disclosures, true
}

// stateTag is a state's words and GOV.UK tag colour.
type stateTag struct{ Text, Class string }

var disclosureTags = map[bonafide.DisclosureState]stateTag{
	bonafide.DisclosureFiled:    {"Awaiting review", "govuk-tag--blue"},
	bonafide.DisclosureMoreInfo: {"More information asked", "govuk-tag--yellow"},
	bonafide.DisclosureApproved: {"Awaiting second approval", "govuk-tag--purple"},
	bonafide.DisclosureReleased: {"Released", "govuk-tag--green"},
	bonafide.DisclosureRefused:  {"Refused", "govuk-tag--red"},
	bonafide.DisclosureNCND:     {"Neither confirmed nor denied", "govuk-tag--grey"},
	bonafide.DisclosureExpired:  {"Expired", "govuk-tag--grey"},
}

func disclosureTag(st bonafide.DisclosureState) stateTag {
	if t, ok := disclosureTags[st]; ok {
		return t
	}
	return stateTag{words(string(st)), "govuk-tag--grey"}
}

var rankWords = map[bonafide.PoliceRank]string{
	bonafide.RankConstable: "Constable", bonafide.RankSergeant: "Sergeant", bonafide.RankInspector: "Inspector",
	bonafide.RankChiefInspector: "Chief Inspector", bonafide.RankSuperintendent: "Superintendent",
	bonafide.RankChiefSuperintendent: "Chief Superintendent", bonafide.RankAssistantChief: "Assistant Chief Constable",
	bonafide.RankDeputyChief: "Deputy Chief Constable", bonafide.RankChiefConstable: "Chief Constable",
}

// fieldWords are the reporter details a police request may ask for, in words.
var fieldWords = map[bonafide.DisclosureField]string{
	bonafide.FieldName: "Name", bonafide.FieldPhone: "Phone number", bonafide.FieldEmail: "Email address",
	bonafide.FieldAddress: "Postal address", bonafide.FieldOrganisation: "Organisation", bonafide.FieldRelationship: "Relationship to the child",
	bonafide.FieldContactIP: "Network (IP) address they reported from", bonafide.FieldDeviceID: "Device they reported from",
}

func fieldList(fs []bonafide.DisclosureField) string {
	var out []string
	for _, f := range fs {
		if w, ok := fieldWords[f]; ok {
			out = append(out, strings.ToLower(w[:1])+w[1:])
		} else {
			out = append(out, string(f))
		}
	}
	return strings.Join(out, ", ")
}

var outcomeWords = map[bonafide.ReviewOutcome]string{
	bonafide.ReviewApproveFull: "Approve in full",
	bonafide.ReviewApprovePart: "Approve in part",
	bonafide.ReviewRefuse:      "Refuse",
	bonafide.ReviewMoreInfo:    "Ask the police for more information",
	bonafide.ReviewNCND:        "Neither confirm nor deny",
}

// choice is one radio or checkbox: its value, words, hint and whether it
// is chosen.
type choice struct {
	ID, Value, Text, Hint string
	Checked               bool
}

// requestForm is the police request form as typed.
type requestForm struct {
	Force, Officer, OfficerRank, AuthorisingOfficer, AuthorisingRank, CrimeReference, Offence string
	LegalBasis                                                                                bool
	Referrals, Family, Necessity, Proportionality                                             string
	Fields                                                                                    []string
	Min                                                                                       int
}

func (f requestForm) Ranks() []option {
	opts := []option{{"", "Choose a rank"}}
	for _, r := range bonafide.PoliceRanks {
		opts = append(opts, option{string(r), rankWords[r]})
	}
	return opts
}

func (f requestForm) Offences() []choice {
	var out []choice
	for i, o := range bonafide.Offences {
		id := "offence"
		if i > 0 {
			id = fmt.Sprintf("offence-%d", i+1)
		}
		out = append(out, choice{ID: id, Value: string(o), Text: o.Title(), Checked: f.Offence == string(o)})
	}
	return out
}

func (f requestForm) FieldChoices() []choice {
	return fieldChoices("fields", bonafide.DisclosureFields, f.Fields)
}

func fieldChoices(name string, fs []bonafide.DisclosureField, checked []string) []choice {
	var out []choice
	for i, fd := range fs {
		id := name
		if i > 0 {
			id = fmt.Sprintf("%s-%d", name, i+1)
		}
		out = append(out, choice{ID: id, Value: string(fd), Text: fieldWords[fd], Checked: slices.Contains(checked, string(fd))})
	}
	return out
}

func readRequestForm(r *http.Request) requestForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return requestForm{Force: v("force"), Officer: v("officer"), OfficerRank: v("officer_rank"), AuthorisingOfficer: v("authorising_officer"),
		AuthorisingRank: v("authorising_rank"), CrimeReference: v("crime_reference"), Offence: v("offence"),
		LegalBasis: r.PostFormValue("legal_basis") == bonafide.LegalBasisCrime, Referrals: v("referrals"), Family: v("family"),
		Necessity: v("necessity"), Proportionality: v("proportionality"), Fields: r.PostForm["fields"], Min: bonafide.MinJustification}
}

func (f requestForm) domain() bonafide.PoliceRequest {
	req := bonafide.PoliceRequest{Force: f.Force, Officer: f.Officer, OfficerRank: bonafide.PoliceRank(f.OfficerRank),
		AuthorisingOfficer: f.AuthorisingOfficer, AuthorisingRank: bonafide.PoliceRank(f.AuthorisingRank), CrimeReference: f.CrimeReference,
		Offence: bonafide.Offence(f.Offence), Family: f.Family, Necessity: f.Necessity, Proportionality: f.Proportionality}
	if f.LegalBasis {
		req.LegalBasis = bonafide.LegalBasisCrime
	}
	req.Referrals = lines(f.Referrals)
	for _, fd := range f.Fields {
		req.Fields = append(req.Fields, bonafide.DisclosureField(fd))
	}
	return req
}

// lines splits a textarea of ids, one a line (or separated by commas or
// spaces), dropping empty ones.
func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' })
}

// requestLabels name the form's fields in error messages, by the domain's
// field names (an indexed field such as "referrals[1]" uses its base).
var requestLabels = map[string]string{
	"force": "Police force", "officer": "Officer in the case", "officer_rank": "Officer's rank",
	"authorising_officer": "Authorising officer", "authorising_rank": "Authorising officer's rank",
	"crime_reference": "Crime reference", "offence": "Offence", "legal_basis": "Legal basis", "referrals": "Referrals",
	"family": "Family", "fields": "Details asked for", "necessity": "Why it is necessary", "proportionality": "Why it is proportionate",
	"note": "Your answer", "prejudice": "Prejudice", "causal_link": "Causal link", "likelihood": "Likelihood",
	"outcome": "Decision", "reasons": "Reasons", "approve_fields": "Details approved", "approve_referrals": "Referrals approved",
	"requester": "Requester", "children": "Children", "received": "Date received", "months": "Extension", "reason": "Reason", "code": "Redaction code",
}

// plainErrors say what to do for a field left empty or unchosen, in the
// GOV.UK pattern's words, instead of the domain's reason.
var plainErrors = map[string]string{
	"force": "Enter the police force", "officer": "Enter the officer in the case", "officer_rank": "Select the officer's rank",
	"authorising_officer": "Enter the authorising officer", "authorising_rank": "Select the authorising officer's rank",
	"crime_reference": "Enter the crime reference", "offence": "Select the offence under investigation",
	"legal_basis": "Confirm the legal basis: the Data Protection Act 2018, Schedule 2 Part 1 paragraph 2",
	"fields":      "Select the details asked for", "necessity": "Enter why it is necessary", "proportionality": "Enter why it is proportionate",
	"outcome": "Select a decision",
}

// fieldErrors turns a service's validation error into the error summary's
// entries, each naming its field and linking to it; rename maps a domain
// field to the form's id where they differ.
func fieldErrors(err error, rename map[string]string) ([]FieldError, bool) {
	var ve *bonafide.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	var out []FieldError
	for _, fe := range ve.Errors {
		base, idx, _ := strings.Cut(fe.Field, "[")
		id := base
		if r, ok := rename[base]; ok {
			id = r
			if n, err := strconv.Atoi(strings.TrimSuffix(idx, "]")); err == nil && strings.Contains(r, "%d") {
				id = fmt.Sprintf(r, n+1)
			}
		}
		label := requestLabels[id]
		if label == "" {
			label = requestLabels[base]
		}
		if label == "" {
			label = words(base)
		}
		msg := label
		if idx != "" {
			msg += " (" + strings.TrimSuffix(idx, "]") + ")"
		}
		if i := strings.IndexByte(id, '.'); i >= 0 {
			id = id[:i]
		}
		if plain, ok := plainErrors[id]; ok && idx == "" && (fe.Reason == "missing" || strings.HasPrefix(fe.Reason, `"" is not`) ||
			strings.HasPrefix(fe.Reason, "name the details asked for")) {
			out = append(out, FieldError{id, plain})
			continue
		}
		out = append(out, FieldError{id, msg + ": " + strings.TrimSuffix(fe.Reason, ".")})
	}
	return out, true
}

// handleDisclosures lists requests: a liaison's own, or the DPO's queue
// (what waits for review and for a second approval first).
func (s *Server) handleDisclosures(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	p := principalOf(r.Context())
	ds, err := svc.List(r.Context(), disclosureActor(p), bonafide.DisclosureFilter{Limit: bonafide.MaxDisclosurePage})
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	type row struct {
		ID, Href, Force, Crime, Offence, Filed, Expires string
		Tag                                             stateTag
		Waiting                                         bool
	}
	v := struct {
		Liaison, Approver bool
		Waiting, Done     []row
	}{Liaison: p.User.Role.Can(bonafide.PermDisclosureRequest), Approver: p.User.Role.Can(bonafide.PermDisclosureApprove)}
	for _, d := range ds {
		rw := row{ID: d.ID, Href: "/disclosures/" + url.PathEscape(d.ID), Force: d.Request.Force, Crime: d.Request.CrimeReference,
			Offence: d.Request.Offence.Title(), Filed: when(d.Filed), Tag: disclosureTag(d.State)}
		if !d.State.Final() {
			rw.Expires = when(d.Expires)
		}
		waiting := d.State == bonafide.DisclosureMoreInfo
		if v.Approver {
			waiting = d.State == bonafide.DisclosureFiled || d.State == bonafide.DisclosureApproved
		}
		if waiting {
			v.Waiting = append(v.Waiting, rw)
		} else {
			v.Done = append(v.Done, rw)
		}
	}
	title := "Your disclosure requests"
	if v.Approver {
		title = "Police disclosure requests"
	}
	page := &Page{Title: title, Data: v}
	if r.URL.Query().Get("done") == "filed" {
		page.Banner = &Banner{Text: "Your request was filed. The data protection officer will review it.", Success: true}
	}
	s.render(w, r, "disclosures", page)
}

// handleDisclosureNew shows the request form.
func (s *Server) handleDisclosureNew(w http.ResponseWriter, r *http.Request) {
	f := requestForm{Min: bonafide.MinJustification, Referrals: strings.TrimSpace(r.URL.Query().Get("referral"))}
	s.render(w, r, "disclosure-new", &Page{Title: "Ask for a reporter's details", Data: f, Back: &Link{Href: "/disclosures", Text: "Back"}})
}

// handleDisclosureFile files the request (disclosure.Service.File): every
// field the domain checks is named in the error summary, a trawl too.
func (s *Server) handleDisclosureFile(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	f := readRequestForm(r)
	d, err := svc.File(r.Context(), disclosureActor(principalOf(r.Context())), f.domain())
	if err == nil {
		http.Redirect(w, r, "/disclosures/"+url.PathEscape(d.ID)+"?done=filed", http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(err, nil)
	if !ok {
		s.serviceError(w, r, err)
		return
	}
	s.render(w, r, "disclosure-new", &Page{Title: "Ask for a reporter's details", Data: f, Errors: errs, Back: &Link{Href: "/disclosures", Text: "Back"}})
}

// task is one step of a task list: its name, where it is done, its status.
type task struct {
	Name, Href, Hint string
	Status           stateTag
}

var (
	taskDone      = stateTag{"Completed", ""}
	taskTodo      = stateTag{"Not yet started", "govuk-tag--blue"}
	taskWaiting   = stateTag{"Waiting", "govuk-tag--light-blue"}
	taskCannot    = stateTag{"Cannot start yet", "govuk-tag--grey"}
	taskNotNeeded = stateTag{"Not needed", "govuk-tag--grey"}
)

// disclosureView is the request's page.
type disclosureView struct {
	D                             bonafide.Disclosure
	Tag                           stateTag
	Tasks                         []task
	Facts                         []fact
	Decision                      []fact
	Liaison, Approver, Own        bool
	CanAmend, CanApprove, FirstBy bool
	Download                      bool
	PackageExpires                string
	Note, DeclineReasons          string
	Min                           int
}

// handleDisclosure shows one request as a task list: filed, reviewed,
// second approval, released; with the liaison's amendment and download,
// and the second approver's form.
func (s *Server) handleDisclosure(w http.ResponseWriter, r *http.Request) {
	page, ok := s.disclosurePage(w, r, "", "")
	if !ok {
		return
	}
	switch r.URL.Query().Get("done") {
	case "filed":
		page.Banner = &Banner{Text: "Your request was filed. The data protection officer will review it.", Success: true}
	case "amended":
		page.Banner = &Banner{Text: "Your answer was sent. The request waits for review again.", Success: true}
	case "decided":
		page.Banner = &Banner{Text: "Your decision was recorded.", Success: true}
	case "released":
		page.Banner = &Banner{Text: "Released: the package is made, signed and waits for the police liaison to download it.", Success: true}
	case "declined":
		page.Banner = &Banner{Text: "Declined: nothing was released.", Success: true}
	}
	s.render(w, r, "disclosure", page)
}

func (s *Server) disclosurePage(w http.ResponseWriter, r *http.Request, note, reasons string) (*Page, bool) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return nil, false
	}
	p := principalOf(r.Context())
	d, err := svc.Get(r.Context(), disclosureActor(p), r.PathValue("id"))
	if err != nil {
		s.serviceError(w, r, err)
		return nil, false
	}
	v := disclosureView{D: d, Tag: disclosureTag(d.State), Liaison: p.User.Role.Can(bonafide.PermDisclosureRequest),
		Approver: p.User.Role.Can(bonafide.PermDisclosureApprove), Own: d.RequestedBy == p.Who(), Note: note, DeclineReasons: reasons,
		Min: bonafide.MinDecisionText}
	v.CanAmend = v.Liaison && v.Own && d.State == bonafide.DisclosureMoreInfo
	v.CanApprove = v.Approver && d.State == bonafide.DisclosureApproved && len(d.Approvals) == 1
	v.FirstBy = v.CanApprove && d.Approvals[0].By == p.Who()
	v.Download = v.Liaison && v.Own && d.State == bonafide.DisclosureReleased && d.Release != nil && s.cfg.Now().Before(d.Release.Expires)
	if d.Release != nil {
		v.PackageExpires = when(d.Release.Expires)
	}
	req := d.Request
	v.Facts = []fact{
		{"Police force", req.Force},
		{"Officer in the case", req.Officer + " (" + rankWords[req.OfficerRank] + ")"},
		{"Authorised by", req.AuthorisingOfficer + " (" + rankWords[req.AuthorisingRank] + ")"},
		{"Crime reference", req.CrimeReference},
		{"Offence", req.Offence.Title()},
		{"Legal basis", "Data Protection Act 2018, Schedule 2 Part 1 paragraph 2"},
		{"Referrals", strings.Join(d.Scope, ", ")},
	}
	if req.Family != "" {
		v.Facts = append(v.Facts, fact{"Family", req.Family})
	}
	v.Facts = append(v.Facts, fact{"Details asked for", sentence(fieldList(req.Fields))},
		fact{"Why it is necessary", req.Necessity}, fact{"Why it is proportionate", req.Proportionality},
		fact{"Filed", when(d.Filed) + " by " + strings.TrimPrefix(d.RequestedBy, "user:")})
	if !d.State.Final() {
		v.Facts = append(v.Facts, fact{"Lapses", when(d.Expires) + " if not decided"})
	}
	for i, n := range d.Notes {
		v.Facts = append(v.Facts, fact{fmt.Sprintf("Note %d", i+1), n})
	}
	if rv := d.Review; rv != nil {
		v.Decision = append(v.Decision, fact{"Decision", outcomeWords[rv.Outcome]}, fact{"By", strings.TrimPrefix(rv.By, "user:") + ", " + when(rv.At)})
		if rv.Outcome.Approves() {
			v.Decision = append(v.Decision, fact{"Details approved", sentence(fieldList(rv.Fields))}, fact{"Referrals approved", strings.Join(rv.Referrals, ", ")})
		}
		if v.Approver {
			v.Decision = append(v.Decision, fact{"Prejudice", rv.Prejudice}, fact{"Causal link", rv.CausalLink}, fact{"Likelihood", rv.Likelihood})
			if rv.GenuineWarning {
				v.Decision = append(v.Decision, fact{"Warning shown", "No referral of these reporters was found unfounded or malicious"})
			}
		}
		if rv.Reasons != "" {
			v.Decision = append(v.Decision, fact{"Reasons", rv.Reasons})
		}
	}
	for i, a := range d.Approvals {
		v.Decision = append(v.Decision, fact{fmt.Sprintf("Approval %d", i+1), fmt.Sprintf("%s, %s (audit entry %d)", strings.TrimPrefix(a.By, "user:"), when(a.At), a.AuditEntry)})
	}
	v.Tasks = disclosureTasks(d, v)
	title := "Disclosure request " + d.ID
	back := &Link{Href: "/disclosures", Text: "Back to the requests"}
	return &Page{Title: title, Data: v, Back: back}, true
}

// disclosureTasks is the request's way through its steps.
func disclosureTasks(d bonafide.Disclosure, v disclosureView) []task {
	href := "/disclosures/" + url.PathEscape(d.ID)
	file := task{Name: "File the request", Status: taskDone}
	review := task{Name: "Data protection officer's review", Hint: "The three-step test and a decision"}
	second := task{Name: "Second approval", Hint: "A second, different officer with a second factor"}
	release := task{Name: "Release the package", Hint: "Signed PDF and JSON of the approved details only"}
	switch d.State {
	case bonafide.DisclosureFiled:
		review.Status, second.Status, release.Status = taskTodo, taskCannot, taskCannot
		if v.Approver {
			review.Href = href + "/review"
		}
	case bonafide.DisclosureMoreInfo:
		review.Status, second.Status, release.Status = stateTag{"More information asked", "govuk-tag--yellow"}, taskCannot, taskCannot
		if v.CanAmend {
			review.Href = href + "#amend"
		}
	case bonafide.DisclosureApproved:
		review.Status, second.Status, release.Status = taskDone, taskWaiting, taskCannot
		if v.CanApprove {
			second.Href = href + "#approve"
		}
	case bonafide.DisclosureReleased:
		review.Status, second.Status, release.Status = taskDone, taskDone, taskDone
		if v.Download {
			release.Href = href + "#package"
		}
	case bonafide.DisclosureRefused, bonafide.DisclosureNCND:
		review.Status, release.Status = taskDone, taskNotNeeded
		second.Status = taskNotNeeded
		if len(d.Approvals) == 1 {
			second.Status = stateTag{"Declined", "govuk-tag--red"}
		}
	case bonafide.DisclosureExpired:
		review.Status, second.Status, release.Status = stateTag{"Lapsed", "govuk-tag--grey"}, taskNotNeeded, taskNotNeeded
	}
	return []task{file, review, second, release}
}

// handleDisclosureAmend answers the DPO's request for more information.
func (s *Server) handleDisclosureAmend(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	id, note := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("note"))
	_, err := svc.Amend(r.Context(), disclosureActor(principalOf(r.Context())), id, note, nil)
	if err == nil {
		http.Redirect(w, r, "/disclosures/"+url.PathEscape(id)+"?done=amended", http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(err, nil)
	if !ok {
		s.serviceError(w, r, err)
		return
	}
	page, ok := s.disclosurePage(w, r, note, "")
	if !ok {
		return
	}
	page.Errors = errs
	s.render(w, r, "disclosure", page)
}

// handleDisclosurePackage sends the released package to its liaison:
// ?format=pdf (the default) or json; each download is audited.
func (s *Server) handleDisclosurePackage(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	pkg, err := svc.Download(r.Context(), disclosureActor(principalOf(r.Context())), id)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	body, typ, ext := pkg.PDF, "application/pdf", "pdf"
	switch r.URL.Query().Get("format") {
	case "", "pdf":
	case "json":
		body, typ, ext = pkg.JSON, "application/json", "json"
	case "signature":
		body, typ, ext = pkg.Signature, "text/plain; charset=utf-8", "sig"
	default:
		s.errorPage(w, r, http.StatusBadRequest, "No such format", "The package comes as pdf, json or signature.")
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+"."+ext+`"`)
	w.Write(body) //nolint:errcheck // the client has gone
}

// reviewForm is the DPO's decision as typed.
type reviewForm struct {
	Prejudice, CausalLink, Likelihood, Outcome, Reasons string
	Fields, Referrals                                   []string
}

// reviewView is the review page: what the decision needs, without the
// identity, and the decision form.
type reviewView struct {
	D        bonafide.Disclosure
	Rows     []reviewRow
	Warning  string
	Form     reviewForm
	Outcomes []choice
	Fields   []choice
	Scope    []choice
	Min      int
	Facts    []fact
}

type reviewRow struct {
	ID, Reporter, Finding, Score string
	Flagged                      bool
	Linked                       []string
	FoundFalse                   int
	Signals                      []string
	LinkedBy                     []string
	Disclosed                    []string
}

// handleDisclosureReview shows the DPO's review (audited by the service).
func (s *Server) handleDisclosureReview(w http.ResponseWriter, r *http.Request) {
	s.showReview(w, r, reviewForm{}, nil)
}

func (s *Server) showReview(w http.ResponseWriter, r *http.Request, f reviewForm, errs []FieldError) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	rv, err := svc.Review(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	d := rv.Disclosure
	v := reviewView{D: d, Warning: rv.Warning, Form: f, Min: bonafide.MinDecisionText}
	for _, rr := range rv.Referrals {
		row := reviewRow{ID: rr.ID, Finding: words(rr.Finding), Score: fmt.Sprintf("%.2f", rr.Score), Flagged: rr.Flagged, FoundFalse: rr.FoundFalse, Disclosed: rr.Disclosed}
		switch {
		case !rr.HasReporter:
			row.Reporter = "No reporter recorded"
		case rr.Anonymous:
			row.Reporter = "Reporter asked to stay anonymous (sealed)"
		default:
			row.Reporter = "Reporter recorded (sealed)"
		}
		for _, l := range rr.Linked {
			row.Linked = append(row.Linked, l.ID+": "+words(l.Finding))
		}
		for _, sg := range rr.Signals {
			row.Signals = append(row.Signals, fmt.Sprintf("%s (weight %.2f)", words(sg.Signal), sg.Weight))
		}
		kinds := make([]string, 0, len(rr.LinkedBy))
		for k := range rr.LinkedBy {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			row.LinkedBy = append(row.LinkedBy, fmt.Sprintf("%s shared with %d other referrals", words(k), rr.LinkedBy[k]))
		}
		v.Rows = append(v.Rows, row)
	}
	for i, o := range bonafide.ReviewOutcomes {
		id := "outcome"
		if i > 0 {
			id = fmt.Sprintf("outcome-%d", i+1)
		}
		v.Outcomes = append(v.Outcomes, choice{ID: id, Value: string(o), Text: outcomeWords[o], Checked: f.Outcome == string(o)})
	}
	v.Fields = fieldChoices("approve_fields", d.Request.Fields, f.Fields)
	for i, id := range d.Scope {
		cid := "approve_referrals"
		if i > 0 {
			cid = fmt.Sprintf("approve_referrals-%d", i+1)
		}
		v.Scope = append(v.Scope, choice{ID: cid, Value: id, Text: id, Checked: slices.Contains(f.Referrals, id)})
	}
	v.Facts = []fact{{"Police force", d.Request.Force}, {"Crime reference", d.Request.CrimeReference}, {"Offence", d.Request.Offence.Title()},
		{"Details asked for", sentence(fieldList(d.Request.Fields))}, {"Why it is necessary", d.Request.Necessity}, {"Why it is proportionate", d.Request.Proportionality}}
	for i, n := range d.Notes {
		v.Facts = append(v.Facts, fact{fmt.Sprintf("Police note %d", i+1), n})
	}
	s.render(w, r, "disclosure-review", &Page{Title: "Review disclosure request " + d.ID, Data: v, Errors: errs,
		Back: &Link{Href: "/disclosures/" + url.PathEscape(d.ID), Text: "Back to the request"}})
}

// handleDisclosureDecide records the three-step test and the decision.
func (s *Server) handleDisclosureDecide(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := reviewForm{Prejudice: v("prejudice"), CausalLink: v("causal_link"), Likelihood: v("likelihood"), Outcome: v("outcome"),
		Reasons: v("reasons"), Fields: r.PostForm["approve_fields"], Referrals: r.PostForm["approve_referrals"]}
	review := bonafide.DisclosureReview{Prejudice: f.Prejudice, CausalLink: f.CausalLink, Likelihood: f.Likelihood,
		Outcome: bonafide.ReviewOutcome(f.Outcome), Reasons: f.Reasons, Referrals: f.Referrals}
	for _, fd := range f.Fields {
		review.Fields = append(review.Fields, bonafide.DisclosureField(fd))
	}
	if review.Outcome != bonafide.ReviewApprovePart {
		review.Fields, review.Referrals = nil, nil
	}
	id := r.PathValue("id")
	_, err := svc.Decide(r.Context(), disclosureActor(principalOf(r.Context())), id, review)
	if err == nil {
		http.Redirect(w, r, "/disclosures/"+url.PathEscape(id)+"?done=decided", http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(err, map[string]string{"fields": "approve_fields", "referrals": "approve_referrals"})
	if !ok {
		s.serviceError(w, r, err)
		return
	}
	s.showReview(w, r, f, errs)
}

// handleDisclosureApprove is the second approval: the service refuses the
// first approver, a login without a second factor and an expired request.
func (s *Server) handleDisclosureApprove(w http.ResponseWriter, r *http.Request) {
	s.secondStep(w, r, true)
}

// handleDisclosureDecline is the second approver's refusal, with reasons.
func (s *Server) handleDisclosureDecline(w http.ResponseWriter, r *http.Request) {
	s.secondStep(w, r, false)
}

func (s *Server) secondStep(w http.ResponseWriter, r *http.Request, approve bool) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	id, reasons := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("reasons"))
	a := disclosureActor(principalOf(r.Context()))
	var err error
	done := "released"
	if approve {
		_, err = svc.Approve(r.Context(), a, id)
	} else {
		done = "declined"
		_, err = svc.Decline(r.Context(), a, id, reasons)
	}
	if err == nil {
		http.Redirect(w, r, "/disclosures/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(err, nil)
	switch {
	case ok:
	case bonafide.ErrorCode(err) == bonafide.EForbidden || bonafide.ErrorCode(err) == bonafide.EConflict:
		errs = []FieldError{{"approve", sentence(bonafide.ErrorMessage(err))}}
	default:
		s.serviceError(w, r, err)
		return
	}
	page, ok := s.disclosurePage(w, r, "", reasons)
	if !ok {
		return
	}
	page.Errors = errs
	s.render(w, r, "disclosure", page)
}

// handleDisclosureLog shows the disclosure log of a period (this calendar
// year by default) with the counts of the DPO's annual report.
func (s *Server) handleDisclosureLog(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	now := s.cfg.Now().UTC()
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	var errs []FieldError
	parse := func(k string, into *time.Time) {
		v := strings.TrimSpace(r.URL.Query().Get(k))
		if v == "" {
			return
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs = append(errs, FieldError{k, words(k) + ": enter a date like 2026-04-01"})
			return
		}
		*into = t
	}
	parse("from", &from)
	parse("to", &to)
	if len(errs) == 0 && !to.After(from) {
		errs = append(errs, FieldError{"to", "To: the end must be after the start"})
	}
	type count struct {
		Key string
		N   int
	}
	type entry struct {
		ID, Href, Filed, Force, Offence, RequestedBy, DecidedBy, Released, ReleasedAt string
		Tag                                                                           stateTag
	}
	v := struct {
		From, To                            string
		Entries                             []entry
		ByState, ByOffence, ByForce, Fields []count
		Reporters, Total                    int
	}{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	if len(errs) == 0 {
		l, err := svc.DisclosureLog(r.Context(), disclosureActor(principalOf(r.Context())), from, to)
		if err != nil {
			s.serviceError(w, r, err)
			return
		}
		v.Reporters, v.Total = l.Reporters, len(l.Entries)
		for _, e := range l.Entries {
			var by []string
			for _, b := range e.DecidedBy {
				by = append(by, strings.TrimPrefix(b, "user:"))
			}
			v.Entries = append(v.Entries, entry{ID: e.ID, Href: "/disclosures/" + url.PathEscape(e.ID), Filed: when(e.Filed), Force: e.Force,
				Offence: e.Offence.Title(), RequestedBy: strings.TrimPrefix(e.RequestedBy, "user:"), DecidedBy: strings.Join(by, ", "),
				Released: sentence(fieldList(e.Released)), ReleasedAt: when(e.ReleasedAt), Tag: disclosureTag(e.State)})
		}
		for _, st := range bonafide.DisclosureStates {
			if n := l.ByState[st]; n > 0 {
				v.ByState = append(v.ByState, count{disclosureTag(st).Text, n})
			}
		}
		for _, o := range bonafide.Offences {
			if n := l.ByOffence[o]; n > 0 {
				v.ByOffence = append(v.ByOffence, count{o.Title(), n})
			}
		}
		forces := make([]string, 0, len(l.ByForce))
		for f := range l.ByForce {
			forces = append(forces, f)
		}
		slices.Sort(forces)
		for _, f := range forces {
			v.ByForce = append(v.ByForce, count{f, l.ByForce[f]})
		}
		for _, f := range bonafide.DisclosureFields {
			if n := l.Fields[f]; n > 0 {
				v.Fields = append(v.Fields, count{fieldWords[f], n})
			}
		}
	}
	s.render(w, r, "disclosure-log", &Page{Title: "Disclosure log", Data: v, Errors: errs})
}
