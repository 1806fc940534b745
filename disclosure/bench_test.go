package disclosure_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"bonafide"
	"bonafide/storetest"
)

// BenchmarkRelease times one police request from filing to a signed,
// stored package (file, decide, second approval: three audit entries and
// a PDF) on SQLite.
func BenchmarkRelease(b *testing.B) {
	e := newEnvTB(b, "sqlite")
	ctx := context.Background()
	if _, err := e.store.Add(ctx, storetest.Referral("R-1")); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		d, err := e.svc.File(ctx, liaison, request("R-1"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Decide(ctx, dpo1, d.ID, approval(bonafide.ReviewApproveFull)); err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Approve(ctx, dpo2, d.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "releases/s")
}

// BenchmarkSARBundle times a SAR over 50 referrals from opening to the
// produced bundle on SQLite.
func BenchmarkSARBundle(b *testing.B) {
	e := newEnvTB(b, "sqlite")
	ctx := context.Background()
	var ids []string
	for i := range 50 {
		r := sarReferrals()[i%2]
		r.ID = fmt.Sprintf("B-%d", i)
		ids = append(ids, r.ID)
		if _, err := e.store.Add(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	open := bonafide.SAR{Requester: bonafide.SARPerson{GivenName: "Dace", FamilyName: "Orrery"},
		Children: []bonafide.SARPerson{{GivenName: "Pim", FamilyName: "Orrery"}}, Referrals: ids, Received: time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)}
	for b.Loop() {
		s, err := e.svc.OpenSAR(ctx, dpo1, open)
		if err != nil {
			b.Fatal(err)
		}
		if s, err = e.svc.SignOff(ctx, dpo2, s.ID); err != nil {
			b.Fatal(err)
		}
		if _, err = e.svc.Produce(ctx, dpo1, s.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
}
