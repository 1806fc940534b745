package linkage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const febrlDir = "/work/shared/data/febrl"

func febrlPath(t testing.TB, name string) string {
	t.Helper()
	if d := os.Getenv("BONAFIDE_FEBRL_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	p := filepath.Join(febrlDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("FEBRL data not found at %s (set BONAFIDE_FEBRL_DIR): %v", p, err)
	}
	return p
}

func loadConfig(t testing.TB, path string) *Config {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readTable(t testing.TB, c *Config, s *Schema, path string, source uint8) *Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := c.ReadCSV(f, s, source)
	if err != nil {
		t.Fatalf("ReadCSV(%s): %v", path, err)
	}
	return tb
}

// blockingRecall is the share of true pairs that some blocking rule produces.
func blockingRecall(b *Blocker, truth []string) (kept, all int) {
	by := map[string][]int{}
	for i, e := range truth {
		by[e] = append(by[e], i)
	}
	for _, g := range by {
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				all++
				if b.Covers(g[x], g[y]) >= 0 {
					kept++
				}
			}
		}
	}
	return kept, all
}

func TestFEBRL(t *testing.T) {
	c := loadConfig(t, "testdata/febrl.json")
	for _, name := range []string{"dataset1.csv", "dataset2.csv", "dataset3.csv"} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSchema(c.Fields)
			if err != nil {
				t.Fatal(err)
			}
			tb := readTable(t, c, s, febrlPath(t, name), 0)
			res, err := c.Run(context.Background(), s, tb.Records, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			kept, all := blockingRecall(res.Blocker, tb.Truth)
			m := Evaluate(res.Clusters, tb.Truth)
			t.Logf("%s: blocking recall %d/%d, pairs %v; %s", name, kept, all, res.Model.Meta, m)
			for _, st := range res.Blocker.Stats() {
				t.Logf("  rule %s: %+v", st.Rule, st)
			}
			if f1 := m.F1(); f1 < 0.995 {
				t.Errorf("FEBRL %s F1 = %.4f, want >= 0.995", name, f1)
			}
		})
	}
}

// TestFEBRLLinkAB splits each FEBRL set into originals (file A) and duplicates (file B)
// and links A to B, the FEBRL 4 setting, with the same configuration.
func TestFEBRLLinkAB(t *testing.T) {
	c := loadConfig(t, "testdata/febrl.json")
	for _, name := range []string{"dataset1.csv", "dataset3.csv"} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSchema(c.Fields)
			if err != nil {
				t.Fatal(err)
			}
			tb := readTable(t, c, s, febrlPath(t, name), 0)
			src := make([]uint8, len(tb.Records))
			for i := range tb.Records {
				if strings.Contains(tb.Records[i].ID, "-dup-") {
					tb.Records[i].Source = 1
				}
				src[i] = tb.Records[i].Source
			}
			res, err := c.Run(context.Background(), s, tb.Records, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			kept, all := blockingRecall(res.Blocker, tb.Truth)
			m := EvaluateLink(res.Clusters, tb.Truth, src)
			t.Logf("%s A–B: blocking kept %d of %d same-person pairs (within-file pairs are never blocked); %s", name, kept, all, m)
			if f1 := m.F1(); f1 < 0.995 {
				t.Errorf("FEBRL %s A–B F1 = %.4f, want >= 0.995", name, f1)
			}
		})
	}
}
