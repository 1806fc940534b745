-- 011: checkpoints of the triage engine's memory (package live), so that a
-- restart restores the engine and replays only what was stored after seq.
-- A checkpoint is written in chunks, each in its own transaction, and
-- counts once complete; completing one deletes every other.
CREATE TABLE triage_checkpoints (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	seq      bigint      NOT NULL,
	engine   text        NOT NULL,
	size     bigint      NOT NULL DEFAULT 0,
	chunks   integer     NOT NULL DEFAULT 0,
	complete boolean     NOT NULL DEFAULT false,
	created  timestamptz NOT NULL
);
CREATE TABLE triage_checkpoint_chunks (
	checkpoint_id bigint  NOT NULL,
	n             integer NOT NULL,
	data          bytea   NOT NULL,
	PRIMARY KEY (checkpoint_id, n)
);
ALTER TABLE triage_checkpoint_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
