package triage

import (
	"math"
	"slices"
	"strings"
	"time"

	"bonafide"
	"bonafide/linkage"
	"bonafide/normalize"
	"bonafide/triage/textsim"
)

// Reporter links where no identifier is given (#19 item 4): by a
// distinctive writing habit shared with an earlier referral about the
// family, and by the forum author who announced the call when the
// reporter also calls from that author's own address.

const (
	// habitMaxDF: a habit (a sentence or a word with its punctuation) is
	// distinctive when at most this many earlier narratives used it.
	habitMaxDF = 10
	// habitLink is the least sum of rarity weights, log((N+1)/df), of the
	// distinctive habits two narratives share for them to be one writer's.
	habitLink = 35
	// habitIncident: calls this close about one family may be about one
	// incident (several callers after one live stream), whose words are
	// shared by different people; they are never linked by habit.
	habitIncident = 12 * time.Hour
)

// habitHashes returns the habits of a narrative: its sentences and its
// words, lower case, each word with the punctuation it ends with ("agian",
// "her!!1", "regards"), the names of the referral's own people (children,
// adults, their handles) masked so that what every caller about the
// family writes is not a habit. Hashed: the engine keeps no text for it.
func habitHashes(r *bonafide.Referral) []uint64 {
	names := map[string]bool{}
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		for _, n := range []string{p.GivenName, p.FamilyName} {
			if n != "" {
				names[strings.ToLower(n)] = true
			}
		}
		for _, h := range p.SocialHandles {
			names[strings.ToLower(strings.TrimPrefix(h.Handle, "@"))] = true
		}
	}
	var out []uint64
	add := func(v textsim.FNV) { out = append(out, uint64(v)) }
	// Hashed as written, piece by piece (FNV-1a), so that no string is
	// built for a word or a sentence.
	start := textsim.NewFNV().Add("s:")
	sent, words := start, 0
	for w := range strings.FieldsSeq(r.Narrative) {
		lw := strings.ToLower(w)
		core := strings.Trim(lw, ".,!?;:'\"()")
		if names[strings.TrimSuffix(strings.TrimPrefix(core, "@"), "'s")] {
			core = "#"
		}
		tail := lw[len(strings.TrimRight(lw, ".,!?;:")):]
		if core != "#" {
			add(textsim.NewFNV().Add("w:").Add(core).Add(tail))
		}
		if words > 0 {
			sent = sent.Add(" ")
		}
		sent, words = sent.Add(core), words+1
		if strings.ContainsAny(tail, ".!?") {
			if words >= 2 {
				add(sent)
			}
			sent, words = start, 0
		}
	}
	if words >= 2 {
		add(sent)
	}
	slices.Sort(out) // each habit once: a narrative counts once in its df
	return slices.Compact(out)
}

// habitMatch returns the reporter of the earlier referral about family
// whose narrative shares the most distinctive habits with habits, if they
// weigh at least habitLink, or -1. Professionals and relays are never
// compared, nor calls within habitIncident of now; only narratives whose
// habits are still kept (TextWindow) are, and rarity is counted among
// them.
func (e *Engine) habitMatch(habits []uint64, family int32, now time.Time) int32 {
	best, bestS := int32(-1), 0.0
	n := float64(e.habitDocs + 1)
	mine := make(map[uint64]bool, len(habits))
	for _, v := range habits {
		mine[v] = true
	}
	for _, j := range e.famRefs[family] {
		o := &e.refs[j]
		if o.professional || o.relayOf >= 0 || len(o.habits) == 0 || now.Sub(o.at) < habitIncident {
			continue
		}
		s := 0.0
		for _, v := range o.habits {
			if mine[v] {
				if d := e.habitDF[v]; d > 0 && d <= habitMaxDF {
					s += math.Log(n / float64(d))
				}
			}
		}
		if s > bestS {
			best, bestS = j, s
		}
	}
	if best < 0 || bestS < habitLink {
		return -1
	}
	return e.refs[best].reporter
}

// countHabits counts a narrative's habits among those seen.
func (e *Engine) countHabits(habits []uint64) {
	if habits == nil {
		return
	}
	for _, v := range habits {
		e.habitDF[v]++
	}
	e.habitDocs++
}

// uncountHabits takes a narrative's habits out of the counts, as its text
// leaves the window.
func (e *Engine) uncountHabits(habits []uint64) {
	if habits == nil {
		return
	}
	for _, v := range habits {
		if e.habitDF[v]--; e.habitDF[v] <= 0 {
			delete(e.habitDF, v)
		}
	}
	e.habitDocs--
}

// contactIP is the exact contact address a referral came from, as the
// forum-author link compares it (blinded with the engine's key, then
// hashed: eight bytes a referral of the history), or 0.
func (e *Engine) contactIP(rep *bonafide.Reporter) uint64 {
	if rep == nil {
		return 0
	}
	ip, _ := normalize.IP(rep.ContactIP)
	if ip == "" {
		return 0
	}
	k := "ip:" + ip
	if e.cfg.BlindKey != nil {
		k = e.cfg.BlindKey(k)
	}
	return linkage.KeyHash(k) | 1 // never 0, which is none
}

// forumAuthorKey links a non-professional reporter who gives no forum
// handle of their own to the forum author who announced or urged the call
// ([Engine.forumPrecursor]: a post naming the family in the forum window
// before it), when that author is already linked to a reporter (an e-mail
// address built on the handle) and one of that reporter's referrals came
// from this referral's exact contact address. Neither is enough alone:
// several trolls post in one thread, and an address is a household's or a
// network's. It gives the author's "handle:" key, or "".
func (e *Engine) forumAuthorKey(r *bonafide.Referral, family int32, now time.Time, ip uint64) string {
	rep := r.Reporter
	if ip == 0 || rep == nil || len(e.authors) == 0 || rep.Relationship.Professional() && rep.Organisation != "" {
		return ""
	}
	best, v, _ := e.forumPrecursor(r, family, now)
	if best < 0 || v <= 0 {
		return ""
	}
	a := authorKey(e.forum[best].AuthorHandle)
	if len(a) < minAuthorKey {
		return ""
	}
	k := "handle:" + a
	if e.cfg.BlindKey != nil {
		k = "handle:" + e.cfg.BlindKey(k)
	}
	o := e.rep.first(linkage.KeyHash(k))
	if o < 0 {
		return ""
	}
	for _, j := range e.rep.members[e.rep.find(o)] {
		if e.refs[j].ip == ip {
			return k
		}
	}
	return ""
}
