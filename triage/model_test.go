package triage

import "testing"

func TestChooseThreshold(t *testing.T) {
	tests := []struct {
		name     string
		scores   []float64
		positive []bool
		maxFF    float64
		wantLo   float64 // the threshold must lie in (wantLo, wantHi]
		wantHi   float64
	}{
		{"separable: between the classes", []float64{0.9, 0.8, 0.3, 0.2}, []bool{true, true, false, false}, 0, 0.3, 0.8},
		{"a cluster of negatives just above the limit is not flagged for one more positive",
			// lowering to 0.4 gains one positive and three negatives (allowed: 3 of 9)
			[]float64{0.9, 0.8, 0.7, 0.4, 0.4, 0.4, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1},
			[]bool{true, true, true, true, false, false, false, false, false, false, false, false, false}, 0.34, 0.4, 0.7},
		{"the false-flag limit comes first", []float64{0.9, 0.6, 0.5, 0.2}, []bool{true, false, true, false}, 0, 0.6, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ChooseThreshold(tt.scores, tt.positive, tt.maxFF)
			if !(got > tt.wantLo && got <= tt.wantHi) {
				t.Errorf("ChooseThreshold = %v, want in (%v, %v]", got, tt.wantLo, tt.wantHi)
			}
		})
	}
}
