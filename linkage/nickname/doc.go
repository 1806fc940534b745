// Package nickname knows which given names can stand for one another: the
// nicknames, short forms and spellings that a stranger on the phone uses for
// a child or parent whose records carry the full name (Lottie for Charlotte,
// Bill for William, Mohamed for Muhammad).
//
// Record linkage compares given names at several levels; a "nickname" level
// between exact agreement and fuzzy string similarity recovers true matches
// that string distance misses entirely (Peggy and Margaret share no letters
// in order) without the false matches a loose string threshold would bring.
//
// # Table
//
// The table is data, embedded from names.txt: one group per line, the group
// key first, then the names that may be typed for it. It covers common UK
// names across English, Scottish, Irish, Welsh, South Asian, Arabic, Polish
// and other communities, several hundred groups. A name can belong to several
// groups (Alex is in alexander and alexandra). Two names are related when they
// share a group; relation does not chain from group to group, so Alex relates
// to Sandy through alexander but Sandy does not thereby relate to Sandra's
// other friends.
//
// # Lookup
//
// Lookups are case-insensitive, ignore surrounding spaces and fold the common
// Latin accents (Zoë is zoe). They do not allocate: callers run them on every
// candidate pair. Callers should still pass names through the normaliser they
// use for comparison, and split double-barrelled or multi-word given names
// into words first.
package nickname
