package main

import (
	"context"
	"log/slog"

	"bonafide"
	"bonafide/postgres"
	"bonafide/sqlite"
)

// openStore opens the store cfg names: PostgreSQL for a postgres:// URL,
// otherwise the SQLite file at that path. With migrate it applies pending
// migrations; without, it refuses a stale schema (code stale_schema).
func openStore(ctx context.Context, cfg dbConfig, migrate bool, logger *slog.Logger) (bonafide.Store, error) {
	var (
		st   bonafide.Store
		err  error
		kind = "sqlite"
	)
	if cfg.isPostgres() {
		kind = "postgres"
		st, err = postgres.Open(ctx, cfg.DB, postgres.Options{Migrate: migrate})
	} else {
		st, err = sqlite.Open(ctx, cfg.DB, sqlite.Options{Migrate: migrate})
	}
	if err != nil {
		return nil, err
	}
	logger.Debug("store open", slog.String("db", cfg.redacted()), slog.String("kind", kind))
	return st, nil
}
