-- 011: checkpoints of the triage engine's memory (package live), so that a
-- restart restores the engine and replays only what was stored after seq.
-- A checkpoint is written in chunks, each in its own transaction, and
-- counts once complete = 1; completing one deletes every other.
CREATE TABLE triage_checkpoints (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	seq      INTEGER NOT NULL,
	engine   TEXT    NOT NULL,
	size     INTEGER NOT NULL DEFAULT 0,
	chunks   INTEGER NOT NULL DEFAULT 0,
	complete INTEGER NOT NULL DEFAULT 0,
	created  INTEGER NOT NULL
);
CREATE TABLE triage_checkpoint_chunks (
	checkpoint_id INTEGER NOT NULL,
	n             INTEGER NOT NULL,
	data          BLOB    NOT NULL,
	PRIMARY KEY (checkpoint_id, n)
) WITHOUT ROWID;
