package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"bonafide"
	"bonafide/interchange"
)

// exportConfig configures `bonafide export`.
type exportConfig struct {
	storeConfig
	Out string // file to write; "" or "-" is standard output
	// Reporters is "omit" (the default: every referral is written without
	// its reporter) or "clear" (the data protection officer's break-glass:
	// reporters in the clear, with DPO naming an enabled data protection
	// officer with a second factor and Reason saying why).
	Reporters string
	DPO       string
	Reason    string
}

// minExportReason is the shortest reason a clear export accepts, as for
// the break-glass unseal.
const minExportReason = 20

// check refuses a clear export without its break-glass, before anything
// opens.
func (c exportConfig) check() error {
	switch c.Reporters {
	case "omit":
		if c.DPO != "" || c.Reason != "" {
			return usagef("--dpo and --reason are for --reporters clear only")
		}
	case "clear":
		if c.DPO == "" {
			return usagef("--reporters clear is the data protection officer's break-glass: name them with --dpo")
		}
		if r := strings.TrimSpace(c.Reason); utf8.RuneCountInString(r) < minExportReason || len(r) > 400 {
			return usagef("--reporters clear needs --reason, a written reason of %d characters to 400 bytes, kept in the audit log", minExportReason)
		}
	default:
		return usagef("--reporters %q is not one of omit, clear", c.Reporters)
	}
	return nil
}

// runExport writes every stored record as interchange JSON Lines in stored
// order. Referrals are written without their reporter unless the data
// protection officer breaks the glass (--reporters clear --dpo NAME
// --reason R): NAME must be an enabled data protection officer with a
// confirmed second factor, and the reason is in the audit log before the
// first reporter is unsealed. Only a clear export rebuilds the store when
// imported. A file is written under a temporary name and renamed when
// complete, so that an interrupted export leaves no partial file behind.
// Every export is recorded in the audit log (who, where to, count, form).
func runExport(ctx context.Context, args []string, std stdio) (err error) {
	cfg := exportConfig{storeConfig: defaultStoreConfig(), Reporters: "omit"}
	sc := newSubcommand(std, "export", "", "Writes every stored record as interchange JSON Lines in stored order, referrals without their reporter; "+
		"--reporters clear (the DPO's break-glass, with --dpo and --reason) writes reporters too. Every export is recorded in the audit log.")
	sc.store(&cfg.storeConfig)
	sc.env.string(sc.fs, &cfg.Out, "out", "BONAFIDE_EXPORT_OUT", "file to write (default standard output)")
	sc.fs.StringVar(&cfg.Reporters, "reporters", cfg.Reporters, "omit (default: no reporter is written) or clear (the data protection officer's break-glass)")
	sc.fs.StringVar(&cfg.DPO, "dpo", "", "with --reporters clear: the user name of the data protection officer breaking the glass")
	sc.fs.StringVar(&cfg.Reason, "reason", "", "with --reporters clear: why reporters must leave in the clear (20 characters or more; audited)")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if err := cfg.check(); err != nil {
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
	clear := cfg.Reporters == "clear"
	if clear {
		u, err := a.Users.UserByName(ctx, cfg.DPO)
		if err != nil || u.Disabled || u.Role != bonafide.RoleDPO || !u.TOTPConfirmed {
			return usagef("--dpo %q is not an enabled data protection officer with a confirmed second factor", cfg.DPO)
		}
		// Recorded before the first reporter is unsealed: an export that
		// fails half-way has still been attempted.
		if err := a.record(ctx, "records.export.break_glass", fileLabel(cfg.Out), "reporters in the clear for "+cfg.DPO+": "+strings.TrimSpace(cfg.Reason)); err != nil {
			return err
		}
	} else if err := a.record(ctx, "records.export", fileLabel(cfg.Out), "export started, reporters omitted"); err != nil {
		return err
	}

	var n int
	if cfg.Out == "" || cfg.Out == "-" {
		n, err = exportTo(ctx, store, std.out, clear)
		if err != nil {
			return err
		}
		fmt.Fprintf(std.err, "exported %d records\n", n)
	} else {
		err = writeAtomic(cfg.Out, func(w io.Writer) error {
			n, err = exportTo(ctx, store, w, clear)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(std.out, "exported %d records to %s\n", n, cfg.Out)
	}
	return a.record(context.WithoutCancel(ctx), "records.exported", fileLabel(cfg.Out), fmt.Sprintf("exported %d records, reporters %s", n, cfg.Reporters))
}

// exportTo writes the store to w, referrals' reporters only when clear,
// and returns the number of records.
func exportTo(ctx context.Context, store bonafide.Store, w io.Writer, clear bool) (int, error) {
	iw := interchange.NewWriter(w)
	n := 0
	for st, err := range store.Records(ctx, 0, 0) {
		if err != nil {
			return n, fmt.Errorf("read store: %w", err)
		}
		if ref, ok := st.Record.(*bonafide.Referral); ok && !clear && ref.Reporter != nil {
			c := *ref
			c.Reporter = nil
			st.Record = &c
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
