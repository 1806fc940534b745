-- 009: what operators and witnesses need (issue 20).
--
-- cases_rank_seq finds, per safety level, the oldest referral the triage
-- service has not finished (seq above the last final assessment), so that
-- a metrics scrape reads a few index entries, not the table.
CREATE INDEX cases_rank_seq ON cases (safety_rank, seq);

-- audit_cosignatures keeps the cosignatures witnesses returned (C2SP
-- tlog-cosignature, Ed25519 cosignature/v1): the checkpoint's size, the
-- witness's key name and the cosigned checkpoint note, exactly as signed. Append-only like the log.
CREATE TABLE audit_cosignatures (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	size      INTEGER NOT NULL,
	witness   TEXT    NOT NULL,
	note      BLOB    NOT NULL,
	created   INTEGER NOT NULL
);
CREATE INDEX audit_cosignatures_size ON audit_cosignatures (size);
CREATE TRIGGER audit_cosignatures_no_update BEFORE UPDATE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_delete BEFORE DELETE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
