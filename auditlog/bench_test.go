package auditlog

import (
	"context"
	"testing"
)

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(b), Config{})
	if err != nil {
		b.Fatal(err)
	}
	e := Entry{Who: "sw-17", What: "referral.view", Object: "R-000001", Why: "triage"}
	for b.Loop() {
		if _, err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify reports entries verified per second over a 20,000-entry
// log with a checkpoint every 1,000 entries.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(b), Config{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 20000
	e := Entry{Who: "sw-17", What: "referral.view", Object: "R-000001", Why: "triage"}
	for i := range n {
		if _, err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
		if (i+1)%1000 == 0 {
			if _, err := l.WriteCheckpoint(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		if _, err := l.Verify(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}
