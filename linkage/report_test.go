package linkage

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bonafide/synth"
)

func TestEvalReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "people.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.PeopleCSV(context.Background(), 7, 2000, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c := loadConfig(t, "testdata/people.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	tb := readTable(t, c, s, path, 0)
	res, err := c.Run(context.Background(), s, tb.Records, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Evaluate(tb.Truth, c.Threshold)
	if want := Evaluate(res.Clusters, tb.Truth); rep.Pairs != want {
		t.Errorf("Evaluate().Pairs = %v, want %v", rep.Pairs, want)
	}
	var perRule int64
	for _, r := range rep.Rules {
		perRule += r.TruePairs
	}
	if rep.TruePairs == 0 || rep.BlockedTruePairs > rep.TruePairs || perRule != rep.BlockedTruePairs {
		t.Errorf("blocking: %d of %d true pairs kept, %d by rule; want 0 < kept <= true and the rules summing to kept", rep.BlockedTruePairs, rep.TruePairs, perRule)
	}
	if len(rep.Rules) != len(res.Blocker.Stats()) || len(rep.Curve) != len(CurveProbabilities) {
		t.Errorf("report has %d rules and %d curve points, want %d and %d", len(rep.Rules), len(rep.Curve), len(res.Blocker.Stats()), len(CurveProbabilities))
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"records 2", "pairwise precision ", "blocking keeps ", "blocking rule", "probability precision"} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("WriteText lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWriteClusters(t *testing.T) {
	recs := []Record{{ID: "x"}, {ID: "y"}, {ID: "z"}, {ID: "w"}}
	var out bytes.Buffer
	if err := WriteClusters(&out, recs, []int{7, 3, 7, 9}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "id,cluster\nx,1\ny,2\nz,1\nw,3\n"; got != want {
		t.Errorf("WriteClusters = %q, want %q (numbered in order of first appearance)", got, want)
	}
}
