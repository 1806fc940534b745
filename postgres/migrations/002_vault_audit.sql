-- 002: the vault's wrapped data keys, reporters' blind-index tags and the
-- audit log (packages vault and auditlog; see docs/security.md).
--
-- data_keys holds data keys wrapped under the master key, which never
-- enters the database.
CREATE TABLE data_keys (
	id      bytea       PRIMARY KEY,  -- 8 random bytes
	purpose smallint    NOT NULL,     -- 1 seal, 2 index
	created timestamptz NOT NULL,
	wrapped bytea       NOT NULL
);

-- reporter_tags holds truncated HMACs of each referral's reporter
-- identifiers, never the identifiers.
CREATE TABLE reporter_tags (
	referral_id text  NOT NULL,
	kind        text  NOT NULL,
	tag         bytea NOT NULL,
	PRIMARY KEY (referral_id, kind, tag)
);
CREATE INDEX reporter_tags_tag ON reporter_tags (kind, tag, referral_id);

-- The audit log: entries by index, the Merkle tree's stored hashes by
-- stored-hash index (golang.org/x/mod/sumdb/tlog), signed checkpoints.
CREATE TABLE audit_entries (
	n    bigint PRIMARY KEY,
	data bytea  NOT NULL
);
CREATE TABLE audit_hashes (
	idx  bigint PRIMARY KEY,
	hash bytea  NOT NULL
);
CREATE TABLE audit_checkpoints (
	id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	size bigint NOT NULL,
	note bytea  NOT NULL
);

-- Append-only by default: an accident or a careless UPDATE fails here. A
-- determined insider can drop these triggers; Verify catches what follows.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_hashes_append_only BEFORE UPDATE OR DELETE ON audit_hashes
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
