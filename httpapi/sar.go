package httpapi

import (
	"net/http"
	"time"

	"bonafide"
	"bonafide/disclosure"
)

// This file is the face of subject access requests: decode, call
// disclosure.Service, encode.

// SARPersonBody is a person a SAR is about.
type SARPersonBody struct {
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	DOB        string `json:"dob,omitempty"`
}

func (p SARPersonBody) domain(field string) (bonafide.SARPerson, error) {
	out := bonafide.SARPerson{GivenName: p.GivenName, FamilyName: p.FamilyName}
	if p.DOB != "" {
		d, err := bonafide.ParsePartialDate(p.DOB)
		if err != nil {
			return out, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: field + ".dob", Reason: err.Error()}}}
		}
		out.DOB = d
	}
	return out, nil
}

// SAROpenBody opens a subject access request.
type SAROpenBody struct {
	Requester SARPersonBody   `json:"requester"`
	Children  []SARPersonBody `json:"children,omitempty"`
	Family    string          `json:"family,omitempty"`
	Referrals []string        `json:"referrals,omitempty"`
	Received  time.Time       `json:"received"`
}

// SARPartView is one part of a gathered document.
type SARPartView struct {
	ID           string                 `json:"id"`
	Label        string                 `json:"label"`
	Text         string                 `json:"text"`
	Code         bonafide.RedactionCode `json:"code"`
	Locked       bool                   `json:"locked"`
	ChangedBy    string                 `json:"changed_by,omitempty"`
	ChangeReason string                 `json:"change_reason,omitempty"`
}

// SARDocumentView is one gathered document.
type SARDocumentView struct {
	N          int           `json:"n"`
	Title      string        `json:"title"`
	ReferralID string        `json:"referral_id"`
	Date       time.Time     `json:"date"`
	Parts      []SARPartView `json:"parts"`
}

// SARView is a subject access request as the DPO sees it. Parts holding a
// reporter's detail have it masked: no sealed value is in a SAR.
type SARView struct {
	ID              string            `json:"id"`
	State           bonafide.SARState `json:"state"`
	Requester       string            `json:"requester"`
	Received        time.Time         `json:"received"`
	Due             time.Time         `json:"due"`
	ExtendedMonths  int               `json:"extended_months"`
	ExtensionReason string            `json:"extension_reason,omitempty"`
	OpenedBy        string            `json:"opened_by"`
	SignedOffBy     string            `json:"signed_off_by,omitempty"`
	BundleSHA256    string            `json:"bundle_sha256,omitempty"`
	Documents       []SARDocumentView `json:"documents"`
	Version         int               `json:"version"`
}

func (s *Server) sarView(sar bonafide.SAR) SARView {
	v := SARView{ID: sar.ID, State: sar.State, Requester: sar.Requester.FullName(), Received: sar.Received, Due: sar.Due(s.Now().UTC()),
		ExtendedMonths: sar.ExtendedMonths, ExtensionReason: sar.ExtensionReason, OpenedBy: sar.OpenedBy, SignedOffBy: sar.SignedOffBy,
		BundleSHA256: sar.BundleSHA, Documents: []SARDocumentView{}, Version: sar.Version}
	for _, d := range sar.Documents {
		dv := SARDocumentView{N: d.N, Title: d.Title, ReferralID: d.ReferralID, Date: d.Date, Parts: []SARPartView{}}
		for _, p := range d.Parts {
			dv.Parts = append(dv.Parts, SARPartView(p))
		}
		v.Documents = append(v.Documents, dv)
	}
	return v
}

func (s *Server) handleSAROpen(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	var b SAROpenBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.error(w, r, err)
		return
	}
	req, err := b.Requester.domain("requester")
	if err != nil {
		s.error(w, r, err)
		return
	}
	sar := bonafide.SAR{Requester: req, Family: b.Family, Referrals: b.Referrals, Received: b.Received}
	for _, c := range b.Children {
		p, err := c.domain("children")
		if err != nil {
			s.error(w, r, err)
			return
		}
		sar.Children = append(sar.Children, p)
	}
	out, err := svc.OpenSAR(r.Context(), disclosureActor(principalOf(r.Context())), sar)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/sars/"+out.ID)
	writeJSON(w, "application/json", http.StatusCreated, s.sarView(out))
}

func (s *Server) handleSARGet(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	out, err := svc.GetSAR(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, s.sarView(out))
}

// SARActionBody is one step on a SAR: action redact (part, code, reason),
// stop_clock or start_clock (reason), extend (months, reason), sign_off or
// produce.
type SARActionBody struct {
	Action string                 `json:"action"`
	Part   string                 `json:"part,omitempty"`
	Code   bonafide.RedactionCode `json:"code,omitempty"`
	Months int                    `json:"months,omitempty"`
	Reason string                 `json:"reason,omitempty"`
}

func (s *Server) handleSARAction(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	var b SARActionBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.error(w, r, err)
		return
	}
	ctx, a, id := r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id")
	var out bonafide.SAR
	var err error
	switch b.Action {
	case "redact":
		out, err = svc.Redact(ctx, a, id, disclosure.SARChange{Part: b.Part, Code: b.Code, Reason: b.Reason})
	case "stop_clock", "start_clock":
		out, err = svc.Clarify(ctx, a, id, b.Action == "stop_clock", b.Reason)
	case "extend":
		out, err = svc.Extend(ctx, a, id, b.Months, b.Reason)
	case "sign_off":
		out, err = svc.SignOff(ctx, a, id)
	case "produce":
		out, err = svc.Produce(ctx, a, id)
	default:
		err = &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "action",
			Reason: "one of redact, stop_clock, start_clock, extend, sign_off, produce"}}}
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, s.sarView(out))
}

func (s *Server) handleSARBundle(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.disclosures(w, r)
	if !ok {
		return
	}
	pdf, err := svc.Bundle(r.Context(), disclosureActor(principalOf(r.Context())), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("id")+`.pdf"`)
	w.Write(pdf) //nolint:errcheck // the client has gone
}
