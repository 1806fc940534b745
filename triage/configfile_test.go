package triage_test

import (
	"strings"
	"testing"

	"bonafide/triage"
)

func TestReadConfig(t *testing.T) {
	c, err := triage.ReadConfig(strings.NewReader(`{"threshold": 0.7}`))
	if err != nil {
		t.Fatal(err)
	}
	def := triage.DefaultConfig()
	if c.Threshold != 0.7 || c.PostWindow != def.PostWindow || c.Model.Bias != def.Model.Bias {
		t.Errorf("ReadConfig(threshold only) = threshold %v, post window %v, bias %v; want 0.7 and the defaults %v, %v", c.Threshold, c.PostWindow, c.Model.Bias, def.PostWindow, def.Model.Bias)
	}
	tests := []struct {
		name, json, err string
	}{
		{"unknown setting", `{"treshold": 0.7}`, `unknown setting "treshold" (want one of burst_window, forum_window, history_window, life_event_window, model, post_window, relay_window, restate_window, threshold)`},
		{"invalid", `{"threshold": 2}`, "threshold 2: must be between 0 and 1"},
		{"not json", `threshold=0.7`, "invalid character"},
		{"unknown signal", `{"model": {"weights": {"prior_fasle": 1}}}`, `unknown signal "prior_fasle" (want one of `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := triage.ReadConfig(strings.NewReader(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ReadConfig(%s) = %v, want an error with %q", tt.json, err, tt.err)
			}
		})
	}
}
