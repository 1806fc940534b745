package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the SQLite store at path to the new
// file out while the store stays in use (VACUUM INTO: one read
// transaction, so that writers go on and the copy is a snapshot of one
// commit), then syncs it to disk. out must not exist. Keys are not in the
// file: back up the master key and the audit signing key apart (see
// docs/operations.md), since the copy is useless without the first and
// cannot be extended without the second.
func Backup(ctx context.Context, path, out string) error {
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %s exists; give a new file", out)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		os.Remove(out)
		return fmt.Errorf("sqlite: backup to %s: %w", out, err)
	}
	if err := syncFile(out); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// Restore puts the backup from in place as a new store at path: it checks
// the backup (SQLite's integrity check, and that it holds a migrated
// bonafide schema), copies it beside path, syncs it and renames it into
// place, so that a failure leaves no half-restored store. path must not
// exist: restoring over a live store is refused.
func Restore(ctx context.Context, from, path string) (err error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: restore: %s exists; restore to a new path and move it once checked", path)
	}
	db, err := sql.Open("sqlite", "file:"+from+"?mode=ro")
	if err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	var check string
	err = db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check)
	if err == nil && check != "ok" {
		err = fmt.Errorf("integrity check: %s", check)
	}
	var n int
	if err == nil {
		if err = db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
			err = fmt.Errorf("not a bonafide store (no schema migrations): %v", err)
		}
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: restore from %s: %w", from, err)
	}
	tmp := path + ".restore-tmp"
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := copyFile(from, tmp); err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncFile flushes a file and its directory entry to disk.
func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(name))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
