package bonafide

import "slices"

// Role is what a member of staff does, and so what they may see and do.
// Every permission is granted by the table in this file and nowhere else:
// what is not granted here is denied.
type Role string

// Staff roles.
const (
	RoleIntakeOfficer Role = "intake_officer"          // takes referrals by phone or form
	RoleSocialWorker  Role = "social_worker"           // decides what to do about a referral
	RoleTeamManager   Role = "team_manager"            // signs decisions off, sees the team's work
	RoleDPO           Role = "data_protection_officer" // the only role that may unseal a reporter
	RolePoliceLiaison Role = "police_liaison"          // asks for a reporter's identity for police
	RoleAuditor       Role = "auditor"                 // reads the audit log, nothing else
	RoleAdministrator Role = "administrator"           // manages users, never case data
	RoleIntakeMachine Role = "intake_client"           // an API token of a sending system: intake only
)

// Roles lists every valid Role.
var Roles = []Role{RoleIntakeOfficer, RoleSocialWorker, RoleTeamManager, RoleDPO, RolePoliceLiaison, RoleAuditor, RoleAdministrator, RoleIntakeMachine}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Permission is one thing a role may do.
type Permission string

// Permissions. A social worker sees that a referral's reporter is linked to
// earlier referrals and what those were found to be (PermReporterLinks), never
// who the reporter is: only the data protection officer may unseal, and only
// through the disclosure workflow or a break-glass action with a written reason.
const (
	PermReferralCreate    Permission = "referral.create"      // submit one referral
	PermReferralImport    Permission = "referral.import"      // submit a bulk file
	PermReferralRead      Permission = "referral.read"        // read a referral, reporter sealed
	PermReporterLinks     Permission = "reporter.links"       // see that a reporter is linked, and the findings
	PermTriageRead        Permission = "triage.read"          // read the safety judgement and campaign signals
	PermOutcomeRecord     Permission = "outcome.record"       // record what became of a referral
	PermExport            Permission = "referral.export"      // export the store as interchange JSON Lines
	PermDisclosureRequest Permission = "disclosure.request"   // ask for a reporter's identity for police
	PermDisclosureApprove Permission = "disclosure.approve"   // second person of the two-person release
	PermReporterUnseal    Permission = "reporter.unseal"      // see a reporter's identity
	PermBreakGlass        Permission = "reporter.break_glass" // unseal at once, with a written reason
	PermAuditRead         Permission = "audit.read"           // read the audit log and its proofs
	PermAuditCheckpoint   Permission = "audit.checkpoint"     // ask for a signed checkpoint now
	PermUserManage        Permission = "user.manage"          // add, disable and change the role of users
	PermSignOff           Permission = "case.sign_off"        // sign off what waits for a team manager; reopen; release held checks
	PermCaseRead          Permission = "case.read"            // see the queue, a case and a family's chronology
	PermCensus            Permission = "census.export"        // the Children in Need census return
	PermSARManage         Permission = "sar.manage"           // open, redact, sign off and produce subject access requests
	PermDisclosureRead    Permission = "disclosure.read"      // see disclosure requests: a liaison their own, the DPO all
	PermLockerImport      Permission = "locker.import"        // take in a family's evidence bundle, file its posts, re-assess their referrals
)

// Permissions lists every Permission, for the authorisation tests.
var Permissions = []Permission{PermReferralCreate, PermReferralImport, PermReferralRead, PermReporterLinks, PermTriageRead, PermOutcomeRecord, PermExport, PermDisclosureRequest, PermDisclosureApprove, PermReporterUnseal, PermBreakGlass, PermAuditRead, PermAuditCheckpoint, PermUserManage, PermSignOff, PermCaseRead, PermCensus, PermSARManage, PermDisclosureRead, PermLockerImport}

// rolePermissions is the one table of what each role may do. Deny by default.
var rolePermissions = map[Role][]Permission{
	RoleIntakeOfficer: {PermReferralCreate, PermReferralRead},
	RoleSocialWorker:  {PermReferralCreate, PermReferralRead, PermReporterLinks, PermTriageRead, PermOutcomeRecord, PermCaseRead, PermLockerImport},
	RoleTeamManager:   {PermReferralCreate, PermReferralRead, PermReporterLinks, PermTriageRead, PermOutcomeRecord, PermExport, PermCaseRead, PermSignOff, PermCensus, PermLockerImport},
	RoleDPO:           {PermReferralRead, PermReporterLinks, PermTriageRead, PermDisclosureApprove, PermReporterUnseal, PermBreakGlass, PermAuditRead, PermAuditCheckpoint, PermExport, PermSARManage, PermDisclosureRead},
	RolePoliceLiaison: {PermReferralRead, PermReporterLinks, PermTriageRead, PermDisclosureRequest, PermDisclosureRead},
	RoleAuditor:       {PermAuditRead, PermAuditCheckpoint},
	RoleAdministrator: {PermUserManage, PermAuditCheckpoint},
	RoleIntakeMachine: {PermReferralCreate, PermReferralImport},
}

// Can reports whether role r has permission p. An unknown role has none.
func (r Role) Can(p Permission) bool { return slices.Contains(rolePermissions[r], p) }

// RequiresSecondFactor reports whether users of role r must use a TOTP second
// factor: those who can unseal reporters or manage users.
func (r Role) RequiresSecondFactor() bool { return r == RoleDPO || r == RoleAdministrator }
