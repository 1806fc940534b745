// Package account is bonafide's account service: users and their roles,
// passwords, sessions, second factors, API tokens, resets and disabling,
// each change audited in one place and in one order. The HTTP API
// (package httpapi), the command line's user commands and the web screens
// are faces over it: they decode a request, call a [Service] method and
// show the answer, so that a rule about accounts is written once and holds
// whichever way a change arrives.
//
// # Audit before change
//
// Every change of an account is recorded in the audit log before it is
// made: a change the log cannot record is not made, and the caller is told
// that nothing was done (code unavailable). When a change is refused after
// its entry was written, because the account changed meanwhile (see
// bonafide.UserUpdate.IfUnchanged), a second entry, the first's action
// with "_not_made" appended, says so, so that the log never claims a change
// that was not made. Two actions are recorded after they are made, because
// only then is there something to record: an API token's number exists
// once the token is stored (a token whose creation cannot be recorded is
// deleted again, its secret never shown), and a second factor's
// confirmation is recorded once it has been confirmed, so that a
// confirmation refused by a change landing meanwhile leaves no entry. A
// logout ends its session before it is recorded: taking access away never
// waits on the log.
//
// # Conditional updates
//
// A decision taken on an account as it was read — a password checked, a
// second factor verified, a session found live — is written with
// bonafide.UserUpdate.IfUnchanged, so that an administrator's reset or
// disabling landing meanwhile is never overwritten; the caller is told
// their account changed and must log in again. An administrator's
// overrides (disable, enable, role, resets) go without it: they win over
// the user's own requests under way.
//
// # Wrong passwords
//
// Logins are throttled per user name and per client address, and a wrong
// current password given to change one's own counts against the name, with
// [auth.Throttle]: a refused attempt while waiting is a [ThrottledError]
// and is not audited (the failure that started the wait was). A login for
// an unknown name checks the password against a hash of the service's own
// costs, so that the time taken does not tell which names exist, and every
// wrong name, password or code gets the one answer [ErrBadLogin].
//
// # Two administrators
//
// Over the API, granting the data protection officer or administrator
// role and resetting another user's password or second factor take two
// people: [Service.RequestApproval] records the ask (with a reason) and
// stores it, [Service.Approve] checks bonafide.TwoPersonRule (a second,
// different administrator, a second factor passed at this login, within
// bonafide.AccountApprovalTTL), records the approval, marks it once
// only, and then makes the change, audited as any override is. The
// one-step methods refuse such a change from a user and keep it for the
// command line ([CommandLine]), whose operator holds the keys already.
//
// # Principals
//
// [Service.AuthenticateSession] and [Service.AuthenticateToken] turn a
// session identifier or an API token into a [Principal]; an [Actor] names
// who asks for a change in the audit log: a user ([Principal.Actor]) or
// the operating-system user at the command line ([CommandLine]).
package account
