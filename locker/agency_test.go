package locker_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/locker"
	"bonafide/triage"
)

func priceReferral(id string, at time.Time, narrative string) *bonafide.Referral {
	return &bonafide.Referral{
		ID: id, ReceivedAt: at, Channel: bonafide.ChannelWebForm, Reporter: &bonafide.Reporter{Anonymous: true}, KnowledgeBasis: bonafide.KnowledgeNotStated,
		Children: []bonafide.Person{{GivenName: "Maisie", FamilyName: "Price", Role: bonafide.RoleChild}},
		Adults: []bonafide.Person{{GivenName: "Zoe", FamilyName: "Price", Role: bonafide.RoleMother,
			SocialHandles: []bonafide.SocialHandle{{Platform: "x", Handle: "@pricefamily"}}}},
		Address:   &bonafide.Address{Line1: "12 Alder Close", Town: "Northbury", Postcode: "NB4 7ZZ"},
		Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect}},
		Narrative: narrative,
	}
}

func assess(t *testing.T, recs []bonafide.Record) map[string]*triage.Assessment {
	t.Helper()
	slices.SortStableFunc(recs, func(a, b bonafide.Record) int { return a.RecordTime().Compare(b.RecordTime()) })
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*triage.Assessment{}
	for _, r := range recs {
		a, err := e.Observe(r)
		if err != nil {
			t.Fatal(err)
		}
		if a != nil {
			out[a.ReferralID] = a
		}
	}
	return out
}

// TestBundleFlagsCampaign: referrals that triage does not flag on their
// own are flagged, with the family's posts quoted, once the family's
// verified bundle gives triage their posts and the forum thread.
func TestBundleFlagsCampaign(t *testing.T) {
	ctx := context.Background()
	l, _ := newLocker(t, startTSA(t).URL)
	birth := time.Date(2026, 2, 14, 9, 30, 0, 0, time.UTC)
	if _, err := l.ImportPosts(ctx, tweetsJS(
		[3]string{"1890000000000000001", "Welcome to the world, little Maisie! Born this morning, 7lb 2oz, we are over the moon", birth.Format(time.RubyDate)},
		[3]string{"1890000000000000002", "Maisie had her first go in the paddling pool today, she loved splashing in the garden while I hung the washing", "Sat Feb 21 15:10:00 +0000 2026"},
	), "@pricefamily"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddFile(ctx, locker.FileInput{Name: "thread.txt", Category: locker.CategoryForum, Title: "pricefamily watch - page 14",
		When: time.Date(2026, 2, 21, 20, 0, 0, 0, time.UTC),
		Data: []byte("@pricefamily leaves that baby splashing in a paddling pool while she hangs the washing. Someone ring social services about her, I'm reporting her tonight.")}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := l.Export(ctx, &buf, locker.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	rep := verify(t, buf.Bytes(), l.VerifierKey())
	posts := rep.Records()
	if len(posts) != 3 {
		t.Fatalf("records from the bundle = %d, want 2 posts and 1 forum post", len(posts))
	}
	for _, p := range posts {
		var extra bonafide.Extra
		switch r := p.(type) {
		case *bonafide.PublicPost:
			extra = r.Extra
		case *bonafide.ForumPost:
			extra = r.Extra
		}
		if !strings.Contains(string(extra["provenance"]), `"digest"`) {
			t.Errorf("record %T lacks provenance: %s", p, extra["provenance"])
		}
	}

	referrals := []bonafide.Record{
		priceReferral("R1", time.Date(2026, 2, 22, 9, 0, 0, 0, time.UTC), "The baby Maisie is left splashing alone in the paddling pool in the garden while the mother hangs the washing."),
		priceReferral("R2", time.Date(2026, 2, 23, 18, 0, 0, 0, time.UTC), "Mother hangs washing while baby Maisie is in a paddling pool in the garden, nobody watching her splashing."),
	}
	before := assess(t, slices.Clone(referrals))
	after := assess(t, append(slices.Clone(referrals), posts...))
	for _, id := range []string{"R1", "R2"} {
		b, a := before[id], after[id]
		t.Logf("%s: before %.2f %v, after %.2f %v", id, b.Campaign.Score, b.Campaign.Flagged, a.Campaign.Score, a.Campaign.Flagged)
		for _, r := range a.Campaign.Reasons {
			t.Logf("  %s %.2f %s", r.Signal, r.Weight, r.Evidence)
		}
	}
	if before["R2"].Campaign.Flagged {
		t.Fatalf("R2 flagged without the posts (score %.2f): the test shows nothing", before["R2"].Campaign.Score)
	}
	a := after["R2"]
	if !a.Campaign.Flagged {
		t.Fatalf("R2 not flagged with the bundle's posts (score %.2f)", a.Campaign.Score)
	}
	quoted := false
	for _, r := range a.Campaign.Reasons {
		quoted = quoted || (strings.Contains(r.Evidence, "locker:") && strings.Contains(r.Evidence, "paddling"))
	}
	if !quoted {
		t.Errorf("R2's reasons do not quote the family's post: %+v", a.Campaign.Reasons)
	}
}
