package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"

	"bonafide"
	"bonafide/casework"
	"bonafide/interchange"
	"bonafide/locker"
	"bonafide/triage"
)

// This file is the agency's side of the family's evidence locker: staff
// upload a family's bundle, the server verifies it, files its posts and
// forum posts as records with their provenance, and re-assesses the
// family's open referrals with them.

// EvidenceProblemView is one problem a bundle's verification found.
type EvidenceProblemView struct {
	Exhibit string `json:"exhibit,omitempty"`
	Path    string `json:"path,omitempty"`
	Reason  string `json:"reason"`
}

// ReassessmentView is a referral of the family judged again with the
// bundle's evidence known: what triage now says, beside what was stored
// when it arrived (which stays as it was, as a social worker saw it).
type ReassessmentView struct {
	ReferralID    string          `json:"referral_id"`
	StoredFlagged bool            `json:"stored_flagged"`
	StoredScore   float64         `json:"stored_score"`
	Flagged       bool            `json:"flagged"`
	Score         float64         `json:"score"`
	Reasons       []triage.Reason `json:"reasons"`
}

// EvidenceView is the body of POST /api/v1/families/{family}/evidence.
type EvidenceView struct {
	Family        string             `json:"family"`
	Evidence      int64              `json:"evidence"` // the bundle's number among the family's, its dossier attached to the case
	BundleSHA256  string             `json:"bundle_sha256"`
	VerifierKey   string             `json:"verifier_key"`
	Exhibits      int                `json:"exhibits"`
	Filed         []string           `json:"filed"`
	DossierSHA256 string             `json:"dossier_sha256,omitempty"`
	Reassessed    []ReassessmentView `json:"reassessed"`
}

// handleFamilyEvidence takes in a family's locker bundle (application/zip;
// ?verifier_key= the key the family gave, if any). A bundle that does not
// verify entirely is refused with every problem named, and nothing is
// filed.
func (s *Server) handleFamilyEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	ctx := r.Context()
	family := r.PathValue("family")
	page, err := s.Cases.Family(ctx, caseActor(r), family)
	if err != nil {
		s.error(w, r, err)
		return
	}
	limit := s.MaxImportBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		s.error(w, r, bonafide.Errorf(bonafide.ETooLarge, "the bundle is larger than %d bytes", limit))
		return
	}
	rep, err := locker.Verify(bytes.NewReader(body), int64(len(body)), r.URL.Query().Get("verifier_key"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if !rep.OK() {
		ve := &bonafide.ValidationError{}
		for _, p := range rep.Problems {
			field := p.Path
			if p.Exhibit != "" {
				field = "exhibit " + p.Exhibit + ": " + p.Path
			}
			ve.Errors = append(ve.Errors, bonafide.FieldError{Field: field, Reason: p.Reason})
		}
		s.error(w, r, fmt.Errorf("the bundle does not verify (%d problems); nothing was filed: %w", len(rep.Problems), ve))
		return
	}
	sum := sha256.Sum256(body)
	out := EvidenceView{Family: family, BundleSHA256: hex.EncodeToString(sum[:]), VerifierKey: rep.Manifest.VerifierKey,
		Exhibits: len(rep.Exhibits), Filed: []string{}, Reassessed: []ReassessmentView{}}
	if rep.Dossier != nil {
		d := sha256.Sum256(rep.Dossier)
		out.DossierSHA256 = hex.EncodeToString(d[:])
	}
	recs, err := s.unfiled(r, rep.Records())
	if err != nil {
		s.error(w, r, err)
		return
	}
	var jsonl bytes.Buffer
	enc := interchange.NewWriter(&jsonl)
	for _, rec := range recs {
		if err := enc.Write(rec); err != nil {
			s.error(w, r, err)
			return
		}
		switch v := rec.(type) {
		case *bonafide.PublicPost:
			out.Filed = append(out.Filed, v.ID)
		case *bonafide.ForumPost:
			out.Filed = append(out.Filed, v.ID)
		}
	}
	if err := enc.Flush(); err != nil {
		s.error(w, r, err)
		return
	}
	who := caseActor(r).Who
	if err := s.audit(ctx, who, "locker.import", family, fmt.Sprintf("taking in bundle sha256:%s from locker %s: %d exhibits verified, %d new posts to file, its dossier to attach",
		out.BundleSHA256, rep.Manifest.VerifierKey, len(rep.Exhibits), len(recs))); err != nil {
		s.error(w, r, err)
		return
	}
	if out.Evidence, err = s.Cases.Cases.AddEvidence(ctx, bonafide.FamilyEvidence{Family: family, ReceivedAt: s.now().UTC(), Who: who,
		BundleSHA256: out.BundleSHA256, VerifierKey: rep.Manifest.VerifierKey, Exhibits: len(rep.Exhibits),
		Dossier: rep.Dossier, DossierSHA256: out.DossierSHA256}); err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := Import(ctx, s.Store, &jsonl, false); err != nil {
		s.error(w, r, err)
		return
	}
	s.notifyTriage()
	if s.TriageConfig != nil {
		if out.Reassessed, err = s.reassess(r, page.Referrals); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, "application/json", http.StatusCreated, out)
}

// unfiled drops the records already stored (a bundle filed before, or
// one that shares exhibits with it): the store does not refuse a post id
// twice, so the route must.
func (s *Server) unfiled(r *http.Request, recs []bonafide.Record) ([]bonafide.Record, error) {
	have := map[string]bool{}
	for st, err := range s.Store.Records(r.Context(), 0, 0) {
		if err != nil {
			return nil, err
		}
		switch v := st.Record.(type) {
		case *bonafide.PublicPost:
			have[v.ID] = true
		case *bonafide.ForumPost:
			have[v.ID] = true
		}
	}
	var out []bonafide.Record
	for _, rec := range recs {
		switch v := rec.(type) {
		case *bonafide.PublicPost:
			if have[v.ID] {
				continue
			}
		case *bonafide.ForumPost:
			if have[v.ID] {
				continue
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

// reassess judges the family's open referrals again with every record the
// store holds, each referral on what was known at its received_at: the
// records are replayed in the order of their own times (a post filed today
// that was posted before a referral counts for it), through a fresh engine.
func (s *Server) reassess(r *http.Request, refs []casework.FamilyReferral) ([]ReassessmentView, error) {
	open := map[string]bonafide.CaseRow{}
	for _, fr := range refs {
		if fr.Row.State.Open() {
			open[fr.Row.ReferralID] = fr.Row
		}
	}
	var all []bonafide.Record
	for st, err := range s.Store.Records(r.Context(), 0, 0) {
		if err != nil {
			return nil, err
		}
		all = append(all, st.Record)
	}
	slices.SortStableFunc(all, func(a, b bonafide.Record) int { return a.RecordTime().Compare(b.RecordTime()) })
	e, err := triage.New(*s.TriageConfig)
	if err != nil {
		return nil, err
	}
	var out []ReassessmentView
	for _, rec := range all {
		a, err := e.Observe(rec)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		row, ok := open[a.ReferralID]
		if !ok {
			continue
		}
		out = append(out, ReassessmentView{ReferralID: a.ReferralID, StoredFlagged: row.Flagged, StoredScore: row.Score,
			Flagged: a.Campaign.Flagged, Score: a.Campaign.Score, Reasons: a.Campaign.Reasons})
	}
	return out, nil
}
