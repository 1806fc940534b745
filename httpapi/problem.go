package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"bonafide"
	"bonafide/account"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is the body of every error response: RFC 9457 problem details
// with an extension member, errors, that lists every field error so that a
// sender can fix a whole record (or a whole file) in one pass.
type Problem struct {
	// Type names the kind of problem: "urn:bonafide:problem:" and the
	// bonafide error code (invalid, not_found, conflict, too_large, ...).
	Type string `json:"type"`
	// Title is a short, fixed summary of Type.
	Title string `json:"title"`
	// Status repeats the HTTP status code.
	Status int `json:"status"`
	// Detail says what went wrong with this request. It is "internal error"
	// for any failure without a code, so that nothing internal leaks.
	Detail string `json:"detail,omitempty"`
	// Instance names this occurrence, "urn:bonafide:request:" and the
	// request id, which is also in the X-Request-ID header and in the log.
	Instance string `json:"instance,omitempty"`
	// Errors lists every field error: line (bulk bodies only), field path
	// and reason.
	Errors []bonafide.FieldError `json:"errors,omitempty"`
}

// problemTypePrefix prefixes bonafide error codes to make Problem.Type URIs.
const problemTypePrefix = "urn:bonafide:problem:"

// statusError carries an HTTP status that no bonafide error code expresses,
// such as 415 for a body that is not JSON. Its message is shown to the user.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// codeStatus maps bonafide error codes to HTTP statuses.
var codeStatus = map[string]int{
	bonafide.EInvalid:      http.StatusBadRequest,
	bonafide.ENotFound:     http.StatusNotFound,
	bonafide.EConflict:     http.StatusConflict,
	bonafide.ETooLarge:     http.StatusRequestEntityTooLarge,
	bonafide.EUnauthorized: http.StatusUnauthorized,
	bonafide.EForbidden:    http.StatusForbidden,
	bonafide.EUnavailable:  http.StatusServiceUnavailable,
	bonafide.EStaleSchema:  http.StatusServiceUnavailable,
	bonafide.EInternal:     http.StatusInternalServerError,
}

// classify returns the status, error code, user-visible detail and field
// errors for err.
func classify(err error) (status int, code, detail string, fields []bonafide.FieldError) {
	var se *statusError
	if errors.As(err, &se) {
		return se.status, "", se.msg, nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The client went away, or a deadline passed. A single referral
		// may still have been stored (its commit was under way); an import
		// was rolled back.
		return http.StatusServiceUnavailable, bonafide.EUnavailable, "request cancelled before it completed", nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, bonafide.ETooLarge,
			fmt.Sprintf("request body is larger than the limit of %d bytes", mbe.Limit), nil
	}
	code = bonafide.ErrorCode(err)
	status, ok := codeStatus[code]
	if !ok {
		status, code = http.StatusInternalServerError, bonafide.EInternal
	}
	var ve *bonafide.ValidationError
	if errors.As(err, &ve) {
		fields = ve.Errors
	}
	return status, code, bonafide.ErrorMessage(err), fields
}

// error writes err as a problem and logs it. Internal errors are logged in
// full with the request id and shown only as "internal error"; refusals
// (unavailable: closed, cancelled, stale schema) are warnings; errors in
// the request are the client's and are logged at debug level, by code
// only, because their messages may quote the body (which may hold
// reporter data).
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	var te *account.ThrottledError
	if errors.As(err, &te) {
		// Too many wrong passwords: say when the next attempt may be made.
		w.Header().Set("Retry-After", strconv.FormatInt(te.Seconds(), 10))
		err = &statusError{http.StatusTooManyRequests, te.Error()}
	}
	status, code, detail, fields := classify(err)
	id := requestID(r.Context())
	switch {
	case code == bonafide.EUnavailable:
		s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "request refused",
			slog.String("request_id", id), slog.String("code", code), slog.Any("error", err))
	case status >= 500:
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", id), slog.String("code", code), slog.Any("error", err))
	default:
		s.Logger.LogAttrs(r.Context(), slog.LevelDebug, "request rejected",
			slog.String("request_id", id), slog.String("code", code), slog.Int("field_errors", len(fields)))
	}
	p := Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: fields,
	}
	if code != "" {
		p.Type = problemTypePrefix + code
	}
	if id != "" {
		p.Instance = "urn:bonafide:request:" + id
	}
	switch status {
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	case http.StatusUnauthorized:
		// RFC 9110 11.6.1: a 401 names the scheme that would do. Machine
		// clients send bearer tokens (RFC 6750); browsers log in.
		w.Header().Set("WWW-Authenticate", `Bearer realm="bonafide"`)
	}
	writeJSON(w, ProblemContentType, status, p)
}

// writeJSON writes v as the response body with the given status.
func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unmarshalable type) gets here.
		body = []byte(`{"type":"urn:bonafide:problem:internal","title":"Internal Server Error","status":500,"detail":"internal error"}`)
		contentType, status = ProblemContentType, http.StatusInternalServerError
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client has gone; nothing to do
}
