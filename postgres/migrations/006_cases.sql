-- 006: the case workflow (package casework). Every referral has a case,
-- opened in the same transaction as the referral: cases holds its folded
-- state for worklists (the front-door queue sorts on safety_rank, then
-- due); case_events every event after the opening, numbered from 2 per
-- case (the opening is the row itself), never changed; notifications the
-- planned, held and sent contacts with agencies; letters the letters
-- rendered, with the SHA-256 of their PDF. A NULL time is none.
CREATE TABLE cases (
	referral_id  text             PRIMARY KEY,
	seq          bigint           NOT NULL REFERENCES records (seq),
	state        text             NOT NULL,
	safety_level text             NOT NULL,
	safety_rank  integer          NOT NULL,
	flagged      boolean          NOT NULL DEFAULT false,
	score        double precision NOT NULL DEFAULT 0,
	family       text             NOT NULL DEFAULT '',
	channel      text             NOT NULL,
	received_at  timestamptz      NOT NULL,
	decision_due timestamptz      NOT NULL,
	due          timestamptz,
	worker       text             NOT NULL DEFAULT '',
	team         text             NOT NULL DEFAULT '',
	decision     text             NOT NULL DEFAULT '',
	finding      text             NOT NULL DEFAULT '',
	closure      text             NOT NULL DEFAULT '',
	decided      timestamptz,
	closed       timestamptz,
	events       integer          NOT NULL DEFAULT 1,
	restricted   boolean          NOT NULL DEFAULT false,
	updated      timestamptz      NOT NULL
);
CREATE INDEX cases_queue ON cases (state, safety_rank DESC, due);
-- The front-door queue itself, in its own order: the first page among a
-- million cases reads fifty index entries.
CREATE INDEX cases_awaiting ON cases (safety_rank DESC, due, seq) WHERE state IN ('received', 'reopened');
CREATE INDEX cases_family ON cases (family) WHERE family <> '';
CREATE INDEX cases_worker ON cases (worker, state) WHERE worker <> '';
CREATE INDEX cases_received ON cases (received_at);

CREATE TABLE case_events (
	referral_id text        NOT NULL REFERENCES cases (referral_id),
	n           integer     NOT NULL,
	at          timestamptz NOT NULL,
	actor       text        NOT NULL,
	action      text        NOT NULL,
	body        json        NOT NULL,
	PRIMARY KEY (referral_id, n)
);

CREATE TABLE notifications (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	referral_id   text        NOT NULL REFERENCES cases (referral_id),
	agency        text        NOT NULL,
	kind          text        NOT NULL,
	basis         text        NOT NULL,
	status        text        NOT NULL,
	held_reason   text        NOT NULL DEFAULT '',
	planned       timestamptz NOT NULL,
	due           timestamptz,
	sent          timestamptz,
	sent_by       text        NOT NULL DEFAULT '',
	retraction_of bigint      NOT NULL DEFAULT 0
);
CREATE INDEX notifications_referral ON notifications (referral_id);

CREATE TABLE letters (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	referral_id text        NOT NULL REFERENCES cases (referral_id),
	kind        text        NOT NULL,
	recipient   text        NOT NULL,
	created     timestamptz NOT NULL,
	actor       text        NOT NULL,
	text        text        NOT NULL,
	pdf         bytea       NOT NULL,
	sha256      text        NOT NULL
);
CREATE INDEX letters_referral ON letters (referral_id);

-- Cases for the referrals stored before this migration: from their
-- latest assessment where they have one (kind order as readers prefer).
INSERT INTO cases (referral_id, seq, state, safety_level, safety_rank, flagged, score, family, channel,
	received_at, decision_due, due, updated)
SELECT r.referral_id, r.seq, 'received', coalesce(a.safety_level, 'standard'),
	CASE coalesce(a.safety_level, 'standard') WHEN 'immediate' THEN 3 WHEN 'high' THEN 2 WHEN 'standard' THEN 1 ELSE 0 END,
	coalesce(a.flagged, false), coalesce(a.score, 0), coalesce(a.output->>'family', ''),
	coalesce(r.body->>'channel', ''), r.record_time, coalesce(a.decision_due, r.record_time),
	coalesce(a.decision_due, r.record_time), r.stored_at
FROM records r
LEFT JOIN LATERAL (
	SELECT * FROM assessments x WHERE x.referral_id = r.referral_id
	ORDER BY CASE x.kind WHEN 'safety' THEN 0 WHEN 'provisional' THEN 1 ELSE 2 END DESC, x.id DESC LIMIT 1) a ON true
WHERE r.type = 'referral';
