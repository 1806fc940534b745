package linkage

import (
	"context"
	"strings"
	"testing"
)

// TestFEBRLAuto links FEBRL 1–3 (deduplication) and each set's originals against its
// duplicates (A–B) with a configuration that gives fields and types only: blocking
// rules are chosen from the data, without labels.
func TestFEBRLAuto(t *testing.T) {
	c := loadConfig(t, "testdata/febrl_auto.json")
	if len(c.Blocking) != 0 {
		t.Fatalf("testdata/febrl_auto.json has blocking rules %v, want none", c.Blocking)
	}
	for _, tt := range []struct {
		name string
		file string
		link bool
	}{
		{"FEBRL 1", "dataset1.csv", false},
		{"FEBRL 2", "dataset2.csv", false},
		{"FEBRL 3", "dataset3.csv", false},
		{"FEBRL 1 A–B", "dataset1.csv", true},
		{"FEBRL 2 A–B", "dataset2.csv", true},
		{"FEBRL 3 A–B", "dataset3.csv", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchema(c.Fields)
			if err != nil {
				t.Fatal(err)
			}
			tb := readTable(t, c, s, febrlPath(t, tt.file), 0)
			var src []uint8
			if tt.link {
				src = make([]uint8, len(tb.Records))
				for i := range tb.Records {
					if strings.Contains(tb.Records[i].ID, "-dup-") {
						tb.Records[i].Source = 1
					}
					src[i] = tb.Records[i].Source
				}
			}
			res, err := c.Run(context.Background(), s, tb.Records, tt.link, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Auto == nil {
				t.Fatal("Run without blocking rules returned no AutoReport")
			}
			kept, all := blockingRecall(res.Blocker, tb.Truth)
			var m Metrics
			if tt.link {
				m = EvaluateLink(res.Clusters, tb.Truth, src)
			} else {
				m = Evaluate(res.Clusters, tb.Truth)
			}
			a := res.Auto
			t.Logf("%s: %d candidates, first pass %d rules, %d pairs sampled, %.0f probable matches, estimated recall %.4f (first pass %.4f), %d pairs", tt.name, a.Candidates, len(a.FirstPass), a.Sampled, a.Matches, a.Recall, a.FirstPassR, a.Pairs)
			for _, ch := range a.Chosen {
				t.Logf("  %-44s pairs %7d recall %.4f gain %.4f", ch.Rule, ch.Pairs, ch.Recall, ch.Gain)
			}
			t.Logf("  blocking recall %d/%d; %s", kept, all, m)
			if f1 := m.F1(); f1 < 0.995 {
				t.Errorf("%s with rules chosen from the data: F1 = %.4f, want >= 0.995", tt.name, f1)
			}
		})
	}
}
