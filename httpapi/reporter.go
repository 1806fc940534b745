package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/interchange"
	"bonafide/vault"
)

// FindingReader tells when other referrals were received and what they
// were found to be, for the reporter-links route. Both stores implement it.
type FindingReader interface {
	// Findings returns the finding of the latest outcome of each of ids
	// that has one; ids without a finding are absent.
	Findings(ctx context.Context, ids []string) (map[string]bonafide.Finding, error)
	// ReceivedAt returns the received_at of each of ids that is a stored
	// referral; others are absent.
	ReceivedAt(ctx context.Context, ids []string) (map[string]time.Time, error)
}

// ReporterLinks is the answer to GET /api/v1/referrals/{id}/reporter/links:
// how many earlier referrals — received strictly before this one — came
// from a reporter who shares an identifying value (e-mail, phone, device,
// or name with postcode; see [linkingKinds]) with this one, and what they
// were found to be. Later referrals do not count: what a social worker
// weighs is the reporter's record when this referral came in, and it must
// not change as the same reporter goes on reporting. It never says which
// referrals, nor who: the reporter stays sealed.
type ReporterLinks struct {
	Linked int `json:"linked"`
	// Findings counts the linked referrals by finding; those without an
	// outcome yet are under "pending".
	Findings map[string]int `json:"findings"`
	// FoundFalse counts linked referrals found unfounded or malicious.
	FoundFalse int `json:"found_false"`
}

// linkingKinds returns the blind-index kinds that make another referral
// the same reporter's, as in triage's reporter linkage. A network address
// (ip, ip_net) is shared by a household, an office, a school or a café:
// alone it would show a teacher as "linked" to every referral a colleague
// made, so it only corroborates and never counts here. A professional
// reporting through their organisation shares its phone, mailbox and
// computers with colleagues too: for them only name with postcode counts,
// and an e-mail address only when it bears their family name.
func linkingKinds(rep *bonafide.Reporter) []vault.TagKind {
	if rep == nil || rep.Anonymous || !rep.Relationship.Professional() || strings.TrimSpace(rep.Organisation) == "" {
		return []vault.TagKind{vault.TagEmail, vault.TagPhone, vault.TagDevice, vault.TagNamePostcode}
	}
	kinds := []vault.TagKind{vault.TagNamePostcode}
	family := strings.ToLower(strings.TrimSpace(rep.FamilyName))
	if family != "" && strings.Contains(strings.ToLower(rep.Email), family) {
		kinds = append(kinds, vault.TagEmail)
	}
	return kinds
}

// linked reports whether sh shares a tag of one of kinds.
func linked(sh vault.Shared, kinds []vault.TagKind) bool {
	return slices.ContainsFunc(sh.Tags, func(t vault.Tag) bool { return slices.Contains(kinds, t.Kind) })
}

func (s *Server) handleReporterLinks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	_, ref, err := s.pathReferral(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if s.Tags == nil || s.Findings == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "the reporter index or the referrals' findings are not configured"))
		return
	}
	shared, err := vault.Sharing(ctx, s.Tags, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	kinds := linkingKinds(ref.Reporter)
	candidates := make([]string, 0, len(shared))
	for _, sh := range shared {
		if linked(sh, kinds) {
			candidates = append(candidates, sh.ReferralID)
		}
	}
	var ids []string
	found := map[string]bonafide.Finding{}
	if len(candidates) > 0 {
		received, err := s.Findings.ReceivedAt(ctx, candidates)
		if err != nil {
			s.error(w, r, err)
			return
		}
		// Only referrals received strictly before this one: one received
		// at the same instant is not earlier.
		for _, id := range candidates {
			if at, ok := received[id]; ok && at.Before(ref.ReceivedAt) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) > 0 {
		if found, err = s.Findings.Findings(ctx, ids); err != nil {
			s.error(w, r, err)
			return
		}
	}
	out := ReporterLinks{Linked: len(ids), Findings: map[string]int{}}
	for _, id := range ids {
		f, ok := found[id]
		if !ok {
			out.Findings["pending"]++
			continue
		}
		out.Findings[string(f)]++
		if f.False() {
			out.FoundFalse++
		}
	}
	if err := s.audit(ctx, principalOf(ctx).Who(), "reporter.links", id, "viewed linked-referral counts"); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// MinUnsealReason is the shortest reason a break-glass unseal accepts: a
// sentence, not "x".
const MinUnsealReason = 20

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
	req.Reason = strings.TrimSpace(req.Reason)
	if n := utf8.RuneCountInString(req.Reason); n < MinUnsealReason || len(req.Reason) > auditlog.MaxFieldLen {
		s.error(w, r, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason",
			Reason: fmt.Sprintf("a break-glass unseal needs a written reason of %d characters to %d bytes", MinUnsealReason, auditlog.MaxFieldLen)}}})
		return
	}
	if s.Audit == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "unsealing needs the audit log, which is not configured"))
		return
	}
	id := r.PathValue("id")
	_, ref, err := s.pathReferral(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if ref.Reporter == nil {
		s.error(w, r, bonafide.Errorf(bonafide.ENotFound, "referral %q has no reporter", id))
		return
	}
	e, err := s.Audit.Append(ctx, auditEntry(principalOf(ctx).Who(), "reporter.unseal", id, req.Reason))
	if err != nil {
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was unsealed"))
		return
	}
	rep, err := interchange.AppendReporter(nil, ref.Reporter)
	if err != nil {
		s.error(w, r, err)
		return
	}
	body, err := json.Marshal(Unsealed{ReferralID: id, Reporter: rep, AuditEntry: e.N})
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n')) //nolint:errcheck // the client has gone
}
