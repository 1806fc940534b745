-- 003: users, their sessions and API tokens (packages auth and httpapi).
--
-- Only hashes of credentials are kept: Argon2id PHC strings for passwords,
-- SHA-256 digests for session ids and API tokens.
CREATE TABLE users (
	id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name           text        NOT NULL UNIQUE,
	role           text        NOT NULL,
	password_hash  text        NOT NULL DEFAULT '',
	totp_secret    text        NOT NULL DEFAULT '',
	totp_confirmed boolean     NOT NULL DEFAULT false,
	totp_last_step bigint      NOT NULL DEFAULT 0,
	disabled       boolean     NOT NULL DEFAULT false,
	created        timestamptz NOT NULL,
	created_by     text        NOT NULL
);

CREATE TABLE sessions (
	digest        bytea       PRIMARY KEY,
	user_id       bigint      NOT NULL REFERENCES users (id),
	created       timestamptz NOT NULL,
	last_seen     timestamptz NOT NULL,
	second_factor boolean     NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	digest     bytea       NOT NULL UNIQUE,
	user_id    bigint      NOT NULL REFERENCES users (id),
	label      text        NOT NULL,
	created    timestamptz NOT NULL,
	created_by text        NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
