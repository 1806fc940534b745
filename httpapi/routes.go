package httpapi

import (
	"net/http"

	"bonafide"
)

// route is one entry of the API. The table is data so that the OpenAPI
// test can compare it with the document, and so that the authentication
// middleware of the next issue has one place to read what each route needs.
type route struct {
	method string
	path   string // a ServeMux path pattern, which is also OpenAPI's path syntax
	// perm is the permission a caller needs (bonafide.Role.Can), or
	// permEnrol or permSelf for an authenticated principal's own account;
	// "" for public routes. mux wraps every non-public route in authorize.
	perm    bonafide.Permission
	handler http.HandlerFunc
}

// pattern returns the ServeMux pattern, "METHOD /path".
func (rt route) pattern() string { return rt.method + " " + rt.path }

// routes lists every route of the API, in one place.
func (s *Server) routes() []route {
	return []route{
		{http.MethodGet, "/healthz", "", s.handleHealth},
		{http.MethodGet, "/api/v1/openapi.json", "", s.handleOpenAPI},
		{http.MethodPost, "/api/v1/login", "", s.handleLogin},
		{http.MethodPost, "/api/v1/logout", permEnrol, s.handleLogout},
		{http.MethodGet, "/api/v1/me", permEnrol, s.handleMe},
		{http.MethodPost, "/api/v1/me/totp", permEnrol, s.handleTOTPEnrol},
		{http.MethodPost, "/api/v1/me/totp/confirm", permEnrol, s.handleTOTPConfirm},
		{http.MethodPost, "/api/v1/me/password", permSelf, s.handlePasswordChange},
		{http.MethodGet, "/api/v1/users", bonafide.PermUserManage, s.handleUserList},
		{http.MethodPost, "/api/v1/users", bonafide.PermUserManage, s.handleUserCreate},
		{http.MethodPost, "/api/v1/users/{id}/disable", bonafide.PermUserManage, s.handleUserDisable},
		{http.MethodPut, "/api/v1/users/{id}/role", bonafide.PermUserManage, s.handleUserRole},
		{http.MethodPost, "/api/v1/users/{id}/approvals", bonafide.PermUserManage, s.handleApprovalAsk},
		{http.MethodGet, "/api/v1/approvals", bonafide.PermUserManage, s.handleApprovalList},
		{http.MethodPost, "/api/v1/approvals/{id}/approve", bonafide.PermUserManage, s.handleApprovalApprove},
		{http.MethodPost, "/api/v1/tokens", bonafide.PermUserManage, s.handleTokenCreate},
		{http.MethodDelete, "/api/v1/users/{id}/tokens/{token}", bonafide.PermUserManage, s.handleTokenRevoke},
		{http.MethodPost, "/api/v1/referrals", bonafide.PermReferralCreate, s.handleReferralCreate},
		{http.MethodGet, "/api/v1/referrals/{id}", bonafide.PermReferralRead, s.handleReferralGet},
		{http.MethodGet, "/api/v1/referrals/{id}/assessment", bonafide.PermTriageRead, s.handleAssessmentGet},
		{http.MethodGet, "/api/v1/referrals/{id}/reporter/links", bonafide.PermReporterLinks, s.handleReporterLinks},
		{http.MethodPost, "/api/v1/referrals/{id}/reporter/unseal", bonafide.PermBreakGlass, s.handleReporterUnseal},
		{http.MethodPost, "/api/v1/import", bonafide.PermReferralImport, s.handleImport},
		{http.MethodGet, "/api/v1/referrals", bonafide.PermCaseRead, s.handleQueue},
		{http.MethodGet, "/api/v1/referrals/{id}/case", bonafide.PermCaseRead, s.handleCaseGet},
		{http.MethodPost, "/api/v1/referrals/{id}/case/actions", bonafide.PermOutcomeRecord, s.handleCaseAction},
		{http.MethodPost, "/api/v1/referrals/{id}/notifications/{notification}/release", bonafide.PermSignOff, s.handleNotificationRelease},
		{http.MethodPost, "/api/v1/referrals/{id}/notifications/{notification}/sent", bonafide.PermOutcomeRecord, s.handleNotificationSent},
		{http.MethodGet, "/api/v1/letters/{letter}", bonafide.PermCaseRead, s.handleLetterGet},
		{http.MethodGet, "/api/v1/manager", bonafide.PermSignOff, s.handleManager},
		{http.MethodGet, "/api/v1/census", bonafide.PermCensus, s.handleCensus},
		{http.MethodPut, "/api/v1/families/{family}/restriction", bonafide.PermSignOff, s.handleFamilyRestriction},
		{http.MethodGet, "/api/v1/families", bonafide.PermCaseRead, s.handleFamilySearch},
		{http.MethodGet, "/api/v1/families/{family}", bonafide.PermCaseRead, s.handleFamilyGet},
		{http.MethodGet, "/api/v1/disclosure-key", "", s.handleDisclosureKey},
		{http.MethodPost, "/api/v1/disclosures", bonafide.PermDisclosureRequest, s.handleDisclosureFile},
		{http.MethodGet, "/api/v1/disclosures", bonafide.PermDisclosureRead, s.handleDisclosureList},
		{http.MethodGet, "/api/v1/disclosures/{id}", bonafide.PermDisclosureRead, s.handleDisclosureGet},
		{http.MethodPost, "/api/v1/disclosures/{id}/amend", bonafide.PermDisclosureRequest, s.handleDisclosureAmend},
		{http.MethodGet, "/api/v1/disclosures/{id}/review", bonafide.PermDisclosureApprove, s.handleDisclosureReview},
		{http.MethodPost, "/api/v1/disclosures/{id}/decision", bonafide.PermDisclosureApprove, s.handleDisclosureDecide},
		{http.MethodPost, "/api/v1/disclosures/{id}/approve", bonafide.PermDisclosureApprove, s.handleDisclosureApprove},
		{http.MethodPost, "/api/v1/disclosures/{id}/decline", bonafide.PermDisclosureApprove, s.handleDisclosureDecline},
		{http.MethodGet, "/api/v1/disclosures/{id}/package", bonafide.PermDisclosureRequest, s.handleDisclosurePackage},
		{http.MethodGet, "/api/v1/disclosure-log", bonafide.PermDisclosureApprove, s.handleDisclosureLog},
		{http.MethodPost, "/api/v1/sars", bonafide.PermSARManage, s.handleSAROpen},
		{http.MethodGet, "/api/v1/sars/{id}", bonafide.PermSARManage, s.handleSARGet},
		{http.MethodPost, "/api/v1/sars/{id}/actions", bonafide.PermSARManage, s.handleSARAction},
		{http.MethodGet, "/api/v1/sars/{id}/bundle", bonafide.PermSARManage, s.handleSARBundle},
		{http.MethodPost, "/api/v1/families/{family}/evidence", bonafide.PermLockerImport, s.handleFamilyEvidence},
		{http.MethodGet, "/api/v1/families/{family}/evidence", bonafide.PermCaseRead, s.handleFamilyEvidenceList},
		{http.MethodGet, "/api/v1/audit/witness", bonafide.PermAuditRead, s.handleWitnessRequest},
		{http.MethodPost, "/api/v1/audit/cosignatures", "", s.handleCosignature},
	}
}
