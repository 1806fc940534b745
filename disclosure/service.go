package disclosure

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/vault"
)

// AuditLog records what people do. *auditlog.Log is one.
type AuditLog interface {
	Append(ctx context.Context, e auditlog.Entry) (auditlog.Entry, error)
}

// AssessmentReader reads a referral's stored triage assessment.
// bonafide.AssessmentStore is one.
type AssessmentReader interface {
	Assessment(ctx context.Context, referralID string) (bonafide.Assessment, error)
}

// FindingReader tells what referrals were found to be. Both stores are one.
type FindingReader interface {
	Findings(ctx context.Context, ids []string) (map[string]bonafide.Finding, error)
}

// Signer signs a package's statement as a note. *auditlog.SigningKey,
// loaded from the disclosure key file, is one.
type Signer interface {
	Sign(text string) ([]byte, error)
	VerifierKey() string
}

// Actor is who acts, and what their session proved: approving a release
// needs a second factor enrolled and passed at this session's login.
type Actor struct {
	Who  string // "user:name"
	Role bonafide.Role
	// TOTPEnrolled says the user has a confirmed second factor;
	// SecondFactor that this session's login passed it (false for API
	// tokens, which have none).
	TOTPEnrolled bool
	SecondFactor bool
}

// Default lifetimes.
const (
	DefaultRequestTTL = 28 * 24 * time.Hour // a request lapses undecided after four weeks
	DefaultPackageTTL = 14 * 24 * time.Hour // the liaison may download a package for two weeks
)

// Service runs police disclosure requests and subject access requests.
// Its fields are set once, before use; it is safe for concurrent use.
type Service struct {
	Store       bonafide.DisclosureStore
	Referrals   bonafide.Store // reads referrals, reporters unsealed by the store's vault
	Cases       bonafide.CaseStore
	Assessments AssessmentReader
	Findings    FindingReader
	// Tags, when set, says by which kinds of detail (device, e-mail,
	// phone, …) reporters are linked, never the details.
	Tags  vault.TagIndex
	Audit AuditLog
	// Signer signs packages; without it nothing is released (EUnavailable).
	Signer Signer
	// Agency heads the PDFs.
	Agency     string
	RequestTTL time.Duration
	PackageTTL time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) agency() string {
	if s.Agency == "" {
		return "Children's Services"
	}
	return s.Agency
}

var errNoAudit = bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was done")

// audit records one step before it is taken and returns its entry number.
func (s *Service) audit(ctx context.Context, who, what, object, why string) (int64, error) {
	if s.Audit == nil {
		return 0, errNoAudit
	}
	e, err := s.Audit.Append(ctx, auditlog.Entry{Who: who, What: what, Object: object, Why: clip(why)})
	if err != nil {
		if s.Logger != nil {
			s.Logger.Error("audit entry not written", slog.String("what", what), slog.String("object", object), slog.Any("error", err))
		}
		return 0, errNoAudit
	}
	return e.N, nil
}

func clip(s string) string {
	r := []rune(s)
	if len(r) <= 400 {
		return s
	}
	return string(r[:397]) + "..."
}

func can(a Actor, p bonafide.Permission) error {
	if !a.Role.Can(p) {
		return bonafide.Errorf(bonafide.EForbidden, "a %s may not %s", a.Role, p)
	}
	return nil
}

// releaseRule is the two-person rule of a release, shared with the account
// service's grants and resets (bonafide.TwoPersonRule).
var releaseRule = bonafide.TwoPersonRule{What: "approving a disclosure"}

// approver is a as the two-person rule sees them.
func (a Actor) approver() bonafide.Approver {
	return bonafide.Approver{Who: a.Who, SecondFactorEnrolled: a.TOTPEnrolled, SecondFactorPassed: a.SecondFactor}
}

// secondFactor refuses an approver without a second factor enrolled and
// passed at this login.
func secondFactor(a Actor) error { return releaseRule.CheckApprover(a.approver()) }

func newID(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return prefix + strings.ToUpper(hex.EncodeToString(b[:]))
}

// File stores a police liaison's request, after validation: a trawl (no
// referral or family named), an authorisation below inspector or a
// referral that does not exist is refused naming the field. The scope is
// the referrals named and, for a family, every referral of it.
func (s *Service) File(ctx context.Context, a Actor, req bonafide.PoliceRequest) (bonafide.Disclosure, error) {
	if err := can(a, bonafide.PermDisclosureRequest); err != nil {
		return bonafide.Disclosure{}, err
	}
	req = trimRequest(req)
	if err := req.Validate(); err != nil {
		return bonafide.Disclosure{}, err
	}
	scope, err := s.scope(ctx, req)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	now := s.now()
	ttl := s.RequestTTL
	if ttl == 0 {
		ttl = DefaultRequestTTL
	}
	d := bonafide.Disclosure{ID: newID("DR-"), State: bonafide.DisclosureFiled, Request: req, RequestedBy: a.Who,
		Filed: now, Updated: now, Expires: now.Add(ttl), Scope: scope}
	n, err := s.audit(ctx, a.Who, "disclosure.file", d.ID, fmt.Sprintf("%s %s, %s; %d referrals; asks %s", req.Force, req.CrimeReference,
		req.Offence.Title(), len(scope), fieldNames(req.Fields)))
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	d.AuditEntries = []int64{n}
	if err := s.Store.CreateDisclosure(ctx, d); err != nil {
		return bonafide.Disclosure{}, err
	}
	d.Version = 1
	return d, nil
}

func trimRequest(r bonafide.PoliceRequest) bonafide.PoliceRequest {
	for _, p := range []*string{&r.Force, &r.Officer, &r.AuthorisingOfficer, &r.CrimeReference, &r.Family, &r.Necessity, &r.Proportionality} {
		*p = strings.TrimSpace(*p)
	}
	r.Referrals = slices.Clone(r.Referrals)
	r.Fields = slices.Clone(r.Fields)
	return r
}

func fieldNames(fs []bonafide.DisclosureField) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return strings.Join(out, ", ")
}

// scope checks the named referrals exist and adds the family's.
func (s *Service) scope(ctx context.Context, req bonafide.PoliceRequest) ([]string, error) {
	var errs []bonafide.FieldError
	var scope []string
	for i, id := range req.Referrals {
		if _, err := s.Referrals.ReferralByID(ctx, id); err != nil {
			if bonafide.ErrorCode(err) != bonafide.ENotFound {
				return nil, err
			}
			errs = append(errs, bonafide.FieldError{Field: fmt.Sprintf("referrals[%d]", i), Reason: fmt.Sprintf("no referral %q", id)})
			continue
		}
		scope = append(scope, id)
	}
	if req.Family != "" {
		ids, err := s.familyReferrals(ctx, req.Family)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			errs = append(errs, bonafide.FieldError{Field: "family", Reason: fmt.Sprintf("no referral of family %q", req.Family)})
		}
		for _, id := range ids {
			if !slices.Contains(scope, id) {
				scope = append(scope, id)
			}
		}
	}
	if len(errs) > 0 {
		return nil, &bonafide.ValidationError{Errors: errs}
	}
	if len(scope) > bonafide.MaxDisclosureReferrals*4 {
		return nil, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "family",
			Reason: fmt.Sprintf("the family has %d referrals: name the referrals the investigation concerns", len(scope))}}}
	}
	return scope, nil
}

// familyReferrals lists every referral of triage's family, oldest first.
func (s *Service) familyReferrals(ctx context.Context, family string) ([]string, error) {
	if s.Cases == nil {
		return nil, bonafide.Errorf(bonafide.EUnavailable, "the case store is not configured, so families cannot be read")
	}
	var ids []string
	f := bonafide.QueueFilter{States: bonafide.CaseStates, Family: family, Limit: bonafide.MaxQueuePage}
	for {
		page, err := s.Cases.Queue(ctx, f, s.now())
		if err != nil {
			return nil, err
		}
		for _, r := range page.Rows {
			ids = append(ids, r.ReferralID)
		}
		f.Offset += len(page.Rows)
		if len(page.Rows) == 0 || f.Offset >= page.Total || f.Offset > 2000 {
			break
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Get returns a request: to its own liaison, or to an approver.
func (s *Service) Get(ctx context.Context, a Actor, id string) (bonafide.Disclosure, error) {
	d, err := s.Store.Disclosure(ctx, id)
	if err != nil {
		return d, err
	}
	if a.Role.Can(bonafide.PermDisclosureApprove) {
		return s.lapse(ctx, d)
	}
	if a.Role.Can(bonafide.PermDisclosureRequest) && d.RequestedBy == a.Who {
		return s.lapse(ctx, d)
	}
	return bonafide.Disclosure{}, bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", id)
}

// List returns requests: a liaison's own, or any for an approver.
func (s *Service) List(ctx context.Context, a Actor, f bonafide.DisclosureFilter) ([]bonafide.Disclosure, error) {
	switch {
	case a.Role.Can(bonafide.PermDisclosureApprove):
	case a.Role.Can(bonafide.PermDisclosureRequest):
		f.RequestedBy = a.Who
	default:
		return nil, can(a, bonafide.PermDisclosureRequest)
	}
	return s.Store.Disclosures(ctx, f)
}

// lapse marks a request expired once its time has passed undecided.
func (s *Service) lapse(ctx context.Context, d bonafide.Disclosure) (bonafide.Disclosure, error) {
	if d.State.Final() || s.now().Before(d.Expires) {
		return d, nil
	}
	n, err := s.audit(ctx, "system", "disclosure.expire", d.ID, "the request lapsed undecided at "+d.Expires.Format(time.RFC3339))
	if err != nil {
		return d, err
	}
	d.State, d.Updated, d.Version = bonafide.DisclosureExpired, s.now(), d.Version+1
	d.AuditEntries = append(d.AuditEntries, n)
	if err := s.Store.UpdateDisclosure(ctx, d, nil, nil); err != nil {
		return d, err
	}
	return d, nil
}

// load reads a request for a step, lapsing it when expired, and refuses
// an expired one.
func (s *Service) load(ctx context.Context, id string) (bonafide.Disclosure, error) {
	d, err := s.Store.Disclosure(ctx, id)
	if err != nil {
		return d, err
	}
	if d, err = s.lapse(ctx, d); err != nil {
		return d, err
	}
	if d.State == bonafide.DisclosureExpired {
		return d, bonafide.Errorf(bonafide.EConflict, "disclosure request %s expired on %s undecided: the police must file it again", id, d.Expires.Format("2 January 2006"))
	}
	return d, nil
}

// Amend answers the DPO's request for more information: the liaison adds
// a note (and may replace the request), and it waits for review again.
func (s *Service) Amend(ctx context.Context, a Actor, id, note string, req *bonafide.PoliceRequest) (bonafide.Disclosure, error) {
	if err := can(a, bonafide.PermDisclosureRequest); err != nil {
		return bonafide.Disclosure{}, err
	}
	d, err := s.load(ctx, id)
	if err != nil {
		return d, err
	}
	if d.RequestedBy != a.Who {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", id)
	}
	if d.State != bonafide.DisclosureMoreInfo {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.EConflict, "disclosure request %s is %s: only a request the DPO asked more about can be amended", id, d.State)
	}
	note = strings.TrimSpace(note)
	if n := len([]rune(note)); n < bonafide.MinDecisionText || len(note) > bonafide.MaxDisclosureText {
		return bonafide.Disclosure{}, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "note",
			Reason: fmt.Sprintf("%d characters to %d bytes answering what the DPO asked", bonafide.MinDecisionText, bonafide.MaxDisclosureText)}}}
	}
	if req != nil {
		r := trimRequest(*req)
		if err := r.Validate(); err != nil {
			return bonafide.Disclosure{}, err
		}
		if d.Scope, err = s.scope(ctx, r); err != nil {
			return bonafide.Disclosure{}, err
		}
		d.Request = r
	}
	n, err := s.audit(ctx, a.Who, "disclosure.amend", id, note)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	d.Notes = append(d.Notes, note)
	d.State, d.Updated, d.Version, d.Review = bonafide.DisclosureFiled, s.now(), d.Version+1, nil
	d.AuditEntries = append(d.AuditEntries, n)
	return d, s.Store.UpdateDisclosure(ctx, d, nil, nil)
}

// Decide records the DPO's review: the three-step test and the outcome.
// An approval is the first of the two a release needs; refusal, a request
// for more and neither-confirm-nor-deny end (or pause) the request. The
// DPO needs a second factor, as for approving.
func (s *Service) Decide(ctx context.Context, a Actor, id string, v bonafide.DisclosureReview) (bonafide.Disclosure, error) {
	if err := can(a, bonafide.PermDisclosureApprove); err != nil {
		return bonafide.Disclosure{}, err
	}
	if err := secondFactor(a); err != nil {
		return bonafide.Disclosure{}, err
	}
	d, err := s.load(ctx, id)
	if err != nil {
		return d, err
	}
	if d.State != bonafide.DisclosureFiled {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.EConflict, "disclosure request %s is %s, not waiting for review", id, d.State)
	}
	for _, p := range []*string{&v.Prejudice, &v.CausalLink, &v.Likelihood, &v.Reasons} {
		*p = strings.TrimSpace(*p)
	}
	if err := v.Validate(d.Request, d.Scope); err != nil {
		return bonafide.Disclosure{}, err
	}
	switch v.Outcome {
	case bonafide.ReviewApproveFull:
		v.Fields, v.Referrals = slices.Clone(d.Request.Fields), slices.Clone(d.Scope)
	case bonafide.ReviewApprovePart:
		if len(v.Fields) == 0 {
			v.Fields = slices.Clone(d.Request.Fields)
		}
		if len(v.Referrals) == 0 {
			v.Referrals = slices.Clone(d.Scope)
		}
	default:
		v.Fields, v.Referrals = nil, nil
	}
	rv, err := s.review(ctx, d)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	v.GenuineWarning = rv.Warning != ""
	now := s.now()
	v.By, v.At = a.Who, now
	why := string(v.Outcome)
	if v.Outcome.Approves() {
		why += ": " + fieldNames(v.Fields) + fmt.Sprintf(" of %d referrals", len(v.Referrals))
	}
	if v.GenuineWarning {
		why += "; decided with the warning that a reporter has no unfounded or malicious finding"
	}
	n, err := s.audit(ctx, a.Who, "disclosure.review", id, why)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	v.AuditEntry = n
	d.Review = &v
	d.AuditEntries = append(d.AuditEntries, n)
	switch v.Outcome {
	case bonafide.ReviewApproveFull, bonafide.ReviewApprovePart:
		d.State = bonafide.DisclosureApproved
		d.Approvals = []bonafide.DisclosureApproval{{By: a.Who, At: now, AuditEntry: n}}
	case bonafide.ReviewRefuse:
		d.State = bonafide.DisclosureRefused
	case bonafide.ReviewMoreInfo:
		d.State = bonafide.DisclosureMoreInfo
	case bonafide.ReviewNCND:
		d.State = bonafide.DisclosureNCND
	}
	d.Updated, d.Version = now, d.Version+1
	return d, s.Store.UpdateDisclosure(ctx, d, nil, nil)
}

// Approve is the second approval: another person with the approve
// permission and a second factor agrees, and the package is made, signed,
// its hash audited, and stored with the reporters' referrals marked
// disclosed, in one transaction. The same person twice, a missing second
// factor and an expired request are refused.
func (s *Service) Approve(ctx context.Context, a Actor, id string) (bonafide.Disclosure, error) {
	if err := can(a, bonafide.PermDisclosureApprove); err != nil {
		return bonafide.Disclosure{}, err
	}
	if err := secondFactor(a); err != nil {
		return bonafide.Disclosure{}, err
	}
	d, err := s.load(ctx, id)
	if err != nil {
		return d, err
	}
	if s.Signer == nil {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.EUnavailable, "no disclosure signing key is configured: nothing can be released")
	}
	if d.State != bonafide.DisclosureApproved || d.Review == nil || len(d.Approvals) != 1 {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.EConflict, "disclosure request %s is %s, not waiting for a second approval", id, d.State)
	}
	now := s.now()
	if err := releaseRule.CheckSecond(d.Approvals[0].By, a.approver(), d.Expires, now); err != nil {
		return bonafide.Disclosure{}, err
	}
	n, err := s.audit(ctx, a.Who, "disclosure.approve", id, "second approval of "+string(d.Review.Outcome)+": "+fieldNames(d.Review.Fields))
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	d.Approvals = append(d.Approvals, bonafide.DisclosureApproval{By: a.Who, At: now, AuditEntry: n})
	d.AuditEntries = append(d.AuditEntries, n)
	pkg, err := s.makePackage(ctx, &d, now)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	rn, err := s.audit(ctx, a.Who, "disclosure.release", id, "package sha256 "+pkg.SHA256+", pdf sha256 "+d.Release.PDFSHA256)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	d.AuditEntries = append(d.AuditEntries, rn)
	d.State, d.Updated, d.Version = bonafide.DisclosureReleased, now, d.Version+1
	if err := s.Store.UpdateDisclosure(ctx, d, &pkg, d.Review.Referrals); err != nil {
		return bonafide.Disclosure{}, err
	}
	return d, nil
}

// Decline is the second approver's refusal: the request is refused with
// their reasons and nothing is released.
func (s *Service) Decline(ctx context.Context, a Actor, id, reasons string) (bonafide.Disclosure, error) {
	if err := can(a, bonafide.PermDisclosureApprove); err != nil {
		return bonafide.Disclosure{}, err
	}
	if err := secondFactor(a); err != nil {
		return bonafide.Disclosure{}, err
	}
	reasons = strings.TrimSpace(reasons)
	if len([]rune(reasons)) < bonafide.MinDecisionText || len(reasons) > bonafide.MaxDisclosureText {
		return bonafide.Disclosure{}, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reasons",
			Reason: fmt.Sprintf("%d characters to %d bytes saying why", bonafide.MinDecisionText, bonafide.MaxDisclosureText)}}}
	}
	d, err := s.load(ctx, id)
	if err != nil {
		return d, err
	}
	if d.State != bonafide.DisclosureApproved || len(d.Approvals) != 1 {
		return bonafide.Disclosure{}, bonafide.Errorf(bonafide.EConflict, "disclosure request %s is %s, not waiting for a second approval", id, d.State)
	}
	if err := releaseRule.CheckSecond(d.Approvals[0].By, a.approver(), d.Expires, s.now()); err != nil {
		return bonafide.Disclosure{}, err
	}
	n, err := s.audit(ctx, a.Who, "disclosure.decline", id, reasons)
	if err != nil {
		return bonafide.Disclosure{}, err
	}
	d.Notes = append(d.Notes, "Second approver declined: "+reasons)
	d.AuditEntries = append(d.AuditEntries, n)
	d.State, d.Updated, d.Version = bonafide.DisclosureRefused, s.now(), d.Version+1
	return d, s.Store.UpdateDisclosure(ctx, d, nil, nil)
}

// Download returns a released package to the liaison who asked, until it
// expires; each download is audited.
func (s *Service) Download(ctx context.Context, a Actor, id string) (bonafide.DisclosurePackage, error) {
	if err := can(a, bonafide.PermDisclosureRequest); err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	d, err := s.Store.Disclosure(ctx, id)
	if err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	if d.RequestedBy != a.Who {
		return bonafide.DisclosurePackage{}, bonafide.Errorf(bonafide.ENotFound, "no disclosure request %s", id)
	}
	if d.State != bonafide.DisclosureReleased {
		return bonafide.DisclosurePackage{}, bonafide.Errorf(bonafide.ENotFound, "disclosure request %s has no package (%s)", id, d.State)
	}
	p, err := s.Store.DisclosurePackage(ctx, id)
	if err != nil {
		return p, err
	}
	if !s.now().Before(p.Expires) {
		return bonafide.DisclosurePackage{}, bonafide.Errorf(bonafide.EForbidden, "the package of %s expired on %s: ask the data protection officer", id, p.Expires.Format("2 January 2006"))
	}
	if _, err := s.audit(ctx, a.Who, "disclosure.download", id, "package sha256 "+p.SHA256); err != nil {
		return bonafide.DisclosurePackage{}, err
	}
	return p, nil
}

// VerifierKey is the public key packages are signed with, to publish.
func (s *Service) VerifierKey() (string, error) {
	if s.Signer == nil {
		return "", bonafide.Errorf(bonafide.EUnavailable, "no disclosure signing key is configured")
	}
	return s.Signer.VerifierKey(), nil
}
