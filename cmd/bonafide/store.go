package main

import (
	"context"
	"errors"
	"log/slog"

	"bonafide"
	"bonafide/sqlite"
)

// openStore opens the store cfg names. With migrate it applies pending
// migrations; without, it refuses a stale schema (code stale_schema).
func openStore(ctx context.Context, cfg dbConfig, migrate bool, logger *slog.Logger) (bonafide.Store, error) {
	if cfg.isPostgres() {
		return nil, errors.New("PostgreSQL: this build has no PostgreSQL store; give a SQLite file path")
	}
	st, err := sqlite.Open(ctx, cfg.DB, sqlite.Options{Migrate: migrate})
	if err != nil {
		return nil, err
	}
	logger.Debug("store open", slog.String("db", cfg.redacted()), slog.String("kind", "sqlite"))
	return st, nil
}
