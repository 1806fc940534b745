package linkage

import (
	"context"
	"slices"
	"sync"
)

// An Edge is a scored candidate pair.
type Edge struct {
	A, B   int32
	Weight float32
}

// ScorePairs scores every blocked pair on both cores and keeps those with weight at
// least minWeight. The pair loop does not allocate except to grow the kept edges.
func ScorePairs(ctx context.Context, m *Model, recs []Record, b *Blocker, minWeight float64, workers int, progress func(done int64)) ([]Edge, error) {
	if workers <= 0 {
		workers = 2
	}
	out := make([][]Edge, workers)
	count := make([]int64, workers)
	var mu sync.Mutex
	var done int64
	err := b.Pairs(ctx, workers, func(w int, i, j int32) {
		wt := m.Score(&recs[i], &recs[j])
		if wt >= minWeight {
			out[w] = append(out[w], Edge{A: i, B: j, Weight: float32(wt)})
		}
		if progress != nil {
			count[w]++
			if count[w]&0xffff == 0 {
				mu.Lock()
				done += 0x10000
				progress(done)
				mu.Unlock()
			}
		}
	})
	var all []Edge
	for _, e := range out {
		all = append(all, e...)
	}
	return all, err
}

// Cluster groups n records joined by edges of weight at least threshold and returns a
// cluster number per record (the smallest record index in its cluster).
//
// Edges are taken strongest first. Two groups are joined only if at least a share guard
// of the possible pairs between them are above the threshold (when both groups have
// more than one record, at least two such pairs). This is the chain guard: one bad
// link between two families, or a chain of middling links, does not merge them, while
// true duplicates, which resemble each other, pass it. guard 0 is plain single linkage.
// When linking two files, source gives each record's file and only pairs across files
// count as possible; otherwise pass nil.
func Cluster(n int, edges []Edge, threshold, guard float64, source []uint8) []int {
	var strong []Edge
	for _, e := range edges {
		if float64(e.Weight) >= threshold && e.A != e.B {
			strong = append(strong, e)
		}
	}
	slices.SortFunc(strong, func(x, y Edge) int {
		switch {
		case x.Weight > y.Weight:
			return -1
		case x.Weight < y.Weight:
			return 1
		case x.A != y.A:
			return int(x.A - y.A)
		}
		return int(x.B - y.B)
	})
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	var members map[int32][]int32
	var adj map[int32][]int32
	if guard > 0 {
		members = map[int32][]int32{}
		adj = map[int32][]int32{}
		for _, e := range strong {
			adj[e.A] = append(adj[e.A], e.B)
			adj[e.B] = append(adj[e.B], e.A)
		}
	}
	group := func(r int32) []int32 {
		if g, ok := members[r]; ok {
			return g
		}
		return []int32{r}
	}
	for _, e := range strong {
		ra, rb := find(e.A), find(e.B)
		if ra == rb {
			continue
		}
		if guard > 0 {
			ga, gb := group(ra), group(rb)
			if len(ga) > len(gb) {
				ga, gb, ra, rb = gb, ga, rb, ra
			}
			if len(gb) > 1 {
				support := 0
				for _, x := range ga {
					for _, y := range adj[x] {
						if find(y) == rb {
							support++
						}
					}
				}
				possible := len(ga) * len(gb)
				if source != nil {
					var ca, cb [2]int
					for _, x := range ga {
						ca[source[x]&1]++
					}
					for _, x := range gb {
						cb[source[x]&1]++
					}
					possible = ca[0]*cb[1] + ca[1]*cb[0]
				}
				need := guard * float64(possible)
				if len(ga) > 1 && possible > 1 {
					need = max(need, 2)
				}
				if float64(support) < need {
					continue
				}
			}
			members[rb] = append(gb, ga...)
			delete(members, ra)
		}
		parent[ra] = rb
	}
	// Label each cluster by its smallest member.
	label := make([]int, n)
	low := make([]int32, n)
	for i := range low {
		low[i] = -1
	}
	for i := range n {
		r := find(int32(i))
		if low[r] < 0 {
			low[r] = int32(i)
		}
		label[i] = int(low[r])
	}
	return label
}
