package triage

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// A LabelledStream is an interchange stream with the generator's truth file
// about it (see [ReadTruth]): data to fit the campaign model on.
type LabelledStream struct {
	Name   string // names the stream in errors, e.g. its file name
	Stream io.Reader
	Truth  io.Reader
}

// name returns d's name, or "stream N" (N from 1) when it has none.
func (d LabelledStream) name(i int) string {
	if d.Name != "" {
		return d.Name
	}
	return fmt.Sprintf("stream %d", i+1)
}

// Fitting parameters of [FitStreams]: L2 regularisation and gradient
// steps; the dropout rate of [FitDropout] (0.5, the usual rate, not tuned:
// each signal fitted as if seen half the time) and the margin of F1 of
// [ChoosePlateauThreshold] (half a point), both for a model that travels
// to data it was not fitted on (docs/triage.md, "Fourth round").
const (
	fitL2      = 0.001
	fitIters   = 20000
	fitDropout = 0.5
	fitPlateau = 0.005
)

// FitStreams fits the campaign model on labelled streams and returns the
// default configuration with the fitted model (its Source set to source)
// and a threshold that flags at most maxFalseFlags of the genuine
// referrals of the fitting data. The weights are fitted with signal
// dropout ([FitDropout]) and the threshold is the middle of the plateau of
// near-best F1 ([ChoosePlateauThreshold]) rather than the best F1 on the
// fitting data: both so that what is fitted on one source holds on
// another. Each stream is triaged with the default configuration, in
// order, and every referral's features are labelled campaign or not by
// its truth. The data it is fitted on must not be the data it is judged on.
func FitStreams(ctx context.Context, data []LabelledStream, maxFalseFlags float64, source string) (Config, error) {
	return FitStreamsCut(ctx, data, nil, maxFalseFlags, source)
}

// FitStreamsCut is [FitStreams] with a cut that travels: the weights are
// fitted on data alone, and the threshold is chosen by
// [ChooseRobustThreshold] over the fitting data and each stream of cut
// (another generator, another agency, another period), so that it is not
// the best on one source only. With no cut streams it is FitStreams.
func FitStreamsCut(ctx context.Context, data, cut []LabelledStream, maxFalseFlags float64, source string) (Config, error) {
	p := DefaultFitParams()
	p.MaxFalseFlags = maxFalseFlags
	return FitStreamsWith(ctx, data, cut, p, source)
}

// DefaultFitParams returns the choices of [FitStreams]: at most 0.5 % of
// genuine referrals flagged, dropout 0.5, a plateau of 0.005.
func DefaultFitParams() FitParams {
	return FitParams{MaxFalseFlags: 0.005, Dropout: fitDropout, Plateau: fitPlateau}
}

// FitParams are the choices of [FitStreamsWith]. [FitStreams] and
// [FitStreamsCut] use dropout 0.5 and a plateau of 0.005.
type FitParams struct {
	MaxFalseFlags float64 // share of genuine referrals the cut may flag on the fitting data (and each cut stream)
	Dropout       float64 // dropout rate of the fit, in [0, 1) ([FitDropout]); 0 is plain L2
	Plateau       float64 // margin of F1 of the cut's plateau ([ChoosePlateauThreshold]); with no cut streams only
}

// FitStreamsWith is [FitStreamsCut] with its choices given. Dropout 0 and
// Plateau 0 are close to the fit of before the fourth round (plain L2; the
// middle of the cuts with the best F1 on a grid of 0.001 rather than the
// highest of them, between two scores).
func FitStreamsWith(ctx context.Context, data, cut []LabelledStream, p FitParams, source string) (Config, error) {
	if p.Dropout < 0 || p.Dropout >= 1 {
		return Config{}, fmt.Errorf("fit: dropout %v, want at least 0 and below 1", p.Dropout)
	}
	if p.Plateau < 0 || p.Plateau >= 1 {
		return Config{}, fmt.Errorf("fit: plateau %v, want at least 0 and below 1", p.Plateau)
	}
	maxFalseFlags := p.MaxFalseFlags
	if len(data) == 0 {
		return Config{}, errors.New("fit: no streams")
	}
	x, y, err := labelledFeatures(ctx, data)
	if err != nil {
		return Config{}, err
	}
	m := FitDropout(x, y, fitL2, p.Dropout, fitIters)
	m.Source = source
	scores := make([]float64, len(x))
	for i := range x {
		scores[i] = m.Score(&x[i])
	}
	c := DefaultConfig()
	c.Model = m
	if len(cut) == 0 {
		c.Threshold = ChoosePlateauThreshold(scores, y, maxFalseFlags, p.Plateau)
		c.Model.Source += fmt.Sprintf("; signal dropout %g; cut %.3f, the middle of the cuts within %g of the best F1 on the fitting data", p.Dropout, c.Threshold, p.Plateau)
		return c, nil
	}
	sets, labels := [][]float64{scores}, [][]bool{y}
	for i, d := range cut {
		cx, cy, err := labelledFeatures(ctx, []LabelledStream{d})
		if err != nil {
			return Config{}, fmt.Errorf("fit: cut stream %s: %w", d.name(i), err)
		}
		cs := make([]float64, len(cx))
		for k := range cx {
			cs[k] = m.Score(&cx[k])
		}
		sets, labels = append(sets, cs), append(labels, cy)
	}
	th, ok := ChooseRobustThreshold(sets, labels, maxFalseFlags)
	if !ok {
		return Config{}, fmt.Errorf("fit: no threshold flags at most %.2f%% of genuine referrals on every stream", 100*maxFalseFlags)
	}
	c.Threshold = th
	m.Source += fmt.Sprintf("; signal dropout %g; cut %.3f chosen for the best worst-case F1 over the fitting data and %d cut stream(s)", p.Dropout, th, len(cut))
	c.Model = m
	return c, nil
}

// labelledFeatures triages each stream with the default configuration (the
// signals do not depend on the weights) and labels every referral's
// features by its truth.
func labelledFeatures(ctx context.Context, data []LabelledStream) ([]Features, []bool, error) {
	var x []Features
	var y []bool
	for i, d := range data {
		truth, err := ReadTruth(d.Truth)
		if err != nil {
			return nil, nil, fmt.Errorf("fit: truth of %s: %w", d.name(i), err)
		}
		camp := map[string]bool{}
		for _, t := range truth {
			camp[t.ReferralID] = t.Campaign != nil
		}
		e, err := New(DefaultConfig())
		if err != nil {
			return nil, nil, err
		}
		_, err = Run(ctx, e, d.Stream, io.Discard, func(a *Assessment) {
			x = append(x, a.Features())
			y = append(y, camp[a.ReferralID])
		})
		if err != nil {
			return nil, nil, fmt.Errorf("fit: %s: %w", d.name(i), err)
		}
	}
	return x, y, nil
}
