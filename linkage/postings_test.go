package linkage

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPostings holds Postings to a map of slices, the plain way to keep
// numbers per key in order of addition: numbers added in a random order
// (not sorted, as a linker files families) one at a time and in bulk loads,
// merged many times, and read back whole and as the last few.
func TestPostings(t *testing.T) {
	p := NewPostings()
	p.compactMin = 16 // merge many times
	want := map[uint64][]uint32{}
	r := rand.New(rand.NewPCG(5, 6))
	// keys spread over 64 bits, as hashes are, and a few at the ends
	keys := []uint64{0, 1, 1<<64 - 1, 1<<63 - 1, 1 << 63}
	for i := uint64(len(keys)); i < 40; i++ {
		keys = append(keys, i*0x9e3779b97f4a7c15)
	}
	check := func(step int) {
		t.Helper()
		for _, k := range append(keys, 12345) { // and one never filed
			merged, recent := p.Get(k)
			if got := append(slices.Clone(merged), recent...); !slices.Equal(got, want[k]) {
				t.Fatalf("step %d: Get(%d) = %v, want %v", step, k, got, want[k])
			}
			for _, limit := range []int{1, 3, 50} {
				m, rc, n := p.Last(k, limit)
				got := append(slices.Clone(m), rc...)
				w := want[k]
				if len(w) > limit {
					w = w[len(w)-limit:]
				}
				if n != len(want[k]) || !slices.Equal(got, w) {
					t.Fatalf("step %d: Last(%d, %d) = %v, %d in all, want %v, %d", step, k, limit, got, n, w, len(want[k]))
				}
			}
		}
	}
	for step := range 3000 {
		if step%500 == 250 {
			var pend []posting
			for range 200 {
				k, n := keys[r.IntN(40)], r.Uint32N(1000)
				pend = append(pend, posting{k: k, r: n})
				want[k] = append(want[k], n)
			}
			p.load(pend)
		} else {
			k, n := keys[r.IntN(40)], r.Uint32N(1000)
			p.Add(k, n)
			want[k] = append(want[k], n)
		}
		if step%97 == 0 {
			check(step)
		}
	}
	check(3000)
	total := 0
	for _, v := range want {
		total += len(v)
	}
	if p.Len() != total {
		t.Errorf("Len() = %d, want %d", p.Len(), total)
	}
}
