package textsim

import (
	"math/bits"
)

// SigLen is the number of hash functions in a MinHash signature; Bands ×
// Rows must equal it. With 32 bands of 4 rows, a pair with Jaccard
// similarity s becomes a candidate with probability 1-(1-s^4)^32: 0.96 at
// s = 0.5, 0.27 at s = 0.25, 0.005 at s = 0.1.
const (
	SigLen = 128
	Bands  = 32
	Rows   = SigLen / Bands
)

// Signature is a MinHash signature of a text's word shingles.
type Signature [SigLen]uint32

// ShingleHashes returns the hashes of the k-word shingles of the stemmed
// content words of s (one shingle of them all when fewer than k remain).
// Stop words are dropped first so that light editing ("the" for "a", "he's"
// for "he is") does not break shingles.
func ShingleHashes(s string, k int) []uint64 {
	return ShingleHashesOf(ContentWords(s), k)
}

// ShingleHashesOf is ShingleHashes of content words already found
// (ContentWords), which it only reads.
func ShingleHashesOf(w []string, k int) []uint64 {
	if len(w) < k {
		k = len(w)
	}
	if k == 0 {
		return nil
	}
	seen := make(map[uint64]struct{}, len(w))
	out := make([]uint64, 0, len(w))
	for i := 0; i+k <= len(w); i++ {
		h := NewFNV()
		for j := i; j < i+k; j++ {
			h = h.Add(w[j]).AddByte(0)
		}
		v := uint64(h)
		if _, dup := seen[v]; !dup {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}

// FNV is a 64-bit FNV-1a hash being computed, the same as hash/fnv's
// New64a gives, as a value: hash/fnv's hasher, an interface, costs an
// allocation for every shingle and sentence hashed.
type FNV uint64

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// NewFNV starts a hash.
func NewFNV() FNV { return fnvOffset64 }

// Add returns h with the bytes of s added.
func (h FNV) Add(s string) FNV {
	for i := 0; i < len(s); i++ {
		h = (h ^ FNV(s[i])) * fnvPrime64
	}
	return h
}

// AddByte returns h with b added.
func (h FNV) AddByte(b byte) FNV { return (h ^ FNV(b)) * fnvPrime64 }

// mix64 is the splitmix64 finaliser: a cheap, well-spread permutation.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

var seeds = func() (s [SigLen]uint64) {
	for i := range s {
		s[i] = mix64(uint64(i)*0x9e3779b97f4a7c15 + 1)
	}
	return
}()

// MinHash returns the signature of a set of shingle hashes. An empty set
// gives a signature of all ones, which matches only other empty sets.
func MinHash(shingles []uint64) Signature {
	var sig Signature
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	for _, h := range shingles {
		for i := range sig {
			v := uint32(mix64(h^seeds[i]) >> 32)
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// Similarity estimates the Jaccard similarity of the two shingle sets.
func (a *Signature) Similarity(b *Signature) float64 {
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / SigLen
}

// LSH is a banded locality-sensitive hash index over MinHash signatures.
// Adding is O(Bands) and never rebuilds; a query returns the ids that share
// at least one band with the signature, which the caller then verifies
// with [Signature.Similarity].
type LSH struct {
	buckets [Bands]map[uint64][]int32
}

// NewLSH returns an empty index.
func NewLSH() *LSH {
	l := &LSH{}
	for i := range l.buckets {
		l.buckets[i] = map[uint64][]int32{}
	}
	return l
}

func bandKey(sig *Signature, b int) uint64 {
	var h uint64 = uint64(b) * 0x9e3779b97f4a7c15
	for _, v := range sig[b*Rows : (b+1)*Rows] {
		h = bits.RotateLeft64(h^uint64(v), 29) * 0xff51afd7ed558ccd
	}
	return h
}

// Add indexes sig under id.
func (l *LSH) Add(id int32, sig *Signature) {
	for b := range l.buckets {
		k := bandKey(sig, b)
		l.buckets[b][k] = append(l.buckets[b][k], id)
	}
}

// Candidates calls fn once for each distinct id sharing a band with sig.
// The slices a band holds are capped at max ids (the newest kept) so that a
// boiler-plate narrative shared by thousands cannot make a query slow;
// max <= 0 means no cap.
func (l *LSH) Candidates(sig *Signature, max int, fn func(id int32)) {
	seen := map[int32]struct{}{}
	for b := range l.buckets {
		ids := l.buckets[b][bandKey(sig, b)]
		if max > 0 && len(ids) > max {
			ids = ids[len(ids)-max:]
		}
		for _, id := range ids {
			if _, ok := seen[id]; ok {
				continue
			}
			seen[id] = struct{}{}
			fn(id)
		}
	}
}
