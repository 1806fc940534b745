// Package synth generates the invented data every bonafide figure is
// measured on: person records for the record-linkage benchmarks
// ([PeopleCSV]) and, with [Generate], a stream of referrals, public posts,
// forum posts and outcomes in the interchange format, version 1
// (shared/spec/interchange.md), with a truth file saying which referrals
// belong to harassment campaigns.
//
// # Determinism
//
// Every value is drawn from a random stream named by the seed, a label and
// an index (a family, a block of rows), never from a shared sequence, so the
// same seed always gives the same bytes, and each part can be made alone.
// Ids are the internal numbers passed through a keyed permutation: unique,
// and telling nothing about family or campaign.
//
// # Invented people
//
// Names are drawn at random from lists of common UK first names and
// surnames written for this package; towns, streets, postcode areas,
// platforms, forums and e-mail providers are invented. NHS numbers pass
// Modulus 11 but lie in the 999 range the NHS keeps for testing.
package synth
