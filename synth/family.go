package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"bonafide"
)

// kid is a child of a family. Born is after the period starts for a baby
// announced during it; such a child appears in referrals only once born.
type kid struct {
	h    human
	nick string // what the family calls the child in posts
	born time.Time
}

// family is the truth about one household.
type family struct {
	surname        string
	mother, father *human
	fatherAway     bool // separated; not living with the children
	kids           []kid
	home           home
	pub            *public
}

// public is a family member's public presence.
type public struct {
	kind     string // influencer, presenter, politician, fitness, vlogger
	platform string
	handle   string
	who      *human // the parent who posts
	posts    []post
	// birthAnnounced is when a birth was announced, or zero.
	birthAnnounced time.Time
}

type post struct {
	at    time.Time
	kind  postKind
	id    string
	child string // the child the post is about, as the family names them
	text  string
	media string
}

// event is one stream line ready to write, with its sort key and, for a
// referral, its truth line.
type event struct {
	at    int64  // unix nanoseconds
	key   uint64 // family index << 20 | event number: a unique tie-break
	line  []byte // JSON and newline
	truth []byte // JSON and newline, referrals only
}

// idKeys are the keyed permutations that make opaque ids.
type idKeys struct {
	ref, post, forum, fam, rep, helpline, campaign perm48
}

func newIDKeys(seed int64) *idKeys {
	return &idKeys{
		ref: newPerm48(seed, labelReferralID), post: newPerm48(seed, labelPostID), forum: newPerm48(seed, labelForumID),
		fam: newPerm48(seed, labelFamilyID), rep: newPerm48(seed, labelReporterID), helpline: newPerm48(seed, labelHelplineRef),
		campaign: newPerm48(seed, labelCampaignID),
	}
}

// famGen generates the events of one family. Everything it draws comes from
// the family's own random stream, so families can be made in any order.
type famGen struct {
	cfg        *Config
	keys       *idKeys
	idx        uint64
	r          *rand.Rand
	start, end time.Time
	fam        family
	famID      string
	out        []event
	stats      *Stats
	evSeq      uint64
	refSeq     uint64
	postSeq    uint64
	repSeq     uint64
	// referrals made so far, for relays and outcomes.
	made []madeRef
}

type madeRef struct {
	id       string
	at       time.Time
	campaign bool
	danger   bool
	kind     string
}

func (g *famGen) span() time.Duration { return g.end.Sub(g.start) }

// randTime returns a time uniformly in [from, to).
func (g *famGen) randTime(from, to time.Time) time.Time {
	d := to.Sub(from)
	if d <= 0 {
		return from
	}
	return from.Add(time.Duration(g.r.Int64N(int64(d)))).Truncate(time.Second)
}

// dayTime moves t to a time of day drawn for the kind of reporter: office
// hours on weekdays for professionals, evenings for the public.
func (g *famGen) dayTime(t time.Time, office bool) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if office {
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
		return d.Add(time.Duration(8*60+30+g.r.IntN(9*60)) * time.Minute).Add(time.Duration(g.r.IntN(60)) * time.Second)
	}
	// public: mostly 07:00-23:59, some small hours
	var m int
	if chance(g.r, 0.1) {
		m = g.r.IntN(7 * 60)
	} else {
		m = 7*60 + g.r.IntN(17*60)
	}
	return d.Add(time.Duration(m)*time.Minute + time.Duration(g.r.IntN(60))*time.Second)
}

func (g *famGen) newReporterID() string {
	g.repSeq++
	return g.keys.rep.id("RPT", g.idx<<16|g.repSeq)
}

// kidsAt lists the children born by t.
func (g *famGen) kidsAt(t time.Time) []int {
	var out []int
	for i, k := range g.fam.kids {
		if !k.born.After(t) {
			out = append(out, i)
		}
	}
	return out
}

func ageAt(born, t time.Time) int {
	y := t.Year() - born.Year()
	if t.YearDay() < born.YearDay() {
		y--
	}
	return max(y, 0)
}

// newFamily invents a household.
func (g *famGen) newFamily() {
	r := g.r
	f := &g.fam
	f.home = newHome(r)
	n := 1 + weighted(r, []float64{35, 38, 18, 7, 2})
	single := chance(r, 0.3)
	momSurname := pick(r, surnames)
	mom := newHuman(r, "F", momSurname, 1975, 2002)
	f.mother = &mom
	f.surname = momSurname
	if !single || chance(r, 0.4) {
		dadSurname := momSurname
		if chance(r, 0.4) {
			dadSurname = pick(r, surnames)
		}
		dad := newHuman(r, "M", dadSurname, mom.DOB.Year()-6, min(mom.DOB.Year()+4, 2003))
		f.father = &dad
		f.fatherAway = single
		if dadSurname != momSurname && chance(r, 0.5) {
			f.surname = dadSurname
		}
	}
	if chance(r, 0.05) && f.father != nil && !f.fatherAway { // father as the main carer named first
		f.surname = f.father.Surname
	}
	first := mom.DOB.Year() + 18 + r.IntN(12)
	last := g.start.Year()
	for i := 0; i < n; i++ {
		from := max(first, last-17)
		y := from + r.IntN(max(last-from, 1))
		k := newHuman(r, "", f.surname, y, y)
		if k.DOB.After(g.start) {
			k.DOB = g.start.AddDate(0, 0, -1-r.IntN(300))
		}
		if k.Surname != mom.Surname && chance(r, 0.15) {
			k.Surname = mom.Surname + "-" + k.Surname
		}
		kd := kid{h: k, nick: k.Given, born: k.DOB}
		if nn, ok := nicknames[k.Given]; ok && chance(r, 0.5) {
			kd.nick = nn[0]
		}
		f.kids = append(f.kids, kd)
	}
	if chance(r, 0.5) {
		f.mother.Phone = mobile(r)
	}
}

// emit encodes rec and queues it, unless it falls outside the period.
func (g *famGen) emit(rec bonafide.Record, truth *Truth) bool {
	at := rec.RecordTime()
	if at.Before(g.start) || !at.Before(g.end) {
		return false
	}
	line, err := encodeRecord(rec)
	if err != nil {
		panic(fmt.Sprintf("synth: encoding a generated %s: %v", rec.RecordType(), err)) // a bug, not an input error
	}
	ev := event{at: at.UnixNano(), key: g.idx<<20 | g.evSeq, line: line}
	g.evSeq++
	if truth != nil {
		tb, err := encodeTruth(truth)
		if err != nil {
			panic(fmt.Sprintf("synth: encoding truth: %v", err))
		}
		ev.truth = tb
	}
	g.out = append(g.out, ev)
	switch rec.(type) {
	case *bonafide.PublicPost:
		g.stats.PublicPosts++
	case *bonafide.ForumPost:
		g.stats.ForumPosts++
	case *bonafide.Outcome:
		g.stats.Outcomes++
	}
	return true
}

// referralSpec is one referral before it is typed up.
type referralSpec struct {
	at        time.Time
	channel   bonafide.Channel
	relay     *bonafide.Relay
	source    string
	reporter  *bonafide.Reporter
	reporterT string // truth reporter id
	basis     bonafide.KnowledgeBasis
	level     int   // how well the reporter knows names and dates
	kids      []int // which children, by index into fam.kids
	adults    bool
	address   int // 0 none, 1 town/district only, 2 as typed, 3 exact
	handles   bool
	concerns  []bonafide.Concern
	narrative string
	danger    bool
	campaign  *string
	kind      string
	relayOf   string
	// kidNames, when set, is how the reporter names the children (trolls
	// use the nicknames from posts).
	kidNames map[int]string
}

// referral types up and emits one referral with its truth and perhaps an
// outcome, returning its id, or "" if it falls outside the period.
func (g *famGen) referral(s referralSpec) string {
	g.refSeq++
	id := g.keys.ref.id("REF", g.idx<<16|g.refSeq)
	r := g.r
	rec := &bonafide.Referral{
		ID: id, ReceivedAt: s.at.UTC().Truncate(time.Second), Channel: s.channel, RelayedFrom: s.relay, SourceCode: s.source,
		Reporter: s.reporter, KnowledgeBasis: s.basis, Concerns: s.concerns, Narrative: s.narrative, ImmediateDanger: s.danger,
	}
	kids := s.kids
	if len(kids) == 0 {
		kids = g.kidsAt(s.at)
	}
	for _, i := range kids {
		k := g.fam.kids[i]
		p := bonafide.Person{Role: bonafide.RoleChild}
		if name, ok := s.kidNames[i]; ok {
			p.GivenName = name
		} else {
			p.GivenName = typedGiven(r, k.h.Given, s.level)
		}
		if s.level < stranger || chance(r, 0.5) {
			p.FamilyName = typedSurname(r, k.h.Surname, s.level)
		}
		if s.level < stranger || chance(r, 0.3) {
			p.DOB = formDOB(typedDOB(r, k.h.DOB, s.level), k.h.DOB, s.at)
		}
		if s.level == careful && chance(r, 0.6) || s.level == ordinary && chance(r, 0.05) {
			p.NHSNumber = typedNHS(r, k.h.NHS, s.level)
		}
		if chance(r, [3]float64{0.9, 0.6, 0.3}[s.level]) {
			p.Sex = map[string]string{"F": "female", "M": "male"}[k.h.Sex]
		}
		if s.level == careful && k.h.Middle != "" && chance(r, 0.3) {
			p.OtherNames = []string{k.h.Middle}
		}
		if s.level == stranger && p.FamilyName != "" && chance(r, 0.04) {
			p.GivenName, p.FamilyName = p.FamilyName, p.GivenName
		}
		if p.GivenName == "" && p.FamilyName == "" {
			p.GivenName = typedGiven(r, k.h.Given, stranger)
		}
		rec.Children = append(rec.Children, p)
	}
	if len(rec.Children) == 0 { // an unborn baby is all the reporter knows of
		rec.Children = []bonafide.Person{{FamilyName: typedSurname(r, g.fam.surname, s.level), Role: bonafide.RoleChild, OtherNames: []string{"unborn baby"}}}
	}
	if s.adults {
		rec.Adults = append(rec.Adults, g.typedAdult(g.fam.mother, bonafide.RoleMother, s.level, s.handles))
		posts := g.fam.pub != nil && g.fam.pub.who == g.fam.father
		if g.fam.father != nil && (posts || (!g.fam.fatherAway || chance(r, 0.3)) && chance(r, [3]float64{0.9, 0.6, 0.3}[s.level])) {
			rec.Adults = append(rec.Adults, g.typedAdult(g.fam.father, bonafide.RoleFather, s.level, s.handles))
		}
	}
	h := g.fam.home
	switch s.address {
	case 1:
		rec.Address = &bonafide.Address{Town: h.Town.Name}
		if chance(r, 0.5) {
			rec.Address.Postcode = typedPostcode(r, h.Postcode, stranger)
		}
	case 2:
		rec.Address = &bonafide.Address{Line1: typedLine1(r, h, s.level), Town: h.Town.Name, Postcode: typedPostcode(r, h.Postcode, s.level)}
		if chance(r, 0.2) {
			rec.Address.Town = ""
		}
	case 3:
		rec.Address = h.address()
	}
	if a := rec.Address; a != nil && a.Line1 == "" && a.Town == "" && a.Postcode == "" {
		rec.Address = nil
	}
	t := &Truth{ReferralID: id, Family: g.famID, Reporter: s.reporterT, Campaign: s.campaign, ImmediateDanger: s.danger, RelayOf: s.relayOf, Kind: s.kind}
	if !g.emit(rec, t) {
		return ""
	}
	g.stats.Referrals++
	g.stats.Kinds[s.kind]++
	if s.campaign != nil {
		g.stats.CampaignReferrals++
	}
	if s.danger {
		g.stats.ImmediateDanger++
	}
	if s.channel == bonafide.ChannelRelay {
		g.stats.Relays++
	}
	g.made = append(g.made, madeRef{id: id, at: s.at, campaign: s.campaign != nil, danger: s.danger, kind: s.kind})
	g.outcome(g.made[len(g.made)-1], s.relayOf)
	return id
}

func (g *famGen) typedAdult(hp *human, role bonafide.PersonRole, level int, handles bool) bonafide.Person {
	h := *hp
	r := g.r
	p := bonafide.Person{Role: role}
	p.GivenName = typedGiven(r, h.Given, level)
	if level < stranger || chance(r, 0.6) {
		p.FamilyName = typedSurname(r, h.Surname, level)
	}
	if level == stranger && chance(r, 0.05) {
		p.GivenName, p.FamilyName = p.FamilyName, p.GivenName
	}
	if level == careful && chance(r, 0.7) || level == ordinary && chance(r, 0.2) {
		p.DOB = typedDOB(r, h.DOB, level)
	}
	if level == careful && chance(r, 0.2) {
		p.NHSNumber = typedNHS(r, h.NHS, level)
	}
	if handles && g.fam.pub != nil && g.fam.pub.who == hp {
		p.SocialHandles = []bonafide.SocialHandle{{Platform: g.fam.pub.platform, Handle: typedHandle(r, g.fam.pub.handle)}}
	}
	if p.GivenName == "" && p.FamilyName == "" {
		p.GivenName = h.Given
	}
	return p
}

// typedHandle is a handle as someone typed it: with or without the @, case
// changed, now and then a letter off.
func typedHandle(r *rand.Rand, h string) string {
	switch weighted(r, []float64{50, 25, 15, 10}) {
	case 1:
		return "@" + h
	case 2:
		return strings.ToLower(h)
	case 3:
		return typo(r, h)
	}
	return h
}

// outcome decides, weeks later, what became of a referral. It only ever
// names a referral already written, so readers need no look-ahead.
func (g *famGen) outcome(m madeRef, relayOf string) {
	r := g.r
	if !chance(r, 0.8) {
		return
	}
	o := &bonafide.Outcome{ReferralID: m.id}
	days := 3 + r.IntN(50)
	if m.danger {
		days = r.IntN(10)
	}
	o.DecidedAt = g.dayTime(m.at.AddDate(0, 0, days), true)
	if !o.DecidedAt.After(m.at) {
		o.DecidedAt = m.at.Add(time.Duration(2+r.IntN(20)) * time.Hour)
	}
	switch {
	case relayOf != "":
		o.Decision = bonafide.DecisionNoFurtherAction
		o.Finding = pick(r, []bonafide.Finding{bonafide.FindingUnfounded, bonafide.FindingMalicious, bonafide.FindingUnsubstantiated})
		if !m.campaign {
			o.Finding = bonafide.FindingUnsubstantiated
		}
		o.Note = pick(r, []string{"Same call as an earlier referral; considered with it.", "Duplicate of a referral already received from the caller directly.", "Helpline copy of an earlier referral; no new information."})
	case m.campaign:
		i := weighted(r, []float64{55, 25, 20})
		o.Finding = []bonafide.Finding{bonafide.FindingUnfounded, bonafide.FindingMalicious, bonafide.FindingUnsubstantiated}[i]
		o.Decision = bonafide.DecisionNoFurtherAction
		if chance(r, 0.3) {
			o.Decision = bonafide.DecisionAssessment
		}
		if m.danger {
			o.Decision = bonafide.DecisionSection47
		}
		o.Note = pick(r, campaignOutcomeNotes[i])
	default:
		i := weighted(r, []float64{40, 45, 15, 0}) // a genuine concern is never malicious
		o.Finding = []bonafide.Finding{bonafide.FindingSubstantiated, bonafide.FindingUnsubstantiated, bonafide.FindingUnfounded, bonafide.FindingMalicious}[i]
		o.Decision = pick(r, []bonafide.Decision{bonafide.DecisionEarlyHelp, bonafide.DecisionAssessment, bonafide.DecisionAssessment, bonafide.DecisionNoFurtherAction})
		if o.Finding == bonafide.FindingSubstantiated && chance(r, 0.3) {
			o.Decision = bonafide.DecisionSection47
		}
		if m.danger {
			o.Decision = pick(r, []bonafide.Decision{bonafide.DecisionSection47, bonafide.DecisionPoliceReferral})
		}
		o.Note = pick(r, genuineOutcomeNotes[i])
	}
	g.emit(o, nil)
}

var campaignOutcomeNotes = [][]string{
	{"Home visit: children well cared for, home clean and appropriate. Allegation not supported.", "Concerns appear drawn from the family's public posts; school and health visitor report no worries.", "Checked with school and GP: no concerns. Allegation unfounded.", "Visit completed, no evidence of the concerns raised. Family distressed by repeated referrals."},
	{"Pattern of repeated false referrals; passed to police as malicious communications.", "Referrer's account contradicted by photos and school records; considered malicious.", "Part of a series of referrals about this family linked to an online forum; malicious.", "Referral made to harass the family; advice given to the family on reporting harassment."},
	{"Insufficient information to act on; no further action.", "Unable to verify the concern; family known to universal services only.", "Brief enquiries made; nothing found to substantiate."},
}

var genuineOutcomeNotes = [][]string{
	{"Concerns confirmed on visit; child in need plan agreed.", "Strategy discussion held; child protection enquiry confirmed the concerns.", "Assessment found neglect of basic care; family support worker allocated.", "Injuries consistent with the account; safety plan in place."},
	{"Assessment completed; some concerns but not at threshold. Early help offered.", "Family engaged with the visit; concerns not confirmed but advice given.", "Parents accepted support from the family hub; case closed to social care."},
	{"Visit found the children well; the concern was a misunderstanding.", "Enquiries with school and health found no concerns."},
	{"Referral arose from a dispute between adults; no concerns for the children."},
}
