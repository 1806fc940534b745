package casework

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"bonafide"
)

// CensusHeader is the header of the Children in Need census return's
// referral fields, as councils submit them: one row per child named in a
// referral received in the collection year.
var CensusHeader = []string{"LAchildID", "CINreferralDate", "ReferralSource", "ReferralNFA", "CINclosureDate", "ReasonForClosure"}

// Census writes the census return for referrals received in [from, to)
// as CSV. LAchildID is the family triage linked the referral to and the
// child's place in the referral (the referral id before triage has linked
// it); ReferralSource is the referral's source_code (the census's source
// codes, such as 3A for a GP) or 10 (unknown); ReferralNFA is 1 when the
// referral led to no further action or to advice alone. Exporting it is
// audited.
func (s *Service) Census(ctx context.Context, a Actor, w io.Writer, from, to time.Time) (int, error) {
	if err := can(a, bonafide.PermCensus); err != nil {
		return 0, err
	}
	if !from.Before(to) {
		return 0, bonafide.Errorf(bonafide.EInvalid, "from: must be before to")
	}
	rows, err := s.Cases.CensusRows(ctx, from, to)
	if err != nil {
		return 0, err
	}
	if err := s.audit(ctx, a.Who, "census.export", "census", fmt.Sprintf("referrals received %s to %s: %d", from.Format(time.DateOnly), to.Format(time.DateOnly), len(rows))); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CensusHeader); err != nil {
		return 0, err
	}
	n := 0
	for _, row := range rows {
		st, err := s.Referrals.Get(ctx, row.Seq)
		if err != nil {
			return n, err
		}
		r, ok := st.Record.(*bonafide.Referral)
		if !ok {
			return n, fmt.Errorf("census: record %d is not a referral", row.Seq)
		}
		source := r.SourceCode
		if source == "" {
			source = "10"
		}
		nfa := "0"
		if row.Decision == bonafide.DecideNoFurtherAction || row.Decision == bonafide.DecideAdvice {
			nfa = "1"
		}
		closed := ""
		if !row.Closed.IsZero() {
			closed = row.Closed.Format(time.DateOnly)
		}
		base := row.Family
		if base == "" {
			base = row.ReferralID
		}
		for i := range max(len(r.Children), 1) {
			if err := cw.Write([]string{base + "-" + strconv.Itoa(i+1), row.ReceivedAt.Format(time.DateOnly), source, nfa, closed, string(row.Closure)}); err != nil {
				return n, err
			}
			n++
		}
	}
	cw.Flush()
	return n, cw.Error()
}
