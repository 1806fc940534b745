-- 001: records in arrival order, reporters kept apart.
--
-- records.seq is the store's sequence number (the rowid, so it rises in
-- commit order: writes are serialised). Times are microseconds since the Unix
-- epoch, UTC. body is the record's interchange JSON without its reporter.
CREATE TABLE records (
	seq         INTEGER PRIMARY KEY,
	type        TEXT    NOT NULL CHECK (type IN ('referral', 'public_post', 'forum_post', 'outcome')),
	stored_at   INTEGER NOT NULL,
	record_time INTEGER NOT NULL,
	referral_id TEXT,    -- the referral's own id; NULL for other types
	outcome_of  TEXT,    -- an outcome's referral_id; NULL for other types
	body        TEXT    NOT NULL
);
CREATE UNIQUE INDEX records_referral_id ON records (referral_id);
CREATE INDEX records_outcome_of ON records (outcome_of) WHERE outcome_of IS NOT NULL;
CREATE INDEX records_record_time ON records (record_time);
CREATE INDEX records_type ON records (type, seq);

-- reporters holds each referral's reporter JSON, sealed when the store has a
-- Sealer, keyed by the referral's seq.
CREATE TABLE reporters (
	seq    INTEGER PRIMARY KEY REFERENCES records (seq),
	sealed BLOB    NOT NULL
);
