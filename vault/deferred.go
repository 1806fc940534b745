package vault

import (
	"errors"
	"sync/atomic"

	"bonafide"
)

// Deferred is a bonafide.Sealer that forwards to a Vault set later. It
// breaks a knot at start-up: a store takes its Sealer when it opens, but the
// vault keeps its wrapped keys in that same store. Open the store with a
// *Deferred, open the vault on the store, then Set it. Until Set, Seal and
// Open fail, so nothing is ever written unsealed.
type Deferred struct {
	v atomic.Pointer[Vault]
}

var _ bonafide.Sealer = (*Deferred)(nil)

var errNotSet = errors.New("vault not open yet")

// Set makes d forward to v.
func (d *Deferred) Set(v *Vault) { d.v.Store(v) }

// Seal seals with the vault, or fails before Set.
func (d *Deferred) Seal(plain, aad []byte) ([]byte, error) {
	v := d.v.Load()
	if v == nil {
		return nil, errNotSet
	}
	return v.Seal(plain, aad)
}

// Tagger is the shape of the stores' Options.Tagger: the blind-index tags of
// a reporter, or an error when they cannot be computed (which fails the
// write, so that no reporter is stored unindexed). (*Deferred).Tags is one.
type Tagger = func(r *bonafide.Reporter) ([]Tag, error)

// Tags returns the blind-index tags of r (Vault.Tags), or fails before Set.
// It is the shape of the stores' Options.Tagger, so that intake writes a
// referral's tags in the same transaction as the referral.
func (d *Deferred) Tags(r *bonafide.Reporter) ([]Tag, error) {
	v := d.v.Load()
	if v == nil {
		return nil, errNotSet
	}
	return v.Tags(r), nil
}

// Open opens with the vault, or fails before Set.
func (d *Deferred) Open(sealed, aad []byte) ([]byte, error) {
	v := d.v.Load()
	if v == nil {
		return nil, errNotSet
	}
	return v.Open(sealed, aad)
}
