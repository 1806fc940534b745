package linkage

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// An Index holds known person records grouped into entities and answers, one record at
// a time, "which known entities does this record match, with what score and why". It is
// the online counterpart of batch linking: the same model, fields and blocking rules.
// It is safe for concurrent use; queries run in parallel, additions one at a time.
type Index struct {
	mu        sync.RWMutex
	model     *Model
	schema    *Schema
	rules     [][]keySpec
	maxPost   int
	threshold float64 // weight at which a record joins an entity

	recs    []Record
	entity  []int32
	members map[int32][]int32 // records of each entity, for the cannot-link check
	post    map[uint64][]int32
	counts  []map[string]int32 // per term-frequency field
	next    int32              // next new entity number
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
		post: map[uint64][]int32{}, counts: make([]map[string]int32, len(m.Fields)), members: map[int32][]int32{}}
	for _, r := range rules {
		var ks []keySpec
		for _, k := range r.On {
			f := m.schema.FieldIndex(k.Field)
			if f < 0 {
				return nil, fmt.Errorf("index: blocking rule %s: no field %q", r, k.Field)
			}
			if !transforms[k.Transform] {
				return nil, fmt.Errorf("index: blocking rule %s: unknown transform %q", r, k.Transform)
			}
			ks = append(ks, keySpec{f, k.Transform})
		}
		x.rules = append(x.rules, ks)
	}
	if len(x.rules) == 0 {
		return nil, errors.New("index: no blocking rules")
	}
	for i := range m.Fields {
		if m.tf[i] {
			x.counts[i] = map[string]int32{}
		}
	}
	return x, nil
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
	return len(x.recs)
}

// Load adds records already grouped into entities, such as the clusters of a batch
// run, without querying each one. entity[i] is any integer naming rec[i]'s entity.
func (x *Index) Load(recs []Record, entity []int) error {
	if len(recs) != len(entity) {
		return fmt.Errorf("index load: %d records but %d entity numbers", len(recs), len(entity))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	renum := map[int]int32{}
	for i := range recs {
		e, ok := renum[entity[i]]
		if !ok {
			e = x.next
			x.next++
			renum[entity[i]] = e
		}
		x.insert(recs[i], e)
	}
	return nil
}

func (x *Index) insert(rec Record, e int32) {
	id := int32(len(x.recs))
	x.recs = append(x.recs, rec)
	x.entity = append(x.entity, e)
	x.members[e] = append(x.members[e], id)
	for r, ks := range x.rules {
		if k := ruleKey(r, ks, &x.recs[id]); k != 0 {
			x.post[k] = append(x.post[k], id)
		}
	}
	for f, c := range x.counts {
		if c != nil && rec.vals[f].s != "" {
			c[rec.vals[f].s]++
		}
	}
}

// Prepare normalises a raw record (values in field order) for Query or Add.
func (x *Index) Prepare(id string, raw []string) Record { return x.schema.Prepare(id, raw) }

// Query returns the entities rec matches with probability at least minProb, best
// first, at most limit of them (all when limit ≤ 0), each with its explanation.
func (x *Index) Query(rec Record, minProb float64, limit int) []Match {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.query(&rec, x.model.WeightAt(minProb), limit)
}

func (x *Index) query(rec *Record, minWeight float64, limit int) []Match {
	x.freshTF(rec)
	type best struct {
		rec int32
		w   float64
	}
	byEntity := map[int32]best{}
	seen := map[int32]struct{}{}
	for r, ks := range x.rules {
		k := ruleKey(r, ks, rec)
		if k == 0 {
			continue
		}
		ids := x.post[k]
		if len(ids) > x.maxPost {
			continue
		}
		for _, id := range ids {
			if _, ok := seen[id]; ok {
				continue
			}
			seen[id] = struct{}{}
			w := x.model.Score(rec, &x.recs[id])
			if w < minWeight {
				continue
			}
			e := x.entity[id]
			if b, ok := byEntity[e]; !ok || w > b.w {
				byEntity[e] = best{id, w}
			}
		}
	}
	out := make([]Match, 0, len(byEntity))
	for e, b := range byEntity {
		out = append(out, Match{Entity: int(e), RecordID: x.recs[b.rec].ID, Weight: b.w, rec: b.rec})
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
		out[i].Probability = x.model.Probability(out[i].Weight)
		out[i].Why = x.model.Explain(rec, &x.recs[out[i].rec])
	}
	return out
}

// freshTF sets the term frequencies of rec from the index's current counts.
func (x *Index) freshTF(rec *Record) {
	n := float32(max(len(x.recs), 1))
	for f, c := range x.counts {
		if c != nil && rec.vals[f].s != "" {
			rec.vals[f].tf = float32(c[rec.vals[f].s]) / n
		}
	}
}

// conflictsWith reports whether rec cannot be the person of entity e (a different
// valid NHS number is on file for it).
func (x *Index) conflictsWith(rec *Record, e int32) bool {
	if !x.schema.hasConflicts() {
		return false
	}
	for _, id := range x.members[e] {
		if x.schema.conflicts(rec, &x.recs[id]) {
			return true
		}
	}
	return false
}

// Add queries rec and then stores it: it joins the best-matching entity at or above the
// index threshold that holds no conflicting NHS number, or starts a new one. It returns
// the entity and the matches found.
func (x *Index) Add(rec Record) (int, []Match) {
	x.mu.Lock()
	defer x.mu.Unlock()
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
	x.insert(rec, e)
	return int(e), ms
}
