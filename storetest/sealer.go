package storetest

import (
	"strings"

	"bonafide"
)

// XORSealer is a stand-in for the vault that the stores' tests seal
// reporters with: reversible, bound to aad, and visibly not plaintext.
type XORSealer struct{}

// Seal prefixes plain with aad and XORs it.
func (XORSealer) Seal(plain, aad []byte) ([]byte, error) {
	out := append([]byte("sealed:"+string(aad)+":"), plain...)
	for i := len(out) - len(plain); i < len(out); i++ {
		out[i] ^= 0x5a
	}
	return out, nil
}

// Open reverses Seal, refusing a blob sealed for another aad.
func (XORSealer) Open(sealed, aad []byte) ([]byte, error) {
	prefix := "sealed:" + string(aad) + ":"
	if !strings.HasPrefix(string(sealed), prefix) {
		return nil, bonafide.Errorf(bonafide.EInternal, "sealed blob does not belong to this referral")
	}
	out := []byte(sealed[len(prefix):])
	for i := range out {
		out[i] ^= 0x5a
	}
	return out, nil
}
