package triagetest

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"bonafide"
)

// HistoryStart is when a History begins.
var HistoryStart = time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)

// historyEnd bounds a History's last referral: one every 30 seconds from
// HistoryStart would pass today's clock after about 5M referrals, and the
// stores refuse a received_at in the future.
var historyEnd = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// HistoryStep is the time between two referrals of a History of n: 30
// seconds, or less for a history that would otherwise end after
// historyEnd (a 10M history, one every 13 s: a denser stream, so the
// engine's 180-day text windows hold more than at 30 s).
func HistoryStep(n int) time.Duration {
	step := 30 * time.Second
	if n > 0 && HistoryStart.Add(time.Duration(n)*step).After(historyEnd) {
		step = (historyEnd.Sub(HistoryStart) / time.Duration(n)).Truncate(time.Millisecond)
	}
	return step
}

// History yields n referrals (with a public post now and then) in time
// order, one every HistoryStep(n) (30 seconds up to about 5M), about a quarter as many families as
// referrals, in constant memory: each family's details are derived from
// its number, and each referral adds a stranger's noise. It is a load for
// benchmarks, not a labelled scenario.
func History(seed int64, n int) iter.Seq[bonafide.Record] {
	return func(yield func(bonafide.Record) bool) {
		r := rand.New(rand.NewPCG(uint64(seed), 0x415))
		nfam := max(n/4, 1)
		step := HistoryStep(n)
		for k := 0; k < n; k++ {
			at := HistoryStart.Add(time.Duration(k) * step)
			fi := r.IntN(nfam)
			fr := rand.New(rand.NewPCG(uint64(seed)^uint64(fi)*0x9e3779b97f4a7c15, 7))
			surname := syl1[fr.IntN(len(syl1))] + syl2[fr.IntN(len(syl2))] + syl2[fr.IntN(len(syl2))]
			handle := ""
			if fi%40 == 0 {
				handle = fmt.Sprintf("fam%d", fi)
				if k%20 == 0 {
					p := &bonafide.PublicPost{ID: fmt.Sprintf("HP-%d", k), Platform: "instagram", Handle: handle, PostedAt: at.Add(-time.Hour),
						Text: postTexts[r.IntN(len(postTexts))].text, MediaNote: postTexts[r.IntN(len(postTexts))].media}
					if !yield(p) {
						return
					}
				}
			}
			child := bonafide.Person{GivenName: girls[fr.IntN(len(girls))], FamilyName: surname, Role: bonafide.RoleChild,
				DOB: bonafide.PartialDate{Year: 2006 + fr.IntN(16), Month: 1 + fr.IntN(12), Day: 1 + fr.IntN(28)}}
			mother := bonafide.Person{GivenName: girls[fr.IntN(len(girls))], FamilyName: surname, Role: bonafide.RoleMother}
			if handle != "" {
				mother.SocialHandles = []bonafide.SocialHandle{{Platform: "instagram", Handle: handle}}
			}
			pc := fmt.Sprintf("%c%c%d %d%c%c", 'A'+rune(fr.IntN(26)), 'A'+rune(fr.IntN(26)), 1+fr.IntN(20), fr.IntN(10), 'A'+rune(fr.IntN(26)), 'A'+rune(fr.IntN(26)))
			if r.IntN(4) == 0 {
				child.GivenName = strings.ToLower(child.GivenName)
				child.DOB.Day = 0
			}
			if r.IntN(5) == 0 {
				pc = strings.Fields(pc)[0]
			}
			cat := []bonafide.ConcernCategory{bonafide.ConcernNeglect, bonafide.ConcernPhysicalAbuse, bonafide.ConcernDomesticAbuse}[r.IntN(3)]
			rep := &bonafide.Reporter{Anonymous: true, ContactIP: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))}
			kb := bonafide.KnowledgeNotStated
			if r.IntN(2) == 0 {
				rep = &bonafide.Reporter{GivenName: boys[r.IntN(len(boys))], FamilyName: syl1[r.IntN(len(syl1))] + syl2[r.IntN(len(syl2))],
					Relationship: bonafide.RelTeacher, Organisation: fmt.Sprintf("School %d", r.IntN(5000))}
				kb = bonafide.KnowledgeProfessional
			}
			ref := &bonafide.Referral{
				ID: fmt.Sprintf("H-%d", k), ReceivedAt: at, Channel: bonafide.ChannelWebForm, Reporter: rep, KnowledgeBasis: kb,
				Children: []bonafide.Person{child}, Adults: []bonafide.Person{mother},
				Address:  &bonafide.Address{Town: towns[fr.IntN(len(towns))], Postcode: pc},
				Concerns: []bonafide.Concern{{Category: cat}},
				Narrative: fmt.Sprintf("%s %s %s %s.", whenP[r.IntN(len(whenP))], sawP[r.IntN(len(sawP))],
					harmP[cat][r.IntN(len(harmP[cat]))], whereP[r.IntN(len(whereP))]),
			}
			if !yield(ref) {
				return
			}
		}
	}
}
