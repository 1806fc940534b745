package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// secretLabel heads the associated data of credential secrets in place of
// the label of reporter data, so that a sealed reporter can never be opened
// as a credential secret, nor the reverse, whatever the referral's ID.
var secretLabel = []byte("bonafide secret v1\x00")

var errNoPurpose = errors.New("a sealed secret needs a purpose")

// secretAAD binds a credential secret to its purpose and subject. The
// purpose is length-prefixed, so that no two (purpose, subject) pairs give
// the same bytes.
func secretAAD(purpose, subject string) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 2+len(purpose)+len(subject)), uint64(len(purpose)))
	b = append(b, purpose...)
	return append(b, subject...)
}

// SealSecret seals a credential secret that the server must read back to
// verify something, such as a user's TOTP seed, under the active data key,
// as Seal does reporter data. purpose says what the secret is for ("totp")
// and subject whose it is (for a user: ID and name); both are bound in and
// must be given to OpenSecret, so that a database administrator cannot move
// one user's secret onto another's row or pass one kind of secret off as
// another. Key rotation treats it as any sealed value: Rotate leaves it
// valid, and it opens under keys NewSealKey replaced. purpose must not be
// empty.
func (v *Vault) SealSecret(purpose, subject string, plain []byte) ([]byte, error) {
	if purpose == "" {
		return nil, fmt.Errorf("seal secret: %w", errNoPurpose)
	}
	s, err := v.sealWith(secretLabel, plain, secretAAD(purpose, subject))
	if err != nil {
		return nil, fmt.Errorf("seal %s secret: %w", purpose, err)
	}
	return s, nil
}

// OpenSecret opens a secret SealSecret sealed for the same purpose and
// subject. It fails if the sealed value was altered, was sealed for
// another purpose or subject, or is sealed reporter data; its errors never
// contain the secret.
func (v *Vault) OpenSecret(purpose, subject string, sealed []byte) ([]byte, error) {
	if purpose == "" {
		return nil, fmt.Errorf("open secret: %w", errNoPurpose)
	}
	p, err := v.openWith(secretLabel, sealed, secretAAD(purpose, subject))
	if err != nil {
		return nil, fmt.Errorf("open %s secret: %w", purpose, err)
	}
	return p, nil
}
