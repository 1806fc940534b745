package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"bonafide"
	"bonafide/auditlog"
)

// runAudit dispatches `bonafide audit verify|prove|check-proof|checkpoint`.
func runAudit(ctx context.Context, args []string, std stdio) error {
	return runGroup(ctx, "audit", []command{
		{"verify", "rebuild the audit log's tree and check it against every checkpoint; exit 1 naming what broke", runAuditVerify},
		{"prove", "print a proof that entry N is in the log, against the latest checkpoint", runAuditProve},
		{"check-proof", "check a proof printed by prove, without the database", runAuditCheckProof},
		{"checkpoint", "print the latest signed checkpoint (--new signs one now)", runAuditCheckpoint},
	}, args, std)
}

// runAuditVerify rebuilds the audit log's Merkle tree from its entries and
// checks it against the stored hashes, every stored checkpoint and any
// checkpoints kept outside the system (--checkpoint, repeatable). It prints
// each problem on its own line and fails naming them all; it signs nothing.
func runAuditVerify(ctx context.Context, args []string, std stdio) error {
	var external stringList
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "audit verify", "", "Rebuilds the audit log's Merkle tree and checks it against the stored hashes and every checkpoint; signs nothing.")
	sc.store(&cfg)
	sc.fs.Var(&external, "checkpoint", "a checkpoint file kept outside the system to check the log against (repeatable)")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	var outside [][]byte
	for _, f := range external {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		outside = append(outside, b)
	}
	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, NoCheckpoints: true}, sc.logger())
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Audit.VerifyWith(ctx, outside)
	var verr *auditlog.VerifyError
	if errors.As(err, &verr) {
		for _, p := range verr.Problems {
			fmt.Fprintf(std.out, "BROKEN: %s\n", p)
		}
		if verr.Omitted > 0 {
			fmt.Fprintf(std.out, "BROKEN: and %d more problems\n", verr.Omitted)
		}
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "audit log OK: %d entries, %d checkpoints checked (latest covers %d entries)\n", rep.Entries, rep.Checkpoints, rep.Latest)
	if rep.Latest < rep.Entries {
		fmt.Fprintf(std.out, "entries %d to %d are not yet covered by a checkpoint\n", rep.Latest, rep.Entries-1)
	}
	return nil
}

// proofHeader starts the text `audit prove` prints.
const proofHeader = "bonafide audit proof v1"

// runAuditProve prints, for entry N, everything a third party needs to check
// that it is in the log: the log's origin and verifier key, the entry's
// exact bytes, an inclusion proof and the latest signed checkpoint. Check it
// with `bonafide audit check-proof`, or with golang.org/x/mod/sumdb/tlog
// and note directly.
func runAuditProve(ctx context.Context, args []string, std stdio) error {
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "audit prove", "N", "Prints a proof that entry N is in the log, against the latest signed checkpoint, for 'bonafide audit check-proof'.")
	sc.store(&cfg)
	rest, err := sc.parse(args, exactly(1, "one entry number"))
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || n < 0 {
		return usagef("entry number %q: want a whole number from 0", rest[0])
	}
	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, NoCheckpoints: true}, sc.logger())
	if err != nil {
		return err
	}
	defer a.Close()
	cp, err := a.Audit.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("%w (sign one with 'bonafide audit checkpoint --new')", err)
	}
	c, err := auditlog.ParseCheckpoint(cp, a.Audit.VerifierKey(), a.Audit.Origin())
	if err != nil {
		return err
	}
	if n >= c.Size {
		return fmt.Errorf("entry %d is not covered by the latest checkpoint (size %d); sign a new one with 'bonafide audit checkpoint --new'", n, c.Size)
	}
	_, raw, err := a.Audit.Entry(ctx, n)
	if err != nil {
		return err
	}
	p, err := a.Audit.Prove(ctx, n, c.Size)
	if err != nil {
		return err
	}
	if err := auditlog.CheckInclusion(a.Audit.VerifierKey(), a.Audit.Origin(), cp, raw, p); err != nil {
		return fmt.Errorf("the proof does not check against the log's own checkpoint: %w (run 'bonafide audit verify')", err)
	}
	pt, _ := p.MarshalText()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\norigin %s\nverifier-key %s\nentry %s\n\n", proofHeader, a.Audit.Origin(), a.Audit.VerifierKey(), raw)
	b.Write(pt)
	b.WriteString("\n")
	b.Write(cp)
	_, err = std.out.Write(b.Bytes())
	return err
}

// proofFile is what `audit prove` prints, parsed.
type proofFile struct {
	origin, vkey string
	entry        []byte
	proof        auditlog.InclusionProof
	checkpoint   []byte
}

// parseProofFile parses the text runAuditProve prints: a header block
// (header, origin, verifier-key, entry lines), a blank line, the inclusion
// proof, a blank line, the signed checkpoint.
func parseProofFile(b []byte) (proofFile, error) {
	var pf proofFile
	head, rest, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return pf, errors.New("not a bonafide audit proof: no blank line after the header")
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Buffer(nil, 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 4 || lines[0] != proofHeader {
		return pf, fmt.Errorf("not a bonafide audit proof: want %q and three lines", proofHeader)
	}
	for i, key := range []string{"origin ", "verifier-key ", "entry "} {
		v, ok := strings.CutPrefix(lines[i+1], key)
		if !ok {
			return pf, fmt.Errorf("not a bonafide audit proof: line %d: want %q", i+2, strings.TrimSpace(key))
		}
		switch i {
		case 0:
			pf.origin = v
		case 1:
			pf.vkey = v
		case 2:
			pf.entry = []byte(v)
		}
	}
	proof, cp, ok := bytes.Cut(rest, []byte("\n\n"))
	if !ok {
		return pf, errors.New("not a bonafide audit proof: no blank line after the inclusion proof")
	}
	if err := pf.proof.UnmarshalText(append(proof, '\n')); err != nil {
		return pf, err
	}
	pf.checkpoint = cp
	return pf, nil
}

// runAuditCheckProof checks a proof printed by `audit prove`, as a third
// party would: against the verifier key they were given (--verifier-key),
// with nothing from the system. Without --verifier-key it uses the key in
// the proof, which shows only that the proof is consistent with itself, and
// says so.
func runAuditCheckProof(_ context.Context, args []string, std stdio) error {
	sc := newSubcommand(std, "audit check-proof", "FILE|-", "Checks a proof printed by 'bonafide audit prove' as a third party would, with nothing from the system.")
	var vkey string
	sc.fs.StringVar(&vkey, "verifier-key", "", "the audit verifier key you trust (from 'bonafide keys generate' or the operator)")
	pos, err := sc.parse(args, exactly(1, "one proof file, or - for standard input"))
	if err != nil {
		return err
	}
	var b []byte
	if name := pos[0]; name == "-" {
		b, err = readAllLimit(std.in)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	pf, err := parseProofFile(b)
	if err != nil {
		return err
	}
	trusted := vkey != ""
	if !trusted {
		vkey = pf.vkey
	} else if vkey != pf.vkey {
		return fmt.Errorf("the proof names verifier key %s, not the one you trust", pf.vkey)
	}
	if err := auditlog.CheckInclusion(vkey, pf.origin, pf.checkpoint, pf.entry, pf.proof); err != nil {
		return err
	}
	e, err := auditlog.UnmarshalEntry(pf.entry)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "proof OK: entry %d (%s by %s at %s) is in the log %s of size %d\n",
		e.N, e.What, e.Who, e.Time.Format("2006-01-02T15:04:05Z"), pf.origin, pf.proof.Size)
	if !trusted {
		fmt.Fprintf(std.out, "checked against the key in the proof itself; give --verifier-key with a key you trust to check who signed it\n")
	}
	return nil
}

// runAuditCheckpoint prints the latest signed checkpoint, for keeping
// outside the system; with --new it signs one of the log as it is now
// first. The verifier key goes to standard error.
func runAuditCheckpoint(ctx context.Context, args []string, std stdio) error {
	var fresh bool
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "audit checkpoint", "", "Prints the latest signed checkpoint, for keeping outside the system; the verifier key goes to standard error.")
	sc.store(&cfg)
	sc.fs.BoolVar(&fresh, "new", false, "sign a checkpoint of the log as it is now, then print it")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, NoCheckpoints: true}, sc.logger())
	if err != nil {
		return err
	}
	defer a.Close()
	if fresh {
		if _, err := a.Audit.WriteCheckpoint(ctx); err != nil {
			return err
		}
	}
	cp, err := a.Audit.Checkpoint(ctx)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return fmt.Errorf("%w (sign one with 'bonafide audit checkpoint --new')", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "verifier key: %s\n", a.Audit.VerifierKey())
	_, err = std.out.Write(cp)
	return err
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// maxProofBytes bounds a proof read from standard input; real ones are a
// few kilobytes.
const maxProofBytes = 1 << 20

// readAllLimit reads r up to maxProofBytes.
func readAllLimit(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxProofBytes+1))
	if err == nil && len(b) > maxProofBytes {
		err = fmt.Errorf("proof longer than %d bytes", maxProofBytes)
	}
	return b, err
}
