package triage

import (
	"strings"
	"testing"
)

// TestModelUnknownSignal lists the signals a model may weigh when it names
// another.
func TestModelUnknownSignal(t *testing.T) {
	m := DefaultModel()
	m.Weights = map[Signal]float64{"prior_fasle": 1}
	err := m.Validate()
	if err == nil || !strings.Contains(err.Error(), `unknown signal "prior_fasle" (want one of `+string(Signals[0])+", ") {
		t.Fatalf("Validate(unknown signal) = %v, want it refused, listing the signals", err)
	}
	for _, s := range Signals {
		if !strings.Contains(err.Error(), string(s)) {
			t.Errorf("Validate(unknown signal) = %v, does not list %s", err, s)
		}
	}
}
