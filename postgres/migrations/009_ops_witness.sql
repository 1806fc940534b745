-- 009: what operators and witnesses need (issue 20).
--
-- cases_rank_seq finds, per safety level, the oldest referral the triage
-- service has not finished (seq above the last final assessment), so that
-- a metrics scrape reads a few index entries, not the table.
CREATE INDEX cases_rank_seq ON cases (safety_rank, seq);

-- audit_cosignatures keeps the cosignatures witnesses returned (C2SP
-- tlog-cosignature, Ed25519 cosignature/v1): the checkpoint's size and
-- root as the witness signed them, the witness's key name and the
-- cosigned checkpoint note, exactly as signed. Append-only like the log.
CREATE TABLE audit_cosignatures (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	size    bigint      NOT NULL,
	witness text        NOT NULL,
	note    bytea       NOT NULL,
	created timestamptz NOT NULL
);
CREATE INDEX audit_cosignatures_size ON audit_cosignatures (size);
CREATE TRIGGER audit_cosignatures_append_only BEFORE UPDATE OR DELETE ON audit_cosignatures
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
