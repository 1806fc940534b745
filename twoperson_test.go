package bonafide

import (
	"testing"
	"time"
)

func TestTwoPersonRule(t *testing.T) {
	r := TwoPersonRule{What: "granting the administrator role"}
	expires := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	good := Approver{Who: "user:bea", SecondFactorEnrolled: true, SecondFactorPassed: true}
	tests := []struct {
		name  string
		first string
		a     Approver
		now   time.Time
		want  string // error code; "" for allowed
	}{
		{"second, different person with a second factor", "user:ada", good, expires.Add(-time.Second), ""},
		{"the same person twice", "user:bea", good, expires.Add(-time.Hour), EForbidden},
		{"a session that did not pass the second factor", "user:ada", Approver{Who: "user:bea", SecondFactorEnrolled: true}, expires.Add(-time.Hour), EForbidden},
		{"an API token (no second factor at all)", "user:ada", Approver{Who: "user:bea"}, expires.Add(-time.Hour), EForbidden},
		{"passed without an enrolled factor", "user:ada", Approver{Who: "user:bea", SecondFactorPassed: true}, expires.Add(-time.Hour), EForbidden},
		{"expired at the instant", "user:ada", good, expires, EConflict},
		{"expired long ago", "user:ada", good, expires.Add(30 * 24 * time.Hour), EConflict},
		{"the same person and expired: the person is named first", "user:bea", good, expires.Add(time.Hour), EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.CheckSecond(tt.first, tt.a, expires, tt.now)
			if tt.want == "" {
				if err != nil {
					t.Errorf("CheckSecond = %v, want nil", err)
				}
				return
			}
			if got := ErrorCode(err); got != tt.want {
				t.Errorf("CheckSecond = %v (code %s), want code %s", err, got, tt.want)
			}
			if msg := ErrorMessage(err); len(msg) < len(r.What) || msg[:len(r.What)] != r.What {
				t.Errorf("CheckSecond message %q does not begin with what is refused (%q)", msg, r.What)
			}
		})
	}
}

func TestAccountApprovalKindValid(t *testing.T) {
	for _, tt := range []struct {
		k    AccountApprovalKind
		want bool
	}{{ApprovalRoleGrant, true}, {ApprovalPasswordReset, true}, {ApprovalTOTPReset, true}, {"role", false}, {"", false}} {
		if got := tt.k.Valid(); got != tt.want {
			t.Errorf("AccountApprovalKind(%q).Valid() = %v, want %v", tt.k, got, tt.want)
		}
	}
}
