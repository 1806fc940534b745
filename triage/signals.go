package triage

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"bonafide"
	"bonafide/normalize"
	"bonafide/triage/textsim"
)

// Word patterns used by the context signals. They describe kinds of event
// in general English, not any generator's sentences.
var (
	lifeEventRE = regexp.MustCompile(`(?i)\b(born|birth|newborn|new baby|baby (boy|girl)|welcome[sd]? (our|little|baby)|` +
		`pregnan\w*|expecting|due date|scan|bump|maternity|arrived|arrival|little sister|little brother|big sister|big brother|adopt\w*|wedding|married|moved house|new home)\b`)
	urgeRE = regexp.MustCompile(`(?i)\b(report\w*|social services|social workers?|children'?s services|\bss\b|safeguarding|` +
		`nspcc|childline|council|ring(ing)? (them|the)|call(ing)? (them|the)|phon\w* (them|the)|contact\w* (them|the)|` +
		`someone (should|needs to|must)|somebody (should|needs to|must)|get (them|those|the) kids? taken|take (them|the) kids|` +
		`taken (off|away from) her|taken (off|away from) him|cps|police)\b`)
	fdate     = "2 Jan 2006 15:04"
	hearsayRE = regexp.MustCompile(`(?i)\b((her|his|their) (ex|ex-partner|ex-husband|ex-wife|neighbours?|friends?|family) (says|said|told)|` +
		`(a |is a )?known (abuser|drug|drinker|alcoholic|dealer|user)|every(one|body)( (round|around) here| in the (street|area|village|estate))? (knows|says)|people (say|are saying)|` +
		`heard (it )?from (someone|somebody|people|a friend|a mate|others)|` +
		`apparently|allegedly|supposedly|rumou?rs?|word is|i('ve| have)? heard (that )?(she|he|they)|i was told (that )?(she|he|they)|they say (she|he)|` +
		`(she|he|they|she's|he's|they've|has|have) been (seen|spotted)|(is|are) said to)\b`)
	// citesPostRE: the narrative names a post of the family's as where
	// the allegation comes from ("in her video", "you can see in her
	// videos", "according to her stories", "she put a video up", "look at
	// what she posted"). A pointer to evidence ("check her page") is not
	// a source and does not count.
	citesPostRE = regexp.MustCompile(`(?i)\b((in|on|from) (her|his|their) (own )?(videos?|vids?|stories|story|posts?|reels?|lives?|live ?streams?|photos?|pictures?|pics?|feed|tiktoks?|instagram|facebook)|` +
		`you can see (it |this )?(in|on) (her|his|their)|according to (her|his|their) (stories|story|posts?|videos?|page|feed)|` +
		`(she|he|they) (put|posted|uploaded|shared) (up )?(a |the |this )?(video|photo|picture|pic|post|clip|story|reel)|` +
		`(video|photo|picture|pic|clip|post|reel) (she|he|they) (put up|posted|uploaded|shared)|` +
		`look at what (she|he|they) (posted|put up|shared)|(she|he|they) posted (it|herself|himself|themselves)|(just )?filmed it|` +
		`(her|his|their) (perfect )?life online)\b`)
)

// incidentGap: earlier referrals about the family received less than this
// before are taken to be about the same incident (several people who saw
// one live stream, say). Their narratives are alike because the incident
// is the same, so they are not compared for copied text, style or repeated
// claims, and they are not counted as earlier lay referrals.
const incidentGap = 12 * time.Hour

func dayDate(t time.Time) string { return t.Format("2 Jan 2006") }

// signals computes the value of every campaign signal for r and the
// evidence for those that fire. It reads only what the engine has been
// given before r; linked are the referrals linkedEarlier gave for me.
func (e *Engine) signals(r *bonafide.Referral, me *refInfo, linked linkedSet) (Features, []Reason) {
	var f Features
	var reasons []Reason
	lowerNarrative := strings.ToLower(r.Narrative) // for the patterns' prefilters
	set := func(s Signal, v float64, evidence string) {
		i := sigIndex(s)
		if v <= f[i] {
			return
		}
		f[i] = v
		for k := range reasons {
			if reasons[k].Signal == s {
				reasons[k].Evidence = evidence
				return
			}
		}
		reasons = append(reasons, Reason{Signal: s, Evidence: evidence})
	}
	now := me.at
	hist := e.famRefs[me.family]
	horizon := now.Add(-time.Duration(e.cfg.HistoryWindow))

	// Earlier referrals about the family, their findings, and links to this reporter.
	var falseOthers []string
	var repeat, repeatFalse, repeatSub, repeatMalicious []string
	repeatKnown := 0
	netLinked := ""
	burstN, burstCh := 1, map[bonafide.Channel]bool{me.channel: true}
	lay := 0

	bestDup, dupOf := 0.0, int32(-1)
	bestStyle, styleOf := 0.0, int32(-1)
	bestClaim, claimOf := 0, int32(-1)
	for k := len(hist) - 1; k >= 0; k-- {
		j := hist[k]
		o := &e.refs[j]
		if o.at.Before(horizon) {
			break
		}
		if j == me.relayOf || o.relayOf >= 0 {
			continue // a relayed call is counted once, with its original
		}
		known := o.finding != "" && !o.findingAt.After(now)
		found := ""
		if known {
			found = fmt.Sprintf(", found %s on %s", o.finding, dayDate(o.findingAt))
		}
		// The reporter's own earlier referrals are counted below, from linked.
		sameRep := e.rep.find(o.reporter) == e.rep.find(me.reporter) && !me.professional
		if !sameRep && known && o.finding.False() {
			falseOthers = append(falseOthers, fmt.Sprintf("%s (received %s%s)", o.id, dayDate(o.at), found))
		}
		if !sameRep && !me.professional && !o.professional && me.ipNet != "" && me.ipNet == o.ipNet && netLinked == "" {
			netLinked = fmt.Sprintf("%s (received %s%s)", o.id, dayDate(o.at), found)
		}
		if !o.professional && !me.professional && !sameRep && now.Sub(o.at) <= 90*24*time.Hour && now.Sub(o.at) >= incidentGap {
			lay++ // the reporter's own earlier referrals count in reporter_repeat
		}
		if !o.professional && now.Sub(o.at) <= time.Duration(e.cfg.BurstWindow) {
			burstN++
			burstCh[o.channel] = true
		}
		sameIncident := now.Sub(o.at) < incidentGap
		if o.sig != nil && me.relayOf < 0 && !sameIncident {
			if s := me.sig.Similarity(o.sig); s > bestDup {
				bestDup, dupOf = s, j
			}
		}
		// A reporter repeating their own words is a continuing concern, which
		// reporter_repeat already weighs: only another reporter's words count.
		if len(me.claims) > 0 && len(o.claims) > 0 && !o.professional && !sameIncident && j != me.relayOf && !sameRep {
			if n := sharedClaims(me.claims, o.claims); n > bestClaim {
				bestClaim, claimOf = n, j
			}
		}
		if !me.profile.IsZero() && !o.profile.IsZero() && !sameRep && !sameIncident {
			if c := textsim.Cosine(me.profile, o.profile); c > bestStyle {
				bestStyle, styleOf = c, j
			}
		}
	}
	// The reporter's linked earlier referrals about this family, newest
	// first: the same ones the assessment's reporter_links counts.
	for _, j := range linked.about {
		if me.professional {
			break
		}
		o := &e.refs[j]
		found := ""
		known := o.finding != "" && !o.findingAt.After(now)
		if known {
			found = fmt.Sprintf(", found %s on %s", o.finding, dayDate(o.findingAt))
		}
		desc := fmt.Sprintf("%s (received %s%s; linked by %s)", o.id, dayDate(o.received), found, sharedKinds(me.repKeys, o.repKeys))
		repeat = append(repeat, desc)
		if known {
			repeatKnown++
		}
		if known && o.finding.False() {
			repeatFalse = append(repeatFalse, desc)
		}
		if known && o.finding == bonafide.FindingMalicious {
			repeatMalicious = append(repeatMalicious, desc)
		}
		if known && o.finding == bonafide.FindingSubstantiated {
			repeatSub = append(repeatSub, desc)
		}
	}
	if len(repeatSub) > 0 {
		set(SigReporterSubst, 1, "the reporter is linked to earlier referral(s) about this family that were found substantiated: "+
			strings.Join(first(repeatSub, 3), "; "))
	}
	if n := len(falseOthers); n > 0 {
		set(SigPriorFalse, min(float64(n), 2)/2, fmt.Sprintf("%d earlier referral(s) about this family were found unfounded or malicious: %s",
			n, strings.Join(first(falseOthers, 3), "; ")))
	}
	if len(repeatFalse) > 0 {
		// The share of the reporter's earlier referrals about the family
		// with a finding that were found unfounded or malicious: a
		// grandmother whose one call of three was unfounded and the others
		// substantiated or not is not a troll whose every call was false.
		v := float64(len(repeatFalse)) / float64(repeatKnown)
		set(SigReporterFalse, v, fmt.Sprintf("the reporter is linked to earlier referral(s) about this family that were found unfounded or malicious (%d of the %d with a finding): %s",
			len(repeatFalse), repeatKnown, strings.Join(first(repeatFalse, 3), "; ")))
	}
	if len(repeatMalicious) > 0 {
		set(SigReporterMalicious, 1, "the reporter is linked to earlier referral(s) about this family that were found malicious: "+
			strings.Join(first(repeatMalicious, 3), "; "))
	}
	if len(repeat) > 0 {
		more := ""
		if linked.n > len(repeat) {
			more = fmt.Sprintf(" (%d in all, of every family)", linked.n)
		}
		set(SigReporterRepeat, min(float64(len(repeat)), 3)/3+0.0001, fmt.Sprintf("the reporter is linked to %d earlier referral(s) about this family%s: %s",
			len(repeat), more, strings.Join(first(repeat, 3), "; ")))
	}
	if netLinked != "" {
		set(SigNearNetwork, 1, fmt.Sprintf("sent from the same /24 network as earlier referral %s by an apparently different reporter", netLinked))
	}
	if burstN >= 3 && len(burstCh) >= 2 {
		set(SigBurst, min(float64(burstN-2), 3)/3, fmt.Sprintf("%d referrals about this family through %d channels within %s",
			burstN, len(burstCh), time.Duration(e.cfg.BurstWindow)))
	}
	if dupOf >= 0 && bestDup >= 0.4 {
		o := &e.refs[dupOf]
		set(SigNearDuplicate, bestDup, fmt.Sprintf("the narrative is %.0f%% the same as %s (received %s) — not a relay of it", 100*bestDup, o.id, dayDate(o.at)))
	}
	if styleOf >= 0 && bestStyle >= 0.5 {
		o := &e.refs[styleOf]
		v := min((bestStyle-0.5)/0.25, 1)
		set(SigStyle, v, fmt.Sprintf("written in a style like %s (received %s), apparently by a different reporter (similarity %.2f)", o.id, dayDate(o.at), bestStyle))
	}

	if lay > 0 {
		set(SigLayRepeat, min(float64(lay), 3)/3, fmt.Sprintf("%d earlier referral(s) about this family by members of the public in the last 90 days", lay))
	}
	if r.KnowledgeBasis != bonafide.KnowledgeOnlineContent && !me.professional {
		// Someone who saw it online and says so is reporting what they
		// saw; the same post retold as known first hand or from someone
		// is not what the reporter says it is.
		if m := citesPost.findString(r.Narrative, lowerNarrative); m != "" {
			basis := "gives another basis (" + string(r.KnowledgeBasis) + ")"
			if r.KnowledgeBasis == bonafide.KnowledgeNotStated || r.KnowledgeBasis == "" {
				basis = "does not say how they know"
			}
			set(SigCitesPost, 1, fmt.Sprintf("the allegation names the family's own post as its source (%q) but the reporter %s, not that they saw it online", strings.ToLower(m), basis))
		}
	}
	if h := hearsay.findString(r.Narrative, lowerNarrative); h != "" && !me.professional {
		set(SigHearsay, 1, fmt.Sprintf("rumour or reputation rather than what was seen: %q", h))
	}
	if claimOf >= 0 {
		o := &e.refs[claimOf]
		set(SigRepeatClaim, min(float64(bestClaim), 2)/2, fmt.Sprintf("%d sentence(s) of this narrative also appear in earlier referral %s (received %s), not about the same incident", bestClaim, o.id, dayDate(o.at)))
	}

	// The family's public posts.
	e.postSignals(r, me, set)
	// Forum posts about the family.
	e.forumSignals(r, me, set)

	// Knowledge basis and detail.
	d := textsim.FirstHandDetail(r.Narrative)
	claimsFirst := r.KnowledgeBasis == bonafide.KnowledgeFirstHand || r.KnowledgeBasis == bonafide.KnowledgeNotStated || r.KnowledgeBasis == ""
	switch {
	case me.professional:
		// reporter details are sealed: say what kind of source, never who
		set(SigProfessional, 1, "a named professional reporting through their work (school, health, police or social care)")
	case claimsFirst && d.Count() == 0:
		basis := "claims to know first hand"
		if r.KnowledgeBasis != bonafide.KnowledgeFirstHand {
			basis = "does not say how they know"
		}
		set(SigNoDetail, 1, fmt.Sprintf("the reporter %s but gives no time, place or anything they saw or heard", basis))
	}
	if !me.professional {
		if m := textsim.MannerOf(r.Narrative); m.Score() > 0 && (len(m.Hostile) > 0 || m.Shouting > 0) {
			// Sweeping words alone ("there is never any food in") are how
			// worried people speak; they count beside hostility or shouting.
			var parts []string
			if len(m.Hostile) > 0 {
				parts = append(parts, "hostile or demanding words: "+strings.Join(quoteAll(first(m.Hostile, 4)), ", "))
			}
			if len(m.Sweeping) > 0 {
				parts = append(parts, "sweeping claims: "+strings.Join(quoteAll(first(m.Sweeping, 4)), ", "))
			}
			if m.Shouting > 0 {
				parts = append(parts, fmt.Sprintf("%d shouted words or !! runs", m.Shouting))
			}
			set(SigManner, m.Score(), "the narrative is written as an attack rather than an account ("+strings.Join(parts, "; ")+")")
		}
	}
	if d.Count() >= 2 {
		set(SigRichDetail, float64(d.Count()-1)/2, fmt.Sprintf("first-hand detail: %s", strings.Join(nonEmpty(d.When, d.Where, d.Perceived), "; ")))
	}
	gatePersistence(&f, reasons)
	gateContext(&f, reasons)
	return f, reasons
}

// gatePersistence keeps a persistent genuine reporter from being a campaign
// by persistence alone: reporter_repeat (the reporter has reported this
// family before) is multiplied by the strongest other sign in the referral
// itself (an earlier referral of theirs found false, a forum precursor, a
// restated post, hostility, hearsay, no detail from a claimed witness, a
// copied or same-styled narrative). A grandmother who rings again about the
// same neglect, calmly and with what she saw, scores nothing for ringing
// again; a troll who rings again scores for it as soon as anything else
// about the call points to a campaign.
func gatePersistence(f *Features, reasons []Reason) {
	i := sigIndex(SigReporterRepeat)
	if f[i] == 0 {
		return
	}
	gate := 0.0
	for _, s := range ReferralSignals {
		if s != SigReporterRepeat {
			gate = max(gate, f[sigIndex(s)])
		}
	}
	if gate >= 1 {
		return
	}
	f[i] *= gate
	for k := range reasons {
		if reasons[k].Signal == SigReporterRepeat {
			reasons[k].Evidence += fmt.Sprintf(" (counted at %.0f%%: reporting a family again is not a campaign by itself)", 100*gate)
		}
	}
}

// contextSignals describe the family's circumstances rather than the
// referral: a recent post or birth, earlier false findings, a burst. They
// are common around genuine referrals too (a family that posts a lot, a
// family once targeted and now genuinely at risk), so they never count on
// their own: each is multiplied by the strongest sign in the referral
// itself (a linked reporter, a restated post, a forum precursor, no detail
// from a claimed witness, a copied or same-styled narrative).
var contextSignals = []Signal{SigAfterPost, SigLifeEvent, SigPriorFalse, SigBurst, SigLayRepeat}

// ReferralSignals are the signs a campaign shows in the referral itself,
// as opposed to the family's circumstances (see contextSignals): only they
// let reporter_repeat and the context signals count.
var ReferralSignals = []Signal{SigReporterRepeat, SigReporterFalse, SigReporterMalicious, SigNearNetwork, SigRestatesPost, SigForum,
	SigNearDuplicate, SigStyle, SigNoDetail, SigManner, SigRepeatClaim, SigHearsay, SigCitesPost}

// gateContext applies the rule of [contextSignals] and notes it in the
// evidence of each context signal it lowers.
func gateContext(f *Features, reasons []Reason) {
	gate := 0.0
	for _, s := range ReferralSignals {
		gate = max(gate, f[sigIndex(s)])
	}
	for _, s := range contextSignals {
		i := sigIndex(s)
		if f[i] == 0 || gate >= 1 {
			continue
		}
		f[i] *= gate
		for k := range reasons {
			if reasons[k].Signal == s && gate < 1 {
				reasons[k].Evidence += fmt.Sprintf(" (counted at %.0f%%: nothing in the referral itself points to a campaign strongly)", 100*gate)
			}
		}
	}
}

// familyHandles returns the family's handles as a set.
func (e *Engine) familyHandles(fam int32) map[string]bool {
	out := map[string]bool{}
	for _, h := range e.fam.families[fam].handles {
		out[h] = true
	}
	return out
}

func (e *Engine) postSignals(r *bonafide.Referral, me *refInfo, set func(Signal, float64, string)) {
	now := me.at
	var lastPost, lifePost *bonafide.PublicPost
	bestCov := 0.0
	var bestPost *bonafide.PublicPost
	var bestShared []string
	allegation := r.Narrative
	for _, c := range r.Concerns {
		allegation += " " + c.Detail
	}
	// Handles in order, so that ties between posts of two handles (the same
	// time, the same coverage) are broken the same way on every run.
	for _, h := range slices.Sorted(maps.Keys(e.familyHandles(me.family))) {
		for _, p := range e.posts[h] {
			age := now.Sub(p.PostedAt)
			if age < 0 {
				continue
			}
			if age <= time.Duration(e.cfg.PostWindow) && (lastPost == nil || p.PostedAt.After(lastPost.PostedAt)) {
				lastPost = p
			}
			if age <= time.Duration(e.cfg.LifeEventWindow) && (lifePost == nil || p.PostedAt.After(lifePost.PostedAt)) && lifeEventRE.MatchString(p.Text+" "+p.MediaNote) {
				lifePost = p
			}
			if age <= time.Duration(e.cfg.RestateWindow) {
				o := textsim.Restates(allegation, p.Text+" "+p.MediaNote, e.idf)
				if len(o.Shared) >= 2 && o.Coverage > bestCov {
					bestCov, bestPost, bestShared = o.Coverage, p, o.Shared
				}
			}
		}
	}
	// A post the allegation restates closely may belong to the family even
	// when no referral has yet named the family's handle: look for it among
	// every recent post, by the allegation's rarer words, with a stricter bar.
	if bestPost == nil {
		if p, o := e.findRestatedPost(allegation, now); p != nil {
			bestPost, bestCov, bestShared = p, o.Coverage, o.Shared
			if h := handleKey(p.Handle); h != "" {
				addTo(&e.fam.families[me.family].handles, h, 0) // learnt: later referrals see this family's posts
				if age := now.Sub(p.PostedAt); age <= time.Duration(e.cfg.PostWindow) && lastPost == nil {
					lastPost = p
				}
			}
		}
	}
	if lastPost != nil {
		hrs := now.Sub(lastPost.PostedAt).Hours()
		v := 1.0
		if hrs > 24 {
			v = 0.5
		}
		set(SigAfterPost, v, fmt.Sprintf("received %.0f hours after the family's public post %s on %s (%s): %q",
			hrs, lastPost.ID, lastPost.Platform, lastPost.PostedAt.Format(fdate), textsim.Quote(lastPost.Text, 120)))
	}
	if lifePost != nil {
		set(SigLifeEvent, 1, fmt.Sprintf("received %d days after the family announced a life event in post %s (%s): %q",
			int(now.Sub(lifePost.PostedAt).Hours()/24), lifePost.ID, lifePost.PostedAt.Format(fdate), textsim.Quote(lifePost.Text, 120)))
	}
	if bestPost != nil && bestCov >= 0.3 {
		q := textsim.Quote(bestPost.Text, 140)
		if bestPost.MediaNote != "" {
			q += " [media: " + textsim.Quote(bestPost.MediaNote, 100) + "]"
		}
		set(SigRestatesPost, min(bestCov/0.5, 1), fmt.Sprintf("the allegation restates public post %s of %s (%.0f%% of its content; shared words: %s): %q",
			bestPost.ID, bestPost.PostedAt.Format(fdate), 100*bestCov, strings.Join(first(bestShared, 8), ", "), q))
	}
}

// familyNames returns the lower-case surnames and given names of the
// people named in r, by which a forum post may name the family.
func familyNames(r *bonafide.Referral) (surnames, given map[string]bool) {
	surnames, given = map[string]bool{}, map[string]bool{}
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		if s := normalize.NameKey(p.FamilyName); len(s) >= 3 {
			surnames[s] = true
		}
		if g := normalize.NameKey(p.GivenName); len(g) >= 3 {
			given[g] = true
		}
	}
	return surnames, given
}

func (e *Engine) forumSignals(r *bonafide.Referral, me *refInfo, set func(Signal, float64, string)) {
	best, bestV, why := e.forumPrecursor(r, me.family, me.at)
	if best >= 0 && bestV > 0 {
		p := e.forum[best]
		set(SigForum, bestV, fmt.Sprintf("forum post %s on %s (%s, %.0f hours before) names the family and %s: %q",
			p.ID, p.Site, p.PostedAt.Format(fdate), me.at.Sub(p.PostedAt).Hours(), why, textsim.Quote(p.Text, 140)))
	}
}

// forumPrecursor finds the recent forum post (within the forum window
// before now) that names family and most announces, urges or makes r's
// allegation: its index, how strongly (0 to 1) and why; -1 if none.
func (e *Engine) forumPrecursor(r *bonafide.Referral, family int32, now time.Time) (int32, float64, string) {
	handles := e.familyHandles(family)
	surnames, given := familyNames(r)
	for _, list := range [][]personKey{e.fam.families[family].children, e.fam.families[family].adults} {
		for _, p := range list {
			if len(p.family) >= 3 {
				surnames[p.family] = true
			}
			if len(p.given) >= 3 {
				given[p.given] = true
			}
		}
	}
	window := time.Duration(e.cfg.ForumWindow)
	cand := map[int32]bool{}
	keys := []map[string]bool{surnames, handles}
	for _, set := range keys {
		for s := range set {
			ids := e.forumIdx[s]
			for k := len(ids) - 1; k >= 0; k-- {
				p := e.forum[ids[k]]
				if now.Sub(p.PostedAt) > window {
					break
				}
				cand[ids[k]] = true
			}
		}
	}
	// A thread or post may name the family only by an account name built
	// from their names ("erinhartx", "itsdeborahturner"): look through the
	// recent posts' handle-like words for a surname and a given name of
	// the family together (bounded: the newest maxForumScan posts).
	namedByHandle := map[int32]bool{}
	for k, n := len(e.forum)-1, 0; k >= 0 && n < maxForumScan; k, n = k-1, n+1 {
		p := e.forum[k]
		if now.Sub(p.PostedAt) > window {
			break
		}
		if handleNames(e.fHandles[k], surnames, given) {
			cand[int32(k)] = true
			namedByHandle[int32(k)] = true
		}
	}
	allegation := r.Narrative
	for _, c := range r.Concerns {
		allegation += " " + c.Detail
	}
	best, bestV := int32(-1), 0.0
	why := ""
	for id := range cand {
		p := e.forum[id]
		if p.PostedAt.After(now) {
			continue
		}
		words := forumTokens(p.Text + " " + p.Thread)
		if !namedByHandle[id] && !anyIn(handles, words) && !(anyIn(surnames, words) && anyIn(given, words)) {
			continue
		}
		v, w := 0.0, ""
		if m := urgeRE.FindString(p.Text); m != "" {
			v, w = 1, fmt.Sprintf("announces or urges a report (%q)", strings.ToLower(m))
		}
		if o := textsim.Restates(allegation, p.Text, e.idf); len(o.Shared) >= 3 && o.Coverage >= 0.2 && v < 1 {
			v, w = min(o.Coverage/0.4, 1), "makes the same claim (shared words: "+strings.Join(first(o.Shared, 6), ", ")+")"
		}
		if v > bestV || (v == bestV && best >= 0 && p.PostedAt.After(e.forum[best].PostedAt)) {
			best, bestV, why = id, v, w
		}
	}
	return best, bestV, why
}

func anyIn(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, fmt.Sprintf("%q", x))
		}
	}
	return out
}

// sharedKinds names the kinds of identifying key two reporters share, e.g.
// "device, e-mail"; never the values, which are sealed.
func sharedKinds(a, b []string) string {
	var kinds []string
	seen := map[string]bool{}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				k := x[:strings.IndexByte(x, ':')]
				if !seen[k] {
					seen[k] = true
					kinds = append(kinds, k)
				}
			}
		}
	}
	if len(kinds) == 0 {
		return "the same full name or a distinctive writing habit reporting this family, or a chain of shared details through other referrals"
	}
	return strings.Join(kinds, ", ")
}

// forumTokens returns the lower-case words of a forum post and any
// handle-like tokens in it (with _ . and digits kept, @ dropped), so that
// a post can be found by the family's names or handles.
func forumTokens(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range textsim.Words(s) {
		if len(w) >= 3 && !textsim.IsStop(w) {
			out[w] = true
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r == '_' || r == '.' || r == '@' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		w = strings.Trim(w, ".-@")
		if len(w) >= 3 {
			out[w] = true
		}
	}
	return out
}

// findRestatedPost returns the recent public post, of any family, that the
// allegation restates most, if it restates one strongly: at least four
// shared content words covering at least half of the post (rare words
// weighing more), posted within the post window.
func (e *Engine) findRestatedPost(allegation string, now time.Time) (*bonafide.PublicPost, textsim.Overlap) {
	window := time.Duration(e.cfg.PostWindow) * 4
	hits := map[int32]int{}
	for _, w := range e.wordsOf(allegation) {
		ids := e.postIdx[w]
		if len(ids) > 5000 { // a common word finds nothing particular
			continue
		}
		for k := len(ids) - 1; k >= 0; k-- {
			p := e.allPosts[ids[k]]
			if now.Sub(p.PostedAt) > window {
				break
			}
			hits[ids[k]]++
		}
	}
	var best *bonafide.PublicPost
	var bestO textsim.Overlap
	bestID := int32(-1)
	for id, n := range hits {
		if n < 3 {
			continue
		}
		p := e.allPosts[id]
		if p.PostedAt.After(now) {
			continue
		}
		o := textsim.Restates(allegation, p.Text+" "+p.MediaNote, e.idf)
		// Ties (equal coverage, equal time) go to the post stored first,
		// so that the answer never depends on map order.
		if len(o.Shared) >= 3 && o.Coverage >= 0.5 && (best == nil || o.Coverage > bestO.Coverage ||
			o.Coverage == bestO.Coverage && (p.PostedAt.After(best.PostedAt) ||
				p.PostedAt.Equal(best.PostedAt) && id < bestID)) {
			best, bestO, bestID = p, o, id
		}
	}
	return best, bestO
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// claimHashes returns a hash of each sentence of a narrative that has at
// least three content words, normalised to its content stems so that case,
// punctuation and function words do not matter.
func claimHashes(narrative string) []uint64 {
	var out []uint64
	for _, sent := range strings.FieldsFunc(narrative, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == ';' || r == '\n' }) {
		words := textsim.ContentWords(sent)
		if len(words) < 3 {
			continue
		}
		h := textsim.NewFNV()
		for _, w := range words {
			h = h.Add(w).AddByte(0)
		}
		v := uint64(h)
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// sharedClaims counts the sentences two narratives share.
func sharedClaims(a, b []uint64) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

// maxForumScan bounds how many recent forum posts are searched for an
// account name built from the family's names.
const maxForumScan = 2000

// handleWords returns the handle-like words of a text: runs of letters,
// digits, '.', '_' and '-' of eight characters or more, lower case, with
// everything but letters dropped ("@Erin_Hart.x" gives "erinhartx").
func handleWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r == '_' || r == '.' || r == '-' || r == '@' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		var b strings.Builder
		for _, r := range w {
			if unicode.IsLetter(r) {
				b.WriteRune(r)
			}
		}
		if l := b.String(); len(l) >= 8 && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// handleNames reports whether one of the handle-like words contains both
// a surname and a given name of the family, each of four letters or more
// (three for a given name).
func handleNames(words []string, surnames, given map[string]bool) bool {
	for _, w := range words {
		for s := range surnames {
			if len(s) < 4 || !strings.Contains(w, s) {
				continue
			}
			rest := strings.Replace(w, s, " ", 1)
			for g := range given {
				if len(g) >= 3 && g != s && strings.Contains(rest, g) {
					return true
				}
			}
		}
	}
	return false
}
