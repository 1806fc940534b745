-- 013: triage checkpoints in segments (package live, sqlstore/checkpoints.go).
-- A checkpoint is a manifest of the parts of the engine's state, and a part
-- unchanged since the last checkpoint is not written again but shared. It
-- replaces 011's single copies, which are dropped: the first start after
-- this migration replays the store once, as after any upgrade. Times are
-- Unix microseconds, as SQLite's, since the two stores share the SQL.
DROP TABLE triage_checkpoint_chunks;
DROP TABLE triage_checkpoints;
CREATE TABLE triage_segments (
	id     bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name   text    NOT NULL,
	size   bigint  NOT NULL DEFAULT 0,
	chunks integer NOT NULL DEFAULT 0,
	digest bytea -- SHA-256, set when a checkpoint first holds it; NULL while written
);
CREATE TABLE triage_segment_chunks (
	segment_id bigint  NOT NULL,
	n          integer NOT NULL,
	data       bytea   NOT NULL,
	PRIMARY KEY (segment_id, n)
);
ALTER TABLE triage_segment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE triage_checkpoints (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	seq     bigint NOT NULL,
	engine  text   NOT NULL,
	created bigint NOT NULL
);
CREATE TABLE triage_checkpoint_segments (
	checkpoint_id bigint  NOT NULL,
	n             integer NOT NULL,
	segment_id    bigint  NOT NULL,
	PRIMARY KEY (checkpoint_id, n)
);
CREATE INDEX triage_checkpoint_segments_segment ON triage_checkpoint_segments (segment_id);
