package locker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the argon2id parameters a locker's key is derived with.
// They are stored beside the salt, so that a locker made with stronger ones
// later still opens; the passphrase itself is never stored.
type KDFParams struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultKDF follows RFC 9106's second recommended option (3 passes,
// 64 MiB), which a family's laptop derives in well under a second.
var DefaultKDF = KDFParams{Time: 3, Memory: 64 * 1024, Threads: 2}

// minKDF refuses parameters so weak that a stolen locker file could be
// brute-forced cheaply; tests use exactly this floor.
var minKDF = KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}

func (p KDFParams) validate() error {
	if p.Time < minKDF.Time || p.Memory < minKDF.Memory || p.Threads < minKDF.Threads {
		return fmt.Errorf("argon2id parameters t=%d m=%d p=%d are below the floor t=%d m=%d p=%d",
			p.Time, p.Memory, p.Threads, minKDF.Time, minKDF.Memory, minKDF.Threads)
	}
	if p.Memory > 4*1024*1024 || p.Time > 100 {
		return fmt.Errorf("argon2id parameters t=%d m=%d are implausibly large", p.Time, p.Memory)
	}
	return nil
}

// sealer seals every column of the locker under one AES-256-GCM key.
type sealer struct{ aead cipher.AEAD }

func deriveSealer(pass []byte, salt []byte, p KDFParams) (*sealer, error) {
	key := argon2.IDKey(pass, salt, p.Time, p.Memory, p.Threads, 32)
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain bound to where it is stored (ad names the table and
// row), so that a sealed value copied to another row does not open.
func (s *sealer) seal(ad string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(ad))
}

var errUnseal = errors.New("cannot decrypt")

func (s *sealer) open(ad string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnseal
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	if err != nil {
		return nil, errUnseal
	}
	return out, nil
}
