// Package live runs the triage engine beside an intake server, so that
// every referral stored, by whatever path, gets its assessment stored with
// it: judged once, in order of receipt, on what was known at its
// received_at, and by the same [triage.Engine] as `bonafide triage`, so
// that the stored assessment is the one the command gives for the same
// stream.
//
// # How it cannot miss or repeat a referral
//
// The engine is fed only by [Service.CatchUp], under a mutex, which
// [Service.Run] calls from one goroutine after every wake-up and
// `bonafide triage --db` calls once. It reads the store in sequence
// order (bonafide.Store.Records after the last sequence number it has
// seen) and observes every record exactly once. Both stores number records
// in commit order, so a record that commits later never has a lower
// sequence number than one already read: tailing by sequence number sees
// every record, whichever path stored it (a referral posted to the API, a
// bulk import through the API or the command line, another server on the
// same PostgreSQL database).
//
// On start it restores the engine's memory (families, reporters, posts)
// from the checkpoint stored beside the assessments, when there is one
// its engine could have written (checkpoint.go), and replays only the
// records after it; otherwise it replays the whole store into a fresh
// engine. Checkpoints are written as assessments are stored, every
// Options.Checkpoint records, and at a clean stop. Referrals at or below the store's [bonafide.AssessmentStore.LastAssessedSeq]
// were assessed before and are observed without storing anything; those
// after it are stored. Assessments are stored in sequence order, a page
// at a time, all or none, and a page that fails to store is retried
// before the engine observes anything further, so that the last assessed
// sequence number is always an exact resume point. PutAssessments skips
// a referral the same engine has assessed already, so a retry after a
// commit whose answer was lost, or a second server, stores nothing twice.
//
// [Service.Notify] wakes the goroutine after a write (the API calls it
// after every POST of a referral or an import); it also polls every
// [Options.Poll] for records stored by other processes.
// [Service.Wait] blocks until a given sequence number has been triaged and
// its assessment stored.
//
// # Engine versions
//
// Each stored assessment names its engine ([Version]): a digest of the
// triage settings (model weights, threshold, windows) and, when the binary
// records it, the source revision. A new model does not re-assess history:
// what a social worker saw stays what is stored.
package live
