package linkage

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"bonafide/linkage/nickname"
)

// A BlockRule puts records that share a key in one block; only pairs within a block are
// scored. Several rules are unioned, so a pair missed by one (a typo in the postcode)
// is found by another (same phonetic surname and year of birth).
type BlockRule struct {
	Name string     `json:"name,omitempty"`
	On   []BlockKey `json:"on"`
	// Train marks a rule whose pairs train m (see [Train]). When no rule is marked,
	// every rule trains.
	Train bool `json:"train,omitempty"`
}

// A BlockKey is one part of a blocking key: a field and what to take from it.
type BlockKey struct {
	Field string `json:"field"`
	// Transform is "" (the normalised value), "first" (first letter), "first3",
	// "phonetic", "year", "year_month", "district" (postcode district or e-mail local
	// part or handle without platform), "last3" or "nickname" (the group of names a
	// given name stands for: bill and william share one).
	Transform string `json:"transform,omitempty"`
}

var transforms = map[string]bool{"": true, "first": true, "first3": true, "phonetic": true, "year": true, "year_month": true, "district": true, "last3": true, "nickname": true}

// transformList names the transforms, for the error that refuses another.
const transformList = `"" (the value itself), first, first3, phonetic, year, year_month, district, last3 or nickname`

func (r BlockRule) String() string {
	if r.Name != "" {
		return r.Name
	}
	var p []string
	for _, k := range r.On {
		if k.Transform != "" {
			p = append(p, k.Transform+"("+k.Field+")")
		} else {
			p = append(p, k.Field)
		}
	}
	return strings.Join(p, "+")
}

// keyPart returns the text a block key takes from v, or "" when there is none.
func keyPart(v *value, t string) string {
	if v.s == "" {
		return ""
	}
	switch t {
	case "first":
		return v.s[:1]
	case "first3":
		return v.s[:min(3, len(v.s))]
	case "phonetic":
		return v.p1
	case "year":
		if v.n == 0 {
			return ""
		}
		return v.s[:4]
	case "year_month":
		if v.prec < 2 {
			return ""
		}
		return v.s[:6]
	case "district":
		return v.alt
	case "last3":
		return v.s[max(0, len(v.s)-3):]
	case "nickname":
		return nicknameKey(v.s)
	}
	return v.s
}

// nicknameKey is the "nickname" block key of a normalised given name: the
// group of names its first word stands for (bill → william), so that a
// nickname and the full name share a block. A name that heads a group of
// its own keys by itself (william, though it is also in liam's group); a
// name the table does not know keys by itself too.
func nicknameKey(s string) string {
	w, _, _ := strings.Cut(s, " ")
	w, _, _ = strings.Cut(w, "-")
	g := nickname.Canonical(w)
	if len(g) == 0 || slices.Contains(g, w) {
		return w
	}
	return g[0]
}

// A Blocker holds the blocks of a set of records under a list of rules and produces
// each candidate pair once.
type Blocker struct {
	Rules    []BlockRule
	MaxBlock int // blocks larger than this are skipped (reported in Stats)
	link     bool
	recs     []Record
	keys     [][]uint64 // per rule, per record; 0 = no key
	runs     []blockRun
	oversize []map[uint64]bool
	stats    []RuleStats
}

type blockRun struct {
	rule       int
	start, end int
	order      []int32
}

// RuleStats reports what one blocking rule contributed.
type RuleStats struct {
	Rule      string `json:"rule"`
	Pairs     int64  `json:"pairs"`     // pairs first produced by this rule
	Blocks    int    `json:"blocks"`    // blocks with two or more records
	Oversized int    `json:"oversized"` // blocks skipped as too large
	Skipped   int64  `json:"skipped"`   // pairs in those skipped blocks
	Largest   int    `json:"largest"`   // largest block kept
}

// NewBlocker builds the blocks of recs. With link set only pairs from different
// sources (Record.Source) are produced, for linking file A to file B.
func NewBlocker(s *Schema, rules []BlockRule, recs []Record, maxBlock int, link bool) (*Blocker, error) {
	if len(rules) == 0 {
		return nil, fmt.Errorf("blocking: no rules")
	}
	if maxBlock <= 0 {
		maxBlock = 5000
	}
	b := &Blocker{Rules: rules, MaxBlock: maxBlock, link: link, recs: recs,
		keys: make([][]uint64, len(rules)), oversize: make([]map[uint64]bool, len(rules)), stats: make([]RuleStats, len(rules))}
	type part struct {
		f int
		t string
	}
	var scratch [2][]keyed
	for r, rule := range rules {
		if len(rule.On) == 0 {
			return nil, fmt.Errorf("blocking rule %d: no keys", r+1)
		}
		var parts []part
		for _, k := range rule.On {
			f := s.FieldIndex(k.Field)
			if f < 0 {
				return nil, fmt.Errorf("blocking rule %s: no field %q", rule, k.Field)
			}
			if !transforms[k.Transform] {
				return nil, fmt.Errorf("blocking rule %s: unknown transform %q (want %s)", rule, k.Transform, transformList)
			}
			parts = append(parts, part{f, k.Transform})
		}
		keys := make([]uint64, len(recs))
		parallelRange(len(recs), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				h := uint64(14695981039346656037)
				for _, p := range parts {
					kp := keyPart(&recs[i].vals[p.f], p.t)
					if kp == "" {
						h = 0
						break
					}
					for k := 0; k < len(kp); k++ {
						h ^= uint64(kp[k])
						h *= 1099511628211
					}
					h ^= 0xff
					h *= 1099511628211
				}
				if h == 0 {
					keys[i] = 0
				} else {
					keys[i] = h | 1
				}
			}
		})
		b.keys[r] = keys
		order := sortByKey(keys, &scratch)
		st := &b.stats[r]
		st.Rule = rule.String()
		b.oversize[r] = map[uint64]bool{}
		for lo := 0; lo < len(order); {
			hi := lo + 1
			for hi < len(order) && keys[order[hi]] == keys[order[lo]] {
				hi++
			}
			n := hi - lo
			switch {
			case n < 2:
			case n > maxBlock:
				st.Oversized++
				st.Skipped += int64(n) * int64(n-1) / 2
				b.oversize[r][keys[order[lo]]] = true
			default:
				st.Blocks++
				st.Largest = max(st.Largest, n)
				b.runs = append(b.runs, blockRun{rule: r, start: lo, end: hi, order: order})
			}
			lo = hi
		}
	}
	// Big blocks first, so the two workers finish together.
	slices.SortStableFunc(b.runs, func(x, y blockRun) int { return (y.end - y.start) - (x.end - x.start) })
	return b, nil
}

// A keyed record is one record's block key, for sorting.
type keyed struct {
	key uint64
	i   int32
}

// sortByKey returns the records that have a key (not 0), ordered by key and, within a
// key, by record: the order a comparison sort gives, by a stable radix sort of the keys
// a byte at a time, which for a million records is several times quicker. scratch holds
// its buffers from one call to the next.
func sortByKey(keys []uint64, scratch *[2][]keyed) []int32 {
	a, b := scratch[0][:0], scratch[1]
	for i, k := range keys {
		if k != 0 {
			a = append(a, keyed{k, int32(i)})
		}
	}
	if len(a) == 0 {
		return nil
	}
	if cap(b) < len(a) {
		b = make([]keyed, len(a))
	}
	b = b[:len(a)]
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, e := range a {
			count[byte(e.key>>shift)]++
		}
		if count[byte(a[0].key>>shift)] == len(a) {
			continue // every key has this byte alike
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, e := range a {
			d := byte(e.key >> shift)
			b[count[d]] = e
			count[d]++
		}
		a, b = b, a
	}
	order := make([]int32, len(a))
	for x, e := range a {
		order[x] = e.i
	}
	scratch[0], scratch[1] = a, b
	return order
}

// covered reports whether rule q already puts i and j in one scored block.
func (b *Blocker) covered(q int, i, j int32) bool {
	k := b.keys[q][i]
	if k == 0 || k != b.keys[q][j] {
		return false
	}
	return len(b.oversize[q]) == 0 || !b.oversize[q][k]
}

// Covers returns the first rule that pairs records i and j, or -1 when blocking loses
// the pair. It is how blocking recall is measured on labelled data.
func (b *Blocker) Covers(i, j int) int {
	if b.link && b.recs[i].Source == b.recs[j].Source {
		return -1
	}
	for q := range b.Rules {
		if b.covered(q, int32(i), int32(j)) {
			return q
		}
	}
	return -1
}

// pairsAtMost is the pairs the blocks hold, counted rule by rule: what [Blocker.Pairs]
// produces at most (a pair that two rules block is produced once), and enough for a
// progress bar.
func (b *Blocker) pairsAtMost() int64 {
	var total int64
	for _, run := range b.runs {
		n := int64(run.end - run.start)
		if !b.link {
			total += n * (n - 1) / 2
			continue
		}
		var a int64
		for _, i := range run.order[run.start:run.end] {
			if b.recs[i].Source == b.recs[run.order[run.start]].Source {
				a++
			}
		}
		total += a * (n - a)
	}
	return total
}

// Stats returns per-rule figures; Pairs is filled in by [Blocker.Pairs].
func (b *Blocker) Stats() []RuleStats { return slices.Clone(b.stats) }

// Pairs calls fn once for every candidate pair (i < j), from workers goroutines in
// parallel; fn's worker argument (0..workers-1) lets it keep per-worker state without
// locks. A pair found by several rules is produced only by the first. It returns early
// with ctx's error when ctx is done.
func (b *Blocker) Pairs(ctx context.Context, workers int, fn func(worker int, i, j int32)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	counts := make([][]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = make([]int64, len(b.Rules))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				k := int(next.Add(1) - 1)
				if k >= len(b.runs) {
					return
				}
				run := b.runs[k]
				counts[w][run.rule] += b.runPairs(w, run, fn)
			}
		}()
	}
	wg.Wait()
	for r := range b.stats {
		b.stats[r].Pairs = 0
		for w := range workers {
			b.stats[r].Pairs += counts[w][r]
		}
	}
	return ctx.Err()
}

// rulePairs calls fn for every pair in the blocks of rule r alone, including pairs other
// rules also produce, sequentially.
func (b *Blocker) rulePairs(ctx context.Context, r int, fn func(i, j int32)) error {
	for _, run := range b.runs {
		if run.rule != r {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ids := run.order[run.start:run.end]
		for x := 0; x < len(ids); x++ {
			for y := x + 1; y < len(ids); y++ {
				if b.link && b.recs[ids[x]].Source == b.recs[ids[y]].Source {
					continue
				}
				fn(ids[x], ids[y])
			}
		}
	}
	return nil
}

func (b *Blocker) runPairs(w int, run blockRun, fn func(worker int, i, j int32)) int64 {
	var n int64
	ids := run.order[run.start:run.end]
	for x := 0; x < len(ids); x++ {
		i := ids[x]
		for y := x + 1; y < len(ids); y++ {
			j := ids[y]
			if b.link && b.recs[i].Source == b.recs[j].Source {
				continue
			}
			dup := false
			for q := 0; q < run.rule; q++ {
				if b.covered(q, i, j) {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			n++
			fn(w, i, j)
		}
	}
	return n
}

// parallelRange splits [0,n) across the available cores.
func parallelRange(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 4096 || workers == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += step {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+step, n))
	}
	wg.Wait()
}
