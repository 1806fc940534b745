package live_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"bonafide"
	"bonafide/triage"
	"bonafide/triage/live"
)

// checkpointing is a countingStore that keeps checkpoints too.
type checkpointing struct {
	*countingStore
	bonafide.CheckpointStore
}

func counting(as bonafide.AssessmentStore) *checkpointing {
	return &checkpointing{&countingStore{AssessmentStore: as}, as.(bonafide.CheckpointStore)}
}

func addAll(t *testing.T, st bonafide.Store, recs []bonafide.Record) {
	t.Helper()
	for _, r := range recs {
		if _, err := st.Add(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func latest(t *testing.T, as bonafide.AssessmentStore) bonafide.TriageCheckpoint {
	t.Helper()
	cp, err := as.(bonafide.CheckpointStore).LatestTriageCheckpoint(context.Background())
	if err != nil {
		t.Fatalf("LatestTriageCheckpoint = %v", err)
	}
	return cp
}

// idsAfter returns the referrals of ids stored after seq.
func idsAfter(ids []string, seqs map[string]int64, seq int64) []string {
	var out []string
	for _, id := range ids {
		if seqs[id] > seq {
			out = append(out, id)
		}
	}
	return out
}

// TestRestartFromCheckpoint runs a service that checkpoints as it goes
// and stops; a second restores its checkpoint, stores the assessments of
// referrals added meanwhile and is killed before it checkpoints again (a
// crash between a checkpoint and later writes); a third restores the same
// checkpoint, replays past what the second stored without storing it again,
// stores only what was added since, and at a clean stop checkpoints the
// end; a fourth restores that and replays nothing. Every stored assessment
// is byte for byte what `bonafide triage` gives for the whole stream.
func TestRestartFromCheckpoint(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := b.new(t)
			st, as := db()
			ctx := context.Background()
			recs := stream(t, 17)
			n := len(recs)
			opts := live.Options{Build: "test", Checkpoint: 100, PageSize: 64}
			if _, err := st.Import(ctx, records(recs[:n*4/10])); err != nil {
				t.Fatal(err)
			}
			a := newService(t, st, as, opts)
			stop := start(t, a)
			_, _, last1 := storeOrder(t, st)
			wait(t, a, last1)
			stop()
			if a.RestoredFrom() != 0 || a.Checkpoints() == 0 {
				t.Fatalf("first service: restored from %d, %d checkpoints stored; want 0 and some", a.RestoredFrom(), a.Checkpoints())
			}
			cp := latest(t, as)
			if cp.Seq <= 0 || cp.Seq > last1 {
				t.Fatalf("checkpoint at seq %d, want one in 1..%d", cp.Seq, last1)
			}

			addAll(t, st, recs[n*4/10:n*7/10])
			crashed := newService(t, st, as, live.Options{Build: "test", Checkpoint: 1 << 30})
			stop = start(t, crashed)
			_, _, last2 := storeOrder(t, st)
			wait(t, crashed, last2)
			stop() // cancelled, not stopped cleanly: no checkpoint at the end
			if got := crashed.RestoredFrom(); got != cp.Seq {
				t.Errorf("second service restored from %d, want the checkpoint's %d", got, cp.Seq)
			}
			if got := latest(t, as); got.ID != cp.ID {
				t.Fatalf("checkpoint after the second service = %+v, want still %+v", got, cp)
			}

			addAll(t, st, recs[n*7/10:])
			out := counting(as)
			third := newService(t, st, out, live.Options{Build: "test"})
			stopGo := third.Go(ctx)
			_, seqs, last3 := storeOrder(t, st)
			wait(t, third, last3)
			if err := stopGo(ctx); err != nil {
				t.Fatalf("stop = %v", err)
			}
			if got := third.RestoredFrom(); got != cp.Seq {
				t.Errorf("third service restored from %d, want %d", got, cp.Seq)
			}
			ids, want := command(t, triage.DefaultConfig(), recs)
			if got, wantIDs := out.ids(), idsAfter(ids, seqs, last2); !slices.Equal(got, wantIDs) {
				t.Errorf("third service stored %d assessments, want the %d added after the crash, in order", len(got), len(wantIDs))
			}
			if got := latest(t, as); got.Seq != last3 {
				t.Errorf("checkpoint after a clean stop at seq %d, want %d", got.Seq, last3)
			}
			check(t, as, third.Engine(), ids, want, seqs)

			fourth := newService(t, st, counting(as), live.Options{Build: "test"})
			stop = start(t, fourth)
			wait(t, fourth, last3)
			stop()
			if got := fourth.RestoredFrom(); got != last3 {
				t.Errorf("fourth service restored from %d, want %d", got, last3)
			}
		})
	}
}

// syncBuffer collects log lines from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCheckpointFallback damages the stored checkpoint in each way a
// store or an upgrade can (gone, a byte changed, cut short, written by
// another engine) and restarts: the service must say so in its log,
// replay the whole store instead, and assess what comes next as the
// command does.
func TestCheckpointFallback(t *testing.T) {
	cases := []struct {
		name    string
		damage  func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, chunks [][]byte)
		wantLog string
	}{
		{"missing", func(t *testing.T, cs bonafide.CheckpointStore, _ bonafide.TriageCheckpoint, _ [][]byte) {
			if _, err := cs.DeleteTriageCheckpoints(context.Background()); err != nil {
				t.Fatal(err)
			}
		}, "no checkpoint"},
		{"a byte changed", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, chunks [][]byte) {
			c := bytes.Clone(chunks[0])
			c[len(c)/2] ^= 0x20
			rewrite(t, cs, cp.Seq, cp.Engine, append([][]byte{c}, chunks[1:]...))
		}, "checkpoint unusable"},
		{"cut short", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, chunks [][]byte) {
			last := chunks[len(chunks)-1]
			rewrite(t, cs, cp.Seq, cp.Engine, append(slices.Clone(chunks[:len(chunks)-1]), last[:len(last)-7]))
		}, "checkpoint unusable"},
		{"another engine", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, chunks [][]byte) {
			rewrite(t, cs, cp.Seq, strings.Replace(cp.Engine, "build:test", "build:other", 1), chunks)
		}, "another engine's"},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, as := b.new(t)()
			ctx := context.Background()
			recs := stream(t, 19)
			per := 12
			base := len(recs) - per*len(cases)
			if _, err := st.Import(ctx, records(recs[:base])); err != nil {
				t.Fatal(err)
			}
			cs := as.(bonafide.CheckpointStore)
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					// A clean stop leaves a good checkpoint at the end.
					svc := newService(t, st, as, live.Options{Build: "test"})
					stop := svc.Go(ctx)
					_, _, last := storeOrder(t, st)
					wait(t, svc, last)
					if err := stop(ctx); err != nil {
						t.Fatal(err)
					}
					cp := latest(t, as)
					if cp.Seq != last {
						t.Fatalf("checkpoint at %d, want %d", cp.Seq, last)
					}
					var chunks [][]byte
					for n := range cp.Chunks {
						c, err := cs.TriageCheckpointChunk(ctx, cp.ID, n)
						if err != nil {
							t.Fatal(err)
						}
						chunks = append(chunks, c)
					}
					c.damage(t, cs, cp, chunks)

					upto := base + per*(i+1)
					addAll(t, st, recs[base+per*i:upto])
					var logs syncBuffer
					svc = newService(t, st, as, live.Options{Build: "test", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
					stop = svc.Go(ctx)
					_, seqs, last := storeOrder(t, st)
					wait(t, svc, last)
					if err := stop(ctx); err != nil {
						t.Fatal(err)
					}
					if got := svc.RestoredFrom(); got != 0 {
						t.Errorf("restored from %d, want a full replay", got)
					}
					if !strings.Contains(logs.String(), c.wantLog) || !strings.Contains(logs.String(), "replaying the whole store") {
						t.Errorf("log = %s\nwant a line with %q and %q", logs.String(), c.wantLog, "replaying the whole store")
					}
					ids, want := command(t, triage.DefaultConfig(), recs[:upto])
					check(t, as, svc.Engine(), ids, want, seqs)
				})
			}
		})
	}
}

// rewrite stores chunks as a new completed checkpoint, replacing the one
// there.
func rewrite(t *testing.T, cs bonafide.CheckpointStore, seq int64, engine string, chunks [][]byte) {
	t.Helper()
	ctx := context.Background()
	id, err := cs.CreateTriageCheckpoint(ctx, seq, engine)
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for n, c := range chunks {
		if err := cs.PutTriageCheckpointChunk(ctx, id, n, c); err != nil {
			t.Fatal(err)
		}
		size += int64(len(c))
	}
	if err := cs.CompleteTriageCheckpoint(ctx, id, size); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointBlindKey: a checkpoint holds reporter keys made with the
// blind index key, so a service with another key must replay, and one
// with the same key restores.
func TestCheckpointBlindKey(t *testing.T) {
	st, as := backends[0].new(t)()
	ctx := context.Background()
	if _, err := st.Import(ctx, records(stream(t, 23))); err != nil {
		t.Fatal(err)
	}
	blind := func(key string) func(string) string {
		return func(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(key+"|"+s))) }
	}
	for _, c := range []struct {
		name, key string
		restored  bool
	}{
		{"first", "key one", false},
		{"same key", "key one", true},
		{"another key", "key two", false},
	} {
		cfg := triage.DefaultConfig()
		cfg.BlindKey = blind(c.key)
		svc := newService(t, st, counting(as), live.Options{Build: "test", Config: cfg})
		stop := svc.Go(ctx)
		_, _, last := storeOrder(t, st)
		wait(t, svc, last)
		if err := stop(ctx); err != nil {
			t.Fatal(err)
		}
		if got := svc.RestoredFrom() != 0; got != c.restored {
			t.Errorf("%s: restored = %v, want %v", c.name, got, c.restored)
		}
		if c.name == "another key" {
			break // its own checkpoint replaced key one's
		}
	}
}
