package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"bonafide"
	"bonafide/triage"
)

// Options tune a Service. The zero value is ready to use with the default
// triage settings.
type Options struct {
	// Config is the engine's settings; triage.DefaultConfig() when its
	// Threshold is zero.
	Config triage.Config
	// Logger receives start-up, catch-up and error lines (sequence
	// numbers and referral ids, never record contents); discarded when
	// nil.
	Logger *slog.Logger
	// PageSize is how many records are read, observed and their
	// assessments stored at a time; 512 when zero.
	PageSize int
	// Poll is how often the store is checked for records written by other
	// processes (the command line, another server), when nothing called
	// Notify; 2 s when zero.
	Poll time.Duration
	// RetryMin and RetryMax bound the wait before retrying a failed read
	// or write, doubling from RetryMin; 100 ms and 30 s when zero.
	RetryMin, RetryMax time.Duration
	// Each, when set, is called with every referral's assessment in
	// order, those replayed (assessed before) included; `bonafide triage
	// --db` writes them out.
	Each func(*triage.Assessment)
	// Busy, when set, says whether intake is busy (the API has referrals
	// in flight). While it is, the service yields to intake: after a
	// wake-up it waits until Busy is false or MaxDefer has passed, then
	// triages everything stored meanwhile in pages of PageSize (one
	// transaction each, not one per wake-up), and between records it lets
	// waiting requests run first. The campaign assessment, most of a
	// referral's CPU on two cores, then follows a burst rather than
	// competing with it, at most MaxDefer late besides its own time; the
	// safety assessment is stored in the referral's own transaction and
	// never waits for this.
	Busy func() bool
	// MaxDefer bounds the wait for Busy; 1 s when zero.
	MaxDefer time.Duration
	// MaxLag bounds how far triage lets itself fall behind while intake
	// stays busy. Within it, triage works in slices of Slice and yields
	// again (up to MaxDefer) between them, so that a burst of referrals
	// is taken in at the store's pace and assessed just after; once the
	// oldest wake-up it has not caught up with is MaxLag old it runs
	// until caught up, busy or not, so that a flood longer than that is
	// triaged at triage's own rate rather than left ever further behind.
	// 10 s when zero: far inside the minute after which an unassessed
	// immediate-danger referral pages someone
	// (deploy/prometheus/bonafide-alerts.yml).
	MaxLag time.Duration
	// Gather is, while intake is busy (Busy), the least time from one of
	// Run's catch-ups to the next: referrals stored meanwhile are read in
	// one page and their assessments stored in one transaction, rather
	// than a read and a durable commit for each referral of a steady
	// stream (at 500 a second those commits were half the writer's and
	// came between intake's own, which waited behind them). A referral
	// that arrives alone is triaged at once. 100 ms when zero; negative
	// for none. The safety assessment, stored with the referral, never
	// waits for it; CatchUp does not either.
	Gather time.Duration
	// Slice is how long triage runs between yields while intake is busy
	// and it is within MaxLag; 50 ms when zero.
	Slice time.Duration
	// Tail is how many records before the first unassessed referral the
	// fast lane of a restart loads (see Run): while the full history
	// replays, referrals not yet assessed are given a provisional
	// assessment against these. 5,000 when zero; negative turns the fast
	// lane off.
	Tail int
	// Checkpoint is how many records are observed between checkpoints of
	// the engine's memory (see checkpoint.go); 20,000 when zero; negative
	// turns checkpoints off (a restart then replays the whole store).
	Checkpoint int
	// Build names the code, for the checkpoints' key; the executable's
	// SHA-256 when empty.
	Build string
}

// defaultTail is Options.Tail's default: at a council's rate of referrals
// (tens a day), months of history, which covers the windows most campaign
// signals look back over (the longest, life events, is six weeks), and few
// enough to load in seconds, which is how long the first referrals after a
// restart wait.
const defaultTail = 5000

// errStopped is Wait's answer once Run has returned.
var errStopped = bonafide.Errorf(bonafide.EUnavailable, "triage has stopped")

// Service triages every record a store holds and keeps the assessments in
// an AssessmentStore. Make one with New, run it with Run in its own
// goroutine, and call Notify after each write to the store.
type Service struct {
	store   bonafide.Store
	out     bonafide.AssessmentStore
	engine  *triage.Engine
	version string
	opts    Options
	log     *slog.Logger

	wake chan struct{} // capacity 1: a pending wake-up

	// engineMu serialises CatchUp: it guards the engine and the fields
	// below, which only CatchUp touches.
	engineMu    sync.Mutex
	resumeKnown bool
	resume      int64                 // referrals at or below it were assessed before
	last        int64                 // the last record observed
	pending     []bonafide.Assessment // observed, not yet stored
	behind      time.Time             // when CatchUp first found work it has not yet caught up with; zero when caught up

	cal      *triage.Calendar
	fastWake chan struct{} // capacity 1: a pending wake-up for the fast lane
	mainLast atomic.Int64  // the last record the main engine has observed
	failures atomic.Int64  // failure records stored
	retries  atomic.Int64  // failed reads and writes retried
	interim  atomic.Int64  // provisional assessments stored
	deferred atomic.Int64  // wake-ups deferred while intake was busy
	overLag  atomic.Int64  // times triage left the low-priority thread, MaxLag behind
	gathered atomic.Int64  // catch-ups put off while intake was busy, to take more at once (Options.Gather)
	// fastLoading is set while the fast lane loads its tail; the main
	// replay waits for fastLoaded meanwhile, so that the two do not share
	// the processor while new referrals wait.
	fastLoading atomic.Bool
	fastLoaded  chan struct{}

	// Checkpoints (checkpoint.go); cp* but cpWritten and cpIdle are
	// guarded by engineMu.
	cpKnown      bool
	cpKey        string
	cpErr        error
	cpSeq        int64         // the last checkpoint's seq, or the restored one's
	restoredFrom int64         // the seq of the checkpoint restored, 0 for none
	cpIdle       chan struct{} // holds a token while no checkpoint is being written
	cpWritten    atomic.Int64
	cpStored     atomic.Int64 // the seq of the last checkpoint stored (or restored)
	// cpSegs are the segments of the last checkpoint stored or restored,
	// by name; the checkpoint writer's, while it holds the cpIdle token.
	cpSegs map[string]bonafide.TriageSegment
	cpMu   sync.Mutex
	cpLast CheckpointStats

	mu      sync.Mutex
	done    int64         // every record through this seq is observed and its assessment stored
	changed chan struct{} // closed and replaced when done moves or the service stops
	stopped bool
	running bool
}

// New returns a Service that reads store and writes assessments to out
// (both on the same database). It checks the settings; it reads nothing
// until Run.
func New(store bonafide.Store, out bonafide.AssessmentStore, opts Options) (*Service, error) {
	if opts.Config.Threshold == 0 {
		opts.Config = triage.DefaultConfig()
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 512
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 100 * time.Millisecond
	}
	if opts.MaxDefer <= 0 {
		opts.MaxDefer = time.Second
	}
	if opts.MaxLag <= 0 {
		opts.MaxLag = 10 * time.Second
	}
	if opts.Slice <= 0 {
		opts.Slice = 50 * time.Millisecond
	}
	if opts.Gather == 0 {
		opts.Gather = defaultGather
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(opts.RetryMin, 30*time.Second)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	version, err := Version(opts.Config)
	if err != nil {
		return nil, err
	}
	if opts.Tail == 0 {
		opts.Tail = defaultTail
	}
	if opts.Checkpoint == 0 {
		opts.Checkpoint = defaultCheckpoint
	}
	e, err := triage.New(opts.Config)
	if err != nil {
		return nil, err
	}
	cal, err := triage.NewCalendar()
	if err != nil {
		return nil, err
	}
	s := &Service{store: store, out: out, engine: e, version: version, opts: opts, log: log, cal: cal,
		wake: make(chan struct{}, 1), fastWake: make(chan struct{}, 1), changed: make(chan struct{}), cpIdle: make(chan struct{}, 1)}
	s.cpIdle <- struct{}{}
	return s, nil
}

// Version names the engine that settings cfg make: "triage cfg:" and a
// digest of the settings (model, threshold, windows), then " rev:" and
// the source revision when the binary was built from a version-controlled
// tree ("+dirty" when it had changes). Stored with each assessment, it
// tells which model scored a referral.
func Version(cfg triage.Config) (string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("triage version: %w", err)
	}
	sum := sha256.Sum256(b)
	v := "triage cfg:" + hex.EncodeToString(sum[:6])
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			v += " rev:" + rev
			if dirty {
				v += "+dirty"
			}
		}
	}
	return v, nil
}

// Engine returns the name of the engine, as stored with each assessment.
func (s *Service) Engine() string { return s.version }

// Notify tells the service that records were stored, so that it triages
// them now rather than at its next poll. It never blocks.
func (s *Service) Notify() {
	for _, ch := range []chan struct{}{s.wake, s.fastWake} {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending; it will see these records too
		}
	}
}

// Failures returns how many failure records the service has stored:
// referrals whose campaign assessment could not be made or was refused
// by the store, each now with its safety level and the reason.
func (s *Service) Failures() int64 { return s.failures.Load() }

// Retries returns how many times a failed read or write was retried.
func (s *Service) Retries() int64 { return s.retries.Load() }

// Deferred returns how many times the service waited for intake to be
// quiet (Options.Busy) before triaging.
func (s *Service) Deferred() int64 { return s.deferred.Load() }

// OverLag is how many times triage, running beside busy intake on its
// low-priority thread, fell MaxLag behind and went on at normal priority.
func (s *Service) OverLag() int64 { return s.overLag.Load() }

// Gathered is how many catch-ups Run has put off while intake was busy so
// as to triage more referrals at once (Options.Gather).
func (s *Service) Gathered() int64 { return s.gathered.Load() }

// Provisional returns how many provisional assessments the fast lane of a
// restart has stored.
func (s *Service) Provisional() int64 { return s.interim.Load() }

// Triaged returns the sequence number through which every record has been
// observed and every referral's assessment stored.
func (s *Service) Triaged() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// Wait blocks until every record through seq has been triaged and its
// assessment stored, ctx ends (its error), or the service stops (code
// EUnavailable). Call Notify first if seq was just stored.
func (s *Service) Wait(ctx context.Context, seq int64) error {
	for {
		s.mu.Lock()
		done, stopped, ch := s.done, s.stopped, s.changed
		s.mu.Unlock()
		if done >= seq {
			return nil
		}
		if stopped {
			return errStopped
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// advance records that every record through seq is triaged and wakes the
// waiters.
func (s *Service) advance(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = seq
	close(s.changed)
	s.changed = make(chan struct{})
}

// CatchUp triages every record stored after the last one it has seen,
// storing the assessments of referrals not assessed before, and returns
// once it has read to the end of the store, with how many it stored. The
// first call replays the whole store. Run calls it after every wake-up;
// `bonafide triage --db` calls it once. Calls are serialised.
//
// On an error it returns at once; the next call picks up where this one
// stopped, storing first any assessments it could not store, so that
// nothing is observed twice and nothing is skipped but an assessment the
// store refuses outright (see Run).
func (s *Service) CatchUp(ctx context.Context) (int, error) { return s.catchUp(ctx, false, false) }

// catchUp is CatchUp; with slicing (Run's calls) it stops early with
// errSliced to let busy intake run (Options.Busy, Slice, MaxLag), having
// stored what it assessed. In the background (on Run's low-priority
// thread) it also stops, with errOverLag, once triage is MaxLag behind,
// so that Run goes on at normal priority.
func (s *Service) catchUp(ctx context.Context, slicing, background bool) (int, error) {
	s.engineMu.Lock()
	defer s.engineMu.Unlock()
	if err := s.readResume(ctx); err != nil {
		return 0, err
	}
	sliceStart := time.Now()
	if s.behind.IsZero() {
		s.behind = sliceStart
	}
	stored := 0
	var sliced error // errSliced or errOverLag once this call is to stop
	observed := 0    // records observed in this call: a slice observes at least one
	for {
		if len(s.pending) > 0 {
			n, err := s.out.PutAssessments(ctx, s.pending)
			if refused(err) {
				// One assessment the store will never take must not hold
				// back every later referral: store them one at a time and
				// leave out, loudly, those refused.
				n, err = s.putEach(ctx)
			}
			if err != nil {
				stored += n // putEach may have stored some before the error
				return stored, fmt.Errorf("triage: store assessments through seq %d: %w", s.last, err)
			}
			stored += n // those already stored (by another server) are skipped
			s.pending = s.pending[:0]
		}
		s.advance(s.last)
		s.maybeCheckpoint(ctx, false)
		if sliced != nil {
			return stored, sliced
		}
		if s.fastLoading.Load() {
			select {
			case <-s.fastLoaded:
			case <-ctx.Done():
				return stored, ctx.Err()
			}
		}
		page, err := s.readPage(ctx, s.last)
		if err != nil {
			return stored, fmt.Errorf("triage: read records after seq %d: %w", s.last, err)
		}
		if len(page) == 0 {
			s.behind = time.Time{}
			return stored, nil
		}
		for _, st := range page {
			if background && observed > 0 && time.Since(s.behind) >= s.opts.MaxLag {
				sliced = errOverLag // store what is pending, then go on at normal priority
				break
			}
			if s.opts.Busy != nil && s.opts.Busy() {
				if slicing && observed > 0 && s.sliceOver(sliceStart) {
					sliced = errSliced // store what is pending, then yield
					break
				}
				runtime.Gosched() // requests waiting to run go first
			}
			s.last = st.Seq
			s.mainLast.Store(st.Seq)
			observed++
			a, err := s.engine.Observe(st.Record)
			if err != nil {
				// Only a record the store should never hold (no id, a
				// repeated id) fails. A referral gets a failure record.
				s.log.Error("triage: record not triaged", slog.Int64("seq", st.Seq), slog.Any("error", err))
				if r, ok := st.Record.(*bonafide.Referral); ok && st.Seq > s.resume {
					s.pendFailure(r, st.Seq, "the triage engine could not assess it: "+err.Error())
				}
				continue
			}
			if a == nil {
				continue
			}
			if s.opts.Each != nil {
				s.opts.Each(a)
			}
			if st.Seq <= s.resume {
				continue // assessed before
			}
			out, err := s.stored(a, st.Seq)
			if err != nil {
				s.log.Error("triage: assessment not stored", slog.Int64("seq", st.Seq), slog.String("referral_id", a.ReferralID), slog.Any("error", err))
				if r, ok := st.Record.(*bonafide.Referral); ok {
					s.pendFailure(r, st.Seq, "its campaign assessment could not be written: "+err.Error())
				}
				continue
			}
			s.pending = append(s.pending, out)
		}
	}
}

// errSliced is CatchUp's answer when it stopped to let busy intake run
// (Options.Slice, MaxLag); Run yields and calls it again.
var errSliced = errors.New("triage: yielded to intake")

// errOverLag is catchUp's answer in the background once triage is MaxLag
// behind: Run goes on at normal priority.
var errOverLag = errors.New("triage: too far behind for the background")

// sliceOver reports whether the slice that began at start has run its time
// and triage may still fall further behind (Options.Slice, MaxLag). Under
// engineMu.
func (s *Service) sliceOver(start time.Time) bool {
	now := time.Now()
	return now.Sub(start) >= s.opts.Slice && now.Sub(s.behind) < s.opts.MaxLag
}

// refused reports whether err is the store refusing what it was given
// (it will refuse it again), not failing to take it (it may take it on a
// retry).
func refused(err error) bool {
	switch bonafide.ErrorCode(err) {
	case bonafide.EInvalid, bonafide.ENotFound, bonafide.ETooLarge:
		return true
	}
	return false
}

// putEach stores the pending assessments one at a time and returns how
// many it stored. One the store refuses is replaced by a failure record
// (its referral's safety level and why), so that staff see the referral
// was not fully triaged; only if the store refuses that too is nothing
// stored, loudly. On any other error it stops; those stored already are
// skipped as stored on the retry.
func (s *Service) putEach(ctx context.Context) (int, error) {
	stored := 0
	for i := range s.pending {
		a := s.pending[i]
		n, err := s.out.PutAssessments(ctx, []bonafide.Assessment{a})
		if refused(err) && a.Kind != bonafide.KindFailure {
			s.log.Error("triage: the store refused an assessment; storing a failure record instead", slog.Int64("seq", a.Seq),
				slog.String("referral_id", a.ReferralID), slog.Any("error", err))
			var ferr error
			a, ferr = s.failureOf(ctx, a, "the store refused its campaign assessment: "+err.Error())
			if ferr == nil {
				n, err = s.out.PutAssessments(ctx, []bonafide.Assessment{a})
				if err == nil {
					s.failures.Add(int64(n))
				}
			} else {
				err = ferr
			}
		}
		if refused(err) {
			s.log.Error("triage: the store refused a failure record; the referral has its safety assessment only", slog.Int64("seq", a.Seq),
				slog.String("referral_id", a.ReferralID), slog.Any("error", err))
			continue
		}
		if err != nil {
			return stored, err
		}
		stored += n
	}
	return stored, nil
}

// pendFailure queues a failure record for referral r at seq, in its place
// in sequence order.
func (s *Service) pendFailure(r *bonafide.Referral, seq int64, why string) {
	a, err := triage.FailureAssessment(s.cal, r, s.version+" failed", why)
	if err != nil {
		s.log.Error("triage: failure record not made", slog.Int64("seq", seq), slog.Any("error", err))
		return
	}
	a.Seq = seq
	s.pending = append(s.pending, a)
	s.failures.Add(1)
}

// failureOf makes the failure record that replaces assessment a.
func (s *Service) failureOf(ctx context.Context, a bonafide.Assessment, why string) (bonafide.Assessment, error) {
	st, err := s.store.Get(ctx, a.Seq)
	if err != nil {
		return a, err
	}
	r, ok := st.Record.(*bonafide.Referral)
	if !ok || r.ID != a.ReferralID {
		return a, bonafide.Errorf(bonafide.ENotFound, "no referral %s at seq %d", a.ReferralID, a.Seq)
	}
	f, err := triage.FailureAssessment(s.cal, r, s.version+" failed", why)
	f.Seq = a.Seq
	return f, err
}

// readResume reads, once, the sequence number through which referrals
// were assessed before.
func (s *Service) readResume(ctx context.Context) error {
	if s.resumeKnown {
		return nil
	}
	seq, err := s.out.LastAssessedSeq(ctx)
	if err != nil {
		return fmt.Errorf("triage: read last assessed seq: %w", err)
	}
	s.resume, s.resumeKnown = seq, true
	if s.last == 0 {
		s.restore(ctx)
	}
	s.log.Info("triage replaying the store", slog.Int64("after_seq", s.last), slog.Int64("assessed_through", seq), slog.String("engine", s.version))
	return nil
}

// Run catches up with the store (see CatchUp), then again after every
// Notify and every Poll, until ctx ends, when it returns nil. A failed
// read or write is logged and retried after RetryMin, doubling up to
// RetryMax, rather than anything skipped; an assessment the store
// refuses outright (EInvalid, ENotFound, ETooLarge) is replaced by a
// failure record, logged with its seq and referral id.
//
// On a restart with more than Options.Tail records assessed before, a
// fast lane runs beside the replay of the history: it assesses the
// referrals not assessed before, and those arriving meanwhile, against
// the last Tail records alone, and stores those assessments as
// provisional (bonafide.KindProvisional, saying so in their output),
// until the replay has caught up and stores the full ones. Cancel ctx and wait for Run to
// return before closing the store. A Service runs once: a second Run
// fails.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running || s.stopped {
		s.mu.Unlock()
		return errors.New("triage: Service.Run called twice")
	}
	s.running = true
	s.mu.Unlock()
	defer s.waitCheckpoint(context.Background()) // one being written is finished first
	defer func() {
		s.mu.Lock()
		s.stopped = true
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}()
	start := time.Now()
	caughtUp := false
	added := 0
	wait := s.opts.RetryMin
	fastCtx, stopFast := context.WithCancel(ctx)
	defer stopFast()
	var fast sync.WaitGroup
	defer fast.Wait()
	for {
		s.engineMu.Lock()
		err := s.readResume(ctx)
		resume, from := s.resume, s.last // from: 0, or the checkpoint restored
		s.engineMu.Unlock()
		if err == nil && s.opts.Tail > 0 && resume-from > int64(s.opts.Tail) {
			s.fastLoaded = make(chan struct{})
			s.fastLoading.Store(true)
			fast.Add(1)
			go func() {
				defer fast.Done()
				s.fastLane(fastCtx, resume)
			}()
		}
		if err != nil {
			s.log.Error("triage failed; retrying", slog.Duration("retry_in", wait), slog.Any("error", err))
			s.retries.Add(1)
			if !s.pause(ctx, wait) {
				return nil
			}
			wait = min(2*wait, s.opts.RetryMax)
			continue
		}
		break
	}
	var low *lowThread
	if s.opts.Busy != nil {
		low = newLowThread(s.log)
		defer low.close()
	}
	for {
		ran := time.Now()
		n, err := s.runSliced(ctx, low)
		added += n
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errSliced) {
			if !s.yield(ctx) {
				return nil
			}
			continue
		}
		if err != nil {
			s.log.Error("triage failed; retrying", slog.Duration("retry_in", wait), slog.Any("error", err))
			s.retries.Add(1)
			if !s.pause(ctx, wait) {
				return nil
			}
			wait = min(2*wait, s.opts.RetryMax)
			continue
		}
		wait = s.opts.RetryMin
		if !caughtUp {
			caughtUp = true
			stopFast()
			s.log.Info("triage caught up", slog.Int64("seq", s.Triaged()), slog.Int("assessed", added),
				slog.Duration("elapsed", time.Since(start)))
		}
		if !s.sleep(ctx) || !s.gather(ctx, ran) || !s.yield(ctx) {
			return nil
		}
	}
}

// defaultGather is Options.Gather when zero.
const defaultGather = 100 * time.Millisecond

// gather waits, while intake is busy, until Options.Gather has passed
// since ran, the start of the last catch-up, so that what arrives
// meanwhile is triaged together; false when ctx ended.
func (s *Service) gather(ctx context.Context, ran time.Time) bool {
	if s.opts.Busy == nil || !s.opts.Busy() {
		return true
	}
	if d := s.opts.Gather - time.Since(ran); d > 0 {
		s.gathered.Add(1)
		return s.pause(ctx, d)
	}
	return true
}

// runSliced is Run's catchUp. Beside intake (Options.Busy set) triage
// runs on low, a thread of low scheduling priority, while it is within
// MaxLag, so that the kernel gives the processors to intake's requests,
// the database and whatever else the machine runs before it, and triage
// takes the time they leave; once it is MaxLag behind it goes on at normal
// priority, so that a machine kept busy by something else cannot starve
// it.
func (s *Service) runSliced(ctx context.Context, low *lowThread) (int, error) {
	if low == nil {
		return s.catchUp(ctx, true, false)
	}
	var n int
	var err error
	low.do(func() { n, err = s.catchUp(ctx, true, true) })
	if !errors.Is(err, errOverLag) {
		return n, err
	}
	s.overLag.Add(1)
	m, err := s.catchUp(ctx, true, false)
	return n + m, err
}

// busyPoll is how often yield asks Options.Busy again.
const busyPoll = 5 * time.Millisecond

// yield waits while Options.Busy says intake is busy, at most MaxDefer;
// false when ctx ended.
func (s *Service) yield(ctx context.Context) bool {
	if s.opts.Busy == nil || !s.opts.Busy() {
		return true
	}
	s.deferred.Add(1)
	limit := time.NewTimer(s.opts.MaxDefer)
	defer limit.Stop()
	tick := time.NewTicker(busyPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-limit.C:
			return true
		case <-tick.C:
			if !s.opts.Busy() {
				return true
			}
		}
	}
}

// Go runs Run in its own goroutine until ctx ends or stop is called.
// stop ends Run, then triages within its own ctx what is left (records
// stored in the last moments before a shutdown), so that a server that
// stops cleanly leaves nothing it stored untriaged; a store it cannot
// finish is picked up on the next start. Call stop before closing the
// store; a second call returns nil.
func (s *Service) Go(ctx context.Context) (stop func(context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(ctx); err != nil {
			s.log.Error("triage: not started", slog.Any("error", err))
		}
	}()
	var once sync.Once
	return func(fctx context.Context) error {
		var err error
		once.Do(func() {
			cancel()
			<-done
			if _, err = s.CatchUp(fctx); err == nil {
				s.engineMu.Lock()
				s.maybeCheckpoint(fctx, true) // so that the next start replays nothing
				s.engineMu.Unlock()
			}
		})
		return err
	}
}

// readPage returns up to PageSize records after seq.
func (s *Service) readPage(ctx context.Context, after int64) ([]bonafide.Stored, error) {
	page := make([]bonafide.Stored, 0, 64)
	for st, err := range s.store.Records(ctx, after, s.opts.PageSize) {
		if err != nil {
			return nil, err
		}
		page = append(page, st)
	}
	return page, nil
}

// stored turns the engine's assessment into what the store keeps. The
// output is encoded as `bonafide triage` writes it (encoding/json of
// triage.Assessment), so that the two agree byte for byte.
func (s *Service) stored(a *triage.Assessment, seq int64) (bonafide.Assessment, error) {
	out, err := json.Marshal(a)
	if err != nil {
		return bonafide.Assessment{}, fmt.Errorf("encode assessment: %w", err)
	}
	return bonafide.Assessment{
		ReferralID:  a.ReferralID,
		Seq:         seq,
		SafetyLevel: string(a.Safety.Level),
		Flagged:     a.Campaign.Flagged,
		Score:       a.Campaign.Score,
		DecisionDue: a.DecisionDue,
		Engine:      s.version,
		Output:      out,
		Family:      a.Family,
	}, nil
}

// sleep waits for Notify, the poll interval or the end of ctx; false when
// ctx ended.
func (s *Service) sleep(ctx context.Context) bool {
	t := time.NewTimer(s.opts.Poll)
	defer t.Stop()
	select {
	case <-s.wake:
		return true
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pause waits d or until ctx ends; false when ctx ended.
func (s *Service) pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
