package linkage

import (
	"context"
	"testing"
)

// TestIndexFEBRL adds FEBRL 3 one record at a time, with a model trained on the same
// file in batch, and checks that online linking finds nearly what batch linking finds.
func TestIndexFEBRL(t *testing.T) {
	c := loadConfig(t, "testdata/febrl.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	tb := readTable(t, c, s, febrlPath(t, "dataset3.csv"), 0)
	res, err := c.Run(context.Background(), s, tb.Records, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(res.Model, c.Blocking, c.Threshold, c.MaxBlock)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int, len(tb.Records))
	for i, r := range tb.Records {
		got[i], _ = x.Add(r)
	}
	m := Evaluate(got, tb.Truth)
	t.Logf("online FEBRL 3: %s", m)
	if m.F1() < 0.99 {
		t.Errorf("online add FEBRL 3 F1 = %.4f, want >= 0.99", m.F1())
	}
	// A query for a known record finds its entity first, with an explanation.
	q := tb.Records[10]
	ms := x.Query(q, 0.5, 3)
	if len(ms) == 0 || ms[0].Entity != got[10] {
		t.Fatalf("Query(%s) = %+v, want entity %d first", q.ID, ms, got[10])
	}
	if len(ms[0].Why.Fields) != len(c.Fields) || ms[0].Why.Weight != ms[0].Weight {
		t.Errorf("Query(%s) explanation = %+v, want %d fields adding to %v", q.ID, ms[0].Why, len(c.Fields), ms[0].Weight)
	}
}

func TestIndexAddConflict(t *testing.T) {
	off := false // with four records every name is common: no term-frequency adjustment
	fields := []Field{{Name: "g", Kind: KindGivenName, TF: &off}, {Name: "s", Kind: KindSurname, TF: &off}, {Name: "d", Kind: KindDate}, {Name: "nhs", Kind: KindNHSNumber}}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(m, []BlockRule{{On: []BlockKey{{Field: "s"}}}}, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The untrained model links on name and birthday; the NHS numbers decide.
	tests := []struct {
		name string
		raw  []string
		want int
	}{
		{"first twin", []string{"Ada", "Quill", "2019-05-01", "9434765919"}, 0},
		{"second twin, other NHS number", []string{"Ada", "Quill", "2019-05-01", "4010232137"}, 1},
		{"first twin again, no NHS number", []string{"Ada", "Quill", "2019-05-01", ""}, 0},
		{"second twin again", []string{"Ada", "Quill", "2019-05-01", "4010232137"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := x.Add(x.Prepare(tt.name, tt.raw)); got != tt.want {
				t.Errorf("Add(%v) = entity %d, want %d", tt.raw, got, tt.want)
			}
		})
	}
}
