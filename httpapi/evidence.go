package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"bonafide"
	"bonafide/evidence"
	"bonafide/triage"
	"bonafide/triage/live"
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
// before (which is kept; the new judgement is stored beside it when it
// differs, and readers take the latest).
type ReassessmentView struct {
	ReferralID    string          `json:"referral_id"`
	StoredFlagged bool            `json:"stored_flagged"`
	StoredScore   float64         `json:"stored_score"`
	Flagged       bool            `json:"flagged"`
	Score         float64         `json:"score"`
	Reasons       []triage.Reason `json:"reasons"`
	// Stored says whether the new judgement was stored as the referral's
	// latest assessment (it is when it differs from the one before).
	Stored bool `json:"stored"`
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
// ?verifier_key= the key the family gave, if any) through
// evidence.Service.TakeIn, which the web interface's upload screen calls
// too. A bundle that does not verify entirely is refused with every
// problem named, and nothing is filed.
func (s *Server) handleFamilyEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	ev := s.evidence
	limit := ev.Limit()
	if r.ContentLength > limit {
		s.error(w, r, bonafide.Errorf(bonafide.ETooLarge, "the bundle is larger than %d bytes", limit))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		s.error(w, r, bonafide.Errorf(bonafide.ETooLarge, "the bundle is larger than %d bytes", limit))
		return
	}
	res, err := ev.TakeIn(r.Context(), caseActor(r), r.PathValue("family"), body, r.URL.Query().Get("verifier_key"), "the API")
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := EvidenceView{Family: res.Family, Evidence: res.Evidence, BundleSHA256: res.BundleSHA256, VerifierKey: res.VerifierKey,
		Exhibits: len(res.Exhibits), Filed: []string{}, DossierSHA256: res.DossierSHA256, Reassessed: []ReassessmentView{}}
	for _, f := range res.Filed {
		out.Filed = append(out.Filed, f.ID)
	}
	for _, a := range res.Reassessed {
		out.Reassessed = append(out.Reassessed, ReassessmentView{ReferralID: a.ReferralID, StoredFlagged: a.StoredFlagged, StoredScore: a.StoredScore,
			Flagged: a.Flagged, Score: a.Score, Reasons: a.Reasons, Stored: a.Stored})
	}
	writeJSON(w, "application/json", http.StatusCreated, out)
}

// EvidenceListView is the body of GET /api/v1/families/{family}/evidence.
type EvidenceListView struct {
	Family   string               `json:"family"`
	Evidence []EvidenceBundleView `json:"evidence"`
}

// EvidenceBundleView is one bundle taken in for a family, with what its
// verification found when it was taken in: every bundle stored verified
// entirely (signature, hashes, time-stamps, custody proofs), since one
// that did not is refused and not kept.
type EvidenceBundleView struct {
	ID            int64     `json:"id"`
	ReceivedAt    time.Time `json:"received_at"`
	Who           string    `json:"who"`
	BundleSHA256  string    `json:"bundle_sha256"`
	VerifierKey   string    `json:"verifier_key"`
	Exhibits      int       `json:"exhibits"`
	Verified      bool      `json:"verified"`
	DossierSHA256 string    `json:"dossier_sha256,omitempty"`
}

// handleFamilyEvidenceList lists the bundles taken in for a family
// (evidence.Service.List).
func (s *Server) handleFamilyEvidenceList(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	list, err := s.evidence.List(r.Context(), caseActor(r), r.PathValue("family"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := EvidenceListView{Family: r.PathValue("family"), Evidence: []EvidenceBundleView{}}
	for _, e := range list {
		out.Evidence = append(out.Evidence, EvidenceBundleView{ID: e.ID, ReceivedAt: e.ReceivedAt, Who: e.Who, BundleSHA256: e.BundleSHA256,
			VerifierKey: e.VerifierKey, Exhibits: e.Exhibits, Verified: true, DossierSHA256: e.DossierSHA256})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, out)
}

// newEvidence returns the evidence intake the evidence routes and the web
// interface's upload screen call, configured from s.
func (s *Server) newEvidence() *evidence.Service {
	ev := &evidence.Service{Cases: s.Cases, Store: s.Store, Assessments: s.Assessments, Triage: s.TriageConfig,
		MaxBytes: s.MaxImportBytes, Now: s.Now}
	if s.Audit != nil {
		ev.Audit = s.Audit
	}
	if s.TriageConfig != nil {
		if v, err := live.Version(*s.TriageConfig); err == nil {
			ev.Engine = v
		}
	}
	ev.Filed = func(ctx context.Context) {
		s.notifyTriage()
		if s.Cases != nil && s.Cases.Families != nil {
			if _, err := s.Cases.Families.Sync(ctx, s.Store); err != nil {
				s.Logger.LogAttrs(ctx, slog.LevelError, "family search index not updated",
					slog.String("request_id", requestID(ctx)), slog.Any("error", err))
			}
		}
	}
	return ev
}
