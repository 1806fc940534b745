package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"bonafide"
)

// pro is a professional who refers children from their work. Professionals
// are drawn from a pool keyed by town, district and service, so that the
// same teacher or health visitor refers many families, as in life: a prolific
// reporter is not in itself a campaign.
type pro struct {
	id     string
	h      human
	org    string
	email  string
	phone  string
	ip     string
	rel    bonafide.Relationship
	source string
	title  string
}

var policeForce = "Northvale Police"

func (g *famGen) professional(rel bonafide.Relationship, childAge int) pro {
	h := g.fam.home
	var key string
	slot := 0
	switch rel {
	case bonafide.RelTeacher:
		phase := "primary"
		if childAge >= 11 {
			phase = "secondary"
		}
		key = fmt.Sprintf("school/%s/%d/%s/%d", h.Town.Name, h.District, phase, g.r.IntN(2))
		slot = g.r.IntN(2)
	case bonafide.RelHealthProfession:
		if childAge < 5 && chance(g.r, 0.7) {
			key = fmt.Sprintf("hv/%s/%d", h.Town.Name, h.District)
			slot = g.r.IntN(3)
		} else {
			key = fmt.Sprintf("gp/%s/%d/%d", h.Town.Name, h.District, g.r.IntN(2))
			slot = g.r.IntN(4)
		}
	default:
		key = "police/" + h.Town.Name
		slot = g.r.IntN(25)
	}
	f := fnv.New64a()
	fmt.Fprintf(f, "%s#%d", key, slot)
	hk := f.Sum64()
	r := newRand(g.cfg.Seed, labelProfessional, hk)
	org := newRand(g.cfg.Seed, labelProfessional, fnvString(key)) // the organisation's own draws
	p := pro{id: g.keys.rep.id("RPT", 1<<47|hk>>17), h: newHuman(r, "", "", 1965, 1998), rel: rel}
	stem := pick(org, streetStems)
	domain := ""
	switch {
	case rel == bonafide.RelTeacher:
		kind := pick(org, []string{"Primary School", "Primary Academy", "C of E Primary School", "Infant and Junior School"})
		if strings.Contains(key, "secondary") {
			kind = pick(org, []string{"Academy", "High School", "Community College", "School"})
		}
		p.org = stem + " " + kind
		domain = lowerAlpha(stem) + lowerAlpha(kind)[:3] + ".sch.uk"
		p.title = pick(r, []string{"Designated Safeguarding Lead", "Deputy Designated Safeguarding Lead", "Headteacher", "Family Support Worker"})
		p.source = "2A"
	case strings.Contains(key, "hv/"):
		p.org = h.Town.Name + " Health Visiting Team"
		p.h = newHuman(r, "F", "", 1965, 1998)
		domain = "nhs.net"
		p.title = "Health Visitor"
		p.source = "3B"
	case strings.Contains(key, "gp/"):
		p.org = stem + " " + pick(org, []string{"Medical Practice", "Surgery", "Health Centre", "Family Practice"})
		domain = "nhs.net"
		p.title = "GP"
		p.source = "3A"
	default:
		p.org = policeForce
		domain = "northvale.police.uk"
		p.title = fmt.Sprintf("PC %d", 1000+r.IntN(8999))
		p.source = "6"
	}
	p.email = fmt.Sprintf("%s.%s@%s", lowerAlpha(p.h.Given), lowerAlpha(p.h.Surname), domain)
	if rel == bonafide.RelTeacher && chance(r, 0.5) {
		p.email = "safeguarding@" + domain
	}
	p.phone = fmt.Sprintf("01%d%d%d %d%05d", 2+org.IntN(8), org.IntN(10), org.IntN(10), 2+org.IntN(7), org.IntN(100000))
	p.ip = randIP(org)
	return p
}

func fnvString(s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(s))
	return f.Sum64()
}

func lowerAlpha(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// reporter is the professional's reporter object for one referral.
func (p pro) reporter(r *rand.Rand) *bonafide.Reporter {
	rep := &bonafide.Reporter{GivenName: p.h.Given, FamilyName: p.h.Surname, Organisation: p.org, Relationship: p.rel, Email: p.email}
	if chance(r, 0.6) {
		rep.Phone = p.phone
	}
	if p.rel == bonafide.RelPolice && chance(r, 0.5) {
		rep.GivenName = p.title
	}
	return rep
}

// Plausible first octets of UK broadband and mobile address blocks.
var ipFirst = []int{2, 5, 31, 37, 46, 51, 62, 77, 78, 79, 80, 81, 82, 86, 87, 88, 89, 90, 92, 94, 95, 109, 141, 146, 151, 176, 178, 185, 188, 194, 195, 212, 213, 217}

func randIP(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", pick(r, ipFirst), r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

func deviceID(r *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), 0x8000|r.IntN(1<<14), r.Uint64()&(1<<48-1))
}

// lay is a member of the public, relative or neighbour who refers.
type lay struct {
	id        string
	h         human
	rel       bonafide.Relationship
	anonymous bool
	ip        string
	device    string
	email     string
	addr      *bonafide.Address
}

func (g *famGen) newLay(rel bonafide.Relationship) lay {
	r := g.r
	l := lay{id: g.newReporterID(), h: newHuman(r, "", "", 1950, 2004), rel: rel, ip: randIP(r), device: deviceID(r)}
	l.email = emailFor(r, l.h.Given, l.h.Surname, l.h.DOB)
	if chance(r, 0.6) {
		l.h.Phone = mobile(r)
	}
	switch rel {
	case bonafide.RelNeighbour:
		h := g.fam.home
		h.Number += pick(r, []int{-2, -1, 1, 2, 3})
		h.Number = max(h.Number, 1)
		l.addr = &bonafide.Address{Line1: h.line1(), Town: h.Town.Name}
		l.anonymous = chance(r, 0.45)
	case bonafide.RelRelative:
		if chance(r, 0.5) {
			l.h.Surname = g.fam.mother.Surname
		}
		l.anonymous = chance(r, 0.1)
		l.addr = newHome(r).address()
	case bonafide.RelMemberOfPublic, bonafide.RelOnlineFollower, bonafide.RelNotStated:
		l.anonymous = chance(r, 0.6)
	case bonafide.RelFriend, bonafide.RelParent:
		l.anonymous = chance(r, 0.15)
	}
	return l
}

// reporter is what the lay reporter gives on one channel.
func (l lay) reporter(r *rand.Rand, ch bonafide.Channel) *bonafide.Reporter {
	rep := &bonafide.Reporter{Relationship: l.rel, Anonymous: l.anonymous}
	if chance(r, 0.1) {
		rep.Relationship = bonafide.RelNotStated
	}
	if !l.anonymous {
		rep.GivenName = typedGiven(r, l.h.Given, careful)
		rep.FamilyName = l.h.Surname
		if l.addr != nil && chance(r, 0.5) {
			a := *l.addr
			rep.Address = &a
		}
	}
	switch ch {
	case bonafide.ChannelWebForm:
		rep.ContactIP, rep.DeviceID = l.ip, l.device
		if chance(r, 0.1) {
			rep.ContactIP = randIP(r) // on mobile data this time
		}
		if !l.anonymous || chance(r, 0.3) {
			rep.Email = l.email
		}
	case bonafide.ChannelEmail:
		rep.Email = l.email
	case bonafide.ChannelPhone:
		if l.h.Phone != "" && (!l.anonymous || chance(r, 0.3)) {
			rep.Phone = l.h.Phone
		}
	}
	return rep
}

// layChannel picks how a member of the public gets in touch.
func layChannel(r *rand.Rand) bonafide.Channel {
	return []bonafide.Channel{bonafide.ChannelPhone, bonafide.ChannelWebForm, bonafide.ChannelEmail, bonafide.ChannelLetter, bonafide.ChannelInPerson}[weighted(r, []float64{45, 40, 8, 3, 4})]
}

func layBasisSource(rel bonafide.Relationship, anonymous bool) string {
	switch {
	case anonymous:
		return "9"
	case rel == bonafide.RelRelative || rel == bonafide.RelParent:
		return "1A"
	case rel == bonafide.RelNeighbour || rel == bonafide.RelFriend:
		return "1B"
	case rel == bonafide.RelMemberOfPublic || rel == bonafide.RelOnlineFollower:
		return "1D"
	}
	return "10"
}

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// recentDay is a day a few days before t, as a reporter would name it.
func recentDay(r *rand.Rand, t time.Time) time.Time {
	return t.AddDate(0, 0, -1-r.IntN(6)).Add(-time.Duration(r.IntN(12)) * time.Hour)
}
