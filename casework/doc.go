// Package casework is the front door's workflow: the queue of referrals
// awaiting a decision, decisions with the team manager's sign-off where
// they need it, findings and closure, the notifications a referral brings
// and the letters it sends, the team manager's view and the Children in
// Need census return.
//
// The rules are the domain's (bonafide.Case, one table in case.go); this
// package applies them over a bonafide.CaseStore, in one order for every
// change: read the case, check the action and the actor's permission,
// write the audit entry, then store the event with what it brings in one
// transaction. A change the audit log cannot record is not made.
//
// # Notifications that do no needless harm
//
// The families in bonafide's story were hurt less by the investigation
// than by what followed each report: the GP and the school told, and a
// flag that follows the child. So every contact with an agency is a
// planned notification with its lawful basis, and nothing is sent by
// bonafide itself: a worker sends it and records that it was sent. For a
// referral that triage flags as part of a campaign, and that does not say
// a child is in danger now, checks with universal services (GP, school,
// health visitor) are held until a team manager releases them or a
// decision needs them (a strategy discussion or section 47 releases them
// at once). When a case closes with a finding that the referral was
// unfounded or malicious, every agency that was told gets a retraction
// ("no concerns found; please remove any flag"), and the family a closure
// letter that says so and gives the reference the police can quote.
//
// Acknowledgements to the person who referred go out within one working
// day; for a flagged referral the wording is neutral, so that it teaches
// a troll nothing about what triage found.
//
// # Families
//
// [Families] indexes every child and adult named in a stored referral
// (never the reporter) in one linkage.Index, the engine batch linking
// uses: names compared with nicknames, typos, sound and swapped order,
// partial dates of birth, postcodes by sector and district, NHS numbers
// and handles. The index is built from the store at start, takes each
// referral the API stores off the request's path ([Families.Offer]), and
// is brought up to date with the store before every search
// ([Families.Sync]), so that a search sees whatever is stored, whoever
// stored it; there is no second linker.
// [Service.SearchFamilies] ranks the referrals found by match weight and
// groups them by the family triage gave them, each hit saying which
// fields agreed; a restricted family shows only as "a restricted family
// (N referrals)" to staff who may not name it ([MayNameFamily]).
// [Service.Family] is the family's page: every referral with its case,
// one chronology of what happened, the campaign episodes (runs of
// flagged referrals close in time) and the posts triage linked. Every
// search and every view is audited.
package casework
