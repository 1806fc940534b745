// Package auditlog keeps a tamper-evident record of who did what, to which
// object, when and why: an append-only Merkle tree log in the manner of
// RFC 6962 and RFC 9162 (Certificate Transparency), built on
// golang.org/x/mod/sumdb/tlog for hashing, stored hashes and proofs, with
// checkpoints signed as notes (golang.org/x/mod/sumdb/note, Ed25519).
//
// # Entries and the tree
//
// [Log.Append] encodes an [Entry] canonically ([MarshalEntry]), and stores
// it with the tree hashes tlog.StoredHashes gives for it, in one storage
// transaction. The entry records its own index, so an entry moved to
// another index is told apart from an edited one.
//
// # Checkpoints
//
// A [Checkpoint] is the tree's size and root hash, signed, in the C2SP
// tlog-checkpoint layout with a time line. The server writes one at least
// every minute ([Log.Run] with a time.Ticker) and on demand
// ([Log.WriteCheckpoint]); before signing it proves the tree consistent
// with the last checkpoint, so a rewritten log is never signed.
// [Log.Checkpoint] returns the latest as text for an information-governance
// team to keep elsewhere, together with [Log.VerifierKey].
//
// # Verification and proofs
//
// [Log.Verify] rebuilds the tree from the stored entries alone and checks
// it against the stored hashes and every stored checkpoint; a [VerifyError]
// lists each [Problem] precisely (entry N edited, missing or moved; a
// stored hash altered; a checkpoint's signature bad or its root mismatched
// at size S). [Log.Prove] and [Log.ProveConsistency] give proofs that
// anyone holding a checkpoint and the verifier key can check with
// [CheckInclusion] and [CheckConsistency], without trusting the system.
// [Log.Bundle] puts one entry, its inclusion proof and the checkpoint in a
// [ProofBundle], a text file a third party checks with [ProofBundle.Check]
// (`bonafide audit prove` and `check-proof`).
//
// # What it does not protect against
//
// Someone who holds the signing key and the database can rewrite history
// and re-sign it; the defence is the copies of checkpoints kept outside the
// system, which [Log.VerifyWith] checks too (see docs/security.md). So is
// deleting the newest entries with their hashes and the checkpoints that
// covered them: the stored evidence stays consistent, and only an outside
// copy shows the loss.
//
// # Witnesses
//
// A [Witness], run by someone outside the system, checks each new
// checkpoint against the last one it accepted with a consistency proof
// ([Log.WitnessRequest], the body of a C2SP tlog-witness add-checkpoint
// call) and cosigns it in the C2SP tlog-cosignature format (Ed25519,
// cosignature/v1; [WitnessKey], [NewWitnessVerifier]); it refuses a log
// that shrank or was rewritten ([WitnessError]). The server keeps the
// cosignatures ([Log.AddCosignature]). [Log.VerifyAll] requires the stored
// checkpoints to be contiguous, checks every cosignature and a witness's
// state against the entries, and runs with [NewVerifierKey], the public
// key alone. See docs/operations.md.
//
// # Storage
//
// A [Storage] keeps entries, hashes and checkpoints; [MemoryStorage] keeps
// them in memory, and [auditlogtest.RunStorage] checks other implementations, tampering
// with them through [Tamperer].
//
// Entries must never contain reporter data: name the referral, not the
// person.
package auditlog
