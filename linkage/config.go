package linkage

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A Config describes a batch linkage job over CSV files: which column identifies a
// record, how each compared column is compared, the blocking rules and the threshold.
// It is the JSON file given to `bonafide link --config`.
type Config struct {
	ID     string  `json:"id"`     // identifier column
	Fields []Field `json:"fields"` // compared columns
	// Blocking are the rules that choose the pairs to compare. Without them the rules
	// are chosen from the data ([ChooseBlocking]) within MaxPairs.
	Blocking []BlockRule `json:"blocking,omitempty"`
	// MaxPairs is the comparison budget of rules chosen from the data: the candidate
	// pairs they may produce, rule by rule (default 20 per record, at least 200,000).
	MaxPairs int64 `json:"max_pairs,omitempty"`
	// Threshold is the match probability above which two records are linked (default 0.5).
	Threshold float64 `json:"threshold,omitempty"`
	// Guard is the chain guard of [Cluster]: a lone link between two parts of a cluster
	// with at least this many records each is cut (default 2; 0 turns the guard off).
	Guard    *int `json:"guard,omitempty"`
	MaxBlock int  `json:"max_block,omitempty"` // blocks larger than this are skipped (default 5000)
	// Truth names a column holding the true entity, or "febrl" to read it from FEBRL
	// record ids (rec-123-org, rec-123-dup-0), for `bonafide link eval`.
	Truth string `json:"truth,omitempty"`
}

// ReadConfig reads and checks a JSON configuration. Unknown members are errors, because
// a misspelt option silently ignored is worse than a refusal.
func ReadConfig(r io.Reader) (*Config, error) {
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	var c Config
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) check() error {
	if c.ID == "" {
		return errors.New(`config: "id" (the identifier column) is required`)
	}
	s, err := NewSchema(c.Fields)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if c.Threshold == 0 {
		c.Threshold = 0.5
	}
	if !(c.Threshold > 0 && c.Threshold < 1) {
		return fmt.Errorf("config: threshold %v must be a probability between 0 and 1", c.Threshold)
	}
	if c.Guard == nil {
		g := 2
		c.Guard = &g
	}
	if *c.Guard < 0 {
		return fmt.Errorf("config: guard %d must be 0 (off) or more", *c.Guard)
	}
	if c.MaxPairs < 0 {
		return fmt.Errorf("config: max_pairs %d must be positive (or left out for the default)", c.MaxPairs)
	}
	for _, r := range c.Blocking {
		for _, k := range r.On {
			if s.FieldIndex(k.Field) < 0 {
				return fmt.Errorf("config: blocking rule %s: %q is not a compared field", r, k.Field)
			}
			if !transforms[k.Transform] {
				return fmt.Errorf("config: blocking rule %s: unknown transform %q (want %s)", r, k.Transform, transformList)
			}
		}
	}
	return nil
}

// DefaultBlocking derives blocking rules from field types alone: identifiers on their
// own, surname with date of birth and postcode, given name with surname. It serves an
// online [Index] begun without data to choose from, and [ChooseBlocking] when the data
// holds no probable matches to measure recall on; a batch run chooses from the data.
func DefaultBlocking(fields []Field) []BlockRule {
	first := map[Kind]string{}
	for _, f := range fields {
		if _, ok := first[f.Kind]; !ok {
			first[f.Kind] = f.Name
		}
	}
	var rules []BlockRule
	add := func(keys ...BlockKey) {
		for _, k := range keys {
			if k.Field == "" {
				return
			}
		}
		rules = append(rules, BlockRule{On: keys})
	}
	for _, k := range []Kind{KindNHSNumber, KindEmail, KindPhone, KindHandle, KindDevice} {
		add(BlockKey{Field: first[k]})
	}
	g, s, d, p := first[KindGivenName], first[KindSurname], first[KindDate], first[KindPostcodeUK]
	add(BlockKey{Field: s, Transform: "phonetic"}, BlockKey{Field: d, Transform: "year"})
	add(BlockKey{Field: p}, BlockKey{Field: s, Transform: "first"})
	add(BlockKey{Field: g}, BlockKey{Field: s})
	add(BlockKey{Field: d}, BlockKey{Field: g, Transform: "first"})
	add(BlockKey{Field: d}, BlockKey{Field: p, Transform: "district"})
	return rules
}

// A Table is a read CSV file: its prepared records and, when asked for, their truth
// labels.
type Table struct {
	Records []Record
	Truth   []string
}

// ReadCSV reads a CSV file with a header row, taking the configured columns. Spaces
// after commas are ignored (FEBRL writes ", "). Missing columns are reported by name.
func (c *Config) ReadCSV(r io.Reader, s *Schema, source uint8) (*Table, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	need := func(name string) (int, error) {
		i, ok := col[name]
		if !ok {
			return 0, fmt.Errorf("missing column %q (the header has %s)", name, strings.Join(head, ", "))
		}
		return i, nil
	}
	idc, err := need(c.ID)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(s.Fields))
	for i, f := range s.Fields {
		if idx[i], err = need(f.Name); err != nil {
			return nil, err
		}
	}
	truthc := -1
	if c.Truth != "" && c.Truth != "febrl" {
		if truthc, err = need(c.Truth); err != nil {
			return nil, err
		}
	}
	t := &Table{}
	var rows [][]string // id then the field values, prepared in parallel below
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		vals := make([]string, len(idx)+1)
		vals[0] = strings.Clone(strings.TrimSpace(row[idc]))
		for i, k := range idx {
			vals[i+1] = strings.Clone(strings.TrimSpace(row[k]))
		}
		rows = append(rows, vals)
		switch {
		case truthc >= 0:
			t.Truth = append(t.Truth, strings.Clone(row[truthc]))
		case c.Truth == "febrl":
			t.Truth = append(t.Truth, FEBRLEntity(vals[0]))
		}
	}
	t.Records = make([]Record, len(rows))
	parallelRange(len(rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t.Records[i] = s.Prepare(rows[i][0], rows[i][1:])
			t.Records[i].Source = source
		}
	})
	if err := checkDates(s, rows, t.Records); err != nil {
		return nil, err
	}
	return t, nil
}

// checkDates refuses a file whose date column is mostly unreadable in the configured
// layout: that is a wrong "date_format" (or none given for UK dates), and linking on
// would silently treat every date of birth as missing. A few unreadable dates are
// normal (typed by strangers) and count as missing. rows hold the id, then the raw
// field values.
func checkDates(s *Schema, rows [][]string, recs []Record) error {
	for f, fd := range s.Fields {
		if fd.Kind != KindDate {
			continue
		}
		given, bad, first := 0, 0, -1
		for i, r := range rows {
			if r[f+1] == "" {
				continue
			}
			given++
			if recs[i].vals[f].s == "" {
				bad++
				if first < 0 {
					first = i
				}
			}
		}
		if bad > 0 && 2*bad > given {
			layout := fd.DateFormat
			if layout == "" {
				layout = "YYYY-MM-DD or YYYYMMDD (no date_format given)"
			}
			return fmt.Errorf("column %q: %d of %d dates do not read as %s, the first %q in record %d (id %s): set the field's \"date_format\" to the file's layout, e.g. DD/MM/YYYY",
				fd.Name, bad, given, layout, rows[first][f+1], first+1, rows[first][0])
		}
	}
	return nil
}

// FEBRLEntity returns the person number of a FEBRL record id: "rec-123-dup-0" → "123".
func FEBRLEntity(id string) string {
	s := strings.TrimPrefix(id, "rec-")
	if i := strings.IndexByte(s, '-'); i >= 0 {
		return s[:i]
	}
	return s
}

// A Result is the outcome of [Run].
type Result struct {
	Model     *Model
	Blocker   *Blocker
	Auto      *AutoReport // how the rules were chosen, when the configuration gave none
	Edges     []Edge      // scored pairs at or above the lowest weight worth keeping
	Clusters  []int       // cluster number per record
	Threshold float64     // weight threshold used
	Guard     int         // chain guard used
	source    []uint8
	conflict  func(a, b int32) bool
}

// Run trains a model on recs without labels, scores the blocked pairs and clusters them.
// With link set only pairs across sources are scored (file A against file B). progress,
// if not nil, is called from time to time with a stage name and pairs scored so far.
func (c *Config) Run(ctx context.Context, s *Schema, recs []Record, link bool, progress func(stage string, done, total int64)) (*Result, error) {
	return c.RunModel(ctx, s, recs, link, nil, progress)
}

// RunModel is [Config.Run] scoring with a model saved earlier (see [ReadModel]) instead
// of training one, so that a reviewed model can be reused; m nil trains as Run does. The
// model's fields must be the configuration's.
func (c *Config) RunModel(ctx context.Context, s *Schema, recs []Record, link bool, m *Model, progress func(stage string, done, total int64)) (*Result, error) {
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	if m != nil {
		if err := sameFields(m.Fields, s.Fields); err != nil {
			return nil, err
		}
	}
	s.SetFrequencies(recs)
	rules := c.Blocking
	var auto *AutoReport
	if len(rules) == 0 {
		progress("choose blocking", 0, 0)
		var err error
		if auto, err = ChooseBlocking(ctx, s, recs, link, AutoOptions{MaxPairs: c.MaxPairs, MaxBlock: c.MaxBlock, Model: m}); err != nil {
			return nil, err
		}
		rules = auto.Rules()
	}
	b, err := NewBlocker(s, rules, recs, c.MaxBlock, link)
	if err != nil {
		return nil, err
	}
	var total int64
	if m == nil && auto != nil {
		// The first pass's model, trained on looser rules than those chosen, scores
		// the chosen rules' pairs: its prior is that of a pair at large.
		m = auto.Model
		m.Meta["blocking_chosen"] = auto
	}
	if m == nil {
		progress("train", 0, 0)
		if m, err = Train(ctx, s, recs, b, TrainOptions{}); err != nil {
			return nil, err
		}
		total, _ = m.Meta["blocked_pairs"].(int64)
	} else {
		// Counting the pairs exactly would take a pass over them all.
		total = b.pairsAtMost()
	}
	th := m.WeightAt(c.Threshold)
	keep := m.WeightAt(0.001)
	edges, err := ScorePairs(ctx, m, recs, b, min(keep, th), 0, func(done int64) { progress("score", done, total) })
	if err != nil {
		return nil, err
	}
	progress("score", total, total)
	guard := 0
	if c.Guard != nil {
		guard = *c.Guard
	}
	var src []uint8
	if link {
		src = make([]uint8, len(recs))
		for i := range recs {
			src[i] = recs[i].Source
		}
	}
	cl := ClusterConflict(len(recs), edges, th, guard, s.Conflict(recs))
	return &Result{Model: m, Blocker: b, Auto: auto, Edges: edges, Clusters: cl, Threshold: th, Guard: guard, source: src, conflict: s.Conflict(recs)}, nil
}

// Curve returns pairwise metrics of clustering at each match probability in probs,
// reusing the scored edges of r, for choosing a threshold with labels in hand.
func (r *Result) Curve(truth []string, probs []float64) []Metrics {
	out := make([]Metrics, len(probs))
	for i, p := range probs {
		cl := ClusterConflict(len(truth), r.Edges, r.Model.WeightAt(p), r.Guard, r.conflict)
		if r.source != nil {
			out[i] = EvaluateLink(cl, truth, r.source)
		} else {
			out[i] = Evaluate(cl, truth)
		}
	}
	return out
}

// sameFields reports, as an error, how a saved model's fields differ from a
// configuration's.
func sameFields(model, config []Field) error {
	if len(model) != len(config) {
		return fmt.Errorf("model has %d fields, configuration %d", len(model), len(config))
	}
	for i := range model {
		if model[i].Name != config[i].Name || model[i].Kind != config[i].Kind {
			return fmt.Errorf("model field %d is %s (%s), configuration's is %s (%s)", i+1, model[i].Name, model[i].Kind, config[i].Name, config[i].Kind)
		}
	}
	return nil
}
