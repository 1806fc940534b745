package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"bonafide"
	"bonafide/casework"
)

// censusConfig configures `bonafide census`.
type censusConfig struct {
	storeConfig
	From, To string // YYYY-MM-DD; To exclusive
	Out      string // file to write; "" or "-" is standard output
}

// runCensus writes the Children in Need census return's referral fields
// for referrals received from --from to --to, as the council submits them
// (casework.Census), recorded in the audit log.
func runCensus(ctx context.Context, args []string, std stdio) (err error) {
	cfg := censusConfig{storeConfig: defaultStoreConfig()}
	sc := newSubcommand(std, "census", "", "Writes the Children in Need census return's referral fields (LAchildID, CINreferralDate, ReferralSource, ReferralNFA, CINclosureDate, ReasonForClosure) as CSV, one row per child, for referrals received from --from to --to; recorded in the audit log.")
	sc.store(&cfg.storeConfig)
	sc.env.string(sc.fs, &cfg.From, "from", "BONAFIDE_CENSUS_FROM", "first day of the collection year, YYYY-MM-DD (required)")
	sc.env.string(sc.fs, &cfg.To, "to", "BONAFIDE_CENSUS_TO", "the day after its last, YYYY-MM-DD (required; exclusive)")
	sc.env.string(sc.fs, &cfg.Out, "out", "BONAFIDE_CENSUS_OUT", "file to write (default standard output)")
	var from, to time.Time
	sc.check(func() error {
		for _, d := range []struct {
			name string
			v    string
			dst  *time.Time
		}{{"--from", cfg.From, &from}, {"--to", cfg.To, &to}} {
			t, err := time.Parse(time.DateOnly, d.v)
			if err != nil {
				return usagef("%s %q: want a date of the form YYYY-MM-DD", d.name, d.v)
			}
			*d.dst = t
		}
		if !from.Before(to) {
			return usagef("--from must be before --to")
		}
		return nil
	})
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
	cs, err := newCaseService(a.api(), casework.Agency{}, logger)
	if err != nil {
		return err
	}
	// The command line holds the database and its keys: it acts with the
	// census permission, recorded as the operating-system user.
	actor := casework.Actor{Who: cliUser(), Role: bonafide.RoleTeamManager}
	write := func(w io.Writer) error {
		n, err := cs.Census(ctx, actor, w, from, to)
		if err == nil {
			fmt.Fprintf(std.err, "wrote %d census rows\n", n)
		}
		return err
	}
	if cfg.Out == "" || cfg.Out == "-" {
		return write(std.out)
	}
	return writeAtomic(cfg.Out, write)
}
