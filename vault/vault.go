package vault

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"bonafide"
)

// Purpose says what a data key is for. It is bound into the wrapping, so a
// blind-index key cannot be passed off as an encryption key or the reverse.
type Purpose uint8

// The purposes of data keys.
const (
	// PurposeSeal keys encrypt reporter data (AES-256-GCM).
	PurposeSeal Purpose = 1
	// PurposeIndex keys derive the HMAC keys of the blind indexes.
	PurposeIndex Purpose = 2
)

func (p Purpose) String() string {
	switch p {
	case PurposeSeal:
		return "seal"
	case PurposeIndex:
		return "index"
	}
	return fmt.Sprintf("purpose(%d)", uint8(p))
}

// WrappedKey is a data key as stored: encrypted under a master key. The
// database holds only these; the master key stays outside it.
type WrappedKey struct {
	ID      KeyID
	Purpose Purpose
	Created time.Time
	// Wrapped is the envelope: version 1 (one byte), the master key's ID
	// (8 bytes), a GCM nonce (12 bytes) and the sealed 32-byte key with its
	// 16-byte tag.
	Wrapped []byte
}

// MasterID returns the ID of the master key that wrapped k, so that rotation
// can tell which keys still need re-wrapping.
func (k WrappedKey) MasterID() (KeyID, error) {
	var id KeyID
	if len(k.Wrapped) != wrappedLen || k.Wrapped[0] != envelopeVersion {
		return id, errMalformedKey
	}
	copy(id[:], k.Wrapped[1:9])
	return id, nil
}

// KeyStore keeps wrapped data keys. The SQLite and PostgreSQL stores
// implement it with one table (id, purpose, created, wrapped); MemoryKeyStore
// is the in-memory version. vaulttest.RunKeyStore checks an implementation.
type KeyStore interface {
	// Keys returns every stored data key, in any order. An empty store
	// returns no keys and no error.
	Keys(ctx context.Context) ([]WrappedKey, error)

	// AddKey stores a new data key. A key whose ID is already stored fails
	// with code bonafide.EConflict and changes nothing.
	AddKey(ctx context.Context, k WrappedKey) error

	// Rewrap replaces, in one transaction, the Wrapped field of every stored
	// key with rewrap(key). If rewrap or the store fails, nothing changes.
	// Keys added concurrently either are all passed to rewrap or wait until
	// Rewrap has committed.
	Rewrap(ctx context.Context, rewrap func(WrappedKey) ([]byte, error)) error
}

const (
	envelopeVersion = 1
	headerLen       = 1 + 8 // version, key id
	nonceLen        = 12    // GCM standard nonce
	tagLen          = 16    // GCM tag
	prefixLen       = headerLen + nonceLen
	wrappedLen      = prefixLen + KeySize + tagLen
)

var (
	errMalformed    = errors.New("malformed sealed value")
	errMalformedKey = errors.New("malformed wrapped key")
	errAuth         = errors.New("message authentication failed")
	errUnknownKey   = errors.New("sealed under an unknown data key")
	errNoMaster     = errors.New("wrapped under a master key not configured")
)

var (
	wrapLabel = []byte("bonafide wrap v1\x00")
	sealLabel = []byte("bonafide seal v1\x00")
)

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func wrapAAD(id KeyID, p Purpose, header []byte) []byte {
	aad := make([]byte, 0, len(wrapLabel)+1+len(id)+len(header))
	aad = append(aad, wrapLabel...)
	aad = append(aad, byte(p))
	aad = append(aad, id[:]...)
	return append(aad, header...)
}

// wrap encrypts key under master for the data key with the given ID and
// purpose.
func wrap(rand io.Reader, master *MasterKey, id KeyID, p Purpose, key []byte) ([]byte, error) {
	g, err := newGCM(master.key[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, prefixLen, wrappedLen)
	out[0] = envelopeVersion
	copy(out[1:9], master.id[:])
	if _, err := io.ReadFull(rand, out[headerLen:prefixLen]); err != nil {
		return nil, err
	}
	return g.Seal(out, out[headerLen:prefixLen], key, wrapAAD(id, p, out[:headerLen])), nil
}

// unwrap decrypts a wrapped data key with whichever of masters wrapped it.
func unwrap(masters MasterKeys, k WrappedKey) ([]byte, error) {
	mid, err := k.MasterID()
	if err != nil {
		return nil, err
	}
	m := masters.byID(mid)
	if m == nil {
		return nil, fmt.Errorf("%w (%s)", errNoMaster, mid)
	}
	g, err := newGCM(m.key[:])
	if err != nil {
		return nil, err
	}
	w := k.Wrapped
	key, err := g.Open(nil, w[headerLen:prefixLen], w[prefixLen:], wrapAAD(k.ID, k.Purpose, w[:headerLen]))
	if err != nil {
		return nil, errAuth
	}
	return key, nil
}

// Vault seals and opens reporter data and computes blind indexes. It holds
// the unwrapped data keys in memory; the master keys are needed only to open
// it, to add data keys and to rotate. It is safe for concurrent use.
//
// Seal and Open have the shape the stores plug in:
//
//	Seal(plain, aad []byte) ([]byte, error)
//	Open(sealed, aad []byte) ([]byte, error)
type Vault struct {
	store   KeyStore
	masters MasterKeys
	now     func() time.Time
	rand    io.Reader

	mu     sync.RWMutex
	seal   map[KeyID]cipher.AEAD
	active KeyID
	index  KeyID
	tags   map[TagKind][]byte // HMAC key per tag kind, derived from the index key
	link   []byte             // HMAC key of Blind, derived from the index key
}

// Options tune Open. The zero value is what production uses.
type Options struct {
	// Now stamps new data keys; time.Now when nil.
	Now func() time.Time
	// Rand supplies keys and nonces; crypto/rand.Reader when nil. Tests only.
	Rand io.Reader
}

// Open loads and unwraps every data key in store with masters, creating the
// first encryption key and the blind-index key if the store has none. It
// fails if any stored key cannot be unwrapped: a key wrapped under a master
// that is not configured would otherwise leave some reporters unreadable.
func Open(ctx context.Context, store KeyStore, masters MasterKeys, opts Options) (*Vault, error) {
	if len(masters) == 0 {
		return nil, errors.New("open vault: no master key")
	}
	v := &Vault{store: store, masters: masters, now: opts.Now, rand: opts.Rand}
	if v.now == nil {
		v.now = time.Now
	}
	if v.rand == nil {
		v.rand = cryptoRand
	}
	if err := v.load(ctx); err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	added := false
	if v.index == (KeyID{}) {
		if err := v.addKey(ctx, PurposeIndex); err != nil {
			return nil, fmt.Errorf("open vault: %w", err)
		}
		added = true
	}
	if v.active == (KeyID{}) {
		if err := v.addKey(ctx, PurposeSeal); err != nil {
			return nil, fmt.Errorf("open vault: %w", err)
		}
		added = true
	}
	if added {
		// Reload so that processes racing to create the first keys all
		// settle on the same index key (the oldest).
		if err := v.load(ctx); err != nil {
			return nil, fmt.Errorf("open vault: %w", err)
		}
	}
	return v, nil
}

// load reads and unwraps every stored key and picks the active encryption
// key (the newest) and the index key (the oldest; ties broken by ID).
func (v *Vault) load(ctx context.Context) error {
	ks, err := v.store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("load keys: %w", err)
	}
	slices.SortFunc(ks, func(a, b WrappedKey) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	seal := make(map[KeyID]cipher.AEAD)
	var active, index KeyID
	var tags map[TagKind][]byte
	var link []byte
	for _, k := range ks {
		raw, err := unwrap(v.masters, k)
		if err != nil {
			return fmt.Errorf("unwrap %s key %s: %w", k.Purpose, k.ID, err)
		}
		switch k.Purpose {
		case PurposeSeal:
			g, err := newGCM(raw)
			if err != nil {
				return err
			}
			seal[k.ID] = g
			active = k.ID
		case PurposeIndex:
			if index == (KeyID{}) {
				index = k.ID
				if tags, err = deriveTagKeys(raw); err != nil {
					return err
				}
				if link, err = hkdf.Key(sha256.New, raw, nil, "bonafide triage link v1", KeySize); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("key %s: unknown purpose %d", k.ID, k.Purpose)
		}
		clear(raw)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seal, v.active, v.index, v.tags, v.link = seal, active, index, tags, link
	return nil
}

func deriveTagKeys(indexKey []byte) (map[TagKind][]byte, error) {
	m := make(map[TagKind][]byte, len(tagKinds))
	for _, kind := range tagKinds {
		k, err := hkdf.Key(sha256.New, indexKey, nil, "bonafide blind index v1 "+string(kind), KeySize)
		if err != nil {
			return nil, err
		}
		m[kind] = k
	}
	return m, nil
}

// addKey creates, wraps and stores a new data key under the primary master.
func (v *Vault) addKey(ctx context.Context, p Purpose) error {
	var id KeyID
	if _, err := io.ReadFull(v.rand, id[:]); err != nil {
		return err
	}
	raw := make([]byte, KeySize)
	defer clear(raw)
	if _, err := io.ReadFull(v.rand, raw); err != nil {
		return err
	}
	w, err := wrap(v.rand, v.masters.Primary(), id, p, raw)
	if err != nil {
		return err
	}
	if err := v.store.AddKey(ctx, WrappedKey{ID: id, Purpose: p, Created: v.now().UTC(), Wrapped: w}); err != nil {
		return fmt.Errorf("add %s key: %w", p, err)
	}
	return nil
}

// NewSealKey creates a new data encryption key and makes it the one Seal
// uses, so that the amount of data under any one key stays bounded (random
// 96-bit GCM nonces are safe for 2^32 messages per key). Values sealed under
// earlier keys still open. Other processes pick the new key up when they
// next Reload.
func (v *Vault) NewSealKey(ctx context.Context) (KeyID, error) {
	if err := v.addKey(ctx, PurposeSeal); err != nil {
		return KeyID{}, fmt.Errorf("new seal key: %w", err)
	}
	if err := v.load(ctx); err != nil {
		return KeyID{}, fmt.Errorf("new seal key: %w", err)
	}
	return v.ActiveKey(), nil
}

// Reload re-reads the stored keys, picking up keys other processes added.
// Open calls it by itself when it meets an unknown key.
func (v *Vault) Reload(ctx context.Context) error {
	if err := v.load(ctx); err != nil {
		return fmt.Errorf("reload vault: %w", err)
	}
	return nil
}

// ActiveKey returns the ID of the data key Seal uses now.
func (v *Vault) ActiveKey() KeyID {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.active
}

func sealAAD(label, prefix, aad []byte) []byte {
	b := make([]byte, 0, len(label)+len(prefix)+len(aad))
	b = append(b, label...)
	b = append(b, prefix...)
	return append(b, aad...)
}

// Seal encrypts plain with AES-256-GCM under the active data key. aad is
// authenticated but not stored: the same aad must be given to Open, so a
// value sealed for one referral (aad = ReporterAAD(id)) cannot be moved to
// another. The result is version 1 (one byte), the data key's ID (8 bytes),
// the nonce (12 bytes) and the ciphertext with its 16-byte tag.
func (v *Vault) Seal(plain, aad []byte) ([]byte, error) {
	return v.sealWith(sealLabel, plain, aad)
}

// sealWith seals under the active data key with label heading the
// associated data, so that values sealed for different uses (reporters,
// credential secrets) can never be opened as one another.
func (v *Vault) sealWith(label, plain, aad []byte) ([]byte, error) {
	v.mu.RLock()
	id, g := v.active, v.seal[v.active]
	v.mu.RUnlock()
	if g == nil {
		return nil, errors.New("seal: vault not open")
	}
	out := make([]byte, prefixLen, prefixLen+len(plain)+tagLen)
	out[0] = envelopeVersion
	copy(out[1:headerLen], id[:])
	if _, err := io.ReadFull(v.rand, out[headerLen:prefixLen]); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return g.Seal(out, out[headerLen:prefixLen], plain, sealAAD(label, out[:prefixLen], aad)), nil
}

// Open decrypts a value Seal returned, given the same aad. Any change to the
// value, a different aad, or an unknown key makes it fail; its errors never
// contain the value.
func (v *Vault) Open(sealed, aad []byte) ([]byte, error) {
	return v.openWith(sealLabel, sealed, aad)
}

// openWith opens a value sealWith sealed with the same label and aad.
func (v *Vault) openWith(label, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < prefixLen+tagLen || sealed[0] != envelopeVersion {
		return nil, fmt.Errorf("open: %w", errMalformed)
	}
	var id KeyID
	copy(id[:], sealed[1:headerLen])
	v.mu.RLock()
	g := v.seal[id]
	v.mu.RUnlock()
	if g == nil {
		// Another process may have added a key since we loaded.
		if err := v.load(context.Background()); err != nil {
			return nil, fmt.Errorf("open: %w", err)
		}
		v.mu.RLock()
		g = v.seal[id]
		v.mu.RUnlock()
		if g == nil {
			return nil, fmt.Errorf("open: %w", errUnknownKey)
		}
	}
	plain, err := g.Open(nil, sealed[headerLen:prefixLen], sealed[prefixLen:], sealAAD(label, sealed[:prefixLen], aad))
	if err != nil {
		return nil, fmt.Errorf("open: %w", errAuth)
	}
	return plain, nil
}

// RotateResult says what Rotate did.
type RotateResult struct {
	Rewrapped int   // keys moved to the new primary master key
	Already   int   // keys already under it
	Primary   KeyID // the master key every data key is now wrapped under
}

// Rotate re-wraps every stored data key under masters.Primary(), unwrapping
// each with whichever of masters wrapped it. Data keys themselves do not
// change, so sealed reporter data stays valid and running servers (which
// hold unwrapped keys) carry on: there is no downtime. It is all or none and
// safe to repeat; `bonafide keys rotate` calls it.
//
// The procedure: generate a new key; put it first in the master key file,
// keeping the old one below it; restart or roll the servers; run Rotate; then
// remove the old key from the file and destroy it.
func Rotate(ctx context.Context, store KeyStore, masters MasterKeys) (RotateResult, error) {
	res := RotateResult{}
	p := masters.Primary()
	if p == nil {
		return res, errors.New("rotate: no master key")
	}
	res.Primary = p.ID()
	err := store.Rewrap(ctx, func(k WrappedKey) ([]byte, error) {
		if mid, err := k.MasterID(); err == nil && mid == p.ID() {
			// Still unwrap it, so a damaged key is found now and not later.
			raw, err := unwrap(masters, k)
			if err != nil {
				return nil, fmt.Errorf("key %s: %w", k.ID, err)
			}
			clear(raw)
			res.Already++
			return k.Wrapped, nil
		}
		raw, err := unwrap(masters, k)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		defer clear(raw)
		w, err := wrap(cryptoRand, p, k.ID, k.Purpose, raw)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		res.Rewrapped++
		return w, nil
	})
	if err != nil {
		return RotateResult{Primary: p.ID()}, fmt.Errorf("rotate: %w", err)
	}
	return res, nil
}

// MemoryKeyStore is a KeyStore in memory, for tests and for `bonafide demo`
// runs that keep nothing. The zero value is ready to use.
type MemoryKeyStore struct {
	mu   sync.Mutex
	keys []WrappedKey
}

// Keys returns copies of the stored keys.
func (s *MemoryKeyStore) Keys(ctx context.Context) ([]WrappedKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]WrappedKey, len(s.keys))
	for i, k := range s.keys {
		k.Wrapped = bytes.Clone(k.Wrapped)
		out[i] = k
	}
	return out, nil
}

// AddKey stores k, or fails with EConflict if its ID is taken.
func (s *MemoryKeyStore) AddKey(ctx context.Context, k WrappedKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.keys {
		if o.ID == k.ID {
			return bonafide.Errorf(bonafide.EConflict, "data key %s already stored", k.ID)
		}
	}
	k.Wrapped = bytes.Clone(k.Wrapped)
	s.keys = append(s.keys, k)
	return nil
}

// Rewrap replaces every key's wrapped form, all or none.
func (s *MemoryKeyStore) Rewrap(ctx context.Context, rewrap func(WrappedKey) ([]byte, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make([][]byte, len(s.keys))
	for i, k := range s.keys {
		k.Wrapped = bytes.Clone(k.Wrapped)
		w, err := rewrap(k)
		if err != nil {
			return err
		}
		next[i] = bytes.Clone(w)
	}
	for i := range s.keys {
		s.keys[i].Wrapped = next[i]
	}
	return nil
}
