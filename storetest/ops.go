package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"bonafide"
)

// testTriageBacklog holds the store's bonafide.OpsReader to its contract:
// the backlog by safety level with its oldest stored time, shrinking as
// campaign assessments are stored in sequence order, and assessment counts
// by level from a sequence number on.
func testTriageBacklog(t *testing.T, open OpenCases) {
	ctx := context.Background()
	var (
		mu  sync.Mutex
		now = intakeNow
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, as, _ := open(t, IntakeOptions{Judge: testJudge, Now: clock})
	ops, ok := as.(bonafide.OpsReader)
	if !ok {
		t.Fatalf("%T is not a bonafide.OpsReader", as)
	}
	backlog := func() []bonafide.TriageBacklog {
		t.Helper()
		got, err := ops.TriageBacklog(ctx)
		if err != nil {
			t.Fatalf("TriageBacklog() = %v", err)
		}
		for i := range got {
			got[i].Oldest = got[i].Oldest.UTC()
		}
		return got
	}
	if got := backlog(); len(got) != 0 {
		t.Errorf("TriageBacklog(empty) = %v, want none", got)
	}
	seqs := map[string]int64{}
	for i, w := range []struct {
		id     string
		danger bool
	}{{"B-1", true}, {"B-2", false}, {"B-3", true}} {
		mu.Lock()
		now = intakeNow.Add(time.Duration(i) * time.Minute)
		mu.Unlock()
		seq, err := st.Add(ctx, caseReferral(w.id, i, w.danger, bonafide.ChannelPhone))
		if err != nil {
			t.Fatal(err)
		}
		seqs[w.id] = seq
	}
	want := []bonafide.TriageBacklog{
		{SafetyLevel: "immediate", Referrals: 2, Oldest: intakeNow},
		{SafetyLevel: "standard", Referrals: 1, Oldest: intakeNow.Add(time.Minute)},
	}
	if got := backlog(); !slices.Equal(got, want) {
		t.Errorf("TriageBacklog() = %v, want %v", got, want)
	}
	assess := func(id, level string) bonafide.Assessment {
		a := assessment(id, seqs[id], "engine-1")
		a.SafetyLevel = level
		return a
	}
	put(t, as, assess("B-1", "immediate"))
	want = []bonafide.TriageBacklog{
		{SafetyLevel: "immediate", Referrals: 1, Oldest: intakeNow.Add(2 * time.Minute)},
		{SafetyLevel: "standard", Referrals: 1, Oldest: intakeNow.Add(time.Minute)},
	}
	if got := backlog(); !slices.Equal(got, want) {
		t.Errorf("TriageBacklog(B-1 assessed) = %v, want %v", got, want)
	}
	counts, last, err := ops.AssessmentCounts(ctx, 0)
	if err != nil || last != seqs["B-1"] || len(counts) != 1 || counts["immediate"] != 1 {
		t.Errorf("AssessmentCounts(0) = %v, %d, %v; want immediate 1, last %d", counts, last, err, seqs["B-1"])
	}
	put(t, as, assess("B-2", "standard"), assess("B-3", "immediate"))
	if got := backlog(); len(got) != 0 {
		t.Errorf("TriageBacklog(all assessed) = %v, want none", got)
	}
	counts, last2, err := ops.AssessmentCounts(ctx, last)
	if err != nil || last2 != seqs["B-3"] || len(counts) != 2 || counts["immediate"] != 1 || counts["standard"] != 1 {
		t.Errorf("AssessmentCounts(%d) = %v, %d, %v; want immediate 1, standard 1, last %d", last, counts, last2, err, seqs["B-3"])
	}
	if counts, l, err := ops.AssessmentCounts(ctx, last2); err != nil || l != last2 || len(counts) != 0 {
		t.Errorf("AssessmentCounts(%d) = %v, %d, %v; want none, last unchanged", last2, counts, l, err)
	}
}
