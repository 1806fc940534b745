package triage

import (
	"strings"
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
// kind for the evidence ("device", "e-mail", "phone", "name").
func reporterKeys(rep *bonafide.Reporter) []string {
	if rep == nil {
		return nil
	}
	var keys []string
	g, f := normalize.NameKey(rep.GivenName), normalize.NameKey(rep.FamilyName)
	if !rep.Anonymous && rep.Relationship.Professional() && rep.Organisation != "" {
		// A professional is identified by name and organisation: the
		// organisation's phone, mailbox and network are shared by colleagues.
		if g != "" && f != "" {
			keys = append(keys, "name:"+g+" "+f+"|"+normalize.NameKey(rep.Organisation))
		}
		if e := emailKey(rep.Email); e != "" && f != "" && strings.Contains(e, f) {
			keys = append(keys, "e-mail:"+e)
		}
		return keys
	}
	if d := strings.TrimSpace(rep.DeviceID); d != "" {
		keys = append(keys, "device:"+strings.ToLower(d))
	}
	if e := emailKey(rep.Email); e != "" {
		keys = append(keys, "e-mail:"+e)
	}
	if p := phoneKey(rep.Phone); p != "" {
		keys = append(keys, "phone:"+p)
	}
	if g != "" && f != "" {
		if o := normalize.NameKey(rep.Organisation); o != "" {
			keys = append(keys, "name:"+g+" "+f+"|"+o)
		}
		if rep.Address != nil {
			if pc := postcodeOf(rep.Address).Full; pc != "" {
				keys = append(keys, "name:"+g+" "+f+"|"+pc)
			}
			if l := normalize.AddressLine(rep.Address.Line1); l != "" {
				keys = append(keys, "name:"+g+" "+f+"|"+l)
			}
		}
	}
	return keys
}

// link returns the reporter id for keys, creating one when nothing links.
func (rl *reporterLinker) link(keys []string) int32 {
	id := int32(-1)
	hs := make([]uint64, len(keys))
	for i, k := range keys {
		hs[i] = linkage.KeyHash(k)
		if other := rl.first(hs[i]); other >= 0 {
			other = rl.find(other)
			if id < 0 {
				id = other
			} else if other != id {
				// two known reporters share a key: they are one person
				if other < id {
					id, other = other, id
				}
				rl.parent[other] = id
			}
		}
	}
	if id < 0 {
		id = int32(len(rl.parent))
		rl.parent = append(rl.parent, id)
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
	return a
}

// personalName returns the normalised full name of a reporter who gives
// one and is not a named professional, or "".
func personalName(rep *bonafide.Reporter) string {
	if rep == nil || rep.Relationship.Professional() && rep.Organisation != "" {
		return ""
	}
	g, f := normalize.NameKey(rep.GivenName), normalize.NameKey(rep.FamilyName)
	if g == "" || f == "" {
		return ""
	}
	return g + " " + f
}
