package triage

import (
	"math"
	"testing"
)

// TestFitFromPrior: with data that says nothing about a signal, fitFrom
// leaves its weight at the prior's (Fit, from zero, leaves it at zero);
// with data that says much, the weight moves.
func TestFitFromPrior(t *testing.T) {
	prior := DefaultModel()
	var x []Features
	var y []bool
	h, m := sigIndex(SigHearsay), sigIndex(SigManner)
	for i := range 400 {
		var f Features
		pos := i%4 == 0
		if pos {
			f[m] = 1 // hostile manner marks every campaign here
		}
		x, y = append(x, f), append(y, pos)
	}
	got := fitFrom(x, y, prior, storeL2, 3000)
	if d := math.Abs(got.Weights[SigHearsay] - prior.Weights[SigHearsay]); d > 1e-9 {
		t.Errorf("fitFrom: hearsay (never seen) %.3f, want the prior's %.3f", got.Weights[SigHearsay], prior.Weights[SigHearsay])
	}
	if got.Weights[SigManner] <= prior.Weights[SigManner] {
		t.Errorf("fitFrom: hostile_manner %.3f, want above the prior's %.3f on data where it marks every campaign", got.Weights[SigManner], prior.Weights[SigManner])
	}
	if z := Fit(x, y, 0.001, 3000); z.Weights[Signals[h]] != 0 {
		t.Errorf("Fit: hearsay %.3f, want 0 from zero", z.Weights[Signals[h]])
	}
}
