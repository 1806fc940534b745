package main

import (
	"context"
	"fmt"
	"io"

	"bonafide"
	"bonafide/interchange"
)

// exportConfig configures `bonafide export`.
type exportConfig struct {
	storeConfig
	Out string // file to write; "" or "-" is standard output
}

// runExport writes every stored record as interchange JSON Lines in stored
// order, reporter included, so that import of the output rebuilds the
// store. A file is written under a temporary name and renamed when
// complete, so that an interrupted export leaves no partial file behind.
// Reporters are unsealed to be written, so the export is recorded in the
// audit log (who, where to, count).
func runExport(ctx context.Context, args []string, std stdio) (err error) {
	cfg := exportConfig{storeConfig: defaultStoreConfig()}
	sc := newSubcommand(std, "export", "", "Writes every stored record, reporter included, as interchange JSON Lines in stored order; the export is recorded in the audit log.")
	sc.store(&cfg.storeConfig)
	sc.env.string(sc.fs, &cfg.Out, "out", "BONAFIDE_EXPORT_OUT", "file to write (default standard output)")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	logger := sc.logger()

	acfg := cfg.app()
	acfg.Existing = true
	a, err := openApp(ctx, acfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	store := a.Store
	// Recorded before the first reporter is unsealed: an export that
	// fails half-way has still been attempted.
	if err := a.record(ctx, "records.export", fileLabel(cfg.Out), "export started"); err != nil {
		return err
	}

	var n int
	if cfg.Out == "" || cfg.Out == "-" {
		n, err = exportTo(ctx, store, std.out)
		if err != nil {
			return err
		}
		fmt.Fprintf(std.err, "exported %d records\n", n)
	} else {
		err = writeAtomic(cfg.Out, func(w io.Writer) error {
			n, err = exportTo(ctx, store, w)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(std.out, "exported %d records to %s\n", n, cfg.Out)
	}
	return a.record(context.WithoutCancel(ctx), "records.exported", fileLabel(cfg.Out), fmt.Sprintf("exported %d records", n))
}

// exportTo writes the store to w and returns the number of records.
func exportTo(ctx context.Context, store bonafide.Store, w io.Writer) (int, error) {
	iw := interchange.NewWriter(w)
	n := 0
	for st, err := range store.Records(ctx, 0, 0) {
		if err != nil {
			return n, fmt.Errorf("read store: %w", err)
		}
		if err := iw.Write(st.Record); err != nil {
			return n, fmt.Errorf("record %d: %w", st.Seq, err)
		}
		n++
	}
	if err := iw.Flush(); err != nil {
		return n, err
	}
	return n, nil
}
