package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
)

// DefaultOrigin is the checkpoint origin line when Config gives none. Give
// each deployment its own (e.g. "audit.example-council.gov.uk/bonafide"),
// so that checkpoints of one log can never be passed off as another's.
const DefaultOrigin = "bonafide/audit"

// Config tunes a Log. The zero value is usable.
type Config struct {
	// Origin is the first line of every checkpoint; DefaultOrigin if empty.
	Origin string
	// Now stamps entries and checkpoints; time.Now if nil.
	Now func() time.Time
	// Logger reports checkpoint failures in Run; slog.DiscardHandler if nil.
	Logger *slog.Logger
}

// Log is the tamper-evident audit log: an append-only Merkle tree of
// entries (RFC 6962 hashing, via golang.org/x/mod/sumdb/tlog) with signed
// checkpoints. It is safe for concurrent use; several processes may share
// one Storage.
type Log struct {
	store  Storage
	key    *SigningKey
	origin string
	now    func() time.Time
	logger *slog.Logger

	// mu serialises this process's appends and checkpoints: a channel of
	// capacity 1, held by sending, so that an Append can wait for the lock
	// and for its own answer at once (see Append).
	mu   chan struct{}
	size int64 // the log's size after this process's last append, -1 when unknown; under mu
	// hashes keeps stored hashes this process has written or read for an
	// append, under mu, so that an append reads none from storage: the
	// left siblings an append hashes with are those earlier appends
	// wrote. Reading them took a read connection while every waiting
	// request held the lock's queue. Only committed hashes enter it, and
	// only appends use it: verification reads storage.
	hashes map[int64]tlog.Hash
	qmu    sync.Mutex // guards queue
	queue  []*pending // Appends waiting for the writer lock
}

// New returns a Log on store that signs checkpoints with key.
func New(store Storage, key *SigningKey, cfg Config) (*Log, error) {
	if key == nil {
		return nil, errors.New("new audit log: no signing key")
	}
	l := &Log{store: store, key: key, origin: cfg.Origin, now: cfg.Now, logger: cfg.Logger, size: -1, mu: make(chan struct{}, 1)}
	if l.origin == "" {
		l.origin = DefaultOrigin
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	return l, nil
}

// Origin returns the origin line of the log's checkpoints.
func (l *Log) Origin() string { return l.origin }

// VerifierKey returns the public key third parties check checkpoints with.
func (l *Log) VerifierKey() string { return l.key.VerifierKey() }

func (l *Log) reader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return l.store.ReadHashes(ctx, indexes)
	})
}

// maxAppendTries bounds retries when other processes append concurrently.
// Each conflict means another append succeeded, so the log as a whole
// always progresses; the bound only stops one caller starving for ever.
const maxAppendTries = 100

// maxBatch bounds how many queued entries one transaction appends.
const maxBatch = 1000

// pending is an Append waiting for a batch.
type pending struct {
	ctx  context.Context
	e    Entry
	rec  any               // AppendRecord's record, as RecordStorage.EncodeRecord made it; nil for none
	done chan appendResult // buffered, 1
}

type appendResult struct {
	e   Entry
	seq int64 // the record's, for AppendRecord
	err error
}

// Append adds e to the log, setting its index and time, and stores its
// record hash and the tree's new stored hashes with it. Who, What and Why
// are required. It returns the entry as logged, once it is durable.
//
// Concurrent Appends share a transaction (group commit): whoever holds the
// writer lock appends every entry queued so far, so the log keeps pace with
// intake although each commit waits for the disk.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	if err := e.validate(); err != nil {
		return Entry{}, fmt.Errorf("audit append: %w", err)
	}
	// Whoever holds the lock commits every entry queued; the others wait
	// for their answer or the lock, whichever comes first. Waiting for the
	// lock alone (a mutex) made each caller whose entry another had
	// already committed take the lock in turn just to read its answer: a
	// convoy of lock hand-offs, one scheduling delay each, which on a
	// loaded machine cost more than the commits.
	r := l.enqueue(ctx, &pending{ctx: ctx, e: e, done: make(chan appendResult, 1)})
	return r.e, r.err
}

// AppendRecord stores rec and appends e in one transaction, so that no
// record is ever stored without its audit entry nor the entry without the
// record, and returns the entry as logged and the record's sequence number.
// The log's storage must be a RecordStorage on the store that keeps the
// records (sqlite and postgres are); otherwise it fails with EInternal. A
// record the store refuses (a referral id already stored: EConflict) fails
// only this call, and neither it nor e is stored. Concurrent Appends and
// AppendRecords share a transaction, so intake over HTTP pays one durable
// commit a referral, as the store alone does.
func (l *Log) AppendRecord(ctx context.Context, e Entry, rec bonafide.Record) (Entry, int64, error) {
	rs, ok := l.store.(RecordStorage)
	if !ok {
		return Entry{}, 0, bonafide.Errorf(bonafide.EInternal, "audit append: storage %T cannot store records", l.store)
	}
	if rec == nil {
		return Entry{}, 0, bonafide.Errorf(bonafide.EInvalid, "audit append: no record")
	}
	if err := e.validate(); err != nil {
		return Entry{}, 0, fmt.Errorf("audit append: %w", err)
	}
	enc, err := rs.EncodeRecord(rec) // sealing and encoding, outside the lock
	if err != nil {
		return Entry{}, 0, err
	}
	r := l.enqueue(ctx, &pending{ctx: ctx, e: e, rec: enc, done: make(chan appendResult, 1)})
	return r.e, r.seq, r.err
}

// RecordStore returns the store AppendRecord writes records to, or nil
// when the log's storage cannot store records.
func (l *Log) RecordStore() bonafide.Store {
	if rs, ok := l.store.(RecordStorage); ok {
		return rs.RecordStore()
	}
	return nil
}

// enqueue queues p and waits for its answer, committing batches while it
// holds the writer lock (see Append).
func (l *Log) enqueue(ctx context.Context, p *pending) appendResult {
	l.qmu.Lock()
	l.queue = append(l.queue, p)
	l.qmu.Unlock()
	select {
	case r := <-p.done:
		return r
	case l.mu <- struct{}{}:
	}
	defer l.unlock()
	for {
		select {
		case r := <-p.done:
			return r
		default:
		}
		l.qmu.Lock()
		batch := l.queue[:min(len(l.queue), maxBatch)]
		l.queue = l.queue[len(batch):]
		l.qmu.Unlock()
		l.appendBatch(ctx, batch)
	}
}

// lock takes mu; unlock releases it.
func (l *Log) lock()   { l.mu <- struct{}{} }
func (l *Log) unlock() { <-l.mu }

// appendBatch appends the live entries of batch in one transaction and
// answers each. It runs under l.mu.
func (l *Log) appendBatch(ctx context.Context, batch []*pending) {
	live := batch[:0:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- appendResult{err: fmt.Errorf("audit append: %w", err)}
			continue
		}
		live = append(live, p)
	}
	if len(live) == 0 {
		return
	}
	// A caller giving up must not fail the others' entries.
	ctx = context.WithoutCancel(ctx)
	var err error
	for range maxAppendTries {
		var seqs []int64
		if seqs, err = l.tryAppend(ctx, live); err == nil {
			l.size = live[len(live)-1].e.N + 1
			for i, p := range live {
				p.done <- appendResult{e: p.e, seq: seqs[i]}
			}
			return
		}
		l.size = -1 // another writer, or a failed write: read the size again
		var re *RecordError
		if errors.As(err, &re) && re.Index >= 0 && re.Index < len(live) {
			// The store refused one record and stored nothing: answer
			// that one and append the others without it.
			live[re.Index].done <- appendResult{err: re.Err}
			live = append(live[:re.Index:re.Index], live[re.Index+1:]...)
			if len(live) == 0 {
				return
			}
			continue
		}
		if bonafide.ErrorCode(err) != bonafide.EConflict {
			break
		}
	}
	for _, p := range live {
		p.done <- appendResult{err: fmt.Errorf("audit append: %w", err)}
	}
}

// tryAppend numbers, stamps and hashes the batch from the current size and
// stores it, or fails with EConflict if another writer got there first.
//
// The size is read from storage only when this process does not know it:
// Storage.Append checks it again in its transaction, so a stale size (another
// process appended) fails with EConflict and the retry reads it afresh.
func (l *Log) tryAppend(ctx context.Context, batch []*pending) ([]int64, error) {
	n := l.size
	var err error
	if n < 0 {
		if n, err = l.store.Size(ctx); err != nil {
			return nil, err
		}
	}
	base := tlog.StoredHashIndex(0, n)
	var hashes []tlog.Hash
	// Earlier hashes come from storage, this batch's from hashes.
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		var old []int64
		for i, x := range idx {
			if x >= base {
				out[i] = hashes[x-base]
			} else if h, ok := l.hashes[x]; ok {
				out[i] = h
			} else {
				old = append(old, x)
			}
		}
		if len(old) == 0 {
			return out, nil
		}
		got, err := l.store.ReadHashes(ctx, old)
		if err != nil {
			return nil, err
		}
		j := 0
		for i, x := range idx {
			if j < len(old) && x == old[j] {
				out[i] = got[j]
				l.remember(x, got[j])
				j++
			}
		}
		return out, nil
	})
	data := make([][]byte, len(batch))
	now := l.now().UTC()
	var recs []any // the records of AppendRecord calls, beside their entries; nil when none
	for i, p := range batch {
		p.e.N, p.e.Time = n+int64(i), now
		if data[i], err = MarshalEntry(p.e); err != nil {
			return nil, err
		}
		hs, err := tlog.StoredHashes(p.e.N, data[i], r)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, hs...)
		if p.rec != nil {
			if recs == nil {
				recs = make([]any, len(batch))
			}
			recs[i] = p.rec
		}
	}
	var seqs []int64
	if recs == nil {
		err = l.store.Append(ctx, n, data, hashes)
	} else {
		seqs, err = l.store.(RecordStorage).AppendWithRecords(ctx, n, data, hashes, recs)
	}
	if err != nil {
		return nil, err
	}
	for i, h := range hashes {
		l.remember(base+int64(i), h)
	}
	if seqs == nil {
		seqs = make([]int64, len(batch))
	}
	return seqs, nil
}

// maxCachedHashes bounds Log.hashes (about 5 MiB); past it the cache
// starts again empty and refills from the next appends.
const maxCachedHashes = 1 << 16

// remember puts a committed stored hash in l.hashes; it runs under mu.
func (l *Log) remember(idx int64, h tlog.Hash) {
	if l.hashes == nil || len(l.hashes) >= maxCachedHashes {
		l.hashes = make(map[int64]tlog.Hash, 1024)
	}
	l.hashes[idx] = h
}

// Entry returns entry n and its stored encoding, which a third party needs
// (with Prove) to check the entry against a checkpoint.
func (l *Log) Entry(ctx context.Context, n int64) (Entry, []byte, error) {
	for se, err := range l.store.Entries(ctx, n) {
		if err != nil {
			return Entry{}, nil, fmt.Errorf("audit entry %d: %w", n, err)
		}
		if se.N != n {
			break
		}
		e, err := UnmarshalEntry(se.Data)
		if err != nil {
			return Entry{}, nil, fmt.Errorf("audit entry %d: %w", n, err)
		}
		return e, se.Data, nil
	}
	return Entry{}, nil, bonafide.Errorf(bonafide.ENotFound, "audit entry %d not found", n)
}

// latest returns the newest stored checkpoint, verified, or ok false if
// there is none.
func (l *Log) latest(ctx context.Context) (c Checkpoint, ok bool, err error) {
	sc, err := l.store.LatestCheckpoint(ctx)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, err
	}
	c, err = parseCheckpoint(sc.Note, l.key.verifier, l.origin)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("checkpoint %d: %w", sc.ID, err)
	}
	return c, true, nil
}

// WriteCheckpoint signs and stores a checkpoint of the log as it is now and
// returns it. Before signing it proves the current tree consistent with the
// latest stored checkpoint, and refuses if it is not: signing a rewritten
// log would launder the rewrite.
func (l *Log) WriteCheckpoint(ctx context.Context) (Checkpoint, error) {
	l.lock()
	defer l.unlock()
	c, err := l.writeCheckpoint(ctx, false)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("write checkpoint: %w", err)
	}
	return c, nil
}

func (l *Log) writeCheckpoint(ctx context.Context, onlyIfGrown bool) (Checkpoint, error) {
	if l.key.signer == nil {
		return Checkpoint{}, errNoSigner
	}
	size, err := l.store.Size(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	r := l.reader(ctx)
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return Checkpoint{}, err
	}
	prev, ok, err := l.latest(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	if ok {
		if onlyIfGrown && prev.Size == size {
			return prev, nil
		}
		if prev.Size > size {
			return Checkpoint{}, fmt.Errorf("log has %d entries but checkpoint at size %d exists; run verify", size, prev.Size)
		}
		var err error
		if prev.Size > 0 { // the empty tree is a prefix of every tree
			var p tlog.TreeProof
			if p, err = tlog.ProveTree(size, prev.Size, r); err == nil {
				err = tlog.CheckTree(p, size, root, prev.Size, prev.Hash)
			}
		}
		if err != nil {
			return Checkpoint{}, fmt.Errorf("log is not consistent with the checkpoint at size %d; run verify", prev.Size)
		}
	}
	t := l.now().UTC().Truncate(time.Second)
	msg, err := note.Sign(&note.Note{Text: formatCheckpointText(l.origin, size, root, t)}, l.key.signer)
	if err != nil {
		return Checkpoint{}, err
	}
	if _, err := l.store.AddCheckpoint(ctx, size, msg); err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: l.origin, Size: size, Hash: root, Time: t, Note: msg}, nil
}

// Checkpoint returns the latest signed checkpoint as text, verified, so
// that an information-governance team can keep a copy outside the system
// (`bonafide audit checkpoint` prints it). It fails with ENotFound before
// the first checkpoint is written.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	c, ok, err := l.latest(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if !ok {
		return nil, bonafide.Errorf(bonafide.ENotFound, "no checkpoint written yet")
	}
	return c.Note, nil
}

// Run writes a checkpoint on every tick when the log has grown since the
// last one, and a last one when ctx ends; the server runs it with a
// one-minute time.Ticker. Failures are logged and retried on the next tick,
// since a passing database fault must not stop the server. It returns when
// ctx is done.
func (l *Log) Run(ctx context.Context, tick <-chan time.Time) {
	write := func(ctx context.Context) {
		l.lock()
		defer l.unlock()
		if _, err := l.writeCheckpoint(ctx, true); err != nil {
			l.logger.Error("audit checkpoint failed", slog.Any("error", err))
		}
	}
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			write(final)
			cancel()
			return
		case <-tick:
			write(ctx)
		}
	}
}

// Stats returns the log's size and the time its latest checkpoint signs
// (zero when there is none), for an operator's metrics: a log that grows
// while its latest checkpoint ages means checkpoints are failing. It reads
// the size and one checkpoint, whose signature it checks.
func (l *Log) Stats(ctx context.Context) (size int64, latest time.Time, err error) {
	if size, err = l.store.Size(ctx); err != nil {
		return 0, time.Time{}, fmt.Errorf("audit stats: %w", err)
	}
	c, ok, err := l.latest(ctx)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("audit stats: %w", err)
	}
	if ok {
		latest = c.Time
	}
	return size, latest, nil
}
