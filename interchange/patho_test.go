package interchange

import (
	"errors"
	"strings"
	"testing"

	"bonafide"
)

// TestManyErrorsBounded checks that a line with thousands of faults reports
// a bounded list ending in a note that more were left out. Before the bound
// such a line took seconds to report (merging was quadratic).
func TestManyErrorsBounded(t *testing.T) {
	child := `{"dob":"x","role":"y"` + strings.Repeat(`,"dob":"x"`, 95) + `}`
	line := `{"type":"referral","id":"x","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[` +
		strings.Repeat(child+",", bonafide.MaxChildren-1) + child + `]}`
	_, err := Decode([]byte(line))
	var ve *bonafide.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Decode = %v, want a *ValidationError", err)
	}
	if n := len(ve.Errors); n != bonafide.MaxFieldErrors+1 {
		t.Errorf("Decode gave %d errors, want %d", n, bonafide.MaxFieldErrors+1)
	}
	if got, want := ve.Errors[len(ve.Errors)-1].Reason, "more errors in this record not shown"; got != want {
		t.Errorf("last error = %q, want %q", got, want)
	}
	if got, want := ve.Errors[0].Error(), `children[0].dob: "x" is not a date of the form YYYY-MM-DD, YYYY-MM or YYYY`; got != want {
		t.Errorf("first error = %q, want %q", got, want)
	}
}
