// Package triage puts beside each referral what a social worker needs to
// decide within one working day: which family it concerns and what came
// before, whether the reporter is linked to earlier reports, whether the
// referral looks part of a harassment campaign and why — and, separately,
// and never lowered by any of that, how serious the concern for the child
// is as described.
//
// docs/triage.md explains every signal, weight and blind spot for a team
// manager; this comment is for programmers.
//
// # Safety
//
// [JudgeSafety] takes only the referral as received. It cannot read any
// campaign signal because none is among its inputs. A referral that reports
// immediate danger is always [LevelImmediate].
//
// # Deadline
//
// [Calendar.DecisionDue] gives 17:00 London time on the first working day in
// England and Wales after the day of receipt (see [Calendar] for why).
//
// # Engine
//
// An [Engine] is fed an interchange stream in order of receipt with
// [Engine.Observe] (or [Run] over JSON Lines, or [Engine.Replay] from a
// store) and judges each referral only on what came before it. It links the
// referral to a family and a reporter, computes the campaign [Signals] with
// evidence, combines them with a logistic [Model] into a score, flags it at
// [Config.Threshold], and returns an [Assessment] in the interchange
// format's "Triage output" form. Context signals (a recent post, earlier
// false findings, earlier referrals by members of the public, a burst)
// count only alongside a sign in the referral itself. A relay of an earlier
// call is linked to it and counted once; referrals about a family within
// 12 hours of each other are one incident and are not compared as copies.
//
// Family linking scores candidate families found through blocking keys on
// names, dates, postcodes, handles (also those named in the narrative) and
// pairs of a household's given names; a sparse referral may also join a
// family referred in the last [RecentWindow] on a child's name when exactly
// one such family fits or the narrative tells of the same incident.
// Linking runs on the project's one linker: candidates are filed and found
// in [linkage.Postings] (the candidate index of [linkage.Index]), names,
// postcodes, handles, NHS numbers, address lines and reporters' contact
// details are read by package normalize, and names are compared with
// linkage/strcmp's Jaro–Winkler, linkage/nickname and linkage/phonetic's
// Soundex. Triage keeps what is its own: the keys a family is filed under,
// the recency windows, the agreement scores and thresholds, and the
// union-find of families and reporters.
//
// # Evaluation and fitting
//
// [Evaluate] scores assessments against a generator's truth file;
// [FitStreams] fits the model's weights ([FitDropout], so that no one
// signal carries the model) and chooses its threshold
// ([ChoosePlateauThreshold], the middle of the near-best cuts) on labelled
// streams that must not be the ones it is judged on.
package triage
