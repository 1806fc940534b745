package triage

import (
	"encoding/json"
	"strings"
	"testing"

	"bonafide"
)

// TestReporterWeightsFile checks that the compiled-in reporter weights
// pass their own checks, and that a file breaking any of them (version,
// fields in order, one level, the guard rails) is refused with an error
// naming the field.
func TestReporterWeightsFile(t *testing.T) {
	edit := func(f func(*reporterWeightsFile)) []byte {
		var w reporterWeightsFile
		if err := json.Unmarshal(reporterWeightsJSON, &w); err != nil {
			t.Fatal(err)
		}
		f(&w)
		b, _ := json.Marshal(w)
		return b
	}
	agree := func(w *reporterWeightsFile, f repField) *familyLevelFile { return &w.Fields[f].Levels[0] }
	tests := []struct {
		name string
		file []byte
		want string // in the error; "" for none
	}{
		{"as compiled in", reporterWeightsJSON, ""},
		{"not JSON", []byte("{"), "reporter weights:"},
		{"another version", edit(func(w *reporterWeightsFile) { w.Version = 2 }), "version 2, want 1"},
		{"no threshold", edit(func(w *reporterWeightsFile) { w.LinkThreshold = 0 }), "link_threshold 0"},
		{"a field missing", edit(func(w *reporterWeightsFile) { w.Fields = w.Fields[1:] }), "8 fields, want 9"},
		{"fields out of order", edit(func(w *reporterWeightsFile) { w.Fields[0], w.Fields[1] = w.Fields[1], w.Fields[0] }), `field 1 is "email", want "device"`},
		{"a level renamed", edit(func(w *reporterWeightsFile) { agree(w, rPhone).Level = "same" }), `field phone: want one level`},
		{"a device below the bar", edit(func(w *reporterWeightsFile) { agree(w, rDevice).Weight = w.LinkThreshold - 1 }), "field device weighs"},
		{"a phone below the bar", edit(func(w *reporterWeightsFile) { agree(w, rPhone).Weight = w.LinkThreshold - 0.5 }), "field phone weighs"},
		{"a full name linking alone", edit(func(w *reporterWeightsFile) { agree(w, rName).Weight = w.LinkThreshold }), "a full name alone never links"},
		{"an agreement against a link", edit(func(w *reporterWeightsFile) { agree(w, rOrg).Weight = -1 }), "field organisation agreement weighs -1.000, below 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseReporterWeights(tt.file)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestReporterKeyScores checks what the compiled-in weights link by:
// each identifier alone, a full name with an organisation, a postcode or
// an address line, and never a full name by itself (no key carries one,
// and its weight is below the threshold).
func TestReporterKeyScores(t *testing.T) {
	w := defaultReporterWeights
	for _, f := range []repField{rDevice, rEmail, rWorkEmail, rPhone, rHandle, rOrg, rPostcode, rLine} {
		if s := w.score(keyFields(f)); s < w.threshold {
			t.Errorf("a shared %s key scores %.3f, below the threshold %.3f", repFieldNames[f], s, w.threshold)
		}
	}
	if s := w.score(1 << rName); s >= w.threshold {
		t.Errorf("a full name alone scores %.3f, at or above the threshold %.3f", s, w.threshold)
	}
	rep := &bonafide.Reporter{GivenName: "Testy", FamilyName: "Exampleton", Email: "t.exampleton@school.example",
		Relationship: bonafide.RelTeacher, Organisation: "Exampleton Primary"}
	keys, fields := reporterKeys(rep)
	if len(keys) != len(fields) {
		t.Fatalf("%d keys, %d fields", len(keys), len(fields))
	}
}
