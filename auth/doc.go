// Package auth holds the credentials side of access control: password
// hashing, second factors, API tokens, session identifiers and login
// throttling. It stores nothing itself; the store keeps only the hashes it
// produces, so that a stolen database yields no usable password, token or
// session.
//
// # Passwords
//
// Argon2id with the OWASP Password Storage Cheat Sheet's first parameter set
// (m=19 MiB, t=2, p=1), encoded in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so that parameters can be raised
// later and old hashes still verify ([NeedsRehash] says when to re-hash).
//
// # Second factor
//
// TOTP (RFC 6238: SHA-1, 30-second steps, 6 digits, the form every
// authenticator app speaks) through github.com/pquerna/otp, with one step of
// clock skew allowed and replay of a step refused by the caller recording
// the last step used ([CheckTOTP] returns it). The seed cannot be hashed,
// since the server needs it to check a code, so it is sealed instead
// ([SealTOTP], through a [SecretSealer]: the vault) and bound to its user's
// ID and name; [OpenTOTP] opens it only to check a code, and refuses a seed
// stored in the clear ([ErrTOTPUnsealed]).
//
// # Tokens and sessions
//
// API tokens and session identifiers are 256-bit random values shown once;
// only their SHA-256 digests are stored ([HashSecret]), so that a reader of
// the database cannot act as a user.
package auth
