package triage

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"bonafide"
	"bonafide/linkage"
	"bonafide/normalize"
)

// Family linking weighs the evidence that a referral is about a family
// seen before the Fellegi–Sunter way: every field of the referral is
// compared with the family's by package linkage's comparators
// ([linkage.Schema.Compare], [linkage.ComparePostcodes]), which grade the
// agreement in linkage's levels (a given name "exact", "nickname",
// "one_edit", …, "else"), and each level adds log2(m/u), m and u being how
// often that level is seen between a referral and its own family and
// between a referral and another family among the candidates the blocking
// keys bring. A family is several people: each person of the referral is
// compared with the family's member that agrees best (the most weight),
// children with children and adults with adults. The m and u are fitted on
// labelled streams of the first generator ([FitFamilyWeights], `bonafide
// triage fit-families`) and shipped in familyweights.json with the command
// that produced them; the linking and merging thresholds are chosen there
// in the same units, for the best family-link F1 on those streams.
//
// Two of the compared things are triage's own rules rather than fields:
// how many members of the household the referral names together
// (household) and the recency rule of a burst about one incident (recent,
// see [familyLinker.recentBonus]). Their levels are fitted the same way.

// The compared fields, in the order of the model's parameters.
const (
	fChildGiven = iota
	fChildFamily
	fChildDOB
	fChildNHS
	fAdultGiven
	fAdultFamily
	fAdultDOB
	fLine
	fPostcode
	fTown
	fHandle
	fSurnames
	nFamFields
)

// famFields are the fields of the family model, each compared as its kind.
var famFields = []linkage.Field{
	{Name: "child_given_name", Kind: linkage.KindGivenName},
	{Name: "child_family_name", Kind: linkage.KindSurname},
	{Name: "child_dob", Kind: linkage.KindDate},
	{Name: "child_nhs_number", Kind: linkage.KindNHSNumber},
	{Name: "adult_given_name", Kind: linkage.KindGivenName},
	{Name: "adult_family_name", Kind: linkage.KindSurname},
	{Name: "adult_dob", Kind: linkage.KindDate},
	{Name: "address_line", Kind: linkage.KindAddress},
	{Name: "postcode", Kind: linkage.KindPostcodeUK},
	{Name: "town", Kind: linkage.KindString},
	{Name: "handle", Kind: linkage.KindHandle},
	// the family names of the household: the best agreement of any name
	// in the referral with any of the family's (a member named without a
	// family name is still of the household's)
	{Name: "family_names", Kind: linkage.KindSurname},
}

// Triage's own compared rules and their levels, strongest first.
const (
	rHousehold = iota
	rRecent
	nFamRules
)

var famRules = []struct {
	name   string
	levels []string
}{
	rHousehold: {"household", []string{"three_or_more_named", "two_named", "else"}},
	rRecent:    {"recent", []string{"day_same_incident", "day", "three_days_same_incident", "three_days", "else"}},
}

const (
	hhElse     = 2
	recentElse = 4
)

// personSchema compares one person with another: given name, family name
// (the two may be swapped) and date of birth.
var personSchema = mustSchema([]linkage.Field{
	{Name: "given", Kind: linkage.KindGivenName},
	{Name: "family", Kind: linkage.KindSurname},
	{Name: "dob", Kind: linkage.KindDate},
})

// placeSchema compares one value of a family's places and numbers; a
// record of it holds one of its fields.
var placeSchema = mustSchema([]linkage.Field{
	{Name: "line", Kind: linkage.KindAddress},
	{Name: "town", Kind: linkage.KindString},
	{Name: "handle", Kind: linkage.KindHandle},
	{Name: "nhs", Kind: linkage.KindNHSNumber},
})

const (
	pLine = iota
	pTown
	pHandle
	pNHS
)

func mustSchema(f []linkage.Field) *linkage.Schema {
	s, err := linkage.NewSchema(f)
	if err != nil {
		panic(err)
	}
	return s
}

// personRec prepares a person for comparison.
func personRec(p bonafide.Person) linkage.Record {
	return personSchema.Prepare("", []string{p.GivenName, p.FamilyName, p.DOB.String()})
}

// placeRec prepares one value of field i of placeSchema.
func placeRec(i int, v string) linkage.Record {
	raw := make([]string, i+1)
	raw[i] = v
	return placeSchema.Prepare("", raw)
}

// FamilyWeights is the family linker's parameter file: the m and u of
// every level of every compared field (a [linkage.Model]'s parameters),
// those of triage's household and recency rules, and the thresholds.
type FamilyWeights struct {
	Version int    `json:"version"`
	Source  string `json:"source"`  // the data it was fitted on
	Command string `json:"command"` // the command that produced it
	// Model holds the fields' m and u, as linkage saves a model.
	Model json.RawMessage       `json:"model"`
	Rules []linkage.FieldParams `json:"rules"`
	// Link is the weight a candidate family needs for a referral to be
	// linked to it; Merge the plain weight (without the household and
	// recency rules) a referral needs with each of two families for them
	// to be merged.
	Link    float64        `json:"link_threshold"`
	Merge   float64        `json:"merge_threshold"`
	Figures map[string]any `json:"figures,omitempty"`
}

// FamilyWeightsVersion is the version of the parameter file's layout.
const FamilyWeightsVersion = 1

// famModel is FamilyWeights compiled for scoring.
type famModel struct {
	w           [nFamFields][]float64
	rule        [nFamRules][]float64
	link, merge float64
	// best positive weight of each field (0 when none), for scoreBound
	top [nFamFields]float64
	// topRule is the best weight of each rule
	topRule [nFamRules]float64
}

//go:embed familyweights.json
var familyWeightsJSON []byte

var defaultFamModel = sync.OnceValues(func() (*famModel, error) {
	w, err := ReadFamilyWeights(bytes.NewReader(familyWeightsJSON))
	if err != nil {
		return nil, fmt.Errorf("triage: shipped familyweights.json: %w", err)
	}
	return w.compile()
})

// DefaultFamilyWeights returns the shipped family-link parameters.
func DefaultFamilyWeights() (*FamilyWeights, error) {
	return ReadFamilyWeights(bytes.NewReader(familyWeightsJSON))
}

// ReadFamilyWeights reads a parameter file written by
// [FamilyWeights.WriteJSON] and checks that it fits the fields and rules.
func ReadFamilyWeights(r io.Reader) (*FamilyWeights, error) {
	var w FamilyWeights
	dec := json.NewDecoder(r)
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("family weights: %w", err)
	}
	if w.Version != FamilyWeightsVersion {
		return nil, fmt.Errorf("family weights: version %d, want %d", w.Version, FamilyWeightsVersion)
	}
	if _, err := w.compile(); err != nil {
		return nil, err
	}
	return &w, nil
}

// WriteJSON saves w, indented.
func (w *FamilyWeights) WriteJSON(out io.Writer) error {
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return fmt.Errorf("write family weights: %w", err)
	}
	_, err = out.Write(append(b, '\n'))
	return err
}

func (w *FamilyWeights) compile() (*famModel, error) {
	lm, err := linkage.ReadModel(bytes.NewReader(w.Model))
	if err != nil {
		return nil, fmt.Errorf("family weights: %w", err)
	}
	if len(lm.Fields) != nFamFields {
		return nil, fmt.Errorf("family weights: %d fields, want %d", len(lm.Fields), nFamFields)
	}
	for i, f := range lm.Fields {
		if f.Name != famFields[i].Name || f.Kind != famFields[i].Kind {
			return nil, fmt.Errorf("family weights: field %d is %s (%s), want %s (%s)", i+1, f.Name, f.Kind, famFields[i].Name, famFields[i].Kind)
		}
	}
	if len(w.Rules) != nFamRules {
		return nil, fmt.Errorf("family weights: %d rules, want %d", len(w.Rules), nFamRules)
	}
	if math.IsNaN(w.Link) || math.IsInf(w.Link, 0) || math.IsNaN(w.Merge) || math.IsInf(w.Merge, 0) {
		return nil, errors.New("family weights: thresholds must be finite numbers")
	}
	if w.Merge < w.Link {
		return nil, fmt.Errorf("family weights: merge_threshold %.3f below link_threshold %.3f: merging must need more than linking", w.Merge, w.Link)
	}
	m := &famModel{link: w.Link, merge: w.Merge}
	for i := range nFamFields {
		m.w[i] = lm.LevelWeights(i)
		for _, x := range m.w[i] {
			m.top[i] = max(m.top[i], x)
		}
	}
	for i, rp := range w.Rules {
		if rp.Field != famRules[i].name || len(rp.Levels) != len(famRules[i].levels) {
			return nil, fmt.Errorf("family weights: rule %d is %s with %d levels, want %s with %d", i+1, rp.Field, len(rp.Levels), famRules[i].name, len(famRules[i].levels))
		}
		m.rule[i] = make([]float64, len(rp.Levels))
		m.topRule[i] = math.Inf(-1)
		for l, lp := range rp.Levels {
			if lp.Level != famRules[i].levels[l] {
				return nil, fmt.Errorf("family weights: rule %s level %d is %q, want %q", rp.Field, l+1, lp.Level, famRules[i].levels[l])
			}
			if !(lp.M > 0 && lp.M <= 1 && lp.U > 0 && lp.U <= 1) {
				return nil, fmt.Errorf("family weights: rule %s level %s: m and u must be in (0, 1]", rp.Field, lp.Level)
			}
			m.rule[i][l] = math.Log2(lp.M / lp.U)
			m.topRule[i] = max(m.topRule[i], m.rule[i][l])
		}
	}
	return m, nil
}

// wt is the weight of level l of a field (0 for Null: a value missing on
// either side says nothing).
func wt(ws []float64, l int) float64 {
	if l < 0 {
		return 0
	}
	return ws[l]
}

// personLv is the comparison of one person of a referral with the family's
// member that agrees best: the levels of given name, family name and date of
// birth, and of the NHS number against any of the family's.
type personLv struct{ g, f, d, nhs int8 }

// famVec is a referral's comparison vector against one family, kept only
// when fitting.
type famVec struct {
	people                       []personLv // children first
	children                     int
	line, postcode, town, handle int8
	surnames                     int8
	household, recent            int8
}

// bestPerson compares p with each of list and returns the levels and
// weight of the one that agrees best, fields off (fChildGiven or
// fAdultGiven) on.
func (m *famModel) bestPerson(p *linkage.Record, list []linkage.Record, off int) (personLv, float64) {
	best, bw := personLv{-1, -1, -1, -1}, math.Inf(-1)
	for q := range list {
		lg := personSchema.Compare(0, p, &list[q])
		lf := personSchema.Compare(1, p, &list[q])
		ld := personSchema.Compare(2, p, &list[q])
		w := wt(m.w[off], lg) + wt(m.w[off+1], lf) + wt(m.w[off+2], ld)
		if w > bw {
			best, bw = personLv{int8(lg), int8(lf), int8(ld), -1}, w
		}
	}
	if len(list) == 0 {
		return best, 0
	}
	return best, bw
}

// named reports whether a person's best match in the family agrees on the
// given name (exactly, as a nickname, within one edit or closely, or
// swapped with the family name) and not against on the family name: a
// member of the household named.
func (lv personLv) named() bool {
	return (lv.g >= 0 && lv.g <= 3 || lv.g == 6) && lv.f != 7
}

// surnameRec prepares a family name (as normalize.NameKey gives it).
func surnameRec(n string) linkage.Record {
	return personSchema.Prepare("", []string{"", n, ""})
}

// surnameLevel is the strongest level of any family name in the referral
// against any of the family's.
func surnameLevel(k *refKeys, f *familyRec) int {
	best := linkage.Null
	for i := range k.surnameRecs {
		for j := range f.surnameRecs {
			if l := personSchema.Compare(1, &k.surnameRecs[i], &f.surnameRecs[j]); l != linkage.Null && (best == linkage.Null || l < best) {
				best = l
			}
		}
	}
	return best
}

// bestPlace returns the strongest level of field i of placeSchema
// between v and any of list (Null when either side has none).
func bestPlace(i int, v *linkage.Record, list []linkage.Record) int {
	best := linkage.Null
	for q := range list {
		if l := placeSchema.Compare(i, v, &list[q]); l != linkage.Null && (best == linkage.Null || l < best) {
			best = l
		}
	}
	return best
}

// handleLevel is the strongest level of the referral's handles against the
// family's (handles are kept as keys, and prepared only when both sides
// have one).
func handleLevel(k *refKeys, f *familyRec) int {
	if len(k.handleRecs) == 0 || len(f.handles) == 0 {
		return linkage.Null
	}
	best := linkage.Null
	for _, h := range f.handles {
		fr := placeRec(pHandle, h)
		if l := bestPlace(pHandle, &fr, k.handleRecs); l != linkage.Null && (best == linkage.Null || l < best) {
			best = l
		}
	}
	return best
}

// postcodeLevel is the strongest [linkage.ComparePostcodes] level of the
// referral's postcode against the family's.
func postcodeLevel(k *refKeys, f *familyRec) int {
	if k.postcode.District == "" || len(f.postcode) == 0 {
		return linkage.Null
	}
	best := 4
	for _, p := range f.postcode {
		best = min(best, linkage.ComparePostcodes(k.postcode, normalize.SplitPostcode(p)))
	}
	return best
}
