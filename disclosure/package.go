package disclosure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"bonafide"
	"bonafide/report"
)

// PackageFormat names the JSON format of a disclosure package.
const PackageFormat = "bonafide-disclosure-package/1"

// Package is the JSON of a disclosure package: the request, the review,
// both approvals, the audit entries that record them, and for each
// released referral only the approved details of its reporter.
type Package struct {
	Format       string         `json:"format"`
	ID           string         `json:"id"`
	Agency       string         `json:"agency"`
	Released     time.Time      `json:"released_at"`
	Expires      time.Time      `json:"download_until"`
	Request      PackageRequest `json:"request"`
	Review       PackageReview  `json:"review"`
	Approvals    []Approval     `json:"approvals"`
	AuditEntries []int64        `json:"audit_entries"`
	Reporters    []Released     `json:"reporters"`
}

// PackageRequest is the request as the package restates it.
type PackageRequest struct {
	Force              string   `json:"force"`
	Officer            string   `json:"officer"`
	OfficerRank        string   `json:"officer_rank"`
	AuthorisingOfficer string   `json:"authorising_officer"`
	AuthorisingRank    string   `json:"authorising_rank"`
	CrimeReference     string   `json:"crime_reference"`
	Offence            string   `json:"offence"`
	LegalBasis         string   `json:"legal_basis"`
	Referrals          []string `json:"referrals,omitempty"`
	Family             string   `json:"family,omitempty"`
	Fields             []string `json:"fields"`
	Necessity          string   `json:"necessity"`
	Proportionality    string   `json:"proportionality"`
	Filed              string   `json:"filed_at"`
	RequestedBy        string   `json:"requested_by"`
}

// PackageReview is the DPO's recorded test and decision.
type PackageReview struct {
	Outcome    string   `json:"outcome"`
	Prejudice  string   `json:"prejudice"`
	CausalLink string   `json:"causal_link"`
	Likelihood string   `json:"likelihood"`
	Reasons    string   `json:"reasons,omitempty"`
	Fields     []string `json:"fields_approved"`
	By         string   `json:"by"`
	At         string   `json:"at"`
}

// Approval is one of the two approvals.
type Approval struct {
	By         string `json:"by"`
	At         string `json:"at"`
	AuditEntry int64  `json:"audit_entry"`
}

// Released is one referral's reporter, approved details only.
type Released struct {
	ReferralID string            `json:"referral_id"`
	Details    map[string]string `json:"details"`
	// Note says when nothing is held: no reporter, or none of the
	// approved details.
	Note string `json:"note,omitempty"`
}

func strs[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	return out
}

// makePackage builds, renders and signs d's package and sets d.Release.
func (s *Service) makePackage(ctx context.Context, d *bonafide.Disclosure, now time.Time) (bonafide.DisclosurePackage, error) {
	ttl := s.PackageTTL
	if ttl == 0 {
		ttl = DefaultPackageTTL
	}
	rv := d.Review
	r := d.Request
	p := Package{Format: PackageFormat, ID: d.ID, Agency: s.agency(), Released: now, Expires: now.Add(ttl),
		Request: PackageRequest{Force: r.Force, Officer: r.Officer, OfficerRank: string(r.OfficerRank), AuthorisingOfficer: r.AuthorisingOfficer,
			AuthorisingRank: string(r.AuthorisingRank), CrimeReference: r.CrimeReference, Offence: r.Offence.Title(), LegalBasis: r.LegalBasis,
			Referrals: r.Referrals, Family: r.Family, Fields: strs(r.Fields), Necessity: r.Necessity, Proportionality: r.Proportionality,
			Filed: d.Filed.Format(time.RFC3339), RequestedBy: d.RequestedBy},
		Review: PackageReview{Outcome: string(rv.Outcome), Prejudice: rv.Prejudice, CausalLink: rv.CausalLink, Likelihood: rv.Likelihood,
			Reasons: rv.Reasons, Fields: strs(rv.Fields), By: rv.By, At: rv.At.Format(time.RFC3339)},
		AuditEntries: d.AuditEntries, Reporters: []Released{}}
	for _, a := range d.Approvals {
		p.Approvals = append(p.Approvals, Approval{By: a.By, At: a.At.Format(time.RFC3339), AuditEntry: a.AuditEntry})
	}
	for _, id := range rv.Referrals {
		st, err := s.Referrals.ReferralByID(ctx, id)
		if err != nil {
			return bonafide.DisclosurePackage{}, err
		}
		rel := Released{ReferralID: id, Details: map[string]string{}}
		ref, _ := st.Record.(*bonafide.Referral)
		var rep *bonafide.Reporter
		if ref != nil {
			rep = ref.Reporter
		}
		for _, f := range rv.Fields {
			if v := f.Of(rep); v != "" {
				rel.Details[string(f)] = v
			}
		}
		if len(rel.Details) == 0 {
			rel.Note = "none of the approved details is held for this referral's reporter"
		}
		p.Reporters = append(p.Reporters, rel)
	}
	body, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return bonafide.DisclosurePackage{}, fmt.Errorf("encode package: %w", err)
	}
	body = append(body, '\n')
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	pdf, err := report.RenderPDF(packageLetter(p))
	if err != nil {
		return bonafide.DisclosurePackage{}, fmt.Errorf("render package: %w", err)
	}
	sig, err := s.Signer.Sign(SignedText(d.ID, hexSum))
	if err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	pdfSum := sha256.Sum256(pdf)
	d.Release = &bonafide.DisclosureRelease{At: now, Expires: p.Expires, SHA256: hexSum, PDFSHA256: hex.EncodeToString(pdfSum[:]),
		Referrals: len(p.Reporters), Fields: rv.Fields}
	return bonafide.DisclosurePackage{DisclosureID: d.ID, Created: now, Expires: p.Expires, Liaison: d.RequestedBy,
		JSON: body, PDF: pdf, Signature: sig, SHA256: hexSum}, nil
}

// SignedText is the statement a package's signature covers: its id and
// the SHA-256 of its JSON. Check a package with note.Open against the
// published verifier key, then compare the hash with the JSON's.
func SignedText(id, sha string) string {
	return "bonafide disclosure package\n" + id + "\nsha256 " + sha + "\n"
}

// packageLetter lays the package out for the PDF.
func packageLetter(p Package) report.Letter {
	r := p.Request
	l := report.Letter{
		From: report.Sender{Agency: p.Agency, Team: "Data Protection Team"},
		To:   report.Recipient{Name: r.Officer + " (" + strings.ReplaceAll(r.OfficerRank, "_", " ") + "), " + r.Force},
		Date: p.Released,
		References: []report.Reference{{Label: "Disclosure", Value: p.ID}, {Label: "Crime reference", Value: r.CrimeReference},
			{Label: "Download until", Value: p.Expires.Format("2 January 2006")}},
		Subject:    "Disclosure under DPA 2018 Schedule 2 Part 1 paragraph 2",
		Salutation: "Dear " + r.Officer + ",",
		Marking:    "OFFICIAL-SENSITIVE",
		Footer:     "Signed package " + p.ID + ": check its SHA-256 against the signed statement and the audit log.",
		Closing:    "Yours sincerely,",
		Signatory:  report.Signatory{Name: strings.TrimPrefix(p.Review.By, "user:"), Role: "Data Protection Officer"},
	}
	b := []report.Block{
		report.Paragraph("You asked for details of the person who made one or more referrals, for an investigation under the " + r.Offence +
			". We have weighed the request and release the details below, and only those."),
		report.Heading("Your request"),
		report.Bullets("Force: "+r.Force, "Officer: "+r.Officer+" ("+r.OfficerRank+")",
			"Authorised by: "+r.AuthorisingOfficer+" ("+strings.ReplaceAll(r.AuthorisingRank, "_", " ")+")",
			"Legal basis: DPA 2018 Schedule 2 Part 1 paragraph 2", "Details asked for: "+strings.Join(r.Fields, ", "),
			"Filed: "+r.Filed+" by "+r.RequestedBy),
		report.Paragraph("Necessity: " + r.Necessity),
		report.Paragraph("Proportionality: " + r.Proportionality),
		report.Heading("Our decision"),
		report.Bullets("Outcome: "+strings.ReplaceAll(p.Review.Outcome, "_", " "), "Details approved: "+strings.Join(p.Review.Fields, ", ")),
		report.Paragraph("Prejudice: " + p.Review.Prejudice),
		report.Paragraph("Causal link: " + p.Review.CausalLink),
		report.Paragraph("Likelihood: " + p.Review.Likelihood),
	}
	if p.Review.Reasons != "" {
		b = append(b, report.Paragraph("Reasons: "+p.Review.Reasons))
	}
	b = append(b, report.Heading("Details released"))
	for _, rel := range p.Reporters {
		items := []string{}
		for _, f := range p.Review.Fields {
			if v, ok := rel.Details[f]; ok {
				items = append(items, f+": "+v)
			}
		}
		if rel.Note != "" {
			items = append(items, rel.Note)
		}
		b = append(b, report.Paragraph("Referral "+rel.ReferralID+":"), report.Bullets(items...))
	}
	var approvals []string
	for i, a := range p.Approvals {
		approvals = append(approvals, fmt.Sprintf("Approval %d: %s at %s (audit entry %d)", i+1, a.By, a.At, a.AuditEntry))
	}
	entries := make([]string, len(p.AuditEntries))
	for i, n := range p.AuditEntries {
		entries[i] = fmt.Sprint(n)
	}
	approvals = append(approvals, "Audit entries: "+strings.Join(entries, ", "))
	b = append(b, report.Heading("Approvals"), report.Bullets(approvals...),
		report.Paragraph("Use these details only for the investigation named. Do not pass them on, or tell the family who made a referral, "+
			"without asking us first."))
	l.Body = b
	return l
}
