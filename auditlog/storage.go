package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
)

// StoredEntry is an entry as a Storage holds it: its index and its encoding.
type StoredEntry struct {
	N    int64
	Data []byte
}

// StoredCheckpoint is a signed checkpoint as a Storage holds it.
type StoredCheckpoint struct {
	// ID is the storage's own number for the checkpoint, rising in the order
	// checkpoints were added, so that Verify can name a bad one.
	ID int64
	// Size is the tree size the checkpoint claims, kept beside the note so
	// that it can be found without parsing; Verify trusts only the note.
	Size int64
	// Note is the signed note, exactly as signed.
	Note []byte
}

// StoredCosignature is a checkpoint cosigned by a witness, as a Storage
// holds it.
type StoredCosignature struct {
	ID      int64
	Size    int64  // the checkpoint's size
	Witness string // the witness's key name
	// Note is the checkpoint with the log's signature and the witness's
	// cosignature, exactly as the witness returned it.
	Note []byte
}

// Storage keeps the audit log: entries, the tree's stored hashes (see
// tlog.StoredHashes) and signed checkpoints. It is append-only by contract:
// nothing in the API edits or deletes, and Verify finds it if anything
// outside the API did. The SQLite and PostgreSQL stores implement it with
// three tables; MemoryStorage keeps it in memory. auditlogtest.RunStorage checks an
// implementation.
//
// Every method may be called concurrently.
type Storage interface {
	// Size returns the number of entries: one more than the highest index
	// stored, or 0 for an empty log.
	Size(ctx context.Context) (int64, error)

	// Append stores entries as entries n, n+1, … together with hashes,
	// the stored hashes for indexes tlog.StoredHashIndex(0, n) onward, in
	// one transaction. If n is not Size (another writer appended first) it
	// fails with code bonafide.EConflict and stores nothing.
	Append(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash) error

	// ReadHashes returns the stored hashes at the given indexes, in the
	// order given. If any index is not stored it fails with code
	// bonafide.ENotFound.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)

	// Entries yields the stored entries with index >= start, in index
	// order, as stored: if rows were deleted behind the API's back, their
	// indexes are simply absent.
	Entries(ctx context.Context, start int64) iter.Seq2[StoredEntry, error]

	// AddCheckpoint stores a signed checkpoint; the storage assigns its ID
	// and returns it.
	AddCheckpoint(ctx context.Context, size int64, note []byte) (int64, error)

	// Checkpoints yields every stored checkpoint in ID order.
	Checkpoints(ctx context.Context) iter.Seq2[StoredCheckpoint, error]

	// LatestCheckpoint returns the checkpoint with the highest ID, or an
	// error with code bonafide.ENotFound when there is none.
	LatestCheckpoint(ctx context.Context) (StoredCheckpoint, error)

	// AddCosignature stores a checkpoint of the given size cosigned by
	// witness (its key name); Log.AddCosignature has checked both
	// signatures.
	AddCosignature(ctx context.Context, size int64, witness string, note []byte) error

	// Cosignatures yields every stored cosignature in ID order.
	Cosignatures(ctx context.Context) iter.Seq2[StoredCosignature, error]
}

// A RecordStorage is a Storage on the database that keeps the records
// too, so that a record and its audit entry can commit together
// (Log.AppendRecord).
type RecordStorage interface {
	Storage
	// RecordStore is the store whose records AppendWithRecords writes.
	RecordStore() bonafide.Store
	// EncodeRecord prepares rec for AppendWithRecords (sealing, encoding),
	// outside the log's writer lock. What it returns is the storage's own.
	EncodeRecord(rec bonafide.Record) (any, error)
	// AppendWithRecords is Append that also stores recs[i] (made by
	// EncodeRecord; nil for an entry without one) in the same transaction
	// and returns each one's sequence number (0 where none). If the store
	// refuses a record it fails with a *RecordError naming it and stores
	// nothing.
	AppendWithRecords(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash, recs []any) ([]int64, error)
}

// A RecordError is AppendWithRecords refusing one record: Index is its
// place in recs and Err the store's reason (EConflict for a referral id
// already stored).
type RecordError struct {
	Index int
	Err   error
}

func (e *RecordError) Error() string { return fmt.Sprintf("record %d: %v", e.Index, e.Err) }

// Unwrap returns the store's reason.
func (e *RecordError) Unwrap() error { return e.Err }

// Tamperer edits a Storage behind its append-only API, as an attacker with
// database access would. Only tests use it: auditlogtest.RunStorage needs it to show
// that Verify catches each kind of tampering on a real back-end.
type Tamperer interface {
	// SetEntry overwrites the stored data of entry n (which exists).
	SetEntry(ctx context.Context, n int64, data []byte) error
	// DeleteEntry removes entry n (its hashes stay).
	DeleteEntry(ctx context.Context, n int64) error
	// SetHash overwrites the stored hash at index.
	SetHash(ctx context.Context, index int64, h tlog.Hash) error
	// TruncateHashes removes every stored hash at index from or above.
	TruncateHashes(ctx context.Context, from int64) error
	// SetCheckpoint overwrites the note of the checkpoint with the given ID.
	SetCheckpoint(ctx context.Context, id int64, note []byte) error
	// DeleteCheckpoint removes the checkpoint with the given ID.
	DeleteCheckpoint(ctx context.Context, id int64) error
}

// MemoryStorage is a Storage (and a Tamperer) in memory, for tests and demo
// runs. The zero value is ready to use.
type MemoryStorage struct {
	mu      sync.Mutex
	entries map[int64][]byte
	size    int64
	hashes  []tlog.Hash
	cps     []StoredCheckpoint
	nextID  int64
	cosigs  []StoredCosignature
}

var _ Storage = (*MemoryStorage)(nil)
var _ Tamperer = (*MemoryStorage)(nil)

// Size returns one more than the highest stored index.
func (s *MemoryStorage) Size(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sizeLocked(), nil
}

func (s *MemoryStorage) sizeLocked() int64 { return s.size }

// Append stores entries from n and their hashes.
func (s *MemoryStorage) Append(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n != s.sizeLocked() {
		return bonafide.Errorf(bonafide.EConflict, "audit log: append at %d, size is %d", n, s.sizeLocked())
	}
	if s.entries == nil {
		s.entries = map[int64][]byte{}
	}
	// Like a unique index on the hash table: hashes left by a deleted last
	// entry block the append, and the log fails loudly until verified.
	if start := tlog.StoredHashIndex(0, n); int64(len(s.hashes)) != start {
		return bonafide.Errorf(bonafide.EInternal, "audit log: hashes end at %d, want %d; run verify", len(s.hashes), start)
	}
	for i, e := range entries {
		s.entries[n+int64(i)] = bytes.Clone(e)
	}
	s.size = n + int64(len(entries))
	s.hashes = append(s.hashes, hashes...)
	return nil
}

// ReadHashes returns the hashes at indexes.
func (s *MemoryStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s.hashes)) {
			return nil, bonafide.Errorf(bonafide.ENotFound, "audit log: no stored hash %d", x)
		}
		out[i] = s.hashes[x]
	}
	return out, nil
}

// Entries yields entries from start in index order.
func (s *MemoryStorage) Entries(ctx context.Context, start int64) iter.Seq2[StoredEntry, error] {
	return func(yield func(StoredEntry, error) bool) {
		s.mu.Lock()
		keys := slices.Sorted(maps.Keys(s.entries))
		var out []StoredEntry
		for _, k := range keys {
			if k >= start {
				out = append(out, StoredEntry{N: k, Data: bytes.Clone(s.entries[k])})
			}
		}
		s.mu.Unlock()
		for _, e := range out {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// AddCheckpoint stores a checkpoint.
func (s *MemoryStorage) AddCheckpoint(ctx context.Context, size int64, note []byte) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.cps = append(s.cps, StoredCheckpoint{ID: s.nextID, Size: size, Note: bytes.Clone(note)})
	return s.nextID, nil
}

// Checkpoints yields the stored checkpoints in ID order.
func (s *MemoryStorage) Checkpoints(ctx context.Context) iter.Seq2[StoredCheckpoint, error] {
	return func(yield func(StoredCheckpoint, error) bool) {
		s.mu.Lock()
		cps := slices.Clone(s.cps)
		s.mu.Unlock()
		for _, c := range cps {
			c.Note = bytes.Clone(c.Note)
			if !yield(c, nil) {
				return
			}
		}
	}
}

// LatestCheckpoint returns the newest checkpoint.
func (s *MemoryStorage) LatestCheckpoint(ctx context.Context) (StoredCheckpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cps) == 0 {
		return StoredCheckpoint{}, bonafide.Errorf(bonafide.ENotFound, "audit log: no checkpoint")
	}
	c := s.cps[len(s.cps)-1]
	c.Note = bytes.Clone(c.Note)
	return c, nil
}

// SetEntry overwrites entry n.
func (s *MemoryStorage) SetEntry(ctx context.Context, n int64, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[n]; !ok {
		return bonafide.Errorf(bonafide.ENotFound, "no entry %d", n)
	}
	s.entries[n] = bytes.Clone(data)
	return nil
}

// DeleteEntry removes entry n.
func (s *MemoryStorage) DeleteEntry(ctx context.Context, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[n]; !ok {
		return bonafide.Errorf(bonafide.ENotFound, "no entry %d", n)
	}
	delete(s.entries, n)
	s.size = 0
	for k := range s.entries {
		s.size = max(s.size, k+1)
	}
	return nil
}

// SetHash overwrites a stored hash.
func (s *MemoryStorage) SetHash(ctx context.Context, index int64, h tlog.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if index < 0 || index >= int64(len(s.hashes)) {
		return bonafide.Errorf(bonafide.ENotFound, "no hash %d", index)
	}
	s.hashes[index] = h
	return nil
}

// TruncateHashes removes the stored hashes from index from on.
func (s *MemoryStorage) TruncateHashes(ctx context.Context, from int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if from < int64(len(s.hashes)) {
		s.hashes = s.hashes[:from]
	}
	return nil
}

// SetCheckpoint overwrites a checkpoint's note.
func (s *MemoryStorage) SetCheckpoint(ctx context.Context, id int64, note []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.cps {
		if s.cps[i].ID == id {
			s.cps[i].Note = bytes.Clone(note)
			return nil
		}
	}
	return bonafide.Errorf(bonafide.ENotFound, "no checkpoint %d", id)
}

// DeleteCheckpoint removes a checkpoint.
func (s *MemoryStorage) DeleteCheckpoint(ctx context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.cps {
		if s.cps[i].ID == id {
			s.cps = slices.Delete(s.cps, i, i+1)
			return nil
		}
	}
	return bonafide.Errorf(bonafide.ENotFound, "no checkpoint %d", id)
}

// AddCosignature stores a cosigned checkpoint.
func (s *MemoryStorage) AddCosignature(ctx context.Context, size int64, witness string, note []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cosigs = append(s.cosigs, StoredCosignature{ID: int64(len(s.cosigs) + 1), Size: size, Witness: witness, Note: bytes.Clone(note)})
	return nil
}

// Cosignatures yields the stored cosignatures in ID order.
func (s *MemoryStorage) Cosignatures(ctx context.Context) iter.Seq2[StoredCosignature, error] {
	return func(yield func(StoredCosignature, error) bool) {
		s.mu.Lock()
		cs := slices.Clone(s.cosigs)
		s.mu.Unlock()
		for _, c := range cs {
			c.Note = bytes.Clone(c.Note)
			if !yield(c, nil) {
				return
			}
		}
	}
}
