// Package postgres implements [bonafide.Store] on PostgreSQL with pgx/v5,
// for deployments that need a database server.
//
// # Ordering and durability
//
// Every write transaction takes an EXCLUSIVE lock on table records (plain
// reads are not blocked) and numbers its records from max(seq), so that
// sequence order is commit order across processes: a reader paging with
// Records(after, …) never misses a record that commits later with a lower
// seq, and a rolled-back import leaves no gap. Concurrent Add calls are
// committed together by one writer goroutine (group commit): one transaction
// and one WAL flush per group. A duplicate referral id fails only its own Add.
//
// # Layout
//
// The same as package sqlite: records (body is the interchange JSON without
// the reporter) and reporters (sealed by [Options.Sealer] when given), with
// migrations of the same numbers recorded in schema_migrations.
//
// # What is shared
//
// Encoding records (checks, sealing, tags, the safety assessment at
// intake), the group commit, paging, the migration loader and every query
// both back-ends run alike (users, approvals, disclosures, vault keys and
// tags, the audit log's reads, the reads of assessments and cases) are
// package [bonafide/sqlstore], shared with the SQLite back-end through
// [sqlstore.DB] (db.go); this package keeps what is PostgreSQL's own: the
// pool, the row and table locks and numbering, COPY for Import, pipelined
// batches, its SQL where it differs, its column types, and its SQLSTATE
// mapping.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"bonafide"
	"bonafide/sqlstore"
	"bonafide/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Migrate applies pending migrations on Open. Without it Open refuses a
	// database whose schema is behind this build, with code
	// bonafide.EStaleSchema.
	Migrate bool

	// MigrateEmpty applies the migrations when the schema holds no table
	// at all (a new, empty database), and otherwise refuses a stale schema
	// as without Migrate: a command's first use of a new database gets its
	// schema, an old one is never upgraded behind the operator's back.
	MigrateEmpty bool

	// Sealer, when set, seals reporter JSON before it is written and opens
	// it when read.
	Sealer bonafide.Sealer

	// Tagger, when set, returns the blind-index tags of a referral's
	// reporter, which Add and Import write to reporter_tags in the same
	// transaction as the referral, so that every stored reporter is
	// indexed (vault.Sharing) and none is indexed without being stored.
	// (*vault.Deferred).Tags has this shape.
	Tagger vault.Tagger

	// Judge, when set, makes each referral's safety assessment, which Add
	// and Import write to assessments in the same transaction as the
	// referral (kind bonafide.KindSafety), so that no stored referral is
	// without its safety level while the campaign part follows.
	// triage.IntakeJudge is one; servers and commands always set it.
	Judge bonafide.SafetyJudge

	// Now gives the time recorded as StoredAt; time.Now when nil.
	Now func() time.Time

	// MaxConns bounds the connection pool; pgxpool's default when zero.
	MaxConns int32

	// ReadURL, when set, is a read replica (a streaming standby of the
	// same database) that the read paths of the web screens and exports
	// use: the worklists and their counts (Cases.Queue) and the census
	// (Cases.Census). Writes, and the reads a writer depends on (the
	// triage service's history, a case before its next event), stay on
	// the primary, since a replica may lag. See docs/operations.md.
	ReadURL string
}

// Store is a [bonafide.Store] on one PostgreSQL database (and schema: set
// search_path in the DSN to use another).
type Store struct {
	sqlstore.Tables // disclosures, users, approvals, vault keys and tags

	opts  Options
	pool  *pgxpool.Pool
	rpool *pgxpool.Pool // Options.ReadURL's pool; pool when none
	codec sqlstore.Codec
	fresh bool // Open found the schema empty and applied the migrations (MigrateEmpty)

	batch *sqlstore.Batcher[sqlstore.Encoded] // group commit of Adds; Close waits for it and for Imports
}

var _ bonafide.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Open connects to the database at dsn (a postgres:// URL or key=value
// string; pgx reads search_path and other run-time parameters from it). It
// fails with code bonafide.EStaleSchema when migrations are pending and
// opts.Migrate is false.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return nil, bonafide.Errorf(bonafide.EInvalid, "postgres: the database URL does not parse")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{opts: opts, pool: pool, codec: sqlstore.Codec{Sealer: opts.Sealer, Tagger: opts.Tagger, Judge: opts.Judge, Now: opts.Now}}
	s.Tables = sqlstore.NewTables(db{s}, opts.Now)
	migrate := opts.Migrate
	if !migrate && opts.MigrateEmpty {
		var tables int64
		if err = pool.QueryRow(ctx, `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: inspect schema: %w", err)
		}
		migrate = tables == 0
	}
	s.fresh = migrate && !opts.Migrate
	if migrate {
		_, err = s.Migrate(ctx)
	} else {
		err = s.checkSchema(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.rpool = pool
	if opts.ReadURL != "" {
		rcfg, err := pgxpool.ParseConfig(opts.ReadURL)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: read replica URL: %w", err)
		}
		if s.rpool, err = pgxpool.NewWithConfig(ctx, rcfg); err == nil {
			err = s.rpool.Ping(ctx)
		}
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: connect to the read replica: %w", err)
		}
	}
	s.batch = sqlstore.NewBatcher("postgres", s.commit)
	return s, nil
}

// Close stops taking writes, waits for queued Adds and running Imports to
// finish, and closes the pool. Close is safe to call twice.
func (s *Store) Close() error {
	if s.batch.Close() {
		s.pool.Close()
		if s.rpool != s.pool {
			s.rpool.Close()
		}
	}
	return nil
}

// migrations returns the embedded migrations in version order: this
// back-end's own and the ones written once for both (sqlstore), with its
// column types (times as timestamptz, JSON as jsonb). File names are NNN_name.sql; the numbers
// match the SQLite back-end's.
func migrations() ([]sqlstore.Migration, error) {
	return sqlstore.Migrations(migrationFS, "migrations", columnTypes)
}

// columnTypes are the names the shared migrations' column types take here.
var columnTypes = sqlstore.ColumnTypes{Text: "text", Int: "integer", Time: "timestamptz", JSON: "jsonb", Blob: "bytea"}

// appliedVersions reads schema_migrations in the current schema; an absent
// table means none.
func appliedVersions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}) (map[int]bool, error) {
	done := map[int]bool{}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return done, nil
	}
	rows, err := q.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		done[int(v)] = true
	}
	return done, nil
}

// checkSchema fails with EStaleSchema unless every embedded migration has
// been applied.
func (s *Store) checkSchema(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	done, err := appliedVersions(ctx, s.pool)
	if err != nil {
		return fmt.Errorf("postgres: read schema version: %w", err)
	}
	return sqlstore.CheckSchema(ms, done)
}

// Fresh reports whether Open found the schema empty and gave it its
// migrations (Options.MigrateEmpty), so that a command can record it.
func (s *Store) Fresh() bool { return s.fresh }

// Migrate applies every embedded migration not yet recorded in
// schema_migrations, each in its own transaction, and returns how many it
// applied. Concurrent migrators of one schema are serialised by an advisory
// lock and re-read the applied set inside it.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", err)
	}
	n, err := sqlstore.Migrate(ctx, ms, s.applyMigration)
	if err != nil {
		return n, fmt.Errorf("postgres: %w", err)
	}
	return n, nil
}

func (s *Store) applyMigration(ctx context.Context, m sqlstore.Migration) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bonafide migrate ' || current_schema()))`); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL)`); err != nil {
		return false, err
	}
	done, err := appliedVersions(ctx, tx)
	if err != nil {
		return false, err
	}
	if done[m.Version] {
		return false, nil
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, s.opts.Now()); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}

// isUniqueViolation matches PostgreSQL's SQLSTATE 23505 on the referral id
// index, never message text.
func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}
