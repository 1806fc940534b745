package main

import (
	"context"
	"errors"
	"fmt"

	"bonafide"
)

// migrateConfig configures `bonafide migrate`.
type migrateConfig struct {
	dbConfig
	keyConfig
	logConfig
}

// runMigrate applies the store's embedded schema migrations that are not
// yet applied, each in its own transaction. serve refuses a stale schema
// (unless given --migrate), so run this after upgrading the binary. It
// needs the keys: a fresh database gets its data keys here, wrapped under
// the master key, and the migration is recorded in the audit log.
func runMigrate(ctx context.Context, args []string, std stdio) error {
	cfg := migrateConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("migrate", "migrate [flags]", std)
	env := &envDefaults{std: std}
	cfg.dbConfig.flags(fs, env)
	cfg.keyConfig.flags(fs, env)
	cfg.logConfig.flags(fs, env)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if err := env.err(); err != nil {
		return err
	}
	if err := cfg.dbConfig.validate(); err != nil {
		return err
	}
	if err := cfg.logConfig.validate(); err != nil {
		return err
	}
	logger := cfg.logConfig.logger(std.err)

	// Open without migrating first, to tell "already up to date" from
	// "applied": the stale-schema error names the pending migrations.
	acfg := appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig}
	a, err := openApp(ctx, acfg, logger)
	if err == nil {
		fmt.Fprintf(std.out, "%s: schema is up to date; nothing to apply\n", cfg.dbConfig.redacted())
		return a.Close()
	}
	if bonafide.ErrorCode(err) != bonafide.EStaleSchema {
		return err
	}
	acfg.Migrate = true
	a, err = openApp(ctx, acfg, logger)
	if err != nil {
		return err
	}
	err = a.record(ctx, "schema.migrate", "", "applied pending migrations")
	if cerr := a.Close(); cerr != nil {
		return errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "%s: applied the pending migrations; schema is up to date\n", cfg.dbConfig.redacted())
	return nil
}
