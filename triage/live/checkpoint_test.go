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
			end := latest(t, as)
			if end.Seq != last3 {
				t.Errorf("checkpoint after a clean stop at seq %d, want %d", end.Seq, last3)
			}
			// A checkpoint after a restored one writes only what changed.
			if st := third.LastCheckpoint(); st.Written == 0 || st.Written >= st.Segments || st.WrittenBytes >= st.Bytes || st.Bytes != end.Size {
				t.Errorf("last checkpoint = %+v, want some of its %d bytes written, not all", st, end.Size)
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

// storedSegment is one segment of a stored checkpoint, with its bytes.
type storedSegment struct {
	bonafide.TriageSegment
	data []byte
}

// TestCheckpointFallback damages the stored checkpoint in each way a
// store, a crash or an upgrade can (gone, a byte of a segment changed, a
// segment cut short or left out of the manifest, written by another
// engine) and restarts: the service must say so in its log, replay the
// whole store instead, and assess what comes next as the command does.
// Segments written after the checkpoint without a manifest (a crash
// between the two) must change nothing: the service restores the
// checkpoint.
func TestCheckpointFallback(t *testing.T) {
	mid := func(segs []storedSegment) int { return len(segs) / 2 }
	cases := []struct {
		name     string
		damage   func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, segs []storedSegment)
		wantLog  string
		restored bool
	}{
		{"missing", func(t *testing.T, cs bonafide.CheckpointStore, _ bonafide.TriageCheckpoint, _ []storedSegment) {
			if _, err := cs.DeleteTriageCheckpoints(context.Background()); err != nil {
				t.Fatal(err)
			}
		}, "no checkpoint", false},
		{"a byte of a segment changed", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, segs []storedSegment) {
			i := biggest(segs)
			segs[i].data = bytes.Clone(segs[i].data)
			segs[i].data[len(segs[i].data)/2] ^= 0x20
			rewrite(t, cs, cp.Seq, cp.Engine, segs)
		}, "checkpoint unusable", false},
		{"a segment cut short", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, segs []storedSegment) {
			i := biggest(segs)
			segs[i].data = segs[i].data[:len(segs[i].data)-7]
			rewrite(t, cs, cp.Seq, cp.Engine, segs)
		}, "checkpoint unusable", false},
		{"a segment left out", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, segs []storedSegment) {
			rewrite(t, cs, cp.Seq, cp.Engine, slices.Delete(segs, mid(segs), mid(segs)+1))
		}, "checkpoint unusable", false},
		{"another engine", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, segs []storedSegment) {
			rewrite(t, cs, cp.Seq, strings.Replace(cp.Engine, "build:test", "build:other", 1), segs)
		}, "another engine's", false},
		{"segments without a manifest", func(t *testing.T, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint, segs []storedSegment) {
			for _, sg := range segs[:mid(segs)] {
				if _, err := put(cs, sg.Name, []byte("a crash before the manifest")); err != nil {
					t.Fatal(err)
				}
			}
		}, "restored from its checkpoint", true},
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
					var segs []storedSegment
					for _, sg := range cp.Segments {
						var data []byte
						for n := range sg.Chunks {
							c, err := cs.TriageSegmentChunk(ctx, sg.ID, n)
							if err != nil {
								t.Fatal(err)
							}
							data = append(data, c...)
						}
						segs = append(segs, storedSegment{sg, data})
					}
					c.damage(t, cs, cp, segs)

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
					wantFrom, wantLog := int64(0), "replaying the whole store"
					if c.restored {
						wantFrom, wantLog = cp.Seq, "triage restored"
					}
					if got := svc.RestoredFrom(); got != wantFrom {
						t.Errorf("restored from %d, want %d", got, wantFrom)
					}
					if !strings.Contains(logs.String(), c.wantLog) || !strings.Contains(logs.String(), wantLog) {
						t.Errorf("log = %s\nwant a line with %q and %q", logs.String(), c.wantLog, wantLog)
					}
					ids, want := command(t, triage.DefaultConfig(), recs[:upto])
					check(t, as, svc.Engine(), ids, want, seqs)
				})
			}
		})
	}
}

// biggest returns the index of the largest of segs.
func biggest(segs []storedSegment) int {
	k := 0
	for i, sg := range segs {
		if sg.Size > segs[k].Size {
			k = i
		}
	}
	return k
}

// put writes a segment named name holding data and returns it.
func put(cs bonafide.CheckpointStore, name string, data []byte) (bonafide.TriageSegment, error) {
	ctx := context.Background()
	id, err := cs.CreateTriageSegment(ctx, name)
	if err != nil {
		return bonafide.TriageSegment{}, err
	}
	sg := bonafide.TriageSegment{ID: id, Name: name, Size: int64(len(data))}
	for ; len(data) > 0; sg.Chunks++ {
		k := min(len(data), 1000)
		if err := cs.PutTriageSegmentChunk(ctx, id, sg.Chunks, data[:k]); err != nil {
			return sg, err
		}
		data = data[k:]
	}
	return sg, nil
}

// rewrite stores segs, each anew with its bytes but the digest it had, as
// a checkpoint replacing the one there.
func rewrite(t *testing.T, cs bonafide.CheckpointStore, seq int64, engine string, segs []storedSegment) {
	t.Helper()
	var list []bonafide.TriageSegment
	for _, sg := range segs {
		n, err := put(cs, sg.Name, sg.data)
		if err != nil {
			t.Fatal(err)
		}
		n.Digest = sg.Digest
		list = append(list, n)
	}
	if _, err := cs.CommitTriageCheckpoint(context.Background(), seq, engine, list); err != nil {
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
