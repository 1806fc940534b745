package synth

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
)

// mix is SplitMix64's finaliser: a cheap bijection on 64 bits that spreads
// every input bit over the output, used to derive independent seeds.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream labels keep the random streams of different parts of the generator
// apart, so that adding draws in one part never shifts another.
const (
	labelFamily uint64 = iota + 1
	labelPeopleBlock
	labelPeopleEntity
	labelPeopleRecord
	labelPermute
	labelReferralID
	labelPostID
	labelForumID
	labelFamilyID
	labelReporterID
	labelHelplineRef
	labelCampaignID
	labelProfessional
	labelRing
)

// newRand returns a generator determined only by the seed, a label and an
// index: the same triple always gives the same stream, whatever else ran.
func newRand(seed int64, label, idx uint64) *rand.Rand {
	a := mix(uint64(seed) ^ mix(label))
	b := mix(a ^ mix(idx+label<<56))
	return rand.New(rand.NewPCG(a, b))
}

// perm48 is a keyed bijection on 48-bit integers (a four-round Feistel
// network on 24-bit halves). Ids made from it are unique because it is a
// bijection, and opaque because its key is derived from the seed.
type perm48 struct{ keys [4]uint64 }

func newPerm48(seed int64, label uint64) perm48 {
	var p perm48
	for i := range p.keys {
		p.keys[i] = mix(uint64(seed) ^ mix(label<<8|uint64(i)))
	}
	return p
}

func (p perm48) apply(x uint64) uint64 {
	const mask = 1<<24 - 1
	l, r := (x>>24)&mask, x&mask
	for _, k := range p.keys {
		l, r = r, l^(mix(r^k)&mask)
	}
	return l<<24 | r
}

// opaqueID formats a 48-bit internal id through the keyed permutation.
func (p perm48) id(prefix string, x uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], p.apply(x&(1<<48-1)))
	return fmt.Sprintf("%s-%X", prefix, b[2:])
}

// permN is a keyed bijection on [0, n), built from a Feistel network on the
// smallest even power of two at least n and cycle-walking back into range.
// It lets PeopleCSV shuffle a million rows without holding them.
type permN struct {
	n    uint64
	half uint // bits per half
	keys [4]uint64
}

func newPermN(seed int64, n uint64) permN {
	p := permN{n: n, half: 1}
	for uint64(1)<<(2*p.half) < n {
		p.half++
	}
	for i := range p.keys {
		p.keys[i] = mix(uint64(seed) ^ mix(labelPermute<<8|uint64(i)))
	}
	return p
}

func (p permN) apply(x uint64) uint64 {
	mask := uint64(1)<<p.half - 1
	for {
		l, r := (x>>p.half)&mask, x&mask
		for _, k := range p.keys {
			l, r = r, l^(mix(r^k)&mask)
		}
		x = l<<p.half | r
		if x < p.n {
			return x
		}
	}
}

// pick returns a random element of list.
func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// weighted returns an index drawn with the given relative weights.
func weighted(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	v := r.Float64() * total
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}
