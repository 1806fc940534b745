package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
)

// ProblemKind says what Verify found wrong.
type ProblemKind int

// The kinds of problem Verify reports.
const (
	// EntryEdited: entry N's bytes no longer hash to the leaf stored for
	// it, or no longer parse.
	EntryEdited ProblemKind = iota + 1
	// EntryMissing: no entry is stored at index N, though later entries or
	// a checkpoint show there was one.
	EntryMissing
	// EntriesReordered: the entry stored at index N is entry Other (its own
	// recorded index), moved there.
	EntriesReordered
	// HashAltered: the stored tree hash at Index differs from the one the
	// entries give (the hash table itself was edited).
	HashAltered
	// CheckpointBadSignature: checkpoint Checkpoint does not verify under
	// the log's key (any byte changed, another key, another origin).
	CheckpointBadSignature
	// CheckpointRootMismatch: checkpoint Checkpoint signs a root for size
	// Size that the stored entries no longer give; Other is the largest
	// smaller size that still matched, so the change lies in entries
	// [Other, Size).
	CheckpointRootMismatch
	// CheckpointBeyondLog: checkpoint Checkpoint covers Size entries but
	// the log holds fewer: entries were removed from the end.
	CheckpointBeyondLog
	// CheckpointDeleted: the stored checkpoints' IDs skip from Checkpoint
	// to Other inclusive: they were deleted. The store numbers checkpoints
	// 1, 2, 3, … as it adds them, so that they must be contiguous.
	CheckpointDeleted
	// CheckpointNotStored: a checkpoint kept outside (External) or cosigned
	// by a witness (Witness) is not among the stored checkpoints: it was
	// deleted, with the evidence it gave.
	CheckpointNotStored
	// CosignatureBad: stored cosignature Checkpoint (its ID) does not
	// verify under the log's key, or under the given witness key.
	CosignatureBad
)

// Problem is one thing Verify found wrong, precise enough to act on.
type Problem struct {
	Kind       ProblemKind
	N          int64 // the entry, for entry problems
	Other      int64 // see ProblemKind
	Index      int64 // the stored hash index, for HashAltered
	Checkpoint int64 // the checkpoint's storage ID, for checkpoint problems
	Size       int64 // the checkpoint's size, where known
	// External marks a problem with a checkpoint given to VerifyWith from
	// outside; Checkpoint is then its 1-based position in that list.
	External bool
	// Witness names the witness of a cosigned checkpoint; Checkpoint is
	// then the cosignature's storage ID.
	Witness string
}

func (p Problem) checkpointName() string {
	if p.Witness != "" {
		return fmt.Sprintf("checkpoint cosigned by %s (cosignature %d)", p.Witness, p.Checkpoint)
	}
	if p.External {
		return fmt.Sprintf("external checkpoint %d", p.Checkpoint)
	}
	return fmt.Sprintf("checkpoint %d", p.Checkpoint)
}

func (p Problem) String() string {
	switch p.Kind {
	case EntryEdited:
		return fmt.Sprintf("entry %d edited", p.N)
	case EntryMissing:
		return fmt.Sprintf("entry %d missing", p.N)
	case EntriesReordered:
		return fmt.Sprintf("entries reordered: entry %d is stored at index %d", p.Other, p.N)
	case HashAltered:
		level, n := tlog.SplitStoredHashIndex(p.Index)
		return fmt.Sprintf("stored tree hash %d (level %d, node %d) altered", p.Index, level, n)
	case CheckpointBadSignature:
		return fmt.Sprintf("%s: signature bad", p.checkpointName())
	case CheckpointRootMismatch:
		return fmt.Sprintf("%s: root mismatch at size %d (entries %d to %d changed)", p.checkpointName(), p.Size, p.Other, p.Size-1)
	case CheckpointBeyondLog:
		return fmt.Sprintf("%s: size %d but the log holds only %d entries", p.checkpointName(), p.Size, p.Other)
	case CheckpointDeleted:
		if p.Other > p.Checkpoint {
			return fmt.Sprintf("checkpoints %d to %d deleted", p.Checkpoint, p.Other)
		}
		return fmt.Sprintf("checkpoint %d deleted", p.Checkpoint)
	case CheckpointNotStored:
		return fmt.Sprintf("%s: size %d is not among the stored checkpoints: deleted", p.checkpointName(), p.Size)
	case CosignatureBad:
		return fmt.Sprintf("cosignature %d by %s: signature bad", p.Checkpoint, p.Witness)
	}
	return fmt.Sprintf("problem(%d)", int(p.Kind))
}

// VerifyError lists everything Verify found wrong, in the order found.
type VerifyError struct {
	Problems []Problem
	// Omitted counts problems beyond MaxProblems that were not listed.
	Omitted int
}

// MaxProblems bounds the problems a VerifyError lists, so that a log
// rewritten wholesale gives a readable report.
const MaxProblems = 1000

func (e *VerifyError) Error() string {
	var b strings.Builder
	b.WriteString("audit log verification failed: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "; and %d more", e.Omitted)
	}
	return b.String()
}

// Has reports whether e lists a problem of kind k; tests and the command
// line use it to summarise.
func (e *VerifyError) Has(k ProblemKind) bool {
	return slices.ContainsFunc(e.Problems, func(p Problem) bool { return p.Kind == k })
}

func (e *VerifyError) add(p Problem) {
	if len(e.Problems) >= MaxProblems {
		e.Omitted++
		return
	}
	e.Problems = append(e.Problems, p)
}

// VerifyReport says what Verify checked.
type VerifyReport struct {
	Entries     int64 // entries read
	Checkpoints int   // checkpoints checked
	Latest      int64 // size of the largest checkpoint
	// Cosignatures counts the stored cosignatures checked; Cosigned is
	// the largest size a witness cosigned.
	Cosignatures int
	Cosigned     int64
}

// treeHead is a checkpoint's size and root, what makes two copies of it
// the same checkpoint.
type treeHead struct {
	size int64
	hash tlog.Hash
}

// witnessNamed returns the verifier of vs named name, or a verifier that
// accepts nothing.
func witnessNamed(vs []note.Verifier, name string) note.Verifier {
	for _, v := range vs {
		if v.Name() == name {
			return v
		}
	}
	return &cosignatureVerifier{name: name}
}

// verifyBatch is how many entries' stored hashes Verify reads at once.
const verifyBatch = 512

// Verify re-derives the whole tree from the stored entries alone and checks
// it against the stored hashes and against EVERY stored checkpoint, whose
// signatures it also checks. It returns a *VerifyError listing each problem
// (entry N edited, missing or moved; a stored hash altered; a checkpoint's
// signature bad, its root mismatched at size S, or beyond the log's end),
// or another error if storage failed. Memory use is O(log n): it keeps only
// the tree's current peaks.
func (l *Log) Verify(ctx context.Context) (VerifyReport, error) {
	return l.VerifyWith(ctx, nil)
}

// VerifyWith is Verify that also checks the log against checkpoints kept
// outside the system, such as those an information-governance team saved.
// They catch what stored checkpoints cannot: the newest entries deleted
// together with the checkpoints that covered them. Problems with them are
// marked External and numbered from 1 in the order given.
func (l *Log) VerifyWith(ctx context.Context, external [][]byte) (VerifyReport, error) {
	return l.VerifyAll(ctx, VerifyInput{External: external})
}

// VerifyInput is what VerifyAll checks the log against besides what it
// stores.
type VerifyInput struct {
	// External are checkpoints kept outside the system: a witness's state
	// file, or copies an information-governance team saved. Each must be
	// among the stored checkpoints and match the entries.
	External [][]byte
	// Witnesses are the verifier keys of the witnesses whose stored
	// cosignatures must verify (NewWitnessVerifier); without them stored
	// cosignatures are checked under the log's key only.
	Witnesses []note.Verifier
}

// VerifyAll is VerifyWith that also checks the stored cosignatures: each
// must verify (under the log's key and, given in.Witnesses, its witness's)
// and cover a checkpoint still stored whose root the entries give. And it
// requires the stored checkpoints to be contiguous (IDs 1, 2, 3, …),
// naming each deleted one, and every external checkpoint to be stored.
func (l *Log) VerifyAll(ctx context.Context, in VerifyInput) (VerifyReport, error) {
	external := in.External
	var rep VerifyReport
	verr := &VerifyError{}

	// Checkpoints first: their signatures, and the roots to meet.
	type want struct {
		id       int64
		size     int64
		hash     tlog.Hash
		external bool
		witness  string
	}
	var (
		wants  []want
		stored = map[treeHead]bool{}
		nextID = int64(1) // the ID the next stored checkpoint must have
	)
	for sc, err := range l.store.Checkpoints(ctx) {
		if err != nil {
			return rep, fmt.Errorf("verify: %w", err)
		}
		if sc.ID > nextID {
			verr.add(Problem{Kind: CheckpointDeleted, Checkpoint: nextID, Other: sc.ID - 1})
		}
		nextID = sc.ID + 1
		rep.Checkpoints++
		c, err := parseCheckpoint(sc.Note, l.key.verifier, l.origin)
		if err != nil {
			verr.add(Problem{Kind: CheckpointBadSignature, Checkpoint: sc.ID, Size: sc.Size})
			continue
		}
		wants = append(wants, want{sc.ID, c.Size, c.Hash, false, ""})
		stored[treeHead{c.Size, c.Hash}] = true
		rep.Latest = max(rep.Latest, c.Size)
	}
	for i, note := range external {
		rep.Checkpoints++
		c, err := parseCheckpoint(note, l.key.verifier, l.origin)
		if err != nil {
			verr.add(Problem{Kind: CheckpointBadSignature, Checkpoint: int64(i + 1), External: true})
			continue
		}
		if !stored[treeHead{c.Size, c.Hash}] {
			verr.add(Problem{Kind: CheckpointNotStored, Checkpoint: int64(i + 1), Size: c.Size, External: true})
		}
		wants = append(wants, want{int64(i + 1), c.Size, c.Hash, true, ""})
		rep.Latest = max(rep.Latest, c.Size)
	}
	for cs, err := range l.store.Cosignatures(ctx) {
		if err != nil {
			return rep, fmt.Errorf("verify: %w", err)
		}
		rep.Cosignatures++
		c, err := parseCheckpoint(cs.Note, l.key.verifier, l.origin)
		if err == nil && len(in.Witnesses) > 0 {
			_, err = CosignatureTime(cs.Note, witnessNamed(in.Witnesses, cs.Witness))
		}
		if err != nil {
			verr.add(Problem{Kind: CosignatureBad, Checkpoint: cs.ID, Witness: cs.Witness})
			continue
		}
		if !stored[treeHead{c.Size, c.Hash}] {
			verr.add(Problem{Kind: CheckpointNotStored, Checkpoint: cs.ID, Size: c.Size, Witness: cs.Witness})
		}
		wants = append(wants, want{cs.ID, c.Size, c.Hash, false, cs.Witness})
		rep.Cosigned = max(rep.Cosigned, c.Size)
	}
	slices.SortStableFunc(wants, func(a, b want) int { return cmpInt(a.size, b.size) })

	peaks := map[int64]tlog.Hash{}
	memo := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := peaks[x]
			if !ok {
				return nil, fmt.Errorf("hash %d not kept", x)
			}
			out[i] = h
		}
		return out, nil
	})
	var (
		end      int64 // one past the last stored index seen
		tree     int64 // entries folded into the recomputed tree so far
		stopped  bool  // a gap stopped the tree's recomputation
		diverged bool  // an entry problem was found; later hashes follow from it
		matched  = map[int64]bool{}
		wi       int
		batch    []StoredEntry
	)
	checkRoots := func() {
		for wi < len(wants) && wants[wi].size <= tree {
			w := wants[wi]
			wi++
			root, err := tlog.TreeHash(w.size, memo)
			if err != nil || root != w.hash {
				verr.add(Problem{Kind: CheckpointRootMismatch, Checkpoint: w.id, Size: w.size, External: w.external, Witness: w.witness})
				continue
			}
			matched[w.size] = true
		}
	}
	checkRoots()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch = batch[:0] }()
		lo := tlog.StoredHashIndex(0, batch[0].N)
		hi := tlog.StoredHashIndex(0, batch[len(batch)-1].N+1)
		stored, err := l.readRange(ctx, lo, hi)
		if err != nil {
			return err
		}
		for _, se := range batch {
			first := tlog.StoredHashIndex(0, se.N)
			storedLeaf, haveLeaf := stored[first]
			n, nok := entryIndex(se.Data)
			leafOK := haveLeaf && tlog.RecordHash(se.Data) == storedLeaf
			var perr error
			e := Entry{N: n}
			if !leafOK || !nok || n != se.N {
				// Only Append writes entries and it writes them
				// canonically, so a full parse is needed only when
				// something is already wrong.
				e, perr = UnmarshalEntry(se.Data)
			}
			switch {
			case perr == nil && e.N != se.N:
				verr.add(Problem{Kind: EntriesReordered, N: se.N, Other: e.N})
				diverged = true
			case perr != nil || !leafOK:
				verr.add(Problem{Kind: EntryEdited, N: se.N})
				diverged = true
			}
			if stopped || se.N != tree {
				stopped = true
				continue
			}
			hs, err := tlog.StoredHashes(se.N, se.Data, memo)
			if err != nil {
				return err
			}
			for i, h := range hs {
				idx := first + int64(i)
				if s, ok := stored[idx]; (!ok || s != h) && !diverged {
					verr.add(Problem{Kind: HashAltered, Index: idx})
				}
				peaks[idx] = h
			}
			tree = se.N + 1
			prune(peaks, tree)
			checkRoots()
		}
		return nil
	}
	for se, err := range l.store.Entries(ctx, 0) {
		if err != nil {
			return rep, fmt.Errorf("verify: %w", err)
		}
		rep.Entries++
		for m := end; m < se.N; m++ {
			verr.add(Problem{Kind: EntryMissing, N: m})
		}
		end = se.N + 1
		batch = append(batch, se)
		if len(batch) == verifyBatch {
			if err := flush(); err != nil {
				return rep, fmt.Errorf("verify: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}

	held := end
	// Entries removed from the end leave their stored hashes behind.
	for {
		_, err := l.store.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, end)})
		if bonafide.ErrorCode(err) == bonafide.ENotFound {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("verify: %w", err)
		}
		verr.add(Problem{Kind: EntryMissing, N: end})
		end++
	}
	// Checkpoints not yet met: beyond the end, or after a gap.
	for ; wi < len(wants); wi++ {
		w := wants[wi]
		if w.size > held {
			for m := held; m < w.size; m++ {
				verr.add(Problem{Kind: EntryMissing, N: m})
			}
			verr.add(Problem{Kind: CheckpointBeyondLog, Checkpoint: w.id, Size: w.size, Other: held, External: w.external, Witness: w.witness})
			continue
		}
		verr.add(Problem{Kind: CheckpointRootMismatch, Checkpoint: w.id, Size: w.size, External: w.external, Witness: w.witness})
	}
	// Say where each mismatch lies: after the largest smaller size that
	// matched.
	for i, p := range verr.Problems {
		if p.Kind != CheckpointRootMismatch {
			continue
		}
		for s := range matched {
			if s < p.Size && s > verr.Problems[i].Other {
				verr.Problems[i].Other = s
			}
		}
	}
	verr.Problems = dedupe(verr.Problems)
	if len(verr.Problems) > 0 {
		return rep, verr
	}
	return rep, nil
}

// readRange reads stored hashes [lo, hi) as a map, tolerating missing ones
// (which then show up as problems).
func (l *Log) readRange(ctx context.Context, lo, hi int64) (map[int64]tlog.Hash, error) {
	idx := make([]int64, 0, hi-lo)
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	out := make(map[int64]tlog.Hash, len(idx))
	hs, err := l.store.ReadHashes(ctx, idx)
	if err == nil {
		for i, h := range hs {
			out[idx[i]] = h
		}
		return out, nil
	}
	if bonafide.ErrorCode(err) != bonafide.ENotFound {
		return nil, err
	}
	for _, i := range idx {
		hs, err := l.store.ReadHashes(ctx, []int64{i})
		if bonafide.ErrorCode(err) == bonafide.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = hs[0]
	}
	return out, nil
}

// entryIndex reads the index an encoded entry records, from its fixed
// opening `{"n":`, without a full parse.
func entryIndex(data []byte) (int64, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(`{"n":`))
	if !ok {
		return 0, false
	}
	var n int64
	i := 0
	for ; i < len(rest) && i < 19 && rest[i] >= '0' && rest[i] <= '9'; i++ {
		n = n*10 + int64(rest[i]-'0')
	}
	if i == 0 || i == len(rest) || rest[i] != ',' || (rest[0] == '0' && i > 1) {
		return 0, false
	}
	return n, true
}

// prune keeps only the stored hashes of the perfect subtrees that make up a
// tree of size n: all that later StoredHashes and TreeHash calls need.
func prune(peaks map[int64]tlog.Hash, n int64) {
	var keep [64]int64
	k := 0
	lo := int64(0)
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			keep[k] = tlog.StoredHashIndex(level, lo>>level)
			k++
			lo += 1 << level
		}
	}
	for x := range peaks {
		if !slices.Contains(keep[:k], x) {
			delete(peaks, x)
		}
	}
}

func dedupe(ps []Problem) []Problem {
	seen := map[Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
