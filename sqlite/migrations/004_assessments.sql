-- 004: triage assessments, stored with their referrals (package triage/live).
--
-- output is the triage output object (interchange JSON) byte for byte; the
-- other columns copy a few of its fields so that worklists can filter and
-- sort without parsing it. seq is the referral's sequence number: the
-- triage service resumes after max(seq). One engine assesses a referral at
-- most once (UNIQUE referral_id, engine); a later engine may add another,
-- and readers take the highest id. Times are microseconds since the Unix
-- epoch, UTC.
CREATE TABLE assessments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	referral_id  TEXT    NOT NULL,
	seq          INTEGER NOT NULL REFERENCES records (seq),
	safety_level TEXT    NOT NULL,
	flagged      INTEGER NOT NULL,
	score        REAL    NOT NULL,
	decision_due INTEGER NOT NULL,
	engine       TEXT    NOT NULL,
	created      INTEGER NOT NULL,
	output       BLOB    NOT NULL,
	UNIQUE (referral_id, engine)
);
CREATE INDEX assessments_seq ON assessments (seq);
CREATE INDEX assessments_due ON assessments (decision_due);
