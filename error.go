package bonafide

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes say what kind of failure an error is, so that the HTTP layer
// can map it to a status and the command line to an exit code without
// reading message text.
const (
	EInvalid      = "invalid"      // bad input; the message says where and why
	ENotFound     = "not_found"    // no such record
	EConflict     = "conflict"     // e.g. a referral id already stored
	ETooLarge     = "too_large"    // a body, line or field over its limit
	EUnauthorized = "unauthorized" // no valid session or token
	EForbidden    = "forbidden"    // authenticated, but the role may not
	EInternal     = "internal"     // anything else; shown only as "internal error"
	EUnavailable  = "unavailable"  // shutting down or overloaded
	EStaleSchema  = "stale_schema" // the database needs `bonafide migrate`
)

// Error is a failure a user may be shown. Errors without a code are internal
// and are shown only as "internal error".
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error or *ValidationError in
// err's chain, or EInternal.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return EInvalid
	}
	return EInternal
}

// ErrorMessage returns the message a user may see: the error's own for coded
// errors, "internal error" otherwise.
func ErrorMessage(err error) string {
	if ErrorCode(err) == EInternal {
		return "internal error"
	}
	return err.Error()
}

// FieldError says what is wrong with one field of one record.
type FieldError struct {
	Line   int    `json:"line,omitempty"` // 1-based line of a bulk file; 0 for a single record
	Field  string `json:"field"`          // path such as "children[0].dob"; "" for the whole record
	Reason string `json:"reason"`
}

func (e FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ValidationError lists every field error found in one record or request.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	switch len(e.Errors) {
	case 0:
		return "invalid record"
	case 1:
		return e.Errors[0].Error()
	}
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Error()
	}
	return fmt.Sprintf("%d errors: %s", len(e.Errors), strings.Join(parts, "; "))
}
