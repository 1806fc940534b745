-- 005: kinds of assessment. Every referral's safety part is stored in the
-- same transaction as the referral (kind 'safety'); the triage service adds
-- the campaign part ('campaign'), a 'provisional' one while it reloads its
-- history after a restart, or a 'failure' record saying why it could not.
-- Rows stored before this migration are campaign assessments. The service
-- resumes after the highest seq of a final ('campaign' or 'failure') row,
-- which the partial index finds without reading the safety rows of a
-- backlog.
ALTER TABLE assessments ADD COLUMN kind text NOT NULL DEFAULT 'campaign'
	CHECK (kind IN ('safety', 'provisional', 'campaign', 'failure'));
CREATE INDEX assessments_final_seq ON assessments (seq) WHERE kind IN ('campaign', 'failure');
