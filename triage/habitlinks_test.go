package triage_test

import (
	"fmt"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage"
)

// TestReporterLinksByHabitAndForumAuthor (#19 item 4): a reporter who
// gives nothing to link by is linked to an earlier caller about the family
// who wrote with the same distinctive habits, and to the forum author who
// announced the call when they call from that author's own address; a
// genuine caller who shares one of a troll's phrases, calls within the
// hours of one incident, calls from a neighbouring address or gives their
// own details is never linked to the troll by either.
func TestReporterLinksByHabitAndForumAuthor(t *testing.T) {
	t0 := time.Date(2025, 4, 7, 9, 0, 0, 0, time.UTC)
	ref := brookReferrals(bonafide.KnowledgeSecondHand)
	// background: calls about other families, so that the stream has
	// common words and the troll's habits are rare in it.
	letters := func(i int) string {
		return string([]byte{byte('A' + i%26), byte('a' + (i/26)%26), byte('a' + (i*7)%26), 'e', 'r'})
	}
	background := func() []bonafide.Record {
		var recs []bonafide.Record
		for i := range 80 {
			r := ref(t0.Add(-time.Duration(100-i)*time.Hour), bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelNotStated},
				"The children at the house are left on their own and the house is cold, I am worried about them.")
			r.Children = []bonafide.Person{{GivenName: "Kid" + letters(i), FamilyName: "Fam" + letters(i+3)}}
			r.Adults = []bonafide.Person{{GivenName: "Mum" + letters(i), FamilyName: "Fam" + letters(i+3), Role: bonafide.RoleMother}}
			r.Address = &bonafide.Address{Line1: fmt.Sprintf("%d %s Road", i+1, letters(i+5)), Town: "Harrowfield"}
			recs = append(recs, r)
		}
		return recs
	}
	anon := func(ip string) bonafide.Reporter {
		return bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelNotStated, ContactIP: ip}
	}
	troll1 := "That woman is a DISGRACE!!1 I will keep reporting until someone listens. Social services are a joke. She definately neglets those kids."
	troll2 := "She leaves them for days!!1 I will keep reporting until someone listens. Social services are a joke. She definately neglets them."
	genuine := "I heard from the school run that Alfie is left alone. Social services are a joke but I am worried about him."
	forum := func(id string, at time.Time) *bonafide.ForumPost { return brookForumPost(id, "truthteller123", at) }
	trollMail := bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelNotStated, Email: "truthteller123.0@mail.example", ContactIP: "81.2.69.14"}
	nan := bonafide.Reporter{GivenName: "Maureen", FamilyName: "Brook", Relationship: bonafide.RelRelative, Phone: "07700 900123", ContactIP: "81.2.69.14"}
	// calm and calm2 share only words every background call uses: no habit.
	calm, calm2 := "The children are left on their own.", "I am worried about them, the house is cold."
	for _, tt := range []struct {
		name     string
		recs     func() []bonafide.Record
		wantSame bool
	}{
		{"a troll's habits, two anonymous calls days apart", func() []bonafide.Record {
			return append(background(), ref(t0, anon(""), troll1), ref(t0.Add(72*time.Hour), anon(""), troll2))
		}, true},
		{"the troll's habits, the second call after the text window", func() []bonafide.Record {
			return append(background(), ref(t0, anon(""), troll1), ref(t0.Add(triage.TextWindow+72*time.Hour), anon(""), troll2))
		}, false},
		{"a genuine caller who uses one of the troll's phrases", func() []bonafide.Record {
			return append(background(), ref(t0, anon(""), troll1), ref(t0.Add(72*time.Hour), anon(""), genuine))
		}, false},
		{"the troll's habits within the hours of one incident", func() []bonafide.Record {
			return append(background(), ref(t0, anon(""), troll1), ref(t0.Add(3*time.Hour), anon(""), troll2))
		}, false},
		{"the troll's habits after a professional's call", func() []bonafide.Record {
			pro := ref(t0, bonafide.Reporter{GivenName: "Sam", FamilyName: "Baker", Relationship: bonafide.RelTeacher, Organisation: "Orchard Vale Primary"}, troll1)
			pro.KnowledgeBasis = bonafide.KnowledgeProfessional
			return append(background(), pro, ref(t0.Add(72*time.Hour), anon(""), troll2))
		}, false},
		{"the forum author, called from the author's own address", func() []bonafide.Record {
			return append(background(), forum("F1", t0), ref(t0.Add(2*time.Hour), trollMail, calm),
				forum("F2", t0.Add(40*time.Hour)), ref(t0.Add(50*time.Hour), anon("81.2.69.14"), calm2))
		}, true},
		{"the forum author, a call from a neighbouring address", func() []bonafide.Record {
			return append(background(), forum("F1", t0), ref(t0.Add(2*time.Hour), trollMail, calm),
				forum("F2", t0.Add(40*time.Hour)), ref(t0.Add(50*time.Hour), anon("81.2.69.15"), calm2))
		}, false},
		{"the forum author, a call with no address", func() []bonafide.Record {
			return append(background(), forum("F1", t0), ref(t0.Add(2*time.Hour), trollMail, calm),
				forum("F2", t0.Add(40*time.Hour)), ref(t0.Add(50*time.Hour), anon(""), calm2))
		}, false},
		{"the forum author, no post before the call", func() []bonafide.Record {
			return append(background(), forum("F1", t0), ref(t0.Add(2*time.Hour), trollMail, calm),
				ref(t0.Add(20*24*time.Hour), anon("81.2.69.14"), calm2))
		}, false},
		{"a grandmother at the troll's address gives her own details", func() []bonafide.Record {
			nanRef := ref(t0.Add(50*time.Hour), nan, calm2)
			nanRef.Channel, nanRef.KnowledgeBasis = bonafide.ChannelPhone, bonafide.KnowledgeFirstHand
			return append(background(), forum("F1", t0), ref(t0.Add(2*time.Hour), trollMail, calm),
				forum("F2", t0.Add(40*time.Hour)), nanRef)
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as := triageAll(t, tt.recs())
			checkSameReporter(t, as[len(as)-2], as[len(as)-1], tt.wantSame)
		})
	}
}
