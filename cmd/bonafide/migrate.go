package main

import (
	"context"
	"errors"
	"fmt"

	"bonafide"
)

// runMigrate applies the store's embedded schema migrations that are not
// yet applied, each in its own transaction. serve refuses a stale schema
// (unless given --migrate), so run this after upgrading the binary. It
// needs the keys: a fresh database gets its data keys here, wrapped under
// the master key, and the migration is recorded in the audit log. (Every
// command that writes gives a new SQLite file its schema on first use;
// migrate is for the stores that exist.)
func runMigrate(ctx context.Context, args []string, std stdio) error {
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "migrate", "", "Applies the embedded schema migrations not yet applied, each in its own transaction, and records it in the audit log.")
	sc.store(&cfg)
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	logger := sc.logger()

	// Open without migrating first, to tell "already up to date" from
	// "applied": the stale-schema error names the pending migrations.
	acfg := cfg.app()
	a, err := openApp(ctx, acfg, logger)
	if err == nil && !a.fresh {
		fmt.Fprintf(std.out, "%s: schema is up to date; nothing to apply\n", cfg.dbConfig.redacted())
		return a.Close()
	}
	if err != nil {
		if bonafide.ErrorCode(err) != bonafide.EStaleSchema {
			return err
		}
		acfg.Migrate = true
		if a, err = openApp(ctx, acfg, logger); err != nil {
			return err
		}
	}
	err = a.record(ctx, "schema.migrate", "", "applied pending migrations")
	closeApp := a.Close
	if err != nil {
		closeApp = a.discard
	}
	if cerr := closeApp(); cerr != nil {
		return errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "%s: applied the pending migrations; schema is up to date\n", cfg.dbConfig.redacted())
	return nil
}
