package triage_test

import (
	"flag"
	"os"
	"testing"

	"bonafide/triage"
	"bonafide/triage/triagetest"
)

var fit = flag.Bool("fit", false, "fit the model on triagetest seeds 1-3 and print it")

func runGenerated(t testing.TB, cfg triage.Config, seed int64, families int) ([]triage.Assessment, []triage.Truth) {
	t.Helper()
	e, err := triage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var as []triage.Assessment
	var truth []triage.Truth
	for _, it := range triagetest.Generate(triagetest.Config{Seed: seed, Families: families}) {
		a, err := e.Observe(it.Rec)
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		if a != nil {
			as = append(as, *a)
			truth = append(truth, *it.Truth)
		}
	}
	return as, truth
}

// TestQualityOnGenerated checks the quality bar on a seed of the
// triagetest generator that the shipped model was not fitted on.
func TestQualityOnGenerated(t *testing.T) {
	if *fit {
		var x []triage.Features
		var y []bool
		for seed := int64(1); seed <= 3; seed++ {
			as, truth := runGenerated(t, triage.DefaultConfig(), seed, 3000)
			for i := range as {
				x = append(x, as[i].Features())
				y = append(y, truth[i].Campaign != nil)
			}
		}
		m := triage.Fit(x, y, 0.001, 20000)
		b, _ := m.MarshalIndent()
		os.Stdout.Write(append(b, '\n'))
		var sc []float64
		for i := range x {
			sc = append(sc, m.Score(&x[i]))
		}
		t.Logf("threshold for <= 0.5%% false flags on the fitting seeds: %.4f", triage.ChooseThreshold(sc, y, 0.005))
	}
	as, truth := runGenerated(t, triage.DefaultConfig(), 101, 3000)
	rep := triage.Evaluate(as, truth)
	rep.WriteText(os.Stdout)
	if rep.ImmediateBelow != 0 {
		t.Errorf("immediate-danger referrals rated below immediate = %d, want 0 (%v)", rep.ImmediateBelow, rep.ImmediateBelowIDs)
	}
	// The quality bar, on a generator the model was not fitted on.
	if rep.F1 < 0.90 {
		t.Errorf("campaign F1 = %.3f, want >= 0.90", rep.F1)
	}
	if rep.FalseFlagRate > 0.01 {
		t.Errorf("false flags = %.4f of genuine referrals, want <= 0.01", rep.FalseFlagRate)
	}
	if rep.FamilyPairs.F1 < 0.95 {
		t.Errorf("family-link pairwise F1 = %.3f, want >= 0.95", rep.FamilyPairs.F1)
	}
}
