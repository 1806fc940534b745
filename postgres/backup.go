package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
)

// Backup runs pg_dump (in the custom format, one consistent snapshot
// while the store stays in use) of the database at url into the new file
// out. pg_dump must be on PATH and of the server's major version or later.
// For point-in-time recovery use base backups and WAL archiving instead
// (docs/operations.md); this is the logical copy.
func Backup(ctx context.Context, url, out string) error {
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("postgres: backup: %s exists; give a new file", out)
	}
	return run(ctx, "pg_dump", "--format=custom", "--no-owner", "--file", out, "--dbname", url)
}

// Restore runs pg_restore of the backup from into the database at url,
// which must be empty (a new database: CREATE DATABASE), stopping at the
// first error in one transaction, so that a failure leaves it empty.
func Restore(ctx context.Context, from, url string) error {
	return run(ctx, "pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--dbname", url, from)
}

// run runs a PostgreSQL client program; its error output names the fault,
// never the URL's password (the programs do not echo it).
func run(ctx context.Context, name string, args ...string) error {
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("postgres: %s is not installed (apt-get install postgresql-client): %w", name, err)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("postgres: %s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
