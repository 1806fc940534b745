package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the Argon2id cost parameters.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultPasswordParams is OWASP's recommended minimum for Argon2id.
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// Password length limits. The lower bound follows NCSC guidance on long
// passphrases over complexity rules; the upper bound stops a megabyte
// password from being used to burn server time.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

const (
	saltLen = 16
	keyLen  = 32
)

var errMalformedHash = errors.New("malformed password hash")

// CheckPasswordPolicy says why a new password is unacceptable, or nil.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("password must be at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("password must be at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the PHC-format Argon2id hash of pw with a fresh salt.
func HashPassword(pw string, p PasswordParams) (string, error) {
	if len(pw) > MaxPasswordLen {
		return "", fmt.Errorf("password must be at most %d bytes", MaxPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-format hash. It compares in
// constant time. An error means the stored hash itself is malformed.
func CheckPassword(hash, pw string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether hash was made with parameters weaker than p,
// so that it should be replaced at the user's next successful login.
func NeedsRehash(hash string, p PasswordParams) bool {
	hp, _, _, err := parseHash(hash)
	if err != nil {
		return true
	}
	return hp.Memory < p.Memory || hp.Time < p.Time || hp.Threads < p.Threads
}

func parseHash(hash string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errMalformedHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errMalformedHash
	}
	if p.Memory < 8*uint32(p.Threads) || p.Memory > 4<<20 || p.Time < 1 || p.Time > 100 || p.Threads < 1 {
		return p, nil, nil, errMalformedHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errMalformedHash
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errMalformedHash
	}
	return p, salt, key, nil
}
