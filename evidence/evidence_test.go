package evidence

import (
	"errors"
	"testing"

	"bonafide"
	"bonafide/casework"
	"bonafide/locker"
)

// TestRefusedError: a refused bundle's problems reach the API as field
// errors naming the exhibit and its file, and the whole-bundle problems
// by their file alone.
func TestRefusedError(t *testing.T) {
	err := error(&RefusedError{Problems: []locker.Problem{
		{Exhibit: "E3", Path: "exhibits/E3/thread.txt", Reason: "SHA-256 does not match the manifest"},
		{Path: "manifest.sig", Reason: "the signature does not verify"},
	}})
	var ve *bonafide.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("errors.As(%v, *ValidationError) = false", err)
	}
	tests := []struct {
		name, field, reason string
	}{
		{"an exhibit", "exhibit E3: exhibits/E3/thread.txt", "SHA-256 does not match the manifest"},
		{"the bundle", "manifest.sig", "the signature does not verify"},
	}
	if len(ve.Errors) != len(tests) {
		t.Fatalf("field errors = %+v, want %d", ve.Errors, len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ve.Errors[i]; got.Field != tt.field || got.Reason != tt.reason {
				t.Errorf("error %d = %q %q, want %q %q", i, got.Field, got.Reason, tt.field, tt.reason)
			}
		})
	}
	if got, want := err.Error(), "the bundle does not verify (2 problems); nothing was filed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestTakeInRefusesBeforeReading: a role without the permission is
// refused before anything is verified or read from a store (the service
// has none here, so a read would panic); Limit defaults.
func TestTakeInRefusesBeforeReading(t *testing.T) {
	s := &Service{MaxBytes: 10}
	tests := []struct {
		name string
		role bonafide.Role
		want string
	}{
		{"an auditor", bonafide.RoleAuditor, bonafide.EForbidden},
		{"a police liaison", bonafide.RolePoliceLiaison, bonafide.EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.TakeIn(t.Context(), casework.Actor{Who: "user:x", Role: tt.role}, "FAM-1", []byte("x"), "", "a test")
			if got := bonafide.ErrorCode(err); got != tt.want {
				t.Errorf("TakeIn as %s = %v (%q), want %q", tt.role, err, got, tt.want)
			}
		})
	}
	if got := s.Limit(); got != 10 {
		t.Errorf("Limit() = %d, want 10", got)
	}
	if got := (&Service{}).Limit(); got != DefaultMaxBytes {
		t.Errorf("default Limit() = %d, want %d", got, DefaultMaxBytes)
	}
}
