package casework

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"bonafide"
	"bonafide/triage/triagetest"
)

func benchSize(b *testing.B, name string, def int) int {
	b.Helper()
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("%s=%q: want a number of at least 1000", name, v)
		}
		return n
	}
	return def
}

// benchQueries returns the searches a worker would type for ref: the
// child's name, the name with a partial date of birth, the postcode, and
// the mother's handle when she has one.
func benchQueries(ref *bonafide.Referral) []FamilyQuery {
	c := ref.Children[0]
	qs := []FamilyQuery{
		{Name: c.GivenName + " " + c.FamilyName},
		{Name: c.FamilyName, DOB: bonafide.PartialDate{Year: c.DOB.Year, Month: c.DOB.Month}.String()},
		{Postcode: ref.Address.Postcode},
	}
	for _, a := range ref.Adults {
		for _, h := range a.SocialHandles {
			qs = append(qs, FamilyQuery{Handle: "@" + h.Handle})
		}
	}
	return qs
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkFamilySearch indexes BONAFIDE_BENCH_REFERRALS generated
// referrals (1,000,000 by default; triagetest.History, two people each)
// and runs searches (name, name with a partial date of birth, postcode,
// handle) drawn from 1,000 of them, reporting the index's latency per
// search (both name orders queried, hits ranked): p50, p99 and max. The
// case rows a search then reads are point reads, measured by
// BenchmarkFamilyStore.
//
//	go test ./casework -run '^$' -bench FamilySearch -benchtime 4000x -timeout 30m
func BenchmarkFamilySearch(b *testing.B) {
	n := benchSize(b, "BONAFIDE_BENCH_REFERRALS", 1_000_000)
	f, err := NewFamilies()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var qs []FamilyQuery
	seq := int64(0)
	every := max(n/1000, 1)
	for rec := range triagetest.History(1, n) {
		seq++
		f.Add(bonafide.Stored{Seq: seq, Record: rec})
		if ref, ok := rec.(*bonafide.Referral); ok && seq%int64(every) == 0 {
			qs = append(qs, benchQueries(ref)...)
		}
	}
	b.Logf("indexed %d referrals (%d people records) in %v; %d searches", n, f.Len(), time.Since(start).Round(time.Millisecond), len(qs))
	var lat []time.Duration
	hits := 0
	i := 0
	for b.Loop() {
		t0 := time.Now()
		hits += len(f.search(qs[i%len(qs)]))
		lat = append(lat, time.Since(t0))
		i++
	}
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(lat, 1).Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(hits)/float64(i), "hits/search")
}

// BenchmarkFamilyStore measures the server's work end to end on a real
// SQLite store of BONAFIDE_BENCH_STORE referrals (20,000 by default),
// each triaged into its family: SearchFamilies (index, case rows,
// grouping, audit) and Family, the page of the family with the most
// referrals (case rows, referrals, events, notifications, letters,
// assessments, chronology). The audit entry is appended to memory here;
// the server's audit log adds one append per request.
//
//	go test ./casework -run '^$' -bench FamilyStore -benchtime 400x
func BenchmarkFamilyStore(b *testing.B) {
	n := benchSize(b, "BONAFIDE_BENCH_STORE", 20_000)
	ctx := context.Background()
	e := newFamilyEnv(b)
	e.now = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var refs []*bonafide.Referral
	recs := func(yield func(bonafide.Record, error) bool) {
		for rec := range triagetest.History(1, n) {
			if ref, ok := rec.(*bonafide.Referral); ok {
				refs = append(refs, ref)
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
	if _, err := e.st.Import(ctx, recs); err != nil {
		b.Fatal(err)
	}
	if _, err := e.svc.Families.Sync(ctx, e.st); err != nil {
		b.Fatal(err)
	}
	// Triage's family: the generator's, which its surname names.
	count := map[string]int{}
	var as []bonafide.Assessment
	for rec, err := range e.st.Records(ctx, 0, 0) {
		if err != nil {
			b.Fatal(err)
		}
		ref, ok := rec.Record.(*bonafide.Referral)
		if !ok {
			continue
		}
		fam := "FAM-" + ref.Children[0].FamilyName
		count[fam]++
		as = append(as, bonafide.Assessment{ReferralID: ref.ID, Seq: rec.Seq, SafetyLevel: "standard", DecisionDue: ref.ReceivedAt.Add(24 * time.Hour),
			Engine: "bench triage", Output: []byte(`{"campaign":{"reasons":[]}}`), Family: fam})
	}
	for len(as) > 0 {
		k := min(len(as), 5000)
		if _, err := e.st.Assessments().PutAssessments(ctx, as[:k]); err != nil {
			b.Fatal(err)
		}
		as = as[k:]
	}
	var fams []string
	for f := range count {
		fams = append(fams, f)
	}
	slices.SortFunc(fams, func(x, y string) int { return count[y] - count[x] })
	fams = fams[:min(10, len(fams))]
	var qs []FamilyQuery
	for i := 0; i < len(refs); i += max(len(refs)/200, 1) {
		qs = append(qs, benchQueries(refs[i])...)
	}
	b.Logf("%d referrals stored; largest family %s has %d referrals; %d searches", n, fams[0], count[fams[0]], len(qs))
	var search, page []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.svc.SearchFamilies(ctx, worker, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := e.svc.Family(ctx, worker, fams[i%len(fams)], "the API"); err != nil {
			b.Fatal(err)
		}
		search, page = append(search, t1.Sub(t0)), append(page, time.Since(t1))
		i++
	}
	b.ReportMetric(float64(percentile(search, 0.5).Microseconds())/1000, "search-p50-ms")
	b.ReportMetric(float64(percentile(search, 0.99).Microseconds())/1000, "search-p99-ms")
	b.ReportMetric(float64(percentile(page, 0.5).Microseconds())/1000, "page-p50-ms")
	b.ReportMetric(float64(percentile(page, 0.99).Microseconds())/1000, "page-p99-ms")
	b.ReportMetric(float64(count[fams[0]]), "largest-family")
}
