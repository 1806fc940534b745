package main

import (
	"context"
	"fmt"

	"bonafide/postgres"
	"bonafide/sqlite"
)

// runBackup copies the store to a new file while it stays in use: SQLite
// by VACUUM INTO (a snapshot of one commit, synced), PostgreSQL by pg_dump
// in the custom format. The copy holds every referral, sealed, so the
// backup is recorded in the audit log first, and the copy holds that
// entry. The keys are not in it: back them up apart (docs/operations.md).
func runBackup(ctx context.Context, args []string, std stdio) (err error) {
	var out string
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "backup", "", "Copies the store, while it stays in use, to a new file (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom); recorded in the audit log. The keys are not in the copy: keep them apart.")
	sc.store(&cfg)
	sc.fs.StringVar(&out, "out", "", "the backup file to create")
	sc.check(func() error {
		if out == "" {
			return usagef("--out is required")
		}
		return nil
	})
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	acfg := cfg.app()
	acfg.Existing, acfg.NoCheckpoints = true, true
	a, err := openApp(ctx, acfg, sc.logger())
	if err != nil {
		return err
	}
	defer a.finish(&err)
	if err := a.record(ctx, "backup", out, "bonafide backup"); err != nil {
		return err
	}
	if cfg.isPostgres() {
		err = postgres.Backup(ctx, cfg.DB, out)
	} else {
		err = sqlite.Backup(ctx, cfg.DB, out)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "backed up %s to %s\n", cfg.redacted(), out)
	return nil
}

// runRestore puts a backup in place as a new store (SQLite: checked,
// copied and renamed into a path that must not exist; PostgreSQL:
// pg_restore into an empty database in one transaction), then verifies
// its audit log and records the restore in it. It needs the same keys as
// the store that was backed up.
func runRestore(ctx context.Context, args []string, std stdio) (err error) {
	var from string
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "restore", "", "Restores a backup into a new store (a SQLite path that does not exist, or an empty PostgreSQL database), verifies its audit log and records the restore; needs the keys of the store that was backed up.")
	sc.store(&cfg)
	sc.fs.StringVar(&from, "from", "", "the backup file")
	sc.check(func() error {
		if from == "" {
			return usagef("--from is required")
		}
		return nil
	})
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if _, err := cfg.masterKeys(); err != nil {
		return err // before anything is written
	}
	if cfg.isPostgres() {
		err = postgres.Restore(ctx, from, cfg.DB)
	} else {
		err = sqlite.Restore(ctx, from, cfg.DB)
	}
	if err != nil {
		return err
	}
	acfg := cfg.app()
	acfg.Existing, acfg.NoCheckpoints = true, true
	a, err := openApp(ctx, acfg, sc.logger())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	rep, err := a.Audit.Verify(ctx)
	if err != nil {
		return fmt.Errorf("restored store: %w", err)
	}
	if err := a.record(ctx, "restore", from, "bonafide restore"); err != nil {
		return err
	}
	fmt.Fprintf(std.out, "restored %s into %s; audit log OK: %d entries\n", from, cfg.redacted(), rep.Entries)
	return nil
}
