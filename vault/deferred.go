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

// Open opens with the vault, or fails before Set.
func (d *Deferred) Open(sealed, aad []byte) ([]byte, error) {
	v := d.v.Load()
	if v == nil {
		return nil, errNotSet
	}
	return v.Open(sealed, aad)
}
