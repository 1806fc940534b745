package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"bonafide"
)

// MaxBatch bounds how many writes share one commit, so that one slow batch
// cannot hold every caller.
const MaxBatch = 512

// queueSize is how many writes may wait for the writer goroutine before
// Add blocks.
const queueSize = 4096

// ErrClosed is the error, with code EUnavailable, of every call on a store
// whose Close has begun, so that it reads as "try again elsewhere" rather
// than an internal error.
var ErrClosed = bonafide.Errorf(bonafide.EUnavailable, "store is closed")

// A Batcher commits concurrent writes in groups (group commit): one writer
// goroutine takes every request queued, up to MaxBatch, hands them to the
// back-end's CommitFunc as one transaction with one sync, then answers each
// caller. It also tracks the store's other exclusive writes (Begin), so that
// Close waits for them too.
type Batcher[T any] struct {
	name   string // the back-end's name, prefixed to errors
	commit CommitFunc[T]

	mu     sync.RWMutex // closed; Close waits for senders on reqs
	closed bool
	reqs   chan *Request[T]
	done   chan struct{}  // closed when the writer has drained reqs
	ops    sync.WaitGroup // writes under way outside the queue (Begin)
}

// A CommitFunc writes a batch in one transaction. It must call Take on each
// request just before writing it and skip any for which Take is false (its
// caller has given up and been told it was not stored); it may first take
// the locks it needs, so that requests waiting behind a lock can still be
// abandoned. It sets results[i] of each request written: the sequence
// number, or an error that fails that request alone (a duplicate id). An
// error it returns fails the whole batch, which must then be rolled back.
type CommitFunc[T any] func(batch []*Request[T], results []Result) error

// A Request is one write waiting for the writer goroutine.
type Request[T any] struct {
	Item  T            // what the caller asked to write
	state atomic.Int32 // reqQueued, then reqTaken by the writer or reqAbandoned by the caller
	done  chan Result  // buffered, 1; answered only once taken
}

// States of a Request. Whichever of writer and caller moves the request out
// of reqQueued first decides: an abandoned request is never written, a
// taken one is always answered, so an error from Add means not stored.
const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned
)

// Take claims r for writing. It is false when the caller has abandoned r,
// which must then not be written.
func (r *Request[T]) Take() bool { return r.state.CompareAndSwap(reqQueued, reqTaken) }

// Result is the answer to one Request.
type Result struct {
	Seq int64
	Err error
}

// NewBatcher starts the writer goroutine of a store called name ("sqlite",
// "postgres": it prefixes errors), committing with commit. Close stops it.
func NewBatcher[T any](name string, commit CommitFunc[T]) *Batcher[T] {
	b := &Batcher[T]{
		name:   name,
		commit: commit,
		reqs:   make(chan *Request[T], queueSize),
		done:   make(chan struct{}),
	}
	go b.run()
	return b
}

// Add queues item, waits for its commit and returns its sequence number. An
// error means item was not stored: if ctx ends before the writer has taken
// the request, Add returns ctx's error at once and the writer skips it;
// once taken, Add waits for the commit (a few milliseconds) and reports its
// outcome.
func (b *Batcher[T]) Add(ctx context.Context, item T) (int64, error) {
	r := &Request[T]{Item: item, done: make(chan Result, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return 0, ErrClosed
	}
	select {
	case b.reqs <- r:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return 0, fmt.Errorf("%s: add: %w", b.name, ctx.Err())
	}
	select {
	case res := <-r.done:
		return res.Seq, res.Err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return 0, fmt.Errorf("%s: add: %w", b.name, ctx.Err())
		}
		res := <-r.done // the writer has it: wait for the commit
		return res.Seq, res.Err
	}
}

// run commits queued requests in groups until reqs is closed and drained.
func (b *Batcher[T]) run() {
	defer close(b.done)
	batch := make([]*Request[T], 0, MaxBatch)
	for r := range b.reqs {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < MaxBatch {
			select {
			case r, ok := <-b.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		b.commitBatch(batch)
		clear(batch)
	}
}

// commitBatch runs the CommitFunc and answers every request: with its own
// result, or with the error that failed the batch. Abandoned requests are
// answered too; nobody reads their buffered channel.
func (b *Batcher[T]) commitBatch(batch []*Request[T]) {
	results := make([]Result, len(batch))
	if err := b.commit(batch, results); err != nil {
		for i := range results {
			results[i] = Result{Err: err}
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// Err returns ErrClosed once Close has begun, nil before, so that a store's
// reads after Close fail with code EUnavailable.
func (b *Batcher[T]) Err() error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	return nil
}

// Begin registers a write that does not go through the queue (an Import),
// so that Close waits for it; end must be called when it is over. It fails
// with ErrClosed once Close has begun.
func (b *Batcher[T]) Begin() (end func(), err error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, ErrClosed
	}
	b.ops.Add(1)
	return b.ops.Done, nil
}

// Close stops taking requests, waits for the queued ones to be committed
// and for every write registered with Begin to end. It reports whether this
// call closed b: false when it was already closed, so that a store's Close
// is safe to call twice.
func (b *Batcher[T]) Close() bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.closed = true
	close(b.reqs)
	b.mu.Unlock()
	<-b.done
	b.ops.Wait()
	return true
}
