package httpapi

import (
	"net/http"
	"time"

	"bonafide"
	"bonafide/disclosure"
)

// This file is the face of lawful disclosure to the police: decode, call
// disclosure.Service, encode. The rules (validation, the three-step test,
// the two-person rule, expiry, who may download) are the service's.

// disclosureActor is the principal as the disclosure service sees it:
// whether their second factor is enrolled and was passed at this login.
func disclosureActor(p *principal) disclosure.Actor {
	return disclosure.Actor{Who: p.Who(), Role: p.User.Role, TOTPEnrolled: p.User.TOTPConfirmed,
		SecondFactor: p.Session != nil && p.Session.SecondFactor}
}

func (s *Server) disclosures(w http.ResponseWriter, r *http.Request) (*disclosure.Service, bool) {
	if s.Disclosures == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "disclosure is not configured"))
		return nil, false
	}
	return s.Disclosures, true
}

// PoliceRequestBody is a police disclosure request as filed.
type PoliceRequestBody struct {
	Force              string                     `json:"force"`
	Officer            string                     `json:"officer"`
	OfficerRank        bonafide.PoliceRank        `json:"officer_rank"`
	AuthorisingOfficer string                     `json:"authorising_officer"`
	AuthorisingRank    bonafide.PoliceRank        `json:"authorising_rank"`
	CrimeReference     string                     `json:"crime_reference"`
	Offence            bonafide.Offence           `json:"offence"`
	LegalBasis         string                     `json:"legal_basis"`
	Referrals          []string                   `json:"referrals,omitempty"`
	Family             string                     `json:"family,omitempty"`
	Fields             []bonafide.DisclosureField `json:"fields"`
	Necessity          string                     `json:"necessity"`
	Proportionality    string                     `json:"proportionality"`
}

func (b PoliceRequestBody) domain() bonafide.PoliceRequest {
	return bonafide.PoliceRequest{Force: b.Force, Officer: b.Officer, OfficerRank: b.OfficerRank, AuthorisingOfficer: b.AuthorisingOfficer,
		AuthorisingRank: b.AuthorisingRank, CrimeReference: b.CrimeReference, Offence: b.Offence, LegalBasis: b.LegalBasis,
		Referrals: b.Referrals, Family: b.Family, Fields: b.Fields, Necessity: b.Necessity, Proportionality: b.Proportionality}
}

func requestBody(r bonafide.PoliceRequest) PoliceRequestBody {
	return PoliceRequestBody{Force: r.Force, Officer: r.Officer, OfficerRank: r.OfficerRank, AuthorisingOfficer: r.AuthorisingOfficer,
		AuthorisingRank: r.AuthorisingRank, CrimeReference: r.CrimeReference, Offence: r.Offence, LegalBasis: r.LegalBasis,
		Referrals: r.Referrals, Family: r.Family, Fields: r.Fields, Necessity: r.Necessity, Proportionality: r.Proportionality}
}

// ReviewBody is the DPO's decision on a request.
type ReviewBody struct {
	Outcome    bonafide.ReviewOutcome     `json:"outcome"`
	Prejudice  string                     `json:"prejudice,omitempty"`
	CausalLink string                     `json:"causal_link,omitempty"`
	Likelihood string                     `json:"likelihood,omitempty"`
	Fields     []bonafide.DisclosureField `json:"fields,omitempty"`
	Referrals  []string                   `json:"referrals,omitempty"`
	Reasons    string                     `json:"reasons,omitempty"`
}

// ReviewRecord is a recorded review.
type ReviewRecord struct {
	ReviewBody
	By             string    `json:"by"`
	At             time.Time `json:"at"`
	GenuineWarning bool      `json:"genuine_warning"`
	AuditEntry     int64     `json:"audit_entry"`
}

// ApprovalView is one approval.
type ApprovalView struct {
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	AuditEntry int64     `json:"audit_entry"`
}

// ReleaseView says what was released.
type ReleaseView struct {
	At        time.Time                  `json:"at"`
	Expires   time.Time                  `json:"download_until"`
	SHA256    string                     `json:"sha256"`
	PDFSHA256 string                     `json:"pdf_sha256"`
	Referrals int                        `json:"referrals"`
	Fields    []bonafide.DisclosureField `json:"fields"`
}

// DisclosureView is a request as the API shows it. It never holds a
// reporter's detail: those are only in the package.
type DisclosureView struct {
	ID           string                   `json:"id"`
	State        bonafide.DisclosureState `json:"state"`
	Request      PoliceRequestBody        `json:"request"`
	RequestedBy  string                   `json:"requested_by"`
	Filed        time.Time                `json:"filed"`
	Updated      time.Time                `json:"updated"`
	Expires      time.Time                `json:"expires"`
	Scope        []string                 `json:"scope"`
	Review       *ReviewRecord            `json:"review,omitempty"`
	Approvals    []ApprovalView           `json:"approvals"`
	Release      *ReleaseView             `json:"release,omitempty"`
	Notes        []string                 `json:"notes"`
	Version      int                      `json:"version"`
	AuditEntries []int64                  `json:"audit_entries"`
}

func disclosureView(d bonafide.Disclosure) DisclosureView {
	v := DisclosureView{ID: d.ID, State: d.State, Request: requestBody(d.Request), RequestedBy: d.RequestedBy, Filed: d.Filed,
		Updated: d.Updated, Expires: d.Expires, Scope: d.Scope, Approvals: []ApprovalView{}, Notes: d.Notes, Version: d.Version,
		AuditEntries: d.AuditEntries}
	if v.Notes == nil {
		v.Notes = []string{}
	}
	if rv := d.Review; rv != nil {
		v.Review = &ReviewRecord{ReviewBody: ReviewBody{Outcome: rv.Outcome, Prejudice: rv.Prejudice, CausalLink: rv.CausalLink,
			Likelihood: rv.Likelihood, Fields: rv.Fields, Referrals: rv.Referrals, Reasons: rv.Reasons},
			By: rv.By, At: rv.At, GenuineWarning: rv.GenuineWarning, AuditEntry: rv.AuditEntry}
	}
	for _, a := range d.Approvals {
		v.Approvals = append(v.Approvals, ApprovalView(a))
	}
	if rl := d.Release; rl != nil {
		v.Release = &ReleaseView{At: rl.At, Expires: rl.Expires, SHA256: rl.SHA256, PDFSHA256: rl.PDFSHA256, Referrals: rl.Referrals, Fields: rl.Fields}
	}
	return v
}

// handleDisclosureFile files a police liaison's request (201).
func (s *Server) handleDisclosureFile(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	var body PoliceRequestBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.error(w, r, err)
		return
	}
	d, err := svc.File(r.Context(), disclosureActor(principalOf(r.Context())), body.domain())
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/disclosures/"+d.ID)
	writeJSON(w, "application/json", http.StatusCreated, disclosureView(d))
}

// DisclosureList is the body of GET /api/v1/disclosures.
type DisclosureList struct {
	Disclosures []DisclosureView `json:"disclosures"`
}

// handleDisclosureList lists requests: a liaison's own, or all for the DPO.
func (s *Server) handleDisclosureList(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	f := bonafide.DisclosureFilter{}
	if st := r.URL.Query().Get("state"); st != "" {
		if !bonafide.DisclosureState(st).Valid() {
			s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "state", Reason: "not a disclosure state"}}})
			return
		}
		f.States = []bonafide.DisclosureState{bonafide.DisclosureState(st)}
	}
	ds, err := svc.List(r.Context(), disclosureActor(principalOf(r.Context())), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := DisclosureList{Disclosures: []DisclosureView{}}
	for _, d := range ds {
		out.Disclosures = append(out.Disclosures, disclosureView(d))
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// handleDisclosureGet shows one request to its liaison or the DPO.
func (s *Server) handleDisclosureGet(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	d, err := svc.Get(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, disclosureView(d))
}

// AmendBody answers the DPO's request for more information.
type AmendBody struct {
	Note    string             `json:"note"`
	Request *PoliceRequestBody `json:"request,omitempty"`
}

func (s *Server) handleDisclosureAmend(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	var body AmendBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.error(w, r, err)
		return
	}
	var req *bonafide.PoliceRequest
	if body.Request != nil {
		d := body.Request.domain()
		req = &d
	}
	d, err := svc.Amend(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"), body.Note, req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, disclosureView(d))
}

// ReviewReferralView is one referral of a review, reporter sealed.
type ReviewReferralView struct {
	ID          string             `json:"id"`
	HasReporter bool               `json:"has_reporter"`
	Anonymous   bool               `json:"anonymous"`
	Finding     string             `json:"finding"`
	Linked      []LinkedReferral   `json:"linked"`
	FoundFalse  int                `json:"found_false"`
	Score       float64            `json:"score"`
	Flagged     bool               `json:"flagged"`
	Signals     []disclosureSignal `json:"signals"`
	LinkedBy    map[string]int     `json:"linked_by"`
	Disclosed   []string           `json:"disclosed_before"`
}

type disclosureSignal struct {
	Signal   string  `json:"signal"`
	Weight   float64 `json:"weight"`
	Evidence string  `json:"evidence"`
}

// ReviewPage is the body of GET /api/v1/disclosures/{id}/review.
type ReviewPage struct {
	Disclosure DisclosureView       `json:"disclosure"`
	Referrals  []ReviewReferralView `json:"referrals"`
	Warning    string               `json:"warning,omitempty"`
}

func (s *Server) handleDisclosureReview(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	v, err := svc.Review(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := ReviewPage{Disclosure: disclosureView(v.Disclosure), Referrals: []ReviewReferralView{}, Warning: v.Warning}
	for _, rr := range v.Referrals {
		rv := ReviewReferralView{ID: rr.ID, HasReporter: rr.HasReporter, Anonymous: rr.Anonymous, Finding: rr.Finding, Linked: []LinkedReferral{},
			FoundFalse: rr.FoundFalse, Score: rr.Score, Flagged: rr.Flagged, Signals: []disclosureSignal{}, LinkedBy: rr.LinkedBy, Disclosed: rr.Disclosed}
		for _, l := range rr.Linked {
			rv.Linked = append(rv.Linked, LinkedReferral{ID: l.ID, Finding: l.Finding})
		}
		for _, sg := range rr.Signals {
			rv.Signals = append(rv.Signals, disclosureSignal(sg))
		}
		if rv.Disclosed == nil {
			rv.Disclosed = []string{}
		}
		out.Referrals = append(out.Referrals, rv)
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (s *Server) handleDisclosureDecide(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	var b ReviewBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.error(w, r, err)
		return
	}
	d, err := svc.Decide(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"), bonafide.DisclosureReview{
		Outcome: b.Outcome, Prejudice: b.Prejudice, CausalLink: b.CausalLink, Likelihood: b.Likelihood, Fields: b.Fields,
		Referrals: b.Referrals, Reasons: b.Reasons})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, disclosureView(d))
}

func (s *Server) handleDisclosureApprove(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	d, err := svc.Approve(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, disclosureView(d))
}

// DeclineBody is the second approver's refusal.
type DeclineBody struct {
	Reasons string `json:"reasons"`
}

func (s *Server) handleDisclosureDecline(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	var b DeclineBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.error(w, r, err)
		return
	}
	d, err := svc.Decline(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"), b.Reasons)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, disclosureView(d))
}

// handleDisclosurePackage gives the requesting liaison the package: the
// JSON (default), ?format=pdf, or ?format=signature (the signed note).
func (s *Server) handleDisclosurePackage(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "pdf" && format != "signature" {
		s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "format", Reason: "one of json, pdf, signature"}}})
		return
	}
	p, err := svc.Download(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+p.DisclosureID+`.pdf"`)
		w.Write(p.PDF) //nolint:errcheck // the client has gone
	case "signature":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(p.Signature) //nolint:errcheck // the client has gone
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Package-SHA256", p.SHA256)
		w.Write(p.JSON) //nolint:errcheck // the client has gone
	}
}

// DisclosureLogView is the body of GET /api/v1/disclosure-log.
type DisclosureLogView struct {
	From      time.Time                        `json:"from"`
	To        time.Time                        `json:"to"`
	Entries   []disclosure.LogEntry            `json:"entries"`
	ByState   map[bonafide.DisclosureState]int `json:"by_state"`
	ByOffence map[bonafide.Offence]int         `json:"by_offence"`
	ByForce   map[string]int                   `json:"by_force"`
	Reporters int                              `json:"reporters_disclosed"`
	Fields    map[bonafide.DisclosureField]int `json:"fields_released"`
}

// handleDisclosureLog gives the disclosure log of [from, to) (dates; the
// past year by default) with its counts.
func (s *Server) handleDisclosureLog(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	now := s.Now().UTC()
	// By default the year up to and including today.
	to := now.Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(-1, 0, 0)
	for _, q := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(q.name); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: q.name, Reason: "a date, YYYY-MM-DD"}}})
				return
			}
			*q.t = t
		}
	}
	l, err := svc.DisclosureLog(r.Context(), disclosureActor(principalOf(r.Context())), from, to)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := DisclosureLogView{From: l.From, To: l.To, Entries: l.Entries, ByState: l.ByState, ByOffence: l.ByOffence, ByForce: l.ByForce,
		Reporters: l.Reporters, Fields: l.Fields}
	if out.Entries == nil {
		out.Entries = []disclosure.LogEntry{}
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// DisclosureKey is the body of GET /api/v1/disclosure-key: the public key
// disclosure packages are signed with (a note verifier key,
// golang.org/x/mod/sumdb/note), published so that anyone can check one.
type DisclosureKey struct {
	VerifierKey string `json:"verifier_key"`
}

func (s *Server) handleDisclosureKey(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	k, err := svc.VerifierKey()
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, DisclosureKey{VerifierKey: k})
}
