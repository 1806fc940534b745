package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"bonafide"
)

// A Migration is one embedded schema change. Both back-ends number theirs
// alike, so that `bonafide migrate` reports one schema version whichever
// database it runs on.
type Migration struct {
	Version int    // from the file name's leading number
	Name    string // the file name, NNN_name.sql, as schema_migrations records it
	SQL     string
}

// LoadMigrations reads the files dir/*.sql of fsys (a back-end's embedded
// migrations) in version order. Each name must start with a positive number
// and an underscore, and no two may share a number, so that the order is
// never a matter of how files sort.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: name must start with a number and _", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
	}
	return inOrder(ms)
}

// inOrder sorts ms by version and fails when two share a number.
func inOrder(ms []Migration) ([]Migration, error) {
	slices.SortStableFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// ColumnTypes are one back-end's names for the column types that a shared
// migration writes as {text}, {int}, {time}, {json} and {blob}.
type ColumnTypes struct {
	Text, Int, Time, JSON, Blob string
}

// sharedFS holds the migrations written once for both back-ends: tables
// whose definitions differ only in the names of their column types.
//
//go:embed migrations/*.sql
var sharedFS embed.FS

// Migrations returns a back-end's migrations in version order: its own,
// the files dir/*.sql of fsys, and the shared ones of this package with
// types put in for their placeholders. A version number is used once
// across both, so that the two back-ends number their schemas alike.
func Migrations(fsys fs.FS, dir string, types ColumnTypes) ([]Migration, error) {
	return mergeMigrations(fsys, dir, sharedFS, "migrations", types)
}

// placeholder matches a column type left in a shared migration.
var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// mergeMigrations is Migrations with the shared files in sharedDir of shared.
func mergeMigrations(fsys fs.FS, dir string, shared fs.FS, sharedDir string, types ColumnTypes) ([]Migration, error) {
	if types.Text == "" || types.Int == "" || types.Time == "" || types.JSON == "" || types.Blob == "" {
		return nil, errors.New("migrations: every column type needs a name")
	}
	own, err := LoadMigrations(fsys, dir)
	if err != nil {
		return nil, err
	}
	common, err := LoadMigrations(shared, sharedDir)
	if err != nil {
		return nil, err
	}
	r := strings.NewReplacer("{text}", types.Text, "{int}", types.Int, "{time}", types.Time, "{json}", types.JSON, "{blob}", types.Blob)
	for i := range common {
		common[i].SQL = r.Replace(common[i].SQL)
		if p := placeholder.FindString(common[i].SQL); p != "" {
			return nil, fmt.Errorf("migration %s: unknown column type %s (want {text}, {int}, {time}, {json} or {blob})", common[i].Name, p)
		}
	}
	return inOrder(append(own, common...))
}

// CheckSchema fails with code EStaleSchema, naming them, when any of ms is
// not among the applied versions, so that a server never runs on a schema
// it does not know.
func CheckSchema(ms []Migration, applied map[int]bool) error {
	var pending []string
	for _, m := range ms {
		if !applied[m.Version] {
			pending = append(pending, m.Name)
		}
	}
	if len(pending) > 0 {
		return bonafide.Errorf(bonafide.EStaleSchema,
			"database schema is stale: %d migration(s) pending (%s); run `bonafide migrate`",
			len(pending), strings.Join(pending, ", "))
	}
	return nil
}

// Migrate applies ms in order with apply, which runs one migration in its
// own transaction and reports whether it applied it (false: another
// migrator recorded it first), and returns how many were applied. It stops
// at the first error, naming the migration.
func Migrate(ctx context.Context, ms []Migration, apply func(context.Context, Migration) (bool, error)) (int, error) {
	applied := 0
	for _, m := range ms {
		ok, err := apply(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if ok {
			applied++
		}
	}
	return applied, nil
}
