package casework

import (
	"context"
	"fmt"

	"bonafide"
)

// Withheld replaces what a restricted family's referral says of its
// people, for staff not working its case.
const Withheld = "[withheld: restricted family]"

// WithholdNames blanks the names, dates of birth, NHS numbers, handles,
// addresses and free text of r, leaving its shape (how many children,
// which concerns) for the queue's work.
func WithholdNames(r *bonafide.Referral) {
	blank := func(ps []bonafide.Person) []bonafide.Person {
		out := make([]bonafide.Person, len(ps))
		for i, p := range ps {
			out[i] = bonafide.Person{GivenName: Withheld, Role: p.Role}
		}
		return out
	}
	r.Children, r.Adults = blank(r.Children), blank(r.Adults)
	if r.Address != nil {
		r.Address = &bonafide.Address{Line1: Withheld}
	}
	r.Narrative = Withheld
	concerns := make([]bonafide.Concern, len(r.Concerns))
	for i, c := range r.Concerns {
		concerns[i] = bonafide.Concern{Category: c.Category}
	}
	r.Concerns = concerns
	r.Extra = nil
}

// ReferralPage is everything a referral's page shows a social worker or
// team manager: the case, the referral without its reporter (names
// withheld when the actor may not see a restricted family's), its stored
// triage assessment, and what the cases of the reporter's linked earlier
// referrals found (LinkedFindings).
type ReferralPage struct {
	View
	Referral    *bonafide.Referral
	HasReporter bool
	Named       bool
	// Assessment is the stored triage assessment (its Output is triage's
	// JSON); HasAssessment is false before triage has stored one.
	Assessment    bonafide.Assessment
	HasAssessment bool
}

// Referral returns the page of referral id for a, audited as a view
// ("referral.read", saying through which face, via, and whether names
// were withheld) before anything is returned, and noted for a restricted
// family's team manager. The reporter is never in it.
func (s *Service) Referral(ctx context.Context, a Actor, id, via string) (ReferralPage, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return ReferralPage{}, err
	}
	v, err := s.Case(ctx, a, id)
	if err != nil {
		return ReferralPage{}, err
	}
	st, err := s.Referrals.ReferralByID(ctx, id)
	if err != nil {
		return ReferralPage{}, err
	}
	ref, ok := st.Record.(*bonafide.Referral)
	if !ok {
		return ReferralPage{}, fmt.Errorf("referral %s: stored record is a %T", id, st.Record)
	}
	p := ReferralPage{View: v, Named: MayNameFamily(a, v.Row), HasReporter: ref.Reporter != nil}
	why := "viewed in " + via
	switch {
	case v.Row.Restricted && p.Named:
		why += " (restricted family)"
	case v.Row.Restricted:
		why += " (restricted family: names withheld)"
	}
	if err := s.audit(ctx, a.Who, "referral.read", id, why); err != nil {
		return ReferralPage{}, err
	}
	if err := s.NoteView(ctx, a, v.Row, "referral.read", p.Named); err != nil {
		return ReferralPage{}, err
	}
	shown := *ref
	shown.Reporter = nil
	if !p.Named {
		WithholdNames(&shown)
	}
	p.Referral = &shown
	if s.Assessments != nil {
		as, err := s.Assessments.Assessment(ctx, id)
		switch {
		case err == nil:
			p.Assessment, p.HasAssessment = as, true
		case bonafide.ErrorCode(err) != bonafide.ENotFound:
			return ReferralPage{}, err
		}
	}
	return p, nil
}

// LinkedFindings returns, for each of ids (a reporter's linked earlier
// referrals, as triage named them), what its case found, or "" while it
// has no finding; ids without a case are absent. At most
// bonafide.MaxQueuePage ids are read.
func (s *Service) LinkedFindings(ctx context.Context, a Actor, ids []string) (map[string]bonafide.Finding, error) {
	if err := can(a, bonafide.PermReporterLinks); err != nil {
		return nil, err
	}
	out := map[string]bonafide.Finding{}
	for i, id := range ids {
		if i == bonafide.MaxQueuePage {
			break
		}
		row, err := s.Cases.CaseRow(ctx, id)
		switch {
		case err == nil:
			out[id] = row.Finding
		case bonafide.ErrorCode(err) != bonafide.ENotFound:
			return nil, err
		}
	}
	return out, nil
}

// Planned returns the notifications deciding d would bring for the case
// of row now, held ones with why, for the decision form to show before
// the decision is taken.
func (s *Service) Planned(row bonafide.CaseRow, d bonafide.CaseDecision) []bonafide.Notification {
	return s.plan(row, d, s.now())
}
