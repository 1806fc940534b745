package bonafide

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{name: "coded", err: Errorf(ENotFound, "referral %d not found", 7), wantCode: ENotFound, wantMsg: "referral 7 not found"},
		{name: "wrapped coded", err: fmt.Errorf("get: %w", Errorf(EConflict, "id taken")), wantCode: EConflict, wantMsg: "get: id taken"},
		{name: "validation", err: &ValidationError{Errors: []FieldError{{Line: 3, Field: "children[0].dob", Reason: "bad"}}}, wantCode: EInvalid, wantMsg: "line 3: children[0].dob: bad"},
		{name: "plain", err: errors.New("disk on fire"), wantCode: EInternal, wantMsg: "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.wantCode)
			}
			if got := ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.wantMsg)
			}
		})
	}
}
