package triage

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFamilyWeightsFile checks that the compiled-in weights pass their
// own checks, and that a file breaking any of them (version, fields and
// levels in order, a level weighing more than a stronger one, a guard
// rail) is refused with an error naming the field and level.
func TestFamilyWeightsFile(t *testing.T) {
	if _, err := parseFamilyWeights(familyWeightsJSON); err != nil {
		t.Fatalf("compiled-in weights: %v", err)
	}
	edit := func(f func(*familyWeightsFile)) []byte {
		var w familyWeightsFile
		if err := json.Unmarshal(familyWeightsJSON, &w); err != nil {
			t.Fatal(err)
		}
		f(&w)
		b, _ := json.Marshal(w)
		return b
	}
	level := func(w *familyWeightsFile, f famField, l int) *familyLevelFile { return &w.Fields[f].Levels[l] }
	tests := []struct {
		name string
		file []byte
		want string // in the error; "" for none
	}{
		{"as compiled in", familyWeightsJSON, ""},
		{"not JSON", []byte("{"), "family weights:"},
		{"another version", edit(func(w *familyWeightsFile) { w.Version = 2 }), "version 2, want 1"},
		{"no threshold", edit(func(w *familyWeightsFile) { w.LinkThreshold = 0 }), "link_threshold 0"},
		{"a field missing", edit(func(w *familyWeightsFile) { w.Fields = w.Fields[1:] }), "7 fields, want 8"},
		{"fields out of order", edit(func(w *familyWeightsFile) { w.Fields[0], w.Fields[1] = w.Fields[1], w.Fields[0] }), `field 1 is "child_dob", want "child_name"`},
		{"a level renamed", edit(func(w *familyWeightsFile) { level(w, fTown, townClose).Level = "near" }), `field town level 2 is "near", want "close"`},
		{"a weaker level weighing more", edit(func(w *familyWeightsFile) {
			level(w, fChildDOB, dobYear).Weight = level(w, fChildDOB, dobExact).Weight + 1
		}), "field child_dob level year weighs"},
		{"another house weighing for a link", edit(func(w *familyWeightsFile) {
			level(w, fLine, lineHouseDiffers).Weight = 0.5
			level(w, fLine, lineOther).Weight = 0.5
		}), "field address_line level house_differs weighs 0.500, above its guard rail 0"},
		{"disagreeing surnames weighing for a link", edit(func(w *familyWeightsFile) { level(w, fAdultName, nameSurnameDiffers).Weight = 0.01 }),
			"field adult_name level surname_differs weighs 0.010, above its guard rail 0"},
		{"a shared handle below the bar", edit(func(w *familyWeightsFile) { level(w, fHandle, levelAgree).Weight = w.LinkThreshold - 1 }),
			"field handle level agree weighs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFamilyWeights(tt.file)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestGuardedWeights checks the fit's guard rails on weights from m and
// u: a guard-railed level is held at 0 however much the data favour it,
// and every level at or below the stronger one before it.
func TestGuardedWeights(t *testing.T) {
	tests := []struct {
		name  string
		field famField
		m, u  []float64
		want  []float64
	}{
		{"in order already", fTown, []float64{0.8, 0.1, 0.1}, []float64{0.1, 0.1, 0.8}, []float64{3, 0, -3}},
		{"a weaker level above a stronger", fTown, []float64{0.4, 0.5, 0.1}, []float64{0.1, 0.0625, 0.8}, []float64{2, 2, -3}},
		{"another house that the data favour", fLine, []float64{0.9, 0.08, 0.02}, []float64{0.01, 0.01, 0.98}, []float64{6.491853, 0, -5.614710}},
		{"disagreeing surnames the data favour", fChildName, []float64{0.4, 0.3, 0.2, 0.1}, []float64{0.1, 0.1, 0.1, 0.05}, []float64{2, 1.584963, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := guardedWeights(tt.field, tt.m, tt.u)
			for l := range got {
				if d := got[l] - tt.want[l]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("weights %v, want %v", got, tt.want)
				}
			}
		})
	}
}
