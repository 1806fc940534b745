package linkage

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// An Index holds known person records grouped into entities and answers, one record at
// a time, "which known entities does this record match, with what score and why". It is
// the online counterpart of batch linking: the same model, fields and blocking rules.
// It is safe for concurrent use; queries run in parallel, additions one at a time.
//
// It is built to hold tens of millions of records in memory. A record is not kept as a
// [Record]: each prepared field value is encoded once into an append-only byte arena and
// shared by every record holding it (names, dates, towns and postcodes repeat), so a
// record is one 4-byte arena offset per field plus its term frequencies, entity and ID.
// Block postings are a [Postings]: one sorted array of (key hash, record number) pairs;
// records added one at a time wait in a small map until the next [Index.Load] or
// compaction merges them in. Candidates are decoded back into a [Record] field by field while they are scored,
// and dropped as soon as the fields left cannot lift them to the query's minimum weight,
// so that a query into large blocks reads little; scores, explanations and the order
// candidates are met in are those of scoring every record added in full.
type Index struct {
	mu        sync.RWMutex
	model     *Model
	schema    *Schema
	rules     [][]keySpec
	maxPost   int
	threshold float64 // weight at which a record joins an entity

	nf          int       // fields per record
	tfs         []int     // term-frequency fields, in field order
	n           int       // records held
	vals        []uint32  // n×nf arena offsets of the records' field values; 0 = missing
	tfv         []float32 // n×len(tfs) term frequencies as the records were added
	idOff       []uint32  // arena offset of each record's ID
	source      []uint8
	entity      []int32
	nextMember  []int32 // next record of the same entity, or -1 (for the cannot-link check)
	firstMember []int32 // per entity: its latest record, or -1
	next        int32   // next new entity number

	arena  arena
	intern map[string]uint32 // encoded value → its arena offset

	post *Postings // block key → record numbers

	counts []map[string]int32 // per term-frequency field

	// A candidate's fields are decoded and compared one at a time, in order, and it is
	// dropped as soon as the fields still to come cannot lift it to the query's minimum
	// weight: in a large block most candidates are dropped after two or three fields.
	order []int     // fields in comparing order, strongest disagreement first
	maxW  []float64 // per field: the most it can add to a weight (at least 0)
	tfIdx []int     // per field: its place in tfs, or -1
}

type keySpec struct {
	f int
	t string
}

// A Match is one known entity a record matches: its best-matching record and why.
type Match struct {
	Entity      int         `json:"entity"`
	RecordID    string      `json:"record_id"`
	Weight      float64     `json:"weight"`
	Probability float64     `json:"probability"`
	Why         Explanation `json:"why"`

	rec int32
}

// NewIndex returns an empty index scoring with m, finding candidates with rules, and
// joining a record to an entity when the match probability reaches threshold (0.5 when
// 0). Posting lists longer than maxPost (default 5000) are not searched, as in batch
// blocking.
func NewIndex(m *Model, rules []BlockRule, threshold float64, maxPost int) (*Index, error) {
	if m == nil || m.schema == nil {
		return nil, errors.New("index: no model")
	}
	if threshold == 0 {
		threshold = 0.5
	}
	if !(threshold > 0 && threshold < 1) {
		return nil, fmt.Errorf("index: threshold %v is not a probability", threshold)
	}
	if maxPost <= 0 {
		maxPost = 5000
	}
	x := &Index{model: m, schema: m.schema, maxPost: maxPost, threshold: m.WeightAt(threshold),
		nf: len(m.Fields), intern: map[string]uint32{}, post: NewPostings(),
		counts: make([]map[string]int32, len(m.Fields))}
	for _, r := range rules {
		var ks []keySpec
		for _, k := range r.On {
			f := m.schema.FieldIndex(k.Field)
			if f < 0 {
				return nil, fmt.Errorf("index: blocking rule %s: no field %q", r, k.Field)
			}
			if !transforms[k.Transform] {
				return nil, fmt.Errorf("index: blocking rule %s: unknown transform %q (want %s)", r, k.Transform, transformList)
			}
			ks = append(ks, keySpec{f, k.Transform})
		}
		x.rules = append(x.rules, ks)
	}
	if len(x.rules) == 0 {
		return nil, errors.New("index: no blocking rules")
	}
	x.tfIdx = make([]int, x.nf)
	for i := range m.Fields {
		x.tfIdx[i] = -1
		if m.tf[i] {
			x.tfIdx[i] = len(x.tfs)
			x.counts[i] = map[string]int32{}
			x.tfs = append(x.tfs, i)
		}
	}
	x.maxW, x.order = fieldBounds(m)
	return x, nil
}

// fieldBounds returns, per field, the largest weight it can add to a pair (0 when all
// its levels count against a match, since a missing value adds 0), and the fields in
// the order a candidate is best compared: the one whose disagreement costs most first.
func fieldBounds(m *Model) (maxW []float64, order []int) {
	maxW = make([]float64, len(m.w))
	least := make([]float64, len(m.w))
	for i, ws := range m.w {
		least[i] = slices.Min(ws)
		maxW[i] = max(0, slices.Max(ws))
		if m.tf[i] {
			if m.TFMin > 0 {
				// levelWeight's exact agreement on the rarest value.
				maxW[i] = max(maxW[i], m.logm[i][0]-math.Log2(m.TFMin))
			} else {
				maxW[i] = math.Inf(1) // no floor: no bound
			}
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(least[a], least[b]) })
	return maxW, order
}

// ruleKey hashes the key of rule r for rec, or returns 0 when rec has none.
func ruleKey(r int, ks []keySpec, rec *Record) uint64 {
	h := uint64(14695981039346656037) ^ uint64(r+1)*0x9e3779b97f4a7c15
	for _, k := range ks {
		kp := keyPart(&rec.vals[k.f], k.t)
		if kp == "" {
			return 0
		}
		for i := 0; i < len(kp); i++ {
			h ^= uint64(kp[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h | 1
}

// Len returns the number of records held.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// Load adds records already grouped into entities, such as the clusters of a batch
// run, without querying each one. entity[i] is any integer naming rec[i]'s entity.
// Entity numbers are renumbered per call; to load one batch result in pieces, use
// [Index.LoadEntities].
func (x *Index) Load(recs []Record, entity []int) error {
	if len(recs) != len(entity) {
		return fmt.Errorf("index load: %d records but %d entity numbers", len(recs), len(entity))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	renum := map[int]int32{}
	pend := make([]posting, 0, len(recs)*len(x.rules)*3/4)
	for i := range recs {
		e, ok := renum[entity[i]]
		if !ok {
			e = x.next
			x.next++
			renum[entity[i]] = e
		}
		id, err := x.insert(&recs[i], e)
		if err != nil {
			return fmt.Errorf("index load: record %d (%s): %w", i+1, recs[i].ID, err)
		}
		for r, ks := range x.rules {
			if k := ruleKey(r, ks, &recs[i]); k != 0 {
				pend = append(pend, posting{k: k, r: id})
			}
		}
	}
	x.post.load(pend)
	return nil
}

// LoadEntities is Load with the index's own entity numbers: entity[i] (0 or more) is the
// entity rec[i] joins, the same number naming the same entity across calls. It lets a
// batch result of tens of millions of records be loaded in pieces, so that the prepared
// records of only one piece are in memory at a time; call [Index.SetFrequencies] after
// the last piece.
func (x *Index) LoadEntities(recs []Record, entity []int32) error {
	if len(recs) != len(entity) {
		return fmt.Errorf("index load: %d records but %d entity numbers", len(recs), len(entity))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	pend := make([]posting, 0, len(recs)*len(x.rules)*3/4)
	for i := range recs {
		e := entity[i]
		if e < 0 || e == 1<<31-1 {
			return fmt.Errorf("index load: record %d (%s): entity number %d out of range", i+1, recs[i].ID, e)
		}
		x.next = max(x.next, e+1)
		id, err := x.insert(&recs[i], e)
		if err != nil {
			return fmt.Errorf("index load: record %d (%s): %w", i+1, recs[i].ID, err)
		}
		for r, ks := range x.rules {
			if k := ruleKey(r, ks, &recs[i]); k != 0 {
				pend = append(pend, posting{k: k, r: id})
			}
		}
	}
	x.post.load(pend)
	return nil
}

// SetFrequencies sets the term frequencies of every record held to the share of
// records holding its value now, as [Schema.SetFrequencies] does for a batch. Records
// keep the frequencies they were added with otherwise, so an index loaded in pieces
// calls this once at the end to weigh common names as a single batch load would.
func (x *Index) SetFrequencies() {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := float32(x.n)
	var v value
	var parts []string
	for id := range x.n {
		for k, f := range x.tfs {
			off := x.vals[id*x.nf+f]
			if off == 0 {
				continue
			}
			parts = parts[:0]
			x.decodeValue(off, &v, &parts)
			x.tfv[id*len(x.tfs)+k] = float32(x.counts[f][v.s]) / n
		}
	}
}

// postings returns the records under block key k: the merged ones, then the delta.
func (x *Index) postings(k uint64) (merged []uint32, delta []uint32) { return x.post.Get(k) }

// insert stores rec as the next record of entity e and returns its number.
func (x *Index) insert(rec *Record, e int32) (uint32, error) {
	if x.n >= 1<<31-1 {
		return 0, errors.New("index is full")
	}
	id := uint32(x.n)
	var buf [128]byte
	for f := range x.nf {
		off := uint32(0)
		if f < len(rec.vals) && rec.vals[f].s != "" {
			var err error
			if off, err = x.internValue(&rec.vals[f], buf[:0]); err != nil {
				x.vals = x.vals[:int(id)*x.nf]
				return 0, err
			}
		}
		x.vals = append(x.vals, off)
	}
	b := binary.AppendUvarint(buf[:0], uint64(len(rec.ID)))
	off, err := x.arena.add(append(b, rec.ID...))
	if err != nil {
		x.vals = x.vals[:int(id)*x.nf]
		return 0, err
	}
	for _, f := range x.tfs {
		x.tfv = append(x.tfv, rec.vals[f].tf)
	}
	x.idOff = append(x.idOff, off)
	x.source = append(x.source, rec.Source)
	x.entity = append(x.entity, e)
	for int(e) >= len(x.firstMember) {
		x.firstMember = append(x.firstMember, -1)
	}
	x.nextMember = append(x.nextMember, x.firstMember[e])
	x.firstMember[e] = int32(id)
	for f, c := range x.counts {
		if c == nil || rec.vals[f].s == "" {
			continue
		}
		if _, ok := c[rec.vals[f].s]; ok {
			c[rec.vals[f].s]++
		} else {
			c[strings.Clone(rec.vals[f].s)] = 1
		}
	}
	x.n++
	return id, nil
}

// internValue returns the arena offset of v's encoding, adding it when new.
func (x *Index) internValue(v *value, buf []byte) (uint32, error) {
	b := encodeValue(buf, v)
	if off, ok := x.intern[string(b)]; ok {
		return off, nil
	}
	off, err := x.arena.add(b)
	if err != nil {
		return 0, err
	}
	x.intern[x.arena.str(off, len(b))] = off
	return off, nil
}

// encodeValue appends v without its term frequency: s, then alt, the phonetic codes and
// the parts each either as a reference to a substring of s or spelt out, then n and prec.
func encodeValue(b []byte, v *value) []byte {
	b = binary.AppendUvarint(b, uint64(len(v.s)))
	b = append(b, v.s...)
	sub := func(t string) {
		if i := strings.Index(v.s, t); t != "" && i >= 0 {
			b = binary.AppendUvarint(b, uint64(len(t))<<1|1)
			b = binary.AppendUvarint(b, uint64(i))
			return
		}
		b = binary.AppendUvarint(b, uint64(len(t))<<1)
		b = append(b, t...)
	}
	sub(v.alt)
	sub(v.p1)
	sub(v.p2)
	b = binary.AppendUvarint(b, uint64(len(v.parts)))
	for _, p := range v.parts {
		sub(p)
	}
	b = binary.AppendUvarint(b, uint64(uint32(v.n)))
	return append(b, byte(v.prec))
}

// decodeValue reads the value at off into v, its strings pointing into the arena and
// its parts appended to *parts.
func (x *Index) decodeValue(off uint32, v *value, parts *[]string) {
	b := x.arena.at(off)
	p := 0
	uv := func() int {
		n, k := binary.Uvarint(b[p:])
		p += k
		return int(n)
	}
	str := func(l int) string {
		if l == 0 {
			return ""
		}
		s := unsafe.String(&b[p], l)
		p += l
		return s
	}
	v.s = str(uv())
	sub := func() string {
		c := uv()
		if c&1 == 1 {
			i := uv()
			return v.s[i : i+c>>1]
		}
		return str(c >> 1)
	}
	v.alt = sub()
	v.p1 = sub()
	v.p2 = sub()
	v.parts = nil
	if np := uv(); np > 0 {
		start := len(*parts)
		for range np {
			*parts = append(*parts, sub())
		}
		v.parts = (*parts)[start:len(*parts):len(*parts)]
	}
	v.n = int32(uint32(uv()))
	v.prec = int8(b[p])
	v.tf = 0
}

// recordID returns the ID of record id, pointing into the arena.
func (x *Index) recordID(id uint32) string {
	b := x.arena.at(x.idOff[id])
	l, k := binary.Uvarint(b)
	if l == 0 {
		return ""
	}
	return unsafe.String(&b[k], int(l))
}

// scratch is one query's decoded candidate.
type scratch struct {
	rec     Record
	parts   []string
	decoded []bool // per field, while a candidate is decoded field by field
}

// bound is what one query needs to drop candidates early: for each step k of the
// comparing order, the most the fields from step k on can still add, ungrouped fields
// summed (rest[k]) and per group the largest (restG[k*groups+g]). A field the query
// lacks adds nothing.
type bound struct {
	rest  []float64
	restG []float64
}

// newBound prepares the bound of query rec.
func (x *Index) newBound(rec *Record) bound {
	s := x.schema
	ng := s.groups
	b := bound{rest: make([]float64, x.nf+1), restG: make([]float64, (x.nf+1)*ng)}
	for k := x.nf - 1; k >= 0; k-- {
		f := x.order[k]
		mw := 0.0
		if rec.vals[f].s != "" {
			mw = x.maxW[f]
		}
		copy(b.restG[k*ng:(k+1)*ng], b.restG[(k+1)*ng:(k+2)*ng])
		b.rest[k] = b.rest[k+1]
		if g := s.group[f]; g < 0 {
			b.rest[k] += mw
		} else {
			b.restG[k*ng+g] = max(b.restG[k*ng+g], mw)
		}
	}
	return b
}

// boundSlack absorbs rounding: the bound sums weights in another order than
// [Model.Score], so a candidate is dropped only when it falls short by more than this.
const boundSlack = 1e-6

// candidate decodes record id into sc field by field in comparing order and returns
// it, fully decoded, unless the fields compared so far and the most the rest can add
// stay below minWeight; then it returns nil. Its weight is then [Model.Score]'s, so
// that the answers are those of scoring every candidate in full.
func (x *Index) candidate(rec *Record, id uint32, sc *scratch, b *bound, minWeight float64) *Record {
	m, s := x.model, x.schema
	r := &sc.rec
	if r.vals == nil {
		r.vals = make([]value, x.nf)
		sc.decoded = make([]bool, x.nf)
	}
	sc.parts = sc.parts[:0]
	clear(sc.decoded)
	ng := s.groups
	w := 0.0
	var gmax, gneg [16]float64
	var gpos [16]bool
	for k, f := range x.order {
		if rec.vals[f].s == "" {
			continue // Null whatever the candidate holds; decoded below if it survives
		}
		x.decodeField(id, f, sc)
		if j := s.swap[f]; j >= 0 {
			x.decodeField(id, j, sc)
		}
		l := s.Compare(f, rec, r)
		if l == Null {
			continue
		}
		v := m.levelWeight(f, l, &rec.vals[f], &r.vals[f])
		switch g := s.group[f]; {
		case g < 0:
			w += v
		case v > 0:
			if !gpos[g] || v > gmax[g] {
				gmax[g] = v
			}
			gpos[g] = true
		default:
			gneg[g] += v
		}
		most := w + b.rest[k+1]
		for g := range ng {
			top := b.restG[(k+1)*ng+g]
			if gpos[g] {
				top = max(top, gmax[g])
			}
			most += top + gneg[g]
		}
		if most < minWeight-boundSlack {
			return nil
		}
	}
	for f := range x.nf {
		x.decodeField(id, f, sc)
	}
	r.ID = x.recordID(id)
	r.Source = x.source[id]
	return r
}

// decodeField decodes field f of record id into sc unless it already is.
func (x *Index) decodeField(id uint32, f int, sc *scratch) {
	if sc.decoded[f] {
		return
	}
	sc.decoded[f] = true
	r := &sc.rec
	if off := x.vals[int(id)*x.nf+f]; off == 0 {
		r.vals[f] = value{}
	} else {
		x.decodeValue(off, &r.vals[f], &sc.parts)
	}
	if k := x.tfIdx[f]; k >= 0 {
		r.vals[f].tf = x.tfv[int(id)*len(x.tfs)+k]
	}
}

// record decodes record id into sc and returns it; it stays valid until the next call.
func (x *Index) record(id uint32, sc *scratch) *Record {
	r := &sc.rec
	if r.vals == nil {
		r.vals = make([]value, x.nf)
		sc.decoded = make([]bool, x.nf)
	}
	sc.parts = sc.parts[:0]
	r.ID = x.recordID(id)
	r.Source = x.source[id]
	for f, off := range x.vals[int(id)*x.nf : int(id+1)*x.nf] {
		if off == 0 {
			r.vals[f] = value{}
			continue
		}
		x.decodeValue(off, &r.vals[f], &sc.parts)
	}
	for k, f := range x.tfs {
		r.vals[f].tf = x.tfv[int(id)*len(x.tfs)+k]
	}
	return r
}

// Prepare normalises a raw record (values in field order) for Query or Add.
func (x *Index) Prepare(id string, raw []string) Record { return x.schema.Prepare(id, raw) }

// Query returns the entities rec matches with probability at least minProb, best
// first, at most limit of them (all when limit ≤ 0), each with its explanation.
func (x *Index) Query(rec Record, minProb float64, limit int) []Match {
	x.mu.RLock()
	defer x.mu.RUnlock()
	rec.vals = slices.Clone(rec.vals) // query sets its term frequencies: the caller's record stays as it was
	return x.query(&rec, x.model.WeightAt(minProb), limit)
}

func (x *Index) query(rec *Record, minWeight float64, limit int) []Match {
	x.freshTF(rec)
	type best struct {
		rec int32
		w   float64
	}
	byEntity := map[int32]best{}
	seen := map[uint32]struct{}{}
	var sc scratch
	bd := x.newBound(rec)
	visit := func(id uint32) {
		if _, ok := seen[id]; ok {
			return
		}
		seen[id] = struct{}{}
		cand := x.candidate(rec, id, &sc, &bd, minWeight)
		if cand == nil {
			return
		}
		w := x.model.Score(rec, cand)
		if w < minWeight {
			return
		}
		e := x.entity[id]
		if b, ok := byEntity[e]; !ok || w > b.w {
			byEntity[e] = best{int32(id), w}
		}
	}
	for r, ks := range x.rules {
		k := ruleKey(r, ks, rec)
		if k == 0 {
			continue
		}
		merged, delta := x.postings(k)
		if len(merged)+len(delta) > x.maxPost {
			continue
		}
		for _, id := range merged {
			visit(id)
		}
		for _, id := range delta {
			visit(id)
		}
	}
	out := make([]Match, 0, len(byEntity))
	for e, b := range byEntity {
		out = append(out, Match{Entity: int(e), Weight: b.w, rec: b.rec})
	}
	slices.SortFunc(out, func(a, b Match) int {
		switch {
		case a.Weight > b.Weight:
			return -1
		case a.Weight < b.Weight:
			return 1
		}
		return a.Entity - b.Entity
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i].RecordID = x.recordID(uint32(out[i].rec))
		out[i].Probability = x.model.Probability(out[i].Weight)
		out[i].Why = x.model.Explain(rec, x.record(uint32(out[i].rec), &sc))
	}
	return out
}

// freshTF sets the term frequencies of rec from the index's current counts.
func (x *Index) freshTF(rec *Record) {
	n := float32(max(x.n, 1))
	for f, c := range x.counts {
		if c != nil && rec.vals[f].s != "" {
			rec.vals[f].tf = float32(c[rec.vals[f].s]) / n
		}
	}
}

// conflictsWith reports whether rec cannot be the person of entity e (a different
// valid NHS number is on file for it).
func (x *Index) conflictsWith(rec *Record, e int32) bool {
	if !x.schema.hasConflicts() || int(e) >= len(x.firstMember) {
		return false
	}
	var sc scratch
	for id := x.firstMember[e]; id >= 0; id = x.nextMember[id] {
		if x.schema.conflicts(rec, x.record(uint32(id), &sc)) {
			return true
		}
	}
	return false
}

// Add queries rec and then stores it: it joins the best-matching entity at or above the
// index threshold that holds no conflicting NHS number, or starts a new one. It returns
// the entity and the matches found. It panics only when the index's value store is full
// (16 GiB of distinct values).
func (x *Index) Add(rec Record) (int, []Match) {
	x.mu.Lock()
	defer x.mu.Unlock()
	// The record is stored with the term frequencies its query saw.
	rec.vals = slices.Clone(rec.vals)
	ms := x.query(&rec, x.threshold, 0)
	e := int32(-1)
	for _, m := range ms {
		if !x.conflictsWith(&rec, int32(m.Entity)) {
			e = int32(m.Entity)
			break
		}
	}
	if e < 0 {
		e = x.next
		x.next++
	}
	id, err := x.insert(&rec, e)
	if err != nil {
		panic("linkage: index add: " + err.Error())
	}
	for r, ks := range x.rules {
		if k := ruleKey(r, ks, &rec); k != 0 {
			x.post.Add(k, id)
		}
	}
	return int(e), ms
}

// AddSeparate stores rec as an entity of its own, without querying it or
// joining it to any other, and returns that entity. It is for an index used
// only to search, whose callers group the records themselves (each record a
// person named in one referral, grouped by a family found elsewhere), so
// that every record answers a query by itself. It panics only when the
// index's value store is full (16 GiB of distinct values).
func (x *Index) AddSeparate(rec Record) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	rec.vals = slices.Clone(rec.vals)
	x.freshTF(&rec)
	e := x.next
	x.next++
	id, err := x.insert(&rec, e)
	if err != nil {
		panic("linkage: index add: " + err.Error())
	}
	for r, ks := range x.rules {
		if k := ruleKey(r, ks, &rec); k != 0 {
			x.post.Add(k, id)
		}
	}
	return int(e)
}

// arena is an append-only store of byte strings addressed by 4-byte offsets counted in
// 4-byte units, so that 16 GiB fit. Chunks are never moved or changed once written, so
// strings may point into them.
type arena struct {
	chunks [][]byte
}

const (
	arenaChunkBits = 24 // 16 MiB chunks
	arenaChunk     = 1 << arenaChunkBits
	arenaUnitBits  = arenaChunkBits - 2
	arenaMaxChunks = 1 << (32 - arenaUnitBits)
)

// add copies b into the arena and returns its offset, never 0.
func (a *arena) add(b []byte) (uint32, error) {
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+len(b) > cap(a.chunks[last]) {
		size := arenaChunk
		if len(b) > arenaChunk-4 {
			size = (len(b) + 4 + arenaChunk - 1) &^ (arenaChunk - 1)
		}
		k := size / arenaChunk
		if len(a.chunks)+k > arenaMaxChunks {
			return 0, errors.New("value store full (16 GiB)")
		}
		c := make([]byte, 4, size) // offset 0 of every chunk is padding: offset 0 means none
		a.chunks = append(a.chunks, c)
		for range k - 1 {
			a.chunks = append(a.chunks, nil) // a large value's further chunk numbers
		}
		last = len(a.chunks) - k
	}
	c := a.chunks[last]
	pos := len(c)
	c = append(c, b...)
	for len(c)&3 != 0 {
		c = append(c, 0)
	}
	a.chunks[last] = c
	return uint32(last)<<arenaUnitBits | uint32(pos>>2), nil
}

// at returns the arena's bytes from off to the end of its chunk.
func (a *arena) at(off uint32) []byte {
	return a.chunks[off>>arenaUnitBits][int(off&(1<<arenaUnitBits-1))<<2:]
}

// str returns the n bytes at off as a string sharing the arena's memory.
func (a *arena) str(off uint32, n int) string {
	return unsafe.String(&a.at(off)[0], n)
}
