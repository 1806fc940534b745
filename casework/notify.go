package casework

import (
	"context"
	"fmt"
	"time"

	"bonafide"
)

// heldReason is what the screen says of a check held for a suspected
// campaign.
func heldReason(row bonafide.CaseRow) string {
	return fmt.Sprintf("Held: triage flags this referral as part of a possible harassment campaign (score %.2f) and it does not "+
		"say a child is in danger now. A check with universal services opens a record there and can leave a flag that follows "+
		"the child, so it waits until a team manager releases it, or a decision for a strategy discussion or section 47 needs it.",
		row.Score)
}

// plan returns the notifications decision d brings for the case of row,
// made at now. Statutory work checks with universal services (on the
// basis of the enquiry, or of the child's safety for an assessment); a
// strategy discussion and section 47 also inform the police. For a flagged
// referral not rated immediate, the checks are held unless the decision
// needs them at once.
func (s *Service) plan(row bonafide.CaseRow, d bonafide.CaseDecision, now time.Time) []bonafide.Notification {
	if !d.Statutory() {
		return nil
	}
	basis := bonafide.BasisSafety
	if d.NeedsChecksNow() {
		basis = bonafide.BasisSection47
	}
	hold := row.Flagged && row.SafetyLevel != "immediate" && !d.NeedsChecksNow()
	due := s.Calendar.AddWorkingDays(now, 1)
	var out []bonafide.Notification
	for _, ag := range bonafide.UniversalServices {
		n := bonafide.Notification{ReferralID: row.ReferralID, Agency: ag, Kind: bonafide.NoteCheck, Basis: basis,
			Status: bonafide.NotePlanned, Planned: now, Due: due}
		if hold {
			n.Status, n.HeldReason, n.Due = bonafide.NoteHeld, heldReason(row), time.Time{}
		}
		out = append(out, n)
	}
	if d.NeedsChecksNow() {
		out = append(out, bonafide.Notification{ReferralID: row.ReferralID, Agency: bonafide.AgencyPolice, Kind: bonafide.NoteInform,
			Basis: bonafide.BasisSection47, Status: bonafide.NotePlanned, Planned: now, Due: now})
	}
	return out
}

// consequences returns the notifications and letters that event e brings
// to the case of v, which e takes to next: the acknowledgement to the
// referrer on the first action, the checks a decision needs (when it is
// taken, at once or on sign-off), and at closure with an unfounded or
// malicious finding a retraction to every agency that was told, the
// checks never sent withdrawn, and the closure letter to the family.
func (s *Service) consequences(ctx context.Context, a Actor, v View, next bonafide.Case, e bonafide.CaseEvent, existing []bonafide.Notification) ([]bonafide.Notification, []bonafide.Letter, error) {
	var ref *bonafide.Referral
	referral := func() (*bonafide.Referral, error) {
		if ref != nil {
			return ref, nil
		}
		st, err := s.Referrals.ReferralByID(ctx, v.Row.ReferralID)
		if err != nil {
			return nil, err
		}
		r, ok := st.Record.(*bonafide.Referral)
		if !ok {
			return nil, fmt.Errorf("record %s is not a referral", v.Row.ReferralID)
		}
		ref = r
		return r, nil
	}
	var notes []bonafide.Notification
	var letters []bonafide.Letter
	now := e.At

	acknowledged := false
	for _, n := range existing {
		if n.Kind == bonafide.NoteAcknowledgement {
			acknowledged = true
		}
	}
	if !acknowledged {
		r, err := referral()
		if err != nil {
			return nil, nil, err
		}
		if reachable(r.Reporter) {
			notes = append(notes, bonafide.Notification{ReferralID: r.ID, Agency: bonafide.AgencyReferrer, Kind: bonafide.NoteAcknowledgement,
				Basis: bonafide.BasisFeedback, Status: bonafide.NotePlanned, Planned: now, Due: v.Row.DecisionDue})
			l, err := s.letter(acknowledgement(s.Agency, r, now), a, now)
			if err != nil {
				return nil, nil, err
			}
			letters = append(letters, l)
		}
	}

	decided := e.Action == bonafide.ActDecide && next.State == bonafide.CaseDecided
	if e.Action == bonafide.ActApprove && v.Case.Pending != nil && v.Case.Pending.Action == bonafide.ActDecide {
		decided = true
	}
	if decided {
		notes = append(notes, s.plan(v.Row, next.Decision, now)...)
	}

	if e.Action == bonafide.ActClose {
		r, err := referral()
		if err != nil {
			return nil, nil, err
		}
		told := map[bonafide.Agency]bool{}
		var retracted []bonafide.Agency
		for _, n := range existing {
			if n.Kind != bonafide.NoteCheck && n.Kind != bonafide.NoteInform {
				continue
			}
			switch {
			case n.Status == bonafide.NotePlanned || n.Status == bonafide.NoteHeld:
				n.Status, n.Due = bonafide.NoteWithdrawn, time.Time{}
				notes = append(notes, n)
			case n.Status == bonafide.NoteSent && next.Finding.False() && !told[n.Agency]:
				told[n.Agency] = true
				retracted = append(retracted, n.Agency)
				notes = append(notes, bonafide.Notification{ReferralID: r.ID, Agency: n.Agency, Kind: bonafide.NoteRetraction,
					Basis: bonafide.BasisRetraction, Status: bonafide.NotePlanned, Planned: now, Due: s.Calendar.AddWorkingDays(now, 1),
					RetractionOf: n.ID})
				l, err := s.letter(retraction(s.Agency, r, n, next, now), a, now)
				if err != nil {
					return nil, nil, err
				}
				letters = append(letters, l)
			}
		}
		l, err := s.letter(closure(s.Agency, r, next, retracted, now), a, now)
		if err != nil {
			return nil, nil, err
		}
		letters = append(letters, l)
	}
	return notes, letters, nil
}

// reachable reports whether the referrer left a way to answer them: an
// anonymous referral with no contact at all gets no acknowledgement.
func reachable(r *bonafide.Reporter) bool {
	if r == nil {
		return false
	}
	return !r.Anonymous || r.Email != "" || r.Phone != "" || r.Address != nil
}
