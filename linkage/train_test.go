package linkage

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestEMPlanted draws comparison patterns from a known two-class model and checks that
// EM, started from its usual neutral point, recovers m, u and the match share.
func TestEMPlanted(t *testing.T) {
	fields := []Field{{Name: "a", Kind: KindExact}, {Name: "b", Kind: KindPostcodeUK}, {Name: "c", Kind: KindDate}, {Name: "d", Kind: KindString}}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	trueM := [][]float64{{0.9, 0.1}, {0.7, 0.15, 0.08, 0.04, 0.03}, {0.8, 0.05, 0.08, 0.03, 0.02, 0.01, 0.01}, {0.6, 0.2, 0.1, 0.05, 0.05}}
	trueU := [][]float64{{0.05, 0.95}, {0.01, 0.02, 0.07, 0.2, 0.7}, {0.02, 0.01, 0.02, 0.05, 0.2, 0.1, 0.6}, {0.03, 0.02, 0.05, 0.2, 0.7}}
	const lambda = 0.3
	r := rand.New(rand.NewPCG(7, 7))
	draw := func(p []float64) int {
		x := r.Float64()
		for l, q := range p {
			if x < q {
				return l
			}
			x -= q
		}
		return len(p) - 1
	}
	patterns := map[uint64]float64{}
	for range 400_000 {
		probs := trueU
		if r.Float64() < lambda {
			probs = trueM
		}
		var key uint64
		for f := range fields {
			key |= uint64(draw(probs[f])+1) << (4 * f)
		}
		patterns[key]++
	}
	opt := TrainOptions{}
	opt.defaults()
	for f := range fields {
		for l := range m.Params[f].Levels {
			m.Params[f].Levels[l].U = 1.0 / float64(len(m.Params[f].Levels)) // uninformed start
		}
	}
	got, iters := em(m, patterns, opt, nil)
	if math.Abs(got-lambda) > 0.01 {
		t.Errorf("em match share = %.4f, want %.2f ± 0.01 (after %d iterations)", got, lambda, iters)
	}
	for f := range fields {
		for l, lp := range m.Params[f].Levels {
			if math.Abs(lp.M-trueM[f][l]) > 0.01 {
				t.Errorf("em m[%s][%s] = %.4f, want %.3f ± 0.01", fields[f].Name, lp.Level, lp.M, trueM[f][l])
			}
		}
	}
}

// TestExplainGolden fixes the explanation of one pair under a fixed model, so that a
// change to a comparison or a weight shows up as a diff a reviewer can read.
func TestExplainGolden(t *testing.T) {
	fields := []Field{
		{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate},
		{Name: "postcode", Kind: KindPostcodeUK}, {Name: "phone", Kind: KindPhone},
	}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	// Fixed, distinct parameters: m halves and u doubles level by level.
	for f := range m.Params {
		lv := m.Params[f].Levels
		for l := range lv {
			lv[l].M = math.Pow(0.5, float64(l+1))
			lv[l].U = math.Pow(0.5, float64(len(lv)-l))
		}
	}
	m.Prior = 1e-3
	m.TFMin = 1e-3
	m.compile(m.Schema())
	s := m.Schema()
	recs := []Record{
		s.Prepare("r1", []string{"Elizabeth", "Achterberg", "2016-04-09", "LS6 1AB", "07700 900123"}),
		s.Prepare("r2", []string{"Libby", "achterberg", "2016-09-04", "LS6 1ZZ", ""}),
		s.Prepare("r3", []string{"Tom", "Smith", "2012-01-01", "M1 1AB", ""}),
		s.Prepare("r4", []string{"Ann", "Smith", "2011-02-02", "M2 1AB", ""}),
	}
	for i := range 16 {
		recs = append(recs, s.Prepare("s", []string{"Jo", "Smith", "2010-01-01", "M3 1AB", strconv.Itoa(i)}))
	}
	s.SetFrequencies(recs)
	var buf bytes.Buffer
	e := m.Explain(&recs[0], &recs[1])
	if err := m.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	for _, f := range e.Fields {
		buf.WriteString(f.Field + " " + f.Level + " " + formatWeight(f.Weight))
		if f.TF {
			buf.WriteString(" tf")
		}
		buf.WriteString("\n")
	}
	buf.WriteString("total " + formatWeight(e.Weight) + " probability " + formatWeight(e.Probability) + "\n")
	const golden = "testdata/explain.golden"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run ExplainGolden -update to create it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Explain(r1, r2) =\n%s\nwant\n%s", got, want)
	}
	sum := 0.0
	for _, f := range e.Fields {
		sum += f.Weight
	}
	if math.Abs(sum-e.Weight) > 1e-9 {
		t.Errorf("sum of field weights = %v, want total %v", sum, e.Weight)
	}
	// Term frequency: agreeing on a rare surname weighs more than on a common one.
	rare := m.Explain(&recs[0], &recs[1]).Fields[1].Weight
	common := m.Explain(&recs[2], &recs[3]).Fields[1].Weight
	if !(rare > common) {
		t.Errorf("surname weight achterberg = %.3f, smith = %.3f; want achterberg > smith", rare, common)
	}
}

func formatWeight(w float64) string {
	return strconvFormat(w)
}

func TestModelJSONRoundTrip(t *testing.T) {
	m, err := NewModel([]Field{{Name: "given", Kind: KindGivenName}, {Name: "dob", Kind: KindDate, DateFormat: "DD/MM/YYYY"}})
	if err != nil {
		t.Fatal(err)
	}
	m.Params[0].Levels[0].M = 0.93
	m.compile(m.Schema())
	var buf bytes.Buffer
	if err := m.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Schema()
	a, b := s.Prepare("a", []string{"Tom", "03/04/2015"}), s.Prepare("b", []string{"tom", "04/03/2015"})
	if x, y := got.Score(&a, &b), m.Score(&a, &b); x != y {
		t.Errorf("Score after JSON round trip = %v, want %v", x, y)
	}
	bad := []struct {
		name, json string
	}{
		{"unknown type", `{"fields":[{"name":"x","type":"colour"}],"prior":0.1,"params":[]}`},
		{"params mismatch", `{"fields":[{"name":"x","type":"exact"}],"prior":0.1,"params":[]}`},
		{"prior out of range", `{"fields":[{"name":"x","type":"exact"}],"prior":0,"params":[{"field":"x","levels":[{"level":"exact","m":0.9,"u":0.1},{"level":"else","m":0.1,"u":0.9}]}]}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadModel(bytes.NewBufferString(tt.json)); err == nil {
				t.Errorf("ReadModel(%s) = nil error, want an error", tt.json)
			}
		})
	}
}
