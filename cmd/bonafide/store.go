package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/httpapi"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/triage"
	"bonafide/vault"
)

// keyConfig names the two secrets every command that opens the store needs:
// the vault's master key (without it nothing is sealed, so nothing starts)
// and the audit log's checkpoint signing key.
type keyConfig struct {
	MasterKeyFile string
	AuditKeyFile  string

	// masterKeyText and auditKeyText are the keys themselves, from
	// BONAFIDE_MASTER_KEY and BONAFIDE_AUDIT_KEY, for platforms that inject
	// secrets as variables; a file wins over them.
	masterKeyText string
	auditKeyText  string
}

// Key files read when neither a flag nor a variable names a key: the
// names `bonafide keys generate` writes by default, in the working
// directory.
const (
	defaultMasterKeyFile = "bonafide-master.key"
	defaultAuditKeyFile  = "bonafide-audit.key"
)

func (c *keyConfig) flags(fs *flag.FlagSet, e *envDefaults) {
	e.string(fs, &c.MasterKeyFile, "master-key-file", vault.EnvMasterKeyFile,
		"file holding the vault master key (mode 0600); without it or "+vault.EnvMasterKey+", "+defaultMasterKeyFile+" in the working directory if it exists; make one with 'bonafide keys generate'")
	e.string(fs, &c.AuditKeyFile, "audit-key-file", auditlog.EnvSigningKeyFile,
		"file holding the audit checkpoint signing key (mode 0600); without it or "+auditlog.EnvSigningKey+", "+defaultAuditKeyFile+" in the working directory if it exists; make one with 'bonafide keys generate'")
	c.masterKeyText = e.std.env(vault.EnvMasterKey, "")
	c.auditKeyText = e.std.env(auditlog.EnvSigningKey, "")
}

// masterKeyFile returns the master key file to read: the one named, or
// when no flag or variable gives a key, defaultMasterKeyFile if it exists;
// "" when the key is text or there is none.
func (c keyConfig) masterKeyFile() string {
	return keyFile(c.MasterKeyFile, c.masterKeyText, defaultMasterKeyFile)
}

// auditKeyFile is masterKeyFile for the audit signing key.
func (c keyConfig) auditKeyFile() string {
	return keyFile(c.AuditKeyFile, c.auditKeyText, defaultAuditKeyFile)
}

func keyFile(named, text, def string) string {
	if named != "" || text != "" {
		return named
	}
	if fi, err := os.Stat(def); err == nil && fi.Mode().IsRegular() {
		return def
	}
	return ""
}

// masterKeys loads the master keys, refusing to go on without one: a store
// opened without the vault would have nothing to seal reporters with.
func (c keyConfig) masterKeys() (vault.MasterKeys, error) {
	switch {
	case c.masterKeyFile() != "":
		return vault.ReadMasterKeyFile(c.masterKeyFile())
	case c.masterKeyText != "":
		return vault.ParseMasterKeys([]byte(c.masterKeyText))
	}
	return nil, usagef("no master key: give --master-key-file, set %s or keep %s in the working directory (make one with 'bonafide keys generate')", vault.EnvMasterKeyFile, defaultMasterKeyFile)
}

// signingKey loads the audit signing key, refusing to go on without one.
func (c keyConfig) signingKey() (*auditlog.SigningKey, error) {
	switch {
	case c.auditKeyFile() != "":
		return auditlog.ReadSigningKeyFile(c.auditKeyFile())
	case c.auditKeyText != "":
		return auditlog.ParseSigningKey([]byte(c.auditKeyText))
	}
	return nil, usagef("no audit signing key: give --audit-key-file, set %s or keep %s in the working directory (make one with 'bonafide keys generate')", auditlog.EnvSigningKeyFile, defaultAuditKeyFile)
}

// appConfig is what openApp needs: where the store is, where the keys are,
// and whether to apply pending migrations.
type appConfig struct {
	dbConfig
	keyConfig
	Migrate bool
	// CheckpointEvery is how often the audit log is checkpointed while the
	// app is open (when it has grown); one minute when zero. Close writes a
	// last one.
	CheckpointEvery time.Duration
	// NoCheckpoints opens the audit log without signing anything, for
	// commands that only read it (audit verify, prove).
	NoCheckpoints bool
	// ReadDB, when set, is a PostgreSQL read replica for the worklists and
	// the census (postgres.Options.ReadURL).
	ReadDB string
	// Existing refuses a SQLite file that does not exist yet, for commands
	// that only read the store: without it a new file is created with its
	// schema (see openApp).
	Existing bool
}

// app is an open store with its vault and audit log: what every command
// that touches referral data works on. The store seals reporters with the
// vault and writes their blind-index tags with each record.
type app struct {
	Store bonafide.Store
	Vault *vault.Vault
	Audit *auditlog.Log
	// Keys holds the wrapped data keys (for rotation); Tags is the blind
	// index of reporters (for vault.Sharing).
	Keys vault.KeyStore
	Tags vault.TagIndex
	// Audits is the audit log's storage, for verification.
	Audits auditlog.Storage
	// Users keeps users, sessions and API tokens (the same store, either
	// back-end), for the API's authentication and the user command.
	Users bonafide.UserStore
	// Findings tells what earlier referrals were found to be, for the
	// reporter-links route.
	Findings httpapi.FindingReader
	// Cases keeps the case workflow.
	Cases bonafide.CaseStore
	// Disclosures keeps police disclosure requests and SARs.
	Disclosures bonafide.DisclosureStore
	// Approvals keeps account changes waiting for a second administrator.
	Approvals bonafide.ApprovalStore

	// created is the SQLite file this process created, "" if none:
	// discard removes it. fresh says the database was new (that file, or
	// an empty one) and got its schema when it was opened.
	created string
	fresh   bool

	stopCheckpoints func() // stops the checkpoint ticker, writing a last one
	closeOnce       sync.Once
	closeErr        error
}

// Close stops the checkpoint ticker, which writes a last checkpoint if the
// log has grown, so that what this process recorded is signed before it
// exits; then it closes the store. It is safe to call more than once.
func (a *app) Close() error {
	a.closeOnce.Do(func() {
		if a.stopCheckpoints != nil {
			a.stopCheckpoints()
		}
		a.closeErr = a.Store.Close()
	})
	return a.closeErr
}

// discard closes the app and, if this process created its SQLite file,
// removes it: a command that failed on a new store leaves no file behind.
func (a *app) discard() error {
	err := a.Close()
	if a.created != "" {
		removeSQLite(a.created)
	}
	return err
}

// finish closes a once a command has run, for a deferred call with the
// command's named error: when the command failed (*errp != nil) it
// discards a, so that a failed command leaves no SQLite file it created
// behind; a close error is returned when nothing else failed.
func (a *app) finish(errp *error) {
	closeApp := a.Close
	if *errp != nil {
		closeApp = a.discard
	}
	if cerr := closeApp(); cerr != nil && *errp == nil {
		*errp = fmt.Errorf("close store: %w", cerr)
	}
}

// removeSQLite removes a SQLite database file and the files beside it.
func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// newSQLite reports whether the SQLite file path is a new database: absent,
// or empty (created, say, by a failed earlier run or by touch).
func newSQLite(path string) (absent, empty bool) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true, false
	}
	return false, err == nil && fi.Mode().IsRegular() && fi.Size() == 0
}

// existing fails, for a command that only reads the store, when the SQLite
// file c names does not exist, instead of creating an empty one.
func (c dbConfig) existing() error {
	if c.isPostgres() {
		return nil
	}
	if absent, _ := newSQLite(c.DB); absent {
		return bonafide.Errorf(bonafide.ENotFound, "no store at %s: give --db (import, migrate, serve, user bootstrap and user add create a new one)", c.DB)
	}
	return nil
}

// record appends an audit entry for a command run from the command line:
// who is the operating-system user. Entries never carry reporter data.
func (a *app) record(ctx context.Context, what, object, why string) error {
	_, err := a.Audit.Append(ctx, auditlog.Entry{Who: cliUser(), What: what, Object: clip(object), Why: clip(why)})
	if err != nil {
		return fmt.Errorf("audit %s: %w", what, err)
	}
	return nil
}

// cliUser names the operating-system user running the command, as the
// audit log's principal for the command line: "cli:" and the login name.
func cliUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "uid-" + strconv.Itoa(os.Getuid())
	}
	return "cli:" + name
}

// clip shortens s to what an audit entry field holds, on a rune boundary.
func clip(s string) string {
	if len(s) <= auditlog.MaxFieldLen {
		return s
	}
	s = s[:auditlog.MaxFieldLen-3]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// openApp loads the master and signing keys, opens the store cfg names with
// the vault as its sealer (through a vault.Deferred, since the vault keeps
// its wrapped keys in that same store), opens the vault and the audit log.
// It refuses to start without a master key or a signing key. With
// cfg.Migrate it applies pending migrations; without, it refuses a stale
// schema (code stale_schema). A SQLite file that does not exist yet, or is
// empty, is a new database: it is created with its schema (unless
// cfg.Existing), and removed again if openApp fails.
func openApp(ctx context.Context, cfg appConfig, logger *slog.Logger) (_ *app, err error) {
	masters, err := cfg.masterKeys()
	if err != nil {
		return nil, err
	}
	skey, err := cfg.signingKey()
	if err != nil {
		return nil, err
	}
	cal, err := triage.NewCalendar()
	if err != nil {
		return nil, err
	}
	judge := triage.IntakeJudge(cal)
	created, fresh := "", false
	if !cfg.isPostgres() {
		if cfg.Existing {
			if err := cfg.existing(); err != nil {
				return nil, err
			}
		}
		absent, empty := newSQLite(cfg.DB)
		if absent || empty {
			cfg.Migrate, fresh = true, true
		}
		if absent {
			created = cfg.DB
			defer func() {
				if err != nil {
					removeSQLite(created)
				}
			}()
		}
	}
	sealer := &vault.Deferred{}
	a := &app{created: created, fresh: fresh}
	kind := "sqlite"
	if cfg.isPostgres() {
		kind = "postgres"
		st, err := postgres.Open(ctx, cfg.DB, postgres.Options{Migrate: cfg.Migrate, MigrateEmpty: !cfg.Existing, Sealer: sealer, Tagger: sealer.Tags, Judge: judge, ReadURL: cfg.ReadDB})
		if err != nil {
			return nil, err
		}
		a.Store, a.Keys, a.Tags, a.Audits = st, st.VaultKeys(), st.ReporterTags(), st.AuditStorage()
		a.Users, a.Findings, a.Cases, a.Disclosures, a.Approvals = st.Users(), st, st.Cases(), st.Disclosures(), st.Approvals()
		a.fresh = st.Fresh()
	} else {
		st, err := sqlite.Open(ctx, cfg.DB, sqlite.Options{Migrate: cfg.Migrate, Sealer: sealer, Tagger: sealer.Tags, Judge: judge})
		if err != nil {
			return nil, err
		}
		a.Store, a.Keys, a.Tags, a.Audits = st, st.VaultKeys(), st.ReporterTags(), st.AuditStorage()
		a.Users, a.Findings, a.Cases, a.Disclosures, a.Approvals = st.Users(), st, st.Cases(), st.Disclosures(), st.Approvals()
	}
	logger.Debug("store open", slog.String("db", cfg.redacted()), slog.String("kind", kind))
	a.Vault, err = vault.Open(ctx, a.Keys, masters, vault.Options{})
	if err != nil {
		return nil, errors.Join(err, a.Store.Close())
	}
	sealer.Set(a.Vault)
	logger.Debug("vault open", slog.String("master_key", masters.Primary().ID().String()), slog.String("data_key", a.Vault.ActiveKey().String()))
	a.Audit, err = auditlog.New(a.Audits, skey, auditlog.Config{Logger: logger})
	if err != nil {
		return nil, errors.Join(err, a.Store.Close())
	}
	logger.Debug("audit log open", slog.String("verifier_key", a.Audit.VerifierKey()))
	if !cfg.NoCheckpoints {
		every := cfg.CheckpointEvery
		if every <= 0 {
			every = time.Minute
		}
		// The ticker outlives ctx's cancellation only until Close, so
		// that the last checkpoint is written with the store still open.
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		tick := time.NewTicker(every)
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.Audit.Run(rctx, tick.C)
		}()
		a.stopCheckpoints = func() {
			tick.Stop()
			cancel()
			<-done
		}
	}
	return a, nil
}
