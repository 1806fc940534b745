package triage

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// The family linker compares a referral with a candidate family field by
// field, each comparison falling in one level of its field, and adds each
// level's Fellegi–Sunter weight log2(m/u): m the share of the level among
// candidates that are the referral's family, u among those that are not
// (see [famfit_test.go] for how they are counted, and docs/triage.md). A
// comparison with a value missing on either side is in no level and adds
// nothing. Levels are listed strongest first; the fit holds each field's
// weights non-increasing down its levels, and the guard-railed levels
// (famGuards) at or below 0.

// A famField is one compared field of the family linker.
type famField int

const (
	fChildName famField = iota // a child of the referral with the family's child that agrees best
	fChildDOB                  // that child's date of birth with the same family child's
	fChildNHS                  // a child's NHS number with the family's numbers
	fAdultName                 // an adult of the referral with the family's adult that agrees best
	fHandle                    // social-media handles (also those named in the narrative)
	fLine                      // the first address line
	fTown                      // the town
	fPostcode                  // the postcode, at linkage.ComparePostcodes's levels
	famFields
)

// Levels of the name fields (child and adult); a person who agrees with
// no one in the family is in none: a sibling or partner the family has not
// been referred with is no evidence against it.
const (
	nameBoth           = iota // given and family name agree (also swapped), or nearly so
	nameOne                   // one agrees and the other is close, or the family name is missing on one side
	nameGiven                 // the given name agrees or begins the other, the family names not both given
	nameSurnameDiffers        // the given name agrees, both family names are given and disagree
	nameNone                  // no agreement: not a level, adds nothing
)

// Levels of the date of birth.
const (
	dobExact        = iota
	dobMonthYear    // the day missing on one side
	dobTransposed   // day and month swapped
	dobYear         // the month missing on one side
	dobDayDiffers   // same month and year, another day
	dobYearTypo     // the year out by one with nothing else against
	dobMonthDiffers // same year, another month
	dobYearDiffers  // another year
)

// Levels of the address line, of a numbered line on both sides (a line
// without a number, as sparse referrals give, is in none).
const (
	lineSame         = iota
	lineHouseDiffers // the same street, another house number
	lineOther        // another street
)

// Levels of the fields compared for agreement only (NHS number, handle)
// and of the town.
const (
	levelAgree   = 0
	levelDiffers = 1 // both sides give one and none agrees

	townSame    = 0
	townClose   = 1 // up to a typo
	townDiffers = 2
)

// famLevels names each field's levels, strongest first, as the weights
// file names them.
var famLevels = [famFields]struct {
	field  string
	levels []string
}{
	fChildName: {"child_name", []string{"both", "one", "given", "surname_differs"}},
	fChildDOB:  {"child_dob", []string{"exact", "month_year", "transposed", "year", "day_differs", "year_typo", "month_differs", "year_differs"}},
	fChildNHS:  {"child_nhs", []string{"agree", "differs"}},
	fAdultName: {"adult_name", []string{"both", "one", "given", "surname_differs"}},
	fHandle:    {"handle", []string{"agree", "differs"}},
	fLine:      {"address_line", []string{"same", "house_differs", "other_street"}},
	fTown:      {"town", []string{"same", "close", "differs"}},
	fPostcode:  {"postcode", []string{"full", "sector", "district", "area", "differs"}},
}

// famGuards are the levels that may never weigh above 0, whatever the
// data they are fitted on say: two households on one street are told apart
// by the house number (on generated data a differing number is mostly a
// typo, and a fit would weigh it for a link), and disagreeing family names
// are no evidence that two people are one.
var famGuards = []struct {
	field famField
	level int
}{
	{fLine, lineHouseDiffers}, {fLine, lineOther},
	{fChildName, nameSurnameDiffers}, {fAdultName, nameSurnameDiffers},
}

// FamilyWeightsVersion is the version of the family weights file format
// this code reads.
const FamilyWeightsVersion = 1

// familyWeightsFile is the JSON form of the family linker's weights.
type familyWeightsFile struct {
	Version int    `json:"version"`
	Source  string `json:"source"` // how the weights were fitted: command, data, commit
	// LinkThreshold is the total weight a candidate family needs for a
	// referral to be linked to it; the household and recency rules and the
	// merge margin are set in shares of it (see [familyLinker.householdFloor],
	// recentShare, mergeMargin).
	LinkThreshold float64 `json:"link_threshold"`
	// SurnameShare is the chance that two families of the fitting data
	// share a family name (the sum of the squared shares of its names):
	// the typical commonness the name weights were fitted at.
	SurnameShare float64            `json:"surname_share"`
	Fields       []familyFieldFile  `json:"fields"`
	Fit          map[string]float64 `json:"fit,omitempty"` // figures of the fit (pairs, F1), informative only
}

type familyFieldFile struct {
	Field  string            `json:"field"`
	Levels []familyLevelFile `json:"levels"`
}

// familyLevelFile is one level: its m and u as fitted and the weight
// used, log2(m/u) after the guard rails and the monotone order.
type familyLevelFile struct {
	Level  string  `json:"level"`
	M      float64 `json:"m"`
	U      float64 `json:"u"`
	Weight float64 `json:"weight"`
}

// familyWeights is the compiled form the linker scores with.
type familyWeights struct {
	w            [famFields][]float64
	threshold    float64
	surnameShare float64
}

// at is the weight of level l of field f (0 for no level).
func (w *familyWeights) at(f famField, l int) float64 {
	if l < 0 || l >= len(w.w[f]) {
		return 0
	}
	return w.w[f][l]
}

// top is the strongest weight of field f.
func (w *familyWeights) top(f famField) float64 { return max(w.w[f][0], 0) }

//go:embed familyweights.json
var familyWeightsJSON []byte

// defaultFamilyWeights are the compiled-in weights.
var defaultFamilyWeights = mustFamilyWeights(familyWeightsJSON)

func mustFamilyWeights(b []byte) *familyWeights {
	w, err := parseFamilyWeights(b)
	if err != nil {
		panic(err)
	}
	return w
}

// parseFamilyWeights reads a weights file and checks it: its version,
// every field and level named in order, the guard rails and the order of
// each field's weights.
func parseFamilyWeights(b []byte) (*familyWeights, error) {
	var f familyWeightsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("family weights: %w", err)
	}
	if f.Version != FamilyWeightsVersion {
		return nil, fmt.Errorf("family weights: version %d, want %d", f.Version, FamilyWeightsVersion)
	}
	if !(f.LinkThreshold > 0) || math.IsInf(f.LinkThreshold, 0) {
		return nil, fmt.Errorf("family weights: link_threshold %v, want a positive number", f.LinkThreshold)
	}
	if len(f.Fields) != int(famFields) {
		return nil, fmt.Errorf("family weights: %d fields, want %d", len(f.Fields), famFields)
	}
	if !(f.SurnameShare >= 0 && f.SurnameShare < 1) {
		return nil, fmt.Errorf("family weights: surname_share %v, want a share from 0 to 1", f.SurnameShare)
	}
	w := &familyWeights{threshold: f.LinkThreshold, surnameShare: f.SurnameShare}
	for i, ff := range f.Fields {
		want := famLevels[i]
		if ff.Field != want.field {
			return nil, fmt.Errorf("family weights: field %d is %q, want %q", i+1, ff.Field, want.field)
		}
		if len(ff.Levels) != len(want.levels) {
			return nil, fmt.Errorf("family weights: field %s has %d levels, want %d", ff.Field, len(ff.Levels), len(want.levels))
		}
		for l, lv := range ff.Levels {
			switch {
			case lv.Level != want.levels[l]:
				return nil, fmt.Errorf("family weights: field %s level %d is %q, want %q", ff.Field, l+1, lv.Level, want.levels[l])
			case math.IsNaN(lv.Weight) || math.IsInf(lv.Weight, 0):
				return nil, fmt.Errorf("family weights: field %s level %s: weight %v is not a number", ff.Field, lv.Level, lv.Weight)
			case l > 0 && lv.Weight > ff.Levels[l-1].Weight:
				return nil, fmt.Errorf("family weights: field %s level %s weighs %.3f, above the stronger level %s (%.3f)",
					ff.Field, lv.Level, lv.Weight, ff.Levels[l-1].Level, ff.Levels[l-1].Weight)
			}
			w.w[i] = append(w.w[i], lv.Weight)
		}
	}
	for _, f := range []famField{fHandle, fChildNHS} {
		if v := w.w[f][levelAgree]; v < w.threshold {
			return nil, fmt.Errorf("family weights: field %s level agree weighs %.3f, below the link threshold %.3f (its guard rail)",
				famLevels[f].field, v, w.threshold)
		}
	}
	for _, g := range famGuards {
		if v := w.w[g.field][g.level]; v > 0 {
			return nil, fmt.Errorf("family weights: field %s level %s weighs %.3f, above its guard rail 0",
				famLevels[g.field].field, famLevels[g.field].levels[g.level], v)
		}
	}
	return w, nil
}

// withThreshold returns w with link threshold th and the guard rail that
// depends on it: a shared identifier (an NHS number, a social-media
// handle) weighs at least the threshold, so that one links by itself as
// the hand-set linker had it. On generated data handles are made from
// names, and a namesake's handle agrees about as often as a full name
// does; a real handle is an account's own.
func withThreshold(w *familyWeights, th float64) *familyWeights {
	c := &familyWeights{threshold: th, surnameShare: w.surnameShare}
	for f := range famFields {
		c.w[f] = slices.Clone(w.w[f])
	}
	for _, f := range []famField{fHandle, fChildNHS} {
		c.w[f][levelAgree] = max(c.w[f][levelAgree], th)
	}
	return c
}

// guardedWeights turns fitted m and u into the weights used: log2(m/u),
// then each guard-railed level held at or below 0, then each level held at
// or below the one above it (a weaker agreement never weighs more than a
// stronger one).
func guardedWeights(f famField, m, u []float64) []float64 {
	w := make([]float64, len(m))
	for l := range m {
		w[l] = math.Log2(m[l] / u[l])
	}
	for _, g := range famGuards {
		if g.field == f {
			w[g.level] = min(w[g.level], 0)
		}
	}
	for l := 1; l < len(w); l++ {
		w[l] = min(w[l], w[l-1])
	}
	return w
}
