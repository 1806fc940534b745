-- 013: triage checkpoints in segments (package live, sqlstore/checkpoints.go).
-- A checkpoint is a manifest of the parts of the engine's state, and a part
-- unchanged since the last checkpoint is not written again but shared. It
-- replaces 011's single copies, which are dropped: the first start after
-- this migration replays the store once, as after any upgrade.
DROP TABLE triage_checkpoint_chunks;
DROP TABLE triage_checkpoints;
CREATE TABLE triage_segments (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	name   TEXT    NOT NULL,
	size   INTEGER NOT NULL DEFAULT 0,
	chunks INTEGER NOT NULL DEFAULT 0,
	digest BLOB -- SHA-256, set when a checkpoint first holds it; NULL while written
);
CREATE TABLE triage_segment_chunks (
	segment_id INTEGER NOT NULL,
	n          INTEGER NOT NULL,
	data       BLOB    NOT NULL,
	PRIMARY KEY (segment_id, n)
) WITHOUT ROWID;
CREATE TABLE triage_checkpoints (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	seq     INTEGER NOT NULL,
	engine  TEXT    NOT NULL,
	created INTEGER NOT NULL -- Unix microseconds
);
CREATE TABLE triage_checkpoint_segments (
	checkpoint_id INTEGER NOT NULL,
	n             INTEGER NOT NULL, -- its place in the order of reading
	segment_id    INTEGER NOT NULL,
	PRIMARY KEY (checkpoint_id, n)
) WITHOUT ROWID;
CREATE INDEX triage_checkpoint_segments_segment ON triage_checkpoint_segments (segment_id);
