package auditlog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the log's size and root hash at a
// moment. Its body follows the C2SP tlog-checkpoint format:
//
//	<origin>
//	<size in decimal>
//	<root hash in base64>
//	time <RFC 3339 UTC>
//
// signed as a note (golang.org/x/mod/sumdb/note) with Ed25519. Whoever keeps
// a copy can later prove the log was not rewritten before that moment.
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
	Time   time.Time
	// Note is the signed note, exactly as stored and printed.
	Note []byte
}

func formatCheckpointText(origin string, size int64, h tlog.Hash, t time.Time) string {
	return fmt.Sprintf("%s\n%d\n%s\ntime %s\n", origin, size, base64.StdEncoding.EncodeToString(h[:]), t.UTC().Format(time.RFC3339))
}

// ParseCheckpoint verifies a signed checkpoint against the verifier key vkey
// and the expected origin and returns its contents. Anything else — a
// changed byte, another key, another log — is an error. Third parties call
// it with the key the log's operator gave them.
func ParseCheckpoint(msg []byte, vkey, origin string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("parse checkpoint: verifier key: %w", err)
	}
	return parseCheckpoint(msg, v, origin)
}

var errCheckpointSig = errors.New("signature bad")

func parseCheckpoint(msg []byte, v note.Verifier, origin string) (Checkpoint, error) {
	n, err := openNote(msg, v)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("parse checkpoint: %w: %v", errCheckpointSig, err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) != 4 {
		return Checkpoint{}, errors.New("parse checkpoint: want 4 lines")
	}
	c := Checkpoint{Origin: lines[0], Note: msg}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("parse checkpoint: origin %q, want %q", c.Origin, origin)
	}
	c.Size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || c.Size < 0 || strconv.FormatInt(c.Size, 10) != lines[1] {
		return Checkpoint{}, errors.New("parse checkpoint: bad size")
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, errors.New("parse checkpoint: bad root hash")
	}
	copy(c.Hash[:], h)
	ts, ok := strings.CutPrefix(lines[3], "time ")
	if !ok {
		return Checkpoint{}, errors.New("parse checkpoint: no time line")
	}
	if c.Time, err = time.Parse(time.RFC3339, ts); err != nil {
		return Checkpoint{}, errors.New("parse checkpoint: bad time")
	}
	return c, nil
}
