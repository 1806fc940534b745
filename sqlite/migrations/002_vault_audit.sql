-- 002: the vault's wrapped data keys, reporters' blind-index tags and the
-- audit log (packages vault and auditlog; see docs/security.md).
--
-- data_keys holds data keys wrapped under the master key, which never
-- enters the database. Times are microseconds since the Unix epoch, UTC.
CREATE TABLE data_keys (
	id      BLOB    PRIMARY KEY,  -- 8 random bytes
	purpose INTEGER NOT NULL,     -- 1 seal, 2 index
	created INTEGER NOT NULL,
	wrapped BLOB    NOT NULL
);

-- reporter_tags holds truncated HMACs of each referral's reporter
-- identifiers, never the identifiers.
CREATE TABLE reporter_tags (
	referral_id TEXT NOT NULL,
	kind        TEXT NOT NULL,
	tag         BLOB NOT NULL,
	PRIMARY KEY (referral_id, kind, tag)
) WITHOUT ROWID;
CREATE INDEX reporter_tags_tag ON reporter_tags (kind, tag, referral_id);

-- The audit log: entries by index, the Merkle tree's stored hashes by
-- stored-hash index (golang.org/x/mod/sumdb/tlog), signed checkpoints.
CREATE TABLE audit_entries (
	n    INTEGER PRIMARY KEY,
	data BLOB    NOT NULL
);
CREATE TABLE audit_hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB    NOT NULL
);
CREATE TABLE audit_checkpoints (
	id   INTEGER PRIMARY KEY AUTOINCREMENT,
	size INTEGER NOT NULL,
	note BLOB    NOT NULL
);

-- Append-only by default: an accident or a careless UPDATE fails here. A
-- determined insider can drop these triggers; Verify catches what follows.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
CREATE TRIGGER audit_hashes_no_update BEFORE UPDATE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit_hashes is append-only'); END;
CREATE TRIGGER audit_hashes_no_delete BEFORE DELETE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit_hashes is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
