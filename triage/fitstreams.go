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

// Fitting parameters of [FitStreams]: L2 regularisation and gradient steps.
const (
	fitL2    = 0.001
	fitIters = 20000
)

// FitStreams fits the campaign model on labelled streams and returns the
// default configuration with the fitted model (its Source set to source)
// and a threshold that flags at most maxFalseFlags of the genuine
// referrals of the fitting data ([ChooseThreshold]). Each stream is
// triaged with the default configuration, in order, and every referral's
// features are labelled campaign or not by its truth. The data it is
// fitted on must not be the data it is judged on.
func FitStreams(ctx context.Context, data []LabelledStream, maxFalseFlags float64, source string) (Config, error) {
	if len(data) == 0 {
		return Config{}, errors.New("fit: no streams")
	}
	var x []Features
	var y []bool
	for i, d := range data {
		truth, err := ReadTruth(d.Truth)
		if err != nil {
			return Config{}, fmt.Errorf("fit: truth of %s: %w", d.name(i), err)
		}
		camp := map[string]bool{}
		for _, t := range truth {
			camp[t.ReferralID] = t.Campaign != nil
		}
		e, err := New(DefaultConfig())
		if err != nil {
			return Config{}, err
		}
		_, err = Run(ctx, e, d.Stream, io.Discard, func(a *Assessment) {
			x = append(x, a.Features())
			y = append(y, camp[a.ReferralID])
		})
		if err != nil {
			return Config{}, fmt.Errorf("fit: %s: %w", d.name(i), err)
		}
	}
	m := Fit(x, y, fitL2, fitIters)
	m.Source = source
	scores := make([]float64, len(x))
	for i := range x {
		scores[i] = m.Score(&x[i])
	}
	c := DefaultConfig()
	c.Model = m
	c.Threshold = ChooseThreshold(scores, y, maxFalseFlags)
	return c, nil
}
