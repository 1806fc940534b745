// Package synth generates the invented data every bonafide figure is
// measured on: person records for the record-linkage benchmarks
// ([PeopleCSV]) and, with [Generate], a stream of referrals, public posts,
// forum posts and outcomes in the interchange format, version 1
// (shared/spec/interchange.md), with a truth file ([Truth], read back with
// [ReadTruth]) saying who really made each referral, which family it is
// about and whether it belongs to a harassment campaign.
//
// # What the stream holds
//
// Ordinary families get genuine referrals: one-off concerns from schools,
// health visitors, GPs and police (who refer many families each, as in
// life), relatives and neighbours (named or anonymous, some vague about how
// they know), domestic abuse call-outs, and families referred again and
// again over months for neglect by the same school and health visitor: the
// genuine case most like a campaign. A child hurt on a live stream brings a
// burst of reports from strangers within hours (knowledge basis
// online_content): the genuine burst most like a pile-on.
//
// A few per cent of families post publicly (influencers, vloggers, a
// presenter, a local councillor; all invented; mostly mothers, some
// fathers), with posts whose media
// notes show party photos, bath time, a messy kitchen, a trampoline, wine
// at a barbecue, pregnancy and birth announcements. About one in 800
// families is the target of a campaign of one to five trolls: reports hours
// after posts with claims twisted from them ("drunk while pregnant" from the
// barbecue), in the weeks after a birth announcement, or invented; fake
// names or none; devices reused and addresses in one /24; throwaway e-mails
// in small variations; a phone now and then; some claiming to be
// neighbours (first_hand, with no first-hand detail); forum posts before
// ("I'm ringing them tomorrow") and after ("reported her again lol"); the
// same call relayed a day or two later by the National Child Protection
// Helpline, lightly edited; outcomes weeks later found unfounded or
// malicious. Each troll writes in their own style (shouting, punctuation,
// pet phrases, their own misspellings) and sometimes copies another's
// sentence; a few pose as nurses or teachers. Some trolls harass two
// families, with the same devices and habits in both. Genuine followers
// report injuries they see in posts, in good faith, hours after them.
// Targeted families still get genuine referrals, and public
// families no campaign targets still have gossip threads. A rarer feud
// (a neighbour or relative reporting again and again with invented
// first-hand detail) targets an ordinary family.
//
// Everything is typed as strangers type: nicknames, misspellings, given and
// family names swapped, partial or wrong dates of birth, postcode variants,
// missing fields, NHS numbers one digit off. Professionals are the most
// accurate; trolls know the children by the nicknames in posts. About 1% of
// referrals claim immediate danger, in both groups.
//
// The rates are configurable in [Config]; with the defaults a run has about
// 330 referrals per 1,000 families over two years, 5-7% of them from
// campaigns. [Stats] counts each scenario kind (the Kind constants).
//
// # Determinism and memory
//
// Every value is drawn from a random stream named by the seed, a label and
// an index (a family, a block of rows), never from a shared sequence, so the
// same seed always gives the same bytes, each family can be made alone and
// in parallel, and chunking never changes the output. Rare roles (campaign
// targets, feuds) are spread evenly over family numbers, so small runs get
// their share. Ids are internal numbers passed through a keyed 48-bit
// permutation: unique, and telling nothing about family or campaign.
//
// Generate holds one chunk of families at a time; each chunk's events are
// sorted by time and spilled to an unlinked temporary file, and the runs
// are merged with a heap (in passes of at most 64 when there are more), so
// memory does not grow with the number of families. No record refers to
// a later one: relays and outcomes name referrals already written.
//
// # Invented people
//
// Names are drawn at random from lists of common UK first names and
// surnames written for this package, with their nicknames and spelling
// variants; towns, streets, postcode areas, platforms, forums and e-mail
// providers are invented, and URLs use the .example domain. NHS numbers
// pass Modulus 11 but lie in the 999 range the NHS keeps for testing.
package synth
