package synth

import (
	"context"
	"io"
	"testing"
)

func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Seed: 1, Families: 5000}
	var refs int
	for b.Loop() {
		st, err := Generate(context.Background(), cfg, io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		refs += st.Referrals
	}
	b.ReportMetric(float64(refs)/b.Elapsed().Seconds(), "referrals/s")
}
