package linkage

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestBlockerPairsOnce checks that the union of rules produces every pair at most once,
// exactly the pairs some rule covers, and only cross-file pairs when linking.
func TestBlockerPairsOnce(t *testing.T) {
	fields := []Field{{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate}}
	s, err := NewSchema(fields)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	given := []string{"Ada", "Bram", "Cleo", "Dov", ""}
	sur := []string{"Quill", "Rook", "Sable", "Quil"}
	var recs []Record
	for i := range 300 {
		rec := s.Prepare(fmt.Sprint(i), []string{given[r.IntN(len(given))], sur[r.IntN(len(sur))], fmt.Sprintf("20%02d-0%d-1%d", r.IntN(3), 1+r.IntN(2), r.IntN(3))})
		rec.Source = uint8(i % 2)
		recs = append(recs, rec)
	}
	rules := []BlockRule{
		{On: []BlockKey{{Field: "given"}, {Field: "surname"}}},
		{On: []BlockKey{{Field: "surname", Transform: "phonetic"}, {Field: "dob", Transform: "year"}}},
		{On: []BlockKey{{Field: "dob"}}},
	}
	for _, link := range []bool{false, true} {
		t.Run(fmt.Sprintf("link=%v", link), func(t *testing.T) {
			b, err := NewBlocker(s, rules, recs, 40, link)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[[2]int32]int{}
			err = b.Pairs(context.Background(), 2, func(_ int, i, j int32) {
				mu.Lock()
				seen[[2]int32{i, j}]++
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, st := range b.Stats() {
				total += st.Pairs
			}
			if total != int64(len(seen)) {
				t.Errorf("Stats pairs = %d, want %d distinct pairs", total, len(seen))
			}
			// The progress bar's total: each rule's pairs, overlaps counted again.
			var byRule int64
			for r := range rules {
				if err := b.rulePairs(context.Background(), r, func(int32, int32) { byRule++ }); err != nil {
					t.Fatal(err)
				}
			}
			if got := b.pairsAtMost(); got != byRule || got < total {
				t.Errorf("pairsAtMost = %d, want the rules' pairs summed (%d), at least the %d distinct", got, byRule, total)
			}
			for i := range recs {
				for j := i + 1; j < len(recs); j++ {
					n := seen[[2]int32{int32(i), int32(j)}]
					want := 0
					if b.Covers(i, j) >= 0 {
						want = 1
					}
					if n != want {
						t.Fatalf("pair (%d, %d) produced %d times, want %d", i, j, n, want)
					}
					if n > 0 && link && recs[i].Source == recs[j].Source {
						t.Fatalf("pair (%d, %d) from one file produced when linking", i, j)
					}
				}
			}
		})
	}
}

func TestDefaultBlocking(t *testing.T) {
	fields := []Field{{Name: "g", Kind: KindGivenName}, {Name: "s", Kind: KindSurname}, {Name: "d", Kind: KindDate}, {Name: "n", Kind: KindNHSNumber}}
	got := DefaultBlocking(fields)
	want := []string{"n", "phonetic(s)+year(d)", "g+s", "d+first(g)"}
	if len(got) != len(want) {
		t.Fatalf("DefaultBlocking = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("DefaultBlocking[%d] = %s, want %s", i, got[i], want[i])
		}
	}
}

// TestIndexConcurrent queries while adding, for the race detector.
func TestIndexConcurrent(t *testing.T) {
	fields := []Field{{Name: "g", Kind: KindGivenName}, {Name: "s", Kind: KindSurname}, {Name: "d", Kind: KindDate}}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(m, DefaultBlocking(fields), 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(i int) Record {
		return x.Prepare(fmt.Sprint(i), []string{[]string{"Ada", "Bram"}[i%2], "Quill", fmt.Sprintf("2010-01-%02d", 1+i%5)})
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 200 {
			x.Add(rec(i))
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 200 {
			x.Query(rec(i), 0.5, 3)
		}
	}()
	wg.Wait()
	if x.Len() != 200 {
		t.Errorf("Len() = %d, want 200", x.Len())
	}
	ms := x.Query(rec(0), 0.001, 0)
	if len(ms) == 0 || ms[0].Why.Fields[0].Level != "exact" {
		t.Errorf("Query(Ada Quill 2010-01-01) = %+v, want a match with given name exact", ms)
	}
}

// TestSortByKey checks the radix sort of block keys against a comparison sort: records
// without a key left out, keys in order, records of one key in order, and the buffers
// of one call not leaking into the next.
func TestSortByKey(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	random := func(n int, distinct uint64) []uint64 {
		keys := make([]uint64, n)
		for i := range keys {
			if k := r.Uint64N(distinct + 1); k > 0 {
				keys[i] = mix(k) | 1
			}
		}
		return keys
	}
	tests := []struct {
		name string
		keys []uint64
	}{
		{"none", nil},
		{"no record has a key", []uint64{0, 0, 0}},
		{"one key", []uint64{0, 7, 0}},
		{"one key for all", []uint64{9, 9, 9, 9}},
		{"keys alike but in the top byte", []uint64{3<<56 | 5, 1<<56 | 5, 2<<56 | 5, 1<<56 | 5}},
		{"keys alike but in the lowest byte", []uint64{0xff03, 0xff01, 0xff02, 0xff01}},
		{"many records, few keys", random(5000, 40)},
		{"many records, many keys", random(5000, 4000)},
		{"fewer records after more", random(300, 100)},
	}
	var scratch [2][]keyed
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int32
			for i, k := range tt.keys {
				if k != 0 {
					want = append(want, int32(i))
				}
			}
			slices.SortFunc(want, func(x, y int32) int {
				return cmp.Or(cmp.Compare(tt.keys[x], tt.keys[y]), cmp.Compare(x, y))
			})
			if got := sortByKey(tt.keys, &scratch); !slices.Equal(got, want) {
				t.Errorf("sortByKey(%d keys) = %v…, want %v…", len(tt.keys), got[:min(len(got), 8)], want[:min(len(want), 8)])
			}
		})
	}
}
