package triage

import (
	"strings"
	"testing"
)

// CheckpointSizes logs the bytes each unit of e's state takes in its
// checkpoint, its segments summed, and how many segments it has.
func CheckpointSizes(t testing.TB, e *Engine) {
	segs, err := e.Segments(nil)
	if err != nil {
		t.Fatal(err)
	}
	type sum struct {
		n     int
		bytes int64
	}
	var order []string
	sums := map[string]*sum{}
	var total int64
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
		s.n++
		s.bytes += sg.Size
		total += sg.Size
	}
	for _, u := range order {
		t.Logf("%-28s %5d segments %10d KB", u, sums[u].n, sums[u].bytes/1000)
	}
	t.Logf("%-28s %5d segments %10d KB", "total", len(segs), total/1000)
}
