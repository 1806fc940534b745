package triagetest

import (
	"fmt"
	"strings"
	"time"

	"bonafide"
	"bonafide/triage"
)

// noisy returns p as a stranger might type it.
func (g *gen) noisy(p person, accurate bool, child bool) bonafide.Person {
	out := bonafide.Person{GivenName: p.given, FamilyName: p.family, Role: bonafide.RoleChild}
	if !child {
		out.Role = bonafide.RoleMother
	}
	if child {
		out.DOB = bonafide.PartialDate{Year: p.dob.Year(), Month: int(p.dob.Month()), Day: p.dob.Day()}
		if accurate {
			out.NHSNumber = p.nhs
		}
	}
	if accurate {
		return out
	}
	if g.chance(0.25) {
		out.GivenName = g.misspell(out.GivenName)
	}
	if g.chance(0.15) {
		out.FamilyName = g.misspell(out.FamilyName)
	}
	if g.chance(0.05) {
		out.GivenName, out.FamilyName = out.FamilyName, out.GivenName
	}
	if g.chance(0.1) {
		out.GivenName = ""
	}
	if child {
		switch x := g.r.Float64(); {
		case x < 0.25:
			out.DOB.Day = 0
		case x < 0.45:
			out.DOB.Day, out.DOB.Month = 0, 0
		case x < 0.55:
			out.DOB = bonafide.PartialDate{}
		}
	}
	return out
}

func (g *gen) misspell(s string) string {
	if len(s) < 4 {
		return s
	}
	b := []byte(s)
	i := 1 + g.r.IntN(len(b)-2)
	switch g.r.IntN(3) {
	case 0:
		b[i], b[i+1] = b[i+1], b[i]
	case 1:
		b = append(b[:i], b[i+1:]...)
	default:
		b = append(b[:i+1], b[i:]...)
	}
	return string(b)
}

func (g *gen) postcode(f *family, accurate bool) string {
	pc := f.postcode
	if accurate {
		return pc
	}
	switch x := g.r.Float64(); {
	case x < 0.2:
		return strings.ToLower(strings.ReplaceAll(pc, " ", ""))
	case x < 0.3:
		return strings.Fields(pc)[0]
	case x < 0.35:
		return ""
	}
	return pc
}

func (g *gen) referral(f *family, at time.Time, accurate bool) *bonafide.Referral {
	g.nref++
	r := &bonafide.Referral{ID: fmt.Sprintf("T-%d-%06d", g.cfg.Seed, g.nref), ReceivedAt: at}
	n := len(f.children)
	if !accurate && n > 1 && g.chance(0.4) {
		n = 1
	}
	for _, c := range f.children[:n] {
		r.Children = append(r.Children, g.noisy(c, accurate, true))
	}
	if accurate || g.chance(0.6) {
		m := g.noisy(f.mother, accurate, false)
		if f.handle != "" && g.chance(0.5) {
			m.SocialHandles = []bonafide.SocialHandle{{Platform: "instagram", Handle: "@" + f.handle}}
		}
		r.Adults = append(r.Adults, m)
	}
	if pc := g.postcode(f, accurate); pc != "" || accurate {
		r.Address = &bonafide.Address{Line1: f.line1, Town: f.town, Postcode: pc}
	}
	return r
}

func (g *gen) emit(r *bonafide.Referral, f *family, reporter string, campaign *string, kind, relayOf string) {
	g.items = append(g.items, Item{Rec: r, Truth: &triage.Truth{ReferralID: r.ID, Family: fmt.Sprintf("F%d", f.idx),
		Reporter: reporter, Campaign: campaign, ImmediateDanger: r.ImmediateDanger, RelayOf: relayOf, Kind: kind}})
}

func (g *gen) newReporter() string { g.nrep++; return fmt.Sprintf("P%d", g.nrep) }

var (
	whenP  = []string{"On Tuesday", "Yesterday afternoon", "Last night at about 10pm", "This morning at 8.40", "On Friday after school", "Around 7 o'clock on Sunday", "Two days ago"}
	whereP = []string{"at the school gate", "outside the flat", "in the playground", "at the corner shop", "through the kitchen window", "in the car park", "at the bus stop"}
	sawP   = []string{"I saw", "I noticed", "I heard", "we watched", "I could hear"}
	harmP  = map[bonafide.ConcernCategory][]string{
		bonafide.ConcernNeglect:         {"the children were in thin clothes in the rain and looked hungry", "the youngest had a heavily soiled nappy and nobody came", "the kids were left on their own for hours with no adult"},
		bonafide.ConcernPhysicalAbuse:   {"the boy had a bruise on his cheek and flinched when an adult moved", "mum's partner grabbed the girl hard by the arm and she cried", "the child had marks on the back of the legs"},
		bonafide.ConcernDomesticAbuse:   {"shouting and crashing from the flat with the children crying", "the partner pushed mum against the wall while the kids watched"},
		bonafide.ConcernSubstanceMisuse: {"mum was slurring and unsteady while collecting the children", "there was a strong smell of cannabis and empty cans everywhere"},
		bonafide.ConcernEmotionalAbuse:  {"the child was called stupid and worthless in front of everyone", "the girl was screamed at and told to get out"},
	}
	proOpen = []string{"I am writing as the designated safeguarding lead.", "Referral from the health visiting team.", "Police attended the address.", "GP surgery referral."}
	proOrgs = map[bonafide.Relationship][]string{bonafide.RelTeacher: {"Hillcrest Primary", "St Ebba's Academy"}, bonafide.RelHealthProfession: {"Brackenfield Health Visiting", "Coldmoor Surgery"}, bonafide.RelPolice: {"County Constabulary"}}
)

func (g *gen) category() bonafide.ConcernCategory {
	cats := []bonafide.ConcernCategory{bonafide.ConcernNeglect, bonafide.ConcernNeglect, bonafide.ConcernPhysicalAbuse, bonafide.ConcernDomesticAbuse, bonafide.ConcernSubstanceMisuse, bonafide.ConcernEmotionalAbuse}
	return cats[g.r.IntN(len(cats))]
}

func (g *gen) genuine(f *family, at time.Time, repeatPro bool) {
	cat := g.category()
	harm := g.pick(harmP[cat])
	var rep *bonafide.Reporter
	kb := bonafide.KnowledgeFirstHand
	accurate := false
	var narrative string
	kind := "genuine_public"
	switch x := g.r.Float64(); {
	case repeatPro || x < 0.45:
		rel := []bonafide.Relationship{bonafide.RelTeacher, bonafide.RelHealthProfession, bonafide.RelPolice}[g.r.IntN(3)]
		org := g.pick(proOrgs[rel])
		given, fam := g.pick(girls), g.pick(syl1)+g.pick(syl2)
		if repeatPro { // the same school contact each time
			rel, org, given, fam = bonafide.RelTeacher, proOrgs[bonafide.RelTeacher][f.idx%2], girls[f.idx%len(girls)], "Dsl"+f.surname
		}
		rep = &bonafide.Reporter{GivenName: given, FamilyName: fam, Relationship: rel, Organisation: org,
			Email: strings.ToLower(given + "." + fam + "@" + strings.ReplaceAll(org, " ", "") + ".example")}
		kb, accurate, kind = bonafide.KnowledgeProfessional, true, "genuine_professional"
		if repeatPro {
			kind = "genuine_repeat_professional"
		}
		narrative = fmt.Sprintf("%s %s %s %s. %s", g.pick(proOpen), g.pick(whenP), g.pick(whereP), harm, "We have spoken with the family and are concerned.")
	case x < 0.7:
		rep = &bonafide.Reporter{GivenName: g.pick(boys), FamilyName: g.pick(syl1) + g.pick(syl2), Relationship: bonafide.RelNeighbour, Phone: fmt.Sprintf("07700 9%05d", g.r.IntN(100000))}
		narrative = fmt.Sprintf("%s %s %s %s.", g.pick(whenP), g.pick(sawP), harm, g.pick(whereP))
	case x < 0.85:
		rep = &bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelMemberOfPublic, ContactIP: fmt.Sprintf("10.%d.%d.%d", g.r.IntN(255), g.r.IntN(255), g.r.IntN(255))}
		if g.chance(0.5) {
			kb = bonafide.KnowledgeNotStated
			narrative = fmt.Sprintf("I am worried because %s. I don't want to give my name.", harm)
		} else {
			narrative = fmt.Sprintf("%s %s %s %s.", g.pick(whenP), g.pick(sawP), harm, g.pick(whereP))
		}
		kind = "genuine_anonymous"
	default:
		rep = &bonafide.Reporter{GivenName: g.pick(girls), FamilyName: f.surname, Relationship: bonafide.RelRelative, Phone: fmt.Sprintf("07800 1%05d", g.r.IntN(100000))}
		kb = bonafide.KnowledgeSecondHand
		narrative = fmt.Sprintf("My sister told me that %s. I have not seen it myself.", harm)
		kind = "genuine_relative"
	}
	r := g.referral(f, at, accurate)
	r.Channel = []bonafide.Channel{bonafide.ChannelPhone, bonafide.ChannelWebForm, bonafide.ChannelEmail}[g.r.IntN(3)]
	r.Reporter, r.KnowledgeBasis, r.Narrative = rep, kb, narrative
	r.Concerns = []bonafide.Concern{{Category: cat}}
	if cat == bonafide.ConcernDomesticAbuse && g.chance(0.2) {
		r.ImmediateDanger = true
		r.Narrative += " It is happening right now and the children are in the house."
	}
	who := g.newReporter()
	if repeatPro {
		who = fmt.Sprintf("DSL%d", f.idx)
	}
	g.emit(r, f, who, nil, kind, "")
	if g.chance(0.6) {
		finding := bonafide.FindingSubstantiated
		switch x := g.r.Float64(); {
		case x < 0.45:
			finding = bonafide.FindingUnsubstantiated
		case x < 0.6:
			finding = bonafide.FindingUnfounded // genuine worries are sometimes found to be nothing
		}
		g.items = append(g.items, Item{Rec: &bonafide.Outcome{ReferralID: r.ID, DecidedAt: at.Add(time.Duration(10+g.r.IntN(40)) * 24 * time.Hour),
			Decision: bonafide.DecisionAssessment, Finding: finding}})
	}
}

var (
	postTexts = []struct{ text, media string }{
		{"Lazy Sunday with my favourite people, bubbles for the grown ups!", "mother with a champagne glass on a sofa, two children building a den"},
		{"Bath time giggles before bed", "toddler in a bubble bath holding a rubber duck"},
		{"Kitchen disaster after baking day, send help", "kitchen covered in flour, sink full of dishes, child licking a spoon"},
		{"Trampoline champion in the making", "small child mid-bounce on a garden trampoline, no net"},
		{"BBQ season is open, first cold cider of the year", "father at a barbecue holding a cider bottle, kids with water pistols"},
		{"School run survived, barely. Coffee number three", "mother in a car with a coffee cup, children in booster seats"},
		{"Camping weekend in the woods, no signal no problem", "tent by a campfire, children toasting marshmallows"},
		{"Late night party for my birthday, the kids stayed at nan's", "adults dancing with drinks in a living room"},
	}
	birthPost = struct{ text, media string }{"Our little rainbow baby arrived this morning, 7lb 2oz and perfect", "newborn wrapped in a blanket in a hospital cot"}
	hurtPost  = struct{ text, media string }{"Live from the park!", "live video: an adult yanks a crying child off the swings and slaps the back of his head"}
)

func (g *gen) posts(f *family) []*bonafide.PublicPost {
	var out []*bonafide.PublicPost
	t := g.cfg.Start.Add(time.Duration(g.r.IntN(20*24)) * time.Hour)
	end := g.cfg.Start.Add(g.cfg.Span)
	birthAt := g.at()
	birthDone := !g.chance(0.35)
	for n := 0; t.Before(end); n++ {
		pt := postTexts[g.r.IntN(len(postTexts))]
		if !birthDone && t.After(birthAt) {
			pt, birthDone = birthPost, true
		}
		p := &bonafide.PublicPost{ID: fmt.Sprintf("PP-%d-%d", f.idx, n), Platform: "instagram", Handle: f.handle, PostedAt: t, Text: pt.text, MediaNote: pt.media,
			URL: fmt.Sprintf("https://social.example/%s/%d", f.handle, n)}
		g.items = append(g.items, Item{Rec: p})
		out = append(out, p)
		t = t.Add(time.Duration(2*24+g.r.IntN(8*24)) * time.Hour)
	}
	return out
}

func (g *gen) onlineBurst(f *family, p *bonafide.PublicPost) {
	live := &bonafide.PublicPost{ID: p.ID + "-live", Platform: "instagram", Handle: f.handle, PostedAt: p.PostedAt.Add(3 * time.Hour), Text: hurtPost.text, MediaNote: hurtPost.media}
	g.items = append(g.items, Item{Rec: live})
	n := 2 + g.r.IntN(4)
	for i := 0; i < n; i++ {
		r := g.referral(f, live.PostedAt.Add(time.Duration(20+g.r.IntN(300))*time.Minute), false)
		r.Channel = []bonafide.Channel{bonafide.ChannelWebForm, bonafide.ChannelPhone, bonafide.ChannelEmail}[g.r.IntN(3)]
		r.Reporter = &bonafide.Reporter{Anonymous: g.chance(0.6), Relationship: bonafide.RelOnlineFollower, ContactIP: fmt.Sprintf("172.%d.%d.%d", 16+g.r.IntN(15), g.r.IntN(255), g.r.IntN(255))}
		r.KnowledgeBasis = bonafide.KnowledgeOnlineContent
		r.Concerns = []bonafide.Concern{{Category: bonafide.ConcernPhysicalAbuse}}
		r.Narrative = g.pick([]string{
			"I was watching her live video tonight and an adult slapped a crying little boy on the head at the park.",
			"On her live stream a man dragged a child off the swings and hit him. Please check the boy is safe.",
			"Just saw a live video where a child was yanked off a swing and slapped. It was horrible to watch.",
		})
		g.emit(r, f, g.newReporter(), nil, "genuine_online", "")
	}
}

type troll struct {
	id, device, emailBase, ipNet string
	quirk                        func(string) string
	rel                          bonafide.Relationship
}

var trollQuirks = []func(string) string{
	func(s string) string { return strings.ToUpper(s[:1]) + s[1:] + "!!! disgusting!!!" },
	func(s string) string { return strings.ToLower(s) + "... someone needs to step in... " },
	func(s string) string { return "URGENT - " + s + ". THIS NEEDS LOOKING AT" },
	func(s string) string { return "hi, " + strings.ToLower(s) + " x" },
}

var twists = []string{
	"she is always drunk around the children, you can see it in her posts: %s",
	"the kids are not safe in that house, look at this: %s",
	"this mother puts her children at risk and shows it off online — %s",
	"social services should know the truth about %s",
}

func (g *gen) campaign(f *family, posts []*bonafide.PublicPost) {
	nt := 1 + g.r.IntN(3)
	var trolls []*troll
	campaign := fmt.Sprintf("C%d", f.idx)
	base := g.r.IntN(200)
	for i := 0; i < nt; i++ {
		trolls = append(trolls, &troll{id: g.newReporter(), device: fmt.Sprintf("dev-%x", g.r.Uint32()),
			emailBase: fmt.Sprintf("%s%d", strings.ToLower(g.pick(girls)), 70+g.r.IntN(30)), ipNet: fmt.Sprintf("81.%d.%d", base, g.r.IntN(255)),
			quirk: trollQuirks[g.r.IntN(len(trollQuirks))], rel: []bonafide.Relationship{bonafide.RelNeighbour, bonafide.RelNotStated, bonafide.RelMemberOfPublic}[g.r.IntN(3)]})
	}
	var sent []*bonafide.Referral
	from := g.at()
	until := from.Add(time.Duration(60+g.r.IntN(60)) * 24 * time.Hour)
	for _, p := range posts {
		if p.PostedAt.Before(from) || p.PostedAt.After(until) || !g.chance(0.4) {
			continue
		}
		t := trolls[g.r.IntN(len(trolls))]
		at := p.PostedAt.Add(time.Duration(1+g.r.IntN(30)) * time.Hour)
		if g.chance(0.4) {
			fp := &bonafide.ForumPost{ID: fmt.Sprintf("FP-%d-%d", f.idx, len(sent)), Site: g.pick([]string{"mumsgossip.example", "tattle-board.example"}),
				Thread: f.mother.given + " " + f.surname + " watch", AuthorHandle: "anon" + fmt.Sprint(g.r.IntN(999)),
				PostedAt: at.Add(-time.Duration(2+g.r.IntN(20)) * time.Hour),
				Text: g.pick([]string{"Has anyone reported " + f.mother.given + " yet? Someone should ring the council about those kids.",
					"I'm calling children's services tomorrow about @" + f.handle + ", " + strings.ToLower(p.Text),
					f.mother.given + " " + f.surname + " is at it again: " + strings.ToLower(p.MediaNote)})}
			g.items = append(g.items, Item{Rec: fp})
		}
		r := g.referral(f, at, false)
		r.Channel = []bonafide.Channel{bonafide.ChannelWebForm, bonafide.ChannelPhone, bonafide.ChannelEmail}[g.r.IntN(3)]
		variants := []string{t.emailBase + "@mailbox.example", strings.Replace(t.emailBase, "", ".", 2)[1:] + "@mailbox.example", t.emailBase + "+kids@mailbox.example"}
		rep := &bonafide.Reporter{Anonymous: g.chance(0.6), Relationship: t.rel, ContactIP: fmt.Sprintf("%s.%d", t.ipNet, g.r.IntN(255))}
		if g.chance(0.6) {
			rep.DeviceID = t.device
		}
		if g.chance(0.5) {
			rep.Email = g.pick(variants)
		}
		if !rep.Anonymous {
			rep.GivenName, rep.FamilyName = g.pick(girls), g.pick(syl1)+g.pick(syl2) // a fake name each time
		}
		r.Reporter = rep
		r.KnowledgeBasis = []bonafide.KnowledgeBasis{bonafide.KnowledgeFirstHand, bonafide.KnowledgeNotStated, bonafide.KnowledgeOnlineContent}[g.r.IntN(3)]
		r.Concerns = []bonafide.Concern{{Category: []bonafide.ConcernCategory{bonafide.ConcernNeglect, bonafide.ConcernSubstanceMisuse, bonafide.ConcernSexualAbuse}[g.r.IntN(3)]}}
		claim := strings.ToLower(p.MediaNote)
		if g.chance(0.3) {
			claim = "the children are neglected and nobody does anything"
		}
		r.Narrative = t.quirk(fmt.Sprintf(g.pick(twists), claim))
		if g.chance(0.04) {
			r.ImmediateDanger = true
		}
		g.emit(r, f, t.id, &campaign, "campaign_troll", "")
		sent = append(sent, r)
		if g.chance(0.25) { // relayed by the helpline a day or two later
			c := *r
			c.ID = r.ID + "-R"
			c.ReceivedAt = r.ReceivedAt.Add(time.Duration(20+g.r.IntN(30)) * time.Hour)
			c.Channel = bonafide.ChannelRelay
			c.RelayedFrom = &bonafide.Relay{Agency: "National Child Protection Helpline", Ref: fmt.Sprintf("NH%06d", g.r.IntN(1000000))}
			c.Reporter = &bonafide.Reporter{Anonymous: true}
			c.Narrative = "Caller stated: " + r.Narrative
			g.emit(&c, f, t.id, &campaign, "campaign_relay", r.ID)
		}
		if g.chance(0.7) {
			finding := bonafide.FindingUnfounded
			if g.chance(0.4) {
				finding = bonafide.FindingMalicious
			}
			g.items = append(g.items, Item{Rec: &bonafide.Outcome{ReferralID: r.ID, DecidedAt: r.ReceivedAt.Add(time.Duration(14+g.r.IntN(30)) * 24 * time.Hour),
				Decision: bonafide.DecisionNoFurtherAction, Finding: finding}})
		}
	}
}
