package report_test

import (
	"testing"

	"bonafide/report"
)

// The benchmarks render the sample closure letter (two pages); letters/s is
// the figure in docs/letters.md.

func BenchmarkRenderPDF(b *testing.B) {
	l := closure()
	for b.Loop() {
		if _, err := report.RenderPDF(l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}

func BenchmarkRenderPDFEmbeddedFont(b *testing.B) {
	r := dejaVu(b)
	l := closure()
	for b.Loop() {
		if _, err := r.RenderPDF(l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}

func BenchmarkRenderText(b *testing.B) {
	l := closure()
	for b.Loop() {
		report.RenderText(l)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}
