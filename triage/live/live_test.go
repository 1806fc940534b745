package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/storetest"
	"bonafide/triage"
	"bonafide/triage/live"
	"bonafide/triage/triagetest"
)

// A database opens (and, called again, reopens) one test database: a
// Store and the AssessmentStore beside it, closed when the test ends.
type database func() (bonafide.Store, bonafide.AssessmentStore)

// backend makes a new, empty database for t.
type backend struct {
	name string
	new  func(t *testing.T) database
}

var backends = []backend{
	{"sqlite", func(t *testing.T) database {
		path := filepath.Join(t.TempDir(), "live.db")
		return func() (bonafide.Store, bonafide.AssessmentStore) {
			t.Helper()
			st, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
			if err != nil {
				t.Fatalf("sqlite.Open = %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st, st.Assessments()
		}
	}},
	{"postgres", func(t *testing.T) database {
		dsn := postgresDSN(t)
		return func() (bonafide.Store, bonafide.AssessmentStore) {
			t.Helper()
			st, err := postgres.Open(context.Background(), dsn, postgres.Options{Migrate: true})
			if err != nil {
				t.Fatalf("postgres.Open = %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st, st.Assessments()
		}
	}},
}

// postgresDSN returns a DSN for a fresh schema of its own, dropped when t
// ends, or skips t when BONAFIDE_TEST_POSTGRES_URL is unset.
func postgresDSN(t *testing.T) string { return storetest.PostgresDSN(t, "test_live") }

// stream returns a generated interchange stream (invented families,
// campaigns among them) in order of receipt. The engine gives the same
// output for it on every run (triage.TestSameStreamSameAssessments).
func stream(t *testing.T, seed int64) []bonafide.Record {
	t.Helper()
	var recs []bonafide.Record
	for _, it := range triagetest.Generate(triagetest.Config{Seed: seed, Families: 150, PublicShare: 0.2}) {
		recs = append(recs, it.Rec)
	}
	return recs
}

// command returns what `bonafide triage` writes for recs with cfg: one
// line of triage output per referral, in order, keyed by referral id.
func command(t *testing.T, cfg triage.Config, recs []bonafide.Record) (ids []string, lines map[string][]byte) {
	t.Helper()
	var in bytes.Buffer
	for _, r := range recs {
		b, err := interchange.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(append(b, '\n'))
	}
	e, err := triage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := triage.Run(context.Background(), e, &in, &out, nil); err != nil {
		t.Fatalf("triage.Run = %v", err)
	}
	lines = map[string][]byte{}
	for line := range bytes.Lines(out.Bytes()) {
		var a struct {
			ReferralID string `json:"referral_id"`
		}
		if err := json.Unmarshal(line, &a); err != nil {
			t.Fatalf("triage output %q: %v", line, err)
		}
		ids = append(ids, a.ReferralID)
		lines[a.ReferralID] = bytes.TrimSuffix(line, []byte("\n"))
	}
	return ids, lines
}

// storeOrder returns the store's records in sequence order and the
// sequence number of each referral.
func storeOrder(t *testing.T, st bonafide.Store) ([]bonafide.Record, map[string]int64, int64) {
	t.Helper()
	var recs []bonafide.Record
	seqs := map[string]int64{}
	var last int64
	for s, err := range st.Records(context.Background(), 0, 0) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, s.Record)
		if r, ok := s.Record.(*bonafide.Referral); ok {
			seqs[r.ID] = s.Seq
		}
		last = s.Seq
	}
	return recs, seqs, last
}

// start runs svc until the test ends (or stop is called) and checks that
// Run returned nil.
func start(t *testing.T, svc *live.Service) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- svc.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("Run = %v, want nil after cancel", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func newService(t *testing.T, st bonafide.Store, as bonafide.AssessmentStore, opts live.Options) *live.Service {
	t.Helper()
	svc, err := live.New(st, as, opts)
	if err != nil {
		t.Fatalf("live.New = %v", err)
	}
	return svc
}

func wait(t *testing.T, svc *live.Service, seq int64) {
	t.Helper()
	svc.Notify()
	if err := svc.Wait(context.Background(), seq); err != nil {
		t.Fatalf("Wait(%d) = %v", seq, err)
	}
}

// check verifies that every referral of ids has exactly one stored
// assessment, by engine, equal byte for byte to the command's line, at
// the referral's seq, with its columns matching its output, and that
// assessment ids rise in the order of ids (stored in order of receipt).
func check(t *testing.T, as bonafide.AssessmentStore, engine string, ids []string, want map[string][]byte, seqs map[string]int64) {
	t.Helper()
	ctx := context.Background()
	var lastID int64
	flagged, immediate := 0, 0
	for _, id := range ids {
		all, err := as.Assessments(ctx, id)
		if err != nil {
			t.Errorf("Assessments(%s) = %v", id, err)
			continue
		}
		if len(all) != 1 {
			t.Errorf("Assessments(%s) = %d assessments, want exactly 1", id, len(all))
		}
		a := all[0]
		if !bytes.Equal(a.Output, want[id]) {
			t.Errorf("stored assessment of %s =\n%s\nwant the command's\n%s", id, a.Output, want[id])
		}
		if a.Seq != seqs[id] || a.Engine != engine {
			t.Errorf("assessment of %s: seq %d, engine %q; want %d, %q", id, a.Seq, a.Engine, seqs[id], engine)
		}
		if a.ID <= lastID {
			t.Errorf("assessment of %s has id %d after %d: not stored in order of receipt", id, a.ID, lastID)
		}
		lastID = a.ID
		var out triage.Assessment
		if err := json.Unmarshal(a.Output, &out); err != nil {
			t.Fatalf("stored output of %s: %v", id, err)
		}
		if a.SafetyLevel != string(out.Safety.Level) || a.Flagged != out.Campaign.Flagged || a.Score != out.Campaign.Score || !a.DecisionDue.Equal(out.DecisionDue) {
			t.Errorf("columns of %s = %s %v %v %v, output says %s %v %v %v", id, a.SafetyLevel, a.Flagged, a.Score, a.DecisionDue,
				out.Safety.Level, out.Campaign.Flagged, out.Campaign.Score, out.DecisionDue)
		}
		if a.Flagged {
			flagged++
		}
		if a.SafetyLevel == string(triage.LevelImmediate) {
			immediate++
		}
	}
	if seq, err := as.LastAssessedSeq(ctx); err != nil || seq != seqs[ids[len(ids)-1]] {
		t.Errorf("LastAssessedSeq = %d, %v; want %d", seq, err, seqs[ids[len(ids)-1]])
	}
	t.Logf("%d referrals checked: %d flagged, %d immediate", len(ids), flagged, immediate)
}

// records yields recs for Import.
func records(recs []bonafide.Record) iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestMatchesCommand stores a stream three ways (a history stored before
// the service starts, records added one by one while it runs, and a bulk
// import) and checks that each referral is assessed exactly once, in
// order, with what `bonafide triage` gives for the same stream.
func TestMatchesCommand(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, as := b.new(t)()
			ctx := context.Background()
			recs := stream(t, 7)
			third := len(recs) / 3
			for _, r := range recs[:third] {
				if _, err := st.Add(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			svc := newService(t, st, as, live.Options{})
			start(t, svc)
			for _, r := range recs[third : 2*third] {
				seq, err := st.Add(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				wait(t, svc, seq)
				if ref, ok := r.(*bonafide.Referral); ok {
					if _, err := as.Assessment(ctx, ref.ID); err != nil {
						t.Fatalf("Assessment(%s) after Wait = %v, want it stored", ref.ID, err)
					}
				}
			}
			if _, err := st.Import(ctx, records(recs[2*third:])); err != nil {
				t.Fatal(err)
			}
			_, seqs, last := storeOrder(t, st)
			wait(t, svc, last)
			ids, want := command(t, triage.DefaultConfig(), recs)
			check(t, as, svc.Engine(), ids, want, seqs)
		})
	}
}

// countingStore counts the assessments a service asks to store, so that a
// test sees a repeat even though PutAssessments would skip it, and fails
// the first failures puts.
type countingStore struct {
	bonafide.AssessmentStore
	mu       sync.Mutex
	put      []string
	failures int
}

func (c *countingStore) PutAssessments(ctx context.Context, as []bonafide.Assessment) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failures > 0 {
		c.failures--
		return 0, errors.New("injected failure")
	}
	n, err := c.AssessmentStore.PutAssessments(ctx, as)
	if err == nil {
		for _, a := range as {
			c.put = append(c.put, a.ReferralID)
		}
	}
	return n, err
}

func (c *countingStore) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.put)
}

// TestRestartResumes stops the service, stores more records with it
// stopped (as `bonafide import` would), and starts a new one on a reopened
// store: it must store only the new referrals' assessments, the same as
// the command's, and no earlier one again.
func TestRestartResumes(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := b.new(t)
			st, as := db()
			ctx := context.Background()
			recs := stream(t, 13)
			half := len(recs) / 2
			if _, err := st.Import(ctx, records(recs[:half])); err != nil {
				t.Fatal(err)
			}
			first := &countingStore{AssessmentStore: as}
			svc := newService(t, st, first, live.Options{})
			stop := start(t, svc)
			_, _, firstLast := storeOrder(t, st)
			wait(t, svc, firstLast)
			stop()
			if err := svc.Wait(ctx, firstLast+1); bonafide.ErrorCode(err) != bonafide.EUnavailable {
				t.Errorf("Wait after Run returned = %v, want code %s", err, bonafide.EUnavailable)
			}
			if err := svc.Run(ctx); err == nil {
				t.Errorf("second Run = nil, want an error")
			}
			for _, r := range recs[half:] {
				if _, err := st.Add(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()

			st, as = db()
			second := &countingStore{AssessmentStore: as}
			svc = newService(t, st, second, live.Options{})
			start(t, svc)
			_, seqs, last := storeOrder(t, st)
			wait(t, svc, last)

			ids, want := command(t, triage.DefaultConfig(), recs)
			var before, after []string
			for _, id := range ids {
				if seqs[id] <= firstLast {
					before = append(before, id)
				} else {
					after = append(after, id)
				}
			}
			if got := first.ids(); !slices.Equal(got, before) {
				t.Errorf("first service stored %d assessments, want the %d of the first half in order", len(got), len(before))
			}
			if got := second.ids(); !slices.Equal(got, after) {
				t.Errorf("restarted service stored %d assessments, the first %v; want only the %d referrals added while stopped, in order, the first %v",
					len(got), got[:min(3, len(got))], len(after), after[:min(3, len(after))])
			}
			check(t, as, svc.Engine(), ids, want, seqs)
		})
	}
}

// TestConcurrentWriters adds referrals from several goroutines, each
// waking the service, while it runs: every referral is assessed once, as
// the command assesses the store's own order.
func TestConcurrentWriters(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, as := b.new(t)()
			svc := newService(t, st, as, live.Options{PageSize: 7})
			start(t, svc)
			recs := stream(t, 3)
			const writers = 4
			var wg sync.WaitGroup
			var failed atomic.Bool
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < len(recs); i += writers {
						if _, err := st.Add(context.Background(), recs[i]); err != nil {
							failed.Store(true)
							return
						}
						svc.Notify()
					}
				}()
			}
			wg.Wait()
			if failed.Load() {
				t.Fatal("a concurrent Add failed")
			}
			stored, seqs, last := storeOrder(t, st)
			wait(t, svc, last)
			ids, want := command(t, triage.DefaultConfig(), stored)
			check(t, as, svc.Engine(), ids, want, seqs)
		})
	}
}

// TestRetriesFailedWrites fails the first puts: the service must retry
// them rather than skip or repeat anything.
func TestRetriesFailedWrites(t *testing.T) {
	st, as := backends[0].new(t)()
	ctx := context.Background()
	recs := stream(t, 5)
	if _, err := st.Import(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	failing := &countingStore{AssessmentStore: as, failures: 3}
	svc := newService(t, st, failing, live.Options{PageSize: 50, RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond})
	start(t, svc)
	_, seqs, last := storeOrder(t, st)
	wait(t, svc, last)
	if failing.failures != 0 {
		t.Fatalf("%d injected failures left: the test did not exercise retries", failing.failures)
	}
	ids, want := command(t, triage.DefaultConfig(), recs)
	if got := failing.ids(); !slices.Equal(got, ids) {
		t.Errorf("stored %d assessments after failures, want the %d referrals once each in order", len(got), len(ids))
	}
	check(t, as, svc.Engine(), ids, want, seqs)
}

// refusingStore refuses, as a store refuses what it will never take,
// every batch that holds the campaign assessment of referral id.
type refusingStore struct {
	bonafide.AssessmentStore
	id string
}

func (r *refusingStore) PutAssessments(ctx context.Context, as []bonafide.Assessment) (int, error) {
	if slices.ContainsFunc(as, func(a bonafide.Assessment) bool { return a.ReferralID == r.id && a.Kind != bonafide.KindFailure }) {
		return 0, bonafide.Errorf(bonafide.ENotFound, "no referral %s at its seq", r.id)
	}
	return r.AssessmentStore.PutAssessments(ctx, as)
}

// TestRefusedAssessmentRecorded: an assessment the store refuses for good
// is replaced by a failure record that staff can see (the safety level
// and why), counted, and every other referral is still triaged and
// stored, rather than the service retrying one batch for ever.
func TestRefusedAssessmentRecorded(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			st, as := be.new(t)()
			ctx := context.Background()
			recs := stream(t, 5)
			if _, err := st.Import(ctx, records(recs)); err != nil {
				t.Fatal(err)
			}
			ids, want := command(t, triage.DefaultConfig(), recs)
			bad := ids[len(ids)/2]
			svc := newService(t, st, &refusingStore{AssessmentStore: as, id: bad}, live.Options{PageSize: 50, RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond})
			start(t, svc)
			_, seqs, last := storeOrder(t, st)
			// A guard against a hang, not a measure of speed: without the
			// fallback the service retries the refused batch for ever.
			wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			svc.Notify()
			if err := svc.Wait(wctx, last); err != nil {
				t.Fatalf("Wait(%d) = %v: the service is stuck on the refused assessment", last, err)
			}
			got, err := as.Assessment(ctx, bad)
			if err != nil || got.Kind != bonafide.KindFailure || got.Seq != seqs[bad] {
				t.Fatalf("assessment of %s after its refusal = %+v, %v; want a failure record at seq %d", bad, got, err, seqs[bad])
			}
			var out triage.SafetyOutput
			if err := json.Unmarshal(got.Output, &out); err != nil {
				t.Fatal(err)
			}
			if out.Part != triage.PartFailure || out.Safety.Level == "" || !strings.Contains(out.Failure, "refused") ||
				got.SafetyLevel != string(out.Safety.Level) {
				t.Errorf("failure record of %s = %s; want part failure, its safety level and why", bad, got.Output)
			}
			if n := svc.Failures(); n != 1 {
				t.Errorf("Failures() = %d, want 1", n)
			}
			if last, err := as.LastAssessedSeq(ctx); err != nil || last < seqs[bad] {
				t.Errorf("LastAssessedSeq = %d, %v; want at least %d (a failure record is final)", last, err, seqs[bad])
			}
			rest := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == bad })
			check(t, as, svc.Engine(), rest, want, seqs)
		})
	}
}

// Invented family and reporters for the campaign scenario.
var (
	t0    = time.Date(2025, 5, 6, 9, 0, 0, 0, time.UTC)
	troll = &bonafide.Reporter{Anonymous: true, DeviceID: "dev-4c1d", Email: "vel.ormsby77@example.org", ContactIP: "203.0.113.17"}
	// trollAgain is the same person from another address: an e-mail
	// variant of the first.
	trollAgain = &bonafide.Reporter{Anonymous: true, Email: "velormsby77+kids@example.net", ContactIP: "203.0.113.98"}
	restating  = "She was drunk on cider at a picnic while the toddler was climbing the slide unsupervised."
)

func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func tarrant(id string, at time.Time, rep *bonafide.Reporter, narrative string) *bonafide.Referral {
	return &bonafide.Referral{
		ID: id, ReceivedAt: at, Channel: bonafide.ChannelWebForm, Reporter: rep, KnowledgeBasis: bonafide.KnowledgeNotStated,
		Children: []bonafide.Person{{GivenName: "Nessa", FamilyName: "Tarrantby", DOB: bonafide.PartialDate{Year: 2020, Month: 2, Day: 9}, Role: bonafide.RoleChild}},
		Adults: []bonafide.Person{{GivenName: "Liss", FamilyName: "Tarrantby", Role: bonafide.RoleMother,
			SocialHandles: []bonafide.SocialHandle{{Platform: "instagram", Handle: "@liss.tarrantby"}}}},
		Address:   &bonafide.Address{Line1: "12 Quince Walk", Town: "Hexford", Postcode: "HX9 4ZZ"},
		Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect}},
		Narrative: narrative,
	}
}

// TestImmediateFromLinkedTroll stores, through the live service, a
// referral that says a child is in danger now, sent by a reporter linked
// to an earlier referral found malicious, amid every campaign sign: it
// must be stored as immediate, with the immediate recommendation, however
// the campaign scores it.
func TestImmediateFromLinkedTroll(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, as := b.new(t)()
			svc := newService(t, st, as, live.Options{})
			start(t, svc)
			last := tarrant("R-T4", hours(4), trollAgain, restating+" this mother is DISGUSTING!!!")
			last.ImmediateDanger = true
			last.Channel = bonafide.ChannelPhone
			recs := []bonafide.Record{
				&bonafide.PublicPost{ID: "PP-T0", Platform: "instagram", Handle: "liss.tarrantby", PostedAt: hours(-24 * 20),
					Text: "Welcome to the world baby Ivo, born 3 weeks early and perfect", MediaNote: "newborn in a hospital cot"},
				tarrant("R-T0", hours(-24*40), troll, "Everyone knows she is an unfit mother and the kid is neglected. Something must be done."),
				&bonafide.Outcome{ReferralID: "R-T0", DecidedAt: hours(-24 * 10), Decision: bonafide.DecisionNoFurtherAction, Finding: bonafide.FindingMalicious},
				&bonafide.ForumPost{ID: "F-T1", Site: "gossipboard.example", Thread: "liss tarrantby", PostedAt: hours(-30), Text: "Someone needs to report Liss Tarrantby, drunk on cider"},
				&bonafide.PublicPost{ID: "PP-T1", Platform: "instagram", Handle: "liss.tarrantby", PostedAt: hours(-5),
					Text: "Picnic in the park, first glass of cider in months!", MediaNote: "mother holding a glass, toddler on a slide behind her"},
				tarrant("R-T1", hours(1), troll, restating+" this mother is DISGUSTING!!!"),
				tarrant("R-T2", hours(2), &bonafide.Reporter{Anonymous: true, ContactIP: "203.0.113.5"}, "this woman is a DISGRACE!!! drunk at a picnic"),
				last,
			}
			ctx := context.Background()
			for _, r := range recs {
				seq, err := st.Add(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				wait(t, svc, seq)
			}
			outputOf := func(id string) triage.Assessment {
				t.Helper()
				a, err := as.Assessment(ctx, id)
				if err != nil {
					t.Fatalf("Assessment(%s) = %v", id, err)
				}
				var out triage.Assessment
				if err := json.Unmarshal(a.Output, &out); err != nil {
					t.Fatal(err)
				}
				if a.SafetyLevel != string(out.Safety.Level) || a.Flagged != out.Campaign.Flagged {
					t.Errorf("columns of %s = %s, %v; output says %s, %v", id, a.SafetyLevel, a.Flagged, out.Safety.Level, out.Campaign.Flagged)
				}
				return out
			}
			first, got := outputOf("R-T0"), outputOf("R-T4")
			if got.Reporter != first.Reporter {
				t.Errorf("reporter of R-T4 = %s, want %s (linked to R-T0's reporter)", got.Reporter, first.Reporter)
			}
			if got.Safety.Level != triage.LevelImmediate || got.Recommendation != triage.RecommendImmediate {
				t.Errorf("stored R-T4: safety %s, recommendation %q; want immediate and %q", got.Safety.Level, got.Recommendation, triage.RecommendImmediate)
			}
			if !got.Campaign.Flagged {
				t.Errorf("stored R-T4 campaign = %+v, want flagged (the test needs the campaign signals firing)", got.Campaign)
			}
			var signals []string
			for _, r := range got.Campaign.Reasons {
				signals = append(signals, string(r.Signal))
			}
			t.Logf("R-T4 score %.3f, signals %s", got.Campaign.Score, strings.Join(signals, ", "))
		})
	}
}

// TestCatchUp is `bonafide triage --db`: one CatchUp stores every
// referral's assessment and hands each to Each; a failed write is stored
// by the next call, nothing observed twice; a second service on the same
// store replays (Each sees all again) but stores nothing.
func TestCatchUp(t *testing.T) {
	st, as := backends[0].new(t)()
	ctx := context.Background()
	recs := stream(t, 3)
	if _, err := st.Import(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	ids, want := command(t, triage.DefaultConfig(), recs)
	_, seqs, last := storeOrder(t, st)
	for _, run := range []struct {
		name     string
		failures int
		stores   int
	}{
		{"first, after a failed write", 1, len(ids)},
		{"again, on a new service", 0, 0},
	} {
		t.Run(run.name, func(t *testing.T) {
			var each []string
			failing := &countingStore{AssessmentStore: as, failures: run.failures}
			svc := newService(t, st, failing, live.Options{PageSize: 40, Each: func(a *triage.Assessment) {
				b, err := json.Marshal(a)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, want[a.ReferralID]) {
					t.Errorf("Each(%s) = %s, want the command's %s", a.ReferralID, b, want[a.ReferralID])
				}
				each = append(each, a.ReferralID)
			}})
			total := 0
			for range run.failures + 1 {
				n, err := svc.CatchUp(ctx)
				total += n
				if err != nil {
					t.Logf("CatchUp = %d, %v", n, err)
				}
			}
			if n, err := svc.CatchUp(ctx); n != 0 || err != nil {
				t.Errorf("CatchUp at the end of the store = %d, %v; want 0, nil", n, err)
			}
			if failing.failures != 0 {
				t.Fatalf("%d injected failures left: the test did not exercise them", failing.failures)
			}
			if total != run.stores || len(failing.ids()) != run.stores {
				t.Errorf("CatchUp stored %d (%d put), want %d", total, len(failing.ids()), run.stores)
			}
			if !slices.Equal(each, ids) {
				t.Errorf("Each saw %d referrals, want all %d once each, in order", len(each), len(ids))
			}
			if got := svc.Triaged(); got != last {
				t.Errorf("Triaged() = %d, want %d, the last record", got, last)
			}
		})
	}
	engine, err := live.Version(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	check(t, as, engine, ids, want, seqs)
}

// TestGoStopFinishes: records stored just before stop are triaged by stop
// itself, even with no wake-up, so that a clean shutdown leaves nothing
// untriaged.
func TestGoStopFinishes(t *testing.T) {
	st, as := backends[0].new(t)()
	ctx := context.Background()
	svc := newService(t, st, as, live.Options{Poll: time.Hour})
	recs := stream(t, 5)
	seq, err := st.Add(ctx, recs[0])
	if err != nil {
		t.Fatal(err)
	}
	stop := svc.Go(ctx)
	if err := svc.Wait(ctx, seq); err != nil { // the first pass is over
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, records(recs[1:])); err != nil {
		t.Fatal(err)
	}
	// No Notify, and the next poll is an hour away: only stop's last pass
	// can triage these.
	if err := stop(ctx); err != nil {
		t.Fatalf("stop = %v", err)
	}
	if err := stop(ctx); err != nil {
		t.Errorf("second stop = %v, want nil", err)
	}
	_, seqs, last := storeOrder(t, st)
	if got := svc.Triaged(); got != last {
		t.Errorf("Triaged() after stop = %d, want %d", got, last)
	}
	ids, want := command(t, triage.DefaultConfig(), recs)
	check(t, as, svc.Engine(), ids, want, seqs)
}

// TestYieldsToIntake checks that the service waits while intake is busy
// (Options.Busy) before triaging what was stored, that it triages once
// intake is quiet, or once MaxDefer has passed however busy intake stays,
// and that what it stores is still what the command gives. Pages of one
// record make a service that did not wait store an assessment between two
// questions to Busy.
func TestYieldsToIntake(t *testing.T) {
	tests := []struct {
		name     string
		maxDefer time.Duration
		quiet    bool // intake becomes quiet at the third question; otherwise it stays busy and MaxDefer ends the wait
	}{
		{"until intake is quiet", time.Hour, true},
		{"at most MaxDefer", time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, as := backends[0].new(t)()
			var (
				svc     *live.Service
				busy    atomic.Bool
				asked   atomic.Int64
				atThird atomic.Int64 // Triaged() when Busy was asked the third time while intake was busy
			)
			svc = newService(t, st, as, live.Options{Poll: time.Hour, PageSize: 1, MaxDefer: tt.maxDefer, Busy: func() bool {
				if !busy.Load() {
					return false
				}
				if asked.Add(1) == 3 {
					atThird.Store(svc.Triaged())
					if tt.quiet {
						busy.Store(false)
						return false
					}
				}
				return true
			}})
			recs := stream(t, 5)
			seq0, seqs, _ := busyBurst(t, st, svc, recs, &busy)
			if got := atThird.Load(); tt.quiet && got != seq0 {
				t.Errorf("Triaged() at the third question to Busy = %d, want %d: nothing triaged while intake was busy", got, seq0)
			}
			if svc.Deferred() == 0 {
				t.Errorf("Deferred() = 0, want the wake-up counted as deferred")
			}
			ids, want := command(t, triage.DefaultConfig(), recs)
			check(t, as, svc.Engine(), ids, want, seqs)
		})
	}
}

// TestSlicesWhileIntakeBusy checks that while intake stays busy triage
// works in slices and yields between them (Options.Slice) as long as it is
// within MaxLag, that past MaxLag it runs until caught up however busy
// intake is, and that either way what it stores is what the command gives.
// Each yield while busy counts as deferred, so a service that never sliced
// counts only the wake-up.
func TestSlicesWhileIntakeBusy(t *testing.T) {
	const n = 60 // records stored while intake is busy
	tests := []struct {
		name        string
		maxLag      time.Duration
		minDeferred int64 // at least
		maxDeferred int64 // at most, 0 for no bound
	}{
		{"yields between slices within MaxLag", time.Hour, n - 1, 0},
		{"runs through once MaxLag is past", time.Nanosecond, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, as := backends[0].new(t)()
			var busy atomic.Bool
			svc := newService(t, st, as, live.Options{Poll: time.Hour, MaxDefer: time.Millisecond,
				Slice: time.Nanosecond, MaxLag: tt.maxLag, Busy: busy.Load})
			recs := firstReferrals(stream(t, 5), n+1)
			_, seqs, _ := busyBurst(t, st, svc, recs, &busy)
			got := svc.Deferred()
			if got < tt.minDeferred || (tt.maxDeferred > 0 && got > tt.maxDeferred) {
				t.Errorf("Deferred() = %d, want from %d to %d (0: no bound)", got, tt.minDeferred, tt.maxDeferred)
			}
			ids, want := command(t, triage.DefaultConfig(), recs)
			check(t, as, svc.Engine(), ids, want, seqs)
		})
	}
}

// firstReferrals returns the records of recs up to and including the n-th
// referral.
func firstReferrals(recs []bonafide.Record, n int) []bonafide.Record {
	for i, r := range recs {
		if _, ok := r.(*bonafide.Referral); ok {
			if n--; n == 0 {
				return recs[:i+1]
			}
		}
	}
	return recs
}

// TestBackgroundThread checks where triage runs beside intake: within
// MaxLag every assessment is made on the low-priority thread (nice 10);
// once MaxLag is past triage goes on at normal priority and counts it
// (OverLag); and with no Options.Busy there is no background thread at
// all. The thread has a processor of its own (GOMAXPROCS one more while
// it runs, as before once stopped). Either way what it stores is what the
// command gives.
func TestBackgroundThread(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread priorities are set on Linux only")
	}
	const n = 40 // records stored while intake is busy
	tests := []struct {
		name    string
		busy    bool          // Options.Busy is set
		maxLag  time.Duration //
		nices   []int         // the nice values seen, in order of first sight
		overLag bool          // OverLag() > 0
	}{
		{"within MaxLag: all in the background", true, time.Hour, []int{10}, false},
		{"past MaxLag: on at normal priority", true, time.Nanosecond, []int{0}, true},
		{"no Busy: no background thread", false, time.Hour, []int{0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, err := live.ThreadNice()
			if err != nil {
				t.Fatal(err)
			}
			if base != 0 {
				t.Skipf("tests run at nice %d, want 0", base)
			}
			procs := runtime.GOMAXPROCS(0)
			st, as := backends[0].new(t)()
			ctx := context.Background()
			var (
				busy     atomic.Bool
				mu       sync.Mutex
				nices    []int
				runProcs = -1 // GOMAXPROCS while triage ran
			)
			opts := live.Options{Poll: time.Hour, MaxDefer: time.Millisecond, MaxLag: tt.maxLag,
				Each: func(*triage.Assessment) {
					v, err := live.ThreadNice()
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					defer mu.Unlock()
					runProcs = runtime.GOMAXPROCS(0)
					if !slices.Contains(nices, v) {
						nices = append(nices, v)
					}
				}}
			if tt.busy {
				opts.Busy = busy.Load
			}
			svc := newService(t, st, as, opts)
			recs := firstReferrals(stream(t, 5), n+1)
			_, seqs, stop := busyBurst(t, st, svc, recs, &busy)
			if err := stop(ctx); err != nil { // stop's own catch-up is not Run's
				t.Fatal(err)
			}
			wantProcs := procs
			if tt.busy {
				wantProcs++ // a processor for the background thread
			}
			if got := runtime.GOMAXPROCS(0); got != procs {
				t.Errorf("GOMAXPROCS after the stop = %d, want %d as before", got, procs)
			}
			mu.Lock()
			if runProcs != wantProcs {
				t.Errorf("GOMAXPROCS while triage ran = %d, want %d", runProcs, wantProcs)
			}
			got := slices.Clone(nices)
			mu.Unlock()
			if tt.overLag {
				// The first record of each background call is assessed
				// there before the lag is looked at; the rest are not.
				got = slices.DeleteFunc(got, func(v int) bool { return v == 10 })
			}
			if !slices.Equal(got, tt.nices) {
				t.Errorf("assessments made at nice values %v, want %v", got, tt.nices)
			}
			if o := svc.OverLag(); (o > 0) != tt.overLag {
				t.Errorf("OverLag() = %d, want > 0: %v", o, tt.overLag)
			}
			ids, want := command(t, triage.DefaultConfig(), recs)
			check(t, as, svc.Engine(), ids, want, seqs)
		})
	}
}

// busyBurst starts svc and lets it triage recs[0] with intake quiet, then
// marks intake busy, stores the rest of recs at once and waits until
// triage has caught up with them. It returns the first record's sequence
// number, each referral's (storeOrder) and svc's stop, which the test's
// cleanup also calls.
func busyBurst(t *testing.T, st bonafide.Store, svc *live.Service, recs []bonafide.Record, busy *atomic.Bool) (int64, map[string]int64, func(context.Context) error) {
	t.Helper()
	ctx := context.Background()
	seq0, err := st.Add(ctx, recs[0])
	if err != nil {
		t.Fatal(err)
	}
	stop := svc.Go(ctx)
	t.Cleanup(func() { stop(ctx) })
	if err := svc.Wait(ctx, seq0); err != nil { // the first pass, intake quiet
		t.Fatal(err)
	}
	busy.Store(true)
	if _, err := st.Import(ctx, records(recs[1:])); err != nil {
		t.Fatal(err)
	}
	_, seqs, last := storeOrder(t, st)
	svc.Notify()
	if err := svc.Wait(ctx, last); err != nil {
		t.Fatal(err)
	}
	return seq0, seqs, stop
}

// putCounter counts the transactions in which a service stores
// assessments.
type putCounter struct {
	bonafide.AssessmentStore
	calls atomic.Int64
}

func (p *putCounter) PutAssessments(ctx context.Context, as []bonafide.Assessment) (int, error) {
	p.calls.Add(1)
	return p.AssessmentStore.PutAssessments(ctx, as)
}

// TestGathersWhileBusy checks Options.Gather: while intake is busy, a
// steady stream of referrals, each with its wake-up, is triaged in a few
// catch-ups rather than one write each (here, with a gather of an hour,
// the stream waits for Stop, which triages what is left); when intake is
// quiet a referral is triaged at once whatever the gather. Either way
// what is stored is what the command gives.
func TestGathersWhileBusy(t *testing.T) {
	for _, busy := range []bool{true, false} {
		t.Run(fmt.Sprintf("busy %v", busy), func(t *testing.T) {
			st, as := backends[0].new(t)()
			puts := &putCounter{AssessmentStore: as}
			var intakeBusy atomic.Bool
			svc := newService(t, st, puts, live.Options{Poll: time.Hour, Gather: time.Hour, MaxDefer: time.Millisecond, Busy: intakeBusy.Load})
			ctx := context.Background()
			recs := firstReferrals(stream(t, 5), 30)
			seq0, err := st.Add(ctx, recs[0])
			if err != nil {
				t.Fatal(err)
			}
			stop := svc.Go(ctx)
			defer stop(ctx)
			wait(t, svc, seq0) // the first catch-up, intake quiet
			intakeBusy.Store(busy)
			before := puts.calls.Load()
			for _, r := range recs[1:] {
				seq, err := st.Add(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				svc.Notify()
				if !busy {
					wait(t, svc, seq) // would wait an hour if the quiet referral were gathered
				}
			}
			if err := stop(ctx); err != nil {
				t.Fatal(err)
			}
			referrals := 0
			for _, r := range recs {
				if _, ok := r.(*bonafide.Referral); ok {
					referrals++
				}
			}
			calls := puts.calls.Load() - before
			if busy && (calls > 3 || svc.Gathered() == 0) {
				t.Errorf("busy: %d referrals stored in %d transactions, %d catch-ups gathered; want at most 3 transactions", referrals-1, calls, svc.Gathered())
			}
			if !busy && svc.Gathered() != 0 {
				t.Errorf("quiet: %d catch-ups gathered, want none", svc.Gathered())
			}
			_, seqs, _ := storeOrder(t, st)
			cmdIDs, want := command(t, triage.DefaultConfig(), recs)
			check(t, as, svc.Engine(), cmdIDs, want, seqs)
		})
	}
}
