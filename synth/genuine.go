package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"bonafide"
)

// genuine draws the family's genuine referrals: most families have none,
// some one or two, a few are referred again and again over months.
func (g *famGen) genuine() {
	p := 0.0012
	if g.fam.pub != nil && (g.fam.pub.kind == "influencer" || g.fam.pub.kind == "vlogger") {
		p = 0.08
	}
	for k := g.occurrences(0.135); k > 0; k-- {
		g.singleConcern()
	}
	for k := g.occurrences(0.02); k > 0; k-- {
		g.repeatNeglect()
	}
	for k := g.occurrences(0.011); k > 0; k-- {
		g.domestic()
	}
	for k := g.occurrences(p); k > 0; k-- {
		g.onlineBurst()
	}
	if g.fam.pub != nil {
		for k := g.occurrences(0.12); k > 0; k-- {
			g.postedInjury()
		}
	}
}

// occurrences is how many times a scenario with probability p per family
// over two years happens in this family over the configured period, scaled
// by GenuineScale: the integer part always, the fraction by chance.
func (g *famGen) occurrences(p float64) int {
	x := p * g.cfg.GenuineScale * float64(g.cfg.Months) / 24
	n := int(x)
	if chance(g.r, x-float64(n)) {
		n++
	}
	return n
}

// postedInjury is a family post showing a child hurt, and a follower or two
// reporting it within hours in good faith: the genuine twin of a troll
// twisting a post.
func (g *famGen) postedInjury() {
	r := g.r
	at := g.dayTime(g.randTime(g.start, g.end), false)
	i, ok := g.focus(at, 1, 8)
	if !ok {
		return
	}
	k := g.fam.kids[i]
	g.addPost(post{at: at, kind: postInjury, child: k.nick})
	p := &g.fam.pub.posts[len(g.fam.pub.posts)-1]
	g.writePost(p)
	for n := 1 + weighted(r, []float64{60, 30, 10}); n > 0; n-- {
		t := at.Add(time.Duration(30+r.IntN(10*60)) * time.Minute)
		l := g.newLay(pick(r, []bonafide.Relationship{bonafide.RelOnlineFollower, bonafide.RelMemberOfPublic}))
		s, names := g.storyFor(i, t, stranger)
		names[i] = k.nick
		s.set("child", k.nick)
		narr := layStyle(r, g.gendered(compose(r, s, onlinePost, 2+r.IntN(3))))
		ch := []bonafide.Channel{bonafide.ChannelWebForm, bonafide.ChannelEmail, bonafide.ChannelPhone}[weighted(r, []float64{60, 20, 20})]
		g.referral(referralSpec{
			at: t, channel: ch, source: layBasisSource(l.rel, l.anonymous), reporter: l.reporter(r, ch), reporterT: l.id,
			basis: bonafide.KnowledgeOnlineContent, level: stranger, kids: []int{i}, adults: chance(r, 0.6), address: weighted(r, []float64{60, 35, 5}),
			handles: true, concerns: concerns(r, s, []bonafide.ConcernCategory{bonafide.ConcernPhysicalAbuse}),
			narrative: narr, kind: KindGenuineOnline, kidNames: names,
		})
	}
}

// focus picks the child a referral is mostly about, among those born by t,
// preferring the given age range; ok is false when no child is born yet.
func (g *famGen) focus(t time.Time, minAge, maxAge int) (int, bool) {
	kids := g.kidsAt(t)
	if len(kids) == 0 {
		return 0, false
	}
	var fit []int
	for _, i := range kids {
		if a := ageAt(g.fam.kids[i].born, t); a >= minAge && a <= maxAge {
			fit = append(fit, i)
		}
	}
	if len(fit) == 0 {
		return pick(g.r, kids), true
	}
	return pick(g.r, fit), true
}

// storyFor fills the story of a referral about child i at t, with names as
// a reporter at the given level knows them; kidNames records the typed
// names so the children list agrees with the narrative.
func (g *famGen) storyFor(i int, at time.Time, level int) (*story, map[int]string) {
	r := g.r
	f := &g.fam
	names := make(map[int]string)
	for _, j := range g.kidsAt(at) {
		names[j] = typedGiven(r, f.kids[j].h.Given, level)
	}
	k := f.kids[i]
	s := newStory(r).pronouns(k.h.Sex)
	s.set("child", names[i]).set("age", fmt.Sprint(ageAt(k.born, at))).set("yeargroup", yearGroup(ageAt(k.born, at)))
	sib := "the younger ones"
	for _, j := range g.kidsAt(at) {
		if j != i {
			sib = names[j]
			break
		}
	}
	s.set("sibling", sib)
	mum := "mum"
	if level < stranger || chance(r, 0.5) {
		mum = typedGiven(r, f.mother.Given, level)
	}
	dad := "dad"
	if f.father != nil && (level < stranger || chance(r, 0.3)) {
		dad = typedGiven(r, f.father.Given, level)
	} else if f.father == nil {
		dad = pick(r, []string{"mum's boyfriend", "the boyfriend", "her partner"})
	}
	s.set("mum", mum).set("dad", dad)
	day := recentDay(r, at)
	later := day.Add(90 * time.Minute)
	if level == careful { // professionals write of school and office hours on weekdays
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || !day.Before(at) {
			day = day.AddDate(0, 0, -1)
		}
		d0 := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		day = d0.Add(time.Duration(8*60+r.IntN(8*60)) * time.Minute)
		later = d0.Add(time.Duration(15*60+30+r.IntN(150)) * time.Minute)
	}
	s.set("day", weekdays[day.Weekday()]).set("date", shortDate(r, day)).set("time", clock(r, day)).set("time2", clock(r, later))
	s.set("date2", shortDate(r, at.AddDate(0, -2-r.IntN(6), -r.IntN(20)))).set("month", at.AddDate(0, -1-r.IntN(4), 0).Month().String())
	s.set("n", fmt.Sprint(2+r.IntN(6))).set("pct", fmt.Sprint(61+r.IntN(25))).set("c1", fmt.Sprint(pick(r, []int{50, 75, 91}))).set("c2", fmt.Sprint(pick(r, []int{2, 9, 25})))
	s.set("nth", pick(r, []string{"second", "third", "fourth", "fifth"})).set("mins", fmt.Sprint(5+r.IntN(40)))
	s.set("where", pick(r, []string{"next door", "opposite", "in the flat above", "two doors down", "in the flat below"}))
	s.set("rel", pick(r, []string{"her sister", "the children's nan", "their aunt", "her mum", "the kids' grandad", "their uncle"}))
	s.set("street", f.home.Stem+" "+f.home.Kind).set("address", f.home.line1()).set("risk", pick(r, []string{"high", "medium", "standard"}))
	s.set("toddler", pick(r, []string{"toddler", "little boy", "little girl", "baby"}))
	if f.pub != nil {
		s.set("handle", "@"+f.pub.handle).set("platform", f.pub.platform)
	} else {
		s.set("handle", "her page").set("platform", pick(r, platforms))
	}
	return s, names
}

// proReferral makes one referral from a professional about child i.
func (g *famGen) proReferral(at time.Time, p pro, i int, cats []bonafide.ConcernCategory, bank []string, kind string, danger bool) string {
	r := g.r
	s, names := g.storyFor(i, at, careful)
	narr := compose(r, s, bank, 2+r.IntN(3))
	if !chance(r, 0.85) { // some professionals write little
		narr = compose(r, s, bank, 1)
	}
	ch := []bonafide.Channel{bonafide.ChannelEmail, bonafide.ChannelWebForm, bonafide.ChannelPhone}[weighted(r, []float64{55, 25, 20})]
	rep := p.reporter(r)
	if ch == bonafide.ChannelWebForm {
		rep.ContactIP = p.ip
	}
	kids := []int{i}
	if chance(r, 0.5) {
		kids = g.kidsAt(at)
	}
	return g.referral(referralSpec{
		at: at, channel: ch, source: p.source, reporter: rep, reporterT: p.id, basis: bonafide.KnowledgeProfessional, level: careful,
		kids: kids, adults: true, address: 3, concerns: concerns(r, s, cats), narrative: narr, danger: danger, kind: kind, kidNames: names,
	})
}

// concerns lists the categories with short details in the reporter's words.
func concerns(r *rand.Rand, s *story, cats []bonafide.ConcernCategory) []bonafide.Concern {
	out := make([]bonafide.Concern, 0, len(cats))
	for _, c := range cats {
		cc := bonafide.Concern{Category: c}
		if d, ok := concernDetail[c]; ok && chance(r, 0.7) {
			cc.Detail = s.fill(pick(r, d))
		}
		out = append(out, cc)
	}
	return out
}

var concernDetail = map[bonafide.ConcernCategory][]string{
	bonafide.ConcernNeglect:         {"hungry, unkempt, poor attendance", "home conditions", "missed health appointments", "left unsupervised", "poor hygiene"},
	bonafide.ConcernPhysicalAbuse:   {"unexplained bruising", "hit with a belt", "injury seen", "rough handling"},
	bonafide.ConcernDomesticAbuse:   {"violence between adults", "shouting and fighting", "police call-out"},
	bonafide.ConcernSubstanceMisuse: {"alcohol", "drugs in the home", "parent intoxicated"},
	bonafide.ConcernEmotionalAbuse:  {"shouted at, belittled", "child frightened", "exposed to conflict"},
	bonafide.ConcernOnlineSafety:    {"child filmed online", "live stream", "images posted publicly"},
	bonafide.ConcernSexualAbuse:     {"images of the children", "inappropriate adults"},
}

// layReferral makes one referral from a lay reporter about child i.
func (g *famGen) layReferral(at time.Time, l lay, i int, basis bonafide.KnowledgeBasis, cats []bonafide.ConcernCategory, bank []string, kind string, danger bool) string {
	r := g.r
	level := ordinary
	if l.rel == bonafide.RelMemberOfPublic || l.rel == bonafide.RelNotStated || l.rel == bonafide.RelOnlineFollower {
		level = stranger
	}
	s, names := g.storyFor(i, at, level)
	n := 1 + r.IntN(3)
	narr := compose(r, s, bank, n)
	if danger {
		narr = s.fill(pick(r, immediateGenuine)) + " " + narr
	}
	narr = layStyle(r, narr)
	ch := layChannel(r)
	if danger {
		ch = bonafide.ChannelPhone
	}
	address := 2
	switch l.rel {
	case bonafide.RelNeighbour:
		address = 2
	case bonafide.RelMemberOfPublic, bonafide.RelOnlineFollower, bonafide.RelNotStated:
		address = weighted(r, []float64{40, 40, 20})
	}
	spec := referralSpec{
		at: at, channel: ch, source: layBasisSource(l.rel, l.anonymous), reporter: l.reporter(r, ch), reporterT: l.id, basis: basis,
		level: level, adults: chance(r, 0.8), address: address, concerns: concerns(r, s, cats), narrative: narr, danger: danger,
		kind: kind, kidNames: names,
	}
	if len(g.kidsAt(at)) > 1 && chance(r, 0.4) {
		spec.kids = []int{i}
	}
	if chance(r, 0.2) {
		spec.source = ""
	}
	// Some call a national helpline instead of, or as well as, the council.
	if !danger && chance(r, 0.12) {
		g.helplineRelay(spec, "")
		return ""
	}
	id := g.referral(spec)
	if id != "" && !danger && chance(r, 0.05) {
		g.helplineRelay(spec, id)
	}
	return id
}

// layStyle roughens a lay reporter's text now and then: genuine reporters
// shout and misspell too, so style alone never marks a troll.
func layStyle(r *rand.Rand, s string) string {
	if chance(r, 0.15) { // the words trolls use are everyone's words too
		s += " " + pick(r, sharedPhrases)
	}
	switch weighted(r, []float64{70, 10, 8, 7, 5}) {
	case 1:
		return lowerText(s)
	case 2:
		return s + "!!"
	case 3:
		return misspell(r, s, 2)
	case 4:
		return "Hi, " + s + " Thanks"
	}
	return s
}

// sharedPhrases are what worried people add whoever they are; some are
// trolls' pet phrases as well.
var sharedPhrases = []string{
	"Someone needs to do something.", "This is a child at risk.", "Those children deserve better.", "Please don't ignore this.",
	"I couldn't live with myself if I didn't report it.", "Check her page if you don't believe me.", "Please act on this.",
}

const helplineAgency = "National Child Protection Helpline"

// helplineRelay writes a relay of spec's call a day or two later. relayOf
// is the id of the direct referral, or "" when the caller rang only the
// helpline.
func (g *famGen) helplineRelay(spec referralSpec, relayOf string) string {
	r := g.r
	// The helpline passes calls on a day or two later, between 08:00 and 20:00.
	at := spec.at.Add(time.Duration(18+r.IntN(40))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case at.Hour() < 8:
		at = day.Add(8*time.Hour + time.Duration(r.IntN(7200))*time.Second)
	case at.Hour() >= 20:
		at = day.AddDate(0, 0, 1).Add(8*time.Hour + time.Duration(r.IntN(7200))*time.Second)
	}
	spec.at = at
	spec.channel = bonafide.ChannelRelay
	spec.relay = &bonafide.Relay{Agency: helplineAgency, Ref: g.keys.helpline.id("NCPH", g.idx<<16|(g.refSeq+1))}
	spec.narrative = helplineEdit(r, spec.narrative, spec.reporter.Anonymous)
	spec.source = "8"
	old := spec.reporter
	rep := &bonafide.Reporter{Anonymous: old.Anonymous, Relationship: old.Relationship, Phone: old.Phone}
	if !old.Anonymous {
		rep.GivenName, rep.FamilyName = old.GivenName, old.FamilyName
	}
	spec.reporter = rep
	spec.relayOf = relayOf
	if relayOf != "" && spec.campaign != nil {
		spec.kind = KindCampaignRelay
	}
	spec.danger = false
	return g.referral(spec)
}

// singleConcern is one referral, perhaps with a follow-up by the same person.
func (g *famGen) singleConcern() {
	r := g.r
	at := g.randTime(g.start, g.end)
	who := weighted(r, []float64{22, 10, 7, 10, 13, 14, 12, 5, 4, 3})
	follow := chance(r, 0.15)
	next := at.AddDate(0, 0, 14+r.IntN(60))
	switch who {
	case 0, 1, 2, 3:
		rel := []bonafide.Relationship{bonafide.RelTeacher, bonafide.RelHealthProfession, bonafide.RelHealthProfession, bonafide.RelPolice}[who]
		at = g.dayTime(at, rel != bonafide.RelPolice)
		minA, maxA := 4, 16
		if who == 1 {
			minA, maxA = 0, 4
		}
		i, ok := g.focus(at, minA, maxA)
		if !ok {
			return
		}
		p := g.professional(rel, ageAt(g.fam.kids[i].born, at))
		bank, cats := teacherNeglect, []bonafide.ConcernCategory{bonafide.ConcernNeglect}
		switch {
		case rel == bonafide.RelHealthProfession && who == 1:
			bank = healthNeglect
		case rel == bonafide.RelHealthProfession:
			bank, cats = gpInjury, []bonafide.ConcernCategory{bonafide.ConcernPhysicalAbuse}
		case rel == bonafide.RelPolice:
			bank, cats = policeDomestic, []bonafide.ConcernCategory{bonafide.ConcernDomesticAbuse, bonafide.ConcernEmotionalAbuse}
		}
		g.proReferral(at, p, i, cats, bank, KindGenuineProfessional, false)
		if follow {
			g.proReferral(g.dayTime(next, rel != bonafide.RelPolice), p, i, cats, bank, KindGenuineProfessional, false)
		}
	default:
		rels := []bonafide.Relationship{bonafide.RelRelative, bonafide.RelNeighbour, bonafide.RelNotStated, bonafide.RelFriend, bonafide.RelParent, bonafide.RelMemberOfPublic}
		rel := rels[who-4]
		l := g.newLay(rel)
		kind, basis, bank := KindGenuineRelative, bonafide.KnowledgeFirstHand, relativeFirstHand
		switch rel {
		case bonafide.RelNeighbour:
			kind, bank = KindGenuineNeighbour, neighbourFirstHand
			if l.anonymous && chance(r, 0.3) {
				kind = KindGenuineAnonymous
			}
		case bonafide.RelNotStated, bonafide.RelMemberOfPublic:
			l.anonymous = chance(r, 0.75)
			kind, bank = KindGenuineAnonymous, vagueWorry
			basis = []bonafide.KnowledgeBasis{bonafide.KnowledgeSecondHand, bonafide.KnowledgeNotStated, bonafide.KnowledgeFirstHand}[weighted(r, []float64{45, 40, 15})]
		case bonafide.RelParent:
			bank = relativeFirstHand
		}
		if chance(r, 0.2) && kind != KindGenuineAnonymous { // vague though they know the family
			bank = vagueWorry
			basis = pick(r, []bonafide.KnowledgeBasis{bonafide.KnowledgeSecondHand, bonafide.KnowledgeNotStated, bonafide.KnowledgeFirstHand})
		}
		at = g.dayTime(at, false)
		i, ok := g.focus(at, 0, 17)
		if !ok {
			return
		}
		cats := pick(r, [][]bonafide.ConcernCategory{{bonafide.ConcernNeglect}, {bonafide.ConcernNeglect, bonafide.ConcernSubstanceMisuse}, {bonafide.ConcernPhysicalAbuse}, {bonafide.ConcernDomesticAbuse}, {bonafide.ConcernEmotionalAbuse}, {bonafide.ConcernOther}})
		danger := chance(r, 0.01)
		g.layReferral(at, l, i, basis, cats, bank, kind, danger)
		if follow {
			g.layReferral(g.dayTime(next, false), l, i, basis, cats, bank, kind, false)
		}
	}
}

// repeatNeglect is a family referred again and again over months, mostly by
// the same school and health services: the genuine case most like a campaign.
func (g *famGen) repeatNeglect() {
	r := g.r
	n := 3 + r.IntN(6)
	at := g.randTime(g.start, g.end.Add(-g.span()/3))
	i, ok := g.focus(at, 3, 12)
	if !ok {
		return
	}
	age := ageAt(g.fam.kids[i].born, at)
	school := g.professional(bonafide.RelTeacher, age)
	health := g.professional(bonafide.RelHealthProfession, age)
	var neighbour *lay
	for k := 0; k < n && at.Before(g.end); k++ {
		switch weighted(r, []float64{55, 30, 15}) {
		case 0:
			g.proReferral(g.dayTime(at, true), school, i, []bonafide.ConcernCategory{bonafide.ConcernNeglect}, teacherNeglect, KindGenuineRepeat, false)
		case 1:
			g.proReferral(g.dayTime(at, true), health, i, []bonafide.ConcernCategory{bonafide.ConcernNeglect}, healthNeglect, KindGenuineRepeat, false)
		default:
			if neighbour == nil {
				l := g.newLay(pick(r, []bonafide.Relationship{bonafide.RelNeighbour, bonafide.RelRelative}))
				neighbour = &l
			}
			bank := neighbourFirstHand
			if neighbour.rel == bonafide.RelRelative {
				bank = relativeFirstHand
			}
			g.layReferral(g.dayTime(at, false), *neighbour, i, bonafide.KnowledgeFirstHand, []bonafide.ConcernCategory{bonafide.ConcernNeglect}, bank, KindGenuineRepeat, false)
		}
		at = at.AddDate(0, 0, 18+r.IntN(70))
	}
}

// domestic is domestic abuse: police notifications after call-outs, and
// sometimes a neighbour ringing while it happens.
func (g *famGen) domestic() {
	r := g.r
	at := g.randTime(g.start, g.end)
	i, ok := g.focus(at, 0, 17)
	if !ok || g.fam.father == nil && chance(r, 0.5) {
		return
	}
	if chance(r, 0.3) {
		l := g.newLay(bonafide.RelNeighbour)
		g.layReferral(g.dayTime(at, false), l, i, bonafide.KnowledgeFirstHand, []bonafide.ConcernCategory{bonafide.ConcernDomesticAbuse, bonafide.ConcernPhysicalAbuse}, neighbourFirstHand, KindGenuineDomestic, chance(r, 0.45))
		at = at.Add(time.Duration(2+r.IntN(30)) * time.Hour)
	}
	for k := 1 + r.IntN(3); k > 0 && at.Before(g.end); k-- {
		p := g.professional(bonafide.RelPolice, 0)
		g.proReferral(at, p, i, []bonafide.ConcernCategory{bonafide.ConcernDomesticAbuse, bonafide.ConcernEmotionalAbuse}, policeDomestic, KindGenuineDomestic, false)
		at = at.AddDate(0, 0, 10+r.IntN(90))
	}
}

// onlineBurst is a child hurt on a live stream: several strangers who saw
// it report within hours, each in their own words.
func (g *famGen) onlineBurst() {
	r := g.r
	at := g.dayTime(g.randTime(g.start, g.end), false)
	if g.fam.pub != nil {
		for _, p := range g.fam.pub.posts {
			if p.kind == postLive && p.at.After(at) {
				at = p.at
				break
			}
		}
	}
	i, ok := g.focus(at, 0, 6)
	if !ok {
		return
	}
	n := 3 + r.IntN(7)
	for k := 0; k < n; k++ {
		t := at.Add(time.Duration(10+r.IntN(6*60)) * time.Minute)
		l := g.newLay(pick(r, []bonafide.Relationship{bonafide.RelMemberOfPublic, bonafide.RelOnlineFollower, bonafide.RelMemberOfPublic, bonafide.RelNotStated}))
		s, names := g.storyFor(i, at, stranger)
		s.set("time", clock(r, at))
		narr := layStyle(r, g.gendered(compose(r, s, onlineLive, 2+r.IntN(3))))
		ch := []bonafide.Channel{bonafide.ChannelWebForm, bonafide.ChannelPhone, bonafide.ChannelEmail}[weighted(r, []float64{60, 30, 10})]
		danger := chance(r, 0.06)
		g.referral(referralSpec{
			at: t, channel: ch, source: layBasisSource(l.rel, l.anonymous), reporter: l.reporter(r, ch), reporterT: l.id,
			basis: bonafide.KnowledgeOnlineContent, level: stranger, kids: []int{i}, adults: chance(r, 0.5), address: weighted(r, []float64{60, 35, 5}),
			handles: true, concerns: concerns(r, s, []bonafide.ConcernCategory{bonafide.ConcernPhysicalAbuse, bonafide.ConcernOnlineSafety}),
			narrative: narr, danger: danger, kind: KindGenuineOnline, kidNames: names,
		})
	}
}
