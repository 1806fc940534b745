package casework

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"bonafide"
	"bonafide/auditlog"
)

// MinUnsealReason is the shortest written reason a break-glass unseal
// accepts, in characters: the API's and the web interface's rule alike.
const MinUnsealReason = 20

// Unseal is the data protection officer's break-glass: it returns the
// sealed reporter of referral id, after writing the reason to the audit
// log (reporter.unseal), so that no identity is ever seen unrecorded. It
// fails with EForbidden for a role without bonafide.PermBreakGlass,
// EInvalid for a reason shorter than MinUnsealReason characters or longer
// than the audit log keeps, ENotFound for a referral without a reporter,
// and EUnavailable when the audit log cannot be written (nothing is
// unsealed). It returns the audit entry's number with the reporter.
func (s *Service) Unseal(ctx context.Context, a Actor, id, reason string) (*bonafide.Reporter, int64, error) {
	if !a.Role.Can(bonafide.PermBreakGlass) {
		return nil, 0, bonafide.Errorf(bonafide.EForbidden, "only a data protection officer may unseal a reporter")
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < MinUnsealReason || len(reason) > auditlog.MaxFieldLen {
		return nil, 0, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason",
			Reason: fmt.Sprintf("a break-glass unseal needs a written reason of %d characters to %d bytes", MinUnsealReason, auditlog.MaxFieldLen)}}}
	}
	if s.Audit == nil {
		return nil, 0, errNoAudit
	}
	st, err := s.Referrals.ReferralByID(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	ref, ok := st.Record.(*bonafide.Referral)
	if !ok {
		return nil, 0, fmt.Errorf("unseal %q: the store returned a non-referral record", id)
	}
	if ref.Reporter == nil {
		return nil, 0, bonafide.Errorf(bonafide.ENotFound, "referral %q has no reporter", id)
	}
	e, err := s.Audit.Append(ctx, auditlog.Entry{Who: a.Who, What: "reporter.unseal", Object: id, Why: reason})
	if err != nil {
		if s.Logger != nil {
			s.Logger.Error("audit entry not written; nothing unsealed", "object", id, "error", err)
		}
		return nil, 0, errNoAudit
	}
	return ref.Reporter, e.N, nil
}
