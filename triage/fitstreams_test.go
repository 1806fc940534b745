package triage_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"bonafide/synth"
	"bonafide/triage"
)

// synthStream generates a labelled stream with the shared generator.
func synthStream(t *testing.T, seed int64, families int) (stream, truth []byte) {
	t.Helper()
	var s, tr bytes.Buffer
	if _, err := synth.Generate(context.Background(), synth.Config{Seed: seed, Families: families}, &s, &tr); err != nil {
		t.Fatal(err)
	}
	return s.Bytes(), tr.Bytes()
}

func labelled(name string, stream, truth []byte) triage.LabelledStream {
	return triage.LabelledStream{Name: name, Stream: bytes.NewReader(stream), Truth: bytes.NewReader(truth)}
}

// TestFitStreams fits on two generated streams: the configuration is
// valid, names its source, and its threshold flags no more genuine
// referrals of the fitting data than asked.
func TestFitStreams(t *testing.T) {
	s1, t1 := synthStream(t, 1, 300)
	s2, t2 := synthStream(t, 2, 300)
	const maxFF = 0.005
	c, err := triage.FitStreams(context.Background(), []triage.LabelledStream{labelled("a", s1, t1), labelled("b", s2, t2)}, maxFF, "fitted on a,b")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("FitStreams config: Validate = %v", err)
	}
	if !strings.HasPrefix(c.Model.Source, "fitted on a,b; signal dropout 0.5; cut ") {
		t.Errorf("FitStreams Model.Source = %q, want it to start with %q and say how it was fitted", c.Model.Source, "fitted on a,b")
	}
	var ff, genuine int
	for _, data := range [][2][]byte{{s1, t1}, {s2, t2}} {
		e, err := triage.New(c)
		if err != nil {
			t.Fatal(err)
		}
		var as []triage.Assessment
		if _, err := triage.Run(context.Background(), e, bytes.NewReader(data[0]), io.Discard, func(a *triage.Assessment) { as = append(as, *a) }); err != nil {
			t.Fatal(err)
		}
		truth, err := triage.ReadTruth(bytes.NewReader(data[1]))
		if err != nil {
			t.Fatal(err)
		}
		rep := triage.Evaluate(as, truth)
		ff += rep.FalsePositives
		genuine += rep.Genuine
	}
	if genuine == 0 {
		t.Fatal("no genuine referrals in the fitting data")
	}
	if got := float64(ff) / float64(genuine); got > maxFF {
		t.Errorf("fitted threshold %.4f flags %.4f of genuine fitting referrals (%d/%d), want <= %v", c.Threshold, got, ff, genuine, maxFF)
	}
}

func TestFitStreamsErrors(t *testing.T) {
	s, tr := synthStream(t, 3, 20)
	tests := []struct {
		name string
		data []triage.LabelledStream
		err  string
	}{
		{"no streams", nil, "no streams"},
		{"bad truth", []triage.LabelledStream{labelled("x.jsonl", s, []byte("not json\n"))}, "truth of x.jsonl"},
		{"bad stream", []triage.LabelledStream{labelled("y.jsonl", []byte("{\n"), tr)}, "fit: y.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := triage.FitStreams(context.Background(), tt.data, 0.005, "")
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("FitStreams = %v, want an error with %q", err, tt.err)
			}
		})
	}
}

// TestFitStreamsWithParams: a dropout or plateau outside [0, 1) is refused
// before any stream is read.
func TestFitStreamsWithParams(t *testing.T) {
	s, tr := synthStream(t, 3, 20)
	for _, tt := range []struct {
		name string
		p    triage.FitParams
		err  string
	}{
		{"dropout 1", triage.FitParams{MaxFalseFlags: 0.005, Dropout: 1}, "dropout 1"},
		{"negative dropout", triage.FitParams{MaxFalseFlags: 0.005, Dropout: -0.1}, "dropout -0.1"},
		{"negative plateau", triage.FitParams{MaxFalseFlags: 0.005, Plateau: -0.1}, "plateau -0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := triage.FitStreamsWith(context.Background(), []triage.LabelledStream{labelled("a", s, tr)}, nil, tt.p, "")
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("FitStreamsWith(%+v) = %v, want an error with %q", tt.p, err, tt.err)
			}
		})
	}
	if p := triage.DefaultFitParams(); p.Dropout != 0.5 || p.Plateau != 0.005 || p.MaxFalseFlags != 0.005 {
		t.Errorf("DefaultFitParams = %+v, want dropout 0.5, plateau 0.005, 0.5 %% false flags (docs/triage.md)", p)
	}
}
