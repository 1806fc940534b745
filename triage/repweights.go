package triage

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// The reporter linker scores a candidate reporter (one the blocking keys
// bring: the first reporter filed under a key the referral's reporter
// has) field by field and links when the sum of the Fellegi–Sunter
// weights log2(m/u) reaches the threshold. The fields are compared
// through the keys, which is all the linker holds (the keys are to be
// blind HMAC indexes, see [reporterLinker]): a field agrees when the
// reporter shares one of its keys with the candidate, and a full name
// agrees when any key built on it ("name:" with an organisation, a
// postcode or an address line) is shared. A field that shares no key is
// in no level and adds nothing: the linker cannot tell a disagreement
// from a value missing on either side (see docs/triage.md). See
// [repfit_test.go] for how m and u are counted.

// A repField is one compared field of the reporter linker.
type repField int

const (
	rDevice    repField = iota // the device id
	rEmail                     // a lay reporter's e-mail key ([emailKey])
	rWorkEmail                 // a professional's work address built on the family name
	rPhone                     // the phone key ([phoneKey])
	rHandle                    // an e-mail address built on a forum author's handle ([Engine.forumHandleKey])
	rName                      // given and family name, normalised ([normalize.NameKey])
	rOrg                       // the organisation, with the full name
	rPostcode                  // the full postcode, with the full name
	rLine                      // the first address line, with the full name
	repFields
)

// repFieldNames name the fields as the weights file does; each has one
// level, "agree".
var repFieldNames = [repFields]string{"device", "email", "work_email", "phone", "handle", "name", "organisation", "postcode", "address_line"}

// repIdentifiers are the fields whose agreement is held at least at the
// threshold (a guard rail): an exact device, personal e-mail address,
// phone number, professional's own work address or forum handle is one
// person's, and links by itself as the hand rules had it.
var repIdentifiers = []repField{rDevice, rEmail, rWorkEmail, rPhone, rHandle}

// ReporterWeightsVersion is the version of the reporter weights file
// format this code reads.
const ReporterWeightsVersion = 1

// reporterWeightsFile is the JSON form of the reporter linker's weights.
type reporterWeightsFile struct {
	Version       int                 `json:"version"`
	Source        string              `json:"source"`
	LinkThreshold float64             `json:"link_threshold"`
	Fields        []reporterFieldFile `json:"fields"`
	Fit           map[string]float64  `json:"fit,omitempty"` // figures of the fit, informative only
}

type reporterFieldFile struct {
	Field  string            `json:"field"`
	Levels []familyLevelFile `json:"levels"`
}

// reporterWeights is the compiled form the linker scores with.
type reporterWeights struct {
	w         [repFields]float64 // the weight of each field's agreement
	threshold float64
}

//go:embed reporterweights.json
var reporterWeightsJSON []byte

// defaultReporterWeights are the compiled-in weights.
var defaultReporterWeights = mustReporterWeights(reporterWeightsJSON)

func mustReporterWeights(b []byte) *reporterWeights {
	w, err := parseReporterWeights(b)
	if err != nil {
		panic(err)
	}
	return w
}

// parseReporterWeights reads a reporter weights file and checks it: its
// version, every field and level named in order, and the guard rails.
func parseReporterWeights(b []byte) (*reporterWeights, error) {
	var f reporterWeightsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("reporter weights: %w", err)
	}
	if f.Version != ReporterWeightsVersion {
		return nil, fmt.Errorf("reporter weights: version %d, want %d", f.Version, ReporterWeightsVersion)
	}
	if !(f.LinkThreshold > 0) || math.IsInf(f.LinkThreshold, 0) {
		return nil, fmt.Errorf("reporter weights: link_threshold %v, want a positive number", f.LinkThreshold)
	}
	if len(f.Fields) != int(repFields) {
		return nil, fmt.Errorf("reporter weights: %d fields, want %d", len(f.Fields), repFields)
	}
	w := &reporterWeights{threshold: f.LinkThreshold}
	for i, ff := range f.Fields {
		switch {
		case ff.Field != repFieldNames[i]:
			return nil, fmt.Errorf("reporter weights: field %d is %q, want %q", i+1, ff.Field, repFieldNames[i])
		case len(ff.Levels) != 1 || ff.Levels[0].Level != "agree":
			return nil, fmt.Errorf("reporter weights: field %s: want one level, \"agree\"", ff.Field)
		}
		v := ff.Levels[0].Weight
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("reporter weights: field %s: weight %v is not a number", ff.Field, v)
		}
		w.w[i] = v
	}
	if err := w.check(); err != nil {
		return nil, err
	}
	return w, nil
}

// check checks the guard rails: an identifier's agreement weighs at least
// the threshold, a full name's alone less than it, and no agreement below
// 0 (an agreement is never evidence against a link).
func (w *reporterWeights) check() error {
	for _, f := range repIdentifiers {
		if w.w[f] < w.threshold {
			return fmt.Errorf("reporter weights: field %s weighs %.3f, below the link threshold %.3f (its guard rail)", repFieldNames[f], w.w[f], w.threshold)
		}
	}
	if w.w[rName] >= w.threshold {
		return fmt.Errorf("reporter weights: field name weighs %.3f, at or above the link threshold %.3f (a full name alone never links)", w.w[rName], w.threshold)
	}
	for f := range repFields {
		if w.w[f] < 0 {
			return fmt.Errorf("reporter weights: field %s agreement weighs %.3f, below 0", repFieldNames[f], w.w[f])
		}
	}
	return nil
}

// score is the weight of the fields in set (a bit for each repField).
func (w *reporterWeights) score(set uint16) float64 {
	var s float64
	for f := range repFields {
		if set&(1<<f) != 0 {
			s += w.w[f]
		}
	}
	return s
}

// keyFields are the fields a shared key of field f shows agreeing: a key
// built on a full name shows the name too.
func keyFields(f repField) uint16 {
	switch f {
	case rOrg, rPostcode, rLine:
		return 1<<f | 1<<rName
	}
	return 1 << f
}
