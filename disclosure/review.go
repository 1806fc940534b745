package disclosure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"bonafide"
)

// ReviewView is what the data protection officer sees to decide a
// request, without the identity: for each referral in scope, whether it
// has a reporter, what it and the reporter's linked referrals were found
// to be, the campaign signals, and by which kinds of detail the reporter
// is linked. Warning is set when no reporter in scope has an unfounded or
// malicious finding against any of their referrals: the request may be
// about a genuine reporter, whose confidentiality weighs heavily.
type ReviewView struct {
	Disclosure bonafide.Disclosure
	Referrals  []ReviewReferral
	Warning    string
}

// ReviewReferral is one referral of the scope, reporter sealed.
type ReviewReferral struct {
	ID          string
	HasReporter bool
	Anonymous   bool
	Finding     string // its latest finding, or "pending"
	// Linked are the earlier referrals the reporter is linked to (as
	// triage counted them), each with its finding.
	Linked     []LinkedFinding
	FoundFalse int // of Linked and this one, how many were found unfounded or malicious
	Score      float64
	Flagged    bool
	Signals    []Signal
	// LinkedBy are the kinds of detail (device, email, phone, …) the
	// reporter shares with other referrals' reporters, and with how many.
	LinkedBy map[string]int
	// Disclosed names earlier requests that disclosed this reporter.
	Disclosed []string
}

// LinkedFinding is a linked referral and what it was found to be.
type LinkedFinding struct {
	ID      string
	Finding string
}

// Signal is one campaign signal of the triage assessment.
type Signal struct {
	Signal   string
	Weight   float64
	Evidence string
}

// storedOutput is the part of a triage output the review reads.
type storedOutput struct {
	Campaign struct {
		Score   float64  `json:"score"`
		Flagged bool     `json:"flagged"`
		Reasons []Signal `json:"reasons"`
	} `json:"campaign"`
	ReporterLinks *struct {
		Referrals []struct {
			ID string `json:"id"`
		} `json:"referrals"`
	} `json:"reporter_links"`
}

// Review returns what the DPO needs to decide request id; viewing it is
// audited.
func (s *Service) Review(ctx context.Context, a Actor, id string) (ReviewView, error) {
	if err := can(a, bonafide.PermDisclosureApprove); err != nil {
		return ReviewView{}, err
	}
	d, err := s.Store.Disclosure(ctx, id)
	if err != nil {
		return ReviewView{}, err
	}
	if d, err = s.lapse(ctx, d); err != nil {
		return ReviewView{}, err
	}
	if _, err := s.audit(ctx, a.Who, "disclosure.review.view", id, fmt.Sprintf("viewed the review of %d referrals, reporters sealed", len(d.Scope))); err != nil {
		return ReviewView{}, err
	}
	return s.review(ctx, d)
}

func (s *Service) review(ctx context.Context, d bonafide.Disclosure) (ReviewView, error) {
	v := ReviewView{Disclosure: d}
	var ids []string
	for _, id := range d.Scope {
		st, err := s.Referrals.ReferralByID(ctx, id)
		if err != nil {
			return v, err
		}
		ref, _ := st.Record.(*bonafide.Referral)
		rr := ReviewReferral{ID: id, LinkedBy: map[string]int{}}
		if ref != nil && ref.Reporter != nil {
			rr.HasReporter, rr.Anonymous = true, ref.Reporter.Anonymous
		}
		if s.Assessments != nil {
			as, err := s.Assessments.Assessment(ctx, id)
			switch {
			case err == nil && len(as.Output) > 0:
				var out storedOutput
				if err := json.Unmarshal(as.Output, &out); err != nil {
					return v, fmt.Errorf("assessment of %s: %w", id, err)
				}
				rr.Score, rr.Flagged, rr.Signals = out.Campaign.Score, out.Campaign.Flagged, out.Campaign.Reasons
				if out.ReporterLinks != nil {
					for _, l := range out.ReporterLinks.Referrals {
						rr.Linked = append(rr.Linked, LinkedFinding{ID: l.ID})
						ids = append(ids, l.ID)
					}
				}
			case err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound:
				return v, err
			}
		}
		if s.Tags != nil && rr.HasReporter {
			tags, err := s.Tags.TagsOf(ctx, id)
			if err != nil {
				return v, err
			}
			hits, err := s.Tags.ReferralsWithTags(ctx, tags)
			if err != nil {
				return v, err
			}
			for t, refs := range hits {
				if n := len(refs) - 1; n > 0 {
					rr.LinkedBy[string(t.Kind)] += n
				}
			}
		}
		ids = append(ids, id)
		v.Referrals = append(v.Referrals, rr)
	}
	found := map[string]bonafide.Finding{}
	if s.Findings != nil && len(ids) > 0 {
		var err error
		if found, err = s.Findings.Findings(ctx, ids); err != nil {
			return v, err
		}
	}
	disclosed, err := s.Store.Disclosed(ctx, d.Scope)
	if err != nil {
		return v, err
	}
	name := func(id string) string {
		if f, ok := found[id]; ok {
			return string(f)
		}
		return "pending"
	}
	anyFalse := false
	for i := range v.Referrals {
		rr := &v.Referrals[i]
		rr.Finding = name(rr.ID)
		rr.Disclosed = slices.DeleteFunc(slices.Clone(disclosed[rr.ID]), func(x string) bool { return x == d.ID })
		if found[rr.ID].False() {
			rr.FoundFalse++
		}
		for j := range rr.Linked {
			rr.Linked[j].Finding = name(rr.Linked[j].ID)
			if found[rr.Linked[j].ID].False() {
				rr.FoundFalse++
			}
		}
		anyFalse = anyFalse || rr.FoundFalse > 0
	}
	if !anyFalse {
		v.Warning = "No referral of these reporters, nor any they are linked to, has been found unfounded or malicious. " +
			"They may be genuine reporters, whose confidentiality protects every child whose neighbour, relative or teacher might report: " +
			"weigh that before approving."
	}
	return v, nil
}
