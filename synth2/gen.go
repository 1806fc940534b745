package synth2

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"bonafide"
	"bonafide/interchange"
)

// Config says what to generate. The same Config always gives the same
// stream, byte for byte.
type Config struct {
	Seed     int64
	Families int       // households; default 10,000
	Start    time.Time // first day; default 2025-01-06 UTC
	Days     int       // length of the period; default 730
}

// nStreets is how many streets each town has.
const nStreets = 200

// MaxFamilies bounds Config.Families so that a mistyped flag cannot ask for
// more memory than a laptop has: the generator holds the world in memory.
const MaxFamilies = 200_000

func (c *Config) defaults() error {
	if c.Families == 0 {
		c.Families = 10_000
	}
	if c.Families < 1 || c.Families > MaxFamilies {
		return fmt.Errorf("families %d: want 1 to %d", c.Families, MaxFamilies)
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	}
	if c.Days == 0 {
		c.Days = 730
	}
	if c.Days < 30 || c.Days > 3660 {
		return fmt.Errorf("days %d: want 30 to 3660", c.Days)
	}
	return nil
}

// Truth is one line of the truth file, with the members and meaning of
// package synth's truth lines (triage.ReadTruth reads both).
type Truth struct {
	ReferralID      string  `json:"referral_id"`
	Family          string  `json:"family"`
	Reporter        string  `json:"reporter"`
	Campaign        *string `json:"campaign"`
	ImmediateDanger bool    `json:"immediate_danger"`
	RelayOf         string  `json:"relay_of,omitempty"`
	Kind            string  `json:"kind"`
}

// Stats counts what was generated.
type Stats struct {
	Families, Referrals, CampaignReferrals, Campaigns, Relays, ImmediateDanger int
	PublicPosts, ForumPosts, Outcomes                                          int
}

// Scenario kinds written in Truth.Kind.
const (
	KindNan          = "genuine_persistent_relative" // a grandmother calling again about continuing neglect
	KindTeacher      = "genuine_persistent_teacher"  // a class teacher or health visitor referring again
	KindNeighbour    = "genuine_persistent_neighbour"
	KindProfessional = "genuine_professional"
	KindDomestic     = "genuine_domestic"
	KindLay          = "genuine_lay"
	KindSparse       = "genuine_sparse_anonymous"
	KindOnline       = "genuine_online_burst"
	KindCampLoud     = "campaign_loud"
	KindCampCalm     = "campaign_calm_imitation"
	KindCampTwisted  = "campaign_twisted_post"
	KindCampRelay    = "campaign_relay"
)

type kid struct {
	given, sex string
	dob        time.Time
	nhs        string
}

type fam struct {
	id, surname, mum, dad string
	mumDOB                time.Time
	kids                  []kid
	num                   int
	street, town, pc      string
	handle, platform      string
	public, targeted      bool
	posts                 []*bonafide.PublicPost
}

type event struct {
	at      time.Time
	rec     bonafide.Record
	ref     *bonafide.Referral
	truth   *Truth
	relayOf *event
	// outcome of a referral, decided later; nil for none.
	finding bonafide.Finding
	decide  time.Duration
	forOut  *event // for an outcome: its referral
}

type gen struct {
	cfg      Config
	r        *rand.Rand
	evs      []*event
	people   int
	camps    int
	surZ     zipf
	girlZ    zipf
	boyZ     zipf
	streetZ  zipf
	streets  [][]string // per town
	pcs      map[string]string
	surnames []string
	used     map[string]bool // phone numbers and handles given out
}

func (g *gen) surname() string { return g.surnames[g.surZ.draw(g.r)] }

// zipf draws ranks 0..n-1 with probability proportional to
// 1/(rank+1+q)^s (Zipf–Mandelbrot): a long tail like real name counts, with
// a head flatter than pure Zipf's (the commonest surname is a few per cent
// of families, not a fifth).
type zipf struct{ cum []float64 }

func newZipf(n int, s, q float64) zipf {
	z := zipf{cum: make([]float64, n)}
	t := 0.0
	for i := range n {
		t += 1 / math.Pow(float64(i+1)+q, s)
		z.cum[i] = t
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	x := r.Float64() * z.cum[len(z.cum)-1]
	i, _ := slices.BinarySearch(z.cum, x)
	return min(i, len(z.cum)-1)
}

// Generate writes the stream (interchange records in time order) and the
// truth (one line a referral, in stream order).
func Generate(ctx context.Context, cfg Config, stream, truth io.Writer) (Stats, error) {
	if err := cfg.defaults(); err != nil {
		return Stats{}, fmt.Errorf("synth2: %w", err)
	}
	g := &gen{cfg: cfg, r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5e2c0de)), pcs: map[string]string{}, used: map[string]bool{}}
	g.surnames = allSurnames()
	g.surZ = newZipf(len(g.surnames), 1.0, 8)
	g.girlZ = newZipf(len(girlNames), 1.0, 8)
	g.boyZ = newZipf(len(boyNames), 1.0, 8)
	g.streetZ = newZipf(nStreets, 0.8, 2)
	for range towns {
		var ss []string
		for len(ss) < nStreets {
			st := pick(g.r, streetStems) + " " + pick(g.r, streetKinds)
			if !slices.Contains(ss, st) {
				ss = append(ss, st)
			}
		}
		g.streets = append(g.streets, ss)
	}
	var fams []*fam
	for i := range cfg.Families {
		if i%1024 == 0 && ctx.Err() != nil {
			return Stats{}, ctx.Err()
		}
		f := g.family(i, fams)
		fams = append(fams, f)
		g.scenarios(f)
	}
	return g.write(ctx, stream, truth, len(fams))
}

func (g *gen) day(lo, hi float64) time.Time {
	d := lo + g.r.Float64()*(hi-lo)
	return g.cfg.Start.Add(time.Duration(d * 24 * float64(time.Hour))).Truncate(time.Minute)
}

func (g *gen) span() float64 { return float64(g.cfg.Days) }

func (g *gen) nhs() string {
	for {
		var d [10]int
		sum := 0
		for i := range 9 {
			d[i] = g.r.IntN(10)
			sum += d[i] * (10 - i)
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c == 10 {
			continue
		}
		d[9] = c
		var b strings.Builder
		for i, x := range d {
			if i == 3 || i == 6 {
				b.WriteByte(' ')
			}
			b.WriteByte(byte('0' + x))
		}
		return b.String()
	}
}

func (g *gen) family(i int, earlier []*fam) *fam {
	f := &fam{id: fmt.Sprintf("H-%05d", i+1)}
	town := g.r.IntN(len(towns))
	f.street = g.streets[town][g.streetZ.draw(g.r)]
	f.surname = g.surname()
	if len(earlier) > 0 && g.r.Float64() < 0.06 {
		// A relative's household: the same surname on the same street.
		o := earlier[g.r.IntN(len(earlier))]
		f.surname, f.street = o.surname, o.street
		town = slices.IndexFunc(towns, func(t struct{ name, district string }) bool { return t.name == o.town })
	}
	f.town = towns[town].name
	f.num = 1 + g.r.IntN(160)
	// A postcode covers a stretch of about twenty houses of one street.
	key := fmt.Sprintf("%s|%s|%d", f.town, f.street, f.num/20)
	if g.pcs[key] == "" {
		g.pcs[key] = fmt.Sprintf("%s %d%c%c", towns[town].district, 1+g.r.IntN(9), 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)))
	}
	f.pc = g.pcs[key]
	f.mum = pick(g.r, womenNames)
	if g.r.Float64() < 0.6 {
		f.dad = pick(g.r, menNames)
	}
	f.mumDOB = g.cfg.Start.AddDate(-20-g.r.IntN(20), -g.r.IntN(12), -g.r.IntN(28))
	for range 1 + g.r.IntN(3) + g.r.IntN(2) {
		k := kid{sex: "female", dob: g.cfg.Start.AddDate(-g.r.IntN(16), -g.r.IntN(12), -g.r.IntN(28)), nhs: g.nhs()}
		if g.r.IntN(2) == 0 {
			k.given = girlNames[g.girlZ.draw(g.r)]
		} else {
			k.sex, k.given = "male", boyNames[g.boyZ.draw(g.r)]
		}
		f.kids = append(f.kids, k)
	}
	if g.r.Float64() < 0.045 {
		f.public = true
		f.platform = pick(g.r, platforms)
		f.handle = strings.ToLower(f.mum) + strings.ToLower(f.surname) + pick(g.r, []string{"", "x", "_mum", "life", fmt.Sprint(g.r.IntN(99))})
		f.targeted = g.r.Float64() < 0.3
	}
	return f
}

// typo misspells a name now and then, as a stranger types it.
func (g *gen) typo(s string) string {
	if len(s) < 4 || g.r.Float64() > 0.08 {
		return s
	}
	b := []byte(s)
	i := 1 + g.r.IntN(len(b)-2)
	if g.r.IntN(2) == 0 {
		b[i], b[i+1] = b[i+1], b[i]
		return string(b)
	}
	return string(append(b[:i:i], b[i+1:]...))
}

func (g *gen) newPerson() string {
	g.people++
	return fmt.Sprintf("P-%06d", g.people)
}

// phone returns a mobile number no one else in the stream has: two people
// sharing a number would be one reporter to any linker, whatever the truth
// says. Numbers are drawn without replacement from 07700 900000–999999.
func (g *gen) phone() string {
	for {
		n := fmt.Sprintf("07700 9%05d", g.r.IntN(100000))
		if !g.used[n] {
			g.used[n] = true
			return n
		}
	}
}

// handle returns a forum handle no one else has, built like a troll's.
func (g *gen) handle() string {
	for {
		h := pick(g.r, []string{"truthteller", "concernedmum", "justsaying", "watcher", "nosey", "realtalk", "mumof", "localeyes"}) + fmt.Sprint(10+g.r.IntN(990))
		if !g.used[h] {
			g.used[h] = true
			return h
		}
	}
}

// detail says how much of the family a reporter gives.
type detail int

const (
	detailFull   detail = iota // names, dates of birth, NHS numbers, address
	detailLay                  // names, address, a year of birth now and then
	detailSparse               // a child's first name and a street
)

func (g *gen) children(f *fam, d detail) ([]bonafide.Person, []bonafide.Person, *bonafide.Address) {
	var ch []bonafide.Person
	for _, k := range f.kids {
		p := bonafide.Person{GivenName: g.typo(k.given), Role: bonafide.RoleChild, Sex: k.sex}
		switch d {
		case detailFull:
			p.FamilyName = f.surname
			p.DOB = bonafide.PartialDate{Year: k.dob.Year(), Month: int(k.dob.Month()), Day: k.dob.Day()}
			if g.r.Float64() < 0.7 {
				p.NHSNumber = k.nhs
			}
		case detailLay:
			if g.r.Float64() < 0.8 {
				p.FamilyName = g.typo(f.surname)
			}
			if g.r.Float64() < 0.3 {
				p.DOB = bonafide.PartialDate{Year: k.dob.Year()}
			}
		case detailSparse:
			ch = append(ch, p)
			return ch, nil, &bonafide.Address{Line1: f.street, Town: f.town}
		}
		ch = append(ch, p)
		if d == detailLay && g.r.Float64() < 0.3 {
			break // a neighbour knows only the one they see
		}
	}
	ad := []bonafide.Person{{GivenName: f.mum, FamilyName: f.surname, Role: bonafide.RoleMother}}
	if f.handle != "" {
		ad[0].SocialHandles = []bonafide.SocialHandle{{Platform: f.platform, Handle: "@" + f.handle}}
	}
	if d == detailFull {
		ad[0].DOB = bonafide.PartialDate{Year: f.mumDOB.Year(), Month: int(f.mumDOB.Month()), Day: f.mumDOB.Day()}
	}
	if f.dad != "" && g.r.Float64() < 0.5 {
		ad = append(ad, bonafide.Person{GivenName: f.dad, Role: bonafide.RoleFather})
	}
	addr := &bonafide.Address{Line1: fmt.Sprintf("%d %s", f.num, f.street), Town: f.town}
	if d == detailFull || g.r.Float64() < 0.5 {
		addr.Postcode = f.pc
	}
	return ch, ad, addr
}

func (g *gen) vars(f *fam) map[string]string {
	k := f.kids[g.r.IntN(len(f.kids))]
	return map[string]string{"child": k.given, "mum": f.mum, "street": f.street, "surname": f.surname, "handle": "@" + f.handle}
}

// referral adds a referral event and returns it.
func (g *gen) referral(f *fam, at time.Time, rep *bonafide.Reporter, who, kind string, camp *string, d detail, basis bonafide.KnowledgeBasis, ch bonafide.Channel, narrative string, concerns ...bonafide.ConcernCategory) *event {
	kids, adults, addr := g.children(f, d)
	ref := &bonafide.Referral{ReceivedAt: at, Channel: ch, Reporter: rep, KnowledgeBasis: basis, Children: kids, Adults: adults, Address: addr, Narrative: narrative}
	for _, c := range concerns {
		ref.Concerns = append(ref.Concerns, bonafide.Concern{Category: c})
	}
	ev := &event{at: at, rec: ref, ref: ref, truth: &Truth{Family: f.id, Reporter: who, Campaign: camp, Kind: kind}}
	g.evs = append(g.evs, ev)
	return ev
}

// genuineFinding is what a genuine concern is found to be.
func (g *gen) genuineFinding(ev *event, pSub float64) {
	x := g.r.Float64()
	switch {
	case x < pSub:
		ev.finding = bonafide.FindingSubstantiated
	case x < pSub+0.3:
		ev.finding = bonafide.FindingUnsubstantiated
	case x < pSub+0.38:
		ev.finding = bonafide.FindingUnfounded
	default:
		return
	}
	ev.decide = time.Duration(7+g.r.IntN(35)) * 24 * time.Hour
}

func (g *gen) scenarios(f *fam) {
	sp := g.span()
	x := g.r.Float64()
	switch {
	case x < 0.05:
		g.nan(f)
	case x < 0.09:
		g.teacher(f)
	case x < 0.11:
		g.neighbourAgain(f)
	case x < 0.19:
		g.professional(f, g.day(0, sp))
	case x < 0.23:
		g.domestic(f, g.day(0, sp))
	case x < 0.28:
		g.lay(f, g.day(0, sp))
	case x < 0.32:
		g.sparse(f, g.day(0, sp))
	}
	if f.public {
		g.posts(f)
		if g.r.Float64() < 0.25 {
			g.onlineBurst(f)
		}
		if f.targeted {
			g.campaign(f)
			if g.r.Float64() < 0.5 {
				g.professional(f, g.day(0, sp))
			}
		}
	}
}

func (g *gen) nan(f *fam) {
	who := g.newPerson()
	sur := f.surname
	if g.r.Float64() < 0.4 {
		sur = g.surname()
	}
	given := pick(g.r, grandNames)
	phone := g.phone()
	pet := pick(g.r, nanWorry)
	at := g.day(0, g.span()*0.6)
	n := 2 + g.r.IntN(3)
	for i := range n {
		v := g.vars(f)
		open := nanOpen[1+g.r.IntN(len(nanOpen)-1)]
		if i == 0 {
			open = "I am {child}'s nan."
		}
		text := fill(g.r, join(open, pet, pick(g.r, nanWorry), pick(g.r, laySeen), pick(g.r, nanClose)), v)
		rep := &bonafide.Reporter{GivenName: given, FamilyName: sur, Relationship: bonafide.RelRelative}
		if g.r.Float64() < 0.8 {
			rep.Phone = phone // now and then she rings from her daughter's phone, or gives none
		}
		ev := g.referral(f, at, rep, who, KindNan, nil, detailLay, bonafide.KnowledgeFirstHand, bonafide.ChannelPhone, text, bonafide.ConcernNeglect)
		ev.ref.ImmediateDanger = g.r.Float64() < 0.04
		g.genuineFinding(ev, 0.6)
		at = at.Add(time.Duration(40+g.r.IntN(110)) * 24 * time.Hour)
	}
}

func (g *gen) teacher(f *fam) {
	who := g.newPerson()
	school := pick(g.r, schools)
	given, sur := pick(g.r, womenNames), g.surname()
	rel := bonafide.RelTeacher
	org := school
	if g.r.Float64() < 0.35 {
		rel, org = bonafide.RelHealthProfession, pick(g.r, surgeries)
	}
	email := strings.ToLower(given[:1]+"."+sur) + "@" + strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(org)) + ".example"
	at := g.day(0, g.span()*0.7)
	for i := range 2 + g.r.IntN(2) {
		again := ""
		if i > 0 {
			again = pick(g.r, proAgain)
		}
		text := fill(g.r, join(again, pick(g.r, proSeen), pick(g.r, proSeen), pick(g.r, proClose)), g.vars(f))
		rep := &bonafide.Reporter{GivenName: given, FamilyName: sur, Relationship: rel, Organisation: org, Email: email}
		ev := g.referral(f, at, rep, who, KindTeacher, nil, detailFull, bonafide.KnowledgeProfessional, bonafide.ChannelEmail, text, bonafide.ConcernNeglect)
		g.genuineFinding(ev, 0.55)
		at = at.Add(time.Duration(30+g.r.IntN(90)) * 24 * time.Hour)
	}
}

func (g *gen) neighbourAgain(f *fam) {
	who := g.newPerson()
	rep := &bonafide.Reporter{Relationship: bonafide.RelNeighbour, Phone: g.phone()}
	if g.r.Float64() < 0.5 {
		rep.GivenName, rep.FamilyName = pick(g.r, menNames), g.surname()
		rep.Address = &bonafide.Address{Line1: fmt.Sprintf("%d %s", 1+g.r.IntN(120), f.street), Town: f.town}
	} else {
		rep.Anonymous = true
	}
	at := g.day(0, g.span()*0.7)
	for range 2 + g.r.IntN(2) {
		text := fill(g.r, join("I live near the family.", pick(g.r, laySeen), pick(g.r, laySeen)), g.vars(f))
		r2 := *rep
		ev := g.referral(f, at, &r2, who, KindNeighbour, nil, detailLay, bonafide.KnowledgeFirstHand, bonafide.ChannelPhone, text, bonafide.ConcernNeglect)
		ev.ref.ImmediateDanger = g.r.Float64() < 0.05
		g.genuineFinding(ev, 0.45)
		at = at.Add(time.Duration(20+g.r.IntN(100)) * 24 * time.Hour)
	}
}

func (g *gen) professional(f *fam, at time.Time) {
	given, sur := pick(g.r, womenNames), g.surname()
	org := pick(g.r, surgeries)
	rel := bonafide.RelHealthProfession
	if g.r.IntN(2) == 0 {
		org, rel = pick(g.r, schools), bonafide.RelTeacher
	}
	rep := &bonafide.Reporter{GivenName: given, FamilyName: sur, Relationship: rel, Organisation: org}
	text := fill(g.r, join(pick(g.r, proSeen), pick(g.r, proClose)), g.vars(f))
	ev := g.referral(f, at, rep, g.newPerson(), KindProfessional, nil, detailFull, bonafide.KnowledgeProfessional, bonafide.ChannelEmail, text, pick(g.r, []bonafide.ConcernCategory{bonafide.ConcernNeglect, bonafide.ConcernPhysicalAbuse, bonafide.ConcernEmotionalAbuse}))
	ev.ref.ImmediateDanger = g.r.Float64() < 0.03
	g.genuineFinding(ev, 0.5)
}

func (g *gen) domestic(f *fam, at time.Time) {
	rep := &bonafide.Reporter{GivenName: pick(g.r, menNames), FamilyName: g.surname(), Relationship: bonafide.RelPolice, Organisation: "Fenland Constabulary"}
	v := g.vars(f)
	text := fill(g.r, join("Officers attended {day} following a 999 call from a neighbour reporting screaming.",
		pick(g.r, []string{"{mum} had a cut to her lip and the children were present in the front room.", "The children were upstairs and heard the incident; {child} was crying on the landing.", "{mum}'s partner was arrested at the scene; the children witnessed the assault."}),
		"DASH risk assessment completed."), v)
	ev := g.referral(f, at, rep, g.newPerson(), KindDomestic, nil, detailFull, bonafide.KnowledgeProfessional, bonafide.ChannelEmail, text, bonafide.ConcernDomesticAbuse)
	ev.ref.ImmediateDanger = g.r.Float64() < 0.3
	g.genuineFinding(ev, 0.6)
}

func (g *gen) lay(f *fam, at time.Time) {
	rel := pick(g.r, []bonafide.Relationship{bonafide.RelRelative, bonafide.RelFriend, bonafide.RelNeighbour, bonafide.RelMemberOfPublic})
	rep := &bonafide.Reporter{GivenName: pick(g.r, womenNames), FamilyName: g.surname(), Relationship: rel}
	if g.r.Float64() < 0.5 {
		rep.Phone = g.phone()
	} else {
		rep.Email = strings.ToLower(rep.GivenName+rep.FamilyName) + fmt.Sprint(g.r.IntN(99)) + "@mail.example"
	}
	text := fill(g.r, join(pick(g.r, laySeen), pick(g.r, laySeen)), g.vars(f))
	ev := g.referral(f, at, rep, g.newPerson(), KindLay, nil, detailLay, bonafide.KnowledgeFirstHand, pick(g.r, []bonafide.Channel{bonafide.ChannelPhone, bonafide.ChannelWebForm}), text, bonafide.ConcernNeglect)
	ev.ref.ImmediateDanger = g.r.Float64() < 0.06
	g.genuineFinding(ev, 0.4)
}

func (g *gen) sparse(f *fam, at time.Time) {
	rep := &bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelNotStated}
	text := fill(g.r, pick(g.r, sparse), g.vars(f))
	ev := g.referral(f, at, rep, g.newPerson(), KindSparse, nil, detailSparse, bonafide.KnowledgeNotStated, bonafide.ChannelPhone, text, bonafide.ConcernNeglect)
	ev.ref.ImmediateDanger = g.r.Float64() < 0.05
	g.genuineFinding(ev, 0.3)
}

var topics = []string{"wine", "bath", "trampoline", "kitchen", "party", "scan"}

func (g *gen) posts(f *fam) {
	for range 15 + g.r.IntN(40) {
		t := pick(g.r, topics)
		p := &bonafide.PublicPost{Platform: f.platform, Handle: "@" + f.handle, PostedAt: g.day(0, g.span()), Text: postText[t], MediaNote: postMedia[t]}
		f.posts = append(f.posts, p)
		g.evs = append(g.evs, &event{at: p.PostedAt, rec: p})
	}
	slices.SortFunc(f.posts, func(a, b *bonafide.PublicPost) int { return a.PostedAt.Compare(b.PostedAt) })
}

func (g *gen) onlineBurst(f *fam) {
	at := g.day(10, g.span())
	live := &bonafide.PublicPost{Platform: f.platform, Handle: "@" + f.handle, PostedAt: at, Text: "LIVE now, come say hi", MediaNote: "live video: mother and children in a living room"}
	g.evs = append(g.evs, &event{at: at, rec: live})
	v := g.vars(f)
	danger := g.r.Float64() < 0.4
	for range 3 + g.r.IntN(4) {
		rep := &bonafide.Reporter{Relationship: bonafide.RelOnlineFollower}
		if g.r.Float64() < 0.5 {
			rep.Anonymous = true
		} else {
			rep.GivenName, rep.FamilyName = pick(g.r, womenNames), g.surname()
			rep.Email = strings.ToLower(rep.GivenName) + fmt.Sprint(g.r.IntN(999)) + "@mail.example"
		}
		t := at.Add(time.Duration(5+g.r.IntN(180)) * time.Minute)
		ev := g.referral(f, t, rep, g.newPerson(), KindOnline, nil, detailSparse, bonafide.KnowledgeOnlineContent, bonafide.ChannelWebForm, fill(g.r, pick(g.r, onlineSeen), v), bonafide.ConcernPhysicalAbuse)
		ev.ref.Children[0].FamilyName = ""
		ev.ref.Adults = []bonafide.Person{{GivenName: f.mum, Role: bonafide.RoleMother, SocialHandles: []bonafide.SocialHandle{{Platform: f.platform, Handle: "@" + f.handle}}}}
		ev.ref.ImmediateDanger = danger && g.r.Float64() < 0.7
		g.genuineFinding(ev, 0.5)
	}
}

type troll struct {
	who, handle, device, ip, given, sur string
	calm                                bool
	habit                               int
}

func (g *gen) campaign(f *fam) {
	g.camps++
	name := fmt.Sprintf("C-%04d", g.camps)
	camp := &name
	forum := pick(g.r, forums)
	net := fmt.Sprintf("81.%d.%d.", 2+g.r.IntN(250), g.r.IntN(256))
	var ts []*troll
	for i := range 1 + g.r.IntN(4) {
		t := &troll{who: g.newPerson(), handle: g.handle(),
			device: fmt.Sprintf("dev-%08x", g.r.Uint32()), calm: g.r.Float64() < 0.5, habit: g.r.IntN(4)}
		if i == 0 || g.r.Float64() < 0.5 {
			t.ip = net + fmt.Sprint(2+g.r.IntN(250))
		}
		if g.r.Float64() < 0.4 {
			t.given, t.sur = pick(g.r, womenNames), g.surname()
		}
		ts = append(ts, t)
	}
	start := g.day(0, g.span()*0.8)
	end := start.Add(time.Duration(60+g.r.IntN(160)) * 24 * time.Hour)
	for _, t := range ts {
		for k := range 1 + g.r.IntN(4) {
			at := start.Add(time.Duration(g.r.Float64() * float64(end.Sub(start))))
			kind := KindCampLoud
			if t.calm {
				kind = KindCampCalm
			}
			v := g.vars(f)
			var parts []string
			// Most of a campaign's reports follow a public post by hours.
			if p := lastPost(f, at); p != nil && g.r.Float64() < 0.6 {
				at = p.PostedAt.Add(time.Duration(1+g.r.IntN(40)) * time.Hour)
				topic := topicOf(p)
				parts = append(parts, twisted[topic])
				kind = KindCampTwisted
			}
			if t.calm {
				parts = append(parts, pick(g.r, calmFake), pick(g.r, calmFake))
			} else {
				parts = append(parts, pick(g.r, loud), pick(g.r, loud))
			}
			text := fill(g.r, join(parts...), v)
			if !t.calm {
				text = roughen(g.r, text, t.habit)
			}
			if g.r.Float64() < 0.55 {
				fp := &bonafide.ForumPost{Site: forum, Thread: strings.ToLower(f.surname) + " family", AuthorHandle: t.handle,
					PostedAt: at.Add(-time.Duration(2+g.r.IntN(96)) * time.Hour), Text: fill(g.r, pick(g.r, forumUrge), v)}
				g.evs = append(g.evs, &event{at: fp.PostedAt, rec: fp})
			}
			rep := &bonafide.Reporter{DeviceID: t.device, ContactIP: t.ip}
			switch {
			case t.given != "" && g.r.Float64() < 0.7:
				rep.GivenName, rep.FamilyName = t.given, t.sur
				rep.Relationship = pick(g.r, []bonafide.Relationship{bonafide.RelNeighbour, bonafide.RelMemberOfPublic, bonafide.RelFriend})
			default:
				rep.Anonymous = true
				rep.Relationship = bonafide.RelNotStated
			}
			if g.r.Float64() < 0.5 {
				// a throwaway address built on the forum handle
				rep.Email = t.handle + pick(g.r, []string{"", ".", "_"}) + fmt.Sprint(k) + "@" + pick(g.r, []string{"mail.example", "post.example", "inbox.example"})
			}
			if g.r.Float64() < 0.3 {
				rep.DeviceID = "" // a different phone this time
			}
			basis := bonafide.KnowledgeSecondHand
			if t.calm {
				basis = bonafide.KnowledgeFirstHand
			} else if g.r.IntN(2) == 0 {
				basis = bonafide.KnowledgeOnlineContent
			}
			ch := pick(g.r, []bonafide.Channel{bonafide.ChannelWebForm, bonafide.ChannelPhone, bonafide.ChannelEmail})
			ev := g.referral(f, at, rep, t.who, kind, camp, detailLay, basis, ch, text, pick(g.r, []bonafide.ConcernCategory{bonafide.ConcernNeglect, bonafide.ConcernSubstanceMisuse, bonafide.ConcernEmotionalAbuse}))
			ev.ref.ImmediateDanger = g.r.Float64() < 0.08
			ev.finding = pick(g.r, []bonafide.Finding{bonafide.FindingUnfounded, bonafide.FindingUnfounded, bonafide.FindingMalicious, bonafide.FindingUnsubstantiated})
			ev.decide = time.Duration(10+g.r.IntN(30)) * 24 * time.Hour
			if ch == bonafide.ChannelPhone && g.r.Float64() < 0.3 {
				g.relay(f, ev, camp)
			}
			if g.r.Float64() < 0.3 {
				fp := &bonafide.ForumPost{Site: forum, Thread: strings.ToLower(f.surname) + " family", AuthorHandle: t.handle,
					PostedAt: at.Add(time.Duration(1+g.r.IntN(30)) * time.Hour), Text: pick(g.r, forumChat)}
				g.evs = append(g.evs, &event{at: fp.PostedAt, rec: fp})
			}
		}
	}
}

// relay adds the helpline's copy of ev's call a day or two later.
func (g *gen) relay(f *fam, ev *event, camp *string) {
	at := ev.at.Add(time.Duration(18+g.r.IntN(40)) * time.Hour)
	o := ev.ref
	ref := &bonafide.Referral{ReceivedAt: at, Channel: bonafide.ChannelRelay, RelayedFrom: &bonafide.Relay{Agency: "Childline Relay Service", Ref: fmt.Sprintf("CRS-%06d", g.r.IntN(1000000))},
		Reporter: &bonafide.Reporter{Anonymous: true, Relationship: o.Reporter.Relationship}, KnowledgeBasis: o.KnowledgeBasis,
		Children: slices.Clone(o.Children), Adults: slices.Clone(o.Adults), Address: o.Address, Concerns: slices.Clone(o.Concerns),
		Narrative: "Caller told us: " + o.Narrative, ImmediateDanger: o.ImmediateDanger}
	kind := KindCampRelay
	if camp == nil {
		kind = ev.truth.Kind
	}
	r := &event{at: at, rec: ref, ref: ref, relayOf: ev, truth: &Truth{Family: f.id, Reporter: ev.truth.Reporter, Campaign: camp, Kind: kind}}
	g.evs = append(g.evs, r)
}

func lastPost(f *fam, at time.Time) *bonafide.PublicPost {
	i, _ := slices.BinarySearchFunc(f.posts, at, func(p *bonafide.PublicPost, t time.Time) int { return p.PostedAt.Compare(t) })
	if i == 0 {
		return nil
	}
	return f.posts[i-1]
}

func topicOf(p *bonafide.PublicPost) string {
	for t, s := range postText {
		if s == p.Text {
			return t
		}
	}
	return "party"
}

func (g *gen) write(ctx context.Context, stream, truth io.Writer, families int) (Stats, error) {
	end := g.cfg.Start.AddDate(0, 0, g.cfg.Days)
	// Outcomes become events of their own.
	for _, ev := range slices.Clone(g.evs) {
		if ev.ref != nil && ev.finding != "" && ev.relayOf == nil && ev.at.Add(ev.decide).Before(end) {
			g.evs = append(g.evs, &event{at: ev.at.Add(ev.decide), forOut: ev})
		}
	}
	var keep []*event
	for _, ev := range g.evs {
		if ev.at.Before(end) && !ev.at.Before(g.cfg.Start) {
			keep = append(keep, ev)
		}
	}
	rank := func(e *event) int {
		switch {
		case e.forOut != nil:
			return 2
		case e.ref != nil:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(keep, func(a, b *event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return rank(a) - rank(b)
	})
	var st Stats
	st.Families, st.Campaigns = families, g.camps
	nref, npost, nforum := 0, 0, 0
	for _, ev := range keep {
		switch rec := ev.rec.(type) {
		case *bonafide.Referral:
			nref++
			rec.ID = fmt.Sprintf("S2-%06d", nref)
		case *bonafide.PublicPost:
			npost++
			rec.ID = fmt.Sprintf("S2P-%06d", npost)
		case *bonafide.ForumPost:
			nforum++
			rec.ID = fmt.Sprintf("S2F-%06d", nforum)
			rec.URL = "https://" + rec.Site + "/t/" + rec.ID
		}
	}
	sw, tw := bufio.NewWriter(stream), bufio.NewWriter(truth)
	var buf []byte
	for i, ev := range keep {
		if i%4096 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		rec := ev.rec
		if ev.forOut != nil {
			if ev.forOut.ref.ID == "" {
				continue
			}
			dec := bonafide.DecisionAssessment
			if ev.forOut.finding == bonafide.FindingUnfounded || ev.forOut.finding == bonafide.FindingMalicious {
				dec = bonafide.DecisionNoFurtherAction
			}
			rec = &bonafide.Outcome{ReferralID: ev.forOut.ref.ID, DecidedAt: ev.at, Decision: dec, Finding: ev.forOut.finding}
			st.Outcomes++
		}
		if errs := bonafide.ValidateRecord(rec); len(errs) > 0 {
			return st, fmt.Errorf("synth2: generated an invalid %s: %v", rec.RecordType(), errs[0])
		}
		var err error
		buf, err = interchange.Append(buf[:0], rec)
		if err != nil {
			return st, fmt.Errorf("synth2: %w", err)
		}
		buf = append(buf, '\n')
		if _, err := sw.Write(buf); err != nil {
			return st, fmt.Errorf("synth2: write stream: %w", err)
		}
		switch rec.(type) {
		case *bonafide.PublicPost:
			st.PublicPosts++
		case *bonafide.ForumPost:
			st.ForumPosts++
		case *bonafide.Referral:
			t := ev.truth
			t.ReferralID = ev.ref.ID
			t.ImmediateDanger = ev.ref.ImmediateDanger
			if ev.relayOf != nil {
				t.RelayOf = ev.relayOf.ref.ID
				st.Relays++
			}
			st.Referrals++
			if t.Campaign != nil {
				st.CampaignReferrals++
			}
			if t.ImmediateDanger {
				st.ImmediateDanger++
			}
			b, err := json.Marshal(t)
			if err != nil {
				return st, fmt.Errorf("synth2: %w", err)
			}
			if _, err := tw.Write(append(b, '\n')); err != nil {
				return st, fmt.Errorf("synth2: write truth: %w", err)
			}
		}
	}
	if err := errors.Join(sw.Flush(), tw.Flush()); err != nil {
		return st, fmt.Errorf("synth2: %w", err)
	}
	return st, nil
}
