package auditlog

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
)

// MaxWitnessRequestBytes bounds a witness request (C2SP tlog-witness
// allows 63 proof lines; a checkpoint with a few signatures is well under a
// kilobyte).
const MaxWitnessRequestBytes = 16 << 10

// WitnessRequest is the body of a C2SP tlog-witness add-checkpoint call:
// the size of the checkpoint the witness accepted last, a consistency proof
// from it to Checkpoint, and Checkpoint, the log's latest signed
// checkpoint. The server answers GET /api/v1/audit/witness?old=N with one
// (Log.WitnessRequest); `bonafide audit witness` checks it (Witness.Add).
type WitnessRequest struct {
	Old        int64
	Proof      tlog.TreeProof
	Checkpoint []byte
}

// MarshalText encodes r as tlog-witness does: "old N", one base64 hash a
// line, an empty line, then the checkpoint.
func (r WitnessRequest) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.Old)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes(), nil
}

// UnmarshalText parses what MarshalText wrote, refusing anything longer
// than MaxWitnessRequestBytes, more than 63 proof lines or a malformed
// line, naming the line.
func (r *WitnessRequest) UnmarshalText(b []byte) error {
	if len(b) > MaxWitnessRequestBytes {
		return fmt.Errorf("witness request: longer than %d bytes", MaxWitnessRequestBytes)
	}
	head, cp, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return errors.New("witness request: no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	v, ok := strings.CutPrefix(lines[0], "old ")
	old, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil || old < 0 || strconv.FormatInt(old, 10) != v {
		return errors.New("witness request: line 1: want \"old N\"")
	}
	if len(lines)-1 > 63 {
		return fmt.Errorf("witness request: %d proof lines, at most 63", len(lines)-1)
	}
	var proof tlog.TreeProof
	for i, l := range lines[1:] {
		raw, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(raw) != tlog.HashSize {
			return fmt.Errorf("witness request: line %d: want one base64 hash", i+2)
		}
		proof = append(proof, tlog.Hash(raw))
	}
	*r = WitnessRequest{Old: old, Proof: proof, Checkpoint: bytes.Clone(cp)}
	return nil
}

// WitnessRequest returns the latest checkpoint with a consistency proof
// from size old, which a witness accepted last (0 for none): the body of a
// tlog-witness add-checkpoint call. It fails with ENotFound before the
// first checkpoint and EInvalid when old exceeds the latest checkpoint's
// size, which a witness that saw a larger tree must report.
func (l *Log) WitnessRequest(ctx context.Context, old int64) (WitnessRequest, error) {
	c, ok, err := l.latest(ctx)
	if err != nil {
		return WitnessRequest{}, fmt.Errorf("witness request: %w", err)
	}
	if !ok {
		return WitnessRequest{}, bonafide.Errorf(bonafide.ENotFound, "no checkpoint written yet")
	}
	if old < 0 || old > c.Size {
		return WitnessRequest{}, bonafide.Errorf(bonafide.EInvalid, "old size %d is beyond the latest checkpoint's %d: the log has shrunk since the witness last accepted it", old, c.Size)
	}
	req := WitnessRequest{Old: old, Checkpoint: c.Note}
	if old > 0 && old < c.Size {
		if req.Proof, err = tlog.ProveTree(c.Size, old, l.reader(ctx)); err != nil {
			return WitnessRequest{}, fmt.Errorf("witness request: prove %d to %d: %w", old, c.Size, err)
		}
	}
	return req, nil
}

// AddCosignature stores a checkpoint a witness cosigned, after checking
// that it carries the log's own signature and a cosignature by one of
// witnesses (their verifier keys, NewWitnessVerifier). Anything else is
// refused with EInvalid (unparseable) or EForbidden (no valid signature of
// the log or of a known witness), so that nobody but a configured witness
// can add to the table.
func (l *Log) AddCosignature(ctx context.Context, cosigned []byte, witnesses []note.Verifier) (witness string, size int64, err error) {
	if len(witnesses) == 0 {
		return "", 0, bonafide.Errorf(bonafide.EForbidden, "no witness keys configured (serve --witness-key)")
	}
	c, err := parseCheckpoint(cosigned, l.key.verifier, l.origin)
	if err != nil {
		return "", 0, bonafide.Errorf(bonafide.EForbidden, "not a checkpoint of this log: %v", err)
	}
	n, err := note.Open(cosigned, note.VerifierList(witnesses...))
	if err != nil {
		return "", 0, bonafide.Errorf(bonafide.EForbidden, "no cosignature by a configured witness")
	}
	for _, s := range n.Sigs {
		if err := l.store.AddCosignature(ctx, c.Size, s.Name, cosigned); err != nil {
			return "", 0, fmt.Errorf("add cosignature: %w", err)
		}
		witness = s.Name
	}
	return witness, c.Size, nil
}

// WitnessErrorKind says why a witness refused a checkpoint, in the terms
// of C2SP tlog-witness (the HTTP status it names in brackets).
type WitnessErrorKind int

// Why a witness refuses.
const (
	// WitnessBadSignature: the checkpoint does not verify under the log's
	// key and origin (403).
	WitnessBadSignature WitnessErrorKind = iota + 1
	// WitnessOldMismatch: the request's old size is not the size the
	// witness accepted last (409); Size is that size.
	WitnessOldMismatch
	// WitnessShrunk: the checkpoint is smaller than the one accepted (400):
	// entries were removed from the end.
	WitnessShrunk
	// WitnessInconsistent: the consistency proof does not prove the new
	// tree extends the accepted one (422), or a checkpoint of the same
	// size has another root (409): the log was rewritten.
	WitnessInconsistent
)

// WitnessError is a witness's refusal.
type WitnessError struct {
	Kind     WitnessErrorKind
	Size     int64 // the size the witness accepted last
	New      int64 // the refused checkpoint's size
	Err      error
	Accepted []byte // the checkpoint accepted last, for the report
}

func (e *WitnessError) Error() string {
	switch e.Kind {
	case WitnessBadSignature:
		return fmt.Sprintf("checkpoint refused: not signed by the log's key: %v", e.Err)
	case WitnessOldMismatch:
		return fmt.Sprintf("checkpoint refused: the request proves from size %d, but the witness accepted size %d last", e.New, e.Size)
	case WitnessShrunk:
		return fmt.Sprintf("checkpoint refused: size %d is smaller than the accepted %d: entries were removed from the end", e.New, e.Size)
	case WitnessInconsistent:
		return fmt.Sprintf("checkpoint refused: the log at size %d is not a consistent extension of the accepted one at size %d: it was rewritten (%v)", e.New, e.Size, e.Err)
	}
	return "checkpoint refused"
}

// Unwrap returns the underlying reason.
func (e *WitnessError) Unwrap() error { return e.Err }

// Witness checks a log's checkpoints as C2SP tlog-witness does and cosigns
// those that extend the last one it accepted: run by someone outside the
// system (the council's information governance team), it makes a rewritten
// or truncated log visible, since the log cannot get a cosignature for it
// and the witness's own copy no longer matches.
type Witness struct {
	Key    *WitnessKey
	LogKey string // the log's verifier key
	Origin string // the log's origin; DefaultOrigin if empty
}

// Add checks req against accepted, the checkpoint the witness accepted
// last (nil for none), and returns req's checkpoint cosigned, to be kept
// as the new accepted state and returned to the log. A checkpoint the
// same as accepted is returned cosigned again. A refusal is a
// *WitnessError.
func (w *Witness) Add(accepted []byte, req WitnessRequest) ([]byte, error) {
	origin := w.Origin
	if origin == "" {
		origin = DefaultOrigin
	}
	v, err := note.NewVerifier(w.LogKey)
	if err != nil {
		return nil, fmt.Errorf("witness: log verifier key: %w", err)
	}
	c, err := parseCheckpoint(req.Checkpoint, v, origin)
	if err != nil {
		return nil, &WitnessError{Kind: WitnessBadSignature, Err: err}
	}
	var prev Checkpoint
	if accepted != nil {
		if prev, err = parseCheckpoint(accepted, v, origin); err != nil {
			return nil, fmt.Errorf("witness: the accepted checkpoint in the state does not verify: %w", err)
		}
	}
	switch {
	case req.Old != prev.Size:
		return nil, &WitnessError{Kind: WitnessOldMismatch, Size: prev.Size, New: req.Old, Accepted: accepted}
	case c.Size < prev.Size:
		return nil, &WitnessError{Kind: WitnessShrunk, Size: prev.Size, New: c.Size, Accepted: accepted}
	case c.Size == prev.Size && c.Hash != prev.Hash:
		return nil, &WitnessError{Kind: WitnessInconsistent, Size: prev.Size, New: c.Size, Err: errors.New("same size, another root"), Accepted: accepted}
	case prev.Size > 0 && c.Size > prev.Size:
		if err := tlog.CheckTree(req.Proof, c.Size, c.Hash, prev.Size, prev.Hash); err != nil {
			return nil, &WitnessError{Kind: WitnessInconsistent, Size: prev.Size, New: c.Size, Err: err, Accepted: accepted}
		}
	}
	n, err := note.Open(req.Checkpoint, note.VerifierList(v))
	if err != nil {
		return nil, &WitnessError{Kind: WitnessBadSignature, Err: err}
	}
	n.UnverifiedSigs = nil // only the log's own signature goes on
	out, err := note.Sign(n, w.Key)
	if err != nil {
		return nil, fmt.Errorf("witness: cosign: %w", err)
	}
	return out, nil
}
