-- 010: evidence bundles a family gave the agency (package locker; POST
-- /api/v1/families/{family}/evidence): the verified bundle's hash and
-- signer, who took it in and when, and its dossier PDF, attached to the
-- family's case. The posts it carried are records like any other.
CREATE TABLE family_evidence (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	family         text        NOT NULL,
	received_at    timestamptz NOT NULL,
	who            text        NOT NULL,
	bundle_sha256  text        NOT NULL,
	verifier_key   text        NOT NULL,
	exhibits       integer     NOT NULL,
	dossier        bytea,
	dossier_sha256 text        NOT NULL
);
CREATE UNIQUE INDEX family_evidence_bundle ON family_evidence (family, bundle_sha256);
