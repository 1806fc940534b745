-- 004: triage assessments, stored with their referrals (package triage/live).
--
-- output is the triage output object (interchange JSON; json, not jsonb:
-- kept byte for byte); the other columns copy a few of its fields so that
-- worklists can filter and sort without parsing it. seq is the referral's
-- sequence number: the triage service resumes after max(seq). One engine
-- assesses a referral at most once (UNIQUE referral_id, engine); a later
-- engine may add another, and readers take the highest id.
CREATE TABLE assessments (
	id           bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	referral_id  text             NOT NULL,
	seq          bigint           NOT NULL REFERENCES records (seq),
	safety_level text             NOT NULL,
	flagged      boolean          NOT NULL,
	score        double precision NOT NULL,
	decision_due timestamptz      NOT NULL,
	engine       text             NOT NULL,
	created      timestamptz      NOT NULL,
	output       json             NOT NULL,
	UNIQUE (referral_id, engine)
);
CREATE INDEX assessments_seq ON assessments (seq);
CREATE INDEX assessments_due ON assessments (decision_due);
