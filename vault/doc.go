// Package vault seals reporters' identities and indexes them blindly, so that
// the database of a children's services referral system can be stolen
// without revealing who reported whom, while linkage and triage can still
// tell that two referrals came from the same person.
//
// # Envelope encryption
//
// Reporter data is sealed with AES-256-GCM (NIST SP 800-38D) under a data
// key. Data keys are random, stored in the database only wrapped
// (AES-256-GCM again) under a master key that lives outside the database, in
// the file named by BONAFIDE_MASTER_KEY_FILE (mode 0600) or in
// BONAFIDE_MASTER_KEY. A sealed value is
//
//	version (1 byte, = 1) | data key ID (8) | nonce (12) | ciphertext | tag (16)
//
// and its associated data is a fixed label, that header, and the caller's
// aad — for reporters, [ReporterAAD] of the referral ID — so a sealed value
// cannot be moved to another referral, nor its header edited. A wrapped key
// is
//
//	version (1 byte, = 1) | master key ID (8) | nonce (12) | key (32) | tag (16)
//
// with the data key's ID and [Purpose] bound in as associated data.
//
// # Credential secrets
//
// [Vault.SealSecret] seals, in the same envelope, secrets the server must
// read back to check something — a user's TOTP seed — with associated data
// that starts with a label of its own in place of the reporters' (so a
// sealed reporter never opens as a secret, nor the reverse, whatever a
// referral's ID) and binds the secret's purpose and subject (the user's ID
// and name), so that it cannot be moved to another user's row.
//
// # Rotation
//
// [Rotate] re-wraps every data key under a new master key; sealed data is
// untouched, running servers keep their unwrapped keys, and a master key
// file may list the old key after the new one while the change rolls out, so
// nothing stops. [Vault.NewSealKey] starts a new data key, bounding how much
// data any one key protects.
//
// # Blind indexes
//
// [Vault.Tags] computes, for each identifier a reporter gave (e-mail, phone,
// device ID, IP address and its network, name with postcode), a truncated
// HMAC-SHA256 of its normalised form under a per-kind key derived with HKDF
// (RFC 5869) from an index key stored wrapped like the data keys. Equal
// identifiers give equal tags; nothing else is learnt without the key.
// [Sharing] finds referrals whose reporters share a tag, through a
// [TagIndex], without decrypting. docs/security.md discusses what the tags
// leak.
//
// # Storage
//
// The vault needs a [KeyStore] for wrapped keys and a [TagIndex] for tags;
// [MemoryKeyStore] and [MemoryTagIndex] keep them in memory, and
// [vaulttest.RunKeyStore] and [vaulttest.RunTagIndex] check other implementations.
//
// Nothing in this package logs, and no error it returns contains plaintext
// or key material.
package vault
