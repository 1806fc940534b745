package httpapi

import (
	"net/http"
	"strconv"

	"bonafide"
	"bonafide/auditlog"
)

// handleWitnessRequest answers GET /api/v1/audit/witness?old=N with the
// body of a C2SP tlog-witness add-checkpoint call: the latest signed
// checkpoint and a consistency proof from size N, the size the witness
// accepted last (0 for none). `bonafide audit witness` fetches it, checks
// it and cosigns it. 404 before the first checkpoint; 400 when N is beyond
// the latest checkpoint, which means the log shrank.
func (s *Server) handleWitnessRequest(w http.ResponseWriter, r *http.Request) {
	if s.Audit == nil {
		s.error(w, r, &statusError{http.StatusServiceUnavailable, "no audit log is configured"})
		return
	}
	v := r.URL.Query().Get("old")
	if v == "" {
		v = "0"
	}
	old, err := strconv.ParseInt(v, 10, 64)
	if err != nil || old < 0 {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "old: %q is not a tree size (a whole number from 0)", v))
		return
	}
	req, err := s.Audit.WitnessRequest(r.Context(), old)
	if err != nil {
		s.error(w, r, err)
		return
	}
	body, err := req.MarshalText()
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(body)
}

// handleCosignature takes POST /api/v1/audit/cosignatures: a checkpoint of
// this log cosigned by a witness whose verifier key the server was given
// (Server.Witnesses, serve --witness-key). The signatures are the
// authentication, as in C2SP tlog-witness: anything not signed by the log
// and a known witness is refused (400), so that nobody else can add to the
// table. Answers 204.
func (s *Server) handleCosignature(w http.ResponseWriter, r *http.Request) {
	if s.Audit == nil {
		s.error(w, r, &statusError{http.StatusServiceUnavailable, "no audit log is configured"})
		return
	}
	body, err := readBody(w, r, auditlog.MaxWitnessRequestBytes)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if len(s.Witnesses) == 0 {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "this server takes no cosignatures: it was given no witness keys (serve --witness-key)"))
		return
	}
	witness, size, err := s.Audit.AddCosignature(r.Context(), body, s.Witnesses)
	if bonafide.ErrorCode(err) == bonafide.EForbidden {
		err = bonafide.Errorf(bonafide.EInvalid, "%s", bonafide.ErrorMessage(err))
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.Logger.InfoContext(r.Context(), "cosignature stored", "witness", witness, "size", size)
	w.WriteHeader(http.StatusNoContent)
}
