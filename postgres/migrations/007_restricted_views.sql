-- 007: views of restricted families (package casework): who looked at a
-- restricted family's referral, case or page, when, and whether they were
-- shown its names, listed on the family's page for its team manager. The
-- audit log holds the same views; this table is its index by family.
CREATE TABLE restricted_views (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	family      text NOT NULL,
	referral_id text NOT NULL,
	who         text NOT NULL,
	what        text NOT NULL,
	at          timestamptz NOT NULL,
	names_shown boolean NOT NULL
);
CREATE INDEX restricted_views_family ON restricted_views (family, id);
