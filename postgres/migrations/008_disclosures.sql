-- 008: lawful disclosure to the police and subject access requests
-- (package disclosure). A request is kept as one JSON document with the
-- columns its worklists filter on; its version guards against two people
-- deciding on the same copy. A released request's package (JSON, PDF and
-- the signed note over the JSON's hash) is kept beside it, and each
-- referral whose reporter was disclosed is marked, in the release's own
-- transaction.
CREATE TABLE disclosures (
	id           text PRIMARY KEY,
	state        text NOT NULL,
	requested_by text NOT NULL,
	filed        timestamptz NOT NULL,
	updated      timestamptz NOT NULL,
	version      integer NOT NULL,
	body         jsonb NOT NULL
);
CREATE INDEX disclosures_filed ON disclosures (filed);
CREATE TABLE disclosure_packages (
	disclosure_id text PRIMARY KEY REFERENCES disclosures (id),
	created       timestamptz NOT NULL,
	expires       timestamptz NOT NULL,
	liaison       text NOT NULL,
	sha256        text NOT NULL,
	json          bytea NOT NULL,
	pdf           bytea NOT NULL,
	signature     bytea NOT NULL
);
CREATE TABLE disclosed_referrals (
	referral_id   text NOT NULL,
	disclosure_id text NOT NULL REFERENCES disclosures (id),
	at            timestamptz NOT NULL,
	PRIMARY KEY (referral_id, disclosure_id)
);
CREATE TABLE sars (
	id      text PRIMARY KEY,
	state   text NOT NULL,
	opened  timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	version integer NOT NULL,
	body    jsonb NOT NULL,
	bundle  bytea
);
CREATE INDEX sars_opened ON sars (opened);
