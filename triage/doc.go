// Package triage puts beside each referral what a social worker needs to
// decide within one working day: which family it concerns and what came
// before, whether the reporter is linked to earlier reports, whether the
// referral looks part of a harassment campaign and why, and — separately,
// and never lowered by any of that — how serious the concern for the child
// is as described.
//
// # Safety
//
// [JudgeSafety] takes only the referral as received. It cannot read any
// campaign signal because none is among its inputs.
//
// # Deadline
//
// [Calendar.DecisionDue] gives the end of the first working day in England
// and Wales after the day of receipt.
package triage
