package synth

import (
	"fmt"
	"strings"
	"time"

	"bonafide"
)

// postKind is what a public post shows; campaigns twist some kinds.
type postKind int

const (
	postParty postKind = iota
	postBath
	postKitchen
	postTrampoline
	postBarbecue
	postPregnancy
	postBirth
	postSchool
	postDayOut
	postCouncil
	postStudio
	postLive
	postFitness
	postEveryday
	postInjury // added by a scenario, never drawn by kind weights
)

// Invented platforms and gossip forums; none is a real service.
var platforms = []string{"Vidora", "Glimmer", "Chirp", "Clipster", "Picturely"}

var forumSites = []string{"gossipden.example", "whisperboard.example", "teaspillers.example", "chinwagforum.example", "yappery.example"}

// postTemplate is one way a post of a kind reads and what its photo shows.
type postTemplate struct{ text, media string }

var postTemplates = map[postKind][]postTemplate{
	postParty: {
		{"{kid}'s {n}th birthday party 🎉 {what a day|best day ever|we survived}, thank you {everyone who came|to all our lovely friends}!", "photo: children's party in a garden, balloons, adults holding drinks"},
		{"{Saturday night|Friday feeling|Date night turned house party} with the best people ✨", "photo: adults dancing in a living room, the children in pyjamas on the stairs"},
		{"{Halloween|Bonfire night|New Year's} party done! Exhausted but worth it {🎃|🎆|🥂}", "photo: children in costumes, a table of sweets, a bowl of punch"},
	},
	postBath: {
		{"bath time giggles 🛁", "photo: two young children in a bubble bath, heads and shoulders above the bubbles"},
		{"Splish splash, the only way to get {kid} to calm down", "video: toddler in the bath splashing, filmed from the doorway"},
		{"{Bubbles|Bath bombs} make everything better {🫧|💙}", "photo: toddler in a bath with a bath toy, seen from above"},
	},
	postKitchen: {
		{"Honest post: this is what my kitchen looks like after a weekend with {n} kids 🙈", "photo: kitchen with dishes piled in the sink and toys on the floor"},
		{"Keeping it real. Mum life isn't all perfect {feeds|grids|pictures}", "photo: cluttered kitchen table, laundry heap, cereal spilled on the floor"},
		{"{Who wants to|Anyone fancy coming round to} help me tidy? 😂", "photo: kitchen worktops covered in pans and takeaway boxes"},
	},
	postTrampoline: {
		{"Someone's found their bounce! 💪", "video: toddler jumping on a garden trampoline"},
		{"{kid} would live on this trampoline if we let {him}", "photo: small child mid-air on a trampoline without a safety net"},
	},
	postBarbecue: {
		{"First BBQ of the {summer|year} ☀️🍷", "photo: woman holding a glass of wine at a garden barbecue"},
		{"Sun's out, grill's on. Cheers to the weekend!", "photo: adults around a barbecue with drinks, children on the lawn"},
		{"{Garden|Sunday} vibes 🍔🍷", "photo: picnic table with burgers, a bottle of rosé and two glasses"},
	},
	postPregnancy: {
		{"Baby number {n} coming in {month}! 💕 We're {over the moon|so excited|still in shock}", "photo: scan picture held in front of a bump"},
		{"Surprise!! Our family is growing 🤰", "photo: the children holding a sign reading 'big sister' and 'big brother'"},
	},
	postBirth: {
		{"Welcome to the world {baby} 💙 born {date}, {weight}. We're so in love", "photo: newborn baby in a hospital cot"},
		{"{baby} is here! {weight} of perfect. Mum and baby doing well", "photo: mother holding a newborn in a hospital bed"},
	},
	postSchool: {
		{"First day of {yeargroup} for {kid}! Where does the time go 😭", "photo: child in school uniform at the front door"},
		{"School run chaos {as usual|again|every single morning}", "video: children getting into the back of a car"},
		{"{Proud mum moment|So proud}, {kid} got star of the week ⭐", "photo: child holding a certificate"},
	},
	postDayOut: {
		{"{Beach|Seaside} day with the crew 🌊", "photo: family on a beach, children in the sea"},
		{"{Farm park|Zoo} adventures!", "photo: children feeding goats"},
		{"Muddy walk {in the woods|by the river}, worth it", "photo: children in wellies in a muddy wood"},
	},
	postCouncil: {
		{"Proud to vote for the new play area budget at council tonight.", "photo: councillor speaking at a council meeting"},
		{"Out on the doorstep in {town} today, thank you for the conversations.", "photo: councillor with leaflets on a residential street"},
		{"My statement on the {library closures|bus cuts|new housing plans}: I will keep fighting for {town}.", "photo: text statement"},
	},
	postStudio: {
		{"Catch me on the {breakfast|drive-time} show tomorrow from {6|4}!", "photo: studio selfie with a microphone"},
		{"What a week on the show. Home to the kids now ❤️", "photo: presenter in a radio studio"},
	},
	postLive: {
		{"LIVE: cooking tea with the kids 🍝", "live video: kitchen, toddler sitting on the worktop beside the hob"},
		{"LIVE: {Q&A and bedtime routine|unboxing and chat}", "live video: living room, children on the sofa"},
	},
	postFitness: {
		{"5am club 💪 no excuses", "video: home workout in a living room, child watching"},
		{"Meal prep Sunday, clean eating for the whole family", "photo: plastic tubs of chicken and rice"},
	},
	postInjury: {
		{"Clumsy monkey 🙈 walked straight into the coffee table", "photo: toddler with a large bruise on the forehead"},
		{"First trip to A&E, all fine now, brave {boy} ❤️", "photo: child with an arm in a sling"},
		{"Rough night with this one", "photo: child crying, with a scratched cheek"},
	},
	postEveryday: {
		{"{Rainy day crafts|Messy play morning}", "photo: children painting at a kitchen table"},
		{"Sunday roast ❤️", "photo: family around a dinner table"},
		{"Got my {new hair|nails} done!", "photo: selfie in a salon"},
		{"New collab coming soon 👀 #ad", "photo: product flat lay"},
		{"{Movie night|Pizza Friday} with my favourite people", "photo: children on a sofa under blankets"},
		{"{Monday|Midweek} motivation ✨", "photo: selfie with a coffee"},
	},
}

// kindWeights says how often each public profile posts each kind of post.
var kindWeights = map[string][]float64{
	//                party bath kitchen tramp bbq preg birth school dayout council studio live fitness everyday
	"influencer": {6, 3, 3, 3, 3, 0, 0, 3, 5, 0, 0, 3, 1, 12},
	"vlogger":    {4, 2, 4, 3, 2, 0, 0, 3, 5, 0, 0, 6, 0, 10},
	"presenter":  {3, 1, 1, 1, 2, 0, 0, 2, 3, 0, 8, 0, 0, 6},
	"politician": {1, 0, 0, 1, 1, 0, 0, 1, 2, 10, 0, 0, 0, 3},
	"fitness":    {2, 1, 1, 2, 1, 0, 0, 2, 3, 0, 0, 2, 10, 6},
}

var publicKinds = []string{"influencer", "vlogger", "presenter", "politician", "fitness"}

func handleFor(g *famGen, h *human) string {
	g2, s := strings.ToLower(asciiOnly(h.Given)), strings.ToLower(asciiOnly(h.Surname))
	words := []string{"mum", "life", "family", "home", "loves", "diaries", "official", "x"}
	switch g.r.IntN(6) {
	case 0:
		return g2 + s + pick(g.r, words)
	case 1:
		return "the" + s + "family"
	case 2:
		return g2 + "_" + pick(g.r, words) + fmt.Sprint(g.r.IntN(100))
	case 3:
		return "its" + g2 + s
	case 4:
		return g2 + "." + s
	}
	return "mumof" + fmt.Sprint(len(g.fam.kids)) + "_" + g2
}

// newPublic gives the family a public presence and plans its posts; a
// pregnancy announced during the period adds a baby.
func (g *famGen) newPublic() {
	r := g.r
	p := &public{kind: publicKinds[weighted(r, []float64{45, 20, 12, 8, 15})], platform: pick(r, platforms), who: g.fam.mother}
	if f := g.fam.father; f != nil && !g.fam.fatherAway && chance(r, map[string]float64{"presenter": 0.3, "politician": 0.35, "fitness": 0.25}[p.kind]+0.06) {
		p.who = f // a dad who posts: trolls write "he" and "his"
	}
	p.handle = handleFor(g, p.who)
	g.fam.pub = p
	// a baby during the period?
	if p.who == g.fam.mother && chance(r, 0.5) && g.fam.mother.DOB.Year() > g.start.Year()-45 {
		announce := g.randTime(g.start.AddDate(0, -4, 0), g.end.AddDate(0, -8, 0))
		born := announce.AddDate(0, 4+r.IntN(3), r.IntN(28)).Truncate(time.Hour)
		baby := newHuman(r, "", g.fam.surname, born.Year(), born.Year())
		baby.DOB = time.Date(born.Year(), born.Month(), born.Day(), 0, 0, 0, 0, time.UTC)
		g.fam.kids = append(g.fam.kids, kid{h: baby, nick: baby.Given, born: born})
		g.addPost(post{at: announce, kind: postPregnancy})
		birthPost := born.Add(time.Duration(6+r.IntN(60)) * time.Hour)
		g.addPost(post{at: birthPost, kind: postBirth, child: baby.Given})
		p.birthAnnounced = birthPost
	}
	mean := map[string]float64{"influencer": 10, "vlogger": 9, "presenter": 21, "politician": 14, "fitness": 14}[p.kind] // days between posts kept as evidence
	w := kindWeights[p.kind]
	for t := g.start.Add(time.Duration(r.Float64() * mean * 24 * float64(time.Hour))); t.Before(g.end); {
		k := postKind(weighted(r, w))
		at := time.Date(t.Year(), t.Month(), t.Day(), 7+r.IntN(16), r.IntN(60), r.IntN(60), 0, time.UTC)
		g.addPost(post{at: at, kind: k})
		t = t.Add(time.Duration(r.ExpFloat64() * mean * 24 * float64(time.Hour)))
	}
	// keep posts in time order for campaigns to follow
	sortPosts(p.posts)
	for i := range p.posts {
		g.writePost(&p.posts[i])
	}
}

func (g *famGen) addPost(p post) {
	pub := g.fam.pub
	g.postSeq++
	p.id = g.keys.post.id("PST", g.idx<<16|g.postSeq)
	pub.posts = append(pub.posts, p)
}

func sortPosts(ps []post) {
	// insertion sort: a family has at most a few hundred posts, mostly in order
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].at.Before(ps[j-1].at); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// writePost fills in the post's words and emits it.
func (g *famGen) writePost(p *post) {
	r := g.r
	kids := g.kidsAt(p.at)
	s := newStory(r)
	named := -1 // the child the post names, if chosen already
	for _, i := range kids {
		if p.child != "" && g.fam.kids[i].nick == p.child {
			named = i
		}
	}
	if (p.child == "" || named >= 0) && len(kids) > 0 {
		i := named
		if i < 0 {
			i = pick(r, kids)
		}
		k := g.fam.kids[i]
		p.child = k.nick
		s.set("n", fmt.Sprint(max(1, ageAt(k.born, p.at)+1)))
		s.pronouns(k.h.Sex)
		s.set("yeargroup", yearGroup(ageAt(k.born, p.at)))
	} else {
		s.set("n", fmt.Sprint(len(kids)+1)).pronouns("M").set("yeargroup", "Reception")
	}
	if p.kind == postKitchen {
		s.set("n", fmt.Sprint(max(len(kids), 2)))
	}
	s.set("kid", p.child).set("baby", p.child).set("town", g.fam.home.Town.Name)
	s.set("month", p.at.AddDate(0, 5, 0).Month().String()).set("date", fmt.Sprintf("%d %s", p.at.Day(), p.at.Month()))
	s.set("weight", fmt.Sprintf("%dlb %doz", 6+r.IntN(4), r.IntN(16)))
	t := pick(r, postTemplates[p.kind])
	p.text = s.raw(t.text)
	p.media = t.media
	if g.fam.pub.who == g.fam.father {
		p.text, p.media = g.gendered(p.text), g.gendered(p.media)
	}
	if p.kind == postBarbecue && g.pregnantAt(p.at) {
		p.media += ", visibly pregnant"
	}
	pub := g.fam.pub
	rec := &bonafide.PublicPost{ID: p.id, Platform: pub.platform, Handle: pub.handle, PostedAt: p.at, Text: p.text, MediaNote: p.media,
		URL: fmt.Sprintf("https://%s.example/@%s/p/%s", strings.ToLower(pub.platform), pub.handle, strings.TrimPrefix(p.id, "PST-"))}
	g.emit(rec, nil)
}

// pregnantAt reports whether the family's baby is on the way at t.
func (g *famGen) pregnantAt(t time.Time) bool {
	for _, k := range g.fam.kids {
		if k.born.After(t) && k.born.Sub(t) < 270*24*time.Hour {
			return true
		}
	}
	return false
}

func yearGroup(age int) string {
	switch {
	case age <= 4:
		return "Reception"
	case age >= 16:
		return "Year 11"
	}
	return fmt.Sprintf("Year %d", age-4)
}
