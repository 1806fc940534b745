package linkage

import (
	"bytes"
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"

	"bonafide/synth"
)

// TestIndexFEBRL adds FEBRL 3 one record at a time, with a model trained on the same
// file in batch, and checks that online linking finds nearly what batch linking finds.
func TestIndexFEBRL(t *testing.T) {
	c := loadConfig(t, "testdata/febrl.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	tb := readTable(t, c, s, febrlPath(t, "dataset3.csv"), 0)
	res, err := c.Run(context.Background(), s, tb.Records, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(res.Model, c.Blocking, c.Threshold, c.MaxBlock)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int, len(tb.Records))
	for i, r := range tb.Records {
		got[i], _ = x.Add(r)
	}
	m := Evaluate(got, tb.Truth)
	t.Logf("online FEBRL 3: %s", m)
	if m.F1() < 0.99 {
		t.Errorf("online add FEBRL 3 F1 = %.4f, want >= 0.99", m.F1())
	}
	// A query for a known record finds its entity first, with an explanation.
	q := tb.Records[10]
	ms := x.Query(q, 0.5, 3)
	if len(ms) == 0 || ms[0].Entity != got[10] {
		t.Fatalf("Query(%s) = %+v, want entity %d first", q.ID, ms, got[10])
	}
	if len(ms[0].Why.Fields) != len(c.Fields) || ms[0].Why.Weight != ms[0].Weight {
		t.Errorf("Query(%s) explanation = %+v, want %d fields adding to %v", q.ID, ms[0].Why, len(c.Fields), ms[0].Weight)
	}
}

func TestIndexAddConflict(t *testing.T) {
	off := false // with four records every name is common: no term-frequency adjustment
	fields := []Field{{Name: "g", Kind: KindGivenName, TF: &off}, {Name: "s", Kind: KindSurname, TF: &off}, {Name: "d", Kind: KindDate}, {Name: "nhs", Kind: KindNHSNumber}}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(m, []BlockRule{{On: []BlockKey{{Field: "s"}}}}, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The untrained model links on name and birthday; the NHS numbers decide.
	tests := []struct {
		name string
		raw  []string
		want int
	}{
		{"first twin", []string{"Ada", "Quill", "2019-05-01", "9434765919"}, 0},
		{"second twin, other NHS number", []string{"Ada", "Quill", "2019-05-01", "4010232137"}, 1},
		{"first twin again, no NHS number", []string{"Ada", "Quill", "2019-05-01", ""}, 0},
		{"second twin again", []string{"Ada", "Quill", "2019-05-01", "4010232137"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := x.Add(x.Prepare(tt.name, tt.raw)); got != tt.want {
				t.Errorf("Add(%v) = entity %d, want %d", tt.raw, got, tt.want)
			}
		})
	}
}

// refIndex is the index as first written — every record kept whole, postings in a map —
// so that the compact Index can be checked to answer exactly as it did.
type refIndex struct {
	x      *Index // for its model, schema, rules and limits only
	recs   []Record
	entity []int32
	post   map[uint64][]int32
	counts []map[string]int32
	next   int32
}

func newRefIndex(x *Index) *refIndex {
	r := &refIndex{x: x, post: map[uint64][]int32{}, counts: make([]map[string]int32, len(x.counts))}
	for f, c := range x.counts {
		if c != nil {
			r.counts[f] = map[string]int32{}
		}
	}
	return r
}

func (r *refIndex) load(recs []Record, entity []int) {
	renum := map[int]int32{}
	for i := range recs {
		e, ok := renum[entity[i]]
		if !ok {
			e = r.next
			r.next++
			renum[entity[i]] = e
		}
		r.insert(recs[i], e)
	}
}

func (r *refIndex) insert(rec Record, e int32) {
	id := int32(len(r.recs))
	r.recs = append(r.recs, rec)
	r.entity = append(r.entity, e)
	for q, ks := range r.x.rules {
		if k := ruleKey(q, ks, &rec); k != 0 {
			r.post[k] = append(r.post[k], id)
		}
	}
	for f, c := range r.counts {
		if c != nil && rec.vals[f].s != "" {
			c[rec.vals[f].s]++
		}
	}
}

func (r *refIndex) query(rec *Record, minWeight float64, limit int) []Match {
	m := r.x.model
	n := float32(max(len(r.recs), 1))
	for f, c := range r.counts {
		if c != nil && rec.vals[f].s != "" {
			rec.vals[f].tf = float32(c[rec.vals[f].s]) / n
		}
	}
	best := map[int32]Match{}
	seen := map[int32]bool{}
	for q, ks := range r.x.rules {
		k := ruleKey(q, ks, rec)
		if k == 0 || len(r.post[k]) > r.x.maxPost {
			continue
		}
		for _, id := range r.post[k] {
			if seen[id] {
				continue
			}
			seen[id] = true
			w := m.Score(rec, &r.recs[id])
			if b, ok := best[r.entity[id]]; w >= minWeight && (!ok || w > b.Weight) {
				best[r.entity[id]] = Match{Entity: int(r.entity[id]), RecordID: r.recs[id].ID, Weight: w, rec: id}
			}
		}
	}
	var out []Match
	for _, b := range best {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Weight != b.Weight {
			return cmp.Compare(b.Weight, a.Weight)
		}
		return a.Entity - b.Entity
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i].Probability = m.Probability(out[i].Weight)
		out[i].Why = m.Explain(rec, &r.recs[out[i].rec])
		out[i].rec = 0
	}
	return out
}

func (r *refIndex) add(rec Record) int {
	rec.vals = slices.Clone(rec.vals)
	ms := r.query(&rec, r.x.threshold, 0)
	e := int32(-1)
	for _, m := range ms {
		conflict := false
		for id := range r.recs {
			if r.entity[id] == int32(m.Entity) && r.x.schema.conflicts(&rec, &r.recs[id]) {
				conflict = true
			}
		}
		if !conflict {
			e = int32(m.Entity)
			break
		}
	}
	if e < 0 {
		e = r.next
		r.next++
	}
	r.insert(rec, e)
	return int(e)
}

// TestIndexMatchesReference checks that the compact index answers every query exactly
// as the plain one did (entities, records, weights, explanations), for generated people
// (every field kind the people configuration has), when loaded in one piece, in several
// pieces, and when records are added one at a time with the postings merged often.
func TestIndexMatchesReference(t *testing.T) {
	c := loadConfig(t, "testdata/people.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := synth.PeopleCSV(context.Background(), 7, 6000, &buf); err != nil {
		t.Fatal(err)
	}
	tb, err := c.ReadCSV(&buf, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.SetFrequencies(tb.Records)
	bl, err := NewBlocker(s, c.Blocking, tb.Records, c.MaxBlock, false)
	if err != nil {
		t.Fatal(err)
	}
	model, err := Train(context.Background(), s, tb.Records, bl, TrainOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	truth := make([]int, len(tb.Records))
	num := map[string]int{}
	for i, id := range tb.Truth {
		if _, ok := num[id]; !ok {
			num[id] = len(num)
		}
		truth[i] = num[id]
	}
	const known = 5000
	// The same records with term frequencies over the known ones only, as an index
	// loaded in pieces and then given Index.SetFrequencies has them.
	knownFreq := make([]Record, known)
	for i, r := range tb.Records[:known] {
		knownFreq[i] = r
		knownFreq[i].vals = slices.Clone(r.vals)
	}
	s.SetFrequencies(knownFreq)
	tests := []struct {
		name     string
		pieces   []int // Load boundaries; records after the last are added one at a time
		entities bool  // LoadEntities in the pieces, then SetFrequencies
	}{
		{name: "one load", pieces: []int{known}},
		{name: "three loads", pieces: []int{1000, 1001, known}},
		{name: "load then add", pieces: []int{2000}},
		{name: "add only"},
		{name: "LoadEntities in pieces", pieces: []int{1500, 3000, known}, entities: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := NewIndex(model, c.Blocking, c.Threshold, c.MaxBlock)
			if err != nil {
				t.Fatal(err)
			}
			x.post.compactMin = 64 // merge the added postings many times
			ref := newRefIndex(x)
			lo := 0
			for _, hi := range tt.pieces {
				if tt.entities {
					ent := make([]int32, hi-lo)
					for i := range ent {
						ent[i] = int32(truth[lo+i])
					}
					if err := x.LoadEntities(tb.Records[lo:hi], ent); err != nil {
						t.Fatal(err)
					}
				} else {
					if err := x.Load(tb.Records[lo:hi], truth[lo:hi]); err != nil {
						t.Fatal(err)
					}
					ref.load(tb.Records[lo:hi], truth[lo:hi])
				}
				lo = hi
			}
			if tt.entities {
				x.SetFrequencies()
				ref.load(knownFreq, truth[:known]) // truth numbers entities densely in order of appearance
			}
			for i := lo; i < known; i++ {
				got, _ := x.Add(tb.Records[i])
				if want := ref.add(tb.Records[i]); got != want {
					t.Fatalf("Add(%s) = entity %d, want %d", tb.Records[i].ID, got, want)
				}
			}
			if x.Len() != known {
				t.Errorf("Len() = %d, want %d", x.Len(), known)
			}
			minW := model.WeightAt(0.01)
			matched := 0
			for _, q := range tb.Records[known:] {
				got := x.Query(q, 0.01, 0)
				for i := range got {
					got[i].rec = 0
				}
				qq := q
				qq.vals = slices.Clone(q.vals)
				want := ref.query(&qq, minW, 0)
				if len(got) == 0 && len(want) == 0 {
					continue
				}
				matched++
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("Query(%s) = %+v, want %+v", q.ID, got, want)
				}
			}
			if matched < 500 {
				t.Errorf("%d of %d queries matched anything, want at least 500: the comparison is too weak", matched, len(tb.Records)-known)
			}
		})
	}
}

// TestIndexAddSeparate: records added separately stay entities of their
// own, each answering a query, and the nickname transform puts Bill and
// William in one block.
func TestIndexAddSeparate(t *testing.T) {
	off := false
	fields := []Field{{Name: "g", Kind: KindGivenName, TF: &off}, {Name: "s", Kind: KindSurname, TF: &off}}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(m, []BlockRule{{On: []BlockKey{{Field: "g", Transform: "nickname"}, {Field: "s"}}}}, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	e1 := x.AddSeparate(x.Prepare("a", []string{"William", "Smith"}))
	e2 := x.AddSeparate(x.Prepare("b", []string{"William", "Smith"}))
	if e1 == e2 {
		t.Errorf("AddSeparate of two records = entities %d, %d; want two", e1, e2)
	}
	tests := []struct {
		name, given string
		want        int
	}{
		{"same name", "William", 2},
		{"nickname", "Bill", 2},
		{"a name that heads its own group", "Liam", 0},
		{"unknown name", "Wilhelmina", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.Query(x.Prepare("q", []string{tt.given, "Smith"}), 0.0001, 0); len(got) != tt.want {
				t.Errorf("Query(%s Smith) = %d matches, want %d", tt.given, len(got), tt.want)
			}
		})
	}
}
