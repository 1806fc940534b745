package vault

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// KeySize is the length in bytes of every secret key the vault uses: master
// keys, data keys and the blind-index key are all 256-bit.
const KeySize = 32

// masterKeyPrefix starts every line of a master key file, so that a file
// holding something else (a signing key, a certificate) is refused rather than
// used as key material.
const masterKeyPrefix = "bonafide-master-key-v1:"

// Environment variables the vault reads its master keys from.
const (
	// EnvMasterKeyFile names a file holding one or more master keys, one a
	// line, the primary first. It is the preferred way to pass the key.
	EnvMasterKeyFile = "BONAFIDE_MASTER_KEY_FILE"
	// EnvMasterKey holds the same text as the file directly, for platforms
	// that inject secrets as variables. It is read only when the file
	// variable is unset.
	EnvMasterKey = "BONAFIDE_MASTER_KEY"
)

// MasterKey is a key-encryption key: it wraps data keys and never touches
// reporter data itself, so that replacing it means re-wrapping a handful of
// data keys rather than re-encrypting every referral.
//
// Its String, GoString and LogValue methods redact the key, so printing or
// logging a MasterKey cannot leak it.
type MasterKey struct {
	id  KeyID
	key [KeySize]byte
}

// KeyID names a key without revealing it. A master key's ID is derived from
// the key (HMAC-SHA256 under a fixed label), so that a file can never claim
// the wrong ID; a data key's ID is random.
type KeyID [8]byte

// String returns the ID in hex.
func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

// ParseKeyID parses the hex form String returns.
func ParseKeyID(s string) (KeyID, error) {
	var id KeyID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, errors.New("parse key id: want 16 hex digits")
	}
	copy(id[:], b)
	return id, nil
}

func newMasterKey(key []byte) *MasterKey {
	k := &MasterKey{}
	copy(k.key[:], key)
	m := hmac.New(sha256.New, k.key[:])
	m.Write([]byte("bonafide master key id v1"))
	copy(k.id[:], m.Sum(nil))
	return k
}

// GenerateMasterKey returns a new random master key read from rand
// (crypto/rand.Reader when rand is nil).
func GenerateMasterKey(rand io.Reader) (*MasterKey, error) {
	if rand == nil {
		rand = cryptoRand
	}
	var b [KeySize]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("generate master key: %w", err)
	}
	return newMasterKey(b[:]), nil
}

var cryptoRand = rand.Reader

// ID returns the key's public identifier, which envelopes record so that the
// right master key is chosen to unwrap them.
func (k *MasterKey) ID() KeyID { return k.id }

// String redacts the key.
func (k *MasterKey) String() string { return "MasterKey(" + k.id.String() + ", [redacted])" }

// GoString redacts the key under %#v too.
func (k *MasterKey) GoString() string { return k.String() }

// LogValue redacts the key in structured logs.
func (k *MasterKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalText returns the key in the file format: one line,
// "bonafide-master-key-v1:" and the key in base64. It is the only way the
// key's bytes leave the package.
func (k *MasterKey) MarshalText() ([]byte, error) {
	return []byte(masterKeyPrefix + base64.StdEncoding.EncodeToString(k.key[:])), nil
}

// MasterKeys is an ordered set of master keys: the first (the primary) wraps
// new data keys; the rest are retired keys still accepted for unwrapping, so
// that servers keep running while a rotation is under way.
type MasterKeys []*MasterKey

// Primary returns the key that wraps new data keys.
func (ks MasterKeys) Primary() *MasterKey {
	if len(ks) == 0 {
		return nil
	}
	return ks[0]
}

// byID returns the key with the given ID, or nil.
func (ks MasterKeys) byID(id KeyID) *MasterKey {
	for _, k := range ks {
		if k.id == id {
			return k
		}
	}
	return nil
}

// ParseMasterKeys reads master keys from text, one a line, the primary first.
// Blank lines and lines starting with # are ignored. Errors name the line but
// never echo its content.
func ParseMasterKeys(text []byte) (MasterKeys, error) {
	var ks MasterKeys
	sc := bufio.NewScanner(bytes.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		enc, ok := strings.CutPrefix(s, masterKeyPrefix)
		if !ok {
			return nil, fmt.Errorf("parse master keys: line %d: not a bonafide master key", line)
		}
		b, err := base64.StdEncoding.Strict().DecodeString(enc)
		if err != nil || len(b) != KeySize {
			return nil, fmt.Errorf("parse master keys: line %d: want %d bytes in base64", line, KeySize)
		}
		k := newMasterKey(b)
		clear(b)
		if ks.byID(k.id) != nil {
			return nil, fmt.Errorf("parse master keys: line %d: key %s listed twice", line, k.id)
		}
		ks = append(ks, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse master keys: %w", err)
	}
	if len(ks) == 0 {
		return nil, errors.New("parse master keys: no key found")
	}
	return ks, nil
}

// LoadMasterKeys reads the master keys named by the environment: the file in
// BONAFIDE_MASTER_KEY_FILE, else the text in BONAFIDE_MASTER_KEY. getenv is
// os.Getenv in production; tests pass their own so no global state is read.
func LoadMasterKeys(getenv func(string) string) (MasterKeys, error) {
	if name := getenv(EnvMasterKeyFile); name != "" {
		return ReadMasterKeyFile(name)
	}
	if text := getenv(EnvMasterKey); text != "" {
		return ParseMasterKeys([]byte(text))
	}
	return nil, fmt.Errorf("load master keys: set %s (or %s)", EnvMasterKeyFile, EnvMasterKey)
}

// ReadMasterKeyFile reads master keys from the named file. It refuses a file
// that group or others may read, as ssh does for private keys, because the
// master key protects every reporter's identity.
func ReadMasterKeyFile(name string) (MasterKeys, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("read master key file %s: mode %v is open to others; chmod 600", name, fi.Mode().Perm())
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	defer clear(b)
	ks, err := ParseMasterKeys(b)
	if err != nil {
		return nil, fmt.Errorf("read master key file %s: %w", name, err)
	}
	return ks, nil
}

// WriteMasterKeyFile writes keys to a new file with mode 0600, the primary
// first. It fails if the file exists, so that an existing key (and with it
// every sealed reporter) is never overwritten by accident.
func WriteMasterKeyFile(name string, keys ...*MasterKey) error {
	if len(keys) == 0 {
		return errors.New("write master key file: no key")
	}
	var buf bytes.Buffer
	buf.WriteString("# bonafide master keys: the first wraps new data keys. Keep secret; never commit.\n")
	for _, k := range keys {
		t, _ := k.MarshalText()
		buf.Write(t)
		buf.WriteByte('\n')
		clear(t)
	}
	defer clear(buf.Bytes())
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write master key file: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		os.Remove(name)
		return fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(name)
		return fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("write master key file: %w", err)
	}
	return nil
}

// GenerateMasterKeyFile creates a new master key and writes it to name with
// mode 0600; `bonafide demo` and `bonafide keys generate` call it.
func GenerateMasterKeyFile(name string) (*MasterKey, error) {
	k, err := GenerateMasterKey(nil)
	if err != nil {
		return nil, err
	}
	if err := WriteMasterKeyFile(name, k); err != nil {
		return nil, err
	}
	return k, nil
}
