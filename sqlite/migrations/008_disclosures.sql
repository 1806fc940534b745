-- 008: lawful disclosure to the police and subject access requests
-- (package disclosure). A request is kept as one JSON document with the
-- columns its worklists filter on; its version guards against two people
-- deciding on the same copy. A released request's package (JSON, PDF and
-- the signed note over the JSON's hash) is kept beside it, and each
-- referral whose reporter was disclosed is marked, in the release's own
-- transaction.
CREATE TABLE disclosures (
	id           TEXT    PRIMARY KEY,
	state        TEXT    NOT NULL,
	requested_by TEXT    NOT NULL,
	filed        INTEGER NOT NULL,
	updated      INTEGER NOT NULL,
	version      INTEGER NOT NULL,
	body         TEXT    NOT NULL
);
CREATE INDEX disclosures_filed ON disclosures (filed);
CREATE TABLE disclosure_packages (
	disclosure_id TEXT    PRIMARY KEY REFERENCES disclosures (id),
	created       INTEGER NOT NULL,
	expires       INTEGER NOT NULL,
	liaison       TEXT    NOT NULL,
	sha256        TEXT    NOT NULL,
	json          BLOB    NOT NULL,
	pdf           BLOB    NOT NULL,
	signature     BLOB    NOT NULL
);
CREATE TABLE disclosed_referrals (
	referral_id   TEXT    NOT NULL,
	disclosure_id TEXT    NOT NULL REFERENCES disclosures (id),
	at            INTEGER NOT NULL,
	PRIMARY KEY (referral_id, disclosure_id)
);
CREATE TABLE sars (
	id      TEXT    PRIMARY KEY,
	state   TEXT    NOT NULL,
	opened  INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	version INTEGER NOT NULL,
	body    TEXT    NOT NULL,
	bundle  BLOB
);
CREATE INDEX sars_opened ON sars (opened);
