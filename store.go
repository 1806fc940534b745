package bonafide

import (
	"context"
	"iter"
	"time"
)

// Stored is a record as kept by a Store, with the sequence number the store
// gave it. Sequence numbers rise in the order records were stored, across all
// record types, so that a reader can replay what was known at any moment.
type Stored struct {
	Seq      int64
	StoredAt time.Time
	Record   Record
}

// Store keeps referrals and their context durably. Both back-ends (SQLite and
// PostgreSQL) meet this contract; the conformance suite in package storetest
// holds them to it.
//
// Reporter fields are kept apart from the referral so that they can be sealed;
// a Store never logs them.
type Store interface {
	// Add stores one record and returns its sequence number once the write is
	// durable. Safe for concurrent use; concurrent calls may share a commit.
	// A referral whose ID is already stored fails with code EConflict.
	Add(ctx context.Context, rec Record) (int64, error)

	// Import stores every record that recs yields in one transaction: all or
	// none. It stops at the first error, from recs or from the store (a
	// duplicate referral ID fails with EConflict), writes nothing, and
	// returns that error with the number of records taken before it.
	Import(ctx context.Context, recs iter.Seq2[Record, error]) (int, error)

	// Get returns the record with sequence number seq, or an error with code
	// ENotFound.
	Get(ctx context.Context, seq int64) (Stored, error)

	// ReferralByID returns the referral whose interchange id is id, or an
	// error with code ENotFound.
	ReferralByID(ctx context.Context, id string) (Stored, error)

	// Records yields stored records with Seq > after in sequence order, at
	// most limit of them when limit > 0. Export and triage replay use it.
	Records(ctx context.Context, after int64, limit int) iter.Seq2[Stored, error]

	// Count returns how many records of each type are stored.
	Count(ctx context.Context) (map[RecordType]int64, error)

	// Close releases the store; Add calls in flight finish first.
	Close() error
}

// Sealer encrypts reporter data before a Store writes it and decrypts it when
// the store reads it back, so that the records table never holds who made a
// referral in the clear. aad binds a sealed blob to its referral (the store
// passes the referral's interchange id), so that a blob moved to another
// referral fails to open. The vault package provides one; a Store opened
// without a Sealer keeps reporter JSON unsealed in its separate table.
type Sealer interface {
	// Seal returns plain encrypted and authenticated together with aad.
	Seal(plain, aad []byte) ([]byte, error)
	// Open returns the plaintext of sealed, or an error if sealed or aad
	// was altered.
	Open(sealed, aad []byte) ([]byte, error)
}
