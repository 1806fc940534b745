// Package triagetest generates small labelled referral streams for the
// triage engine's tests, model fitting and benchmarks. It is deliberately a
// different generator from package synth, written with its own vocabulary,
// so that the triage model can be checked on data it was not fitted on.
// Every name is invented from syllables; no real person is the subject of
// any allegation.
package triagetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"bonafide"
	"bonafide/triage"
)

// Config says what to generate.
type Config struct {
	Seed     int64
	Families int           // households (default 2,000)
	Start    time.Time     // default 2025-02-03 UTC
	Span     time.Duration // default 540 days
	// PublicShare of families post publicly; TargetedShare of those are harassed.
	PublicShare, TargetedShare float64
}

// Item is one generated record with, for referrals, its truth.
type Item struct {
	Rec   bonafide.Record
	Truth *triage.Truth
}

var (
	syl1  = []string{"Bra", "Cal", "Dun", "Fen", "Gar", "Hol", "Ith", "Jor", "Kel", "Lor", "Mab", "Nor", "Orl", "Pen", "Quel", "Ros", "Sel", "Tam", "Ull", "Ver", "Wen", "Yar", "Zol", "Ash", "Bel", "Cor"}
	syl2  = []string{"wick", "ton", "by", "ford", "ley", "more", "stead", "ridge", "well", "combe", "dale", "gate", "holm", "shaw", "thorn", "wood"}
	girls = []string{"Amelie", "Briony", "Carys", "Delphine", "Elodie", "Freya", "Gwen", "Hattie", "Isla", "Juno", "Kira", "Lyra", "Maisie", "Nell", "Orla", "Pippa", "Rhea", "Saffi", "Tilly", "Wren"}
	boys  = []string{"Alfie", "Bram", "Cai", "Dexter", "Ezra", "Finn", "Gus", "Hal", "Idris", "Jude", "Kit", "Louie", "Milo", "Nico", "Otis", "Rafe", "Seb", "Teddy", "Vince", "Wilf"}
	towns = []string{"Ambridge Vale", "Brackenfield", "Coldmoor", "Dunhollow", "Eastmere", "Farleigh Cross"}
)

type person struct {
	given, family string
	dob           time.Time
	nhs           string
}

type family struct {
	idx       int
	surname   string
	children  []person
	mother    person
	partner   person
	postcode  string
	line1     string
	town      string
	handle    string // "" unless public
	public    bool
	targeted  bool
	repeatPro bool // referred genuinely again and again by school and health
}

func (c *Config) defaults() {
	if c.Families == 0 {
		c.Families = 2000
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC)
	}
	if c.Span == 0 {
		c.Span = 540 * 24 * time.Hour
	}
	if c.PublicShare == 0 {
		c.PublicShare = 0.03
	}
	if c.TargetedShare == 0 {
		c.TargetedShare = 0.35
	}
}

// Generate returns a whole stream in time order with its truth.
func Generate(cfg Config) []Item {
	cfg.defaults()
	g := &gen{cfg: cfg, r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7e1a9e))}
	for i := 0; i < cfg.Families; i++ {
		g.family(i)
	}
	sort.SliceStable(g.items, func(i, j int) bool { return g.items[i].Rec.RecordTime().Before(g.items[j].Rec.RecordTime()) })
	end := cfg.Start.Add(cfg.Span)
	out := g.items[:0]
	for _, it := range g.items {
		if it.Rec.RecordTime().Before(end) {
			out = append(out, it)
		}
	}
	return out
}

type gen struct {
	cfg   Config
	r     *rand.Rand
	items []Item
	nref  int
	nrep  int
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }
func (g *gen) chance(p float64) bool     { return g.r.Float64() < p }
func (g *gen) at() time.Time {
	return g.cfg.Start.Add(time.Duration(g.r.Int64N(int64(g.cfg.Span))))
}

func (g *gen) nhsNumber() string {
	for {
		d := make([]int, 9)
		sum := 0
		for i := range d {
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
		var b strings.Builder
		for _, x := range d {
			b.WriteByte(byte('0' + x))
		}
		b.WriteByte(byte('0' + c))
		return b.String()
	}
}

func (g *gen) family(i int) {
	f := &family{idx: i, surname: g.pick(syl1) + g.pick(syl2)}
	n := 1 + g.r.IntN(3)
	for k := 0; k < n; k++ {
		name := g.pick(girls)
		if g.chance(0.5) {
			name = g.pick(boys)
		}
		age := time.Duration(g.r.IntN(16*365)+20) * 24 * time.Hour
		f.children = append(f.children, person{given: name, family: f.surname, dob: g.cfg.Start.Add(-age), nhs: g.nhsNumber()})
	}
	f.mother = person{given: g.pick(girls), family: f.surname}
	f.partner = person{given: g.pick(boys), family: g.pick(syl1) + g.pick(syl2)}
	f.postcode = fmt.Sprintf("%c%c%d %d%c%c", 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)), 1+g.r.IntN(20), g.r.IntN(10), 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)))
	f.line1 = fmt.Sprintf("%d %s %s", 1+g.r.IntN(120), g.pick(syl1)+g.pick(syl2), g.pick([]string{"Road", "Close", "Lane", "Street", "Way"}))
	f.town = g.pick(towns)
	f.public = g.chance(g.cfg.PublicShare)
	if f.public {
		f.handle = strings.ToLower(f.mother.given + "." + f.surname)
		if g.chance(0.5) {
			f.handle = strings.ToLower(f.mother.given+"_"+f.surname[:3]) + fmt.Sprint(g.r.IntN(99))
		}
		f.targeted = g.chance(g.cfg.TargetedShare)
	}
	f.repeatPro = g.chance(0.06)

	// genuine referrals: about 0.15 per family per year plus repeat professional streams
	years := g.cfg.Span.Hours() / 24 / 365
	k := g.poisson(0.18 * years)
	if f.repeatPro {
		k += 3 + g.r.IntN(5)
	}
	for j := 0; j < k; j++ {
		g.genuine(f, g.at(), f.repeatPro && j > 0)
	}
	var posts []*bonafide.PublicPost
	if f.public {
		posts = g.posts(f)
		if g.chance(0.15) { // a genuine concern seen online: several strangers report within hours
			p := posts[g.r.IntN(len(posts))]
			g.onlineBurst(f, p)
		}
	}
	if f.targeted {
		g.campaign(f, posts)
	}
}

func (g *gen) poisson(l float64) int {
	n, p := 0, 1.0
	for {
		p *= g.r.Float64()
		if p < math.Exp(-l) {
			return n
		}
		n++
	}
}
