package linkage

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestPeopleFile runs the whole pipeline on a people CSV named by BONAFIDE_PEOPLE_CSV
// (made with synth.PeopleCSV) and reports time, memory, blocking and F1.
func TestPeopleFile(t *testing.T) {
	path := os.Getenv("BONAFIDE_PEOPLE_CSV")
	if path == "" {
		t.Skip("set BONAFIDE_PEOPLE_CSV to a synth.PeopleCSV file to run")
	}
	c := loadConfig(t, "testdata/people.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tb := readTable(t, c, s, path, 0)
	read := time.Since(start)
	last := time.Now()
	res, err := c.Run(context.Background(), s, tb.Records, false, func(stage string, done, total int64) {
		if done == 0 {
			t.Logf("%s starts at %v", stage, time.Since(start))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = last
	total := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	kept, all := blockingRecall(res.Blocker, tb.Truth)
	m := Evaluate(res.Clusters, tb.Truth)
	t.Logf("%d records: read+prepare %v, total %v; heap sys %d MiB; blocking kept %d/%d (%.4f); %s; meta %v",
		len(tb.Records), read, total, ms.HeapSys>>20, kept, all, float64(kept)/float64(all), m, res.Model.Meta)
	for _, st := range res.Blocker.Stats() {
		t.Logf("  rule %s: %+v", st.Rule, st)
	}
}

func TestPeopleErrors(t *testing.T) {
	path := os.Getenv("BONAFIDE_PEOPLE_CSV")
	if path == "" {
		t.Skip("set BONAFIDE_PEOPLE_CSV")
	}
	c := loadConfig(t, "testdata/people.json")
	s, _ := NewSchema(c.Fields)
	tb := readTable(t, c, s, path, 0)
	res, err := c.Run(context.Background(), s, tb.Records, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{}
	f, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(f), "\n") {
		id, _, _ := strings.Cut(line, ",")
		raw[id] = line
	}
	nfp, nfn := 0, 0
	for _, e := range res.Edges {
		if float64(e.Weight) >= res.Threshold && tb.Truth[e.A] != tb.Truth[e.B] && nfp < 12 {
			nfp++
			t.Logf("FP %.1f\n  %s\n  %s\n  %+v", e.Weight, raw[tb.Records[e.A].ID], raw[tb.Records[e.B].ID], res.Model.Explain(&tb.Records[e.A], &tb.Records[e.B]).Fields)
		}
	}
	by := map[string][]int{}
	for i, e := range tb.Truth {
		by[e] = append(by[e], i)
	}
	for _, g := range by {
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				if res.Blocker.Covers(g[x], g[y]) < 0 && nfn < 12 {
					nfn++
					t.Logf("LOST\n  %s\n  %s", raw[tb.Records[g[x]].ID], raw[tb.Records[g[y]].ID])
				}
			}
		}
	}
}

func TestPeopleModel(t *testing.T) {
	path := os.Getenv("BONAFIDE_PEOPLE_CSV")
	if path == "" {
		t.Skip("set BONAFIDE_PEOPLE_CSV")
	}
	c := loadConfig(t, "testdata/people.json")
	s, _ := NewSchema(c.Fields)
	tb := readTable(t, c, s, path, 0)
	res, err := c.Run(context.Background(), s, tb.Records, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Labelled m for comparison.
	by := map[string][]int{}
	for i, e := range tb.Truth {
		by[e] = append(by[e], i)
	}
	lm := make([][]float64, len(s.Fields))
	for f := range s.Fields {
		lm[f] = make([]float64, len(s.Fields[f].Kind.Levels()))
	}
	for _, g := range by {
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				for f := range s.Fields {
					if l := s.Compare(f, &tb.Records[g[x]], &tb.Records[g[y]]); l >= 0 {
						lm[f][l]++
					}
				}
			}
		}
	}
	t.Logf("threshold %.2f prior %g", res.Threshold, res.Model.Prior)
	for f, fp := range res.Model.Params {
		tot := 0.0
		for _, v := range lm[f] {
			tot += v
		}
		for l, lp := range fp.Levels {
			t.Logf("%-12s %-22s m %.4f (labels %.4f) u %.6f w %.2f", fp.Field, lp.Level, lp.M, lm[f][l]/tot, lp.U, res.Model.w[f][l])
		}
	}
}
