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
	"unsafe"
)

// A checkpoint is the engine's memory written out: restored into a new
// engine with the same settings, it assesses every later referral exactly
// as the engine that wrote it would have, so that a server restarting
// reads its state instead of replaying every stored record (package live
// stores one as it goes; see docs/operations.md).
//
// Layout: the magic line, the format (length first), the state (see
// statecodec.go), then the SHA-256 of everything before it. A checkpoint
// is read only by an engine of the same format: the same state types,
// field for field, on the same architecture and Go release. Whether the
// same code filled it (the same scoring) is the caller's to check, since
// the types cannot say it: package live keys its checkpoints by the
// engine's version and the binary's digest as well.

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

// WriteCheckpoint writes the engine's state to w and returns how many
// bytes it wrote. The engine must not be used meanwhile.
func (e *Engine) WriteCheckpoint(w io.Writer) (int64, error) {
	c := theCodec()
	if c.err != nil {
		return 0, c.err
	}
	h := sha256.New()
	sw := &stateWriter{out: io.MultiWriter(w, h), ptrs: make(map[ptrKey]uint64, len(e.refs)*2+len(e.allPosts)+64), buf: make([]byte, 0, 1<<20+1<<16)}
	for _, k := range c.known {
		sw.next++
		sw.ptrs[k] = sw.next
	}
	sw.buf = append(sw.buf, checkpointMagic...)
	sw.bytes([]byte(c.format))
	c.c.enc(sw, unsafe.Pointer(e))
	sw.flush()
	if sw.err != nil {
		return sw.n, fmt.Errorf("write triage checkpoint: %w", sw.err)
	}
	n, err := w.Write(h.Sum(nil))
	if err != nil {
		return sw.n + int64(n), fmt.Errorf("write triage checkpoint: %w", err)
	}
	return sw.n + int64(n), nil
}

// Restore makes an engine with cfg from a checkpoint of size bytes read
// from r. A checkpoint of another format fails with ErrCheckpointFormat,
// one that does not decode or whose digest does not match with an error
// saying so; either way nothing is kept, and the caller replays.
func Restore(cfg Config, r io.Reader, size int64) (e *Engine, err error) {
	c := theCodec()
	if c.err != nil {
		return nil, c.err
	}
	if size < int64(len(checkpointMagic))+sha256.Size+1 {
		return nil, fmt.Errorf("%w: %d bytes", errCorrupt, size)
	}
	e, err = New(cfg)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	sr := &stateReader{in: bufio.NewReaderSize(io.TeeReader(io.LimitReader(r, size-sha256.Size), h), 1<<20), left: size - sha256.Size}
	for _, k := range c.known {
		sr.ptrs = append(sr.ptrs, k.p)
	}
	magic := make([]byte, len(checkpointMagic))
	sr.read(magic)
	if sr.err == nil && string(magic) != checkpointMagic {
		return nil, fmt.Errorf("%w: not a triage checkpoint", errCorrupt)
	}
	format := sr.bytes()
	if sr.err != nil {
		return nil, sr.err
	}
	if string(format) != c.format {
		return nil, fmt.Errorf("%w: %q, this engine's is %q", ErrCheckpointFormat, format, c.format)
	}
	defer func() {
		// A checkpoint whose digest matches cannot panic the decoder; one
		// that is damaged may, before its digest is reached.
		if p := recover(); p != nil {
			e, err = nil, fmt.Errorf("%w: %v", errCorrupt, p)
		}
	}()
	c.c.dec(sr, unsafe.Pointer(e))
	if sr.err != nil {
		return nil, sr.err
	}
	if sr.left != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", errCorrupt, sr.left)
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
