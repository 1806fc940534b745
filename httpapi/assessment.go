package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"bonafide"
)

// Triager is told after each write that new records are stored, so that
// it triages them at once rather than at its next poll. triage/live's
// Service is one; Notify must not block.
type Triager interface {
	Notify()
}

// AssessmentView is the body of GET /api/v1/referrals/{id}/assessment: the
// latest stored triage assessment of the referral, made when it arrived
// from what was known then.
type AssessmentView struct {
	ReferralID string    `json:"referral_id"`
	Seq        int64     `json:"seq"`         // the referral's sequence number
	Engine     string    `json:"engine"`      // the settings and build that made it
	AssessedAt time.Time `json:"assessed_at"` // when it was stored
	// Kind says how much of the triage it holds: "safety" (the safety
	// part alone, stored with the referral; the campaign part follows),
	// "provisional" (made against recent history during a restart),
	// "campaign" (complete) or "failure" (the campaign part could not be
	// made: the safety part and why).
	Kind bonafide.AssessmentKind `json:"kind"`
	// Assessment is the triage output object of the interchange format,
	// as the engine wrote it; for kinds other than campaign, with "part"
	// saying which, and only the parts made.
	Assessment json.RawMessage `json:"assessment"`
}

// notifyTriage wakes the triage service, if there is one, after a write.
func (s *Server) notifyTriage() {
	if s.Triage != nil {
		s.Triage.Notify()
	}
}

// handleAssessmentGet returns the most complete assessment of a referral:
// from the moment it is stored, at least its safety part (written in the
// same transaction), then the campaign part once the triage service has
// made it (the request that stored it wakes the service, which does not
// make it wait). It answers 404 only for a referral stored without a
// safety judge (before this version), and 503 on a server that keeps no
// assessments. Each view is audited like a view of the referral.
func (s *Server) handleAssessmentGet(w http.ResponseWriter, r *http.Request) {
	if s.Assessments == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "this server keeps no triage assessments"))
		return
	}
	id := r.PathValue("id")
	a, err := s.Assessments.Assessment(r.Context(), id)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		// Say which: a referral not yet triaged, or none at all.
		if _, rerr := s.Store.ReferralByID(r.Context(), id); rerr == nil {
			err = bonafide.Errorf(bonafide.ENotFound, "referral %s has not been triaged yet; try again shortly", id)
		} else if bonafide.ErrorCode(rerr) == bonafide.ENotFound {
			err = rerr
		}
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p := principalOf(r.Context()); p != nil {
		if err := s.audit(r.Context(), p.Who(), "triage.read", a.ReferralID, "assessment viewed through the API"); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, "application/json", http.StatusOK, AssessmentView{
		ReferralID: a.ReferralID,
		Seq:        a.Seq,
		Engine:     a.Engine,
		AssessedAt: a.Created,
		Kind:       a.Kind.OrDefault(),
		Assessment: a.Output,
	})
}
