-- 010: evidence bundles a family gave the agency (package locker; POST
-- /api/v1/families/{family}/evidence): the verified bundle's hash and
-- signer, who took it in and when, and its dossier PDF, attached to the
-- family's case. The posts it carried are records like any other.
CREATE TABLE family_evidence (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	family         TEXT    NOT NULL,
	received_at    INTEGER NOT NULL,
	who            TEXT    NOT NULL,
	bundle_sha256  TEXT    NOT NULL,
	verifier_key   TEXT    NOT NULL,
	exhibits       INTEGER NOT NULL,
	dossier        BLOB,
	dossier_sha256 TEXT    NOT NULL
);
CREATE UNIQUE INDEX family_evidence_bundle ON family_evidence (family, bundle_sha256);
