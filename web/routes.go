package web

import (
	"net/http"

	"bonafide"
)

// routes lists every screen of the interface, in one place, with what a
// person needs to reach it (see page). The paths are the API's free
// space: httpapi takes /api/ and /healthz.
func (s *Server) routes() []route {
	return []route{
		{"GET /{$}", s.page(anyone, s.handleHome)},
		{"GET /sign-in", s.page(anyone, s.handleSignIn)},
		{"POST /sign-in", s.page(anyone, s.handleSignInPost)},
		{"GET /sign-in/code", s.page(anyone, s.handleSignInCode)},
		{"POST /sign-in/code", s.page(anyone, s.handleSignInCodePost)},
		{"POST /sign-out", s.page(enrolling, s.handleSignOut)},
		{"GET /account", s.page(self, s.handleAccount)},
		{"GET /account/password", s.page(self, s.handlePassword)},
		{"POST /account/password", s.page(self, s.handlePasswordPost)},
		{"GET /account/second-factor", s.page(enrolling, s.handleEnrol)},
		{"POST /account/second-factor", s.page(enrolling, s.handleEnrolPost)},
		{"GET /account/second-factor/qr.png", s.page(enrolling, s.handleEnrolQR)},
		{"POST /account/second-factor/confirm", s.page(enrolling, s.handleEnrolConfirm)},
		{"GET /queue", s.page(bonafide.PermCaseRead, s.handleQueue)},
		{"GET /referrals/{id}", s.page(bonafide.PermCaseRead, s.handleReferral)},
		{"POST /referrals/{id}/decision", s.page(bonafide.PermOutcomeRecord, s.handleDecision)},
		{"GET /audit", s.page(bonafide.PermAuditRead, s.handleAudit)},
		{"POST /audit/verify", s.page(bonafide.PermAuditRead, s.handleAuditVerify)},
		{"GET /audit/checkpoint", s.page(bonafide.PermAuditRead, s.handleAuditCheckpoint)},
		{"POST /audit/checkpoint", s.page(bonafide.PermAuditCheckpoint, s.handleAuditCheckpointNew)},
		{"GET /audit/entries/{n}/proof", s.page(bonafide.PermAuditRead, s.handleAuditProof)},
		{"GET /users", s.page(bonafide.PermUserManage, s.handleUsers)},
		{"GET /users/new", s.page(bonafide.PermUserManage, s.handleUserNew)},
		{"POST /users", s.page(bonafide.PermUserManage, s.handleUserCreate)},
		{"GET /users/{name}", s.page(bonafide.PermUserManage, s.handleUser)},
		{"POST /users/{name}/role", s.page(bonafide.PermUserManage, s.handleUserRole)},
		{"POST /users/{name}/password-reset", s.page(bonafide.PermUserManage, s.handlePasswordResetAsk)},
		{"POST /users/{name}/second-factor-reset", s.page(bonafide.PermUserManage, s.handleTOTPResetAsk)},
		{"GET /approvals", s.page(bonafide.PermUserManage, s.handleApprovals)},
		{"POST /approvals/{id}/approve", s.page(bonafide.PermUserManage, s.handleApprove)},
		{"POST /users/{name}/disable", s.page(bonafide.PermUserManage, s.handleUserDisable)},
		{"POST /users/{name}/enable", s.page(bonafide.PermUserManage, s.handleUserEnable)},
		{"POST /users/{name}/tokens", s.page(bonafide.PermUserManage, s.handleTokenCreate)},
		{"POST /users/{name}/tokens/{token}/revoke", s.page(bonafide.PermUserManage, s.handleTokenRevoke)},
		{"GET /unseal", s.page(bonafide.PermBreakGlass, s.handleUnseal)},
		{"POST /unseal", s.page(bonafide.PermBreakGlass, s.handleUnsealPost)},
		{"GET /referrals/{id}/letters", s.page(bonafide.PermCaseRead, s.handleLetters)},
		{"GET /letters/{letter}", s.page(bonafide.PermCaseRead, s.handleLetter)},
		{"GET /letters/{letter}/pdf", s.page(bonafide.PermCaseRead, s.handleLetterPDF)},
		{"GET /families", s.page(bonafide.PermCaseRead, s.handleFamilies)},
		{"GET /families/{family}", s.page(bonafide.PermCaseRead, s.handleFamily)},
		{"POST /families/{family}/evidence", s.uploadPage(bonafide.PermLockerImport, "bundle", s.evidenceLimit, s.handleEvidence)},
		{"GET /manager", s.page(bonafide.PermSignOff, s.handleManager)},
		{"POST /manager/sign-offs/{id}", s.page(bonafide.PermSignOff, s.handleSignOff)},
		{"GET /disclosures", s.page(bonafide.PermDisclosureRead, s.handleDisclosures)},
		{"GET /disclosures/new", s.page(bonafide.PermDisclosureRequest, s.handleDisclosureNew)},
		{"POST /disclosures", s.page(bonafide.PermDisclosureRequest, s.handleDisclosureFile)},
		{"GET /disclosures/{id}", s.page(bonafide.PermDisclosureRead, s.handleDisclosure)},
		{"POST /disclosures/{id}/amend", s.page(bonafide.PermDisclosureRequest, s.handleDisclosureAmend)},
		{"GET /disclosures/{id}/package", s.page(bonafide.PermDisclosureRequest, s.handleDisclosurePackage)},
		{"GET /disclosures/{id}/review", s.page(bonafide.PermDisclosureApprove, s.handleDisclosureReview)},
		{"POST /disclosures/{id}/decision", s.page(bonafide.PermDisclosureApprove, s.handleDisclosureDecide)},
		{"POST /disclosures/{id}/approve", s.page(bonafide.PermDisclosureApprove, s.handleDisclosureApprove)},
		{"POST /disclosures/{id}/decline", s.page(bonafide.PermDisclosureApprove, s.handleDisclosureDecline)},
		{"GET /disclosure-log", s.page(bonafide.PermDisclosureApprove, s.handleDisclosureLog)},
		{"GET /sars", s.page(bonafide.PermSARManage, s.handleSARs)},
		{"GET /sars/new", s.page(bonafide.PermSARManage, s.handleSARNew)},
		{"POST /sars", s.page(bonafide.PermSARManage, s.handleSAROpen)},
		{"GET /sars/{id}", s.page(bonafide.PermSARManage, s.handleSAR)},
		{"GET /sars/{id}/redactions", s.page(bonafide.PermSARManage, s.handleSARRedactions)},
		{"GET /sars/{id}/parts/{part}", s.page(bonafide.PermSARManage, s.handleSARPart)},
		{"POST /sars/{id}/parts/{part}", s.page(bonafide.PermSARManage, s.handleSARPartPost)},
		{"POST /sars/{id}/clock", s.page(bonafide.PermSARManage, s.handleSARClock)},
		{"POST /sars/{id}/extend", s.page(bonafide.PermSARManage, s.handleSARExtend)},
		{"POST /sars/{id}/sign-off", s.page(bonafide.PermSARManage, s.handleSARSignOff)},
		{"POST /sars/{id}/produce", s.page(bonafide.PermSARManage, s.handleSARProduce)},
		{"GET /sars/{id}/bundle", s.page(bonafide.PermSARManage, s.handleSARBundle)},
	}
}

// handleHome sends a signed-in person to their first screen and anyone
// else to the sign-in page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p == nil {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.firstScreen(p), http.StatusSeeOther)
}

// evidenceLimit is the largest bundle the evidence intake takes.
func (s *Server) evidenceLimit() int64 {
	if s.sh.Evidence == nil {
		return 0
	}
	return s.sh.Evidence.Limit()
}
