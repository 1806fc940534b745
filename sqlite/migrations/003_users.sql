-- 003: users, their sessions and API tokens (packages auth and httpapi).
--
-- Only hashes of credentials are kept: Argon2id PHC strings for passwords,
-- SHA-256 digests for session ids and API tokens. Times are microseconds
-- since the Unix epoch, UTC.
CREATE TABLE users (
	id             INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
	name           TEXT    NOT NULL UNIQUE,
	role           TEXT    NOT NULL,
	password_hash  TEXT    NOT NULL DEFAULT '',
	totp_secret    TEXT    NOT NULL DEFAULT '',
	totp_confirmed INTEGER NOT NULL DEFAULT 0,
	totp_last_step INTEGER NOT NULL DEFAULT 0,
	disabled       INTEGER NOT NULL DEFAULT 0,
	created        INTEGER NOT NULL,
	created_by     TEXT    NOT NULL
);

CREATE TABLE sessions (
	digest        BLOB    PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users (id),
	created       INTEGER NOT NULL,
	last_seen     INTEGER NOT NULL,
	second_factor INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	digest     BLOB    NOT NULL UNIQUE,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	label      TEXT    NOT NULL,
	created    INTEGER NOT NULL,
	created_by TEXT    NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
