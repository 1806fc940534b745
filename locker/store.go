package locker

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // the locker's embedded store

	"bonafide"
	"bonafide/auditlog"
	"bonafide/report"
)

const schema = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE items (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, body BLOB NOT NULL);
CREATE TABLE parts (item TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (item, n));
CREATE TABLE custody_entries (n INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE custody_hashes (i INTEGER PRIMARY KEY, h BLOB NOT NULL);
CREATE TABLE custody_checkpoints (id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL, note BLOB NOT NULL);
`

// passCheck is sealed at creation: opening it is how a passphrase is
// known to be right before anything else is read.
const passCheck = "bonafide locker v1"

// ErrWrongPassphrase is returned by Open when the passphrase does not open
// the locker. Nothing is read or changed.
var ErrWrongPassphrase = bonafide.Errorf(bonafide.EUnauthorized, "wrong passphrase: this locker does not open with it")

// Config tunes a Locker. The zero value is usable.
type Config struct {
	// KDF is the key derivation for a new locker; DefaultKDF if zero. An
	// existing locker uses the parameters stored in it.
	KDF KDFParams
	// TSA is the RFC 3161 time-stamping authority's URL; empty means
	// offline (items are stored without a token).
	TSA string
	// Client sends time-stamp requests; a client with a 30-second
	// timeout if nil.
	Client HTTPDoer
	// Now stamps items and custody entries; time.Now if nil.
	Now func() time.Time
	// PDF is the embedded-font renderer the dossier falls back to when it
	// holds characters outside Helvetica's Windows-1252 (the agency's
	// letters use the same: DejaVu Sans, casework.NewLetterhead). Nil:
	// such characters print as "?".
	PDF *report.Renderer
}

// Locker is a family's evidence locker: items with their parts, each part
// hashed, each item time-stamped and entered in a custody log, all held in
// one SQLite file encrypted under a key derived from the family's
// passphrase.
type Locker struct {
	db      *sql.DB
	seal    *sealer
	cfg     Config
	now     func() time.Time
	custody *auditlog.Log
	cstore  *custodyStorage
	mu      sync.Mutex // serialises item writes with their custody entries
	key     *auditlog.SigningKey
	origin  string
}

// Create makes a new locker file at path, which must not exist, sealed
// under passphrase.
func Create(ctx context.Context, path string, passphrase []byte, cfg Config) (*Locker, error) {
	if len(passphrase) < 8 {
		return nil, bonafide.Errorf(bonafide.EInvalid, "create locker: the passphrase must be at least 8 characters")
	}
	p := cfg.KDF
	if p == (KDFParams{}) {
		p = DefaultKDF
	}
	if err := p.validate(); err != nil {
		return nil, bonafide.Errorf(bonafide.EInvalid, "create locker: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		return nil, bonafide.Errorf(bonafide.EConflict, "create locker: %s already exists", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create locker: %w", err)
	}
	f.Close()
	l, err := create(ctx, path, passphrase, p, cfg)
	if err != nil {
		os.Remove(path)
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		return nil, fmt.Errorf("create locker: %w", err)
	}
	return l, nil
}

func create(ctx context.Context, path string, pass []byte, p KDFParams, cfg Config) (*Locker, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	s, err := deriveSealer(pass, salt, p)
	if err != nil {
		db.Close()
		return nil, err
	}
	_, skey, err := auditlog.GenerateSigningKey("bonafide-locker")
	if err != nil {
		db.Close()
		return nil, err
	}
	defer clear(skey)
	id := make([]byte, 8)
	rand.Read(id)
	origin := "bonafide-locker/" + hex.EncodeToString(id)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, err
	}
	kdf := fmt.Sprintf("argon2id t=%d m=%d p=%d", p.Time, p.Memory, p.Threads)
	for _, kv := range []struct {
		k string
		v []byte
	}{
		{"salt", salt}, {"kdf", []byte(kdf)},
		{"check", s.seal("meta/check", []byte(passCheck))},
		{"signing_key", s.seal("meta/signing_key", skey)},
		{"origin", s.seal("meta/origin", []byte(origin))},
	} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES (?, ?)`, kv.k, kv.v); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return nil, err
	}
	db.Close()
	return Open(ctx, path, pass, cfg)
}

func openDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Open opens the locker at path with passphrase. A wrong passphrase is
// refused with [ErrWrongPassphrase]; a file that is not a locker with an
// error saying so.
func Open(ctx context.Context, path string, passphrase []byte, cfg Config) (*Locker, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, bonafide.Errorf(bonafide.ENotFound, "open locker: %s does not exist (run bonafide locker init)", path)
	}
	db, err := openDB(path)
	if err != nil {
		return nil, fmt.Errorf("open locker: %w", err)
	}
	l, err := open(ctx, db, passphrase, cfg)
	if err != nil {
		db.Close()
		if errors.Is(err, ErrWrongPassphrase) {
			return nil, err
		}
		return nil, fmt.Errorf("open locker %s: %w", path, err)
	}
	return l, nil
}

func open(ctx context.Context, db *sql.DB, pass []byte, cfg Config) (*Locker, error) {
	meta := map[string][]byte{}
	rows, err := db.QueryContext(ctx, `SELECT k, v FROM meta`)
	if err != nil {
		return nil, errors.New("not a bonafide locker")
	}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		meta[k] = v
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, k := range []string{"salt", "kdf", "check", "signing_key", "origin"} {
		if meta[k] == nil {
			return nil, fmt.Errorf("not a bonafide locker: no %s", k)
		}
	}
	var p KDFParams
	if _, err := fmt.Sscanf(string(meta["kdf"]), "argon2id t=%d m=%d p=%d", &p.Time, &p.Memory, &p.Threads); err != nil {
		return nil, fmt.Errorf("stored key derivation %q: %w", meta["kdf"], err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("stored key derivation: %w", err)
	}
	s, err := deriveSealer(pass, meta["salt"], p)
	if err != nil {
		return nil, err
	}
	if got, err := s.open("meta/check", meta["check"]); err != nil || string(got) != passCheck {
		return nil, ErrWrongPassphrase
	}
	skey, err := s.open("meta/signing_key", meta["signing_key"])
	if err != nil {
		return nil, errors.New("the signing key does not decrypt")
	}
	defer clear(skey)
	key, err := auditlog.ParseSigningKey(skey)
	if err != nil {
		return nil, err
	}
	origin, err := s.open("meta/origin", meta["origin"])
	if err != nil {
		return nil, errors.New("the custody origin does not decrypt")
	}
	l := &Locker{db: db, seal: s, cfg: cfg, now: cfg.Now, key: key, origin: string(origin)}
	if l.now == nil {
		l.now = time.Now
	}
	l.cstore = &custodyStorage{l: l}
	l.custody, err = auditlog.New(l.cstore, key, auditlog.Config{Origin: l.origin, Now: l.now})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Close closes the locker's file.
func (l *Locker) Close() error { return l.db.Close() }

// VerifierKey is the public key of the locker's custody log and manifest
// signatures: whoever receives a bundle may be given it separately.
func (l *Locker) VerifierKey() string { return l.key.VerifierKey() }

// Origin is the custody log's checkpoint origin, unique to this locker.
func (l *Locker) Origin() string { return l.origin }

// custodyStorage keeps the custody log in the locker's file, its entries
// and checkpoints sealed; the tree hashes, which are hashes of sealed
// content only, are kept as they are.
type custodyStorage struct{ l *Locker }

var _ auditlog.Storage = (*custodyStorage)(nil)

func (c *custodyStorage) Size(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := c.l.db.QueryRowContext(ctx, `SELECT MAX(n) FROM custody_entries`).Scan(&n); err != nil {
		return 0, err
	}
	if !n.Valid {
		return 0, nil
	}
	return n.Int64 + 1, nil
}

func (c *custodyStorage) Append(ctx context.Context, n int64, entries [][]byte, hashes []tlog.Hash) error {
	tx, err := c.l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var size sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(n) FROM custody_entries`).Scan(&size); err != nil {
		return err
	}
	if cur := size.Int64 + 1; (size.Valid && cur != n) || (!size.Valid && n != 0) {
		return bonafide.Errorf(bonafide.EConflict, "custody log: append at %d, size is %d", n, cur)
	}
	for i, e := range entries {
		k := n + int64(i)
		if _, err := tx.ExecContext(ctx, `INSERT INTO custody_entries (n, data) VALUES (?, ?)`, k, c.l.seal.seal("custody/"+strconv.FormatInt(k, 10), e)); err != nil {
			return err
		}
	}
	base := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO custody_hashes (i, h) VALUES (?, ?)`, base+int64(i), h[:]); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (c *custodyStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		var b []byte
		err := c.l.db.QueryRowContext(ctx, `SELECT h FROM custody_hashes WHERE i = ?`, x).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && len(b) != tlog.HashSize) {
			return nil, bonafide.Errorf(bonafide.ENotFound, "custody log: no stored hash %d", x)
		}
		if err != nil {
			return nil, err
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func (c *custodyStorage) Entries(ctx context.Context, start int64) iter.Seq2[auditlog.StoredEntry, error] {
	return func(yield func(auditlog.StoredEntry, error) bool) {
		rows, err := c.l.db.QueryContext(ctx, `SELECT n, data FROM custody_entries WHERE n >= ? ORDER BY n`, start)
		if err != nil {
			yield(auditlog.StoredEntry{}, err)
			return
		}
		var out []auditlog.StoredEntry
		for rows.Next() {
			var e auditlog.StoredEntry
			var sealed []byte
			if err := rows.Scan(&e.N, &sealed); err != nil {
				rows.Close()
				yield(auditlog.StoredEntry{}, err)
				return
			}
			if e.Data, err = c.l.seal.open("custody/"+strconv.FormatInt(e.N, 10), sealed); err != nil {
				rows.Close()
				yield(auditlog.StoredEntry{}, fmt.Errorf("custody entry %d: %w", e.N, err))
				return
			}
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			yield(auditlog.StoredEntry{}, err)
			return
		}
		for _, e := range out {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (c *custodyStorage) AddCheckpoint(ctx context.Context, size int64, note []byte) (int64, error) {
	tx, err := c.l.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO custody_checkpoints (size, note) VALUES (?, x'')`, size)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE custody_checkpoints SET note = ? WHERE id = ?`, c.l.seal.seal("checkpoint/"+strconv.FormatInt(id, 10), note), id); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func (c *custodyStorage) checkpoints(ctx context.Context, query string, args ...any) ([]auditlog.StoredCheckpoint, error) {
	rows, err := c.l.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auditlog.StoredCheckpoint
	for rows.Next() {
		var sc auditlog.StoredCheckpoint
		var sealed []byte
		if err := rows.Scan(&sc.ID, &sc.Size, &sealed); err != nil {
			return nil, err
		}
		if sc.Note, err = c.l.seal.open("checkpoint/"+strconv.FormatInt(sc.ID, 10), sealed); err != nil {
			return nil, fmt.Errorf("custody checkpoint %d: %w", sc.ID, err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

func (c *custodyStorage) Checkpoints(ctx context.Context) iter.Seq2[auditlog.StoredCheckpoint, error] {
	return func(yield func(auditlog.StoredCheckpoint, error) bool) {
		cps, err := c.checkpoints(ctx, `SELECT id, size, note FROM custody_checkpoints ORDER BY id`)
		if err != nil {
			yield(auditlog.StoredCheckpoint{}, err)
			return
		}
		for _, cp := range cps {
			if !yield(cp, nil) {
				return
			}
		}
	}
}

func (c *custodyStorage) LatestCheckpoint(ctx context.Context) (auditlog.StoredCheckpoint, error) {
	cps, err := c.checkpoints(ctx, `SELECT id, size, note FROM custody_checkpoints ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return auditlog.StoredCheckpoint{}, err
	}
	if len(cps) == 0 {
		return auditlog.StoredCheckpoint{}, bonafide.Errorf(bonafide.ENotFound, "custody log: no checkpoint")
	}
	return cps[0], nil
}

// VerifyCustody checks the locker's own custody log against its hashes and
// signed checkpoints.
func (l *Locker) VerifyCustody(ctx context.Context) error {
	_, err := l.custody.Verify(ctx)
	return err
}

// AddCosignature refuses: a locker's custody log lives on the family's own
// computer and has no witnesses; its bundle carries the locker's signed
// checkpoints and an RFC 3161 token per exhibit instead.
func (c *custodyStorage) AddCosignature(ctx context.Context, size int64, witness string, note []byte) error {
	return bonafide.Errorf(bonafide.EInvalid, "a locker's custody log takes no witness cosignatures")
}

// Cosignatures yields nothing: see AddCosignature.
func (c *custodyStorage) Cosignatures(ctx context.Context) iter.Seq2[auditlog.StoredCosignature, error] {
	return func(func(auditlog.StoredCosignature, error) bool) {}
}
