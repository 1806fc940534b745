package triage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
)

// A checkpoint is the engine's memory written out: restored into a new
// engine with the same settings, it assesses every later referral exactly
// as the engine that wrote it would have, so that a server restarting
// reads its state instead of replaying every stored record (package live
// stores one as it goes, a segment at a time: see segments.go and
// docs/operations.md).
//
// As one file (WriteCheckpoint): the magic line, each segment (its name
// and its bytes, lengths first), then the SHA-256 of everything before it.
// A checkpoint is read only by an engine of the same format: the same
// state types, field for field, on the same architecture and Go release,
// cut into segments the same way. Whether the same code filled it (the
// same scoring) is the caller's to check, since the types cannot say it:
// package live keys its checkpoints by the engine's version and build.

const checkpointMagic = "bonafide triage checkpoint\n"

var (
	codecOnce sync.Once
	codec     *engineCodec
)

func theCodec() *engineCodec {
	codecOnce.Do(func() { codec = newEngineCodec() })
	return codec
}

// ErrCheckpointFormat is returned (wrapped) by Restore for a checkpoint of
// another format: written by an engine whose state types differ.
var ErrCheckpointFormat = errors.New("triage checkpoint: written by an engine of another state format")

// CheckpointFormat names the engine's state layout, as checkpoints record
// it; an error if the state holds a type no checkpoint can hold (then
// checkpoints are off and a restart replays).
func CheckpointFormat() (string, error) {
	c := theCodec()
	return c.format, c.err
}

// WriteCheckpoint writes the engine's state to w as one file and returns
// how many bytes it wrote. The engine must not be used meanwhile.
func (e *Engine) WriteCheckpoint(w io.Writer) (int64, error) {
	segs, err := e.Segments(nil)
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<20)
	var n int64
	put := func(b []byte) {
		k, _ := bw.Write(b)
		n += int64(k)
	}
	put([]byte(checkpointMagic))
	for _, sg := range segs {
		put(append(appendUvarint(nil, uint64(len(sg.Name))), sg.Name...))
		put(appendUvarint(nil, uint64(sg.Size)))
		put(sg.Data)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write triage checkpoint: %w", err)
	}
	k, err := w.Write(h.Sum(nil))
	if err != nil {
		return n + int64(k), fmt.Errorf("write triage checkpoint: %w", err)
	}
	return n + int64(k), nil
}

// Restore makes an engine with cfg from a checkpoint file of size bytes
// read from r. A checkpoint of another format fails with
// ErrCheckpointFormat, one that does not decode or whose digest does not
// match with an error saying so; either way nothing is kept, and the
// caller replays.
func Restore(cfg Config, r io.Reader, size int64) (*Engine, error) {
	if size < int64(len(checkpointMagic))+sha256.Size+1 {
		return nil, fmt.Errorf("%w: %d bytes", errCorrupt, size)
	}
	h := sha256.New()
	sr := &stateReader{in: bufio.NewReaderSize(io.TeeReader(io.LimitReader(r, size-sha256.Size), h), 1<<20), left: size - sha256.Size}
	magic := make([]byte, len(checkpointMagic))
	sr.read(magic)
	if sr.err == nil && string(magic) != checkpointMagic {
		return nil, fmt.Errorf("%w: not a triage checkpoint", errCorrupt)
	}
	if sr.err != nil {
		return nil, sr.err
	}
	e, err := RestoreSegments(cfg, size, func() (Segment, error) {
		if sr.left == 0 {
			return Segment{}, io.EOF
		}
		name := sr.bytes()
		n := sr.count(sr.uvarint(), 1)
		data := make([]byte, n)
		sr.read(data)
		if sr.err != nil {
			return Segment{}, sr.err
		}
		return Segment{Name: string(name), Size: int64(n), Digest: sha256.Sum256(data), Data: data}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkDigest(r, h); err != nil {
		return nil, err
	}
	return e, nil
}
func checkDigest(r io.Reader, h hash.Hash) error {
	var sum [sha256.Size]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return fmt.Errorf("%w: no digest: %v", errCorrupt, err)
	}
	if !bytes.Equal(sum[:], h.Sum(nil)) {
		return fmt.Errorf("%w: digest mismatch", errCorrupt)
	}
	return nil
}
