package auditlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Cosignatures follow C2SP tlog-cosignature (Ed25519, cosignature/v1): a
// note signature line whose key ID is SHA-256(name || "\n" || 0x04 ||
// public key)[:4] and whose signature is an 8-byte big-endian POSIX time
// followed by the Ed25519 signature of
//
//	cosignature/v1
//	time <that time in decimal>
//	<the checkpoint's note body>
//
// A cosignature says: as of that time, this is the largest tree the witness
// has seen of the log, and it checked that it extends every earlier one.

// algCosignatureV1 is the signature type byte of Ed25519 cosignatures.
const algCosignatureV1 = 0x04

// cosignatureKeyHash is the note key ID of an Ed25519 cosigner.
func cosignatureKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// cosignedMessage is what a cosignature at time ts signs over body.
func cosignedMessage(ts uint64, body []byte) []byte {
	return append([]byte("cosignature/v1\ntime "+strconv.FormatUint(ts, 10)+"\n"), body...)
}

// WitnessKey is a witness's Ed25519 cosigning key. Its verifier key
// ("name+hash+base64(0x04 || public key)", a C2SP signed-note vkey) is
// public: give it to the log's operator (serve --witness-key) and to
// auditors. String shows only that.
type WitnessKey struct {
	name string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	now  func() time.Time
}

// GenerateWitnessKey returns a new witness key named name (a note key name,
// e.g. "witness.example-council.gov.uk/ig") and its private encoding,
// "PRIVATE+KEY+name+hash+base64(0x04 || seed)", to be written to a file.
func GenerateWitnessKey(name string) (*WitnessKey, []byte, error) {
	if !validKeyName(name) {
		return nil, nil, fmt.Errorf("generate witness key: %q is not a note key name (no spaces, '+' or newlines)", name)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate witness key: %w", err)
	}
	k := &WitnessKey{name: name, priv: priv, pub: pub, now: time.Now}
	seed := append([]byte{algCosignatureV1}, priv.Seed()...)
	text := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, cosignatureKeyHash(name, pub), base64.StdEncoding.EncodeToString(seed))
	clear(seed)
	return k, []byte(text), nil
}

func validKeyName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " +\n\t\r")
}

// ParseWitnessKey reads what GenerateWitnessKey encoded. Errors never echo
// the key.
func ParseWitnessKey(text []byte) (*WitnessKey, error) {
	bad := errors.New("parse witness key: not a witness key (PRIVATE+KEY+name+hash+base64)")
	f := strings.SplitN(strings.TrimSpace(string(text)), "+", 5)
	if len(f) != 5 || f[0] != "PRIVATE" || f[1] != "KEY" || !validKeyName(f[2]) {
		return nil, bad
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(f[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algCosignatureV1 {
		return nil, bad
	}
	defer clear(raw)
	priv := ed25519.NewKeyFromSeed(raw[1:])
	pub := priv.Public().(ed25519.PublicKey)
	if f[3] != fmt.Sprintf("%08x", cosignatureKeyHash(f[2], pub)) {
		return nil, errors.New("parse witness key: key hash does not match")
	}
	return &WitnessKey{name: f[2], priv: priv, pub: pub, now: time.Now}, nil
}

// ReadWitnessKeyFile reads a witness key file, refusing one that group or
// others may read.
func ReadWitnessKeyFile(name string) (*WitnessKey, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("read witness key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("read witness key file %s: mode %v is open to others; chmod 600", name, fi.Mode().Perm())
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read witness key file: %w", err)
	}
	defer clear(b)
	return ParseWitnessKey(b)
}

// VerifierKey returns the public verifier key.
func (k *WitnessKey) VerifierKey() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, cosignatureKeyHash(k.name, k.pub),
		base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, k.pub...)))
}

// Name returns the key's name, as it appears in signature lines.
func (k *WitnessKey) Name() string { return k.name }

// KeyHash returns the note key ID.
func (k *WitnessKey) KeyHash() uint32 { return cosignatureKeyHash(k.name, k.pub) }

// Sign cosigns a checkpoint's note body at the key's current time: it makes
// WitnessKey a note.Signer, so that note.Sign appends the cosignature line.
func (k *WitnessKey) Sign(body []byte) ([]byte, error) {
	ts := uint64(k.now().Unix())
	sig := binary.BigEndian.AppendUint64(nil, ts)
	return append(sig, ed25519.Sign(k.priv, cosignedMessage(ts, body))...), nil
}

// String shows the public verifier key only.
func (k *WitnessKey) String() string { return "WitnessKey(" + k.VerifierKey() + ")" }

// GoString shows the public verifier key only.
func (k *WitnessKey) GoString() string { return k.String() }

// cosignatureVerifier checks Ed25519 cosignatures: a note.Verifier.
type cosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }

func (v *cosignatureVerifier) Verify(body, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize || len(v.pub) != ed25519.PublicKeySize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.pub, cosignedMessage(ts, body), sig[8:])
}

// NewWitnessVerifier parses a witness's verifier key (what
// WitnessKey.VerifierKey returns) into a note.Verifier of its
// cosignatures.
func NewWitnessVerifier(vkey string) (note.Verifier, error) {
	bad := fmt.Errorf("witness verifier key %q: want name+hash+base64(0x04 || Ed25519 public key)", vkey)
	f := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	if len(f) != 3 || !validKeyName(f[0]) {
		return nil, bad
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(f[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algCosignatureV1 {
		return nil, bad
	}
	pub := ed25519.PublicKey(raw[1:])
	h := cosignatureKeyHash(f[0], pub)
	if f[1] != fmt.Sprintf("%08x", h) {
		return nil, fmt.Errorf("witness verifier key %q: key hash does not match", vkey)
	}
	return &cosignatureVerifier{name: f[0], hash: h, pub: pub}, nil
}

// CosignatureTime returns when the cosignature of verifier v on the signed
// note msg was made; msg must carry one that verifies.
func CosignatureTime(msg []byte, v note.Verifier) (time.Time, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("cosignature: %w", err)
	}
	for _, s := range n.Sigs {
		if s.Hash != v.KeyHash() || s.Name != v.Name() {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(raw) < 12 {
			break
		}
		return time.Unix(int64(binary.BigEndian.Uint64(raw[4:12])), 0).UTC(), nil
	}
	return time.Time{}, errors.New("cosignature: none by that witness")
}
