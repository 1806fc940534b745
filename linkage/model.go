package linkage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// A Model holds the Fellegi–Sunter parameters: for every field and comparison level the
// probability m of that level among true matches and u among non-matches, and the prior
// probability that two records drawn at random are a match. It is saved as JSON so that
// a model trained once can score later data and be reviewed.
type Model struct {
	Fields []Field        `json:"fields"`
	Prior  float64        `json:"prior"` // λ: probability that a random pair of records is a match
	Params []FieldParams  `json:"params"`
	TFMin  float64        `json:"tf_min,omitempty"` // floor on term frequencies, so one rare typo is not decisive
	Meta   map[string]any `json:"meta,omitempty"`   // training figures (pairs, iterations), informative only

	schema *Schema
	w      [][]float64 // log2(m/u) per field and level
	logm   [][]float64 // log2(m) per field and level, for term-frequency weights
	tf     []bool
}

// FieldParams are the m and u of each level of one field, strongest level first.
type FieldParams struct {
	Field  string        `json:"field"`
	Levels []LevelParams `json:"levels"`
}

// LevelParams are the probabilities of one comparison level.
type LevelParams struct {
	Level string  `json:"level"`
	M     float64 `json:"m"`
	U     float64 `json:"u"`
}

// NewModel returns an untrained model for fields with neutral starting parameters.
func NewModel(fields []Field) (*Model, error) {
	s, err := NewSchema(fields)
	if err != nil {
		return nil, err
	}
	m := &Model{Fields: fields, Prior: 1e-4, TFMin: 1e-5}
	for _, f := range fields {
		names := f.Kind.Levels()
		fp := FieldParams{Field: f.Name, Levels: make([]LevelParams, len(names))}
		for l, n := range names {
			fp.Levels[l] = LevelParams{Level: n, M: startM(l, len(names)), U: startU(l, len(names))}
		}
		m.Params = append(m.Params, fp)
	}
	m.compile(s)
	return m, nil
}

// startM puts most of a match's mass on exact agreement; startU most of a non-match's
// on disagreement. EM moves them from there.
func startM(l, n int) float64 {
	if l == 0 {
		return 0.8
	}
	return 0.2 / float64(n-1)
}

func startU(l, n int) float64 {
	if l == n-1 {
		return 0.9
	}
	return 0.1 / float64(n-1)
}

// Schema returns the compiled schema the model scores with.
func (m *Model) Schema() *Schema { return m.schema }

func (m *Model) compile(s *Schema) {
	m.schema = s
	m.w = make([][]float64, len(m.Params))
	m.logm = make([][]float64, len(m.Params))
	m.tf = make([]bool, len(m.Params))
	for i, fp := range m.Params {
		m.w[i] = make([]float64, len(fp.Levels))
		m.logm[i] = make([]float64, len(fp.Levels))
		for l, lp := range fp.Levels {
			m.w[i][l] = math.Log2(clampP(lp.M) / clampP(lp.U))
			m.logm[i][l] = math.Log2(clampP(lp.M))
		}
		m.tf[i] = s.Fields[i].tf()
	}
}

func clampP(p float64) float64 { return min(max(p, 1e-9), 1) }

// WriteJSON saves the model.
func (m *Model) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	if err := e.Encode(m); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	return nil
}

// ReadModel loads a model saved by [Model.WriteJSON] and checks that its parameters
// fit its fields.
func ReadModel(r io.Reader) (*Model, error) {
	var m Model
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	s, err := NewSchema(m.Fields)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if len(m.Params) != len(m.Fields) {
		return nil, fmt.Errorf("read model: %d fields but %d parameter sets", len(m.Fields), len(m.Params))
	}
	for i, fp := range m.Params {
		if fp.Field != m.Fields[i].Name || len(fp.Levels) != len(m.Fields[i].Kind.Levels()) {
			return nil, fmt.Errorf("read model: parameters %d (%s) do not fit field %s", i, fp.Field, m.Fields[i].Name)
		}
	}
	if !(m.Prior > 0 && m.Prior < 1) {
		return nil, errors.New("read model: prior must be between 0 and 1")
	}
	m.compile(s)
	return &m, nil
}

// PriorWeight is log2(λ/(1-λ)): adding it to a match weight gives the log-odds that the
// pair is a match.
func (m *Model) PriorWeight() float64 { return math.Log2(m.Prior / (1 - m.Prior)) }

// Probability turns a match weight into the probability that the pair is a match.
func (m *Model) Probability(weight float64) float64 {
	return 1 / (1 + math.Exp2(-(weight + m.PriorWeight())))
}

// WeightAt returns the match weight at which the match probability is p, so that a
// threshold can be given as a probability (0.5 by default).
func (m *Model) WeightAt(p float64) float64 {
	return math.Log2(p/(1-p)) - m.PriorWeight()
}

// levelWeight is the weight of level l of field i, adjusted for how common the agreed
// value is when the level is exact agreement.
func (m *Model) levelWeight(i, l int, x, y *value) float64 {
	if l == 0 && m.tf[i] {
		f := float64(max(x.tf, y.tf))
		if f > 0 {
			return m.logm[i][0] - math.Log2(max(f, m.TFMin))
		}
	}
	return m.w[i][l]
}

// Score returns the match weight of a and b: the sum over fields of log2(m/u) at the
// pair's comparison level (fields in a [Field.Group] counted once). It does not
// allocate.
func (m *Model) Score(a, b *Record) float64 {
	return m.scorePattern(m.schema.pattern(a, b), a, b)
}

// scorePattern is [Model.Score] of a and b from their comparison levels, pattern as
// [Schema.pattern] packs them, so that a pair compared once can be scored again.
func (m *Model) scorePattern(pattern uint64, a, b *Record) float64 {
	s := m.schema
	w := 0.0
	var gmax, gneg [16]float64
	var gpos [16]bool
	for i := range m.w {
		l := int(pattern>>(4*i)&15) - 1
		if l == Null {
			continue
		}
		x := m.levelWeight(i, l, &a.vals[i], &b.vals[i])
		g := s.group[i]
		switch {
		case g < 0:
			w += x
		case x > 0:
			if !gpos[g] || x > gmax[g] {
				gmax[g] = x
			}
			gpos[g] = true
		default:
			gneg[g] += x
		}
	}
	for g := range s.groups {
		w += gmax[g] + gneg[g]
	}
	return w
}

// A FieldScore explains one field of a scored pair: what was compared, which level it
// fell in and what that contributed, for the caseworker's "why do these match" view.
type FieldScore struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"` // "null" when either value is missing
	Weight float64 `json:"weight"`
	TF     bool    `json:"tf,omitempty"` // weight adjusted for how common the value is
	// Group is the field's group; Raw its own weight, of which only the group's
	// strongest agreement (or its disagreements) counts in Weight.
	Group string  `json:"group,omitempty"`
	Raw   float64 `json:"raw,omitempty"`
}

// Explanation is the field-by-field account of a pair's score.
type Explanation struct {
	Weight      float64      `json:"weight"`
	Probability float64      `json:"probability"`
	Fields      []FieldScore `json:"fields"`
}

// Explain scores a and b and says why, field by field. The weights add up to the total,
// which equals [Model.Score].
func (m *Model) Explain(a, b *Record) Explanation {
	var e Explanation
	s := m.schema
	best := make([]int, s.groups)
	pos := make([]bool, s.groups)
	for i := range best {
		best[i] = -1
	}
	for i := range m.w {
		l := s.Compare(i, a, b)
		fs := FieldScore{Field: m.Fields[i].Name, Level: "null", Group: m.Fields[i].Group}
		if l != Null {
			fs.Level = m.Fields[i].Kind.Levels()[l]
			fs.Weight = m.levelWeight(i, l, &a.vals[i], &b.vals[i])
			fs.TF = l == 0 && m.tf[i] && max(a.vals[i].tf, b.vals[i].tf) > 0
		}
		if g := s.group[i]; g >= 0 {
			fs.Raw = fs.Weight
			if fs.Weight > 0 && (best[g] < 0 || fs.Weight > e.Fields[best[g]].Raw) {
				best[g] = i
				pos[g] = true
			}
		}
		e.Fields = append(e.Fields, fs)
	}
	for i := range e.Fields {
		if g := s.group[i]; g >= 0 && pos[g] && best[g] != i && e.Fields[i].Weight > 0 {
			e.Fields[i].Weight = 0
		}
		e.Weight += e.Fields[i].Weight
	}
	e.Probability = m.Probability(e.Weight)
	return e
}
