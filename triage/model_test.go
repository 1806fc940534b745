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

func TestChoosePlateauThreshold(t *testing.T) {
	// repeat n copies of (score, positive)
	data := func(groups ...[3]float64) (sc []float64, pos []bool) {
		for _, g := range groups {
			for range int(g[2]) {
				sc, pos = append(sc, g[0]), append(pos, g[1] == 1)
			}
		}
		return sc, pos
	}
	// 100 genuine at 0.1, one at 0.8; 90 campaigns at 0.7, 10 at 0.3. Cuts
	// in (0.1, 0.3] flag every campaign and one genuine (F1 0.995), cuts in
	// (0.3, 0.7] 90 campaigns and one genuine (F1 0.942).
	sc, pos := data([3]float64{0.1, 0, 100}, [3]float64{0.8, 0, 1}, [3]float64{0.7, 1, 90}, [3]float64{0.3, 1, 10})
	// the same with the lone genuine at 0.5: with no false flag allowed only
	// cuts in (0.5, 0.7] remain
	sc2, pos2 := data([3]float64{0.1, 0, 100}, [3]float64{0.5, 0, 1}, [3]float64{0.7, 1, 90}, [3]float64{0.3, 1, 10})
	tests := []struct {
		name           string
		scores         []float64
		positive       []bool
		maxFF, margin  float64
		wantLo, wantHi float64 // want in [wantLo, wantHi]
	}{
		{"margin 0: the middle of the cuts with the best F1", sc, pos, 0.01, 0, 0.195, 0.205},
		{"a wide margin takes in the lower plateau: its middle, not the best edge", sc, pos, 0.01, 0.06, 0.395, 0.405},
		{"a margin too narrow for the lower plateau leaves it out", sc, pos, 0.01, 0.05, 0.195, 0.205},
		{"the false-flag limit comes first", sc2, pos2, 0, 0.06, 0.595, 0.605},
		{"one class missing", []float64{0.2, 0.3}, []bool{false, false}, 0.01, 0.005, 0.5, 0.5},
		{"nothing within the limit", []float64{0.9, 0.8}, []bool{false, true}, 0, 0.005, 0.99, 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ChoosePlateauThreshold(tt.scores, tt.positive, tt.maxFF, tt.margin)
			if got < tt.wantLo || got > tt.wantHi {
				t.Errorf("ChoosePlateauThreshold = %v, want in [%v, %v]", got, tt.wantLo, tt.wantHi)
			}
		})
	}
}

// TestFitDropout: with no dropout it is Fit; with dropout the weight is
// spread over two signals that mark the same campaigns rather than put on
// the one that marks them a little more often, and it refuses a rate of 1.
func TestFitDropout(t *testing.T) {
	a, b := sigIndex(SigManner), sigIndex(SigHearsay)
	var x []Features
	var y []bool
	for k := range 400 {
		var f Features
		camp := k%4 == 0
		if camp {
			f[a] = 1       // every campaign hostile
			if k%20 != 0 { // four in five hearsay too
				f[b] = 1
			}
		} else if k%50 == 1 {
			f[b] = 1 // a few genuine referrals hearsay
		}
		x, y = append(x, f), append(y, camp)
	}
	plain, zero := Fit(x, y, 0.001, 3000), FitDropout(x, y, 0.001, 0, 3000)
	for _, s := range Signals {
		if plain.Weights[s] != zero.Weights[s] {
			t.Errorf("FitDropout(dropout 0) %s = %v, Fit %v: want equal", s, zero.Weights[s], plain.Weights[s])
		}
	}
	if plain.Bias != zero.Bias {
		t.Errorf("FitDropout(dropout 0) bias %v, Fit %v", zero.Bias, plain.Bias)
	}
	d := FitDropout(x, y, 0.001, 0.5, 3000)
	ratio := func(m Model) float64 { return m.Weights[SigHearsay] / m.Weights[SigManner] }
	t.Logf("dropout 0.5: %.3f %.3f; plain %.3f %.3f", d.Weights[SigManner], d.Weights[SigHearsay], plain.Weights[SigManner], plain.Weights[SigHearsay])
	if !(d.Weights[SigManner] < plain.Weights[SigManner]) || !(ratio(d) > ratio(plain)) {
		t.Errorf("dropout 0.5: hostile_manner %.3f, hearsay %.3f (ratio %.3f); without: %.3f, %.3f (%.3f); want the strongest signal shrunk and the share of the other to rise",
			d.Weights[SigManner], d.Weights[SigHearsay], ratio(d), plain.Weights[SigManner], plain.Weights[SigHearsay], ratio(plain))
	}
	defer func() {
		if recover() == nil {
			t.Error("FitDropout(dropout 1) did not panic")
		}
	}()
	FitDropout(x, y, 0.001, 1, 10)
}
