package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Prefixes tell a leaked secret's kind at a glance (and let secret scanners
// find one pasted into a ticket).
const (
	TokenPrefix   = "bfk_" // API token of a machine client
	SessionPrefix = "bfs_" // session identifier in a cookie
	PendingPrefix = "bfp_" // half-finished sign-in, waiting for its second-factor code
)

// NewSecret returns a fresh 256-bit random secret with the given prefix,
// to be shown once, and the digest to store.
func NewSecret(prefix string) (secret string, digest []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("new secret: %w", err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret), nil
}

// HashSecret returns the SHA-256 digest under which a token or session
// identifier is stored and looked up. Secrets carry 256 bits of entropy, so
// an unsalted fast hash is enough: nothing can be guessed.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// WellFormed reports whether s looks like a secret of the given prefix, so
// that junk is refused before any lookup.
func WellFormed(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(prefix):])
	return err == nil && len(b) == 32
}
