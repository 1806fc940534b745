// Package linkage links person records that describe the same person, so that a new
// referral can be joined to the family and the earlier reporters it belongs to.
//
// It implements the Fellegi–Sunter model (Fellegi and Sunter, "A Theory for Record
// Linkage", JASA 1969): every compared field falls into one of a small set of ordered
// comparison levels, each level has a probability m of being seen among true matches and
// u among non-matches, and the match weight of a pair is the sum over fields of
// log2(m/u). u comes from random record pairs, m from expectation–maximisation without
// labels, in one session per training blocking rule with the rule's own fields left out
// (as Splink does). Exact agreement on a common value ("smith") counts for less than on a
// rare one ("achterberg") through term-frequency adjustment.
//
// # Pipeline
//
//   - [Field] names a column and its comparison [Kind]; [NewSchema] compiles them.
//   - [Schema.Prepare] normalises each record once (phonetic codes, parsed dates,
//     postcode parts), so the pair loop compares integers and short strings only.
//   - [BlockRule]s are unioned by a [Blocker]; each pair is produced by exactly one rule.
//     A configuration without rules has them chosen from the data by [ChooseBlocking]
//     (candidate keys' pair counts from key frequencies, their recall on the probable
//     matches of a sampled first pass, a greedy union within a comparison budget),
//     without labels; [AutoReport] says what it chose and why.
//   - [Train] estimates a [Model]; [Model.Score] and [Model.Explain] score a pair and say
//     why, field by field, for the caseworker screen.
//   - [Cluster] joins links above a threshold and cuts a lone link between two groups
//     (the chain guard); [ClusterConflict] also keeps apart groups that cannot be one
//     person, such as records with two different valid NHS numbers.
//   - [Index] adds records one at a time and answers "which known entities does this
//     record match, with what score and why".
//   - [Evaluate] and [EvaluateLink] measure pairwise precision, recall and F1 against a
//     truth labelling; [Result.Evaluate] adds blocking recall and a precision/recall
//     curve ([EvalReport], what `bonafide link eval` prints), and [WriteClusters] writes a
//     run's `id,cluster` file.
//   - [Config] is the JSON job description of `bonafide link`; [Config.Run] is the whole
//     batch pipeline.
//
// Normalisation comes from the top-level package [bonafide/normalize] (which vault and
// triage use too, so that blind indexes, triage keys and linkage compare the same forms);
// phonetic codes, nicknames and string similarity from the subpackages
// [bonafide/linkage/phonetic], [bonafide/linkage/nickname] and [bonafide/linkage/strcmp].
//
// # Comparison levels
//
// Level 0 is always the strongest agreement and the last level is "else"
// (disagreement). A missing value on either side gives level [Null], weight zero.
package linkage
