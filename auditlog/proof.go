package auditlog

import (
	"bufio"
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

// InclusionProof shows that entry Index is in the tree of size Size: with
// the entry's bytes and a checkpoint of that size, anyone can check it
// (CheckInclusion) without trusting the system.
type InclusionProof struct {
	Index int64
	Size  int64
	Proof tlog.RecordProof
}

// ConsistencyProof shows that the tree of size Old is a prefix of the tree
// of size New: the log only grew between two checkpoints.
type ConsistencyProof struct {
	Old, New int64
	Proof    tlog.TreeProof
}

// Prove returns a proof that entry n is in the tree of the given size. Use
// the size of a checkpoint the checker holds; size 0 means the latest
// checkpoint's.
func (l *Log) Prove(ctx context.Context, n, size int64) (InclusionProof, error) {
	if size == 0 {
		c, ok, err := l.latest(ctx)
		if err != nil {
			return InclusionProof{}, fmt.Errorf("prove %d: %w", n, err)
		}
		if !ok {
			return InclusionProof{}, bonafide.Errorf(bonafide.ENotFound, "prove %d: no checkpoint yet", n)
		}
		size = c.Size
	}
	if n < 0 || n >= size {
		return InclusionProof{}, bonafide.Errorf(bonafide.EInvalid, "prove %d: not below size %d", n, size)
	}
	p, err := tlog.ProveRecord(size, n, l.reader(ctx))
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove %d in %d: %w", n, size, err)
	}
	return InclusionProof{Index: n, Size: size, Proof: p}, nil
}

// ProveConsistency returns a proof that the tree of size old is a prefix
// of the tree of size new (0 < old <= new).
func (l *Log) ProveConsistency(ctx context.Context, old, new int64) (ConsistencyProof, error) {
	if old <= 0 || old > new {
		return ConsistencyProof{}, bonafide.Errorf(bonafide.EInvalid, "prove consistency: want 0 < old (%d) <= new (%d)", old, new)
	}
	p, err := tlog.ProveTree(new, old, l.reader(ctx))
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("prove consistency %d to %d: %w", old, new, err)
	}
	return ConsistencyProof{Old: old, New: new, Proof: p}, nil
}

// CheckInclusion checks, as a third party, that entry (its stored bytes) is
// entry p.Index of the log whose checkpoint is given, signed by vkey with
// the given origin. It needs nothing from the system but these.
func CheckInclusion(vkey, origin string, checkpoint, entry []byte, p InclusionProof) error {
	c, err := ParseCheckpoint(checkpoint, vkey, origin)
	if err != nil {
		return fmt.Errorf("check inclusion: %w", err)
	}
	if c.Size != p.Size {
		return fmt.Errorf("check inclusion: proof is for size %d, checkpoint has %d", p.Size, c.Size)
	}
	e, err := UnmarshalEntry(entry)
	if err != nil {
		return fmt.Errorf("check inclusion: %w", err)
	}
	if e.N != p.Index {
		return fmt.Errorf("check inclusion: entry says index %d, proof %d", e.N, p.Index)
	}
	if err := tlog.CheckRecord(p.Proof, p.Size, c.Hash, p.Index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("check inclusion of %d in %d: %w", p.Index, p.Size, err)
	}
	return nil
}

// CheckConsistency checks, as a third party, that the log of the newer
// checkpoint extends the log of the older one.
func CheckConsistency(vkey, origin string, older, newer []byte, p ConsistencyProof) error {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("check consistency: verifier key: %w", err)
	}
	o, err := parseCheckpoint(older, v, origin)
	if err != nil {
		return fmt.Errorf("check consistency: older: %w", err)
	}
	n, err := parseCheckpoint(newer, v, origin)
	if err != nil {
		return fmt.Errorf("check consistency: newer: %w", err)
	}
	if o.Size != p.Old || n.Size != p.New {
		return fmt.Errorf("check consistency: proof is for %d to %d, checkpoints are %d and %d", p.Old, p.New, o.Size, n.Size)
	}
	if err := tlog.CheckTree(p.Proof, n.Size, n.Hash, o.Size, o.Hash); err != nil {
		return fmt.Errorf("check consistency %d to %d: %w", o.Size, n.Size, err)
	}
	return nil
}

const (
	inclusionHeader   = "bonafide audit inclusion proof v1"
	consistencyHeader = "bonafide audit consistency proof v1"
)

// MarshalText encodes the proof for handing to a third party: a header
// line, "index N", "size S", then one base64 hash a line.
func (p InclusionProof) MarshalText() ([]byte, error) {
	return marshalProof(inclusionHeader, "index", p.Index, "size", p.Size, p.Proof), nil
}

// UnmarshalText parses what MarshalText wrote.
func (p *InclusionProof) UnmarshalText(b []byte) error {
	a, z, hs, err := unmarshalProof(b, inclusionHeader, "index", "size")
	if err != nil {
		return fmt.Errorf("parse inclusion proof: %w", err)
	}
	*p = InclusionProof{Index: a, Size: z, Proof: hs}
	return nil
}

// MarshalText encodes the proof: a header line, "old N", "new M", then one
// base64 hash a line.
func (p ConsistencyProof) MarshalText() ([]byte, error) {
	return marshalProof(consistencyHeader, "old", p.Old, "new", p.New, p.Proof), nil
}

// UnmarshalText parses what MarshalText wrote.
func (p *ConsistencyProof) UnmarshalText(b []byte) error {
	a, z, hs, err := unmarshalProof(b, consistencyHeader, "old", "new")
	if err != nil {
		return fmt.Errorf("parse consistency proof: %w", err)
	}
	*p = ConsistencyProof{Old: a, New: z, Proof: hs}
	return nil
}

func marshalProof(header, ka string, a int64, kb string, b int64, hs []tlog.Hash) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s\n%s %d\n%s %d\n", header, ka, a, kb, b)
	for _, h := range hs {
		buf.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func unmarshalProof(b []byte, header, ka, kb string) (int64, int64, []tlog.Hash, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 3 || lines[0] != header {
		return 0, 0, nil, errors.New("bad header")
	}
	num := func(line, key string) (int64, error) {
		v, ok := strings.CutPrefix(line, key+" ")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || n < 0 {
			return 0, fmt.Errorf("want %q line", key)
		}
		return n, nil
	}
	a, err := num(lines[1], ka)
	if err != nil {
		return 0, 0, nil, err
	}
	z, err := num(lines[2], kb)
	if err != nil {
		return 0, 0, nil, err
	}
	var hs []tlog.Hash
	for _, l := range lines[3:] {
		raw, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(raw) != tlog.HashSize {
			return 0, 0, nil, errors.New("bad hash line")
		}
		hs = append(hs, tlog.Hash(raw))
	}
	return a, z, hs, nil
}
