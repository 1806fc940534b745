-- 006: the case workflow (package casework). Every referral has a case,
-- opened in the same transaction as the referral: cases holds its folded
-- state for worklists (the front-door queue sorts on safety_rank, then
-- due); case_events every event after the opening, numbered from 2 per
-- case (the opening is the row itself), never changed; notifications the
-- planned, held and sent contacts with agencies; letters the letters
-- rendered, with the SHA-256 of their PDF. Times are microseconds since
-- the Unix epoch, UTC; 0 is none.
CREATE TABLE cases (
	referral_id  TEXT    PRIMARY KEY,
	seq          INTEGER NOT NULL REFERENCES records (seq),
	state        TEXT    NOT NULL,
	safety_level TEXT    NOT NULL,
	safety_rank  INTEGER NOT NULL,
	flagged      INTEGER NOT NULL DEFAULT 0,
	score        REAL    NOT NULL DEFAULT 0,
	family       TEXT    NOT NULL DEFAULT '',
	channel      TEXT    NOT NULL,
	received_at  INTEGER NOT NULL,
	decision_due INTEGER NOT NULL,
	due          INTEGER NOT NULL,
	worker       TEXT    NOT NULL DEFAULT '',
	team         TEXT    NOT NULL DEFAULT '',
	decision     TEXT    NOT NULL DEFAULT '',
	finding      TEXT    NOT NULL DEFAULT '',
	closure      TEXT    NOT NULL DEFAULT '',
	decided      INTEGER NOT NULL DEFAULT 0,
	closed       INTEGER NOT NULL DEFAULT 0,
	events       INTEGER NOT NULL DEFAULT 1,
	restricted   INTEGER NOT NULL DEFAULT 0,
	updated      INTEGER NOT NULL
);
CREATE INDEX cases_queue ON cases (state, safety_rank DESC, due);
-- The front-door queue itself, in its own order: the first page among a
-- million cases reads fifty index entries.
CREATE INDEX cases_awaiting ON cases (safety_rank DESC, due, seq) WHERE state IN ('received', 'reopened');
CREATE INDEX cases_family ON cases (family) WHERE family <> '';
CREATE INDEX cases_worker ON cases (worker, state) WHERE worker <> '';
CREATE INDEX cases_received ON cases (received_at);

CREATE TABLE case_events (
	referral_id TEXT    NOT NULL REFERENCES cases (referral_id),
	n           INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	action      TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	PRIMARY KEY (referral_id, n)
);

CREATE TABLE notifications (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	referral_id   TEXT    NOT NULL REFERENCES cases (referral_id),
	agency        TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	basis         TEXT    NOT NULL,
	status        TEXT    NOT NULL,
	held_reason   TEXT    NOT NULL DEFAULT '',
	planned       INTEGER NOT NULL,
	due           INTEGER NOT NULL,
	sent          INTEGER NOT NULL DEFAULT 0,
	sent_by       TEXT    NOT NULL DEFAULT '',
	retraction_of INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_referral ON notifications (referral_id);

CREATE TABLE letters (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	referral_id TEXT    NOT NULL REFERENCES cases (referral_id),
	kind        TEXT    NOT NULL,
	recipient   TEXT    NOT NULL,
	created     INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	text        TEXT    NOT NULL,
	pdf         BLOB    NOT NULL,
	sha256      TEXT    NOT NULL
);
CREATE INDEX letters_referral ON letters (referral_id);

-- Cases for the referrals stored before this migration: from their
-- latest assessment where they have one (kind order as readers prefer).
INSERT INTO cases (referral_id, seq, state, safety_level, safety_rank, flagged, score, family, channel,
	received_at, decision_due, due, updated)
SELECT r.referral_id, r.seq, 'received', coalesce(a.safety_level, 'standard'),
	CASE coalesce(a.safety_level, 'standard') WHEN 'immediate' THEN 3 WHEN 'high' THEN 2 WHEN 'standard' THEN 1 ELSE 0 END,
	coalesce(a.flagged, 0), coalesce(a.score, 0), coalesce(json_extract(a.output, '$.family'), ''),
	coalesce(json_extract(r.body, '$.channel'), ''), r.record_time, coalesce(a.decision_due, r.record_time),
	coalesce(a.decision_due, r.record_time), r.stored_at
FROM records r
LEFT JOIN assessments a ON a.id = (
	SELECT id FROM assessments x WHERE x.referral_id = r.referral_id
	ORDER BY CASE x.kind WHEN 'safety' THEN 0 WHEN 'provisional' THEN 1 ELSE 2 END DESC, x.id DESC LIMIT 1)
WHERE r.type = 'referral';
