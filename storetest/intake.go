package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// IntakeOptions is what RunIntake asks of a store it opens: a safety
// judge to write with each referral, and the store's clock.
type IntakeOptions struct {
	Judge bonafide.SafetyJudge
	Now   func() time.Time
}

// OpenIntake returns a new, empty Store opened with opts and the
// AssessmentStore on the same database, for t; it closes them in a
// t.Cleanup.
type OpenIntake func(t *testing.T, opts IntakeOptions) (bonafide.Store, bonafide.AssessmentStore)

// RunIntake runs the conformance suite of what a store guarantees at
// intake: every referral it stores has its safety assessment stored in the
// same transaction (Add and Import alike, none if the judge refuses);
// readers prefer complete kinds of assessment to incomplete ones whatever
// the order of storing; LastAssessedSeq counts only final kinds; and both
// back-ends refuse, with the field named and nothing written, the records
// no assessment can be made of (times outside the window, identifiers with
// control characters or invalid UTF-8).
func RunIntake(t *testing.T, open OpenIntake) {
	tests := []struct {
		name string
		fn   func(*testing.T, OpenIntake)
	}{
		{"SafetyWithReferral", testSafetyWithReferral},
		{"JudgeRefuses", testJudgeRefuses},
		{"KindPreference", testKindPreference},
		{"RefusedAtTheDoor", testRefusedAtTheDoor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// intakeNow is the clock RunIntake's stores run on: a year after the
// records' times.
var intakeNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// testJudge rates a referral immediate when it says a child is in danger
// now, standard otherwise, and writes the level into its output, so that a
// test can tell its answer from any other.
func testJudge(r *bonafide.Referral) (bonafide.Assessment, error) {
	level := "standard"
	if r.ImmediateDanger {
		level = "immediate"
	}
	out, err := json.Marshal(map[string]any{"referral_id": r.ID, "part": "safety", "safety": map[string]string{"level": level}})
	if err != nil {
		return bonafide.Assessment{}, err
	}
	return bonafide.Assessment{ReferralID: r.ID, SafetyLevel: level, Engine: "test safety",
		DecisionDue: r.ReceivedAt.Add(24 * time.Hour), Output: out, Kind: bonafide.KindSafety}, nil
}

func openIntake(t *testing.T, open OpenIntake) (bonafide.Store, bonafide.AssessmentStore) {
	return open(t, IntakeOptions{Judge: testJudge, Now: func() time.Time { return intakeNow }})
}

// wantSafety fails t unless the assessment readers get of id is the
// safety assessment of the referral stored at seq.
func wantSafety(t *testing.T, as bonafide.AssessmentStore, id string, seq int64, level string) {
	t.Helper()
	a, err := as.Assessment(context.Background(), id)
	if err != nil {
		t.Fatalf("Assessment(%s) = %v; want its safety assessment, stored with it", id, err)
	}
	if a.Kind != bonafide.KindSafety || a.Seq != seq || a.SafetyLevel != level || a.Engine != "test safety" ||
		!strings.Contains(string(a.Output), `"level":"`+level+`"`) {
		t.Errorf("Assessment(%s) = kind %q seq %d level %q engine %q output %s; want the safety assessment at seq %d, level %s",
			id, a.Kind, a.Seq, a.SafetyLevel, a.Engine, a.Output, seq, level)
	}
}

func testSafetyWithReferral(t *testing.T, open OpenIntake) {
	ctx := context.Background()
	st, as := openIntake(t, open)
	r := Referral("R-S1")
	seq, err := st.Add(ctx, r)
	if err != nil {
		t.Fatalf("Add = %v", err)
	}
	wantSafety(t, as, "R-S1", seq, "immediate")

	calm := Referral("R-S3")
	calm.ImmediateDanger = false
	recs := []bonafide.Record{Referral("R-S2"), publicPost("P-S2"), calm, outcome("R-S2")}
	if n, err := st.Import(ctx, Seq(recs)); err != nil || n != len(recs) {
		t.Fatalf("Import = %d, %v; want %d, nil", n, err, len(recs))
	}
	for _, w := range []struct {
		id    string
		level string
	}{{"R-S2", "immediate"}, {"R-S3", "standard"}} {
		stored, err := st.ReferralByID(ctx, w.id)
		if err != nil {
			t.Fatal(err)
		}
		wantSafety(t, as, w.id, stored.Seq, w.level)
	}
	// Safety assessments are not what a triage writer resumes after.
	if last, err := as.LastAssessedSeq(ctx); err != nil || last != 0 {
		t.Errorf("LastAssessedSeq = %d, %v; want 0 (only safety assessments stored)", last, err)
	}
}

func testJudgeRefuses(t *testing.T, open OpenIntake) {
	ctx := context.Background()
	refusing := func(r *bonafide.Referral) (bonafide.Assessment, error) {
		if r.ID == "R-J2" {
			return bonafide.Assessment{}, errors.New("cannot judge")
		}
		return testJudge(r)
	}
	wrongID := func(r *bonafide.Referral) (bonafide.Assessment, error) {
		a, err := testJudge(r)
		a.ReferralID = "someone else"
		return a, err
	}
	for _, tt := range []struct {
		name  string
		judge bonafide.SafetyJudge
	}{{"judge fails", refusing}, {"judge names another referral", wrongID}} {
		t.Run(tt.name, func(t *testing.T) {
			st, as := open(t, IntakeOptions{Judge: tt.judge, Now: func() time.Time { return intakeNow }})
			if _, err := st.Add(ctx, Referral("R-J2")); err == nil {
				t.Errorf("Add of a referral its judge refuses = nil; want an error, nothing stored")
			}
			if n, err := st.Import(ctx, Seq([]bonafide.Record{Referral("R-J1"), Referral("R-J2")})); err == nil {
				t.Errorf("Import with a referral its judge refuses = %d, nil; want an error, nothing stored", n)
			}
			for _, id := range []string{"R-J1", "R-J2"} {
				if _, err := st.ReferralByID(ctx, id); bonafide.ErrorCode(err) != bonafide.ENotFound {
					t.Errorf("ReferralByID(%s) = %v; want ENotFound: nothing of a refused write is stored", id, err)
				}
				if _, err := as.Assessment(ctx, id); bonafide.ErrorCode(err) != bonafide.ENotFound {
					t.Errorf("Assessment(%s) = %v; want ENotFound", id, err)
				}
			}
		})
	}
}

func testKindPreference(t *testing.T, open OpenIntake) {
	ctx := context.Background()
	st, as := openIntake(t, open)
	seq, err := st.Add(ctx, Referral("R-K1"))
	if err != nil {
		t.Fatal(err)
	}
	of := func(kind bonafide.AssessmentKind, engine string) bonafide.Assessment {
		a := assessment("R-K1", seq, engine)
		a.Kind = kind
		return a
	}
	steps := []struct {
		put      bonafide.Assessment
		want     string // engine readers get after it
		lastSeen int64  // LastAssessedSeq after it
	}{
		{of(bonafide.KindProvisional, "e1 provisional"), "e1 provisional", 0},
		{of(bonafide.KindFailure, "e1 failed"), "e1 failed", seq},
		{of(bonafide.KindCampaign, "e1"), "e1", seq},
		// A provisional assessment stored after the full one (a race at the
		// end of a restart) never hides it.
		{of(bonafide.KindProvisional, "e2 provisional"), "e1", seq},
		{of(bonafide.KindCampaign, "e2"), "e2", seq},
	}
	for i, s := range steps {
		put(t, as, s.put)
		got, err := as.Assessment(ctx, "R-K1")
		if err != nil || got.Engine != s.want {
			t.Errorf("step %d: after storing %s %q, Assessment = %q, %v; want %q", i, s.put.Kind, s.put.Engine, got.Engine, err, s.want)
		}
		if last, err := as.LastAssessedSeq(ctx); err != nil || last != s.lastSeen {
			t.Errorf("step %d: LastAssessedSeq = %d, %v; want %d", i, last, err, s.lastSeen)
		}
	}
	all, err := as.Assessments(ctx, "R-K1")
	if err != nil || len(all) != len(steps)+1 {
		t.Fatalf("Assessments = %d, %v; want %d (the safety one and every one put)", len(all), err, len(steps)+1)
	}
	if last := all[len(all)-1]; last.Kind != bonafide.KindSafety {
		t.Errorf("the first assessment stored is %q, want the safety one", last.Kind)
	}
	bad := of("guess", "e3")
	if _, err := as.PutAssessments(ctx, []bonafide.Assessment{bad}); bonafide.ErrorCode(err) != bonafide.EInvalid {
		t.Errorf("PutAssessments(kind %q) = %v; want EInvalid", bad.Kind, err)
	}
}

// refusedRecords are records both stores refuse, each with the field a
// refusal must name.
func refusedRecords() []struct {
	name  string
	rec   bonafide.Record
	field string
} {
	ref := func(change func(*bonafide.Referral)) *bonafide.Referral {
		r := Referral("R-D1")
		change(r)
		return r
	}
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	post := publicPost("P-D1")
	post.PostedAt = intakeNow.Add(bonafide.MaxClockSkew + time.Hour)
	out := outcome("R-D1")
	out.DecidedAt = far
	return []struct {
		name  string
		rec   bonafide.Record
		field string
	}{
		{"received in 9999", ref(func(r *bonafide.Referral) { r.ReceivedAt = far }), "received_at"},
		{"received more than a day ahead", ref(func(r *bonafide.Referral) { r.ReceivedAt = intakeNow.Add(25 * time.Hour) }), "received_at"},
		{"received in 1000", ref(func(r *bonafide.Referral) { r.ReceivedAt = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC) }), "received_at"},
		{"received in 1899", ref(func(r *bonafide.Referral) { r.ReceivedAt = time.Date(1899, 12, 31, 23, 0, 0, 0, time.UTC) }), "received_at"},
		{"born two years after the referral", ref(func(r *bonafide.Referral) { r.Children[0].DOB = bonafide.PartialDate{Year: 2027} }), "children[0].dob"},
		{"NUL in the id", ref(func(r *bonafide.Referral) { r.ID = "R-D1\x00" }), "id"},
		{"control character in the id", ref(func(r *bonafide.Referral) { r.ID = "R-\x1bD1" }), "id"},
		{"id not UTF-8", ref(func(r *bonafide.Referral) { r.ID = "R-\xffD1" }), "id"},
		{"post from tomorrow's tomorrow", post, "posted_at"},
		{"outcome decided in 9999", out, "decided_at"},
		{"outcome of an id with NUL", &bonafide.Outcome{ReferralID: "R\x00", DecidedAt: t0}, "referral_id"},
	}
}

func testRefusedAtTheDoor(t *testing.T, open OpenIntake) {
	ctx := context.Background()
	st, as := openIntake(t, open)
	for _, tt := range refusedRecords() {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.Add(ctx, tt.rec)
			checkRefusal(t, "Add", err, tt.field)
			n, err := st.Import(ctx, Seq([]bonafide.Record{Referral("R-D0-" + strings.ReplaceAll(tt.name, " ", "-")), tt.rec}))
			checkRefusal(t, fmt.Sprintf("Import (%d taken)", n), err, tt.field)
		})
	}
	counts, err := st.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for typ, n := range counts {
		if n != 0 {
			t.Errorf("Count()[%s] = %d after only refused writes, want 0", typ, n)
		}
	}
	if _, err := as.Assessment(ctx, "R-D1"); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("Assessment(R-D1) = %v; want ENotFound", err)
	}
}

// checkRefusal fails t unless err is a validation error with code EInvalid
// naming field.
func checkRefusal(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ve *bonafide.ValidationError
	if !errors.As(err, &ve) || bonafide.ErrorCode(err) != bonafide.EInvalid {
		t.Errorf("%s = %v; want a validation error (EInvalid) naming %s", what, err, field)
		return
	}
	for _, fe := range ve.Errors {
		if fe.Field == field {
			return
		}
	}
	t.Errorf("%s = %v; want an error at field %s", what, err, field)
}
