package triage_test

import (
	"fmt"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
)

// The reporter-link tests (by handle and mailbox, by habit and forum
// author) share one family, the Brooks, and one way of asking whether two
// referrals were given one reporter.

// brookReferrals returns a maker of referrals about the Brook family (a
// child, his mother, their address) whose reporter, time and narrative the
// test gives, with ids R1, R2, … in the order made, and the given basis of
// knowledge.
func brookReferrals(basis bonafide.KnowledgeBasis) func(at time.Time, rep bonafide.Reporter, text string) *bonafide.Referral {
	n := 0
	return func(at time.Time, rep bonafide.Reporter, text string) *bonafide.Referral {
		n++
		return &bonafide.Referral{ID: fmt.Sprintf("R%d", n), ReceivedAt: at, Channel: bonafide.ChannelWebForm, KnowledgeBasis: basis,
			Reporter: &rep,
			Children: []bonafide.Person{{GivenName: "Alfie", FamilyName: "Brook", DOB: bonafide.PartialDate{Year: 2019}}},
			Adults:   []bonafide.Person{{GivenName: "Kelly", FamilyName: "Brook", Role: bonafide.RoleMother}},
			Address:  &bonafide.Address{Line1: "14 Orchard Close", Town: "Kettlebridge", Postcode: "QK4 2AB"},
			Concerns: []bonafide.Concern{{Category: bonafide.ConcernNeglect}}, Narrative: text}
	}
}

// brookForumPost is a forum post by author asking whether the Brook
// family has been reported yet: the precursor of a campaign.
func brookForumPost(id, author string, at time.Time) *bonafide.ForumPost {
	return &bonafide.ForumPost{ID: id, Site: "localtalk.example", Thread: "brook family", AuthorHandle: author, PostedAt: at,
		Text: "has anyone reported Kelly Brook yet"}
}

// triageAll assesses recs in order on a fresh engine of the default
// configuration and returns the referrals' assessments.
func triageAll(t *testing.T, recs []bonafide.Record) []*triage.Assessment {
	t.Helper()
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var as []*triage.Assessment
	for _, rec := range recs {
		a, err := e.Observe(rec)
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		if a != nil {
			as = append(as, a)
		}
	}
	return as
}

// checkSameReporter fails the test unless x and y share a reporter exactly
// when want says.
func checkSameReporter(t *testing.T, x, y *triage.Assessment, want bool) {
	t.Helper()
	if got := x.Reporter == y.Reporter; got != want {
		t.Errorf("same reporter(%s, %s) = %v (%s, %s), want %v", x.ReferralID, y.ReferralID, got, x.Reporter, y.Reporter, want)
	}
}
