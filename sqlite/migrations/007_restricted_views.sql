-- 007: views of restricted families (package casework): who looked at a
-- restricted family's referral, case or page, when, and whether they were
-- shown its names, listed on the family's page for its team manager. The
-- audit log holds the same views; this table is its index by family.
CREATE TABLE restricted_views (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	family      TEXT    NOT NULL,
	referral_id TEXT    NOT NULL,
	who         TEXT    NOT NULL,
	what        TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	names_shown INTEGER NOT NULL
);
CREATE INDEX restricted_views_family ON restricted_views (family, id);
