// Package sqlite implements [bonafide.Store] on SQLite (modernc.org/sqlite,
// pure Go), for a single server and for tests.
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: once Add or Import
// returns without error, the record survives a crash or a power cut. Writes
// go through one connection. Concurrent Add calls are committed together
// (group commit): one writer goroutine takes every Add that has queued,
// inserts them in one transaction and syncs once, then answers each caller.
// A duplicate referral id fails only its own Add. After a checkpoint the WAL
// file is cut back to 64 MiB (journal_size_limit), so that one large import
// does not leave a WAL file of its size behind.
//
// # Layout
//
// Table records keeps every record in arrival order (seq), with its type,
// times, referral id (unique) and its interchange JSON without the reporter.
// Table reporters keeps each referral's reporter JSON apart, keyed by seq,
// sealed by [Options.Sealer] when one is given. Migrations are embedded SQL
// files applied in order and recorded in schema_migrations; the PostgreSQL
// back-end uses the same numbers.
//
// # What is shared
//
// Encoding records (checks, sealing, tags, the safety assessment at
// intake), the group commit, paging, the migration loader and every query
// both back-ends run alike (users, approvals, disclosures, vault keys and
// tags, the audit log's reads, the reads of assessments and cases) are
// package [bonafide/sqlstore], shared with the PostgreSQL back-end through
// [sqlstore.DB] (db.go); this package keeps what is SQLite's own: the
// connections and pragmas, the single writer lock, its prepared
// statements, its SQL where it differs, its column types, and its error
// codes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"bonafide"
	"bonafide/sqlstore"
	"bonafide/vault"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Migrate applies pending migrations on Open. Without it Open refuses a
	// database whose schema is behind this build, with code
	// bonafide.EStaleSchema, so that a server never runs on a schema it
	// does not know.
	Migrate bool

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

	// Now gives the time recorded as StoredAt, and the clock that times
	// in records are checked against (bonafide.CheckTimes); time.Now when
	// nil. Tests inject a clock.
	Now func() time.Time

	// Readers is the size of the read connection pool; 4×GOMAXPROCS (at
	// least 16) when zero: every API request reads (its token and user)
	// while the triage service and the family index read pages of
	// records, and with 4 connections intake requests queued for one.
	Readers int

	// BusyTimeout is how long a connection waits for a lock held by another
	// process before failing; 5 s when zero.
	BusyTimeout time.Duration
}

// Store is a [bonafide.Store] on one SQLite database file.
type Store struct {
	sqlstore.Tables // disclosures, users, approvals, vault keys and tags

	opts Options
	wdb  *sql.DB // one connection: every write goes through it
	rdb  *sql.DB // read-only pool

	stmts stmtCache // read statements prepared on rdb

	wmu   sync.Mutex // held by a group commit or an Import for its whole transaction
	wconn *sql.Conn
	ins   insertStmts // prepared on wconn, for Import's transaction (BEGIN on wconn)
	txIns insertStmts // prepared on wdb, for database/sql transactions (writeStmts)
	wst   writeStmts
	codec sqlstore.Codec

	batch *sqlstore.Batcher[write] // group commit of Adds and every other write (writeTx); closed by Close
}

var _ bonafide.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Open opens (creating if need be) the SQLite database at path, a file name
// without URI parameters. It fails with code bonafide.EStaleSchema when
// migrations are pending and opts.Migrate is false.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, bonafide.Errorf(bonafide.EInvalid, "sqlite: path %q must be a plain file name", path)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Readers <= 0 {
		opts.Readers = max(16, 4*runtime.GOMAXPROCS(0))
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	busy := strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)
	common := "?_pragma=busy_timeout(" + busy + ")&_pragma=foreign_keys(1)"
	wdb, err := sql.Open("sqlite", path+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-32768)&_pragma=journal_size_limit(67108864)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s := &Store{opts: opts, wdb: wdb, codec: sqlstore.Codec{Sealer: opts.Sealer, Tagger: opts.Tagger, Judge: opts.Judge, Now: opts.Now}}
	s.Tables = sqlstore.NewTables(db{s}, opts.Now)
	if err := s.open(ctx, path, common); err != nil {
		s.closeDBs()
		return nil, err
	}
	s.batch = sqlstore.NewBatcher("sqlite", s.commit)
	return s, nil
}

func (s *Store) open(ctx context.Context, path, common string) error {
	var err error
	if s.wconn, err = s.wdb.Conn(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if s.opts.Migrate {
		if _, err := s.Migrate(ctx); err != nil {
			return err
		}
	} else if err := s.checkSchema(ctx); err != nil {
		return err
	}
	// The pool's statements are prepared on its one connection while the
	// store does not hold it (writestmts.go), then the store takes it back.
	if err := s.wconn.Close(); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.wconn = nil
	if err := s.txIns.prepare(ctx, s.wdb); err != nil {
		return err
	}
	if s.wst, err = prepareWriteStmts(ctx, s.wdb); err != nil {
		return err
	}
	if s.wconn, err = s.wdb.Conn(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.ins.prepare(ctx, s.wconn); err != nil {
		return err
	}
	s.rdb, err = sql.Open("sqlite", path+common+"&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	s.rdb.SetMaxOpenConns(s.opts.Readers)
	s.rdb.SetMaxIdleConns(s.opts.Readers)
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	return nil
}

// Close stops taking Adds, waits for the ones already queued (and any Import
// under way) to commit, and closes the database. Close is safe to call twice.
func (s *Store) Close() error {
	if !s.batch.Close() { // waits for queued writes and Imports under way
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	errs = append(errs, s.ins.close(), s.txIns.close(), s.wst.close())
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
	}
	errs = append(errs, s.wdb.Close())
	if s.rdb != nil {
		errs = append(errs, s.closeStmts(), s.rdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// migrations returns the embedded migrations in version order: this
// back-end's own and the ones written once for both (sqlstore), with its
// column types (times as Unix microseconds, JSON as text). File names are NNN_name.sql; the numbers
// match the PostgreSQL back-end's.
func migrations() ([]sqlstore.Migration, error) {
	return sqlstore.Migrations(migrationFS, "migrations", columnTypes)
}

// columnTypes are the names the shared migrations' column types take here.
var columnTypes = sqlstore.ColumnTypes{Text: "TEXT", Int: "INTEGER", Time: "INTEGER", JSON: "TEXT", Blob: "BLOB"}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL
)`

// appliedVersions reads schema_migrations; an absent table means none.
func appliedVersions(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[int]bool, error) {
	done := map[int]bool{}
	exists, err := q.QueryContext(ctx, `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`)
	if err != nil {
		return nil, err
	}
	found := exists.Next()
	if err := errors.Join(exists.Err(), exists.Close()); err != nil {
		return nil, err
	}
	if !found {
		return done, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

// checkSchema fails with EStaleSchema unless every embedded migration has
// been applied.
func (s *Store) checkSchema(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	done, err := appliedVersions(ctx, s.wconn)
	if err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	return sqlstore.CheckSchema(ms, done)
}

// Migrate applies every embedded migration not yet recorded in
// schema_migrations, each in its own transaction, and returns how many it
// applied. Two processes migrating at once are serialised by SQLite's write
// lock; each re-reads the applied set inside its transaction.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ms, err := migrations()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	if _, err := s.wconn.ExecContext(ctx, createMigrationsTable); err != nil {
		return 0, fmt.Errorf("sqlite: migrate: %w", err)
	}
	n, err := sqlstore.Migrate(ctx, ms, s.applyMigration)
	if err != nil {
		return n, fmt.Errorf("sqlite: %w", err)
	}
	return n, nil
}

func (s *Store) applyMigration(ctx context.Context, m sqlstore.Migration) (bool, error) {
	tx, err := s.wconn.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, s.opts.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
