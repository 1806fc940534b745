package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"bonafide"
)

// SecretSealer seals credential secrets the server must read back to check
// a code, such as TOTP seeds, bound to what they are for (purpose) and whose
// they are (subject): a value sealed for one purpose and subject does not
// open for any other. *vault.Vault implements it with the envelope
// encryption that protects reporters, so that a copy of the database yields
// no second factor.
type SecretSealer interface {
	// SealSecret returns plain encrypted and authenticated together with
	// purpose and subject.
	SealSecret(purpose, subject string, plain []byte) ([]byte, error)
	// OpenSecret returns the plaintext of sealed, or an error if it was
	// altered or sealed for another purpose or subject. The error never
	// contains the secret.
	OpenSecret(purpose, subject string, sealed []byte) ([]byte, error)
}

// totpPurpose is the purpose TOTP seeds are sealed for.
const totpPurpose = "totp"

// sealedTOTPPrefix starts the stored form of a sealed TOTP seed. A base32
// seed (A-Z, 2-7) never contains a colon, so a stored value without the
// prefix is a seed in the clear.
const sealedTOTPPrefix = "sealed1:"

// ErrTOTPUnsealed means a user's stored second-factor secret is in the
// clear: written before seeds were sealed, or put into the database
// directly. Logins refuse it (accepting it would let whoever can write the
// users table plant a seed of their own); `bonafide user seal-totp` seals
// the seeds of a database from before sealing.
var ErrTOTPUnsealed = errors.New("the second-factor secret is stored unsealed")

// errNoTOTP means the user has no second-factor secret at all.
var errNoTOTP = errors.New("no second-factor secret is stored")

// totpSubject binds a seed to its user's ID and name, both of which never
// change: a seed moved to another row, or a row given another ID, no longer
// opens.
func totpSubject(u bonafide.User) string {
	return strconv.FormatInt(u.ID, 10) + "/" + u.Name
}

// SealTOTP seals secret, u's TOTP seed, with s and returns the form to
// store in u.TOTPSecret. u must already have its ID (CreateUser gives it).
func SealTOTP(s SecretSealer, u bonafide.User, secret string) (string, error) {
	if u.ID == 0 {
		return "", errors.New("seal second-factor secret: the user has no ID yet")
	}
	sealed, err := s.SealSecret(totpPurpose, totpSubject(u), []byte(secret))
	if err != nil {
		return "", fmt.Errorf("seal second-factor secret of %s: %w", u.Name, err)
	}
	return sealedTOTPPrefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// OpenTOTP opens u.TOTPSecret, which SealTOTP made for u, to check a code
// with it. It fails with ErrTOTPUnsealed for a seed stored in the clear,
// and with another error for none, or for one that was altered or sealed
// for another user.
func OpenTOTP(s SecretSealer, u bonafide.User) (string, error) {
	stored := u.TOTPSecret
	switch {
	case stored == "":
		return "", fmt.Errorf("open second-factor secret of %s: %w", u.Name, errNoTOTP)
	case !TOTPSealed(stored):
		return "", fmt.Errorf("open second-factor secret of %s: %w", u.Name, ErrTOTPUnsealed)
	}
	sealed, err := base64.RawStdEncoding.DecodeString(stored[len(sealedTOTPPrefix):])
	if err != nil {
		return "", fmt.Errorf("open second-factor secret of %s: not valid base64", u.Name)
	}
	plain, err := s.OpenSecret(totpPurpose, totpSubject(u), sealed)
	if err != nil {
		return "", fmt.Errorf("open second-factor secret of %s: %w", u.Name, err)
	}
	return string(plain), nil
}

// TOTPSealed reports whether a stored TOTPSecret is in SealTOTP's sealed
// form (it does not check that it opens).
func TOTPSealed(stored string) bool { return strings.HasPrefix(stored, sealedTOTPPrefix) }
