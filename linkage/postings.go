package linkage

import (
	"cmp"
	"hash/fnv"
	"slices"
	"sort"
)

// Postings is an online inverted index from 64-bit block keys to the numbers
// (records, entities, families) filed under them: the candidate index of
// [Index], and of triage's family and reporter linkers, which file their own
// keys in it. Numbers under one key are kept in the order they were added,
// so that a caller can take the most recent ones.
//
// It is built to hold hundreds of millions of postings: they are one array
// of keys and one of numbers, sorted by key (numbers of a key in order of
// addition), and those added one at a time wait in a small map until the
// next merge, which [Postings.Add] runs once they are more than an eighth of
// the merged ones. The zero value is not ready; use [NewPostings]. It is not
// safe for concurrent use: [Index] guards its own with its lock.
type Postings struct {
	key        []uint64 // sorted by key, then order of addition
	num        []uint32
	delta      map[uint64][]uint32 // postings added since the last merge; after num's of the same key
	deltaN     int
	compactMin int // merge delta once it holds more than max(compactMin, len(key)/8) postings
}

// NewPostings returns an empty index.
func NewPostings() *Postings {
	return &Postings{delta: map[uint64][]uint32{}, compactMin: 1 << 16}
}

// KeyHash files a block key given as a string under 64 bits (FNV-1a): a
// hash costs a fraction of the key in the largest map a linker holds. Two
// keys of one hash (a chance of about n²/2⁶⁵ among n keys; FNV is not
// keyed, so a collision can be built on purpose, though flooding the key
// itself does as much) share one list of postings.
func KeyHash(k string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k))
	return h.Sum64()
}

// Add files number n under key k, after every number filed under k before.
func (p *Postings) Add(k uint64, n uint32) {
	p.delta[k] = append(p.delta[k], n)
	p.deltaN++
	if p.deltaN > max(p.compactMin, len(p.key)/8) {
		p.merge(nil)
	}
}

// Get returns the numbers filed under k in the order they were added: the
// merged ones, then those added since the last merge. Both slices belong to
// the index and stay valid only until the next Add or Load.
func (p *Postings) Get(k uint64) (merged, recent []uint32) {
	lo, _ := slices.BinarySearch(p.key, k)
	hi := lo + sort.Search(len(p.key)-lo, func(i int) bool { return p.key[lo+i] != k })
	return p.num[lo:hi], p.delta[k]
}

// Last returns the last (most recently added) at most limit numbers filed
// under k, oldest first, as Get does (older ones merged, the rest since),
// and how many are filed under k in all.
func (p *Postings) Last(k uint64, limit int) (merged, recent []uint32, total int) {
	merged, recent = p.Get(k)
	total = len(merged) + len(recent)
	if skip := total - limit; skip > 0 {
		if skip >= len(merged) {
			recent = recent[skip-len(merged):]
			merged = nil
		} else {
			merged = merged[skip:]
		}
	}
	return merged, recent, total
}

// load files a bulk of postings, each given key's numbers in the order
// given, after those already filed: cheaper than adding them one by one.
func (p *Postings) load(pend []posting) { p.merge(pend) }

// Len returns the number of postings held.
func (p *Postings) Len() int { return len(p.key) + p.deltaN }

// posting is one (block key, number) pair of a bulk load; o is its place
// in a merge, so that numbers of one key keep their order.
type posting struct {
	k uint64
	r uint32
	o uint32
}

// merge merges the delta postings and then pend into the sorted arrays, in
// place from the back so that the arrays grow only once. Postings of one key
// keep their order: merged ones, then the delta's, then pend's.
func (p *Postings) merge(pend []posting) {
	all := pend
	if p.deltaN > 0 {
		all = make([]posting, 0, p.deltaN+len(pend))
		for k, ids := range p.delta {
			for _, id := range ids {
				all = append(all, posting{k: k, r: id})
			}
		}
		all = append(all, pend...)
	}
	for i := range all {
		all[i].o = uint32(i)
	}
	slices.SortFunc(all, func(a, b posting) int {
		if c := cmp.Compare(a.k, b.k); c != 0 {
			return c
		}
		return cmp.Compare(a.o, b.o)
	})
	clear(p.delta)
	p.deltaN = 0
	n, m := len(p.key), len(all)
	p.key = slices.Grow(p.key, m)[:n+m]
	p.num = slices.Grow(p.num, m)[:n+m]
	i, j := n-1, m-1
	for w := n + m - 1; j >= 0; w-- {
		// from the back: of equal keys the new postings go last
		if i >= 0 && p.key[i] > all[j].k {
			p.key[w], p.num[w] = p.key[i], p.num[i]
			i--
		} else {
			p.key[w], p.num[w] = all[j].k, all[j].r
			j--
		}
	}
}
