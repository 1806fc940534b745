package triage_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"bonafide"
	"bonafide/triage"
	"bonafide/triage/triagetest"
)

// checkpointStream is a labelled stream with every kind of record
// (referrals, relays, public and forum posts, outcomes) over 540 days, so
// that every part of the engine's memory is in use and some of it has
// aged out of its windows.
func checkpointStream(t testing.TB) []bonafide.Record {
	t.Helper()
	var recs []bonafide.Record
	for _, it := range triagetest.Generate(triagetest.Config{Seed: 5, Families: 160, PublicShare: 0.3, TargetedShare: 0.5}) {
		recs = append(recs, it.Rec)
	}
	return recs
}

// observeAll feeds recs to e and returns each referral's assessment, as
// JSON, by record index ("" for other records).
func observeAll(t testing.TB, e *triage.Engine, recs []bonafide.Record) []string {
	t.Helper()
	out := make([]string, len(recs))
	for i, rec := range recs {
		a, err := e.Observe(rec)
		if err != nil {
			t.Fatalf("Observe(record %d) = %v", i, err)
		}
		if a != nil {
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = string(b)
		}
	}
	return out
}

func blindConfig() triage.Config {
	cfg := triage.DefaultConfig()
	cfg.BlindKey = func(k string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte("checkpoint-test|"+k)))[:24] }
	return cfg
}

// TestCheckpointRestore checkpoints an engine after k records, restores a
// new engine from it and feeds it the rest: every later assessment must be
// byte for byte the one the engine that saw the whole stream gave. A
// restored engine is checkpointed and restored again on the way. A fresh
// engine fed the same rest must differ, so the comparison can fail.
func TestCheckpointRestore(t *testing.T) {
	recs := checkpointStream(t)
	for _, cfgName := range []string{"default", "blind keys"} {
		cfg := triage.DefaultConfig()
		if cfgName == "blind keys" {
			cfg = blindConfig()
		}
		full, err := triage.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := observeAll(t, full, recs)
		n := len(recs)
		for _, k := range []int{0, 1, n / 5, n / 2, n - n/10, n - 1, n} {
			t.Run(fmt.Sprintf("%s/after %d of %d", cfgName, k, n), func(t *testing.T) {
				e, err := triage.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				observeAll(t, e, recs[:k])
				// Restore, feed half the rest, checkpoint and restore again.
				mid := k + (n-k)/2
				r := restore(t, cfg, e)
				got := observeAll(t, r, recs[k:mid])
				r = restore(t, cfg, r)
				got = append(got, observeAll(t, r, recs[mid:])...)
				for i := range got {
					if got[i] != want[k+i] {
						t.Fatalf("record %d after a restore at %d:\n got %s\nwant %s", k+i, k, got[i], want[k+i])
					}
				}
				if k != n/5 && k != n/2 {
					return
				}
				fresh, err := triage.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				differ := 0
				for i, s := range observeAll(t, fresh, recs[k:]) {
					if s != want[k+i] {
						differ++
					}
				}
				if differ == 0 {
					t.Errorf("an engine without the first %d records assesses the rest as the full one does: the test cannot fail", k)
				}
			})
		}
	}
}

// TestWorkingMemoryNotCheckpointed checks that a field tagged
// `checkpoint:"-"` (the family linker's candidates of one referral) is
// left out of the checkpoint's segments, while its neighbours are in.
func TestWorkingMemoryNotCheckpointed(t *testing.T) {
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	observeAll(t, e, checkpointStream(t)[:300])
	segs, err := e.Segments(nil)
	if err != nil {
		t.Fatal(err)
	}
	var families bool
	for _, sg := range segs {
		if strings.HasPrefix(sg.Name, "fam.hits") {
			t.Errorf("segment %q: the linker's working memory is in the checkpoint", sg.Name)
		}
		families = families || strings.HasPrefix(sg.Name, "fam.families")
	}
	if !families {
		t.Fatalf("no fam.families segment among %d: the names this test looks for have changed", len(segs))
	}
}

func restore(t testing.TB, cfg triage.Config, e *triage.Engine) *triage.Engine {
	t.Helper()
	var buf bytes.Buffer
	n, err := e.WriteCheckpoint(&buf)
	if err != nil {
		t.Fatalf("WriteCheckpoint = %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteCheckpoint = %d bytes, wrote %d", n, buf.Len())
	}
	r, err := triage.Restore(cfg, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	return r
}

// TestCheckpointDamaged mangles bytes of a checkpoint, truncates it and
// gives it a wrong size: each must be refused with an error (no panic,
// no engine), and a checkpoint of another format with
// ErrCheckpointFormat.
func TestCheckpointDamaged(t *testing.T) {
	recs := checkpointStream(t)[:400]
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	observeAll(t, e, recs)
	var buf bytes.Buffer
	if _, err := e.WriteCheckpoint(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	cases := []struct {
		name string
		data []byte
		size int64
	}{
		{"empty", nil, 0},
		{"truncated to the header", good[:40], 40},
		{"truncated by half", good[:len(good)/2], int64(len(good) / 2)},
		{"last byte gone", good[:len(good)-1], int64(len(good) - 1)},
		{"size says more", good, int64(len(good) + 10)},
		{"size says less", good, int64(len(good) - 10)},
	}
	step := max(len(good)/300, 1)
	for i := 0; i < len(good); i += step {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(good)
			b[i] ^= x
			cases = append(cases, struct {
				name string
				data []byte
				size int64
			}{fmt.Sprintf("byte %d ^ %#x", i, x), b, int64(len(b))})
		}
	}
	for _, c := range cases {
		r, err := triage.Restore(triage.DefaultConfig(), bytes.NewReader(c.data), c.size)
		if err == nil || r != nil {
			t.Errorf("%s: Restore = %v, %v; want no engine and an error", c.name, r != nil, err)
		}
	}
	format, err := triage.CheckpointFormat()
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Replace(good, []byte(format), []byte(format[:len(format)-1]+"x"), 1)
	if _, err := triage.Restore(triage.DefaultConfig(), bytes.NewReader(other), int64(len(other))); !errors.Is(err, triage.ErrCheckpointFormat) {
		t.Errorf("Restore(another format) = %v, want ErrCheckpointFormat", err)
	}
}

// segmentStore keeps checkpoints as a CheckpointStore does: the segments
// of the latest by name, only those whose bytes changed written again.
type segmentStore struct {
	manifest []triage.Segment    // the latest checkpoint's, without their bytes
	data     map[[32]byte][]byte // stored bytes by digest
	digests  map[string][32]byte // the latest checkpoint's, by name
	written  int                 // segments written by the last checkpoint
}

func (s *segmentStore) checkpoint(t testing.TB, e *triage.Engine) {
	t.Helper()
	segs, err := e.Segments(s.digests)
	if err != nil {
		t.Fatalf("Segments = %v", err)
	}
	data := map[[32]byte][]byte{}
	digests := map[string][32]byte{}
	s.written = 0
	for i, sg := range segs {
		if sg.Data == nil {
			if _, ok := s.data[sg.Digest]; !ok || s.digests[sg.Name] != sg.Digest {
				t.Fatalf("segment %q left unwritten, but not stored", sg.Name)
			}
			data[sg.Digest] = s.data[sg.Digest]
		} else {
			data[sg.Digest] = sg.Data
			s.written++
		}
		digests[sg.Name] = sg.Digest
		segs[i].Data = nil
	}
	s.manifest, s.data, s.digests = segs, data, digests
}

func (s *segmentStore) restore(t testing.TB, cfg triage.Config) (*triage.Engine, error) {
	t.Helper()
	var total int64
	for _, sg := range s.manifest {
		total += sg.Size
	}
	i := 0
	return triage.RestoreSegments(cfg, total, func() (triage.Segment, error) {
		if i == len(s.manifest) {
			return triage.Segment{}, io.EOF
		}
		sg := s.manifest[i]
		sg.Data = s.data[sg.Digest]
		i++
		return sg, nil
	})
}

// TestCheckpointChain checkpoints an engine incrementally as a store does
// (only changed segments written) at several cut points, and at each
// restores a new engine from the stored segments alone and feeds it the
// rest: every later assessment must be byte for byte the full engine's.
// Later checkpoints must write fewer segments than they have, and the
// same state encoded twice must write none.
func TestCheckpointChain(t *testing.T) {
	recs := checkpointStream(t)
	for _, cfg := range []triage.Config{triage.DefaultConfig(), blindConfig()} {
		full, err := triage.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := observeAll(t, full, recs)
		n := len(recs)
		e, err := triage.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var st segmentStore
		done := 0
		for _, k := range []int{1, n / 7, n / 3, n/3 + 1, n / 2, n - n/10, n} {
			observeAll(t, e, recs[done:k])
			done = k
			st.checkpoint(t, e)
			t.Logf("after %d records: %d of %d segments written", k, st.written, len(st.manifest))
			if k > 1 && st.written >= len(st.manifest) {
				t.Errorf("checkpoint after %d records wrote all %d segments, want only those changed", k, st.written)
			}
			r, err := st.restore(t, cfg)
			if err != nil {
				t.Fatalf("restore after %d = %v", k, err)
			}
			for i, s := range observeAll(t, r, recs[k:]) {
				if s != want[k+i] {
					t.Fatalf("record %d after a chain restored at %d:\n got %s\nwant %s", k+i, k, s, want[k+i])
				}
			}
		}
		st.checkpoint(t, e)
		if st.written != 0 {
			t.Errorf("the same state checkpointed twice wrote %d segments, want 0 (an encoding that is not the same each time)", st.written)
		}
	}
}

// TestCheckpointSegmentDamaged changes a byte of each stored segment in
// turn, drops one and swaps two: each must be refused, no engine made.
func TestCheckpointSegmentDamaged(t *testing.T) {
	e, err := triage.New(triage.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	observeAll(t, e, checkpointStream(t)[:400])
	var st segmentStore
	st.checkpoint(t, e)
	good := st.manifest
	try := func(what string, manifest []triage.Segment, data map[[32]byte][]byte) {
		t.Helper()
		st.manifest, st.data = manifest, data
		if r, err := st.restore(t, triage.DefaultConfig()); err == nil || r != nil {
			t.Errorf("%s: restore = %v, %v; want no engine and an error", what, r != nil, err)
		}
	}
	data := st.data
	for i, sg := range good {
		if sg.Size == 0 {
			continue
		}
		b := bytes.Clone(data[sg.Digest])
		b[len(b)/2] ^= 0x10
		d := maps.Clone(data)
		d[sg.Digest] = b
		try(fmt.Sprintf("segment %d (%s) changed", i, sg.Name), good, d)
	}
	try("a segment dropped", slices.Delete(slices.Clone(good), 3, 4), data)
	swapped := slices.Clone(good)
	swapped[2], swapped[3] = swapped[3], swapped[2]
	try("two segments swapped", swapped, data)
	try("one segment too many", append(slices.Clone(good), good[1]), data)
}
