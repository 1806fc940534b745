package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"bonafide"
	"bonafide/casework"
	"bonafide/interchange"
)

// FindingReader tells what other referrals were found to be, for the
// reporter-links route. Both stores implement it.
type FindingReader interface {
	// Findings returns the finding of the latest outcome of each of ids
	// that has one; ids without a finding are absent.
	Findings(ctx context.Context, ids []string) (map[string]bonafide.Finding, error)
}

// ReporterLinks is the answer to GET /api/v1/referrals/{id}/reporter/links:
// the earlier referrals the referral's reporter is linked to, exactly as
// its stored triage assessment counted them (reporter_links in the triage
// output; see triage.ReporterLinks): across all families, with those
// about this family as a part, received strictly before it, a relay
// counted as its original's call. So the route and the assessment's
// reporter_repeat signal always give the same figures. The earlier
// referrals are named by id, since staff may open any referral and the
// reporter stays sealed in each; who the reporter is, and by what detail
// they were linked beyond its kind, is never said.
type ReporterLinks struct {
	// Linked counts the linked earlier referrals, of every family.
	Linked int `json:"linked"`
	// AboutFamily counts those about this referral's family.
	AboutFamily int `json:"about_family"`
	// Referrals names them, newest first (at most
	// triage.MaxLinkedNamed, 100, the newest, when there are more), each
	// with its latest finding.
	Referrals []LinkedReferral `json:"referrals"`
	// Findings counts the named referrals by their latest finding; those
	// without an outcome yet are under "pending".
	Findings map[string]int `json:"findings"`
	// FoundFalse counts named referrals found unfounded or malicious.
	FoundFalse int `json:"found_false"`
	// Provisional is set when the assessment was made against the recent
	// history only, while the triage service reloaded after a restart; a
	// complete one follows.
	Provisional bool `json:"provisional,omitempty"`
}

// LinkedReferral is one earlier referral linked to the reporter.
type LinkedReferral struct {
	ID          string `json:"id"`
	AboutFamily bool   `json:"about_family,omitempty"`
	// Finding is its latest outcome's finding, or "pending".
	Finding string `json:"finding"`
}

// storedLinks is the part of a stored triage output the route reads.
type storedLinks struct {
	ReporterLinks *struct {
		Linked      int `json:"linked"`
		AboutFamily int `json:"about_family"`
		Referrals   []struct {
			ID          string `json:"id"`
			AboutFamily bool   `json:"about_family"`
		} `json:"referrals"`
	} `json:"reporter_links"`
}

func (s *Server) handleReporterLinks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, _, err := s.pathReferral(r); err != nil {
		s.error(w, r, err)
		return
	}
	if s.Assessments == nil || s.Findings == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "the triage assessments or the referrals' findings are not configured"))
		return
	}
	a, err := s.Assessments.Assessment(ctx, id)
	if err != nil {
		if bonafide.ErrorCode(err) == bonafide.ENotFound {
			err = bonafide.Errorf(bonafide.ENotFound, "referral %s has not been triaged yet; try again shortly", id)
		}
		s.error(w, r, err)
		return
	}
	var st storedLinks
	switch a.Kind.OrDefault() {
	case bonafide.KindSafety:
		// Like the assessment route before the campaign part: not yet.
		err = bonafide.Errorf(bonafide.ENotFound, "referral %s has not been triaged yet; try again shortly", id)
	case bonafide.KindFailure:
		err = bonafide.Errorf(bonafide.ENotFound, "referral %s could not be triaged, so its reporter's links are not known", id)
	default:
		if err = json.Unmarshal(a.Output, &st); err != nil {
			err = fmt.Errorf("reporter links of %s: %w", id, err)
		} else if st.ReporterLinks == nil {
			err = bonafide.Errorf(bonafide.EUnavailable, "referral %s was triaged by an engine that did not record reporter links", id)
		}
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	sl := st.ReporterLinks
	ids := make([]string, len(sl.Referrals))
	for i, l := range sl.Referrals {
		ids[i] = l.ID
	}
	found := map[string]bonafide.Finding{}
	if len(ids) > 0 {
		if found, err = s.Findings.Findings(ctx, ids); err != nil {
			s.error(w, r, err)
			return
		}
	}
	out := ReporterLinks{Linked: sl.Linked, AboutFamily: sl.AboutFamily, Referrals: []LinkedReferral{}, Findings: map[string]int{},
		Provisional: a.Kind == bonafide.KindProvisional}
	for _, l := range sl.Referrals {
		f, ok := found[l.ID]
		name := string(f)
		if !ok {
			name = "pending"
		}
		out.Referrals = append(out.Referrals, LinkedReferral{ID: l.ID, AboutFamily: l.AboutFamily, Finding: name})
		out.Findings[name]++
		if ok && f.False() {
			out.FoundFalse++
		}
	}
	if err := s.audit(ctx, principalOf(ctx).Who(), "reporter.links", id, "viewed linked earlier referrals"); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// MinUnsealReason is the shortest reason a break-glass unseal accepts: a
// sentence, not "x" (casework.MinUnsealReason, which checks it).
const MinUnsealReason = casework.MinUnsealReason

// UnsealRequest is the body of POST /api/v1/referrals/{id}/reporter/unseal.
type UnsealRequest struct {
	// Reason says why the reporter's identity is needed now, in words an
	// auditor can judge. It is kept in the audit log.
	Reason string `json:"reason"`
}

// Unsealed answers a break-glass unseal with the reporter's identity and
// the audit entry that records it.
type Unsealed struct {
	ReferralID string          `json:"referral_id"`
	Reporter   json.RawMessage `json:"reporter"` // interchange JSON, unknown members kept
	AuditEntry int64           `json:"audit_entry"`
}

// handleReporterUnseal is the break-glass route: a data protection officer
// (PermBreakGlass, with a second factor) sees a referral's reporter at
// once, giving a written reason. The reason is in the audit log before
// the identity is sent; without an audit log the route refuses.
func (s *Server) handleReporterUnseal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req UnsealRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if s.Cases == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "unsealing needs the case workflow and its audit log, which are not configured"))
		return
	}
	// One path for both faces: the web interface's unseal calls it too.
	id := r.PathValue("id")
	reporter, entry, err := s.Cases.Unseal(ctx, caseActor(r), id, req.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rep, err := interchange.AppendReporter(nil, reporter)
	if err != nil {
		s.error(w, r, err)
		return
	}
	body, err := json.Marshal(Unsealed{ReferralID: id, Reporter: rep, AuditEntry: entry})
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n')) //nolint:errcheck // the client has gone
}
