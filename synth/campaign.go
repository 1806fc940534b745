package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"bonafide"
)

// troll is one member of a harassment campaign: who they really are, the
// fronts they use, and how they write.
type troll struct {
	id        string
	h         human
	alias     [2]string // a fake name they reuse, with variants
	mailGiven string    // e-mail tokens: jo, smith, 84
	mailSur   string
	mailNum   string
	domain    string
	devices   []string
	ipPrefix  string // a /24: "81.2.69."
	phone     string
	handle    string // on the gossip forum
	neighbour bool   // claims to live near the family
	helpline  bool   // also rings the national helpline
	weight    float64
	style     trollStyle
}

type trollStyle struct {
	caps     float64 // share of long words shouted
	bangs    string
	lower    bool
	ellipsis bool
	noApos   bool
	misspell [][2]string // the troll's own habitual misspellings
	pet      []string
	signoff  string
	her      string // what they call the mother
	opener   string
}

// campaign is one harassment campaign in progress.
type campaign struct {
	id       string
	trolls   []troll
	from, to time.Time
	site     string
	thread   string
	slug     string
	forumSeq uint64
	said     []string // sentences already used, for copying
}

// newTroll invents a troll from r; their manner towards this family (what
// they call the mother, how they open) comes from the family's stream.
func (g *famGen) newTroll(r *rand.Rand, id string) troll {
	t := troll{id: id, h: newHuman(r, "", "", 1965, 2003), weight: 0.3 + r.ExpFloat64()}
	aliasSur := pick(r, surnames)
	t.alias = [2]string{pick(r, femaleNames) + " " + aliasSur, pick(r, femaleNames) + " " + aliasSur}
	if chance(r, 0.3) {
		t.alias[1] = t.alias[0][:1] + " " + aliasSur
	}
	t.mailGiven = strings.ToLower(asciiOnly(t.h.Given))
	if len(t.mailGiven) > 4 && chance(r, 0.5) {
		t.mailGiven = t.mailGiven[:2+r.IntN(2)]
	}
	t.mailSur = strings.ToLower(asciiOnly(pick(r, []string{t.h.Surname, aliasSur})))
	t.mailNum = fmt.Sprint(t.h.DOB.Year() % 100)
	if chance(r, 0.4) {
		t.mailNum = fmt.Sprint(1 + r.IntN(999))
	}
	t.domain = pick(r, append(append([]string{}, throwawayDomains...), mailDomains...))
	for k := 1 + r.IntN(3); k > 0; k-- {
		t.devices = append(t.devices, deviceID(r))
	}
	ip := randIP(r)
	t.ipPrefix = ip[:strings.LastIndexByte(ip, '.')+1]
	if chance(r, 0.35) {
		t.phone = mobile(r)
	}
	t.handle = pick(r, []string{"truthseeker", "justsaying", "mumof", "nosy", "concerned", "tea", "popcorn", "wineo", "spill", "auntie"}) +
		pick(r, []string{"_", "", "."}) + fmt.Sprint(r.IntN(1000))
	t.neighbour = chance(r, 0.25)
	t.helpline = chance(r, 0.5)
	st := &t.style
	st.caps = []float64{0, 0.12, 0.35}[weighted(r, []float64{50, 35, 15})]
	st.bangs = pick(r, []string{"", "", "!", "!!!", "!!1", "!?"})
	st.lower = chance(r, 0.25)
	st.ellipsis = chance(r, 0.25)
	st.noApos = chance(r, 0.3)
	for _, k := range r.Perm(len(misspellings))[:r.IntN(3)] {
		st.misspell = append(st.misspell, misspellings[k])
	}
	pets := r.Perm(len(petPhrases))
	st.pet = []string{petPhrases[pets[0]], petPhrases[pets[1]]}
	st.signoff = pick(r, []string{"", "", "Do your job.", "Thank you.", "- a concerned mum", "Concerned member of the public", "x", "Regards"})
	g.styleFor(&t)
	return t
}

func (g *famGen) styleFor(t *troll) {
	r, st, pub := g.r, &t.style, g.fam.pub
	st.her = pick(r, []string{"she", "Miss Perfect", "@" + pub.handle, "that woman", pub.who.Given, "the mother", "her royal highness " + pub.who.Given})
	if pub.who == g.fam.father {
		st.her = pick(r, []string{"he", "Mr Perfect", "@" + pub.handle, "that man", pub.who.Given, "the father", "his lordship " + pub.who.Given})
	}
	st.opener = pick(r, []string{"", "", "I want to report " + st.her + ".", "Again.", "I am reporting " + pub.handle + ".", "Please read this.", "URGENT."})
}

// serialTroll returns the troll shared by the campaigns of one ring (two
// consecutive campaigns by number), or false if the ring has none. The
// troll is made from the ring's own stream, so every family of the ring
// gets the same person, devices, addresses and habits.
func (g *famGen) serialTroll(ordinal uint64) (troll, bool) {
	ring := ordinal / 2
	r := newRand(g.cfg.Seed, labelRing, ring)
	if !chance(r, 0.5) {
		return troll{}, false
	}
	t := g.newTroll(r, g.keys.rep.id("RPT", 1<<46|ring))
	t.weight += 0.5 // a serial troll is among the busiest
	g.styleFor(&t)
	return t, true
}

// email returns one of the troll's throwaway addresses: the same tokens,
// rearranged a little each time (jo.smith84@, josmith84+kids@, j.smith.84@).
func (t *troll) email(r *rand.Rand) string {
	g, s, n := t.mailGiven, t.mailSur, t.mailNum
	var local string
	switch r.IntN(7) {
	case 0:
		local = g + "." + s + n
	case 1:
		local = g + s + n + "+" + pick(r, []string{"kids", "report", "safe", "cs"})
	case 2:
		local = g[:1] + "." + s + "." + n
	case 3:
		local = g + "." + s + "." + n
	case 4:
		local = g + s + "_" + n
	case 5:
		local = g + s + n
	default:
		local = s + "." + g + n
	}
	dom := t.domain
	if chance(r, 0.2) {
		dom = pick(r, throwawayDomains)
	}
	return local + "@" + dom
}

// reporter is what the troll gives on one channel: often nothing, a fake
// name, sometimes their own, with devices, addresses and numbers reused.
func (t *troll) reporter(r *rand.Rand, ch bonafide.Channel) *bonafide.Reporter {
	rep := &bonafide.Reporter{}
	switch weighted(r, []float64{50, 35, 15}) {
	case 0:
		rep.Anonymous = true
	case 1:
		name := t.alias[r.IntN(2)]
		if i := strings.IndexByte(name, ' '); i > 0 {
			rep.GivenName, rep.FamilyName = name[:i], name[i+1:]
		}
	default:
		rep.GivenName, rep.FamilyName = typedGiven(r, t.h.Given, ordinary), t.h.Surname
	}
	if t.neighbour {
		rep.Relationship = bonafide.RelNeighbour
	} else {
		rep.Relationship = []bonafide.Relationship{bonafide.RelMemberOfPublic, bonafide.RelOnlineFollower, bonafide.RelNotStated, bonafide.RelFriend, bonafide.RelRelative}[weighted(r, []float64{35, 20, 25, 12, 8})]
	}
	switch ch {
	case bonafide.ChannelWebForm:
		if chance(r, 0.8) {
			rep.ContactIP = fmt.Sprintf("%s%d", t.ipPrefix, 1+r.IntN(254))
		} else {
			rep.ContactIP = randIP(r)
		}
		if chance(r, 0.85) {
			rep.DeviceID = pick(r, t.devices)
		} else {
			rep.DeviceID = deviceID(r)
		}
		if chance(r, 0.5) {
			rep.Email = t.email(r)
		}
	case bonafide.ChannelEmail:
		rep.Email = t.email(r)
	case bonafide.ChannelPhone:
		if t.phone != "" && chance(r, 0.6) {
			rep.Phone = t.phone
		}
	}
	return rep
}

// styled applies the troll's habits to a narrative.
func (st trollStyle) styled(r *rand.Rand, s string) string {
	if st.caps > 0 {
		words := strings.Fields(s)
		for i, w := range words {
			if len(w) > 4 && chance(r, st.caps) {
				words[i] = strings.ToUpper(w)
			}
		}
		s = strings.Join(words, " ")
	}
	for _, m := range st.misspell {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	if st.ellipsis {
		s = strings.ReplaceAll(s, ". ", "... ")
	}
	if st.noApos {
		s = strings.ReplaceAll(s, "'", "")
	}
	if st.bangs != "" {
		s = strings.TrimRight(s, ". ") + st.bangs
	}
	if st.lower {
		s = lowerText(s)
	}
	return s
}

func lowerText(s string) string { return strings.ToLower(s) }

// misspellings people make, applied n times where the word occurs.
var misspellings = [][2]string{
	{"their", "there"}, {"definitely", "definately"}, {"separate", "seperate"}, {"children", "childen"}, {"because", "becuase"},
	{"neglect", "neglet"}, {"disgusting", "discusting"}, {"believe", "beleive"}, {"you're", "your"}, {"should have", "should of"},
	{"pregnant", "pregant"}, {"naked", "nakid"}, {"again", "agian"}, {"really", "realy"}, {"the ", "teh "}, {"someone", "some one"},
}

func misspell(r *rand.Rand, s string, n int) string {
	for _, k := range r.Perm(len(misspellings)) {
		if n == 0 {
			break
		}
		m := misspellings[k]
		if strings.Contains(s, m[0]) {
			s = strings.Replace(s, m[0], m[1], 1)
			n--
		}
	}
	return s
}

// campaignFor runs a harassment campaign against a public family.
//
// ordinal numbers the campaign among all campaigns of the run.
func (g *famGen) campaignFor(ordinal uint64) {
	r := g.r
	pub := g.fam.pub
	c := &campaign{id: g.keys.campaign.id("CMP", g.idx)}
	c.from = g.randTime(g.start, g.end.Add(-g.span()/4))
	if !pub.birthAnnounced.IsZero() && chance(r, 0.6) {
		c.from = pub.birthAnnounced.Add(-time.Duration(r.IntN(60*24)) * time.Hour)
	}
	c.to = c.from.AddDate(0, 2+r.IntN(8), r.IntN(28))
	n := 1 + weighted(r, []float64{35, 30, 18, 10, 7})
	for k := 0; k < n; k++ {
		c.trolls = append(c.trolls, g.newTroll(g.r, g.newReporterID()))
	}
	if t, ok := g.serialTroll(ordinal); ok {
		c.trolls[0] = t
	}
	g.stats.Campaigns++
	g.stats.Trolls += n
	c.site = pick(r, forumSites)
	c.thread = fmt.Sprintf("%s - part %d", pub.handle, 1+r.IntN(30))
	c.slug = fmt.Sprintf("%s-part-%d.%d", strings.ReplaceAll(pub.handle, ".", "-"), 1+r.IntN(30), 1000+r.IntN(90000))
	scale := g.cfg.CampaignScale
	for _, p := range pub.posts {
		if p.at.Before(c.from) || p.at.After(c.to) || p.at.Before(g.start) {
			continue
		}
		claims, twistable := twistClaims[p.kind]
		prob := 0.08
		if twistable {
			prob = 0.35
		}
		if !chance(r, min(prob*scale, 1)) {
			continue
		}
		for k := 0; k < 1+weighted(r, []float64{75, 20, 5}); k++ {
			t := g.pickTroll(c)
			at := p.at.Add(time.Duration(20+r.IntN(14*60)) * time.Minute)
			claim := pick(r, inventedClaims)
			kind := KindCampaignInvented
			if twistable {
				claim, kind = pick(r, claims), KindCampaignTwistedPost
				if pub.who == g.fam.father && strings.Contains(claim, "pregnan") {
					claim = "he's drinking all day with the kids running about"
				}
			}
			if p.kind == postBirth {
				kind = KindCampaignBirth
			}
			g.trollReferral(c, t, at, claim, kind, &p)
		}
	}
	if !pub.birthAnnounced.IsZero() && !pub.birthAnnounced.Before(c.from) && pub.birthAnnounced.Before(c.to) {
		for k := int(float64(2+r.IntN(5)) * scale); k > 0; k-- {
			at := pub.birthAnnounced.Add(time.Duration(1+r.IntN(42*24)) * time.Hour)
			g.trollReferral(c, g.pickTroll(c), at, pick(r, twistClaims[postBirth]), KindCampaignBirth, nil)
		}
	}
	for k := int(float64(1+r.IntN(4)) * scale); k > 0; k-- {
		at := g.dayTime(g.randTime(c.from, c.to), false)
		g.trollReferral(c, g.pickTroll(c), at, pick(r, inventedClaims), KindCampaignInvented, nil)
	}
	// Background chatter on the forum, from trolls and others alike.
	for k := 5 + r.IntN(20); k > 0; k-- {
		author := fmt.Sprintf("%s%d", pick(r, []string{"user", "lurker", "anon", "mumsnet_refugee", "popcornqueen", "bystander"}), r.IntN(10000))
		if chance(r, 0.3) {
			author = c.trolls[r.IntN(len(c.trolls))].handle
		}
		g.forumPost(c, author, g.randTime(c.from.AddDate(0, 0, -14), c.to.AddDate(0, 1, 0)), g.gendered(pick(r, forumChatter)))
	}
	// A real concern can still come in about a targeted family.
	if chance(r, 0.3*g.cfg.GenuineScale) {
		at := g.dayTime(g.randTime(c.from, c.to.AddDate(0, 3, 0)), true)
		if i, ok := g.focus(at, 0, 16); ok {
			age := ageAt(g.fam.kids[i].born, at)
			rel := bonafide.RelTeacher
			bank := teacherNeglect
			if age < 5 {
				rel, bank = bonafide.RelHealthProfession, healthNeglect
			}
			g.proReferral(at, g.professional(rel, age), i, []bonafide.ConcernCategory{bonafide.ConcernNeglect}, bank, KindGenuineTargetedFamily, false)
		}
	}
}

// gossipOnly gives a public family that no campaign targets a gossip
// thread anyway, so that forum chatter alone does not mark a campaign.
func (g *famGen) gossipOnly() {
	r := g.r
	c := &campaign{site: pick(r, forumSites)}
	pub := g.fam.pub
	c.thread = fmt.Sprintf("%s - part %d", pub.handle, 1+r.IntN(10))
	c.slug = fmt.Sprintf("%s-part-%d.%d", strings.ReplaceAll(pub.handle, ".", "-"), 1+r.IntN(10), 1000+r.IntN(90000))
	from := g.randTime(g.start, g.end)
	for k := 3 + r.IntN(15); k > 0; k-- {
		author := fmt.Sprintf("%s%d", pick(r, []string{"user", "lurker", "anon", "popcornqueen", "bystander", "nosyneighbour"}), r.IntN(10000))
		g.forumPost(c, author, g.randTime(from, from.AddDate(0, 4, 0)), g.gendered(pick(r, forumChatter)))
	}
}

func (g *famGen) pickTroll(c *campaign) *troll {
	w := make([]float64, len(c.trolls))
	for i, t := range c.trolls {
		w[i] = t.weight
	}
	return &c.trolls[weighted(g.r, w)]
}

func (g *famGen) forumPost(c *campaign, author string, at time.Time, text string) {
	c.forumSeq++
	g.postSeq++
	id := g.keys.forum.id("FRM", g.idx<<16|g.postSeq)
	g.emit(&bonafide.ForumPost{ID: id, Site: c.site, Thread: c.thread, AuthorHandle: author, PostedAt: at, Text: text,
		URL: fmt.Sprintf("https://%s/threads/%s/post-%d", c.site, c.slug, 100000+c.forumSeq*7)}, nil)
}

// trollReferral makes one referral by troll t, with forum posts before and
// after, and a helpline relay of it if they rang that too.
func (g *famGen) trollReferral(c *campaign, t *troll, at time.Time, claim, kind string, p *post) {
	r := g.r
	if chance(r, 0.4) {
		g.forumPost(c, t.handle, at.Add(-time.Duration(20+r.IntN(20*60))*time.Minute), t.style.styled(r, g.gendered(pick(r, forumBefore))))
	}
	narr, cats := g.trollNarrative(c, t, at, claim, p)
	danger := chance(r, 0.03)
	if danger { // a troll claiming danger now must still be rated immediate
		narr = t.style.styled(r, g.gendered(pick(r, trollDanger))) + " " + narr
	}
	ch := []bonafide.Channel{bonafide.ChannelWebForm, bonafide.ChannelPhone, bonafide.ChannelEmail, bonafide.ChannelLetter}[weighted(r, []float64{55, 25, 15, 5})]
	basis := []bonafide.KnowledgeBasis{bonafide.KnowledgeOnlineContent, bonafide.KnowledgeSecondHand, bonafide.KnowledgeNotStated, bonafide.KnowledgeFirstHand}[weighted(r, []float64{30, 30, 25, 15})]
	if t.neighbour {
		basis = bonafide.KnowledgeFirstHand
		if kind != KindCampaignBirth || chance(r, 0.5) {
			kind = KindCampaignFakeNeighbour
		}
	}
	rep := t.reporter(r, ch)
	if chance(r, 0.04) { // posing as a professional, without an organisation
		rep.Relationship = pick(r, []bonafide.Relationship{bonafide.RelHealthProfession, bonafide.RelTeacher, bonafide.RelSocialCare})
		basis = bonafide.KnowledgeProfessional
		narr = pick(r, []string{"As a nurse I can tell you ", "I work in safeguarding and ", "As a teacher myself, "}) + lowerFirst(narr)
	}
	names := make(map[int]string)
	var kids []int
	for _, i := range g.kidsAt(at) {
		if chance(r, 0.8) {
			kids = append(kids, i)
			names[i] = g.fam.kids[i].nick
			if chance(r, 0.3) {
				names[i] = typedGiven(r, g.fam.kids[i].nick, stranger)
			}
		}
	}
	if len(kids) == 0 {
		kids = g.kidsAt(at)
		for _, i := range kids {
			names[i] = g.fam.kids[i].nick
		}
	}
	cmp := c.id
	spec := referralSpec{
		at: at, channel: ch, source: "9", reporter: rep, reporterT: t.id, basis: basis, level: stranger,
		kids: kids, adults: chance(r, 0.85), address: weighted(r, []float64{20, 55, 25}), handles: chance(r, 0.7),
		concerns: cats, narrative: narr, danger: danger, campaign: &cmp, kind: kind, kidNames: names,
	}
	if !spec.reporter.Anonymous {
		spec.source = "1D"
	}
	if chance(r, 0.3) {
		spec.source = ""
	}
	id := g.referral(spec)
	if id == "" {
		return
	}
	if chance(r, 0.35) {
		g.forumPost(c, t.handle, at.Add(time.Duration(30+r.IntN(40*60))*time.Minute), t.style.styled(r, g.gendered(pick(r, forumAfter))))
	}
	if t.helpline && (ch == bonafide.ChannelPhone || chance(r, 0.25)) && chance(r, 0.85) {
		g.helplineRelay(spec, id)
	}
}

// trollNarrative writes the allegation in the troll's own style, sometimes
// borrowing a sentence another troll used.
func (g *famGen) trollNarrative(c *campaign, t *troll, at time.Time, claim string, p *post) (string, []bonafide.Concern) {
	r := g.r
	st := t.style
	var parts []string
	if st.opener != "" && chance(r, 0.6) {
		parts = append(parts, st.opener)
	}
	her := st.her
	claimS := claim
	switch {
	case strings.HasPrefix(claim, "she'll "):
		claimS = her + " will " + strings.TrimPrefix(claim, "she'll ")
	case strings.HasPrefix(claim, "she's "):
		claimS = her + " is " + strings.TrimPrefix(claim, "she's ")
	case strings.HasPrefix(claim, "she "):
		claimS = her + " " + strings.TrimPrefix(claim, "she ")
	}
	parts = append(parts, capitalFirst(claimS)+".")
	if p != nil && chance(r, 0.5) {
		parts = append(parts, pick(r, []string{"Look at what she posted today.", "It's on her " + g.fam.pub.platform + " for everyone to see.", "She posted it herself, the proof is there.", "Check her page @" + g.fam.pub.handle + "."}))
	}
	if t.neighbour {
		parts = append(parts, pick(r, fakeNeighbourLines))
	}
	if chance(r, 0.15) {
		s := newStory(r)
		day := recentDay(r, at)
		s.set("day", weekdays[day.Weekday()]).set("time", clock(r, day))
		parts = append(parts, s.fill(pick(r, trollInventedDetail)))
	}
	if chance(r, 0.4) {
		parts = append(parts, capitalFirst(pick(r, inventedClaims))+".")
	}
	if len(c.said) > 0 && chance(r, 0.18) {
		parts = append(parts, c.said[r.IntN(len(c.said))])
	}
	for _, pp := range st.pet {
		if chance(r, 0.6) {
			parts = append(parts, pp)
		}
	}
	if st.signoff != "" {
		parts = append(parts, st.signoff)
	}
	parts = slices.Compact(parts) // a copied sentence may repeat the one before
	seen := make(map[string]bool, len(parts))
	parts = slices.DeleteFunc(parts, func(p string) bool { dup := seen[p]; seen[p] = true; return dup })
	text := st.styled(r, g.gendered(strings.Join(parts, " ")))
	// remember a sentence for others to copy
	if len(c.said) < 64 && len(parts) > 1 {
		c.said = append(c.said, parts[len(parts)/2])
	}
	return text, claimConcerns(r, claim)
}

// claimConcerns picks the categories a troll ticks for a claim.
func claimConcerns(r *rand.Rand, claim string) []bonafide.Concern {
	has := func(ws ...string) bool {
		for _, w := range ws {
			if strings.Contains(claim, w) {
				return true
			}
		}
		return false
	}
	var cats []bonafide.ConcernCategory
	switch {
	case has("drunk", "drink", "alcoholic", "wine", "drugs", "smoking", "off her face"):
		cats = append(cats, bonafide.ConcernSubstanceMisuse)
	case has("naked", "sexualis", "bath"):
		cats = append(cats, bonafide.ConcernSexualAbuse, bonafide.ConcernOnlineSafety)
	case has("hits", "bruises", "violent", "slap", "marks", "abuser"):
		cats = append(cats, bonafide.ConcernPhysicalAbuse)
	case has("exploit", "stream", "content", "internet"):
		cats = append(cats, bonafide.ConcernOnlineSafety, bonafide.ConcernEmotionalAbuse)
	case has("scream", "scared", "locks"):
		cats = append(cats, bonafide.ConcernEmotionalAbuse)
	default:
		cats = append(cats, bonafide.ConcernNeglect)
	}
	if chance(r, 0.35) {
		cats = append(cats, pick(r, []bonafide.ConcernCategory{bonafide.ConcernNeglect, bonafide.ConcernEmotionalAbuse, bonafide.ConcernOther}))
	}
	out := make([]bonafide.Concern, 0, len(cats))
	seen := map[bonafide.ConcernCategory]bool{}
	for _, c := range cats {
		if !seen[c] {
			seen[c] = true
			out = append(out, bonafide.Concern{Category: c})
		}
	}
	return out
}

// feud is harassment of an ordinary family by someone who knows them: a
// neighbour in a dispute or an ex-partner's relative, reporting again and
// again with invented first-hand detail. There are no posts to twist.
func (g *famGen) feud() {
	r := g.r
	c := &campaign{id: g.keys.campaign.id("CMP", g.idx)}
	g.stats.Campaigns++
	g.stats.Trolls++
	rel := pick(r, []bonafide.Relationship{bonafide.RelNeighbour, bonafide.RelNeighbour, bonafide.RelRelative, bonafide.RelParent})
	l := g.newLay(rel)
	style := trollStyle{bangs: pick(r, []string{"", "!", "!!"}), lower: chance(r, 0.2)}
	if chance(r, 0.5) {
		style.misspell = [][2]string{pick(r, misspellings)}
	}
	pets := r.Perm(len(petPhrases))
	style.pet = []string{petPhrases[pets[0]]}
	at := g.randTime(g.start, g.end.Add(-g.span()/4))
	cmp := c.id
	for k := 4 + r.IntN(9); k > 0 && at.Before(g.end); k-- {
		at = g.dayTime(at, false)
		i, ok := g.focus(at, 0, 17)
		if !ok {
			return
		}
		s, names := g.storyFor(i, at, ordinary)
		var parts []string
		if rel == bonafide.RelNeighbour {
			parts = append(parts, s.fill(pick(r, []string{"I live {where}.", "I'm their neighbour.", "I live on {street}."})))
		}
		parts = append(parts, capitalFirst(pick(r, inventedClaims))+".")
		if chance(r, 0.6) {
			parts = append(parts, s.fill(pick(r, neighbourFirstHand)))
		}
		if chance(r, 0.5) {
			parts = append(parts, style.pet[0])
		}
		ch := layChannel(r)
		if chance(r, 0.5) {
			ch = bonafide.ChannelPhone
		}
		danger := chance(r, 0.04)
		if danger {
			parts = append([]string{pick(r, trollDanger)}, parts...)
		}
		claim := strings.ToLower(parts[len(parts)-1])
		g.referral(referralSpec{
			at: at, channel: ch, source: layBasisSource(l.rel, l.anonymous), reporter: l.reporter(r, ch), reporterT: l.id,
			basis: bonafide.KnowledgeFirstHand, level: ordinary, adults: true, address: 2, concerns: claimConcerns(r, claim),
			narrative: style.styled(r, strings.Join(parts, " ")), danger: danger, campaign: &cmp, kind: KindCampaignFeud, kidNames: names,
		})
		at = at.AddDate(0, 0, 7+r.IntN(50))
	}
}
