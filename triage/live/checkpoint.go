package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"bonafide"
	"bonafide/triage"
)

// Checkpoints. The engine's memory is written to the store (a
// bonafide.CheckpointStore, migration 013) every Options.Checkpoint
// records, once the assessments through the last of them are stored, and
// when the service stops; on start the service restores the latest and
// replays only the records after it, rather than the whole store. A
// checkpoint is the state cut into segments (triage.Engine.Segments):
// only the segments whose bytes changed since the last checkpoint are
// written, the others are shared with it, and a manifest naming them all
// is committed in one transaction, so that a server stopped between the
// segments and the manifest leaves the last checkpoint whole.
//
// A checkpoint is used only by the engine that could have written it: the
// same engine version (settings and source revision), the same state
// format (triage.CheckpointFormat) and the same build (see buildName),
// since a change of scoring leaves the state's types alone but fills them
// differently, and the same blind index key when reporters are blinded.
// Anything else, a segment that fails to read or whose digest does not
// match, or a checkpoint ahead of the stored assessments, is logged and
// the store replayed in full, as before checkpoints.

// defaultCheckpoint is Options.Checkpoint's default: records observed
// between checkpoints, which bounds what a restart after a crash replays
// (at a few thousand records a second, seconds) while a large history's
// checkpoint, hundreds of megabytes, is written seldom.
const defaultCheckpoint = 20_000

// checkpointChunk is the size of the rows a checkpoint is written in.
const checkpointChunk = 4 << 20

// buildName names the running binary for the checkpoints' key. Built
// from a clean version-controlled tree, the engine version holds the
// revision, and the same revision built by the same Go release for the
// same architecture (both in the state format) with the same settings
// (tags, GOAMD64, CGO_ENABLED, flags: a digest of the build info's) is
// the same code: so a rebuild of one revision, or a binary moved or
// stripped, restores instead of replaying. Otherwise (no revision, a dirty
// tree, a test binary) nothing but the executable's SHA-256 tells one
// build from the next.
func buildName() (string, error) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		h := sha256.New()
		rev, modified := "", false
		fmt.Fprintf(h, "%s\n%s\n", bi.GoVersion, bi.Path)
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.time":
				continue
			case "vcs.revision":
				rev = st.Value
			case "vcs.modified":
				modified = st.Value == "true"
			}
			fmt.Fprintf(h, "%s=%s\n", st.Key, st.Value)
		}
		if rev != "" && !modified {
			return "settings-" + hex.EncodeToString(h.Sum(nil)[:8]), nil
		}
	}
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// checkpointKey returns the name the service's checkpoints are stored
// under, or "" (and why) when it cannot checkpoint.
func (s *Service) checkpointKey() (string, error) {
	if s.cpKnown {
		return s.cpKey, s.cpErr
	}
	s.cpKnown = true
	if s.opts.Checkpoint < 0 {
		s.cpErr = fmt.Errorf("checkpoints turned off")
		return "", s.cpErr
	}
	if _, ok := s.out.(bonafide.CheckpointStore); !ok {
		s.cpErr = fmt.Errorf("the store %T keeps no checkpoints", s.out)
		return "", s.cpErr
	}
	format, err := triage.CheckpointFormat()
	if err != nil {
		s.cpErr = err
		return "", err
	}
	build := s.opts.Build
	if build == "" {
		if build, err = buildName(); err != nil {
			s.cpErr = fmt.Errorf("digest of the executable: %w", err)
			return "", s.cpErr
		}
	}
	s.cpKey = s.version + " state:" + format + " build:" + build
	if s.opts.Config.BlindKey != nil {
		// The blind index key is not in the version (nor should it be):
		// a digest of what it makes of a probe tells a changed key, whose
		// checkpoint would hold reporter keys a replay no longer makes.
		sum := sha256.Sum256([]byte(s.opts.Config.BlindKey("checkpoint:probe")))
		s.cpKey += " blind:" + hex.EncodeToString(sum[:6])
	}
	return s.cpKey, nil
}

// restore replaces the fresh engine by the stored checkpoint when there is
// a usable one; otherwise it logs why not and leaves the replay to do.
// Called once, before anything is observed, with engineMu held.
func (s *Service) restore(ctx context.Context) {
	if s.opts.Each != nil {
		return // every assessment is wanted, those before a checkpoint too
	}
	key, err := s.checkpointKey()
	if err != nil {
		s.log.Info("triage checkpoints off; replaying the whole store", slog.String("reason", err.Error()))
		return
	}
	cs := s.out.(bonafide.CheckpointStore)
	cp, err := cs.LatestTriageCheckpoint(ctx)
	switch {
	case bonafide.ErrorCode(err) == bonafide.ENotFound:
		s.log.Info("triage: no checkpoint; replaying the whole store")
		return
	case err != nil:
		s.log.Warn("triage: checkpoint not read; replaying the whole store", slog.Any("error", err))
		return
	case cp.Engine != key:
		s.log.Info("triage: the checkpoint is another engine's; replaying the whole store",
			slog.Int64("checkpoint_seq", cp.Seq), slog.String("checkpoint_engine", cp.Engine), slog.String("engine", key))
		return
	case cp.Seq > s.resume && !s.noReferrals(ctx, s.resume, cp.Seq):
		// Restoring it would skip referrals whose assessments are not
		// stored. (Records after the last referral, posts and outcomes,
		// may be in it: the last assessed seq is a referral's.)
		s.log.Warn("triage: the checkpoint is ahead of the stored assessments; replaying the whole store",
			slog.Int64("checkpoint_seq", cp.Seq), slog.Int64("assessed_through", s.resume))
		return
	}
	t0 := time.Now()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e, err := triage.RestoreSegments(s.opts.Config, cp.Size, readSegments(rctx, cs, cp))
	if err != nil {
		s.log.Warn("triage: checkpoint unusable; replaying the whole store", slog.Int64("checkpoint_seq", cp.Seq),
			slog.Int64("checkpoint_id", cp.ID), slog.Any("error", err))
		return
	}
	s.engine = e
	s.cpSegs = segmentsByName(cp.Segments)
	s.last, s.cpSeq = cp.Seq, cp.Seq
	s.cpStored.Store(cp.Seq)
	s.mainLast.Store(cp.Seq)
	s.restoredFrom = cp.Seq
	s.log.Info("triage restored from its checkpoint", slog.Int64("checkpoint_seq", cp.Seq), slog.Int64("bytes", cp.Size),
		slog.Int("segments", len(cp.Segments)), slog.Duration("elapsed", time.Since(t0)))
}

// noReferrals reports whether no referral is stored after seq from
// through seq to, reading at most a few thousand records to tell.
func (s *Service) noReferrals(ctx context.Context, from, to int64) bool {
	if to-from > 4096 {
		return false
	}
	for st, err := range s.store.Records(ctx, from, int(to-from)) {
		if err != nil {
			return false
		}
		if st.Seq > to {
			break
		}
		if _, ok := st.Record.(*bonafide.Referral); ok {
			return false
		}
	}
	return true
}

// RestoredFrom returns the sequence number of the checkpoint the service
// restored its engine from, 0 when it replayed the whole store.
func (s *Service) RestoredFrom() int64 {
	s.engineMu.Lock()
	defer s.engineMu.Unlock()
	return s.restoredFrom
}

// Checkpoints returns how many checkpoints the service has stored.
func (s *Service) Checkpoints() int64 { return s.cpWritten.Load() }

func segmentsByName(segs []bonafide.TriageSegment) map[string]bonafide.TriageSegment {
	m := make(map[string]bonafide.TriageSegment, len(segs))
	for _, sg := range segs {
		m[sg.Name] = sg
	}
	return m
}

// readSegments returns a function giving checkpoint cp's segments in
// order, each read whole, the next fetched while the current one is
// decoded; io.EOF after the last.
func readSegments(ctx context.Context, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint) func() (triage.Segment, error) {
	type result struct {
		sg  triage.Segment
		err error
	}
	ch := make(chan result, 2)
	go func() {
		defer close(ch)
		for _, sg := range cp.Segments {
			r := result{sg: triage.Segment{Name: sg.Name, Size: sg.Size, Data: make([]byte, 0, sg.Size)}}
			copy(r.sg.Digest[:], sg.Digest)
			if len(sg.Digest) != len(r.sg.Digest) {
				r.err = fmt.Errorf("triage segment %d: a digest of %d bytes", sg.ID, len(sg.Digest))
			}
			for n := 0; n < sg.Chunks && r.err == nil; n++ {
				data, err := cs.TriageSegmentChunk(ctx, sg.ID, n)
				if err != nil {
					r.err = fmt.Errorf("read triage checkpoint: %w", err)
				}
				r.sg.Data = append(r.sg.Data, data...)
			}
			select {
			case ch <- r:
			case <-ctx.Done():
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	return func() (triage.Segment, error) {
		r, ok := <-ch
		if !ok {
			return triage.Segment{}, io.EOF
		}
		return r.sg, r.err
	}
}

// CheckpointStats says what the last checkpoint stored cost.
type CheckpointStats struct {
	Seq int64
	// Segments and Bytes are the checkpoint's; Written and WrittenBytes
	// what of it was written, the rest being shared with the one before.
	Segments, Written   int
	Bytes, WrittenBytes int64
	// Encode is how long the engine was held to encode its state, Store
	// how long writing the new segments and the manifest took.
	Encode, Store time.Duration
}

// LastCheckpoint returns what the last checkpoint stored cost (zero
// before the first).
func (s *Service) LastCheckpoint() CheckpointStats {
	s.cpMu.Lock()
	defer s.cpMu.Unlock()
	return s.cpLast
}

// maybeCheckpoint starts writing a checkpoint when Options.Checkpoint
// records have been observed since the last and every assessment through
// s.last is stored. The state is encoded with engineMu held (the engine
// must not move meanwhile) and written to the store by a goroutine of its
// own, a chunk per transaction, so that triage goes on; one is written at
// a time.
func (s *Service) maybeCheckpoint(ctx context.Context, force bool) {
	every := int64(s.opts.Checkpoint)
	if s.last < s.resume {
		// Replaying a history assessed before (the first start, or after
		// an upgrade): a checkpoint every quarter of it at most, so that
		// a long replay is not slowed by dozens of ever larger ones.
		every = max(every, s.resume/4)
	}
	if len(s.pending) > 0 || (force && s.last <= s.cpStored.Load()) || (!force && s.last-s.cpSeq < every) {
		return
	}
	key, err := s.checkpointKey()
	if err != nil {
		return
	}
	select {
	case <-s.cpIdle:
	default:
		if !force {
			return // one is being written
		}
		select {
		case <-s.cpIdle:
		case <-ctx.Done():
			return
		}
	}
	t0 := time.Now()
	// s.cpSegs is the writer's, but only while it holds the cpIdle token,
	// as here.
	stored := make(map[string][sha256.Size]byte, len(s.cpSegs))
	for name, sg := range s.cpSegs {
		var d [sha256.Size]byte
		if copy(d[:], sg.Digest) == len(d) {
			stored[name] = d
		}
	}
	segs, err := s.engine.Segments(stored)
	if err != nil {
		s.log.Error("triage checkpoint not written", slog.Int64("seq", s.last), slog.Any("error", err))
		s.cpIdle <- struct{}{}
		return
	}
	seq := s.last
	s.cpSeq = seq // not retried before another Options.Checkpoint records, even if this one fails
	encoded := time.Since(t0)
	if !force {
		// Not cut short when Run's ctx ends: Run waits for it, so that a
		// checkpoint is never completed after Run has returned (a
		// cancelled commit may still commit).
		ctx = context.WithoutCancel(ctx)
	}
	write := func() {
		defer func() { s.cpIdle <- struct{}{} }()
		t1 := time.Now()
		st, err := s.storeCheckpoint(ctx, key, seq, segs)
		if err != nil {
			s.log.Error("triage checkpoint not stored", slog.Int64("seq", seq), slog.Any("error", err))
			return
		}
		st.Encode, st.Store = encoded, time.Since(t1)
		s.cpMu.Lock()
		s.cpLast = st
		s.cpMu.Unlock()
		s.cpStored.Store(seq)
		s.cpWritten.Add(1)
		s.log.Info("triage checkpoint stored", slog.Int64("seq", seq), slog.Int64("bytes", st.Bytes),
			slog.Int("segments", st.Segments), slog.Int64("bytes_written", st.WrittenBytes), slog.Int("segments_written", st.Written),
			slog.Duration("encode", encoded), slog.Duration("elapsed", time.Since(t0)))
	}
	if force {
		write()
		return
	}
	go write()
}

// storeCheckpoint writes the segments of segs that have bytes, each in
// chunks of checkpointChunk, then commits the checkpoint of them all, the
// others being the last checkpoint's. Called holding the cpIdle token.
func (s *Service) storeCheckpoint(ctx context.Context, key string, seq int64, segs []triage.Segment) (CheckpointStats, error) {
	cs := s.out.(bonafide.CheckpointStore)
	st := CheckpointStats{Seq: seq, Segments: len(segs)}
	list := make([]bonafide.TriageSegment, len(segs))
	for i, sg := range segs {
		st.Bytes += sg.Size
		ts := bonafide.TriageSegment{Name: sg.Name, Size: sg.Size, Digest: sg.Digest[:]}
		if sg.Data == nil {
			old, ok := s.cpSegs[sg.Name]
			if !ok {
				return st, fmt.Errorf("triage segment %q unchanged but not stored", sg.Name)
			}
			ts.ID, ts.Chunks = old.ID, old.Chunks
			list[i] = ts
			continue
		}
		id, err := cs.CreateTriageSegment(ctx, sg.Name)
		if err != nil {
			return st, err
		}
		ts.ID = id
		for data := sg.Data; len(data) > 0; ts.Chunks++ {
			k := min(len(data), checkpointChunk)
			if err := cs.PutTriageSegmentChunk(ctx, id, ts.Chunks, data[:k]); err != nil {
				return st, err
			}
			data = data[k:]
		}
		st.Written++
		st.WrittenBytes += sg.Size
		list[i] = ts
	}
	if _, err := cs.CommitTriageCheckpoint(ctx, seq, key, list); err != nil {
		// The last checkpoint may or may not stand (a commit whose answer
		// was lost): write every segment anew next time.
		s.cpSegs = nil
		return st, err
	}
	s.cpSegs = segmentsByName(list)
	return st, nil
}

// waitCheckpoint waits for a checkpoint being written to be stored.
func (s *Service) waitCheckpoint(ctx context.Context) {
	select {
	case <-s.cpIdle:
		s.cpIdle <- struct{}{}
	case <-ctx.Done():
	}
}
