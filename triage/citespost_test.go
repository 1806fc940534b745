package triage_test

import (
	"slices"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
)

// TestCitesFamilyPost: an allegation that names the family's own post as
// its source counts when the reporter says they know it otherwise than
// online; a reporter who saw it online and says so, a pointer to evidence
// ("check her page") and a named professional do not count.
func TestCitesFamilyPost(t *testing.T) {
	post := "In her own video Kelly is drinking wine while looking after a baby, she is clearly drunk all the time."
	for _, tc := range []struct {
		name      string
		basis     bonafide.KnowledgeBasis
		rel       bonafide.Relationship
		org       string
		narrative string
		want      bool
	}{
		{"post retold as first hand", bonafide.KnowledgeFirstHand, bonafide.RelNeighbour, "", post + " I walk past the house most days.", true},
		{"post retold with no basis", bonafide.KnowledgeNotStated, bonafide.RelNotStated, "", "You can see in her videos the kitchen is a tip.", true},
		{"post retold as second hand", bonafide.KnowledgeSecondHand, bonafide.RelFriend, "", "She was out partying all weekend according to her stories.", true},
		{"look at what she posted", bonafide.KnowledgeFirstHand, bonafide.RelMemberOfPublic, "", "Look at what she posted today, the kids are filthy.", true},
		{"seen online and said so", bonafide.KnowledgeOnlineContent, bonafide.RelMemberOfPublic, "", post, false},
		{"a pointer to evidence is not a source", bonafide.KnowledgeFirstHand, bonafide.RelNeighbour, "", "At 12:46 on Thursday the little one was out on the balcony in a nappy. Check her page if you don't believe me.", false},
		{"what the reporter saw", bonafide.KnowledgeFirstHand, bonafide.RelNeighbour, "", "On Thursday at 4pm I saw Alfie outside the flats on his own, crying.", false},
		{"a named professional", bonafide.KnowledgeFirstHand, bonafide.RelTeacher, "Fenwick Road Academy", "Alfie told me about her video at school and he was upset.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := triage.New(triage.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			a, err := e.Observe(&bonafide.Referral{ID: "R1", ReceivedAt: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC), Channel: bonafide.ChannelWebForm,
				KnowledgeBasis: tc.basis, Reporter: &bonafide.Reporter{GivenName: "Jo", FamilyName: "Smith", Relationship: tc.rel, Organisation: tc.org},
				Children: []bonafide.Person{{GivenName: "Alfie", FamilyName: "Brook"}}, Adults: []bonafide.Person{{GivenName: "Kelly", FamilyName: "Brook", Role: bonafide.RoleMother}},
				Concerns: []bonafide.Concern{{Category: bonafide.ConcernNeglect}}, Narrative: tc.narrative})
			if err != nil {
				t.Fatal(err)
			}
			got := a.Features()[slices.Index(triage.Signals, triage.SigCitesPost)] > 0
			if got != tc.want {
				t.Errorf("cites_family_post fired = %v, want %v (reasons %+v)", got, tc.want, a.Campaign.Reasons)
			}
			if got && reasonOf(a, triage.SigCitesPost) == nil {
				t.Errorf("cites_family_post fired with no reason given")
			}
		})
	}
}
