// Package disclosure is the lawful path by which a reporter's identity
// leaves bonafide, and by which a family sees what is held about them.
//
// # Police disclosure
//
// A police liaison files a structured request ([Service.File]): force,
// officer and rank, an authorising officer of inspector rank or above,
// crime reference, the offence (from a fixed table), the legal basis (DPA
// 2018 Schedule 2 Part 1 paragraph 2), the referrals or family it concerns
// (a request naming neither is a trawl and is refused by validation), the
// details asked for and why that is necessary and proportionate.
//
// The data protection officer reviews it ([Service.Review]) without
// seeing who anyone is: for each referral in scope whether it has a
// reporter, what it and the reporter's linked referrals were found to be,
// the campaign signals, by which kinds of detail the reporter is linked,
// and a warning when no referral of the reporter was found unfounded or
// malicious. They record the three-step test (prejudice, causal link,
// likelihood) and decide ([Service.Decide]): approve in full, approve in
// part (some details, some referrals), refuse with reasons, ask for more
// ([Service.Amend] answers), or neither confirm nor deny.
//
// # Two people
//
// An approval is only the first of two. A second, different person with
// the approve permission agrees ([Service.Approve]) or declines
// ([Service.Decline]); both need a second factor enrolled and passed at
// their login. The same person twice, a missing second factor and an
// expired request are refused.
//
// # The package
//
// The second approval makes the package: JSON ([Package]) with only the
// approved details, unsealed through the store's vault, the request, the
// review, both approvals and the audit entries that record them, and a
// PDF of the same (package report). The JSON's SHA-256 is signed as a
// note (golang.org/x/mod/sumdb/note) with the disclosure key, whose public
// half is published, and written to the audit log; the package is stored
// with each released referral marked disclosed, in one transaction. Only
// the liaison who asked may download it ([Service.Download]), until it
// expires. [Service.DisclosureLog] gives the counts of the DPO's annual
// report.
//
// # Subject access
//
// [Service.OpenSAR] opens a subject access request for a person and their
// children, gathers what is held about them through triage's family
// linkage (referrals, assessments, case decisions, notifications,
// letters) and redacts what identifies reporters and other people (DPA
// 2018 Schedule 2 Part 3 paragraph 16), each part with a reason code a
// reviewer can see and change ([Service.Redact]); a reporter's detail is
// locked. The one-month clock ([bonafide.SAR.Due]) can be extended and
// stopped while clarifying; a reviewer signs off ([Service.SignOff]) and
// [Service.Produce] renders the indexed, paginated bundle with its
// redaction log.
//
// Every step is audited before it is taken; a step the audit log cannot
// record is not taken.
package disclosure
