package triage

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"bonafide"
	"bonafide/triage/textsim"
)

// Config holds the triage settings. The zero value is not usable; start
// from [DefaultConfig].
type Config struct {
	// Threshold is the campaign score at or above which a referral is
	// flagged. It is set high so that few genuine referrals are flagged.
	Threshold float64 `json:"threshold"`
	// Model combines the signals into a score.
	Model Model `json:"model"`
	// PostWindow: a referral this soon after a family's public post fires after_public_post.
	PostWindow Duration `json:"post_window"`
	// LifeEventWindow: ... this soon after an announced birth or pregnancy fires after_life_event.
	LifeEventWindow Duration `json:"life_event_window"`
	// RestateWindow: public posts this recent are compared with the allegation.
	RestateWindow Duration `json:"restate_window"`
	// ForumWindow: forum posts this recent count as precursors.
	ForumWindow Duration `json:"forum_window"`
	// BurstWindow: referrals about one family within this window form a burst.
	BurstWindow Duration `json:"burst_window"`
	// RelayWindow: a relay is matched to an original received at most this long before.
	RelayWindow Duration `json:"relay_window"`
	// HistoryWindow: earlier referrals older than this are not weighed.
	HistoryWindow Duration `json:"history_window"`
	// BlindKey, when set, replaces every reporter identifier (device,
	// e-mail, phone, name, network) by a keyed hash before the engine keeps
	// or compares it, e.g. the vault's blind HMAC index, so that the engine
	// holds no reporter plaintext. Equal inputs must give equal outputs.
	BlindKey func(key string) string `json:"-"`
}

// Duration is a time.Duration written in JSON as a Go duration string ("72h").
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads a duration string such as "48h" or "720h".
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %s: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// DefaultConfig returns the settings bonafide ships with.
func DefaultConfig() Config {
	day := 24 * time.Hour
	return Config{
		// The cut with the best worst-case campaign F1, within 0.5 % false
		// flags, on one fitting seed of each generator (synth seed 1,
		// synth2 seed 102): chosen to travel, not to be best on one
		// (docs/triage.md, "Across generators").
		Threshold:       0.162,
		Model:           DefaultModel(),
		PostWindow:      Duration(48 * time.Hour),
		LifeEventWindow: Duration(42 * day),
		RestateWindow:   Duration(30 * day),
		ForumWindow:     Duration(14 * day),
		BurstWindow:     Duration(72 * time.Hour),
		RelayWindow:     Duration(7 * day),
		HistoryWindow:   Duration(730 * day),
	}
}

// Validate checks the settings before anything runs.
func (c Config) Validate() error {
	if c.Threshold <= 0 || c.Threshold >= 1 {
		return fmt.Errorf("threshold %v: must be between 0 and 1", c.Threshold)
	}
	for name, d := range map[string]Duration{"post_window": c.PostWindow, "life_event_window": c.LifeEventWindow,
		"restate_window": c.RestateWindow, "forum_window": c.ForumWindow, "burst_window": c.BurstWindow,
		"relay_window": c.RelayWindow, "history_window": c.HistoryWindow} {
		if d <= 0 {
			return fmt.Errorf("%s: must be positive", name)
		}
	}
	return c.Model.Validate()
}

// refInfo is what the engine remembers of each referral it has triaged.
type refInfo struct {
	id           string
	at           time.Time // when it was judged: received_at, or the latest seen before it if later
	received     time.Time // its own received_at, which decides what is earlier (see linkedEarlier)
	family       int32
	reporter     int32
	relayOf      int32 // index of the original, or -1
	channel      bonafide.Channel
	professional bool
	finding      bonafide.Finding
	findingAt    time.Time
	repKeys      []string // identifying keys (tagged by kind), for evidence
	ipNet        string
	repName      string // full name the reporter gave (see personalName): links calls about one family
	ip           uint64 // exact contact address (blinded like the keys, hashed), for the forum-author link; 0 if none
	// What is kept of its text for a while: shared [noText] once all of
	// it is out of its windows, so that the history costs memory by the
	// referral rate, not by its length.
	*refText
}

// refText is what the engine keeps of a referral's text while later
// referrals may be compared with it.
type refText struct {
	sig       *textsim.Signature // nil once out of the relay/duplicate window
	profile   textsim.Profile    // style profile of a non-professional narrative, else empty
	features  Features           // signal values at triage, which a relay of it inherits
	reasons   []Reason           // evidence at triage, likewise (dropped with the signature)
	narrative string             // kept while sig is kept, for relay evidence
	claims    []uint64           // its sentences, normalised, while the profile is kept (see claimHashes)
	habits    []uint64           // its writing habits, hashed, likewise (see habitHashes)
}

// noText is the refText of every referral whose text is no longer kept.
// It is read, never written.
var noText refText

// forgetText shares [noText] once nothing of the text is kept.
func (r *refInfo) forgetText() {
	if t := r.refText; t != &noText && t.sig == nil && t.profile.IsZero() && t.claims == nil && t.habits == nil {
		r.refText = &noText
	}
}

const maxFamilyHistory = 200 // earlier referrals weighed per family (the newest)

// Engine triages referrals in order of receipt. Feed it every record of an
// interchange stream in order (referrals, posts, forum posts, outcomes);
// it judges each referral only on what it has been given before it, which
// is what was known at the referral's received_at.
//
// An Engine is not safe for concurrent use.
type Engine struct {
	cfg  Config
	cal  *Calendar
	fam  *familyLinker
	rep  *reporterLinker
	refs []refInfo
	byID map[string]int32

	famRefs  map[int32][]int32                 // family -> referral indexes, oldest first
	posts    map[string][]*bonafide.PublicPost // handle -> posts, oldest first
	allPosts []*bonafide.PublicPost            // every post, in order of arrival
	postIdx  map[string][]int32                // content stem -> allPosts using it
	forum    []*bonafide.ForumPost
	fHandles [][]string         // per forum post, its handle-like words (see handleWords)
	forumIdx map[string][]int32 // lower-case word -> forum posts mentioning it
	// authors holds the forum handles seen as authors of forum posts
	// (letters and digits, lower case), by which a reporter's throwaway
	// e-mail address built on one is linked (see handleKey of reporter.go).
	authors map[string]bool
	df      map[string]int32 // content stem -> number of texts it appeared in
	ndocs   int
	// habitDF counts the non-professional narratives inside the text
	// window each writing habit appeared in (habitDocs of them), by which
	// a shared habit is weighed (see habitMatch); counted out again as
	// their text is dropped, so that it costs memory by the referral
	// rate, not the length of the history.
	habitDF   map[uint64]int32
	habitDocs int

	textQueue []int32 // referrals holding a signature or profile, oldest first
	textHead  int
	recent    [2]*textsim.LSH // relay/near-duplicate index in two generations
	genStart  time.Time
	genRefs   [2][]int32
	lastSeen  time.Time

	// scratch is working memory of one referral's triage, not state: the
	// checkpoint leaves it out (engineSkip). Last, so that the state's
	// layout, and so the checkpoint format, stays as it was without it.
	scratch triageScratch
}

// New returns an Engine with cfg.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("triage config: %w", err)
	}
	cal, err := NewCalendar()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg: cfg, cal: cal, fam: newFamilyLinker(), rep: newReporterLinker(),
		byID: map[string]int32{}, famRefs: map[int32][]int32{}, posts: map[string][]*bonafide.PublicPost{}, postIdx: map[string][]int32{},
		forumIdx: map[string][]int32{}, authors: map[string]bool{}, df: map[string]int32{}, habitDF: map[uint64]int32{},
		recent: [2]*textsim.LSH{textsim.NewLSH(), textsim.NewLSH()},
	}
	e.fam.weight = e.idf
	return e, nil
}

// Observe takes the next record of the stream. For a referral it returns
// its assessment; for context records (posts, forum posts, outcomes) it
// remembers them and returns nil. Records must come in time order; one
// earlier than a record already seen is judged as if it came now.
func (e *Engine) Observe(rec bonafide.Record) (*Assessment, error) {
	switch r := rec.(type) {
	case *bonafide.Referral:
		return e.triage(r)
	case *bonafide.PublicPost:
		h := handleKey(r.Handle)
		if h != "" {
			list := append(e.posts[h], r)
			if len(list) > 64 {
				list = list[len(list)-64:]
			}
			e.posts[h] = list
		}
		e.countDoc(r.Text + " " + r.MediaNote)
		i := int32(len(e.allPosts))
		e.allPosts = append(e.allPosts, r)
		seen := map[string]bool{}
		for _, w := range textsim.ContentWords(r.Text + " " + r.MediaNote) {
			if !seen[w] {
				seen[w] = true
				e.postIdx[w] = append(e.postIdx[w], i)
			}
		}
	case *bonafide.ForumPost:
		e.addForum(r)
	case *bonafide.Outcome:
		if i, ok := e.byID[r.ReferralID]; ok {
			e.refs[i].finding = r.Finding
			e.refs[i].findingAt = r.DecidedAt
		}
	default:
		return nil, fmt.Errorf("triage: unknown record type %T", rec)
	}
	return nil, nil
}

func (e *Engine) countDoc(s string) {
	e.countWords(e.wordsOf(s))
}

// triageScratch is what one referral's triage reuses rather than
// allocating again: the narrative being triaged and its distinct content
// words, found once for the family linker, the document counts and the
// search for a restated post (each tokenised it for itself: a tenth of the
// engine's allocation); uniqueWords' scratch set; the family linker's list
// of candidates.
type triageScratch struct {
	narrative string
	words     []string
	seen      map[string]struct{}
	cands     []scoredFamily
}

// distinct is uniqueWords with the engine's scratch set.
func (e *Engine) distinct(words []string) []string {
	if e.scratch.seen == nil {
		e.scratch.seen = map[string]struct{}{}
	}
	return uniqueWords(words, e.scratch.seen)
}

// countWords counts a text by its distinct content words (wordsOf).
func (e *Engine) countWords(distinct []string) {
	e.ndocs++
	for _, w := range distinct {
		e.df[w]++
	}
}

// wordsOf returns the distinct content words of s, in order: the ones
// found already when s is the narrative being triaged.
func (e *Engine) wordsOf(s string) []string {
	if s == e.scratch.narrative && e.scratch.words != nil {
		return e.scratch.words
	}
	return e.distinct(textsim.ContentWords(s))
}

// idf weighs a content stem by how rare it is among the texts seen so far.
func (e *Engine) idf(stem string) float64 {
	return math.Log(1 + float64(e.ndocs+1)/float64(1+e.df[stem]))
}

func (e *Engine) addForum(p *bonafide.ForumPost) {
	i := int32(len(e.forum))
	e.forum = append(e.forum, p)
	e.fHandles = append(e.fHandles, handleWords(p.Text+" "+p.Thread))
	if a := authorKey(p.AuthorHandle); len(a) >= minAuthorKey {
		e.authors[a] = true
	}
	for w := range forumTokens(p.Text + " " + p.Thread) {
		e.forumIdx[w] = append(e.forumIdx[w], i)
	}
}

// TextWindow is how long a referral's style profile is kept for
// comparison with later referrals about the family (its MinHash signature
// is kept for the relay window, two generations of RelayWindow).
// It bounds memory by the referral rate, not the size of the history.
const TextWindow = 180 * 24 * time.Hour

func (e *Engine) dropOldText(now time.Time) {
	for e.textHead < len(e.textQueue) {
		i := e.textQueue[e.textHead]
		if now.Sub(e.refs[i].at) <= TextWindow {
			break
		}
		if r := &e.refs[i]; r.refText != &noText {
			r.profile = textsim.Profile{}
			r.claims = nil
			e.uncountHabits(r.habits)
			r.habits = nil
			r.forgetText()
		}
		e.textHead++
	}
	if e.textHead > 4096 && e.textHead*2 > len(e.textQueue) {
		e.textQueue = append(e.textQueue[:0], e.textQueue[e.textHead:]...)
		e.textHead = 0
	}
}

func (e *Engine) rotate(now time.Time) {
	e.dropOldText(now)
	half := time.Duration(e.cfg.RelayWindow)
	if e.genStart.IsZero() {
		e.genStart = now
		return
	}
	for now.Sub(e.genStart) >= half {
		// generation 1 is older than the window: drop it and its signatures
		for _, i := range e.genRefs[1] {
			if r := &e.refs[i]; r.refText != &noText {
				r.sig = nil // near-duplicates and relays are looked for within the relay window
				r.narrative = ""
				r.reasons = nil
				r.features = Features{}
				r.forgetText()
			}
		}
		e.recent[1], e.genRefs[1] = e.recent[0], e.genRefs[0]
		e.recent[0], e.genRefs[0] = textsim.NewLSH(), nil
		e.genStart = e.genStart.Add(half)
	}
}

func (e *Engine) triage(r *bonafide.Referral) (*Assessment, error) {
	if r.ID == "" {
		return nil, bonafide.Errorf(bonafide.EInvalid, "referral without id")
	}
	if _, dup := e.byID[r.ID]; dup {
		return nil, bonafide.Errorf(bonafide.EConflict, "referral %s: already triaged", r.ID)
	}
	now := r.ReceivedAt
	if now.Before(e.lastSeen) {
		now = e.lastSeen
	}
	e.lastSeen = now
	e.rotate(now)

	safety := JudgeSafety(r) // first, and from the referral alone

	content := textsim.ContentWords(r.Narrative)
	e.scratch.narrative, e.scratch.words = r.Narrative, e.distinct(content)
	defer func() { e.scratch.narrative, e.scratch.words = "", nil }()

	famID, merged := e.fam.link(r, e.scratch.words, &e.scratch.cands, now)
	for _, o := range merged {
		e.famRefs[famID] = mergeSorted(e.famRefs[famID], e.famRefs[o])
		delete(e.famRefs, o)
	}
	// A page the reporter names ("check her page @name") is the family's.
	for _, h := range narrativeHandles(r.Narrative) {
		if _, posted := e.posts[h]; posted {
			addTo(&e.fam.families[famID].handles, h, 0)
		}
	}
	keys, keyKinds := reporterKeys(r.Reporter)
	if k := e.forumHandleKey(r.Reporter); k != "" {
		keys, keyKinds = append(keys, k), append(keyKinds, rHandle)
	}
	if e.cfg.BlindKey != nil {
		for i, k := range keys {
			kind := k[:strings.IndexByte(k, ':')]
			keys[i] = kind + ":" + e.cfg.BlindKey(k)
		}
	}
	sig := textsim.MinHash(textsim.ShingleHashesOf(content, 2))
	professional := r.Reporter != nil && !r.Reporter.Anonymous && r.Reporter.Relationship.Professional() &&
		r.Reporter.Organisation != "" && r.KnowledgeBasis == bonafide.KnowledgeProfessional

	// A relay of an earlier call: find the original among recent referrals.
	relayOf := int32(-1)
	if r.Channel == bonafide.ChannelRelay {
		best := 0.0
		for g := range e.recent {
			e.recent[g].Candidates(&sig, 256, func(id int32) {
				o := &e.refs[id]
				if o.sig == nil || o.relayOf >= 0 || now.Sub(o.at) > time.Duration(e.cfg.RelayWindow) {
					return
				}
				if s := sig.Similarity(o.sig); s >= 0.4 && (s > best || (s == best && e.fam.find(o.family) == famID)) {
					best, relayOf = s, id
				}
			})
		}
		if relayOf >= 0 && e.fam.find(e.refs[relayOf].family) != famID {
			famID = e.fam.find(e.refs[relayOf].family) // the original's family wins: the same call
		}
	}
	ip := e.contactIP(r.Reporter)
	if relayOf < 0 && len(keys) == 0 && personalName(r.Reporter) == "" {
		// A reporter who gives nothing to link by: the forum author who
		// announced the call, when they call from the address of that
		// author's own calls.
		if k := e.forumAuthorKey(r, famID, now, ip); k != "" {
			keys, keyKinds = append(keys, k), append(keyKinds, rHandle)
		}
	}
	var habits []uint64
	if relayOf < 0 && !professional && r.Narrative != "" {
		habits = habitHashes(r)
	}
	var repID int32
	repName := personalName(r.Reporter)
	if repName != "" && e.cfg.BlindKey != nil {
		repName = e.cfg.BlindKey("fullname:" + repName)
	}
	if relayOf >= 0 {
		repID = e.rep.find(e.refs[relayOf].reporter)
	} else {
		repID = e.rep.link(keys, keyKinds)
		// The same full name reporting the same family again is the same
		// person (a name alone is not enough across families).
		if repName != "" {
			for _, j := range e.famRefs[famID] {
				if e.refs[j].repName == repName {
					repID = e.rep.union(repID, e.refs[j].reporter)
					break
				}
			}
		}
		// A reporter who gives nothing to link by (no identifier, no full
		// name) and writes with the distinctive habits of an earlier
		// caller about the family is that caller.
		profOrg := r.Reporter != nil && r.Reporter.Relationship.Professional() && r.Reporter.Organisation != ""
		if habits != nil && len(keys) == 0 && repName == "" && !profOrg {
			if o := e.habitMatch(habits, famID, now); o >= 0 {
				repID = e.rep.union(repID, o)
			}
		}
	}

	info := refInfo{id: r.ID, at: now, received: r.ReceivedAt, family: famID, reporter: repID, relayOf: relayOf, channel: r.Channel,
		professional: professional, repKeys: keys, repName: repName, ip: ip,
		refText: &refText{sig: &sig, narrative: r.Narrative, habits: habits}}
	if r.Reporter != nil {
		info.ipNet = ipPrefix(r.Reporter.ContactIP)
		if info.ipNet != "" && e.cfg.BlindKey != nil {
			info.ipNet = e.cfg.BlindKey("net:" + info.ipNet)
		}
	}
	if !professional && r.Narrative != "" {
		info.profile = textsim.NewProfile(r.Narrative)
		info.claims = claimHashes(r.Narrative)
	}

	linked := e.linkedEarlier(&info)
	feat, reasons := e.signals(r, &info, linked)
	if relayOf >= 0 {
		// The same call, counted once: the relay carries every signal its
		// original had, and any that have appeared since.
		o := &e.refs[relayOf]
		for i := range feat {
			if o.features[i] > feat[i] {
				feat[i] = o.features[i]
			}
		}
		reasons = append(reasons, o.reasons...)
		reasons = dedupeReasons(reasons)
	}
	info.features = feat
	score := e.cfg.Model.Score(&feat)
	flagged := score >= e.cfg.Threshold
	var out []Reason
	for _, rs := range reasons {
		w := e.cfg.Model.Weights[rs.Signal] * feat[sigIndex(rs.Signal)]
		if w == 0 {
			continue
		}
		rs.Weight = math.Round(w*100) / 100
		out = append(out, rs)
	}
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].Weight) > math.Abs(out[j].Weight) })
	if out == nil {
		out = []Reason{}
	}

	// remember it
	idx := int32(len(e.refs))
	e.refs = append(e.refs, info)
	e.byID[r.ID] = idx
	h := append(e.famRefs[famID], idx)
	if len(h) > maxFamilyHistory {
		h = h[len(h)-maxFamilyHistory:]
	}
	e.famRefs[famID] = h
	if relayOf < 0 {
		e.rep.add(repID, idx, r.ReceivedAt) // a relay is its original's call, not another referral of the reporter
	}
	e.refs[idx].reasons = reasons
	e.recent[0].Add(idx, &sig)
	e.genRefs[0] = append(e.genRefs[0], idx)
	e.textQueue = append(e.textQueue, idx)
	e.countWords(e.scratch.words)
	e.countHabits(habits)

	a := &Assessment{
		ReferralID:     r.ID,
		Family:         fmt.Sprintf("FAM-%06d", famID+1),
		Reporter:       fmt.Sprintf("REP-%06d", repID+1),
		Safety:         safety,
		Campaign:       Campaign{Score: math.Round(score*10000) / 10000, Flagged: flagged, Reasons: out},
		Recommendation: recommend(safety, flagged),
		DecisionDue:    e.cal.DecisionDue(r.ReceivedAt),
		ReporterLinks:  e.reporterLinks(linked),
	}
	if relayOf >= 0 {
		a.RelayOf = e.refs[relayOf].id
	}
	a.features = feat
	return a, nil
}

// dedupeReasons keeps the first reason given for each signal.
func dedupeReasons(rs []Reason) []Reason {
	seen := map[Signal]bool{}
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.Signal] {
			seen[r.Signal] = true
			out = append(out, r)
		}
	}
	return out
}

// narrativeHandles returns the @handles a narrative mentions, normalised.
func narrativeHandles(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '@' || (i > 0 && s[i-1] != ' ' && s[i-1] != '(' && s[i-1] != '\n') {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] == '.' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		if h := strings.TrimRight(s[i+1:j], "."); len(h) >= 3 {
			out = append(out, strings.ToLower(h))
		}
		i = j
	}
	return out
}

// mergeSorted merges two ascending lists of referral indexes, keeping the
// newest maxFamilyHistory.
func mergeSorted(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || i < len(a) && a[i] < b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	if len(out) > maxFamilyHistory {
		out = out[len(out)-maxFamilyHistory:]
	}
	return out
}
