package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"bonafide"
)

// BundleHeader is the first line of a [ProofBundle] as text.
const BundleHeader = "bonafide audit proof v1"

// A ProofBundle is everything a third party needs to check that one entry
// is in the log, with nothing from the system: the log's origin and
// verifier key, the entry's exact bytes, an inclusion proof and the signed
// checkpoint it is proved against. `bonafide audit prove` prints one and
// `bonafide audit check-proof` checks it; anyone can also check it with
// golang.org/x/mod/sumdb/tlog and note directly.
//
// As text (MarshalText) it is a header block of four lines (BundleHeader,
// "origin O", "verifier-key K", "entry E"), a blank line, the inclusion
// proof as [InclusionProof.MarshalText] writes it, a blank line and the
// signed checkpoint note.
type ProofBundle struct {
	Origin      string
	VerifierKey string
	Entry       []byte // the entry as stored (MarshalEntry), one line
	Proof       InclusionProof
	Checkpoint  []byte // the signed note the proof is against
}

// Bundle returns the proof bundle of entry n against the latest checkpoint,
// checked against the log's own key before it is returned. It fails with
// ENotFound when there is no checkpoint yet or the latest one does not
// cover entry n (sign a new one with WriteCheckpoint).
func (l *Log) Bundle(ctx context.Context, n int64) (ProofBundle, error) {
	c, ok, err := l.latest(ctx)
	if err != nil {
		return ProofBundle{}, fmt.Errorf("prove %d: %w", n, err)
	}
	if !ok {
		return ProofBundle{}, bonafide.Errorf(bonafide.ENotFound, "no checkpoint written yet")
	}
	if n < 0 || n >= c.Size {
		return ProofBundle{}, bonafide.Errorf(bonafide.ENotFound, "entry %d is not covered by the latest checkpoint (size %d)", n, c.Size)
	}
	_, raw, err := l.Entry(ctx, n)
	if err != nil {
		return ProofBundle{}, err
	}
	p, err := l.Prove(ctx, n, c.Size)
	if err != nil {
		return ProofBundle{}, err
	}
	b := ProofBundle{Origin: l.origin, VerifierKey: l.VerifierKey(), Entry: raw, Proof: p, Checkpoint: c.Note}
	if err := CheckInclusion(b.VerifierKey, b.Origin, b.Checkpoint, b.Entry, b.Proof); err != nil {
		return ProofBundle{}, fmt.Errorf("the proof of entry %d does not check against the log's own checkpoint: %w; run verify", n, err)
	}
	return b, nil
}

// Check checks the bundle as a third party would and returns its entry:
// against verifierKey, the key the checker trusts, and refused if the
// bundle names another. With verifierKey "" it checks against the key in
// the bundle itself, which shows only that the bundle is consistent with
// itself, not who signed it.
func (b ProofBundle) Check(verifierKey string) (Entry, error) {
	if verifierKey == "" {
		verifierKey = b.VerifierKey
	} else if verifierKey != b.VerifierKey {
		return Entry{}, fmt.Errorf("the proof names verifier key %s, not the one you trust", b.VerifierKey)
	}
	if err := CheckInclusion(verifierKey, b.Origin, b.Checkpoint, b.Entry, b.Proof); err != nil {
		return Entry{}, err
	}
	return UnmarshalEntry(b.Entry)
}

// MarshalText writes the bundle as text, in the form its type describes.
func (b ProofBundle) MarshalText() ([]byte, error) {
	for _, f := range []string{b.Origin, b.VerifierKey, string(b.Entry)} {
		if strings.ContainsAny(f, "\r\n") {
			return nil, errors.New("marshal proof bundle: origin, verifier key and entry must be one line each")
		}
	}
	pt, err := b.Proof.MarshalText()
	if err != nil {
		return nil, err
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "%s\norigin %s\nverifier-key %s\nentry %s\n\n", BundleHeader, b.Origin, b.VerifierKey, b.Entry)
	w.Write(pt)
	w.WriteString("\n")
	w.Write(b.Checkpoint)
	return w.Bytes(), nil
}

// UnmarshalText parses what MarshalText wrote. It checks the form only:
// call Check to know whether the proof holds.
func (b *ProofBundle) UnmarshalText(text []byte) error {
	var pb ProofBundle
	head, rest, ok := bytes.Cut(text, []byte("\n\n"))
	if !ok {
		return errors.New("not a bonafide audit proof: no blank line after the header")
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Buffer(nil, 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("not a bonafide audit proof: %w", err)
	}
	if len(lines) != 4 || lines[0] != BundleHeader {
		return fmt.Errorf("not a bonafide audit proof: want %q and three lines", BundleHeader)
	}
	var vals [3]string
	for i, key := range []string{"origin ", "verifier-key ", "entry "} {
		v, ok := strings.CutPrefix(lines[i+1], key)
		if !ok {
			return fmt.Errorf("not a bonafide audit proof: line %d: want %q", i+2, strings.TrimSpace(key))
		}
		vals[i] = v
	}
	pb.Origin, pb.VerifierKey, pb.Entry = vals[0], vals[1], []byte(vals[2])
	proof, cp, ok := bytes.Cut(rest, []byte("\n\n"))
	if !ok {
		return errors.New("not a bonafide audit proof: no blank line after the inclusion proof")
	}
	if err := pb.Proof.UnmarshalText(append(proof, '\n')); err != nil {
		return err
	}
	pb.Checkpoint = cp
	*b = pb
	return nil
}
