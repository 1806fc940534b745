package linkage

import (
	"slices"
	"strings"
	"testing"
)

func TestCluster(t *testing.T) {
	// Two families of three, each fully linked, and one bad link between them.
	families := []Edge{
		{0, 1, 20}, {0, 2, 18}, {1, 2, 19},
		{3, 4, 20}, {3, 5, 17}, {4, 5, 21},
	}
	bad := Edge{2, 3, 25}
	tests := []struct {
		name      string
		edges     []Edge
		threshold float64
		guard     int
		want      []int
	}{
		{"single linkage chains the families", append(slices.Clone(families), bad), 10, 0, []int{0, 0, 0, 0, 0, 0}},
		{"guard refuses one bad link", append(slices.Clone(families), bad), 10, 2, []int{0, 0, 0, 3, 3, 3}},
		{"guard allows a well-supported merge", append(slices.Clone(families), bad, Edge{1, 4, 12}, Edge{0, 5, 12}), 10, 2, []int{0, 0, 0, 0, 0, 0}},
		{"threshold drops weak links", families, 19.5, 0, []int{0, 0, 2, 3, 3, 3}},
		{"long chain is cut", []Edge{{0, 1, 20}, {1, 2, 15}, {2, 3, 12}, {3, 4, 16}, {4, 5, 20}}, 10, 2, []int{0, 0, 0, 3, 3, 3}},
		{"star around an original stays", []Edge{{0, 1, 20}, {0, 2, 15}, {0, 3, 12}, {0, 4, 16}}, 10, 2, []int{0, 0, 0, 0, 0, 5}},
		{"no edges", nil, 0, 2, []int{0, 1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cluster(6, tt.edges, tt.threshold, tt.guard); !slices.Equal(got, tt.want) {
				t.Errorf("Cluster(threshold %v, guard %v) = %v, want %v", tt.threshold, tt.guard, got, tt.want)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name       string
		pred       []int
		truth      []string
		tp, fp, fn int64
	}{
		{"perfect", []int{0, 0, 2}, []string{"a", "a", "b"}, 1, 0, 0},
		{"over-merged", []int{0, 0, 0}, []string{"a", "a", "b"}, 1, 2, 0},
		{"split", []int{0, 1, 2, 2}, []string{"a", "a", "a", "b"}, 0, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.pred, tt.truth)
			if got != (Metrics{tt.tp, tt.fp, tt.fn}) {
				t.Errorf("Evaluate(%v, %v) = %+v, want TP %d FP %d FN %d", tt.pred, tt.truth, got, tt.tp, tt.fp, tt.fn)
			}
		})
	}
	got := EvaluateLink([]int{0, 0, 0, 3}, []string{"a", "a", "a", "b"}, []uint8{0, 1, 1, 0})
	if want := (Metrics{TP: 2}); got != want {
		t.Errorf("EvaluateLink = %+v, want %+v", got, want)
	}
}

func TestReadConfigErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"unknown type", `{"id":"id","fields":[{"name":"a","type":"colour"}]}`, `unknown comparison type "colour"`},
		{"bad date format", `{"id":"id","fields":[{"name":"d","type":"date","date_format":"YYYY/MMM"}]}`, `bad date format`},
		{"missing id", `{"fields":[{"name":"a","type":"exact"}]}`, `"id"`},
		{"unknown member", `{"id":"id","fields":[{"name":"a","type":"exact"}],"treshold":0.9}`, `unknown field "treshold"`},
		{"blocking on unknown field", `{"id":"id","fields":[{"name":"a","type":"exact"}],"blocking":[{"on":[{"field":"b"}]}]}`, `"b" is not a compared field`},
		{"bad threshold", `{"id":"id","fields":[{"name":"a","type":"exact"}],"threshold":2}`, `threshold`},
		{"duplicate field", `{"id":"id","fields":[{"name":"a","type":"exact"},{"name":"a","type":"string"}]}`, `listed twice`},
		{"negative budget", `{"id":"id","fields":[{"name":"a","type":"exact"}],"max_pairs":-1}`, `max_pairs -1 must be positive`},
		{"unknown transform", `{"id":"id","fields":[{"name":"a","type":"exact"}],"blocking":[{"on":[{"field":"a","transform":"soundex"}]}]}`, `unknown transform "soundex" (want "" (the value itself), first, first3, phonetic, year, year_month, district, last3 or nickname)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadConfig(strings.NewReader(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadConfig(%s) error = %v, want one containing %s", tt.json, err, tt.want)
			}
		})
	}
}

func TestReadCSVMissingColumn(t *testing.T) {
	c, err := ReadConfig(strings.NewReader(`{"id":"id","fields":[{"name":"given","type":"given_name"},{"name":"dob","type":"date"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadCSV(strings.NewReader("id, given\n1, Tom\n"), s, 0)
	if err == nil || !strings.Contains(err.Error(), `missing column "dob"`) {
		t.Errorf("ReadCSV error = %v, want missing column \"dob\"", err)
	}
}

// TestReadCSVDates checks that a date column mostly unreadable in the configured layout
// is refused with the column, the layout and the first bad value named, while a few bad
// dates among good ones are read as missing.
func TestReadCSVDates(t *testing.T) {
	tests := []struct {
		name, layout, csv, want string // want "" for no error
	}{
		{"UK dates without a format", "", "id,dob\n1,04/03/2001\n2,05/06/1999\n3,2001-03-04\n", `column "dob": 2 of 3 dates do not read as YYYY-MM-DD or YYYYMMDD (no date_format given), the first "04/03/2001" in record 1 (id 1)`},
		{"ISO dates with a UK format", "DD/MM/YYYY", "id,dob\n1,2001-03-04T10\n2,1999-06-05 12:00\n", `2 of 2 dates do not read as DD/MM/YYYY`},
		{"a few bad dates", "DD/MM/YYYY", "id,dob\n1,04/03/2001\n2,31/02/2001\n3,05/06/1999\n4,not known\n5,01/01/1990\n", ""},
		{"half bad is tolerated", "DD/MM/YYYY", "id,dob\n1,04/03/2001\n2,31/02/2001\n", ""},
		{"empty dates are missing, not bad", "", "id,dob\n1,\n2,\n3,2001-03-04\n", ""},
		{"partial ISO dates read", "DD/MM/YYYY", "id,dob\n1,2001\n2,2001-03\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{ID: "id", Fields: []Field{{Name: "dob", Kind: KindDate, DateFormat: tt.layout}}}
			s, err := NewSchema(c.Fields)
			if err != nil {
				t.Fatal(err)
			}
			tb, err := c.ReadCSV(strings.NewReader(tt.csv), s, 0)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ReadCSV error = %v, want none", err)
			case tt.want == "" && len(tb.Records) != strings.Count(tt.csv, "\n")-1:
				t.Errorf("ReadCSV read %d records, want %d", len(tb.Records), strings.Count(tt.csv, "\n")-1)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ReadCSV error = %v, want one containing %s", err, tt.want)
			}
		})
	}
}

func TestClusterConflict(t *testing.T) {
	// Two twins, each typed twice; every pair links, the twin pairs most strongly.
	edges := []Edge{{0, 1, 30}, {2, 3, 30}, {0, 2, 25}, {0, 3, 24}, {1, 2, 24}, {1, 3, 23}}
	nhs := []string{"A", "A", "B", ""} // record 3 has no NHS number
	conflict := func(a, b int32) bool { return nhs[a] != "" && nhs[b] != "" && nhs[a] != nhs[b] }
	tests := []struct {
		name     string
		conflict func(a, b int32) bool
		want     []int
	}{
		{"without conflicts the twins merge", nil, []int{0, 0, 0, 0}},
		{"different NHS numbers keep them apart", conflict, []int{0, 0, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClusterConflict(4, edges, 10, 2, tt.conflict); !slices.Equal(got, tt.want) {
				t.Errorf("ClusterConflict = %v, want %v", got, tt.want)
			}
		})
	}
	s, err := NewSchema([]Field{{Name: "nhs", Kind: KindNHSNumber}})
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{s.Prepare("a", []string{"9434765919"}), s.Prepare("b", []string{"4010232137"}), s.Prepare("c", []string{"9434765918"})}
	c := s.Conflict(recs)
	for _, tt := range []struct {
		a, b int32
		want bool
	}{{0, 1, true}, {0, 2, false}, {0, 0, false}} {
		if got := c(tt.a, tt.b); got != tt.want {
			t.Errorf("Conflict(%s, %s) = %v, want %v", recs[tt.a].ID, recs[tt.b].ID, got, tt.want)
		}
	}
}
