// Package storetest is the conformance suite every [bonafide.Store]
// back-end runs, so that the SQLite and PostgreSQL stores keep one contract:
// records round-trip with their unknown fields and reporter, sequence numbers
// rise across types, paging, conflicts, all-or-none imports, not-found codes,
// concurrency, cancellation and a draining Close.
//
// It lives in a non-test file, like testing/slogtest, so that each back-end's
// tests call [Run] with their own way of opening a store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
)

// Open returns a Store for t. Called once in a test it returns a new, empty
// store; called again in the same test it must reopen the same database (the
// suite closes a store and checks what it kept). The opener closes every
// store it returns in a t.Cleanup; Close must be safe to call twice.
type Open func(t *testing.T) bonafide.Store

// Run runs the conformance suite against stores made by open, each subtest
// on a fresh store.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, Open)
	}{
		{"RoundTrip", testRoundTrip},
		{"UnknownFieldsKept", testUnknownFields},
		{"ReporterOptional", testReporterOptional},
		{"SequenceAcrossTypes", testSequence},
		{"RecordsPaging", testPaging},
		{"RecordsStopEarly", testStopEarly},
		{"AddDuplicate", testAddDuplicate},
		{"ImportAll", testImportAll},
		{"ImportDuplicate", testImportDuplicate},
		{"ImportRollback", testImportRollback},
		{"InvalidRecord", testInvalid},
		{"NotFound", testNotFound},
		{"ConcurrentAdds", testConcurrentAdds},
		{"Count", testCount},
		{"ContextCancelled", testCancelled},
		{"ImportCancelledMidway", testImportCancelled},
		{"AddCancelledWhileQueued", testAddCancelledQueued},
		{"AddCancelReturns", testAddCancelReturns},
		{"CloseDrainsAdds", testCloseDrains},
		{"Reopen", testReopen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("BST", 3600))

// Referral returns a referral with every field set, including a reporter,
// for a store to round-trip. Names are invented.
func Referral(id string) *bonafide.Referral {
	return &bonafide.Referral{
		ID:          id,
		ReceivedAt:  t0,
		Channel:     bonafide.ChannelRelay,
		RelayedFrom: &bonafide.Relay{Agency: "National Helpline", Ref: "NH-" + id},
		SourceCode:  "3A",
		Reporter: &bonafide.Reporter{
			GivenName:    "Quorra",
			FamilyName:   "Vantablack",
			Phone:        "07700 900123",
			Email:        "q.vantablack@example.invalid",
			Address:      &bonafide.Address{Line1: "9 Nowhere Row", Town: "Testbury", Postcode: "ZZ9 9ZZ"},
			Relationship: bonafide.RelNeighbour,
			ContactIP:    "192.0.2.44",
			DeviceID:     "dev-5f1e",
		},
		KnowledgeBasis: bonafide.KnowledgeFirstHand,
		Children: []bonafide.Person{{
			GivenName: "Pim", FamilyName: "Orrery", OtherNames: []string{"Pimmy"},
			DOB: bonafide.PartialDate{Year: 2017, Month: 6}, NHSNumber: "9434765919", Sex: "F",
			Role: bonafide.RoleChild,
		}},
		Adults: []bonafide.Person{{
			GivenName: "Dace", FamilyName: "Orrery", Role: bonafide.RoleMother,
			SocialHandles: []bonafide.SocialHandle{{Platform: "example", Handle: "@dace_o"}},
		}},
		Address:         &bonafide.Address{Line1: "4 Lantern Close", Town: "Testbury", Postcode: "ZZ1 1ZZ"},
		Concerns:        []bonafide.Concern{{Category: "neglect", Detail: "left alone overnight"}},
		Narrative:       "Heard crying late at night, several nights running.",
		ImmediateDanger: true,
	}
}

// reporterMarks are strings planted in Referral's reporter that must never
// appear in a record body.
var reporterMarks = []string{"Quorra", "Vantablack", "07700 900123", "q.vantablack@example.invalid", "9 Nowhere Row", "192.0.2.44", "dev-5f1e"}

// ReporterMarks returns the reporter values of [Referral], so that a
// back-end's own tests can check none of them is stored with the record.
func ReporterMarks() []string { return slices.Clone(reporterMarks) }

func publicPost(id string) *bonafide.PublicPost {
	return &bonafide.PublicPost{ID: id, Platform: "example", Handle: "@dace_o", PostedAt: t0.Add(-48 * time.Hour),
		Text: "Lovely day at the park with the kids", URL: "https://example.invalid/p/" + id, MediaNote: "two children on swings"}
}

func forumPost(id string) *bonafide.ForumPost {
	return &bonafide.ForumPost{ID: id, Site: "forum.example.invalid", Thread: "t-9", AuthorHandle: "anon77",
		PostedAt: t0.Add(-24 * time.Hour), Text: "someone should call social services on them", URL: "https://forum.example.invalid/t-9#" + id}
}

func outcome(referralID string) *bonafide.Outcome {
	return &bonafide.Outcome{ReferralID: referralID, DecidedAt: t0.Add(72 * time.Hour),
		Decision: "no_further_action", Finding: "unfounded", Note: "no concerns found at home visit"}
}

// normal returns rec as it reads back from its own JSON, the form a store is
// expected to return.
func normal(t *testing.T, rec bonafide.Record) bonafide.Record {
	t.Helper()
	b, err := interchange.Encode(rec)
	if err != nil {
		t.Fatalf("interchange.Encode(%T) = %v", rec, err)
	}
	out, err := interchange.Unmarshal(b)
	if err != nil {
		t.Fatalf("interchange.Unmarshal(%T) = %v", rec, err)
	}
	return out
}

func mustAdd(t *testing.T, s bonafide.Store, rec bonafide.Record) int64 {
	t.Helper()
	seq, err := s.Add(context.Background(), rec)
	if err != nil {
		t.Fatalf("Add(%T) = %v", rec, err)
	}
	return seq
}

func all(t *testing.T, s bonafide.Store, after int64, limit int) []bonafide.Stored {
	t.Helper()
	var out []bonafide.Stored
	for st, err := range s.Records(context.Background(), after, limit) {
		if err != nil {
			t.Fatalf("Records(%d, %d) = %v", after, limit, err)
		}
		out = append(out, st)
	}
	return out
}

func seqs(sts []bonafide.Stored) []int64 {
	out := make([]int64, len(sts))
	for i, st := range sts {
		out[i] = st.Seq
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := bonafide.ErrorCode(err); got != code {
		t.Errorf("%s error code = %q (%v), want %q", what, got, err, code)
	}
}

// wantCount checks s.Count against want; zero counts may be given or not.
func wantCount(t *testing.T, s bonafide.Store, want map[bonafide.RecordType]int64) {
	t.Helper()
	got, err := s.Count(context.Background())
	if err != nil {
		t.Fatalf("Count() = %v", err)
	}
	for _, m := range []map[bonafide.RecordType]int64{got, want} {
		for typ, n := range m {
			if n == 0 {
				delete(m, typ)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Count() = %v, want %v", got, want)
	}
}

func testRoundTrip(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	recs := []bonafide.Record{Referral("R-1"), publicPost("P-1"), forumPost("F-1"), outcome("R-1")}
	for _, rec := range recs {
		t.Run(string(rec.RecordType()), func(t *testing.T) {
			seq := mustAdd(t, s, rec)
			got, err := s.Get(ctx, seq)
			if err != nil {
				t.Fatalf("Get(%d) = %v", seq, err)
			}
			if got.Seq != seq {
				t.Errorf("Get(%d).Seq = %d, want %d", seq, got.Seq, seq)
			}
			if got.StoredAt.IsZero() {
				t.Errorf("Get(%d).StoredAt is zero", seq)
			}
			if want := normal(t, rec); !reflect.DeepEqual(got.Record, want) {
				t.Errorf("Get(%d).Record = %#v, want %#v", seq, got.Record, want)
			}
		})
	}
	byID, err := s.ReferralByID(ctx, "R-1")
	if err != nil {
		t.Fatalf("ReferralByID(R-1) = %v", err)
	}
	if want := normal(t, recs[0]); !reflect.DeepEqual(byID.Record, want) {
		t.Errorf("ReferralByID(R-1).Record = %#v, want %#v", byID.Record, want)
	}
	r, ok := byID.Record.(*bonafide.Referral)
	if !ok || r.Reporter == nil || r.Reporter.FamilyName != "Vantablack" {
		t.Errorf("ReferralByID(R-1) reporter not restored")
	}
}

func keepsUnknown() bool {
	rec, err := interchange.Unmarshal([]byte(`{"type":"referral","id":"x","received_at":"2025-01-01T00:00:00Z","zz_probe":1}`))
	r, ok := rec.(*bonafide.Referral)
	return err == nil && ok && r.Extra["zz_probe"] != nil
}

func testUnknownFields(t *testing.T, open Open) {
	if !keepsUnknown() {
		t.Skip("the domain types' JSON does not keep unknown members (interchange codec absent)")
	}
	s := open(t)
	ctx := context.Background()
	ref := Referral("R-extra")
	ref.Extra = bonafide.Extra{"zz_future": json.RawMessage(`{"a":[1,2]}`)}
	ref.Reporter.Extra = bonafide.Extra{"zz_reporter_future": json.RawMessage(`"kept"`)}
	ref.Children[0].Extra = bonafide.Extra{"zz_child": json.RawMessage(`true`)}
	post := publicPost("P-extra")
	post.Extra = bonafide.Extra{"zz_post": json.RawMessage(`3`)}
	out := outcome("R-extra")
	out.Extra = bonafide.Extra{"zz_outcome": json.RawMessage(`null`)}
	for _, rec := range []bonafide.Record{ref, post, out} {
		seq := mustAdd(t, s, rec)
		got, err := s.Get(ctx, seq)
		if err != nil {
			t.Fatalf("Get(%d) = %v", seq, err)
		}
		if want := normal(t, rec); !reflect.DeepEqual(got.Record, want) {
			t.Errorf("Get(%d).Record = %#v, want %#v", seq, got.Record, want)
		}
	}
	got, err := s.ReferralByID(ctx, "R-extra")
	if err != nil {
		t.Fatalf("ReferralByID(R-extra) = %v", err)
	}
	r := got.Record.(*bonafide.Referral)
	if r.Extra["zz_future"] == nil || r.Children[0].Extra["zz_child"] == nil {
		t.Errorf("ReferralByID(R-extra) lost unknown members: %v, %v", r.Extra, r.Children[0].Extra)
	}
	if r.Reporter == nil || string(r.Reporter.Extra["zz_reporter_future"]) != `"kept"` {
		t.Errorf("ReferralByID(R-extra) lost the reporter's unknown member")
	}
}

func testReporterOptional(t *testing.T, open Open) {
	s := open(t)
	ref := Referral("R-anon")
	ref.Reporter = nil
	anon := Referral("R-anon2")
	anon.Reporter = &bonafide.Reporter{Anonymous: true}
	for _, tt := range []struct {
		name string
		rec  *bonafide.Referral
	}{{"none", ref}, {"anonymous", anon}} {
		t.Run(tt.name, func(t *testing.T) {
			seq := mustAdd(t, s, tt.rec)
			got, err := s.Get(context.Background(), seq)
			if err != nil {
				t.Fatalf("Get(%d) = %v", seq, err)
			}
			if want := normal(t, tt.rec); !reflect.DeepEqual(got.Record, want) {
				t.Errorf("Get(%d).Record = %#v, want %#v", seq, got.Record, want)
			}
		})
	}
}

// mixed returns n records cycling through the four types, ids from base.
func mixed(base string, n int) []bonafide.Record {
	recs := make([]bonafide.Record, n)
	for i := range recs {
		id := fmt.Sprintf("%s-%d", base, i)
		switch i % 4 {
		case 0:
			recs[i] = Referral(id)
		case 1:
			recs[i] = publicPost(id)
		case 2:
			recs[i] = outcome(fmt.Sprintf("%s-%d", base, i-2))
		case 3:
			recs[i] = forumPost(id)
		}
	}
	return recs
}

func testSequence(t *testing.T, open Open) {
	s := open(t)
	recs := mixed("S", 12)
	var added []int64
	for _, rec := range recs {
		seq := mustAdd(t, s, rec)
		if len(added) > 0 && seq <= added[len(added)-1] {
			t.Errorf("Add(%T) = seq %d, not above previous %d", rec, seq, added[len(added)-1])
		}
		added = append(added, seq)
	}
	got := all(t, s, 0, 0)
	if !slices.Equal(seqs(got), added) {
		t.Fatalf("Records(0, 0) seqs = %v, want %v", seqs(got), added)
	}
	for i, st := range got {
		if st.Record.RecordType() != recs[i].RecordType() {
			t.Errorf("Records(0, 0)[%d] type = %s, want %s", i, st.Record.RecordType(), recs[i].RecordType())
		}
		if i > 0 && st.StoredAt.Before(got[i-1].StoredAt) {
			t.Errorf("Records(0, 0)[%d].StoredAt = %v, before the previous %v", i, st.StoredAt, got[i-1].StoredAt)
		}
	}
}

func testPaging(t *testing.T, open Open) {
	s := open(t)
	n, err := s.Import(context.Background(), Seq(mixed("G", 2503)))
	if err != nil || n != 2503 {
		t.Fatalf("Import(2503 records) = %d, %v, want 2503, nil", n, err)
	}
	every := seqs(all(t, s, 0, 0))
	if len(every) != 2503 {
		t.Fatalf("Records(0, 0) gave %d records, want 2503", len(every))
	}
	tests := []struct {
		name         string
		after        int64
		limit        int
		from, length int // want every[from : from+length]
	}{
		{"all", 0, 0, 0, 2503},
		{"first page", 0, 10, 0, 10},
		{"after first", every[0], 3, 1, 3},
		{"middle", every[1000], 1500, 1001, 1500},
		{"over the end", every[2500], 10, 2501, 2},
		{"at the end", every[2502], 0, 2503, 0},
		{"past the end", every[2502] + 100, 5, 2503, 0},
		{"limit spans pages", every[5], 2400, 6, 2400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := seqs(all(t, s, tt.after, tt.limit))
			want := every[tt.from : tt.from+tt.length]
			if !slices.Equal(got, want) {
				t.Errorf("Records(%d, %d) = %d records %v…, want %d from %v…", tt.after, tt.limit,
					len(got), head(got), len(want), head(want))
			}
		})
	}
}

func head(s []int64) []int64 { return s[:min(len(s), 5)] }

func testStopEarly(t *testing.T, open Open) {
	s := open(t)
	if _, err := s.Import(context.Background(), Seq(mixed("E", 1200))); err != nil {
		t.Fatalf("Import = %v", err)
	}
	n := 0
	for _, err := range s.Records(context.Background(), 0, 0) {
		if err != nil {
			t.Fatalf("Records = %v", err)
		}
		n++
		if n == 1001 {
			break
		}
	}
	if n != 1001 {
		t.Errorf("Records stopped after %d, want 1001", n)
	}
	// The store must still serve after a consumer stops early.
	mustAdd(t, s, publicPost("after-break"))
}

func testAddDuplicate(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	first := mustAdd(t, s, Referral("D-1"))
	dup := Referral("D-1")
	dup.Narrative = "a different account"
	_, err := s.Add(ctx, dup)
	wantCode(t, "Add(duplicate D-1)", err, bonafide.EConflict)
	got, err := s.ReferralByID(ctx, "D-1")
	if err != nil {
		t.Fatalf("ReferralByID(D-1) = %v", err)
	}
	if got.Seq != first || got.Record.(*bonafide.Referral).Narrative == dup.Narrative {
		t.Errorf("ReferralByID(D-1) = seq %d, want the first (%d) unchanged", got.Seq, first)
	}
	// Outcomes and posts may repeat ids; only referral ids are unique.
	mustAdd(t, s, outcome("D-1"))
	mustAdd(t, s, outcome("D-1"))
	wantCount(t, s, map[bonafide.RecordType]int64{bonafide.TypeReferral: 1, bonafide.TypeOutcome: 2})
}

// Seq yields recs with no error, as an import source.
func Seq(recs []bonafide.Record) iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// failAt yields recs and then err in place of record i.
func failAt(recs []bonafide.Record, i int, err error) iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		for j, r := range recs {
			if j == i {
				yield(nil, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func testImportAll(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	mustAdd(t, s, publicPost("before"))
	recs := mixed("I", 40)
	n, err := s.Import(ctx, Seq(recs))
	if err != nil || n != 40 {
		t.Fatalf("Import(40 records) = %d, %v, want 40, nil", n, err)
	}
	got := all(t, s, 0, 0)
	if len(got) != 41 {
		t.Fatalf("Records after Import gave %d, want 41", len(got))
	}
	for i, rec := range recs {
		if want := normal(t, rec); !reflect.DeepEqual(got[i+1].Record, want) {
			t.Errorf("Records[%d] = %#v, want %#v", i+1, got[i+1].Record, want)
		}
	}
	n, err = s.Import(ctx, Seq(nil))
	if err != nil || n != 0 {
		t.Errorf("Import(nothing) = %d, %v, want 0, nil", n, err)
	}
}

func testImportDuplicate(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	mustAdd(t, s, Referral("stored"))
	tests := []struct {
		name  string
		recs  []bonafide.Record
		wantN int
	}{
		{"within the file", []bonafide.Record{Referral("a"), publicPost("p"), Referral("b"), Referral("a"), Referral("c")}, 3},
		{"already stored", []bonafide.Record{Referral("d"), forumPost("f"), Referral("stored"), Referral("e")}, 2},
		{"first record", []bonafide.Record{Referral("stored")}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.Import(ctx, Seq(tt.recs))
			if n != tt.wantN {
				t.Errorf("Import() n = %d, want %d", n, tt.wantN)
			}
			wantCode(t, "Import()", err, bonafide.EConflict)
			wantCount(t, s, map[bonafide.RecordType]int64{bonafide.TypeReferral: 1})
		})
	}
	// The store still takes the good records afterwards.
	n, err := s.Import(ctx, Seq([]bonafide.Record{Referral("a"), Referral("d")}))
	if err != nil || n != 2 {
		t.Errorf("Import(a, d) = %d, %v, want 2, nil", n, err)
	}
}

func testImportRollback(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	mustAdd(t, s, publicPost("keep"))
	bad := errors.New("line 7: bad json")
	recs := mixed("RB", 600)
	tests := []struct {
		name string
		seq  iter.Seq2[bonafide.Record, error]
		n    int
	}{
		{"error first", failAt(recs, 0, bad), 0},
		{"error mid-way", failAt(recs, 7, bad), 7},
		{"error after many", failAt(recs, 555, bad), 555},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.Import(ctx, tt.seq)
			if n != tt.n || !errors.Is(err, bad) {
				t.Errorf("Import() = %d, %v, want %d, %v", n, err, tt.n, bad)
			}
			wantCount(t, s, map[bonafide.RecordType]int64{bonafide.TypePublicPost: 1})
		})
	}
	if got := seqs(all(t, s, 0, 0)); len(got) != 1 {
		t.Errorf("Records after failed imports = %v, want the one record added", got)
	}
}

func testInvalid(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	tests := []struct {
		name string
		rec  bonafide.Record
	}{
		{"nil", nil},
		{"nil referral", (*bonafide.Referral)(nil)},
		{"nil outcome", (*bonafide.Outcome)(nil)},
		{"referral without id", &bonafide.Referral{ReceivedAt: t0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Add(ctx, tt.rec)
			wantCode(t, "Add()", err, bonafide.EInvalid)
			n, err := s.Import(ctx, Seq([]bonafide.Record{Referral("ok-" + tt.name), tt.rec}))
			if n != 1 {
				t.Errorf("Import(ok, bad) n = %d, want 1", n)
			}
			wantCode(t, "Import(ok, bad)", err, bonafide.EInvalid)
		})
	}
	wantCount(t, s, map[bonafide.RecordType]int64{})
}

func testNotFound(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	seq := mustAdd(t, s, Referral("here"))
	_, err := s.Get(ctx, seq+1)
	wantCode(t, "Get(missing)", err, bonafide.ENotFound)
	_, err = s.Get(ctx, 0)
	wantCode(t, "Get(0)", err, bonafide.ENotFound)
	_, err = s.ReferralByID(ctx, "not-here")
	wantCode(t, "ReferralByID(missing)", err, bonafide.ENotFound)
	pid := mustAdd(t, s, publicPost("post-id"))
	if _, err := s.Get(ctx, pid); err != nil {
		t.Errorf("Get(%d) = %v", pid, err)
	}
	_, err = s.ReferralByID(ctx, "post-id")
	wantCode(t, "ReferralByID(a post's id)", err, bonafide.ENotFound)
}

func testConcurrentAdds(t *testing.T, open Open) {
	s := open(t)
	const workers, each = 8, 40
	var wg sync.WaitGroup
	got := make([][]int64, workers)
	errs := make([][]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var rec bonafide.Record = Referral(fmt.Sprintf("C-%d-%d", w, i))
				if i%5 == 4 {
					rec = Referral("C-shared") // every worker tries the same id
				}
				seq, err := s.Add(context.Background(), rec)
				got[w] = append(got[w], seq)
				errs[w] = append(errs[w], err)
			}
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	shared := 0
	for w := range workers {
		for i, err := range errs[w] {
			if i%5 == 4 {
				if err == nil {
					shared++
				} else {
					wantCode(t, "Add(C-shared)", err, bonafide.EConflict)
				}
			} else if err != nil {
				t.Errorf("Add(C-%d-%d) = %v", w, i, err)
			}
			if err == nil {
				if seen[got[w][i]] {
					t.Errorf("seq %d given twice", got[w][i])
				}
				seen[got[w][i]] = true
			}
		}
	}
	if shared != 1 {
		t.Errorf("Add(C-shared) succeeded %d times, want 1", shared)
	}
	want := workers*each*4/5 + 1
	wantCount(t, s, map[bonafide.RecordType]int64{bonafide.TypeReferral: int64(want)})
	stored := seqs(all(t, s, 0, 0))
	for _, seq := range stored {
		if !seen[seq] {
			t.Errorf("stored seq %d was not returned by any Add", seq)
		}
	}
	if len(stored) != len(seen) {
		t.Errorf("Records gave %d, Adds returned %d", len(stored), len(seen))
	}
}

func testCount(t *testing.T, open Open) {
	s := open(t)
	wantCount(t, s, map[bonafide.RecordType]int64{})
	if _, err := s.Import(context.Background(), Seq(mixed("N", 10))); err != nil {
		t.Fatalf("Import = %v", err)
	}
	wantCount(t, s, map[bonafide.RecordType]int64{
		bonafide.TypeReferral: 3, bonafide.TypePublicPost: 3, bonafide.TypeOutcome: 2, bonafide.TypeForumPost: 2,
	})
}

func testCancelled(t *testing.T, open Open) {
	s := open(t)
	seq := mustAdd(t, s, Referral("pre"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Add(ctx, Referral("X-1")); !errors.Is(err, context.Canceled) {
		t.Errorf("Add(cancelled) = %v, want context.Canceled", err)
	}
	if n, err := s.Import(ctx, Seq(mixed("X", 8))); !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("Import(cancelled) = %d, %v, want 0, context.Canceled", n, err)
	}
	if _, err := s.Get(ctx, seq); !errors.Is(err, context.Canceled) {
		t.Errorf("Get(cancelled) = %v, want context.Canceled", err)
	}
	var rerr error
	for _, err := range s.Records(ctx, 0, 0) {
		rerr = err
	}
	if !errors.Is(rerr, context.Canceled) {
		t.Errorf("Records(cancelled) error = %v, want context.Canceled", rerr)
	}
	if _, err := s.Count(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Count(cancelled) = %v, want context.Canceled", err)
	}
	wantCount(t, s, map[bonafide.RecordType]int64{bonafide.TypeReferral: 1})
}

func testImportCancelled(t *testing.T, open Open) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recs := mixed("M", 3000)
	src := func(yield func(bonafide.Record, error) bool) {
		for i, r := range recs {
			if i == 1500 {
				cancel()
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	n, err := s.Import(ctx, src)
	if !errors.Is(err, context.Canceled) || n >= 3000 {
		t.Errorf("Import(cancelled at 1500) = %d, %v, want < 3000, context.Canceled", n, err)
	}
	wantCount(t, s, map[bonafide.RecordType]int64{})
}

// testAddCancelledQueued cancels Adds queued behind an Import that holds the
// writer. Whatever each Add returns must be true: an error means the record
// is absent, a seq means it is stored.
func testAddCancelledQueued(t *testing.T, open Open) {
	s := open(t)
	started, release := make(chan struct{}), make(chan struct{})
	src := func(yield func(bonafide.Record, error) bool) {
		if !yield(publicPost("held-1"), nil) {
			return
		}
		close(started)
		<-release
		yield(publicPost("held-2"), nil)
	}
	imported := make(chan error, 1)
	go func() {
		_, err := s.Import(context.Background(), src)
		imported <- err
	}()
	<-started
	const n = 16
	type result struct {
		seq int64
		err error
	}
	results := make([]chan result, n)
	cancels := make([]context.CancelFunc, n)
	for i := range n {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		results[i] = make(chan result, 1)
		go func() {
			seq, err := s.Add(ctx, Referral(fmt.Sprintf("Q-%d", i)))
			results[i] <- result{seq, err}
		}()
	}
	for _, cancel := range cancels {
		cancel()
	}
	close(release)
	if err := <-imported; err != nil {
		t.Fatalf("Import = %v", err)
	}
	stored := 0
	for i := range n {
		res := <-results[i]
		id := fmt.Sprintf("Q-%d", i)
		got, err := s.ReferralByID(context.Background(), id)
		switch {
		case res.err == nil && (err != nil || got.Seq != res.seq):
			t.Errorf("Add(%s) = %d, nil but ReferralByID = %d, %v", id, res.seq, got.Seq, err)
		case res.err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound:
			t.Errorf("Add(%s) = %v but ReferralByID = %d, %v, want not found", id, res.err, got.Seq, err)
		case res.err != nil && !errors.Is(res.err, context.Canceled):
			t.Errorf("Add(%s) = %v, want context.Canceled", id, res.err)
		case res.err == nil:
			stored++
		}
	}
	wantCount(t, s, map[bonafide.RecordType]int64{bonafide.TypePublicPost: 2, bonafide.TypeReferral: int64(stored)})
}

// testAddCancelReturns checks that an Add whose ctx ends while an Import
// holds the writer returns at once with the ctx error and is never stored.
// If Add waited for the writer instead, the test would hang: the import is
// released only after Add returns.
func testAddCancelReturns(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	imported := make(chan error, 1)
	go func() {
		_, err := s.Import(ctx, func(yield func(bonafide.Record, error) bool) {
			if !yield(publicPost("holding"), nil) { // the import now holds the writer
				return
			}
			close(started)
			<-release
			yield(Referral("imported"), nil)
		})
		imported <- err
	}()
	<-started
	actx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := s.Add(actx, Referral("waiting"))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Add(cancelled while queued) = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-imported; err != nil {
		t.Fatalf("Import = %v", err)
	}
	if _, err := s.ReferralByID(ctx, "waiting"); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("ReferralByID(waiting) = %v, want not found", err)
	}
}

func testCloseDrains(t *testing.T, open Open) {
	s := open(t)
	const workers = 8
	type result struct {
		id  string
		seq int64
		err error
	}
	results := make(chan result, 1024)
	acked := make(chan struct{}, 1024)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("CL-%d-%d", w, i)
				seq, err := s.Add(context.Background(), Referral(id))
				results <- result{id, seq, err}
				if err != nil {
					return
				}
				acked <- struct{}{}
				if i == 100 {
					t.Errorf("Add still succeeding after Close began")
					return
				}
			}
		}()
	}
	// Close once Adds are flowing, so that some are queued or mid-commit.
	for range 20 {
		<-acked
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	wg.Wait()
	close(results)
	if _, err := s.Add(context.Background(), Referral("late")); bonafide.ErrorCode(err) != bonafide.EUnavailable {
		t.Errorf("Add after Close = %v, want code %s", err, bonafide.EUnavailable)
	}
	if _, err := s.Import(context.Background(), Seq(mixed("late", 2))); bonafide.ErrorCode(err) != bonafide.EUnavailable {
		t.Errorf("Import after Close = %v, want code %s", err, bonafide.EUnavailable)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	if _, err := s.Get(context.Background(), 1); bonafide.ErrorCode(err) != bonafide.EUnavailable {
		t.Errorf("Get after Close = %v, want code %s", err, bonafide.EUnavailable)
	}
	if _, err := s.Count(context.Background()); bonafide.ErrorCode(err) != bonafide.EUnavailable {
		t.Errorf("Count after Close = %v, want code %s", err, bonafide.EUnavailable)
	}
	r := open(t)
	ok := 0
	for res := range results {
		if res.err != nil {
			wantCode(t, "Add during Close", res.err, bonafide.EUnavailable)
			continue
		}
		ok++
		got, err := r.ReferralByID(context.Background(), res.id)
		if err != nil || got.Seq != res.seq {
			t.Errorf("after reopen ReferralByID(%s) = seq %d, %v, want %d (acknowledged before Close)", res.id, got.Seq, err, res.seq)
		}
	}
	if ok < 20 {
		t.Errorf("%d Adds acknowledged, want at least 20", ok)
	}
	wantCount(t, r, map[bonafide.RecordType]int64{bonafide.TypeReferral: int64(ok)})
}

func testReopen(t *testing.T, open Open) {
	s := open(t)
	recs := mixed("RO", 9)
	if _, err := s.Import(context.Background(), Seq(recs)); err != nil {
		t.Fatalf("Import = %v", err)
	}
	before := all(t, s, 0, 0)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	r := open(t)
	after := all(t, r, 0, 0)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("Records after reopen = %v, want %v", seqs(after), seqs(before))
	}
	seq := mustAdd(t, r, Referral("RO-new"))
	if seq <= before[len(before)-1].Seq {
		t.Errorf("Add after reopen = seq %d, want above %d", seq, before[len(before)-1].Seq)
	}
}
