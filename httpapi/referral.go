package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"time"

	"bonafide"
	"bonafide/casework"
	"bonafide/interchange"
)

// ReferralCreated is the body of a 201 from POST /api/v1/referrals.
type ReferralCreated struct {
	Seq int64  `json:"seq"` // the store's sequence number
	ID  string `json:"id"`  // the referral's interchange id, as sent
}

// ReferralView is the body of GET /api/v1/referrals/{id}. The reporter is
// never returned: it is sealed, and staff see only that there was one.
type ReferralView struct {
	Seq         int64           `json:"seq"`
	StoredAt    time.Time       `json:"stored_at"`
	HasReporter bool            `json:"has_reporter"`
	Referral    json.RawMessage `json:"referral"` // interchange JSON without "reporter"
}

// requireMediaType fails with 415 unless the request's Content-Type is one
// of types. Refusing form and text bodies keeps browsers from posting to
// the API cross-site without a preflight.
func requireMediaType(r *http.Request, types ...string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && slices.Contains(types, mt) {
		return nil
	}
	return &statusError{http.StatusUnsupportedMediaType,
		"Content-Type must be " + joinOr(types)}
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}

// referralLocation is the URL of a stored referral.
func referralLocation(id string) string {
	return "/api/v1/referrals/" + url.PathEscape(id)
}

// handleReferralCreate stores one referral sent as interchange JSON.
func (s *Server) handleReferralCreate(w http.ResponseWriter, r *http.Request) {
	select {
	case s.referralSlots <- struct{}{}:
		s.inFlight.Add(1)
		defer func() { s.inFlight.Add(-1); <-s.referralSlots }()
	default:
		s.error(w, r, bonafide.Errorf(bonafide.EUnavailable, "too many referrals in flight; retry shortly"))
		return
	}
	if err := requireMediaType(r, "application/json"); err != nil {
		s.error(w, r, err)
		return
	}
	body, err := readBody(w, r, s.MaxReferralBytes)
	if err != nil {
		s.error(w, r, err)
		return
	}
	ref, err := interchange.DecodeReferral(body)
	if err != nil {
		s.error(w, r, err)
		return
	}
	seq, err := s.storeReferral(r, ref)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.notifyTriage()
	s.offerFamilies(seq, ref)
	w.Header().Set("Location", referralLocation(ref.ID))
	writeJSON(w, "application/json", http.StatusCreated, ReferralCreated{Seq: seq, ID: ref.ID})
}

// handleReferralGet returns a stored referral by its interchange id. The
// id, not the store's sequence number, names a referral in the URL: it is
// what the sender knows and what Location returns, and it stays the same
// when records move between stores (export, import), while seq does not.
func (s *Server) handleReferralGet(w http.ResponseWriter, r *http.Request) {
	st, ref, err := s.pathReferral(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	named, restricted := true, false
	if s.Cases != nil {
		row, err := s.Cases.Cases.CaseRow(r.Context(), ref.ID)
		switch {
		case err == nil:
			restricted = row.Restricted
			named = casework.MayNameFamily(caseActor(r), row)
			if err := s.Cases.NoteView(r.Context(), caseActor(r), row, "referral.read", named); err != nil {
				s.error(w, r, err)
				return
			}
		case bonafide.ErrorCode(err) != bonafide.ENotFound:
			s.error(w, r, err)
			return
		}
	}
	if p := principalOf(r.Context()); p != nil {
		why := "viewed through the API"
		switch {
		case restricted && named:
			why = "viewed through the API (restricted family)"
		case restricted:
			why = "viewed through the API (restricted family: names withheld)"
		}
		if err := s.audit(r.Context(), p.Who(), "referral.read", ref.ID, why); err != nil {
			s.error(w, r, err)
			return
		}
	}
	shown := *ref
	shown.Reporter = nil
	if !named {
		withholdNames(&shown)
	}
	data, err := interchange.Encode(&shown)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, ReferralView{
		Seq:         st.Seq,
		StoredAt:    st.StoredAt,
		HasReporter: ref.Reporter != nil,
		Referral:    data,
	})
}

// handleHealth reports that the server is up and serving. It does not touch
// the store, so that a health probe stays cheap under load.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, "application/json", http.StatusOK, map[string]string{"status": "ok"})
}

// pathReferral loads the referral named by the {id} of r's path.
func (s *Server) pathReferral(r *http.Request) (bonafide.Stored, *bonafide.Referral, error) {
	st, err := s.Store.ReferralByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return st, nil, err
	}
	ref, ok := st.Record.(*bonafide.Referral)
	if !ok {
		return st, nil, fmt.Errorf("referral %q: the store returned a non-referral record", r.PathValue("id"))
	}
	return st, ref, nil
}

// auditStored records a write that the store has already made: an entry
// that cannot be written is logged, not answered with an error, since the
// referral is stored (its seq and stored_at record it) and a retry by the
// sender would be refused as a duplicate.
// storeReferral stores ref and its audit entry. Where the audit log is
// kept on the same store the two commit in one transaction
// (auditlog.Log.AppendRecord): no referral without its entry, and one
// durable commit a referral rather than two in turn, which halved what a
// sender could post. Otherwise the entry follows the stored referral.
func (s *Server) storeReferral(r *http.Request, ref *bonafide.Referral) (int64, error) {
	p := principalOf(r.Context())
	if p != nil && s.Audit != nil && s.Audit.RecordStore() == s.Store {
		_, seq, err := s.Audit.AppendRecord(r.Context(), auditEntry(p.Who(), "referral.create", ref.ID, "stored through the API"), ref)
		return seq, err
	}
	seq, err := s.Store.Add(r.Context(), ref)
	if err != nil {
		return 0, err
	}
	s.auditStored(r, "referral.create", ref.ID, fmt.Sprintf("stored at seq %d through the API", seq))
	return seq, nil
}

func (s *Server) auditStored(r *http.Request, what, object, why string) {
	p := principalOf(r.Context())
	if p == nil || s.Audit == nil {
		return
	}
	if _, err := s.Audit.Append(r.Context(), auditEntry(p.Who(), what, object, why)); err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "audit of a stored write failed",
			slog.String("request_id", requestID(r.Context())), slog.String("what", what), slog.String("object", object), slog.Any("error", err))
	}
}

// withholdNames is the case workflow's, which the web interface shares.
func withholdNames(r *bonafide.Referral) { casework.WithholdNames(r) }
