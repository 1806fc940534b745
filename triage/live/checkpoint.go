package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"bonafide"
	"bonafide/triage"
)

// Checkpoints. The engine's memory is written to the store (a
// bonafide.CheckpointStore, migration 011) every Options.Checkpoint
// records, once the assessments through the last of them are stored, and
// when the service stops; on start the service restores the latest and
// replays only the records after it, rather than the whole store. A
// checkpoint is used only by the engine that could have written it: the
// same engine version (settings and source revision), the same state
// format (triage.CheckpointFormat) and the same build (the executable's
// digest), since a change of scoring leaves the state's types alone but
// fills them differently, and the same blind index key when reporters are
// blinded. Anything else, a checkpoint that fails to read
// or whose digest does not match, or one ahead of the stored assessments,
// is logged and the store replayed in full, as before checkpoints.

// defaultCheckpoint is Options.Checkpoint's default: records observed
// between checkpoints, which bounds what a restart after a crash replays
// (at a few thousand records a second, seconds) while a large history's
// checkpoint, hundreds of megabytes, is written seldom.
const defaultCheckpoint = 20_000

// checkpointChunk is the size of the rows a checkpoint is written in.
const checkpointChunk = 4 << 20

// buildDigest names the running binary by its executable's SHA-256.
func buildDigest() (string, error) {
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
		if build, err = buildDigest(); err != nil {
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
	e, err := triage.Restore(s.opts.Config, newChunkReader(rctx, cs, cp), cp.Size)
	if err != nil {
		s.log.Warn("triage: checkpoint unusable; replaying the whole store", slog.Int64("checkpoint_seq", cp.Seq),
			slog.Int64("checkpoint_id", cp.ID), slog.Any("error", err))
		return
	}
	s.engine = e
	s.last, s.cpSeq = cp.Seq, cp.Seq
	s.cpStored.Store(cp.Seq)
	s.mainLast.Store(cp.Seq)
	s.restoredFrom = cp.Seq
	s.log.Info("triage restored from its checkpoint", slog.Int64("checkpoint_seq", cp.Seq), slog.Int64("bytes", cp.Size),
		slog.Duration("elapsed", time.Since(t0)))
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

// chunkReader reads a stored checkpoint's chunks in order, fetching the
// next while the current one is decoded.
type chunkReader struct {
	ch  <-chan chunkResult
	cur []byte
	err error
}

type chunkResult struct {
	data []byte
	err  error
}

func newChunkReader(ctx context.Context, cs bonafide.CheckpointStore, cp bonafide.TriageCheckpoint) *chunkReader {
	ch := make(chan chunkResult, 2)
	go func() {
		defer close(ch)
		for n := range cp.Chunks {
			data, err := cs.TriageCheckpointChunk(ctx, cp.ID, n)
			select {
			case ch <- chunkResult{data, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return &chunkReader{ch: ch}
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		c, ok := <-r.ch
		switch {
		case !ok:
			r.err = io.EOF
		case c.err != nil:
			r.err = fmt.Errorf("read triage checkpoint: %w", c.err)
		default:
			r.cur = c.data
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// chunker collects what the engine writes into checkpoint-sized chunks.
type chunker struct {
	chunks [][]byte
}

func (c *chunker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(c.chunks) == 0 || len(c.chunks[len(c.chunks)-1]) == checkpointChunk {
			c.chunks = append(c.chunks, make([]byte, 0, checkpointChunk))
		}
		last := &c.chunks[len(c.chunks)-1]
		k := min(len(p), checkpointChunk-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	return n, nil
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
	var c chunker
	size, err := s.engine.WriteCheckpoint(&c)
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
		if err := s.storeCheckpoint(ctx, key, seq, size, c.chunks); err != nil {
			s.log.Error("triage checkpoint not stored", slog.Int64("seq", seq), slog.Any("error", err))
			return
		}
		s.cpStored.Store(seq)
		s.cpWritten.Add(1)
		s.log.Info("triage checkpoint stored", slog.Int64("seq", seq), slog.Int64("bytes", size),
			slog.Duration("encode", encoded), slog.Duration("elapsed", time.Since(t0)))
	}
	if force {
		write()
		return
	}
	go write()
}

func (s *Service) storeCheckpoint(ctx context.Context, key string, seq, size int64, chunks [][]byte) error {
	cs := s.out.(bonafide.CheckpointStore)
	id, err := cs.CreateTriageCheckpoint(ctx, seq, key)
	if err != nil {
		return err
	}
	for n, c := range chunks {
		if err := cs.PutTriageCheckpointChunk(ctx, id, n, c); err != nil {
			return err
		}
	}
	return cs.CompleteTriageCheckpoint(ctx, id, size)
}

// waitCheckpoint waits for a checkpoint being written to be stored.
func (s *Service) waitCheckpoint(ctx context.Context) {
	select {
	case <-s.cpIdle:
		s.cpIdle <- struct{}{}
	case <-ctx.Done():
	}
}
