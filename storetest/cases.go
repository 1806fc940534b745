package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"bonafide"
)

// OpenCases returns a new, empty Store opened with opts, and the
// AssessmentStore and CaseStore on the same database, for t; it closes them
// in a t.Cleanup.
type OpenCases func(t *testing.T, opts IntakeOptions) (bonafide.Store, bonafide.AssessmentStore, bonafide.CaseStore)

// RunCases runs the conformance suite of [bonafide.CaseStore]: a case
// opens with every referral stored (Add and Import), events append in
// order and a second writer of the same event number is refused, the queue
// orders by safety level then deadline with its filters and counts, a
// campaign assessment flags the case and restricts its family, and
// notifications, letters and census rows round-trip.
func RunCases(t *testing.T, open OpenCases) {
	tests := []struct {
		name string
		fn   func(*testing.T, OpenCases)
	}{
		{"OpenedAtIntake", testCaseOpened},
		{"EventsInOrder", testCaseEvents},
		{"Queue", testCaseQueue},
		{"CampaignRestricts", testCaseCampaign},
		{"NotificationsAndLetters", testCaseNotes},
		{"Census", testCaseCensus},
		{"RestrictedViews", testRestrictedViews},
		{"TriageBacklog", testTriageBacklog},
		{"FamilyEvidence", testFamilyEvidence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

func openCases(t *testing.T, open OpenCases) (bonafide.Store, bonafide.AssessmentStore, bonafide.CaseStore) {
	return open(t, IntakeOptions{Judge: testJudge, Now: func() time.Time { return intakeNow }})
}

// caseReferral is a referral received at hours after t0, in danger now or
// not, by channel.
func caseReferral(id string, hours int, danger bool, channel bonafide.Channel) *bonafide.Referral {
	r := Referral(id)
	r.ReceivedAt = t0.Add(time.Duration(hours) * time.Hour)
	r.ImmediateDanger = danger
	r.Channel = channel
	if channel != bonafide.ChannelRelay {
		r.RelayedFrom = nil
	}
	return r
}

func testCaseOpened(t *testing.T, open OpenCases) {
	ctx := context.Background()
	st, _, cs := openCases(t, open)
	seq, err := st.Add(ctx, caseReferral("C-1", 0, true, bonafide.ChannelPhone))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, Seq([]bonafide.Record{caseReferral("C-2", 1, false, bonafide.ChannelWebForm), publicPost("P-C")})); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		id, level string
		channel   bonafide.Channel
		hours     int
	}{{"C-1", "immediate", bonafide.ChannelPhone, 0}, {"C-2", "standard", bonafide.ChannelWebForm, 1}} {
		r, err := cs.CaseRow(ctx, w.id)
		if err != nil {
			t.Fatalf("CaseRow(%s) = %v; want the case opened with the referral", w.id, err)
		}
		received := t0.Add(time.Duration(w.hours) * time.Hour)
		if r.State != bonafide.CaseReceived || r.SafetyLevel != w.level || r.Channel != w.channel || r.Events != 1 ||
			!r.ReceivedAt.Equal(received) || !r.DecisionDue.Equal(received.Add(24*time.Hour)) || !r.Due.Equal(r.DecisionDue) {
			t.Errorf("CaseRow(%s) = %+v; want received, %s, %s, one event, due a day after receipt", w.id, r, w.level, w.channel)
		}
		if w.id == "C-1" && r.Seq != seq {
			t.Errorf("CaseRow(C-1).Seq = %d, want %d", r.Seq, seq)
		}
	}
	if _, err := cs.CaseRow(ctx, "P-C"); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("CaseRow of a post = %v; want ENotFound", err)
	}
}

func testCaseEvents(t *testing.T, open OpenCases) {
	ctx := context.Background()
	st, _, cs := openCases(t, open)
	if _, err := st.Add(ctx, caseReferral("C-E", 0, false, bonafide.ChannelPhone)); err != nil {
		t.Fatal(err)
	}
	row, err := cs.CaseRow(ctx, "C-E")
	if err != nil {
		t.Fatal(err)
	}
	e := bonafide.CaseEvent{N: 2, ReferralID: "C-E", At: t0.Add(2 * time.Hour), Actor: "user:ada", Action: bonafide.ActDecide,
		Decision: bonafide.DecideAssessment, Reason: "assess the family's needs", Recommended: []bonafide.CaseDecision{bonafide.DecideAssessment}}
	after := row
	after.State, after.Decision, after.Decided, after.Due, after.Worker = bonafide.CaseDecided, e.Decision, e.At, t0.AddDate(0, 2, 0), "user:ada"
	if _, _, err := cs.AppendCaseEvent(ctx, e, after, nil, nil); err != nil {
		t.Fatalf("AppendCaseEvent = %v", err)
	}
	if _, _, err := cs.AppendCaseEvent(ctx, e, after, nil, nil); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("AppendCaseEvent of event 2 again = %v; want EConflict (someone acted first)", err)
	}
	skip := e
	skip.N = 4
	if _, _, err := cs.AppendCaseEvent(ctx, skip, after, nil, nil); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("AppendCaseEvent of event 4 after 2 = %v; want EConflict", err)
	}
	missing := e
	missing.ReferralID = "C-NONE"
	if _, _, err := cs.AppendCaseEvent(ctx, missing, after, nil, nil); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("AppendCaseEvent on no case = %v; want ENotFound", err)
	}
	got, err := cs.CaseEvents(ctx, "C-E")
	if err != nil || len(got) != 1 || got[0].Decision != e.Decision || got[0].Reason != e.Reason || !got[0].At.Equal(e.At) ||
		!slices.Equal(got[0].Recommended, e.Recommended) {
		t.Errorf("CaseEvents = %+v, %v; want the one event appended", got, err)
	}
	r, err := cs.CaseRow(ctx, "C-E")
	if err != nil || r.State != bonafide.CaseDecided || r.Events != 2 || r.Decision != e.Decision || r.Worker != "user:ada" ||
		!r.Due.Equal(after.Due) || !r.Decided.Equal(e.At) {
		t.Errorf("CaseRow after the event = %+v, %v; want decided, two events, the new deadline", r, err)
	}
}

func testCaseQueue(t *testing.T, open OpenCases) {
	ctx := context.Background()
	st, _, cs := openCases(t, open)
	// Received an hour apart: the later immediate ones still come first.
	recs := []bonafide.Record{
		caseReferral("Q-S1", 0, false, bonafide.ChannelPhone),
		caseReferral("Q-S2", 1, false, bonafide.ChannelWebForm),
		caseReferral("Q-I1", 2, true, bonafide.ChannelPhone),
		caseReferral("Q-I2", 3, true, bonafide.ChannelWebForm),
		caseReferral("Q-S3", 4, false, bonafide.ChannelPhone),
	}
	if _, err := st.Import(ctx, Seq(recs)); err != nil {
		t.Fatal(err)
	}
	// Q-S3 is decided: it leaves the front-door queue.
	row, err := cs.CaseRow(ctx, "Q-S3")
	if err != nil {
		t.Fatal(err)
	}
	row.State, row.Worker = bonafide.CaseDecided, "user:bo"
	if _, _, err := cs.AppendCaseEvent(ctx, bonafide.CaseEvent{N: 2, ReferralID: "Q-S3", At: t0, Actor: "user:bo", Action: bonafide.ActDecide,
		Decision: bonafide.DecideEarlyHelp, Reason: "support from the family hub"}, row, nil, nil); err != nil {
		t.Fatal(err)
	}
	ids := func(p bonafide.QueuePage) []string {
		var out []string
		for _, r := range p.Rows {
			out = append(out, r.ReferralID)
		}
		return out
	}
	yes := true
	tests := []struct {
		name    string
		f       bonafide.QueueFilter
		now     time.Time
		want    []string
		total   int
		overdue int
	}{
		{"front door", bonafide.QueueFilter{}, t0, []string{"Q-I1", "Q-I2", "Q-S1", "Q-S2"}, 4, 0},
		{"immediate only", bonafide.QueueFilter{SafetyLevel: "immediate"}, t0, []string{"Q-I1", "Q-I2"}, 2, 0},
		{"by channel", bonafide.QueueFilter{Channel: bonafide.ChannelWebForm}, t0, []string{"Q-I2", "Q-S2"}, 2, 0},
		{"page two", bonafide.QueueFilter{Limit: 3, Offset: 3}, t0, []string{"Q-S2"}, 4, 0},
		{"overdue counted", bonafide.QueueFilter{}, t0.Add(25*time.Hour + 30*time.Minute), []string{"Q-I1", "Q-I2", "Q-S1", "Q-S2"}, 4, 2},
		{"overdue only", bonafide.QueueFilter{OverdueAt: t0.Add(25*time.Hour + 30*time.Minute)}, t0, []string{"Q-S1", "Q-S2"}, 2, 0},
		{"a worker's decided cases", bonafide.QueueFilter{States: []bonafide.CaseState{bonafide.CaseDecided}, Worker: "user:bo"}, t0, []string{"Q-S3"}, 1, 0},
		{"flagged: none yet", bonafide.QueueFilter{Flagged: &yes}, t0, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := cs.Queue(ctx, tt.f, tt.now)
			if err != nil {
				t.Fatalf("Queue = %v", err)
			}
			if got := ids(p); !slices.Equal(got, tt.want) || p.Total != tt.total || p.Overdue != tt.overdue {
				t.Errorf("Queue = %v (total %d, overdue %d), want %v (total %d, overdue %d)", got, p.Total, p.Overdue, tt.want, tt.total, tt.overdue)
			}
		})
	}
	p, err := cs.Queue(ctx, bonafide.QueueFilter{}, t0)
	if err != nil || p.BySafety["immediate"] != 2 || p.BySafety["standard"] != 2 {
		t.Errorf("Queue counts by safety = %v, %v; want 2 immediate, 2 standard", p.BySafety, err)
	}
	for _, bad := range []bonafide.QueueFilter{{States: []bonafide.CaseState{"lost"}}, {Limit: bonafide.MaxQueuePage + 1}, {SafetyLevel: "urgent"}} {
		if _, err := cs.Queue(ctx, bad, t0); bonafide.ErrorCode(err) != bonafide.EInvalid {
			t.Errorf("Queue(%+v) = %v; want EInvalid", bad, err)
		}
	}
}

func testCaseCampaign(t *testing.T, open OpenCases) {
	ctx := context.Background()
	st, as, cs := openCases(t, open)
	seqs := map[string]int64{}
	for i, id := range []string{"F-1", "F-2", "F-3"} {
		seq, err := st.Add(ctx, caseReferral(id, i, false, bonafide.ChannelWebForm))
		if err != nil {
			t.Fatal(err)
		}
		seqs[id] = seq
	}
	put := func(id, family string, flagged bool) {
		a := assessment(id, seqs[id], "engine-1")
		a.Kind, a.Family, a.Flagged, a.SafetyLevel = bonafide.KindCampaign, family, flagged, "standard"
		if _, err := as.PutAssessments(ctx, []bonafide.Assessment{a}); err != nil {
			t.Fatal(err)
		}
	}
	put("F-1", "FAM-000001", false)
	put("F-2", "FAM-000001", true) // a campaign: the whole family is restricted
	put("F-3", "FAM-000001", false)
	for _, id := range []string{"F-1", "F-2", "F-3"} {
		r, err := cs.CaseRow(ctx, id)
		if err != nil || r.Family != "FAM-000001" || !r.Restricted || r.Flagged != (id == "F-2") {
			t.Errorf("CaseRow(%s) = family %q restricted %v flagged %v, %v; want FAM-000001, restricted, flagged only F-2", id, r.Family, r.Restricted, r.Flagged, err)
		}
	}
	if p, err := cs.Queue(ctx, bonafide.QueueFilter{Family: "FAM-000001"}, t0); err != nil || p.Total != 3 {
		t.Errorf("Queue(family) = %d, %v; want 3", p.Total, err)
	}
	if err := cs.SetRestricted(ctx, "FAM-000001", false); err != nil {
		t.Fatal(err)
	}
	if r, _ := cs.CaseRow(ctx, "F-2"); r.Restricted {
		t.Errorf("after SetRestricted(false), F-2 is still restricted")
	}
	if err := cs.SetRestricted(ctx, "FAM-NONE", true); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("SetRestricted(no such family) = %v; want ENotFound", err)
	}
}

func testCaseNotes(t *testing.T, open OpenCases) {
	ctx := context.Background()
	st, _, cs := openCases(t, open)
	if _, err := st.Add(ctx, caseReferral("N-1", 0, false, bonafide.ChannelPhone)); err != nil {
		t.Fatal(err)
	}
	row, err := cs.CaseRow(ctx, "N-1")
	if err != nil {
		t.Fatal(err)
	}
	planned := t0.Add(time.Hour)
	notes := []bonafide.Notification{
		{ReferralID: "N-1", Agency: bonafide.AgencyGP, Kind: bonafide.NoteCheck, Basis: bonafide.BasisSafety, Status: bonafide.NoteHeld,
			HeldReason: "signs of a harassment campaign", Planned: planned},
		{ReferralID: "N-1", Agency: bonafide.AgencyReferrer, Kind: bonafide.NoteAcknowledgement, Basis: bonafide.BasisFeedback,
			Status: bonafide.NotePlanned, Planned: planned, Due: planned.Add(24 * time.Hour)},
	}
	pdf := []byte("%PDF-1.4 test")
	letters := []bonafide.Letter{{ReferralID: "N-1", Kind: bonafide.LetterAcknowledgement, Recipient: "the person who made the referral",
		Created: planned, Actor: "user:ada", Text: "Thank you for telling us.", PDF: pdf, SHA256: fmt.Sprintf("%x", pdf)}}
	row.Worker = "user:ada"
	gotNotes, gotLetters, err := cs.AppendCaseEvent(ctx, bonafide.CaseEvent{N: 2, ReferralID: "N-1", At: planned, Actor: "user:ada",
		Action: bonafide.ActAssign, Worker: "user:ada"}, row, notes, letters)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotNotes) != 2 || gotNotes[0].ID == 0 || gotNotes[1].ID <= gotNotes[0].ID || len(gotLetters) != 1 || gotLetters[0].ID == 0 {
		t.Fatalf("AppendCaseEvent gave notes %+v, letters %+v; want IDs", gotNotes, gotLetters)
	}
	stored, err := cs.Notifications(ctx, "N-1")
	if err != nil || len(stored) != 2 || stored[0].Status != bonafide.NoteHeld || stored[0].HeldReason == "" || !stored[0].Planned.Equal(planned) ||
		!stored[1].Due.Equal(planned.Add(24*time.Hour)) || !stored[0].Due.IsZero() {
		t.Errorf("Notifications = %+v, %v", stored, err)
	}
	release := stored[0]
	release.Status, release.HeldReason = bonafide.NotePlanned, ""
	if err := cs.UpdateNotification(ctx, release, bonafide.NoteHeld); err != nil {
		t.Errorf("UpdateNotification(held → planned) = %v", err)
	}
	if err := cs.UpdateNotification(ctx, release, bonafide.NoteHeld); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("UpdateNotification again from held = %v; want EConflict (already released)", err)
	}
	release.ID = 99999
	if err := cs.UpdateNotification(ctx, release, bonafide.NotePlanned); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("UpdateNotification(no such id) = %v; want ENotFound", err)
	}
	list, err := cs.Letters(ctx, "N-1")
	if err != nil || len(list) != 1 || list[0].PDF != nil || list[0].Text != letters[0].Text || list[0].SHA256 != letters[0].SHA256 {
		t.Errorf("Letters = %+v, %v; want the letter without its PDF", list, err)
	}
	one, err := cs.Letter(ctx, gotLetters[0].ID)
	if err != nil || string(one.PDF) != string(pdf) || one.Kind != bonafide.LetterAcknowledgement || !one.Created.Equal(planned) {
		t.Errorf("Letter = %+v, %v; want it with its PDF", one, err)
	}
	if _, err := cs.Letter(ctx, 99999); !errors.Is(err, err) || bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("Letter(no such id) = %v; want ENotFound", err)
	}
}

func testCaseCensus(t *testing.T, open OpenCases) {
	ctx := context.Background()
	st, _, cs := openCases(t, open)
	for i, id := range []string{"K-1", "K-2", "K-3"} {
		if _, err := st.Add(ctx, caseReferral(id, 24*i, false, bonafide.ChannelPhone)); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := cs.CensusRows(ctx, t0.Add(24*time.Hour), t0.Add(72*time.Hour))
	if err != nil || len(rows) != 2 || rows[0].ReferralID != "K-2" || rows[1].ReferralID != "K-3" {
		t.Errorf("CensusRows = %+v, %v; want K-2 and K-3", rows, err)
	}
}

func testRestrictedViews(t *testing.T, open OpenCases) {
	ctx := context.Background()
	_, _, cs := openCases(t, open)
	at := t0
	for i, v := range []bonafide.RestrictedView{
		{Family: "FAM-V", ReferralID: "R-1", Who: "user:ada", What: "referral.read", NamesShown: true},
		{Family: "FAM-V", ReferralID: "R-2", Who: "user:bo", What: "case.read"},
		{Family: "FAM-OTHER", ReferralID: "R-9", Who: "user:bo", What: "referral.read"},
		{Family: "FAM-V", Who: "user:cy", What: "family.read"},
	} {
		v.At = at.Add(time.Duration(i) * time.Minute)
		if err := cs.RecordView(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := cs.Views(ctx, "FAM-V", 2)
	if err != nil || len(got) != 2 || got[0].Who != "user:cy" || got[1].Who != "user:bo" || got[1].NamesShown || got[1].ReferralID != "R-2" ||
		!got[0].At.Equal(at.Add(3*time.Minute)) {
		t.Errorf("Views(FAM-V, 2) = %+v, %v; want cy's then bo's, newest first", got, err)
	}
	if err := cs.RecordView(ctx, bonafide.RestrictedView{Who: "user:x"}); bonafide.ErrorCode(err) != bonafide.EInvalid {
		t.Errorf("RecordView without a family = %v; want EInvalid", err)
	}
}

func testFamilyEvidence(t *testing.T, open OpenCases) {
	ctx := context.Background()
	_, _, cs := openCases(t, open)
	e := bonafide.FamilyEvidence{Family: "FAM-E", ReceivedAt: t0, Who: "user:ada", BundleSHA256: "ab12", VerifierKey: "bonafide-locker+1+x",
		Exhibits: 7, Dossier: []byte("%PDF-1.4 dossier"), DossierSHA256: "cd34"}
	id, err := cs.AddEvidence(ctx, e)
	if err != nil || id <= 0 {
		t.Fatalf("AddEvidence = %d, %v", id, err)
	}
	if _, err := cs.AddEvidence(ctx, e); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("AddEvidence of the same bundle again = %v; want EConflict", err)
	}
	other := e
	other.Family, other.Dossier = "FAM-F", nil
	if _, err := cs.AddEvidence(ctx, other); err != nil {
		t.Errorf("AddEvidence of the bundle for another family = %v", err)
	}
	got, err := cs.Evidence(ctx, "FAM-E")
	if err != nil || len(got) != 1 {
		t.Fatalf("Evidence(FAM-E) = %+v, %v; want one", got, err)
	}
	g := got[0]
	if g.ID != id || !g.ReceivedAt.Equal(t0) || g.Who != e.Who || g.BundleSHA256 != e.BundleSHA256 || g.VerifierKey != e.VerifierKey ||
		g.Exhibits != 7 || string(g.Dossier) != string(e.Dossier) || g.DossierSHA256 != "cd34" {
		t.Errorf("Evidence(FAM-E) = %+v; want %+v", g, e)
	}
	if got, err := cs.Evidence(ctx, "FAM-F"); err != nil || len(got) != 1 || got[0].Dossier != nil {
		t.Errorf("Evidence(FAM-F) = %+v, %v; want one without a dossier", got, err)
	}
	if _, err := cs.AddEvidence(ctx, bonafide.FamilyEvidence{BundleSHA256: "x"}); bonafide.ErrorCode(err) != bonafide.EInvalid {
		t.Errorf("AddEvidence without a family = %v; want EInvalid", err)
	}
}
