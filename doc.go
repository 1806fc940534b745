// Package bonafide holds the domain of referral intake and triage: the records
// that arrive (referrals, public posts, forum posts, outcomes), the errors that
// describe bad input, and the Store interface every storage back-end meets.
//
// It depends on the standard library only, so that storage, linkage, triage and
// HTTP can all stand on it without standing on each other.
//
// # Records
//
// The four record types mirror the interchange format, version 1
// (shared/spec/interchange.md). Every struct keeps the fields it does not know in
// an [Extra] map so that a record read from a newer sender is written back out
// unchanged.
//
// # Reporter data
//
// Everything in [Reporter] is sealed on arrival. Reporter implements
// [log/slog.LogValuer] with a redaction, so that logging a referral cannot leak
// who made it.
package bonafide
