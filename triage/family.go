package triage

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"bonafide"
	"bonafide/linkage"
	"bonafide/linkage/nickname"
	"bonafide/linkage/phonetic"
	"bonafide/linkage/strcmp"
	"bonafide/normalize"
	"bonafide/triage/textsim"
)

// familyLinker links each referral to a family by blocking on a few keys
// (NHS number, social handle, child's date of birth, postcode, phonetic
// surname with birth year) and scoring each candidate family on the
// children, adults, address and handles it has been seen with. Its
// candidate index is package linkage's ([linkage.Postings], as
// [linkage.Index] uses), its names, postcodes and handles are normalised by
// package normalize and compared with linkage/strcmp, linkage/nickname and
// linkage/phonetic; what stays here is triage's own: which keys to file a
// family under and how recent a family must be for a key to count, the
// agreement scores and thresholds, and the union-find of families.
type familyLinker struct {
	blocks   *linkage.Postings // blocking key hash -> families, oldest first
	families []*familyRec
	// Per family, beside the records, for the loops over hundreds of
	// candidates that need only these: the family it was merged into
	// (itself when not merged) and when it was last referred (Unix
	// nanoseconds, neverReferred for never).
	parent []int32
	last   []int64
	weight func(stem string) float64 // rarity of a content stem, nil for 1
	queue  []queued                  // families with narrative stems kept, in order referred
	qHead  int
	// fw are the Fellegi–Sunter weights of the comparison levels, and
	// minScore (its link threshold) the total weight a candidate needs to
	// be linked.
	fw       *familyWeights
	minScore float64
	// tally, when set (by the fit of the weights only), is told the level
	// of every field that score counts.
	tally func(f famField, level int)
	// surnameFamilies counts the families filed with each family name,
	// and surnameTotal all those counts: how common a name is, for
	// [familyLinker.commonness].
	surnameFamilies map[string]int32
	surnameTotal    int64
	// hits are the candidates of the referral being linked: working
	// memory, not state.
	hits candidateSet `checkpoint:"-"`
}

// candidateSet counts how strongly the blocking keys of the referral being
// linked bring each family: a count per family, by id, valid where its mark
// is the set's generation, and the families in the order first brought.
// It took the place of a map cleared for every referral, whose hashing was
// most of what finding the candidates cost.
type candidateSet struct {
	count []int32
	mark  []uint32
	gen   uint32
	ids   []int32
}

// reset empties the set for a linker of n families.
func (c *candidateSet) reset(n int) {
	if len(c.mark) < n {
		grow := max(n, 2*len(c.mark))
		c.count = append(c.count, make([]int32, grow-len(c.count))...)
		c.mark = append(c.mark, make([]uint32, grow-len(c.mark))...)
	}
	c.gen++
	if c.gen == 0 { // wrapped: marks of four billion referrals ago would read as current
		clear(c.mark)
		c.gen = 1
	}
	c.ids = c.ids[:0]
}

// add counts w more for family id.
func (c *candidateSet) add(id int32, w int) {
	if c.mark[id] != c.gen {
		c.mark[id], c.count[id] = c.gen, 0
		c.ids = append(c.ids, id)
	}
	c.count[id] += int32(w)
}

type personKey struct {
	given, family string // normalised
	dob           bonafide.PartialDate
	// What comparing the key with hundreds of candidates' people would
	// otherwise read each name's bytes for, kept when the key is made:
	// the byte masks [jwBound] counts against ([byteMask] of given and
	// family), and nick, [nickname.Mask] of the given name, which a
	// nickname of it shares.
	givenMask, familyMask, nick uint64
}

type familyRec struct {
	id       int32
	children []personKey
	adults   []personKey
	// Small sets as slices: a family is seen a few times, and a map
	// costs hundreds of bytes even when it holds one key.
	postcode []string // full postcodes, as normalize.PostcodeShape gives them
	handles  []string
	nhs      []string
	towns    []string        // normalised town names
	lines    []string        // normalised first address lines
	blockSet []uint64        // hashes of the blocking keys it is filed under
	surnames []string        // distinct family names of its people (at most maxSurnames)
	words    map[string]bool // content stems of its narratives of the last RecentWindow
}

func newFamilyLinker() *familyLinker {
	return newFamilyLinkerWith(defaultFamilyWeights)
}

func newFamilyLinkerWith(w *familyWeights) *familyLinker {
	return &familyLinker{blocks: linkage.NewPostings(), fw: w, minScore: w.threshold,
		surnameFamilies: map[string]int32{}}
}

func keyOf(p bonafide.Person) personKey {
	k := personKey{given: normalize.NameKey(p.GivenName), family: normalize.NameKey(p.FamilyName), dob: p.DOB}
	k.givenMask, k.familyMask, k.nick = byteMask(k.given), byteMask(k.family), nickname.Mask(k.given)
	return k
}

// nicknames reports whether a's and b's given names are related in the
// nickname table (Tom for Thomas), asking the table only where their masks
// say they may be.
func nicknames(a, b personKey) bool {
	return a.nick&b.nick != 0 && nickname.Related(a.given, b.given)
}

// nhsNumber returns the ten digits of a valid NHS number typed with or
// without spaces or dashes, or "" when it is not valid.
func nhsNumber(s string) string {
	if d, ok := normalize.NHSNumber(s); ok {
		return d
	}
	return ""
}

// handleKey is the form a social-media handle is compared in: without its
// platform, since a page named in a narrative ("check her page @name")
// names none.
func handleKey(h string) string { return normalize.Handle("", h) }

// postcodeOf returns the parts of an address's postcode read by shape
// ([normalize.PostcodeShape]): they are compared only for equality, and a
// postcode typed the same way twice must agree even when Royal Mail would
// not know it.
func postcodeOf(a *bonafide.Address) normalize.PostcodeParts {
	if a == nil {
		return normalize.PostcodeParts{}
	}
	pc, _ := normalize.PostcodeShape(a.Postcode)
	return pc
}

// blockKeys returns the blocking keys of a referral's family details.
func blockKeys(r *bonafide.Referral) []string {
	var keys []string
	add := func(k string) { keys = append(keys, k) }
	var surnames []string
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		if n := nhsNumber(p.NHSNumber); n != "" {
			add("nhs:" + n)
		}
		for _, h := range p.SocialHandles {
			if h := handleKey(h.Handle); h != "" {
				add("h:" + h)
			}
		}
		if p.FamilyName != "" {
			surnames = append(surnames, p.FamilyName)
		}
	}
	for _, h := range narrativeHandles(r.Narrative) {
		add("h:" + h) // "check her page @name": the page named is the family's
	}
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		// name keys, for the many referrals that give no date or postcode:
		// phonetic given name with phonetic surname, and with the town
		g := phonetic.Soundex(p.GivenName)
		if g == "" {
			continue
		}
		if sn := phonetic.Soundex(p.FamilyName); sn != "" {
			add("gn:" + g + sn)
		}
		if r.Address != nil {
			if t := normalize.NameKey(r.Address.Town); t != "" {
				add("gt:" + g + t)
			}
		}
	}
	// Two given names of one household together ("Ernest" and "Niamh"):
	// siblings and parents are named together far more often than by
	// chance, so a pair is selective even without surnames or dates.
	var givens []string
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		if g := phonetic.Soundex(p.GivenName); g != "" && !slices.Contains(givens, g) {
			givens = append(givens, g)
		}
	}
	sort.Strings(givens)
	for i := range givens {
		for j := i + 1; j < len(givens) && j < 6; j++ {
			add("gg:" + givens[i] + givens[j])
		}
	}
	for _, sn := range surnames {
		if sx := phonetic.Soundex(sn); sx != "" {
			add("rg:/" + sx) // a surname alone, likewise only for recent families
		}
	}
	for _, c := range r.Children {
		// a child's given name alone: used only to find families referred
		// in the last few days (see recentKey)
		if g := normalize.NameKey(c.GivenName); g != "" {
			add("rg:" + phonetic.Soundex(g))
			if len(g) >= 4 {
				add("rg:" + g[:1] + "*" + g[len(g)-2:]) // survives a typo in the middle
			}
		}
	}
	for _, c := range r.Children {
		if c.DOB.Precision() == 3 {
			// a full date with an initial: given or family name may be misspelt, not both
			if g := normalize.NameKey(c.GivenName); g != "" {
				add("dob:" + c.DOB.String() + g[:1])
			}
			if f := normalize.NameKey(c.FamilyName); f != "" {
				add("dob:" + c.DOB.String() + "/" + f[:1])
			}
		}
		if c.DOB.Year != 0 {
			for _, n := range []string{c.FamilyName, c.GivenName} { // given/family may be swapped
				if sx := phonetic.Soundex(n); sx != "" {
					add("sy:" + sx + strconv.Itoa(c.DOB.Year))
				}
			}
		}
	}
	if pc := postcodeOf(r.Address); pc.District != "" {
		if pc.Full != "" {
			add("pc:" + pc.Full)
		}
		for _, s := range surnames {
			add("ds:" + pc.District + ":" + phonetic.Soundex(s))
		}
	}
	return keys
}

// jw is the Jaro-Winkler similarity of two names: 1 for equal, 0 when
// either is empty.
func (fl *familyLinker) jw(a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	return strcmp.JaroWinkler(a, b)
}

// addTo appends s to the set list unless it is there already or the set
// holds limit members (0: no limit).
func addTo(list *[]string, s string, limit int) {
	if s == "" || slices.Contains(*list, s) || limit > 0 && len(*list) >= limit {
		return
	}
	*list = append(*list, s)
}

// nameLevel compares two people's names allowing a swap of given and
// family name, and returns the name level they fall in (nameNone for
// none). The sums of Jaro–Winkler similarities it decides on (1.8 for
// both, 1.6 for one) are compared with cheap upper bounds first
// ([jwBound]): most candidate families a blocking key brings have other
// names, and these need no similarity computed.
func (fl *familyLinker) nameLevel(a, b personKey) int {
	g := jwBoundMask(a.given, b.given, a.givenMask, b.givenMask)
	if g >= 0.6 {
		g = fl.jw(a.given, b.given) // below 0.6 the given names decide nothing
	}
	if g < 0.95 && nicknames(a, b) {
		g = 0.95 // Tom for Thomas, Lottie for Charlotte
	}
	bothFamilies := a.family != "" && b.family != ""
	var straight float64
	switch {
	case !bothFamilies && g >= 0.9:
		straight = 1.65 // the given name agrees and the surname is not known on one side
	case g+jwBoundMask(a.family, b.family, a.familyMask, b.familyMask) >= 1.6:
		straight = g + fl.jw(a.family, b.family)
	default:
		straight = g // below 1.6 whatever the family names give
	}
	s := straight
	if straight < 1.8 && bothFamilies {
		// given and family name swapped on one side (with a name missing
		// on either side a swap cannot reach the bar); only a swap that
		// could reach the next level is computed
		need := 1.6
		if s >= 1.6 {
			need = 1.8
		}
		if jwBoundMask(a.given, b.family, a.givenMask, b.familyMask)+jwBoundMask(a.family, b.given, a.familyMask, b.givenMask) >= need {
			s = max(s, fl.jw(a.given, b.family)+fl.jw(a.family, b.given))
		}
	}
	switch {
	case s >= 1.8:
		return nameBoth
	case s >= 1.6:
		return nameOne
	}
	if g >= 0.9 || (a.given != "" && b.given != "" && (strings.HasPrefix(a.given, b.given) || strings.HasPrefix(b.given, a.given))) {
		if bothFamilies && !fl.jwAtLeastMask(a.family, b.family, a.familyMask, b.familyMask, 0.88) {
			return nameSurnameDiffers
		}
		return nameGiven
	}
	return nameNone
}

// dobLevel is the date-of-birth level of two dates, -1 when either is
// not known.
func dobLevel(a, b bonafide.PartialDate) int {
	if a.IsZero() || b.IsZero() {
		return -1
	}
	if a.Year != b.Year {
		if abs(a.Year-b.Year) == 1 && (a.Month == 0 || b.Month == 0 || a.Month == b.Month && (a.Day == b.Day || a.Day == 0 || b.Day == 0)) {
			return dobYearTypo // one digit typed wrong, or a year guessed
		}
		return dobYearDiffers
	}
	if a.Month == 0 || b.Month == 0 {
		return dobYear
	}
	if a.Month != b.Month {
		if a.Day != 0 && a.Month == b.Day && a.Day == b.Month {
			return dobTransposed
		}
		return dobMonthDiffers
	}
	if a.Day == 0 || b.Day == 0 {
		return dobMonthYear
	}
	if a.Day != b.Day {
		return dobDayDiffers
	}
	return dobExact
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// refKeys is a referral's people, normalised once for scoring against
// many candidate families.
type refKeys struct {
	children, adults []personKey
	childNHS         []string
	handles          []string
	postcode         normalize.PostcodeParts
	line, town       string
	words            []string // distinct content stems of the narrative
	surnames, givens []string // distinct family and given names of everyone in it
	// What each child's and adult's family name takes off a name's
	// agreement for being common ([familyLinker.commonness]); nil for
	// nothing.
	childCommon, adultCommon []float64
}

// newRefKeys returns r's keys, its narrative's content words among them.
func newRefKeys(r *bonafide.Referral) *refKeys {
	return refKeysOf(r, uniqueWords(textsim.ContentWords(r.Narrative), nil))
}

// refKeysOf is newRefKeys with the narrative's distinct content words
// given (the engine finds them once a referral), kept as k.words.
func refKeysOf(r *bonafide.Referral, words []string) *refKeys {
	k := &refKeys{words: words}
	for _, c := range r.Children {
		k.children = append(k.children, keyOf(c))
		k.childNHS = append(k.childNHS, nhsNumber(c.NHSNumber))
	}
	for _, a := range r.Adults {
		k.adults = append(k.adults, keyOf(a))
	}
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		for _, h := range p.SocialHandles {
			if h := handleKey(h.Handle); h != "" {
				k.handles = append(k.handles, h)
			}
		}
	}
	k.handles = append(k.handles, narrativeHandles(r.Narrative)...)
	for _, p := range append(append([]personKey(nil), k.children...), k.adults...) {
		if p.family != "" && !slices.Contains(k.surnames, p.family) {
			k.surnames = append(k.surnames, p.family)
		}
		if p.given != "" && !slices.Contains(k.givens, p.given) {
			k.givens = append(k.givens, p.given)
		}
	}
	if r.Address != nil {
		k.postcode = postcodeOf(r.Address)
		k.line = normalize.AddressLine(r.Address.Line1)
		k.town = normalize.NameKey(r.Address.Town)
	}
	return k
}

// score returns how well a referral's details agree with family f, as
// the sum of the fitted weights of the levels its fields fall in: the
// plain agreement of names, dates and places, and the bonus for several
// members of the household named together (which links but never merges).
func (fl *familyLinker) score(k *refKeys, f *familyRec) (base, household float64) {
	w := fl.fw
	known, conf := false, false
	conflict := func() bool { // computed only when needed: it is the costly part
		if !known {
			known, conf = true, fl.surnameConflict(k, f)
		}
		return conf
	}
	ns := func(a, b personKey) int {
		l := fl.nameLevel(a, b)
		if l < nameGiven && (a.family == "" || b.family == "") && conflict() {
			l = nameGiven // a given name alone says little once the surnames disagree
		}
		return l
	}
	var s float64
	named := 0         // people of the referral whose name agrees with someone in the family
	namedWeight := 0.0 // what their names weigh
	for i, c := range k.children {
		best, bn, bd, nm := 0.0, nameNone, -1, nameNone
		for _, fc := range f.children {
			n := ns(c, fc)
			nm = min(nm, n)
			if n == nameNone {
				continue // a date of birth agreeing by itself is another child's
			}
			d := dobLevel(c.dob, fc.dob)
			if v := w.at(fChildName, n) - common(k.childCommon, i, c, fc, n) + w.at(fChildDOB, d); bn == nameNone || v > best {
				best, bn, bd = v, n, d
			}
		}
		if bn != nameNone {
			s += max(best, 0) // a child whose best match weighs against may be a sibling: nothing
			fl.count(fChildName, bn)
			fl.count(fChildDOB, bd)
		} else if len(f.children) > 0 {
			fl.count(fChildName, nameNone) // counted for the shares, weighs nothing
		}
		if nm <= nameOne && slices.ContainsFunc(f.children, func(fc personKey) bool { return fl.givenAgree(c, fc) }) {
			named++
			namedWeight += w.at(fChildName, nm)
		}
		if l := nhsLevel(k.childNHS[i], f); l >= 0 {
			s += w.at(fChildNHS, l)
			fl.count(fChildNHS, l)
		}
	}
	adults := 0.0
	for i, a := range k.adults {
		bl, off := nameNone, 0.0
		for _, fa := range f.adults {
			if l := ns(a, fa); l < bl {
				bl, off = l, common(k.adultCommon, i, a, fa, l)
			} else if l == bl {
				off = min(off, common(k.adultCommon, i, a, fa, l))
			}
		}
		if bl != nameNone {
			adults += max(w.at(fAdultName, bl)-off, 0)
			fl.count(fAdultName, bl)
		} else if len(f.adults) > 0 {
			fl.count(fAdultName, nameNone)
		}
		if bl <= nameOne && slices.ContainsFunc(f.adults, func(fa personKey) bool { return fl.givenAgree(a, fa) }) {
			named++
			namedWeight += w.at(fAdultName, bl)
		}
	}
	s += min(adults, fl.adultCap())
	if named >= 2 && !conflict() {
		// several members of one household named together: far less
		// likely by chance than any one name
		household = max(0, fl.householdFloor(named)-namedWeight)
	}
	s += fl.weigh(fHandle, handleLevel(k, f))
	line := lineLevel(k, f)
	s += fl.weigh(fLine, line)
	if sameStreet(line) {
		return s, household // the street implies the town and postcode: they would count it twice
	}
	if k.town != "" && len(f.towns) > 0 {
		l := townDiffers // another town: most families are referred from one place
		if slices.Contains(f.towns, k.town) {
			l = townSame
		} else if fl.anyTown(f.towns, k.town) {
			l = townClose
		}
		s += fl.weigh(fTown, l)
	}
	s += fl.weigh(fPostcode, postcodeLevel(k, f))
	return s, household
}

// common returns what person a's family name, the i'th of the referral,
// takes off the agreement of a and b at name level l for being common
// (offs, from [familyLinker.commonness]): only where both give that family
// name and the names agree at level nameOne or better.
func common(offs []float64, i int, a, b personKey, l int) float64 {
	if offs == nil || l > nameOne || a.family == "" || a.family != b.family {
		return 0
	}
	return offs[i]
}

// commonness fills in k what each person's family name takes off a
// name's agreement for being common: log2 of its share of the families
// seen over the typical share of the data the weights were fitted on
// ([familyWeights.surnameShare], the chance that two families drawn there
// share a name), when above; nothing for a name no commoner than that.
// The weights say how much a full name agreeing is worth on average; where
// a few surnames are shared by many households (relatives on one street,
// a town's common names) it is worth less, as linkage's term frequencies
// weigh a common value less. Shares are counted with a prior of
// surnamePrior families at the typical share, so that the first families
// of a stream are not judged by a handful.
func (fl *familyLinker) commonness(k *refKeys) {
	p0 := fl.fw.surnameShare
	if p0 <= 0 {
		return
	}
	off := func(people []personKey) []float64 {
		out := make([]float64, len(people))
		for i, p := range people {
			if p.family == "" {
				continue
			}
			share := (float64(fl.surnameFamilies[p.family]) + surnamePrior*p0) / (float64(fl.surnameTotal) + surnamePrior)
			out[i] = max(0, math.Log2(share/p0))
		}
		return out
	}
	k.childCommon, k.adultCommon = off(k.children), off(k.adults)
}

// surnamePrior is how many families at the typical share a family name's
// count starts from.
const surnamePrior = 2000

// weigh returns the weight of level l of field f (nothing for -1, no
// level) and tells the fit's tally of it.
func (fl *familyLinker) weigh(f famField, l int) float64 {
	if l < 0 {
		return 0
	}
	fl.count(f, l)
	return fl.fw.at(f, l)
}

// count tells the fit's tally, when there is one, of a level scored.
func (fl *familyLinker) count(f famField, l int) {
	if fl.tally != nil && l >= 0 {
		fl.tally(f, l)
	}
}

// adultCap bounds what the adults of a referral add together: one and a
// half adults agreeing fully, so that a referral naming many adults of a
// common surname does not link by their number.
func (fl *familyLinker) adultCap() float64 { return 1.5 * fl.fw.top(fAdultName) }

// nhsLevel is the level of a child's NHS number against the family's
// numbers, -1 when either gives none.
func nhsLevel(n string, f *familyRec) int {
	switch {
	case n == "" || len(f.nhs) == 0:
		return -1
	case slices.Contains(f.nhs, n):
		return levelAgree
	}
	return levelDiffers
}

// handleLevel is the level of the social-media handles: agree when one is
// shared, -1 when either side gives none.
func handleLevel(k *refKeys, f *familyRec) int {
	if len(k.handles) == 0 || len(f.handles) == 0 {
		return -1
	}
	for _, h := range k.handles {
		if slices.Contains(f.handles, h) {
			return levelAgree
		}
	}
	return levelDiffers
}

// lineLevel is the level of the first address line: the same line as one
// of the family's, another house on the street of one of them, or another
// street; -1 when either side gives no line with a house number (a street
// alone, as a sparse referral gives, says nothing either way). Two real
// families on one street often share a surname (relatives live near each
// other) and common first names; their house numbers tell them apart, so
// another house never weighs for a link (famGuards).
func lineLevel(k *refKeys, f *familyRec) int {
	if k.line == "" || len(f.lines) == 0 {
		return -1
	}
	if slices.Contains(f.lines, k.line) {
		return lineSame
	}
	if !hasDigit(k.line) || !slices.ContainsFunc(f.lines, hasDigit) {
		return -1
	}
	street := streetOf(k.line)
	for _, l := range f.lines {
		if hasDigit(l) && street != "" && streetIs(l, street) {
			return lineHouseDiffers
		}
	}
	return lineOther
}

// sameStreet reports whether a line level says the referral and the
// family give the same street. Town and postcode are then not weighed:
// they agree because the street does, for the family's own referrals and
// for another house on the street alike, so they tell nothing more (and
// counting them would make a neighbour with the family's surname a link).
func sameStreet(line int) bool { return line == lineSame || line == lineHouseDiffers }

// streetOf is a normalised address line without its house numbers (the
// words with a digit): "12a high street" is "high street".
func streetOf(line string) string {
	var b strings.Builder
	for w := range strings.FieldsSeq(line) {
		if hasDigit(w) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// streetIs reports whether streetOf(line) == street without building
// streetOf(line): lineLevel compares the referral's street with the lines
// of hundreds of candidate families, and a string for each was the
// linker's largest allocation after its candidates.
func streetIs(line, street string) bool {
	pos := 0
	for w := range strings.FieldsSeq(line) {
		if hasDigit(w) {
			continue
		}
		if pos > 0 {
			if pos >= len(street) || street[pos] != ' ' {
				return false
			}
			pos++
		}
		if !strings.HasPrefix(street[pos:], w) {
			return false
		}
		pos += len(w)
	}
	return pos == len(street)
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// postcodeLevel is the best level ([linkage.ComparePostcodes]) of the
// referral's postcode against those the family has been seen with, -1
// when either gives none.
func postcodeLevel(k *refKeys, f *familyRec) int {
	if k.postcode.District == "" || len(f.postcode) == 0 {
		return -1
	}
	best := fPostcodeLevels - 1
	for _, p := range f.postcode {
		best = min(best, linkage.ComparePostcodes(k.postcode, normalize.SplitPostcode(p)))
	}
	return best
}

// fPostcodeLevels is how many levels linkage.ComparePostcodes has.
const fPostcodeLevels = 5

// scoreBound returns a bound that score's base plus household bonus never
// exceeds, from what is cheap to compare (dates, numbers, places), taking
// every name as agreeing as well as names can: most candidates a common
// name brings are another family's child of another year, and this finds
// them without comparing a single name.
func (fl *familyLinker) scoreBound(k *refKeys, f *familyRec) float64 {
	w := fl.fw
	var s float64
	for i, c := range k.children {
		best := 0.0 // a child counts only where a name agrees, and never below 0
		for _, fc := range f.children {
			best = max(best, w.top(fChildName)+w.at(fChildDOB, dobLevel(c.dob, fc.dob)))
		}
		s += best
		if l := nhsLevel(k.childNHS[i], f); l >= 0 {
			s += w.at(fChildNHS, l)
		}
	}
	if len(f.adults) > 0 {
		s += min(w.top(fAdultName)*float64(len(k.adults)), fl.adultCap())
	}
	// the household rule's most: the most named, each weighing the least
	// a named member can
	least := min(w.at(fChildName, nameOne), w.at(fAdultName, nameOne))
	hh := 0.0
	for n := 2; n <= len(k.children)+len(k.adults); n++ {
		hh = max(hh, fl.householdFloor(n)-float64(n)*least)
	}
	s += hh
	s += w.at(fHandle, handleLevel(k, f))
	line := lineLevel(k, f)
	s += w.at(fLine, line)
	if sameStreet(line) {
		return s
	}
	if k.town != "" && len(f.towns) > 0 {
		if slices.Contains(f.towns, k.town) {
			s += w.at(fTown, townSame)
		} else {
			s += w.at(fTown, townClose) // another town weighs less, never more
		}
	}
	s += w.at(fPostcode, postcodeLevel(k, f))
	return s
}

// strongKey reports whether one shared key of this kind is enough to
// score a candidate; weaker keys must be shared twice.
func strongKey(key string) bool {
	switch key[:strings.IndexByte(key, ':')] {
	case "nhs", "h", "pc", "dob", "gg":
		return true
	}
	return false
}

// recentKey reports whether a key counts only for families referred
// within [RecentWindow]: a child's given name is far too common to find a
// family by over years, but a burst of reports about one incident names
// the same child within hours.
func recentKey(key string) bool { return strings.HasPrefix(key, "rg:") }

// RecentWindow is how recently a family must have been referred for a
// child's given name, with nothing that contradicts it, to count towards
// linking a sparse referral to it (see [familyLinker.recentBonus]).
const RecentWindow = 72 * time.Hour

// candidates returns the families a referral's blocking keys bring, with
// how strongly (a candidate needs 2: one precise key or two weaker ones),
// in fl.hits, which it reuses.
func (fl *familyLinker) candidates(keys []string, now time.Time) *candidateSet {
	hits := &fl.hits
	hits.reset(len(fl.families))
	for _, k := range keys {
		// a key shared by hundreds of families tells little: the most
		// recently filed are scored
		older, newer, _ := fl.blocks.Last(linkage.KeyHash(k), blockLimit(k))
		w := 1
		if strongKey(k) || recentKey(k) {
			w = 2
		}
		for _, ids := range [2][]uint32{older, newer} {
			for _, n := range ids {
				id := fl.find(int32(n))
				if recentKey(k) && fl.age(id, now) > RecentWindow {
					continue
				}
				hits.add(id, w)
			}
		}
	}
	return hits
}

// scoredFamily is a candidate family of the referral being linked.
type scoredFamily struct {
	id        int32
	base, all float64 // plain agreement; with the household bonus
}

// link returns the family index for r, creating a family when none scores
// enough, and folds r's details into it. words are the distinct content
// words of r's narrative, in order (uniqueWords), which link only reads;
// buf, when not nil, is a list of candidates to reuse (hundreds a
// referral), which link leaves in it.
func (fl *familyLinker) link(r *bonafide.Referral, words []string, buf *[]scoredFamily, now time.Time) (int32, []int32) {
	keys := blockKeys(r)
	hits := fl.candidates(keys, now)
	rk := refKeysOf(r, words)
	fl.commonness(rk)
	var cands []scoredFamily
	if buf != nil {
		cands = (*buf)[:0]
	}
	for _, id := range hits.ids {
		if hits.count[id] < 2 {
			continue
		}
		f := fl.families[id]
		if fl.age(id, now) > RecentWindow && fl.scoreBound(rk, f) < fl.minScore {
			// It cannot link, win or be merged, and no recency bonus can
			// lift it (those go to families referred within
			// RecentWindow): leaving it out changes nothing but the time
			// its names would take to compare.
			continue
		}
		base, hh := fl.score(rk, f)
		cands = append(cands, scoredFamily{id, base, base + hh})
	}
	if buf != nil {
		*buf = cands
	}
	// In family order: which families merge, when more than two
	// qualify, is decided by it.
	slices.SortFunc(cands, func(a, b scoredFamily) int { return cmp.Compare(a.id, b.id) })
	recent := fl.recentBonus(rk, hits, now)
	for _, c := range cands {
		if recent.id >= 0 && c.id != recent.id && c.all >= fl.minScore {
			recent.id = -1 // recency only helps a referral that links to nothing on its details
		}
	}
	bestID, best := int32(-1), 0.0
	var strong []int32
	for _, c := range cands {
		// merging two known families needs the plain agreement of names,
		// dates and places; the household and recency bonuses only link
		if c.base >= fl.minScore+fl.fw.threshold*mergeMargin {
			strong = append(strong, c.id)
		}
		v := c.all
		if c.id == recent.id {
			v += recent.bonus
		}
		if v > best || (v == best && c.id < bestID) {
			bestID, best = c.id, v
		}
	}
	var f *familyRec
	if bestID >= 0 && best >= fl.minScore {
		f = fl.families[bestID]
	} else {
		f = fl.newFamily()
		best = 0
	}
	var merged []int32
	if slices.Contains(strong, f.id) {
		// This referral matches two families that the linker had kept apart
		// strongly enough: they are one family, found in pieces.
		for _, id := range strong {
			if id != f.id && len(merged) < 2 {
				fl.merge(f, fl.families[id])
				merged = append(merged, id)
			}
		}
	}
	fl.absorb(f, r, keys)
	if fl.age(f.id, now) > RecentWindow {
		f.words = nil
	}
	if t := now.UnixNano(); t > fl.last[f.id] {
		fl.last[f.id] = t
	}
	fl.remember(f, rk.words, now)
	return f.id, merged
}

// uniqueWords returns the distinct words of words, in order of first
// appearance, in a new slice; seen, when not nil, is a scratch set it
// clears first.
func uniqueWords(words []string, seen map[string]struct{}) []string {
	if len(words) == 0 {
		return nil
	}
	if seen == nil {
		seen = make(map[string]struct{}, len(words))
	} else {
		clear(seen)
	}
	out := make([]string, 0, len(words))
	for _, w := range words {
		if _, dup := seen[w]; !dup {
			seen[w] = struct{}{}
			out = append(out, w)
		}
	}
	return out
}

// newFamily starts a family, not yet referred.
func (fl *familyLinker) newFamily() *familyRec {
	f := &familyRec{id: int32(len(fl.families))}
	fl.families = append(fl.families, f)
	fl.parent = append(fl.parent, f.id)
	fl.last = append(fl.last, neverReferred)
	return f
}

// anyTown reports whether town agrees with one of towns up to a typo.
func (fl *familyLinker) anyTown(towns []string, town string) bool {
	for _, t := range towns {
		if fl.jwAtLeast(t, town, 0.92) {
			return true
		}
	}
	return false
}

// givenAgree reports whether two people's given names agree: the same
// name up to a typo, or a nickname of it (also with given and family name
// swapped on one side).
func (fl *familyLinker) givenAgree(a, b personKey) bool {
	if a.given == "" || b.given == "" {
		return false
	}
	return fl.jwAtLeastMask(a.given, b.given, a.givenMask, b.givenMask, 0.9) || nicknames(a, b) ||
		a.family != "" && fl.jwAtLeastMask(a.family, b.given, a.familyMask, b.givenMask, 0.9) ||
		b.family != "" && fl.jwAtLeastMask(a.given, b.family, a.givenMask, b.familyMask, 0.9)
}

// surnameConflict reports whether the referral and the family both give
// family names and none of the referral's agrees with any of the family's
// (a household may hold several surnames; one in common is enough). A
// given name that agrees with a family surname counts as agreement (given
// and family name swapped).
func (fl *familyLinker) surnameConflict(k *refKeys, f *familyRec) bool {
	if len(k.surnames) == 0 || len(f.surnames) == 0 {
		return false
	}
	for _, p := range k.surnames {
		if slices.Contains(f.surnames, p) {
			return false
		}
	}
	for _, p := range k.surnames {
		for _, q := range f.surnames {
			if fl.jwAtLeast(p, q, 0.88) {
				return false
			}
		}
	}
	for _, g := range k.givens {
		for _, q := range f.surnames {
			if fl.jwAtLeast(g, q, 0.88) {
				return false
			}
		}
	}
	for _, list := range [][]personKey{f.children, f.adults} {
		for _, q := range list {
			for _, p := range k.surnames {
				if fl.jwAtLeast(p, q.given, 0.88) {
					return false
				}
			}
		}
	}
	return true
}

// sharedSurname reports whether a family name in the referral (of anyone
// in it) agrees with one of the family's.
func (fl *familyLinker) sharedSurname(k *refKeys, f *familyRec) bool {
	for _, p := range k.surnames {
		for _, q := range f.surnames {
			if p == q || fl.jwAtLeast(p, q, 0.9) {
				return true
			}
		}
	}
	return false
}

// recent is the one family a sparse referral may be joined to by recency.
type recent struct {
	id      int32
	bonus   float64
	overlap float64 // how far the narrative tells of the same incident
}

// recentBonus finds the family, among the candidates, that was referred
// within [RecentWindow] and has a child whose name agrees with a child of
// the referral (given name, and the family name where both give one), or
// whose name is close when someone in the referral has the family's
// surname. Within a day the bonus alone (with the child's name) links.
// Several reports about one incident (a live stream, an event at school)
// arrive within hours and often name only the child; when exactly one
// recently referred family fits, that is strong evidence, and it is
// stronger the more recent. A narrative that tells of the same incident
// as the family's recent referrals (the share of its rarer words they
// also used, see [familyLinker.incident]) adds to it, and picks the family
// when several fit. When several fit and none tells of the same incident,
// recency says nothing and no bonus is given: this is what keeps it safe
// when referrals are many.
func (fl *familyLinker) recentBonus(k *refKeys, hits *candidateSet, now time.Time) recent {
	out, second := recent{id: -1}, recent{id: -1}
	n := 0
	for _, id := range hits.ids {
		age := fl.age(id, now)
		if fl.last[id] == neverReferred || age > RecentWindow || age < 0 {
			continue
		}
		f := fl.families[id]
		agree, close := false, false
		for _, c := range k.children {
			for _, fc := range f.children {
				if dobLevel(c.dob, fc.dob) >= dobMonthDiffers {
					continue
				}
				if fl.givenAgree(c, fc) && fl.nameLevel(c, fc) <= nameOne {
					agree = true // the same child
				} else if fl.jwAtLeastMask(c.given, fc.given, c.givenMask, fc.givenMask, 0.8) {
					close = true // perhaps the same child, misspelt
				}
			}
		}
		if !agree && !(close && fl.sharedSurname(k, f)) || fl.surnameConflict(k, f) {
			continue
		}
		n++
		gap := fl.minScore - fl.fw.at(fChildName, nameOne)
		b := gap * recentShare
		if age <= 24*time.Hour {
			b = gap + 1e-9 // a hair over, so that rounding never leaves the sum below
		}
		ov := fl.incident(k.words, f)
		if ov >= incidentOverlap {
			b += gap * incidentShare
		}
		c := recent{id: id, bonus: b, overlap: ov}
		if out.id < 0 || c.overlap > out.overlap || c.overlap == out.overlap && id < out.id {
			out, second = c, out
		} else if second.id < 0 || c.overlap > second.overlap {
			second = c
		}
	}
	switch {
	case n == 1:
		return out
	case n > 1 && out.overlap >= incidentOverlap && out.overlap >= second.overlap+0.15:
		return out
	}
	return recent{id: -1}
}

// incidentOverlap is the share of a narrative's content (rarer words
// weighing more) that a family's recent referrals must also have used for
// it to count as telling of the same incident.
const incidentOverlap = 0.35

// incident returns the share of the narrative's distinct content stems,
// weighted by rarity, that the family's referrals of the last
// [RecentWindow] also used.
func (fl *familyLinker) incident(words []string, f *familyRec) float64 {
	if len(words) == 0 || len(f.words) == 0 {
		return 0
	}
	var total, hit float64
	for _, w := range words {
		wt := 1.0
		if fl.weight != nil {
			wt = fl.weight(w)
		}
		total += wt
		if f.words[w] {
			hit += wt
		}
	}
	return hit / total
}

// remember keeps the content stems of a referral's narrative with its
// family for [RecentWindow], and forgets those of families not referred
// since, so that memory follows the referral rate, not the history.
func (fl *familyLinker) remember(f *familyRec, words []string, now time.Time) {
	for fl.qHead < len(fl.queue) {
		q := fl.queue[fl.qHead]
		if now.Sub(q.at) <= RecentWindow {
			break
		}
		if o := fl.families[q.id]; fl.age(q.id, now) > RecentWindow {
			o.words = nil // not referred since: forget; otherwise a later entry stands for it
		}
		fl.qHead++
	}
	if fl.qHead > 4096 && fl.qHead*2 > len(fl.queue) {
		fl.queue = append(fl.queue[:0], fl.queue[fl.qHead:]...)
		fl.qHead = 0
	}
	if len(words) == 0 {
		return
	}
	for _, w := range words {
		if len(f.words) >= maxIncidentWords {
			break
		}
		put(&f.words, w)
	}
	fl.queue = append(fl.queue, queued{f.id, now})
}

// queued is a family whose narrative stems were kept, and when.
type queued struct {
	id int32
	at time.Time
}

const maxIncidentWords = 160

// mergeMargin is how far above the link threshold, as a share of it, a
// referral must match two families for them to be merged (2 over the hand-set
// linker's bar of 4): merging is harder to undo than not linking, so it
// needs more.
const mergeMargin = 0.5

// The recency rule's bonuses, as shares of the gap between the link
// threshold and a child's given name alone (level nameOne): within a day
// the name with the bonus reaches the bar; within [RecentWindow] it takes
// recentShare of the gap, and a narrative of the same incident adds
// incidentShare (the hand-set linker's 1.5 and 1 of a gap of 2.8).
const (
	recentShare   = 1.5 / 2.8
	incidentShare = 1 / 2.8
)

// householdFloor is what n members of one household named together (each
// at level nameOne or better, surnames not in conflict) count for at
// least, as the hand-set linker counted them at level nameOne: three or
// more 1.275 of the link threshold (they link on their names alone), two
// 0.7875 (they need a little more: a postcode, a date of birth).
func (fl *familyLinker) householdFloor(n int) float64 {
	if n >= 3 {
		return 1.275 * fl.minScore
	}
	return 0.7875 * fl.minScore
}

// neverReferred is the last-referred time of a family not referred yet:
// below every time a referral can carry (one dated before 1970 included).
const neverReferred = math.MinInt64

// age is how long ago family id was last referred (the longest duration
// when never).
func (fl *familyLinker) age(id int32, now time.Time) time.Duration {
	if fl.last[id] == neverReferred {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(now.UnixNano() - fl.last[id])
}

func (fl *familyLinker) find(id int32) int32 {
	for fl.parent[id] != id {
		p := fl.parent[id]
		fl.parent[id] = fl.parent[p]
		id = p
	}
	return id
}

// merge folds family o into f.
func (fl *familyLinker) merge(f, o *familyRec) {
	fl.parent[o.id] = f.id
	for _, c := range o.children {
		if len(f.children) < maxPeoplePerFamily && !slices.Contains(f.children, c) {
			f.children = append(f.children, c)
		}
	}
	for _, a := range o.adults {
		if len(f.adults) < maxPeoplePerFamily && !slices.Contains(f.adults, a) {
			f.adults = append(f.adults, a)
		}
	}
	for _, m := range [][2]*[]string{{&f.postcode, &o.postcode}, {&f.handles, &o.handles}, {&f.nhs, &o.nhs},
		{&f.towns, &o.towns}, {&f.lines, &o.lines}} {
		for _, k := range *m[1] {
			addTo(m[0], k, 0)
		}
	}
	for _, h := range o.blockSet {
		if !slices.Contains(f.blockSet, h) {
			f.blockSet = append(f.blockSet, h)
		}
	}
	for _, n := range o.surnames {
		f.addSurname(n)
	}
	o.children, o.adults, o.surnames = nil, nil, nil
	o.postcode, o.handles, o.nhs, o.towns, o.lines, o.blockSet = nil, nil, nil, nil, nil, nil
}

const maxPeoplePerFamily = 12

// maxSurnames bounds the distinct family names kept per family.
const maxSurnames = 8

// addSurname adds n to the family's names and reports whether it was
// added.
func (f *familyRec) addSurname(n string) bool {
	if n != "" && len(f.surnames) < maxSurnames && !slices.Contains(f.surnames, n) {
		f.surnames = append(f.surnames, n)
		return true
	}
	return false
}

func (fl *familyLinker) absorb(f *familyRec, r *bonafide.Referral, keys []string) {
	addPerson := func(list []personKey, p bonafide.Person) []personKey {
		k := keyOf(p)
		for _, q := range list {
			if q == k {
				return list
			}
		}
		if len(list) >= maxPeoplePerFamily {
			return list
		}
		return append(list, k)
	}
	for _, c := range r.Children {
		f.children = addPerson(f.children, c)
	}
	for _, a := range r.Adults {
		f.adults = addPerson(f.adults, a)
	}
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		if n := normalize.NameKey(p.FamilyName); f.addSurname(n) {
			fl.surnameFamilies[n]++
			fl.surnameTotal++
		}
	}
	for _, p := range append(append([]bonafide.Person(nil), r.Children...), r.Adults...) {
		for _, h := range p.SocialHandles {
			if h := handleKey(h.Handle); h != "" {
				addTo(&f.handles, h, 0)
			}
		}
		if n := nhsNumber(p.NHSNumber); n != "" {
			addTo(&f.nhs, n, 0)
		}
	}
	for _, h := range narrativeHandles(r.Narrative) {
		addTo(&f.handles, h, 8)
	}
	if r.Address != nil {
		if pc := postcodeOf(r.Address); pc.Full != "" {
			addTo(&f.postcode, pc.Full, 6)
		}
		addTo(&f.towns, normalize.NameKey(r.Address.Town), 4)
		addTo(&f.lines, normalize.AddressLine(r.Address.Line1), 6)
	}
	for _, k := range keys {
		if h := linkage.KeyHash(k); !slices.Contains(f.blockSet, h) {
			f.blockSet = append(f.blockSet, h)
			fl.blocks.Add(h, uint32(f.id))
		}
	}
}

// blockLimit caps how many families (the most recently seen) one blocking
// key may bring for scoring, so that a query stays fast at ten million
// referrals. Precise keys (NHS number, handle) keep more than name keys.
func blockLimit(key string) int {
	switch key[:strings.IndexByte(key, ':')] {
	case "nhs", "h":
		return 256
	case "pc", "dob":
		return 128
	}
	return 48
}

// put adds k to a set, making the set on first use: most families are
// seen once, and an empty map still costs memory.
func put(m *map[string]bool, k string) {
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[k] = true
}
