-- 001: records in arrival order, reporters kept apart.
--
-- records.seq is the store's sequence number. Writers take an EXCLUSIVE
-- lock on records and number from max(seq), so that sequence order is commit
-- order and a rolled-back import leaves no gap. body is the record's
-- interchange JSON without its reporter (json, not jsonb: kept as written).
CREATE TABLE records (
	seq         bigint      PRIMARY KEY,
	type        text        NOT NULL CHECK (type IN ('referral', 'public_post', 'forum_post', 'outcome')),
	stored_at   timestamptz NOT NULL,
	record_time timestamptz NOT NULL,
	referral_id text,       -- the referral's own id; NULL for other types
	outcome_of  text,       -- an outcome's referral_id; NULL for other types
	body        json        NOT NULL
);
CREATE UNIQUE INDEX records_referral_id ON records (referral_id);
CREATE INDEX records_outcome_of ON records (outcome_of) WHERE outcome_of IS NOT NULL;
CREATE INDEX records_record_time ON records (record_time);
CREATE INDEX records_type ON records (type, seq);

-- reporters holds each referral's reporter JSON, sealed when the store has a
-- Sealer, keyed by the referral's seq.
CREATE TABLE reporters (
	seq    bigint PRIMARY KEY REFERENCES records (seq),
	sealed bytea  NOT NULL
);
