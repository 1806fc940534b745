package linkage

import (
	"context"
	"runtime"
	"slices"
	"sync"
)

// An Edge is a scored candidate pair.
type Edge struct {
	A, B   int32
	Weight float32
}

// ScorePairs scores every blocked pair on all cores (workers ≤ 0) or workers goroutines and keeps those with weight at
// least minWeight. The pair loop does not allocate except to grow the kept edges.
func ScorePairs(ctx context.Context, m *Model, recs []Record, b *Blocker, minWeight float64, workers int, progress func(done int64)) ([]Edge, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
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
// It starts from single linkage (connected components) and then applies the chain
// guard: a link that is the only connection between two parts of a cluster (a bridge),
// each part holding at least guard records, is cut, weakest first, until none is left.
// One bad link between two families, or a long chain of middling links, therefore does
// not merge them, while a record joined to a family by its one best link stays. guard 0
// is plain single linkage; 2 is the usual setting.
func Cluster(n int, edges []Edge, threshold float64, guard int) []int {
	return ClusterConflict(n, edges, threshold, guard, nil)
}

// ClusterConflict is [Cluster] with "cannot link" knowledge: conflict(a, b) reports that
// records a and b cannot be one person (two different valid NHS numbers, say). Edges are
// then taken strongest first and two groups are not joined when any record of one
// conflicts with any record of the other, so that twins or a parent and child who look
// alike on every other field stay apart. Groups too large to check pair by pair (over
// 4,096 cross pairs) are joined unchecked.
func ClusterConflict(n int, edges []Edge, threshold float64, guard int, conflict func(a, b int32) bool) []int {
	adj := make(map[int32][]half)
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
	var strong []Edge
	for _, e := range edges {
		if float64(e.Weight) >= threshold && e.A != e.B {
			strong = append(strong, e)
		}
	}
	var members map[int32][]int32
	if conflict != nil {
		members = map[int32][]int32{}
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
	}
	group := func(r int32) []int32 {
		if g, ok := members[r]; ok {
			return g
		}
		return []int32{r}
	}
	for _, e := range strong {
		ra, rb := find(e.A), find(e.B)
		if ra != rb && conflict != nil {
			ga, gb := group(ra), group(rb)
			if len(ga)*len(gb) <= 4096 && anyConflict(ga, gb, conflict) {
				continue
			}
			members[rb] = append(gb, ga...)
			delete(members, ra)
		}
		if guard > 0 {
			adj[e.A] = append(adj[e.A], half{e.B, e.Weight})
			adj[e.B] = append(adj[e.B], half{e.A, e.Weight})
		}
		if ra != rb {
			parent[ra] = rb
		}
	}
	if guard > 0 {
		comps := map[int32][]int32{}
		for x := range adj {
			r := find(x)
			comps[r] = append(comps[r], x)
		}
		for _, nodes := range comps {
			if len(nodes) < 2*guard {
				continue
			}
			for _, part := range splitChains(nodes, adj, guard) {
				for _, x := range part {
					parent[x] = part[0]
				}
				parent[part[0]] = part[0]
			}
		}
	}
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

func anyConflict(ga, gb []int32, conflict func(a, b int32) bool) bool {
	for _, a := range ga {
		for _, b := range gb {
			if conflict(a, b) {
				return true
			}
		}
	}
	return false
}

type half struct {
	to int32
	w  float32
}

// splitChains cuts, weakest first, the bridges of the connected graph on nodes whose two
// sides both hold at least guard nodes, and returns the resulting parts.
func splitChains(nodes []int32, adj map[int32][]half, guard int) [][]int32 {
	cut := map[[2]int32]bool{}
	key := func(a, b int32) [2]int32 {
		if a > b {
			a, b = b, a
		}
		return [2]int32{a, b}
	}
	work := [][]int32{nodes}
	var done [][]int32
	for len(work) > 0 {
		part := work[len(work)-1]
		work = work[:len(work)-1]
		if len(part) < 2*guard {
			done = append(done, part)
			continue
		}
		a, b, ok := weakestBridge(part, adj, cut, key, guard)
		if !ok {
			done = append(done, part)
			continue
		}
		cut[key(a, b)] = true
		work = append(work, components(part, adj, cut, key)...)
	}
	return done
}

// weakestBridge finds, by an iterative Tarjan walk, the weakest bridge with at least
// guard nodes on each side.
func weakestBridge(part []int32, adj map[int32][]half, cut map[[2]int32]bool, key func(a, b int32) [2]int32, guard int) (int32, int32, bool) {
	disc := make(map[int32]int, len(part))
	low := make(map[int32]int, len(part))
	size := make(map[int32]int, len(part))
	type frame struct {
		v, parent int32
		next      int
	}
	var best [2]int32
	bestW := float32(0)
	found := false
	t := 0
	root := part[0]
	stack := []frame{{v: root, parent: -1}}
	t++
	disc[root], low[root], size[root] = t, t, 1
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(adj[f.v]) {
			h := adj[f.v][f.next]
			f.next++
			if h.to == f.parent || cut[key(f.v, h.to)] {
				continue
			}
			if d, seen := disc[h.to]; seen {
				low[f.v] = min(low[f.v], d)
				continue
			}
			t++
			disc[h.to], low[h.to], size[h.to] = t, t, 1
			stack = append(stack, frame{v: h.to, parent: f.v})
			continue
		}
		v, p := f.v, f.parent
		stack = stack[:len(stack)-1]
		if p < 0 {
			continue
		}
		low[p] = min(low[p], low[v])
		size[p] += size[v]
		if low[v] > disc[p] && size[v] >= guard && len(part)-size[v] >= guard {
			var w float32
			for _, h := range adj[v] {
				if h.to == p {
					w = h.w
				}
			}
			if !found || w < bestW || w == bestW && key(v, p)[0] < best[0] {
				best, bestW, found = [2]int32{v, p}, w, true
			}
		}
	}
	return best[0], best[1], found
}

// components splits part into connected pieces ignoring cut edges.
func components(part []int32, adj map[int32][]half, cut map[[2]int32]bool, key func(a, b int32) [2]int32) [][]int32 {
	seen := make(map[int32]bool, len(part))
	var out [][]int32
	for _, s := range part {
		if seen[s] {
			continue
		}
		comp := []int32{s}
		seen[s] = true
		for k := 0; k < len(comp); k++ {
			v := comp[k]
			for _, h := range adj[v] {
				if !seen[h.to] && !cut[key(v, h.to)] {
					seen[h.to] = true
					comp = append(comp, h.to)
				}
			}
		}
		slices.Sort(comp)
		out = append(out, comp)
	}
	return out
}
