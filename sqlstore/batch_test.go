package sqlstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"bonafide"
)

// recorder is a CommitFunc over ints that numbers what it takes. When
// held, each commit, once it has taken its requests, says so on entered
// and waits for gate, so that a test can act while a commit is under way.
type recorder struct {
	held    bool
	entered chan struct{}
	gate    chan struct{}

	mu    sync.Mutex
	taken []int
	fail  error // fails the next batch
}

func held() *recorder {
	return &recorder{held: true, entered: make(chan struct{}), gate: make(chan struct{})}
}

func (c *recorder) commit(batch []*Request[int], results []Result) error {
	var took []int
	for i, r := range batch {
		if r.Take() {
			took = append(took, i)
		}
	}
	if c.held {
		c.entered <- struct{}{}
		<-c.gate
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		err := c.fail
		c.fail = nil
		return err
	}
	for _, i := range took {
		if batch[i].Item < 0 {
			results[i].Err = bonafide.Errorf(bonafide.EConflict, "duplicate")
			continue
		}
		c.taken = append(c.taken, batch[i].Item)
		results[i].Seq = int64(len(c.taken))
	}
	return nil
}

func (c *recorder) takenItems() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.taken...)
}

// serve lets held commits through until done yields.
func (c *recorder) serve(t *testing.T, what string, done <-chan error) {
	t.Helper()
	for {
		select {
		case <-c.entered:
			c.gate <- struct{}{}
		case err := <-done:
			if err != nil {
				t.Errorf("%s = %v", what, err)
			}
			return
		}
	}
}

func TestBatcherAdd(t *testing.T) {
	c := &recorder{}
	b := NewBatcher("test", c.commit)
	ctx := context.Background()
	var wg sync.WaitGroup
	seqs := make([]int64, 100)
	for i := range seqs {
		wg.Go(func() {
			var err error
			if seqs[i], err = b.Add(ctx, i); err != nil {
				t.Errorf("Add(%d) = %v", i, err)
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i, s := range seqs {
		if s < 1 || s > 100 || seen[s] {
			t.Errorf("Add(%d) = seq %d, want a distinct seq in 1..100", i, s)
		}
		seen[s] = true
	}
	if _, err := b.Add(ctx, -1); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("Add(duplicate) = %v, want code %q", err, bonafide.EConflict)
	}
	if s, err := b.Add(ctx, 500); s != 101 || err != nil {
		t.Errorf("Add after a duplicate = %d, %v, want 101, nil", s, err)
	}
	if !b.Close() || b.Close() {
		t.Errorf("Close(), Close() = not true then false")
	}
	if _, err := b.Add(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	if err := b.Err(); !errors.Is(err, ErrClosed) {
		t.Errorf("Err after Close = %v, want ErrClosed", err)
	}
}

// TestBatcherFailsBatch checks that an error from the commit fails every
// request of its batch, and the next batch goes on.
func TestBatcherFailsBatch(t *testing.T) {
	boom := errors.New("boom")
	c := &recorder{fail: boom}
	b := NewBatcher("test", c.commit)
	defer b.Close()
	if _, err := b.Add(context.Background(), 1); !errors.Is(err, boom) {
		t.Errorf("Add(failing batch) = %v, want boom", err)
	}
	if s, err := b.Add(context.Background(), 2); s != 1 || err != nil {
		t.Errorf("Add(next batch) = %d, %v, want 1, nil", s, err)
	}
}

// TestBatcherAbandoned checks the rule an error from Add rests on: a
// request its caller gave up on while it was queued is never written, and
// one the writer has taken is answered even after its caller's context
// ends.
func TestBatcherAbandoned(t *testing.T) {
	c := held()
	b := NewBatcher("test", c.commit)
	ctx := context.Background()
	add := func(ctx context.Context, item int) <-chan error {
		done := make(chan error, 1)
		go func() { _, err := b.Add(ctx, item); done <- err }()
		return done
	}

	first := add(ctx, 1)
	<-c.entered // a commit holds request 1
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Add(gone, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Add(cancelled) = %v, want context.Canceled", err)
	}
	c.gate <- struct{}{}
	if err := <-first; err != nil {
		t.Errorf("Add(1) = %v", err)
	}
	c.serve(t, "Add(3)", add(ctx, 3)) // request 2, if queued, is skipped on the way

	live, cancelLive := context.WithCancel(ctx)
	fourth := add(live, 4)
	<-c.entered // request 4 is taken
	cancelLive()
	c.gate <- struct{}{}
	if err := <-fourth; err != nil {
		t.Errorf("Add(4), taken, then its context cancelled = %v, want it stored", err)
	}
	b.Close()
	if got := c.takenItems(); len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 4 {
		t.Errorf("written = %v, want [1 3 4]: the abandoned request must not be written", got)
	}
}

// TestBatcherBegin checks that Close waits for a write registered with
// Begin, and that none can begin after Close.
func TestBatcherBegin(t *testing.T) {
	b := NewBatcher("test", (&recorder{}).commit)
	end, err := b.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var ended atomic.Bool
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		b.Close()
		if !ended.Load() {
			t.Errorf("Close returned before the write registered with Begin ended")
		}
	}()
	ended.Store(true)
	end()
	<-closed
	if _, err := b.Begin(); !errors.Is(err, ErrClosed) {
		t.Errorf("Begin after Close = %v, want ErrClosed", err)
	}
}
