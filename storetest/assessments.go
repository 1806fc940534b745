package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"bonafide"
)

// OpenAssessments returns a new, empty Store and the AssessmentStore on the
// same database, for t. The opener closes them in a t.Cleanup.
type OpenAssessments func(t *testing.T) (bonafide.Store, bonafide.AssessmentStore)

// RunAssessments runs the conformance suite of [bonafide.AssessmentStore]
// against stores made by open, each subtest on a fresh store: assessments
// round-trip byte for byte, one engine stores a referral's assessment once
// (also when writers race), the latest comes first, a put naming no stored
// referral stores nothing, and LastAssessedSeq tells a writer where to
// resume.
func RunAssessments(t *testing.T, open OpenAssessments) {
	tests := []struct {
		name string
		fn   func(*testing.T, OpenAssessments)
	}{
		{"RoundTrip", testAssessmentRoundTrip},
		{"NotFound", testAssessmentNotFound},
		{"OncePerEngine", testAssessmentOnce},
		{"LatestFirst", testAssessmentLatest},
		{"NoSuchReferral", testAssessmentNoReferral},
		{"Invalid", testAssessmentInvalid},
		{"LastAssessedSeq", testLastAssessedSeq},
		{"ConcurrentPuts", testAssessmentConcurrent},
		{"Checkpoints", testCheckpoints},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// addReferrals stores n referrals (with a public post between each) and
// returns their sequence numbers by id.
func addReferrals(t *testing.T, st bonafide.Store, n int) (ids []string, seqs map[string]int64) {
	t.Helper()
	ctx := context.Background()
	seqs = map[string]int64{}
	for i := range n {
		id := fmt.Sprintf("R-A%d", i)
		if _, err := st.Add(ctx, publicPost(fmt.Sprintf("P-A%d", i))); err != nil {
			t.Fatalf("Add(post %d) = %v", i, err)
		}
		seq, err := st.Add(ctx, Referral(id))
		if err != nil {
			t.Fatalf("Add(%s) = %v", id, err)
		}
		ids = append(ids, id)
		seqs[id] = seq
	}
	return ids, seqs
}

// assessment returns an assessment of referral id at seq by engine, with
// an output object that uses every JSON feature a store might normalise
// (key order, spacing, escapes, numbers), so that a round trip shows it
// was kept byte for byte.
func assessment(id string, seq int64, engine string) bonafide.Assessment {
	due := time.Date(2025, 3, 17, 17, 0, 0, 0, time.UTC)
	out := fmt.Sprintf(`{"referral_id":%q,"family":"F-3","reporter":"P-9","safety":{"level":"immediate","reasons":["says \u003cnow\u003e"]},`+
		`"campaign":{"score":0.2314159265358979,"flagged":true,"reasons":[{"signal":"after_public_post","weight":1.5e-7,"evidence":"é"}]},`+
		`"recommendation":"Respond now","decision_due":"2025-03-17T17:00:00Z"}`, id)
	return bonafide.Assessment{ReferralID: id, Seq: seq, SafetyLevel: "immediate", Flagged: true, Score: 0.2314159265358979,
		DecisionDue: due, Engine: engine, Output: json.RawMessage(out)}
}

func put(t *testing.T, as bonafide.AssessmentStore, list ...bonafide.Assessment) int {
	t.Helper()
	n, err := as.PutAssessments(context.Background(), list)
	if err != nil {
		t.Fatalf("PutAssessments(%d) = %v", len(list), err)
	}
	return n
}

func testAssessmentRoundTrip(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, seqs := addReferrals(t, st, 3)
	created := time.Date(2025, 3, 14, 10, 0, 0, 123456000, time.UTC)
	var want []bonafide.Assessment
	for i, id := range ids {
		a := assessment(id, seqs[id], "engine-1")
		a.Flagged = i%2 == 0
		a.SafetyLevel = []string{"immediate", "high", "low"}[i]
		a.DecisionDue = a.DecisionDue.Add(time.Duration(i) * 24 * time.Hour).In(time.FixedZone("BST", 3600))
		if i == 0 {
			a.Created = created
		}
		want = append(want, a)
	}
	if n := put(t, as, want...); n != len(want) {
		t.Fatalf("PutAssessments(%d new) = %d, want %d", len(want), n, len(want))
	}
	var lastID int64
	for i, w := range want {
		got, err := as.Assessment(context.Background(), w.ReferralID)
		if err != nil {
			t.Fatalf("Assessment(%s) = %v", w.ReferralID, err)
		}
		if got.ID <= lastID {
			t.Errorf("Assessment(%s).ID = %d, want above %d (ids rise in the order stored)", w.ReferralID, got.ID, lastID)
		}
		lastID = got.ID
		if got.ReferralID != w.ReferralID || got.Seq != w.Seq || got.SafetyLevel != w.SafetyLevel || got.Flagged != w.Flagged ||
			got.Score != w.Score || !got.DecisionDue.Equal(w.DecisionDue) || got.Engine != w.Engine {
			t.Errorf("Assessment(%s) = %+v, want %+v", w.ReferralID, got, w)
		}
		if !bytes.Equal(got.Output, w.Output) {
			t.Errorf("Assessment(%s).Output = %s, want %s byte for byte", w.ReferralID, got.Output, w.Output)
		}
		if got.Created.IsZero() {
			t.Errorf("Assessment(%s).Created is zero; the store sets it", w.ReferralID)
		}
		if i == 0 && !got.Created.Equal(created) {
			t.Errorf("Assessment(%s).Created = %v, want %v as given", w.ReferralID, got.Created, created)
		}
	}
}

func testAssessmentNotFound(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, _ := addReferrals(t, st, 1)
	ctx := context.Background()
	for _, id := range []string{ids[0], "R-NONE"} {
		if _, err := as.Assessment(ctx, id); bonafide.ErrorCode(err) != bonafide.ENotFound {
			t.Errorf("Assessment(%s) = %v, want code %s", id, err, bonafide.ENotFound)
		}
		if _, err := as.Assessments(ctx, id); bonafide.ErrorCode(err) != bonafide.ENotFound {
			t.Errorf("Assessments(%s) = %v, want code %s", id, err, bonafide.ENotFound)
		}
	}
}

func testAssessmentOnce(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, seqs := addReferrals(t, st, 2)
	a0, a1 := assessment(ids[0], seqs[ids[0]], "engine-1"), assessment(ids[1], seqs[ids[1]], "engine-1")
	if n := put(t, as, a0); n != 1 {
		t.Fatalf("PutAssessments(new) = %d, want 1", n)
	}
	again := a0
	again.Score, again.Output = 0.5, json.RawMessage(`{"referral_id":"changed"}`)
	if n := put(t, as, again, a1); n != 1 {
		t.Errorf("PutAssessments(repeat, new) = %d, want 1 (the repeat skipped)", n)
	}
	got, err := as.Assessments(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !bytes.Equal(got[0].Output, a0.Output) {
		t.Errorf("Assessments(%s) = %d, first output %s; want the first put kept alone", ids[0], len(got), got[0].Output)
	}
	if _, err := as.Assessment(context.Background(), ids[1]); err != nil {
		t.Errorf("Assessment(%s) = %v after a put beside a repeat", ids[1], err)
	}
}

func testAssessmentLatest(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, seqs := addReferrals(t, st, 1)
	id := ids[0]
	for _, engine := range []string{"engine-1", "engine-2", "engine-3"} {
		if n := put(t, as, assessment(id, seqs[id], engine)); n != 1 {
			t.Fatalf("PutAssessments(%s) = %d, want 1", engine, n)
		}
	}
	all, err := as.Assessments(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var engines []string
	for _, a := range all {
		engines = append(engines, a.Engine)
	}
	if fmt.Sprint(engines) != "[engine-3 engine-2 engine-1]" {
		t.Errorf("Assessments(%s) engines = %v, want latest first [engine-3 engine-2 engine-1]", id, engines)
	}
	latest, err := as.Assessment(context.Background(), id)
	if err != nil || latest.Engine != "engine-3" {
		t.Errorf("Assessment(%s) = %q, %v; want engine-3", id, latest.Engine, err)
	}
}

func testAssessmentNoReferral(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, seqs := addReferrals(t, st, 2)
	good := assessment(ids[0], seqs[ids[0]], "engine-1")
	tests := []struct {
		name string
		bad  bonafide.Assessment
	}{
		{"unknown id", assessment("R-NONE", seqs[ids[1]], "engine-1")},
		{"wrong seq", assessment(ids[1], seqs[ids[0]], "engine-1")},
		{"seq of a post", assessment(ids[1], seqs[ids[1]]-1, "engine-1")},
		{"seq not stored", assessment(ids[1], seqs[ids[1]]+100, "engine-1")},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := as.PutAssessments(ctx, []bonafide.Assessment{good, tt.bad})
			if bonafide.ErrorCode(err) != bonafide.ENotFound || n != 0 {
				t.Errorf("PutAssessments(good, %s) = %d, %v; want 0 and code %s", tt.name, n, err, bonafide.ENotFound)
			}
			if _, err := as.Assessment(ctx, ids[0]); bonafide.ErrorCode(err) != bonafide.ENotFound {
				t.Errorf("Assessment(%s) after a failed put = %v, want %s: the put is all or none", ids[0], err, bonafide.ENotFound)
			}
		})
	}
}

func testAssessmentInvalid(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, seqs := addReferrals(t, st, 1)
	base := assessment(ids[0], seqs[ids[0]], "engine-1")
	tests := []struct {
		name   string
		change func(*bonafide.Assessment)
	}{
		{"no referral id", func(a *bonafide.Assessment) { a.ReferralID = "" }},
		{"no engine", func(a *bonafide.Assessment) { a.Engine = "" }},
		{"no output", func(a *bonafide.Assessment) { a.Output = nil }},
		{"output not JSON", func(a *bonafide.Assessment) { a.Output = []byte(`{"safety":`) }},
		{"NUL in the engine", func(a *bonafide.Assessment) { a.Engine = "triage\x00v1" }},
		{"output not UTF-8", func(a *bonafide.Assessment) { a.Output = []byte("{\"note\":\"\xff\xfe\"}") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			tt.change(&a)
			n, err := as.PutAssessments(context.Background(), []bonafide.Assessment{a})
			if bonafide.ErrorCode(err) != bonafide.EInvalid || n != 0 {
				t.Errorf("PutAssessments(%s) = %d, %v; want 0 and code %s", tt.name, n, err, bonafide.EInvalid)
			}
		})
	}
	if n, err := as.PutAssessments(context.Background(), nil); n != 0 || err != nil {
		t.Errorf("PutAssessments(nil) = %d, %v; want 0, nil", n, err)
	}
}

func testLastAssessedSeq(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ctx := context.Background()
	if seq, err := as.LastAssessedSeq(ctx); seq != 0 || err != nil {
		t.Errorf("LastAssessedSeq(empty) = %d, %v; want 0, nil", seq, err)
	}
	ids, seqs := addReferrals(t, st, 3)
	for _, id := range ids[:2] {
		put(t, as, assessment(id, seqs[id], "engine-1"))
		if seq, err := as.LastAssessedSeq(ctx); seq != seqs[id] || err != nil {
			t.Errorf("LastAssessedSeq(after %s) = %d, %v; want %d", id, seq, err, seqs[id])
		}
	}
}

func testAssessmentConcurrent(t *testing.T, open OpenAssessments) {
	st, as := open(t)
	ids, seqs := addReferrals(t, st, 4)
	var list []bonafide.Assessment
	for _, id := range ids {
		list = append(list, assessment(id, seqs[id], "engine-1"))
	}
	const writers = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		errs  []error
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer puts the same assessments, rotated, so that the
			// writers collide on different rows first.
			mine := append(append([]bonafide.Assessment(nil), list[w%len(list):]...), list[:w%len(list)]...)
			n, err := as.PutAssessments(context.Background(), mine)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent PutAssessments = %v", err)
	}
	if total != len(ids) {
		t.Errorf("concurrent PutAssessments stored %d in all, want %d (each once)", total, len(ids))
	}
	for _, id := range ids {
		got, err := as.Assessments(context.Background(), id)
		if err != nil || len(got) != 1 {
			t.Errorf("Assessments(%s) = %d, %v; want exactly 1", id, len(got), err)
		}
	}
}
