package auditlog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Environment variables the signing key is read from, like the vault's
// master key: a file (preferred) or the key text itself.
const (
	EnvSigningKeyFile = "BONAFIDE_AUDIT_KEY_FILE"
	EnvSigningKey     = "BONAFIDE_AUDIT_KEY"
)

// DefaultKeyName names the signing key in notes when none is given.
const DefaultKeyName = "bonafide-audit"

// SigningKey signs checkpoints. It holds a note signer key
// ("PRIVATE+KEY+name+hash+base64", golang.org/x/mod/sumdb/note) and the
// verifier key derived from it, which is public: give it to whoever keeps
// checkpoints outside the system. String and LogValue show only the public
// half.
type SigningKey struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string
}

// GenerateSigningKey returns a new Ed25519 signing key named name (a note
// key name: no spaces or '+') and its encoded private form, to be written
// to a file.
func GenerateSigningKey(name string) (*SigningKey, []byte, error) {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, nil, fmt.Errorf("generate signing key: %w", err)
	}
	k, err := ParseSigningKey([]byte(skey))
	if err != nil {
		return nil, nil, err
	}
	return k, []byte(skey), nil
}

// ParseSigningKey reads a note signer key. Errors never echo the key.
func ParseSigningKey(text []byte) (*SigningKey, error) {
	skey := strings.TrimSpace(string(text))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, errors.New("parse signing key: not a valid note signer key")
	}
	// The public key is not in the signer key; derive it from the seed.
	f := strings.SplitN(skey, "+", 5)
	if len(f) != 5 {
		return nil, errors.New("parse signing key: not a valid note signer key")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(f[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("parse signing key: want an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	clear(raw)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("parse signing key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil || v.KeyHash() != s.KeyHash() {
		return nil, errors.New("parse signing key: key hash does not match")
	}
	return &SigningKey{signer: s, verifier: v, vkey: vkey}, nil
}

// LoadSigningKey reads the signing key named by the environment: the file
// in BONAFIDE_AUDIT_KEY_FILE, else the text in BONAFIDE_AUDIT_KEY. getenv is
// os.Getenv in production.
func LoadSigningKey(getenv func(string) string) (*SigningKey, error) {
	if name := getenv(EnvSigningKeyFile); name != "" {
		return ReadSigningKeyFile(name)
	}
	if text := getenv(EnvSigningKey); text != "" {
		return ParseSigningKey([]byte(text))
	}
	return nil, fmt.Errorf("load signing key: set %s (or %s)", EnvSigningKeyFile, EnvSigningKey)
}

// ReadSigningKeyFile reads a signing key file, refusing one that group or
// others may read.
func ReadSigningKeyFile(name string) (*SigningKey, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("read signing key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("read signing key file %s: mode %v is open to others; chmod 600", name, fi.Mode().Perm())
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read signing key file: %w", err)
	}
	defer clear(b)
	return ParseSigningKey(b)
}

// GenerateSigningKeyFile creates a signing key named keyName and writes it
// to a new file with mode 0600; it fails if the file exists. `bonafide demo`
// and `bonafide audit keygen` call it.
func GenerateSigningKeyFile(name, keyName string) (*SigningKey, error) {
	k, skey, err := GenerateSigningKey(keyName)
	if err != nil {
		return nil, err
	}
	defer clear(skey)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write signing key file: %w", err)
	}
	_, err = f.Write(append(skey, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return nil, fmt.Errorf("write signing key file: %w", err)
	}
	return k, nil
}

// VerifierKey returns the public verifier key ("name+hash+base64"), which
// third parties need to check checkpoints and proofs.
func (k *SigningKey) VerifierKey() string { return k.vkey }

// Signer returns the key as a note signer, for other signed notes made
// with the same key, such as the evidence locker's bundle manifests.
func (k *SigningKey) Signer() note.Signer { return k.signer }

// Name returns the key's name as it appears in signature lines.
func (k *SigningKey) Name() string { return k.verifier.Name() }

// String shows the public verifier key only.
func (k *SigningKey) String() string { return "SigningKey(" + k.vkey + ")" }

// GoString shows the public verifier key only.
func (k *SigningKey) GoString() string { return k.String() }

// LogValue shows the public verifier key only.
func (k *SigningKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// openNote verifies a signed note against vkey and insists the signature
// lines are canonical base64 (the decoder alone tolerates stray padding
// bits), so that no byte of a checkpoint can change unnoticed.
func openNote(msg []byte, v note.Verifier) (*note.Note, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, err
	}
	for _, s := range n.Sigs {
		if _, err := base64.StdEncoding.Strict().DecodeString(s.Base64); err != nil {
			return nil, errors.New("non-canonical signature encoding")
		}
	}
	if !bytes.HasSuffix(msg, []byte("\n")) {
		return nil, errors.New("malformed note")
	}
	return n, nil
}

// NewVerifierKey returns a key that checks checkpoints but cannot sign
// them, from the public verifier key alone: an auditor verifies the log
// with it (Log.Verify, Log.VerifyAll) and holds no secret.
func NewVerifierKey(vkey string) (*SigningKey, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	return &SigningKey{verifier: v, vkey: strings.TrimSpace(vkey)}, nil
}

// errNoSigner refuses to sign with a key made by NewVerifierKey.
var errNoSigner = errors.New("this audit log was opened with the verifier key only; it cannot sign checkpoints")

// Sign returns text signed as a note (golang.org/x/mod/sumdb/note) by k,
// for other signed statements than checkpoints: package disclosure signs
// the hash of each disclosure package with a key of its own. text must end
// in a newline.
func (k *SigningKey) Sign(text string) ([]byte, error) {
	if k.signer == nil {
		return nil, errNoSigner
	}
	msg, err := note.Sign(&note.Note{Text: text}, k.signer)
	if err != nil {
		return nil, fmt.Errorf("sign note: %w", err)
	}
	return msg, nil
}

// Verifier returns the note verifier of k's public half.
func (k *SigningKey) Verifier() note.Verifier { return k.verifier }
