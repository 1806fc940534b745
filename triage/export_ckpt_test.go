package triage

import (
	"fmt"
	"io"
	"strings"
)

// CheckpointSizes writes to w, for each unit of the state (a field, its ranges
// or parts together), how many segments of segs it has and their bytes,
// and of those the ones with bytes (changed, when segs came from
// Engine.Segments with the stored digests).
func CheckpointSizes(w io.Writer, segs []Segment) {
	type sum struct {
		n, changed     int
		bytes, written int64
	}
	var order []string
	sums := map[string]*sum{}
	var total sum
	for _, sg := range segs {
		unit := sg.Name
		if i := strings.IndexAny(unit, "#%"); i >= 0 {
			unit = unit[:i]
		}
		s := sums[unit]
		if s == nil {
			s = &sum{}
			sums[unit] = s
			order = append(order, unit)
		}
		for _, s := range []*sum{s, &total} {
			s.n++
			s.bytes += sg.Size
			if sg.Data != nil {
				s.changed++
				s.written += sg.Size
			}
		}
	}
	order = append(order, "total")
	sums["total"] = &total
	for _, u := range order {
		s := sums[u]
		fmt.Fprintf(w, "%-28s %5d segments %10d KB, changed %5d %10d KB\n", u, s.n, s.bytes/1000, s.changed, s.written/1000)
	}
}
