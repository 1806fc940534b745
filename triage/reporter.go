package triage

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"bonafide"
	"bonafide/linkage"
	"bonafide/normalize"
)

// reporterLinker gives each referral a reporter id: referrals whose
// reporter shares an identifying key (a device, an e-mail address up to
// dots, plus-tags and the provider, a phone number, a full name with an
// organisation or an address) get the same id, merged transitively.
// An IP address is not an identity (households, offices and mobile
// networks share them); it is kept for the campaign signals instead.
//
// The keys are built from the raw reporter fields. When the vault lands,
// the same keys are to be computed as blind HMAC indexes instead: the
// linker never needs the plaintext, only equality of keys.
//
// The keys are filed in a [linkage.Postings] under their 64-bit hash, each
// with the first reporter seen with it: the candidate index the family
// linker and package linkage use too.
type reporterLinker struct {
	byKey  *linkage.Postings // key hash -> the first reporter with the key
	parent []int32
	// members holds, for each reporter id that is its own root, the
	// indexes of its referrals (relays excluded), ascending; latest the
	// latest received_at among them (Unix nanoseconds). Both are indexed
	// like parent: a slice costs less than a map at a reporter a referral.
	members [][]int32
	latest  []int64
}

func newReporterLinker() *reporterLinker {
	return &reporterLinker{byKey: linkage.NewPostings()}
}

// first returns the first reporter filed under key hash h, or -1.
func (rl *reporterLinker) first(h uint64) int32 {
	merged, recent := rl.byKey.Get(h)
	switch {
	case len(merged) > 0:
		return int32(merged[0])
	case len(recent) > 0:
		return int32(recent[0])
	}
	return -1
}

func (rl *reporterLinker) find(x int32) int32 {
	for rl.parent[x] != x {
		rl.parent[x] = rl.parent[rl.parent[x]]
		x = rl.parent[x]
	}
	return x
}

// emailKey is the key an e-mail address links reporters by, so that
// variants of one throwaway address meet: the address in
// [normalize.Email]'s form, any +tag dropped and only the letters and
// digits of the local part kept. The provider is dropped when the local
// part is long enough to be distinctive on its own (letters and at least
// two digits), and a shared office mailbox gives no key.
func emailKey(e string) string {
	e = normalize.Email(e)
	at := strings.LastIndexByte(e, '@')
	if at <= 0 {
		return ""
	}
	local, domain := e[:at], e[at+1:]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	var b strings.Builder
	for _, r := range local {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	local = b.String()
	if roleMailbox[local] {
		return "" // a shared office mailbox is not a person
	}
	digits := 0
	for _, r := range local {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits >= 2 && len(local)-digits >= 4 {
		return local // a personal throwaway-style address: same local part, any provider
	}
	if local == "" {
		return ""
	}
	return local + "@" + domain
}

// phoneKey is the key a phone number links reporters by: the last ten
// digits of its E.164 form ([normalize.Phone]), so +44 7700 900123 and
// 07700900123 meet.
func phoneKey(p string) string {
	e, _ := normalize.Phone(p)
	if len(e) < 10 {
		return ""
	}
	return e[len(e)-10:]
}

// ipPrefix returns the /24 (IPv4) or /48 (IPv6) network of an address
// ([normalize.IP]).
func ipPrefix(s string) string {
	_, group := normalize.IP(s)
	return group
}

// roleMailbox lists local parts of shared mailboxes (schools, surgeries,
// police units) that many different people send from.
var roleMailbox = map[string]bool{"safeguarding": true, "admin": true, "office": true, "info": true, "enquiries": true,
	"reception": true, "dsl": true, "mash": true, "referrals": true, "contact": true, "hello": true, "noreply": true,
	"headteacher": true, "head": true, "school": true, "surgery": true, "duty": true, "team": true, "mail": true}

// reporterKeys returns the identifying keys of a reporter, each tagged by
// kind for the evidence ("device", "e-mail", "phone", "name"), and the
// field of the reporter weights each compares.
func reporterKeys(rep *bonafide.Reporter) ([]string, []repField) {
	if rep == nil {
		return nil, nil
	}
	var keys []string
	var fields []repField
	g, f := normalize.NameKey(rep.GivenName), normalize.NameKey(rep.FamilyName)
	if !rep.Anonymous && rep.Relationship.Professional() && rep.Organisation != "" {
		// A professional is identified by name and organisation: the
		// organisation's phone, mailbox and network are shared by colleagues.
		// Name and organisation alone are shared by namesakes in a large
		// organisation (two PC Carters in one county force): with no work
		// contact they link only calls about one family ([personalName]).
		if g != "" && f != "" && workContact(rep) {
			keys = append(keys, "name:"+g+" "+f+"|"+normalize.NameKey(rep.Organisation))
			fields = append(fields, rOrg)
		}
		if e := emailKey(rep.Email); e != "" && f != "" && strings.Contains(e, f) {
			// A work address made of an initial and the surname
			// ("s.baker@school") may belong to either of two colleagues
			// who share both: it then links only given names that begin
			// alike (Clem and Clemency, not Samantha and Shannon). An
			// address with the given name in it ("florence.stubbs@") is
			// the person's, whatever they write as their name ("PC 1484").
			local, _, _ := strings.Cut(e, "@")
			if g != "" && len(strings.Replace(local, f, "", 1)) <= 2 {
				e += "|" + g[:min(len(g), 3)]
			}
			keys = append(keys, "e-mail:"+e)
			fields = append(fields, rWorkEmail)
		}
		return keys, fields
	}
	if d := strings.TrimSpace(rep.DeviceID); d != "" {
		keys = append(keys, "device:"+strings.ToLower(d))
		fields = append(fields, rDevice)
	}
	if e := emailKey(rep.Email); e != "" {
		keys = append(keys, "e-mail:"+e)
		fields = append(fields, rEmail)
	}
	if p := phoneKey(rep.Phone); p != "" {
		keys = append(keys, "phone:"+p)
		fields = append(fields, rPhone)
	}
	if g != "" && f != "" {
		if o := normalize.NameKey(rep.Organisation); o != "" {
			keys = append(keys, "name:"+g+" "+f+"|"+o)
			fields = append(fields, rOrg)
		}
		if rep.Address != nil {
			if pc := postcodeOf(rep.Address).Full; pc != "" {
				keys = append(keys, "name:"+g+" "+f+"|"+pc)
				fields = append(fields, rPostcode)
			}
			if l := normalize.AddressLine(rep.Address.Line1); l != "" {
				keys = append(keys, "name:"+g+" "+f+"|"+l)
				fields = append(fields, rLine)
			}
		}
	}
	return keys, fields
}

// link returns the reporter id for keys (fields[i] the field key i
// compares), creating one when nothing links. Each known reporter a key
// brings is a candidate; the fields whose keys it shares are summed at
// their weights ([reporterWeights]), and every candidate whose sum
// reaches the threshold is this reporter, merged transitively.
func (rl *reporterLinker) link(keys []string, fields []repField) int32 {
	w := defaultReporterWeights // compiled in, not state: a checkpoint holds none
	hs := make([]uint64, len(keys))
	var cands []int32
	var agree []uint16
	for i, k := range keys {
		hs[i] = linkage.KeyHash(k)
		other := rl.first(hs[i])
		if other < 0 {
			continue
		}
		other = rl.find(other)
		c := slices.Index(cands, other)
		if c < 0 {
			c = len(cands)
			cands, agree = append(cands, other), append(agree, 0)
		}
		agree[c] |= keyFields(fields[i])
	}
	id := int32(-1)
	for c, other := range cands {
		if w.score(agree[c]) < w.threshold {
			continue
		}
		other = rl.find(other)
		if id < 0 {
			id = other
		} else if other != id {
			// two known reporters are this one: they are one person
			if other < id {
				id, other = other, id
			}
			rl.parent[other] = id
			rl.adopt(id, other)
		}
	}
	if id < 0 {
		id = int32(len(rl.parent))
		rl.parent = append(rl.parent, id)
		rl.members = append(rl.members, nil)
		rl.latest = append(rl.latest, math.MinInt64)
	}
	for _, h := range hs {
		if rl.first(h) < 0 {
			rl.byKey.Add(h, uint32(id))
		}
	}
	return id
}

// union records that reporters a and b are one person.
func (rl *reporterLinker) union(a, b int32) int32 {
	a, b = rl.find(a), rl.find(b)
	if a == b {
		return a
	}
	if b < a {
		a, b = b, a
	}
	rl.parent[b] = a
	rl.adopt(a, b)
	return a
}

// adopt moves the referrals of reporter b, no longer a root, to root a.
func (rl *reporterLinker) adopt(a, b int32) {
	if m := rl.members[b]; len(m) > 0 {
		rl.members[a] = append(rl.members[a], m...)
		slices.Sort(rl.members[a])
		rl.latest[a] = max(rl.latest[a], rl.latest[b])
	}
	rl.members[b] = nil
}

// add records referral idx, the newest triaged, received at, as reporter
// rep's.
func (rl *reporterLinker) add(rep, idx int32, at time.Time) {
	rep = rl.find(rep)
	rl.members[rep] = append(rl.members[rep], idx)
	rl.latest[rep] = max(rl.latest[rep], at.UnixNano())
}

// linkedSet is what linkedEarlier finds.
type linkedSet struct {
	n     int     // linked earlier referrals, of every family
	named []int32 // the newest of them (in the order triaged), at most MaxLinkedNamed
	about []int32 // those about me's family, newest first
}

// linkedEarlier finds the referrals linked to me's reporter that are
// earlier than it: received strictly before it (one at the same instant
// is not earlier), among those triaged before it, relays not counted. For
// a relay they are its original's: those earlier than the original, the
// original itself not among them. Those about me's family are looked for
// among the family's history (its newest maxFamilyHistory referrals), as
// every signal about the family is.
func (e *Engine) linkedEarlier(me *refInfo) linkedSet {
	cut, self := me.received, int32(-1)
	if me.relayOf >= 0 {
		cut, self = e.refs[me.relayOf].received, me.relayOf
	}
	root := e.rep.find(me.reporter)
	earlier := func(j int32) bool { return j != self && e.refs[j].received.Before(cut) }
	var out linkedSet
	m := e.rep.members[root]
	all := e.rep.latest[root] < cut.UnixNano() && self < 0 // the usual case: every one of them is earlier
	for k := len(m) - 1; k >= 0; k-- {
		if j := m[k]; all || earlier(j) {
			out.n++
			if len(out.named) < MaxLinkedNamed {
				out.named = append(out.named, j)
			}
			if all && len(out.named) == MaxLinkedNamed {
				out.n = len(m)
				break
			}
		}
	}
	hist := e.famRefs[me.family]
	for k := len(hist) - 1; k >= 0; k-- {
		if j := hist[k]; e.refs[j].relayOf < 0 && earlier(j) && e.rep.find(e.refs[j].reporter) == root {
			out.about = append(out.about, j)
		}
	}
	return out
}

// reporterLinks is what an assessment says of the referrals linkedEarlier
// found for me.
func (e *Engine) reporterLinks(l linkedSet) ReporterLinks {
	out := ReporterLinks{Linked: l.n, AboutFamily: len(l.about), Referrals: make([]LinkedReferral, len(l.named))}
	for i, j := range l.named {
		out.Referrals[i] = LinkedReferral{ID: e.refs[j].id, AboutFamily: slices.Contains(l.about, j)}
	}
	return out
}

// personalName returns the normalised full name of a reporter who gives
// one, by which calls about one family are linked: a named professional's
// with the organisation, and only when they give no work contact (with
// one, name and organisation link them wherever they report); "" otherwise.
func personalName(rep *bonafide.Reporter) string {
	if rep == nil {
		return ""
	}
	g, f := normalize.NameKey(rep.GivenName), normalize.NameKey(rep.FamilyName)
	if g == "" || f == "" {
		return ""
	}
	if rep.Relationship.Professional() && rep.Organisation != "" {
		if rep.Anonymous || workContact(rep) {
			return ""
		}
		return g + " " + f + "|" + normalize.NameKey(rep.Organisation)
	}
	return g + " " + f
}

// workContact reports whether a named professional gives a way to reach
// them at work (an e-mail address, a shared mailbox too, or a phone): a
// name and an organisation with nothing to check them by is taken as the
// person's only about one family.
func workContact(rep *bonafide.Reporter) bool {
	return strings.TrimSpace(rep.Email) != "" || strings.TrimSpace(rep.Phone) != ""
}

// minAuthorKey is the shortest forum handle (letters and digits) that a
// reporter's e-mail address is linked by: shorter ones ("mum", "jo") are
// common parts of anyone's address.
const minAuthorKey = 8

// authorKey is a forum handle as reporters are linked by it: its letters
// and digits, lower case ("@Truth_Teller123" gives "truthteller123").
func authorKey(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// forumHandleKey links a non-professional reporter whose e-mail address is
// built on the handle of a forum author seen before ("truthteller123.2@…"
// after posts by "truthteller123"): a throwaway address changes its
// provider and its number, not the handle its owner posts under. The local
// part must be the handle with at most three more characters, none a
// letter, so that a handle inside a longer name links nothing, and only
// one known handle may fit it. It gives "handle:" and the handle, or "".
func (e *Engine) forumHandleKey(rep *bonafide.Reporter) string {
	if rep == nil || len(e.authors) == 0 || rep.Relationship.Professional() && rep.Organisation != "" {
		return ""
	}
	em := strings.ToLower(strings.TrimSpace(rep.Email))
	at := strings.LastIndexByte(em, '@')
	if at <= 0 {
		return ""
	}
	raw := em[:at]
	if i := strings.IndexByte(raw, '+'); i >= 0 {
		raw = raw[:i]
	}
	local := authorKey(raw)
	found := ""
	for n := len(local); n >= minAuthorKey && n >= len(local)-3; n-- {
		if !e.authors[local[:n]] {
			continue
		}
		for _, r := range local[n:] {
			if unicode.IsLetter(r) {
				return ""
			}
		}
		if !counterSuffix(raw, n) {
			// "justsaying719.2" is not "justsaying71" and a counter: a
			// number that runs on from the handle's own digits is another
			// handle's, unless it is one digit (truthteller846 and 0).
			continue
		}
		if found != "" {
			// "watcher470" after posts by "watcher47" and "watcher470":
			// the handle's own digits cannot be told from those added.
			return ""
		}
		found = local[:n]
	}
	if found == "" {
		return ""
	}
	return "handle:" + found
}

// counterSuffix reports whether what follows the first n letters and
// digits of the local part raw reads as a throwaway's counter: nothing, one
// digit, or a separator ('.', '_', '-') and digits.
func counterSuffix(raw string, n int) bool {
	i := 0
	for k, r := range raw {
		if n == 0 {
			i = k
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n--
		}
		i = k + len(string(r))
	}
	rest := raw[i:]
	switch {
	case rest == "":
		return true
	case len(rest) == 1:
		return rest[0] >= '0' && rest[0] <= '9'
	case strings.IndexByte("._-", rest[0]) >= 0:
		return strings.Trim(rest[1:], "0123456789") == "" && len(rest) > 1
	}
	return false
}
