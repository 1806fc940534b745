package casework

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"bonafide"
	"bonafide/linkage"
)

// The family search index: every person (child or adult) named in a
// stored referral, as one record of a linkage.Index, scored by the same
// engine that links records in batch. The index groups nothing: each
// person is an entity of its own (linkage.Index.AddSeparate), and a
// search groups the referrals it finds by the family triage gave them.

// searchFields are the fields a person is indexed and searched by, in
// the order of [personRaw].
var searchFields = []string{"given_name", "surname", "dob", "nhs_number", "postcode", "handle"}

//go:embed searchmodel.json
var searchModelJSON []byte

// searchRules are the blocks a search looks in. Each field a search may
// give alone has a rule of its own (NHS number, handle without platform,
// full postcode); names block with and without typos and nicknames, with
// the date of birth, and with the postcode district. A typo in a surname
// that changes its sound is found through its first three letters (a
// single letter made the blocks of common given names too large at 1M
// referrals: 63 ms at p99 against 20 ms).
var searchRules = []linkage.BlockRule{
	{Name: "nhs_number", On: []linkage.BlockKey{{Field: "nhs_number"}}},
	{Name: "handle", On: []linkage.BlockKey{{Field: "handle", Transform: "district"}}},
	{Name: "postcode", On: []linkage.BlockKey{{Field: "postcode"}}},
	{Name: "nickname+phonetic(surname)", On: []linkage.BlockKey{{Field: "given_name", Transform: "nickname"}, {Field: "surname", Transform: "phonetic"}}},
	{Name: "phonetic(given)+phonetic(surname)", On: []linkage.BlockKey{{Field: "given_name", Transform: "phonetic"}, {Field: "surname", Transform: "phonetic"}}},
	{Name: "nickname+first3(surname)", On: []linkage.BlockKey{{Field: "given_name", Transform: "nickname"}, {Field: "surname", Transform: "first3"}}},
	{Name: "phonetic(surname)+year_month(dob)", On: []linkage.BlockKey{{Field: "surname", Transform: "phonetic"}, {Field: "dob", Transform: "year_month"}}},
	{Name: "dob+first(given)", On: []linkage.BlockKey{{Field: "dob"}, {Field: "given_name", Transform: "first"}}},
	{Name: "district(postcode)+phonetic(surname)", On: []linkage.BlockKey{{Field: "postcode", Transform: "district"}, {Field: "surname", Transform: "phonetic"}}},
}

// Families is the family search index over the people of every stored
// referral. Build it with [NewFamilies], fill it with [Families.Sync] at
// start, and hand it each referral the API stores ([Families.Offer]); a
// search brings it up to date with the store first
// ([Service.SearchFamilies]), so that a referral is found as soon as it
// is stored, whoever stored it. It is safe for concurrent use.
type Families struct {
	idx   *linkage.Index
	model *linkage.Model

	// Logger, when set, is told of a store read the background indexing
	// could not make (the next search's Sync reads it again).
	Logger *slog.Logger

	syncing chan struct{} // one indexing writer at a time: capacity 1, held by sending
	offered chan struct{} // capacity 1: wakes a drain waiting on a gap

	mu       sync.Mutex    // guards what follows
	after    int64         // highest sequence number indexed, every one before it too
	advanced chan struct{} // closed (and replaced) when after has moved on
	posts    map[string]int64
	pending  map[int64]bonafide.Record // offered and not yet indexed, by sequence number
	draining bool                      // a drain goroutine is running
}

// Offered records wait in memory until those before them are indexed.
// maxPending bounds them (past it an offer is dropped and the record read
// from the store instead); gapWait is how long a drain waits for the offer
// that fills a gap before it reads the store, since a record stored by
// another process is never offered; drainBatch bounds what one turn
// indexes, so that a search waiting to sync is not held long.
const (
	maxPending = 4096
	gapWait    = 50 * time.Millisecond
	drainBatch = 256
)

// NewFamilies returns an empty family search index.
func NewFamilies() (*Families, error) {
	m, err := linkage.ReadModel(bytes.NewReader(searchModelJSON))
	if err != nil {
		return nil, fmt.Errorf("family search model: %w", err)
	}
	for i, f := range m.Fields {
		if i >= len(searchFields) || f.Name != searchFields[i] {
			return nil, fmt.Errorf("family search model: field %d is %q, want %q", i+1, f.Name, searchFields[i])
		}
	}
	idx, err := linkage.NewIndex(m, searchRules, 0.5, 0)
	if err != nil {
		return nil, fmt.Errorf("family search index: %w", err)
	}
	return &Families{idx: idx, model: m, posts: map[string]int64{}, pending: map[int64]bonafide.Record{},
		syncing: make(chan struct{}, 1), offered: make(chan struct{}, 1), advanced: make(chan struct{})}, nil
}

// Sync indexes every record stored after the last one it read, and
// returns how many referrals it added. Records come in sequence order, so
// a Sync that fails part way resumes after the last record it took.
func (f *Families) Sync(ctx context.Context, st bonafide.Store) (int, error) {
	select {
	case f.syncing <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("family search: %w", ctx.Err())
	}
	defer func() { <-f.syncing }()
	return f.syncTo(ctx, st, math.MaxInt64)
}

// SyncTo is Sync for a writer that has just stored the record at seq: it
// returns at once, reading nothing, when the index already holds seq. Many
// concurrent writers then share one read of the store: whoever takes the
// turn first indexes every record stored so far, and those queued behind
// it find theirs already indexed.
func (f *Families) SyncTo(ctx context.Context, st bonafide.Store, seq int64) (int, error) {
	for {
		f.mu.Lock()
		covered, advanced := f.after >= seq, f.advanced
		f.mu.Unlock()
		if covered {
			return 0, nil
		}
		// Wait for the Sync under way or start one, whichever comes
		// first, so that requests queued behind a Sync that indexes their
		// records return with it rather than take the turn one by one.
		select {
		case <-advanced:
		case f.syncing <- struct{}{}:
			n, err := f.syncTo(ctx, st, seq)
			<-f.syncing
			return n, err
		case <-ctx.Done():
			return 0, fmt.Errorf("family search: %w", ctx.Err())
		}
	}
}

// Offer hands the index the referral a writer has just stored at seq and
// returns at once: a goroutine indexes what is offered in sequence order,
// off the writer's path (indexing in the request was a tenth of intake's
// CPU, and a read of the store whenever requests finished out of order).
// A gap that no offer fills within gapWait (a record stored by another
// process) is read from st. rec must be the record st holds at seq.
func (f *Families) Offer(st bonafide.Store, seq int64, rec bonafide.Record) {
	f.mu.Lock()
	if seq > f.after && len(f.pending) < maxPending {
		f.pending[seq] = rec
	}
	start := !f.draining && len(f.pending) > 0
	f.draining = f.draining || start
	f.mu.Unlock()
	if start {
		go f.drain(st)
		return
	}
	select {
	case f.offered <- struct{}{}:
	default:
	}
}

// drain indexes offered records until none is left. Waiting on a gap, it
// reads the store after gapWait; when even that fails it drops what is
// pending, which the next search's Sync reads.
func (f *Families) drain(st bonafide.Store) {
	for {
		f.syncing <- struct{}{}
		n := f.indexPending()
		f.mu.Lock()
		idle := len(f.pending) == 0
		if idle {
			f.draining = false
		}
		f.mu.Unlock()
		<-f.syncing
		switch {
		case idle:
			return
		case n > 0:
			continue
		}
		timer := time.NewTimer(gapWait)
		select {
		case <-f.offered:
			timer.Stop()
			continue
		case <-timer.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := f.Sync(ctx, st)
		cancel()
		if err != nil {
			if f.Logger != nil {
				f.Logger.Error("family search index: records not read; the next search reads them", slog.Any("error", err))
			}
			f.mu.Lock()
			clear(f.pending)
			f.draining = false
			f.mu.Unlock()
			return
		}
	}
}

// indexPending indexes the offered records that follow the last one
// indexed, at most drainBatch, and returns how many it took; the caller
// holds f.syncing.
func (f *Families) indexPending() int {
	f.mu.Lock()
	var batch []bonafide.Stored
	for next := f.after + 1; len(batch) < drainBatch; next++ {
		rec, ok := f.pending[next]
		if !ok {
			break
		}
		delete(f.pending, next)
		batch = append(batch, bonafide.Stored{Seq: next, Record: rec})
	}
	f.mu.Unlock()
	if len(batch) == 0 {
		return 0
	}
	for _, rec := range batch {
		f.add(rec)
	}
	f.advance(batch[len(batch)-1].Seq)
	return len(batch)
}

// advance records that every record up to seq is indexed, and wakes those
// waiting on it; the caller holds f.syncing.
func (f *Families) advance(seq int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.after = seq
	f.wakeLocked()
}

// wakeLocked wakes those waiting for after to move on; the caller holds
// f.mu.
func (f *Families) wakeLocked() {
	close(f.advanced)
	f.advanced = make(chan struct{})
}

// syncTo reads and indexes the records after the last one indexed; the
// caller holds f.syncing.
func (f *Families) syncTo(ctx context.Context, st bonafide.Store, seq int64) (int, error) {
	f.mu.Lock()
	after := f.after
	f.mu.Unlock()
	if after >= seq {
		return 0, nil
	}
	n := 0
	defer func() {
		f.mu.Lock()
		for s := range f.pending { // read from the store instead
			if s <= f.after {
				delete(f.pending, s)
			}
		}
		f.wakeLocked()
		f.mu.Unlock()
	}()
	for rec, err := range st.Records(ctx, after, 0) {
		if err != nil {
			return n, fmt.Errorf("family search: read records after %d: %w", after, err)
		}
		if f.add(rec) {
			n++
		}
		f.mu.Lock()
		f.after = rec.Seq
		f.mu.Unlock()
	}
	return n, nil
}

// Add indexes one stored record, for a caller that reads the store
// itself (a benchmark, a loader); it reports whether rec was a referral.
// Records must come in sequence order and each once, as Sync reads them.
func (f *Families) Add(rec bonafide.Stored) bool {
	f.syncing <- struct{}{}
	defer func() { <-f.syncing }()
	ok := f.add(rec)
	f.mu.Lock()
	f.after = max(f.after, rec.Seq)
	f.mu.Unlock()
	return ok
}

// add indexes one record; the caller holds f.syncing (the index has a
// lock of its own; f.posts takes f.mu).
func (f *Families) add(rec bonafide.Stored) bool {
	switch r := rec.Record.(type) {
	case *bonafide.PublicPost:
		f.mu.Lock()
		f.posts[r.ID] = rec.Seq
		f.mu.Unlock()
	case *bonafide.ForumPost:
		f.mu.Lock()
		f.posts[r.ID] = rec.Seq
		f.mu.Unlock()
	case *bonafide.Referral:
		for i, p := range r.Children {
			f.addPerson(r, "c"+strconv.Itoa(i), p)
		}
		for i, p := range r.Adults {
			f.addPerson(r, "a"+strconv.Itoa(i), p)
		}
		return true
	}
	return false
}

// addPerson indexes one person of referral r: one record per social
// handle (a field holds one value), or one without.
func (f *Families) addPerson(r *bonafide.Referral, who string, p bonafide.Person) {
	raw := personRaw(p, r.Address)
	id := r.ID + "#" + who
	if len(p.SocialHandles) == 0 {
		f.idx.AddSeparate(f.idx.Prepare(id, raw))
		return
	}
	for i, h := range p.SocialHandles {
		raw[5] = h.Handle
		if h.Platform != "" {
			raw[5] = h.Platform + ":" + h.Handle
		}
		f.idx.AddSeparate(f.idx.Prepare(id+"h"+strconv.Itoa(i), raw))
	}
}

// personRaw is a person's values in the order of searchFields.
func personRaw(p bonafide.Person, a *bonafide.Address) []string {
	raw := []string{p.GivenName, p.FamilyName, p.DOB.String(), p.NHSNumber, "", ""}
	if a != nil {
		raw[4] = a.Postcode
	}
	return raw
}

// Len returns how many person records the index holds.
func (f *Families) Len() int { return f.idx.Len() }

// post returns the sequence number of a public or forum post indexed, by
// its interchange id.
func (f *Families) post(id string) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq, ok := f.posts[id]
	return seq, ok
}

// splitRecordID returns the referral id and the person ("c0" the first
// child, "a1" the second adult) of an index record id.
func splitRecordID(id string) (referral, person string) {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return id, ""
	}
	person = id[i+1:]
	if h := strings.IndexByte(person, 'h'); h >= 0 {
		person = person[:h]
	}
	return id[:i], person
}
