package main

import (
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
		{"witness", "check the server's latest checkpoint against the last one accepted and cosign it (runs apart from the server)", runAuditWitness},
		{"witness-key", "write a new witness cosigning key and print its verifier key", runAuditWitnessKey},
	}, args, std)
}

// runAuditVerify rebuilds the audit log's Merkle tree from its entries and
// checks it against the stored hashes, every stored checkpoint and any
// checkpoints kept outside the system (--checkpoint, repeatable). It prints
// each problem on its own line and fails naming them all; it signs nothing.
func runAuditVerify(ctx context.Context, args []string, std stdio) error {
	var (
		external, witnessKeys stringList
		vkey                  string
	)
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "audit verify", "", "Rebuilds the audit log's Merkle tree and checks it against the stored hashes, every checkpoint (which must be contiguous) and every cosignature; signs nothing. With --verifier-key it needs no master key and no signing key.")
	sc.store(&cfg)
	sc.fs.Var(&external, "checkpoint", "a checkpoint file kept outside the system to check the log against, such as a witness's --state file (repeatable)")
	sc.fs.StringVar(&vkey, "verifier-key", "", "verify with this public audit verifier key alone, as an auditor: no master key or signing key is read")
	sc.fs.Var(&witnessKeys, "witness-key", "a witness's verifier key whose stored cosignatures must verify (repeatable)")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	witnesses, err := witnessVerifiers(witnessKeys)
	if err != nil {
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
	var (
		audit   *auditlog.Log
		closeDB func() error
	)
	if vkey != "" {
		if audit, closeDB, err = openAuditReader(ctx, cfg.dbConfig, vkey); err != nil {
			return err
		}
	} else {
		a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, NoCheckpoints: true, Existing: true}, sc.logger())
		if err != nil {
			return err
		}
		audit, closeDB = a.Audit, a.Close
	}
	defer closeDB()
	rep, err := audit.VerifyAll(ctx, auditlog.VerifyInput{External: outside, Witnesses: witnesses})
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
	if rep.Cosignatures > 0 {
		fmt.Fprintf(std.out, "%d cosignatures checked (a witness cosigned up to %d entries)\n", rep.Cosignatures, rep.Cosigned)
	}
	if rep.Latest < rep.Entries {
		fmt.Fprintf(std.out, "entries %d to %d are not yet covered by a checkpoint\n", rep.Latest, rep.Entries-1)
	}
	return nil
}

// runAuditProve prints, for entry N, everything a third party needs to
// check that it is in the log (an auditlog.ProofBundle): the log's origin
// and verifier key, the entry's exact bytes, an inclusion proof and the
// latest signed checkpoint. Check it with `bonafide audit check-proof`, or
// with golang.org/x/mod/sumdb/tlog and note directly.
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
	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, NoCheckpoints: true, Existing: true}, sc.logger())
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := a.Audit.Bundle(ctx, n)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return fmt.Errorf("%w; sign a new one with 'bonafide audit checkpoint --new'", err)
	}
	if err != nil {
		return err
	}
	text, err := b.MarshalText()
	if err != nil {
		return err
	}
	_, err = std.out.Write(text)
	return err
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
	var text []byte
	if name := pos[0]; name == "-" {
		text, err = readAllLimit(std.in)
	} else {
		text, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	var b auditlog.ProofBundle
	if err := b.UnmarshalText(text); err != nil {
		return err
	}
	e, err := b.Check(vkey)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "proof OK: entry %d (%s by %s at %s) is in the log %s of size %d\n",
		e.N, e.What, e.Who, e.Time.Format("2006-01-02T15:04:05Z"), b.Origin, b.Proof.Size)
	if vkey == "" {
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
	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, NoCheckpoints: true, Existing: true}, sc.logger())
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
