package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"bonafide"
	"bonafide/httpapi"
)

// importConfig configures `bonafide import`.
type importConfig struct {
	storeConfig
	SkipInvalid bool
	Files       []string // "-" is standard input
}

func (c importConfig) validate() error {
	if len(c.Files) == 0 {
		return usagef("no files: give one or more JSON Lines files, or - for standard input")
	}
	stdin := 0
	for _, f := range c.Files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usagef("standard input (-) given more than once")
	}
	return nil
}

// runImport imports interchange JSON Lines files, each in one transaction
// (see httpapi.Import for the rules, which the HTTP API shares). A file
// with an invalid line is not imported at all unless --skip-invalid is
// given; every invalid line is printed as "FILE: line N: field: reason".
// The other files are still imported; the exit status is 1 if any failed.
// Reporters are sealed and blind-indexed as they are stored, and each file
// imported is recorded in the audit log (who, file name, count).
func runImport(ctx context.Context, args []string, std stdio) error {
	cfg := importConfig{storeConfig: defaultStoreConfig()}
	sc := newSubcommand(std, "import", "FILE...|-", "Imports interchange JSON Lines files, each in one transaction (- is standard input, at most once); a file with an invalid line is not imported at all (see the flags). Each file imported is recorded in the audit log; a new SQLite file gets its schema.")
	sc.store(&cfg.storeConfig)
	sc.fs.BoolVar(&cfg.SkipInvalid, "skip-invalid", false, "import the valid records of a file and list the invalid lines, instead of importing nothing of it")
	files, err := sc.parse(args, atLeast(0, ""))
	if err != nil {
		return err
	}
	cfg.Files = files
	if err := cfg.validate(); err != nil {
		return err
	}
	logger := sc.logger()

	a, err := openApp(ctx, cfg.app(), logger)
	if err != nil {
		return err
	}
	failed, total, done := 0, 0, 0
	for _, name := range cfg.Files {
		if ctx.Err() != nil {
			break
		}
		n, err := importFile(ctx, a.Store, name, cfg.SkipInvalid, std)
		total += n
		if err == nil {
			err = a.record(context.WithoutCancel(ctx), "records.import", fileLabel(name), fmt.Sprintf("imported %d records", n))
		}
		if err != nil {
			failed++
			fmt.Fprintf(std.err, "%s: %v\n", name, err)
		} else {
			done++
		}
	}
	closeApp := a.Close
	if done == 0 {
		closeApp = a.discard // a store this run created holds nothing: no stray file
	}
	if err := closeApp(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	fmt.Fprintf(std.out, "imported %d records from %d of %d files\n", total, len(cfg.Files)-failed, len(cfg.Files))
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files not imported", failed, len(cfg.Files))
	}
	return nil
}

// importFile imports one file, printing its rejected lines and counts, and
// returns how many records it stored.
func importFile(ctx context.Context, store bonafide.Store, name string, skipInvalid bool, std stdio) (int, error) {
	var r io.Reader
	if name == "-" {
		r = std.in
	} else {
		f, err := os.Open(name)
		if err != nil {
			return 0, errors.Unwrap(err) // the caller prefixes the file name
		}
		defer f.Close()
		r = f
	}
	res, err := httpapi.Import(ctx, store, r, skipInvalid)
	for _, fe := range res.Rejected {
		fmt.Fprintf(std.err, "%s: %v\n", name, fe)
	}
	if more := res.RejectedLines - countLines(res.Rejected); more > 0 {
		fmt.Fprintf(std.err, "%s: and more invalid lines, not listed\n", name)
	}
	var ve *bonafide.ValidationError
	switch {
	case errors.As(err, &ve):
		return 0, fmt.Errorf("%d invalid lines; nothing of this file imported", res.RejectedLines)
	case err != nil:
		return 0, err
	}
	if res.RejectedLines > 0 {
		fmt.Fprintf(std.out, "%s: imported %d records, skipped %d invalid lines\n", name, res.Imported, res.RejectedLines)
	} else {
		fmt.Fprintf(std.out, "%s: imported %d records\n", name, res.Imported)
	}
	return res.Imported, nil
}

// fileLabel names a file in the audit log: its path, or "stdin".
func fileLabel(name string) string {
	if name == "-" || name == "" {
		return "stdin"
	}
	return name
}

// countLines counts the distinct lines among field errors.
func countLines(fes []bonafide.FieldError) int {
	n, last := 0, -1
	for _, fe := range fes {
		if fe.Line != last {
			n++
			last = fe.Line
		}
	}
	return n
}
