package bonafide

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Lawful disclosure of a reporter's identity to the police, and the
// subject access requests of families, as domain types (package disclosure
// runs them). The police have no automatic right to who made a referral:
// the controller weighs each request under the Data Protection Act 2018,
// Schedule 2 Part 1 paragraph 2 (the crime and taxation exemption), and
// the ICO's guidance asks it to check three things: that complying with
// the data protection principles would prejudice the prevention or
// detection of crime, that there is a causal link between withholding
// and that prejudice, and that the prejudice is likely. A request that
// names no referral and no family (a trawl) is refused before anyone
// weighs it.

// Offence is what the police say they are investigating: the offences a
// harassment campaign by false referrals may be.
type Offence string

// Offences the request form offers.
const (
	OffenceHarassment        Offence = "protection_from_harassment_act_1997" // harassment, ss 2 and 4
	OffenceMalicious         Offence = "malicious_communications_act_1988"   // s1: sending to cause distress or anxiety
	OffenceFalseComms        Offence = "online_safety_act_2023_s179"         // false communications offence
	OffenceCommunicationsAct Offence = "communications_act_2003_s127"        // improper use of a public electronic communications network
)

// Offences lists every Offence.
var Offences = []Offence{OffenceHarassment, OffenceMalicious, OffenceFalseComms, OffenceCommunicationsAct}

// Valid reports whether o is an Offence.
func (o Offence) Valid() bool { return slices.Contains(Offences, o) }

// Title is the offence as a letter names it.
func (o Offence) Title() string {
	switch o {
	case OffenceHarassment:
		return "Protection from Harassment Act 1997"
	case OffenceMalicious:
		return "Malicious Communications Act 1988, s1"
	case OffenceFalseComms:
		return "Online Safety Act 2023, s179 (false communications)"
	case OffenceCommunicationsAct:
		return "Communications Act 2003, s127"
	}
	return string(o)
}

// LegalBasisCrime is the one legal basis a police disclosure request may
// rest on: DPA 2018 Schedule 2 Part 1 paragraph 2 (crime and taxation).
const LegalBasisCrime = "dpa_2018_sch2_pt1_para2"

// PoliceRank is a police officer's rank, lowest first.
type PoliceRank string

// Police ranks (England and Wales), in order.
const (
	RankConstable           PoliceRank = "constable"
	RankSergeant            PoliceRank = "sergeant"
	RankInspector           PoliceRank = "inspector"
	RankChiefInspector      PoliceRank = "chief_inspector"
	RankSuperintendent      PoliceRank = "superintendent"
	RankChiefSuperintendent PoliceRank = "chief_superintendent"
	RankAssistantChief      PoliceRank = "assistant_chief_constable"
	RankDeputyChief         PoliceRank = "deputy_chief_constable"
	RankChiefConstable      PoliceRank = "chief_constable"
)

// PoliceRanks lists every PoliceRank, lowest first.
var PoliceRanks = []PoliceRank{RankConstable, RankSergeant, RankInspector, RankChiefInspector, RankSuperintendent,
	RankChiefSuperintendent, RankAssistantChief, RankDeputyChief, RankChiefConstable}

// Valid reports whether r is a PoliceRank.
func (r PoliceRank) Valid() bool { return slices.Contains(PoliceRanks, r) }

// AtLeastInspector reports whether r may authorise a disclosure request:
// forces' own procedures ask for an inspector or above.
func (r PoliceRank) AtLeastInspector() bool {
	return slices.Index(PoliceRanks, r) >= slices.Index(PoliceRanks, RankInspector)
}

// DisclosureField is one detail of a reporter the police may ask for.
type DisclosureField string

// Reporter details that may be asked for and released, one by one.
const (
	FieldName         DisclosureField = "name"
	FieldPhone        DisclosureField = "phone"
	FieldEmail        DisclosureField = "email"
	FieldAddress      DisclosureField = "address"
	FieldOrganisation DisclosureField = "organisation"
	FieldRelationship DisclosureField = "relationship"
	FieldContactIP    DisclosureField = "contact_ip"
	FieldDeviceID     DisclosureField = "device_id"
)

// DisclosureFields lists every DisclosureField.
var DisclosureFields = []DisclosureField{FieldName, FieldPhone, FieldEmail, FieldAddress, FieldOrganisation, FieldRelationship, FieldContactIP, FieldDeviceID}

// Valid reports whether f is a DisclosureField.
func (f DisclosureField) Valid() bool { return slices.Contains(DisclosureFields, f) }

// Of returns field f of r as released: "" when r has none.
func (f DisclosureField) Of(r *Reporter) string {
	if r == nil {
		return ""
	}
	switch f {
	case FieldName:
		return strings.TrimSpace(r.GivenName + " " + r.FamilyName)
	case FieldPhone:
		return r.Phone
	case FieldEmail:
		return r.Email
	case FieldAddress:
		if r.Address == nil {
			return ""
		}
		var parts []string
		for _, p := range []string{r.Address.Line1, r.Address.Line2, r.Address.Town, r.Address.Postcode} {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, ", ")
	case FieldOrganisation:
		return r.Organisation
	case FieldRelationship:
		return string(r.Relationship)
	case FieldContactIP:
		return r.ContactIP
	case FieldDeviceID:
		return r.DeviceID
	}
	return ""
}

// Limits of a disclosure request, checked before anything is stored.
const (
	MaxDisclosureReferrals = 50   // referrals one request may name
	MaxDisclosureText      = 4000 // bytes of each free-text field
	MinJustification       = 40   // characters of necessity and of proportionality: a paragraph, not "needed"
	MinDecisionText        = 20   // characters of each step of the test and of reasons
)

// PoliceRequest is what a police liaison files for the police: who asks,
// on whose authority, about what crime, for which referrals' reporters,
// for which details, and why it is necessary and proportionate.
type PoliceRequest struct {
	Force              string     // e.g. "Northshire Police"
	Officer            string     // the officer in the case
	OfficerRank        PoliceRank // their rank
	AuthorisingOfficer string     // who authorised the request
	AuthorisingRank    PoliceRank // inspector or above
	CrimeReference     string     // the force's crime reference number
	Offence            Offence
	LegalBasis         string // LegalBasisCrime
	// Referrals and Family say whose reporter is asked about: at least one
	// must be given, else the request trawls and is refused.
	Referrals []string
	Family    string
	// Fields are the details asked for.
	Fields          []DisclosureField
	Necessity       string // why the details are necessary for the investigation
	Proportionality string // why asking is proportionate: what else was tried, why less will not do
}

// Validate returns a *ValidationError naming every field that is missing
// or wrong, or nil. A request naming neither a referral nor a family is a
// trawl and is refused here.
func (r PoliceRequest) Validate() error {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	text := func(field, v string, min int) {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			bad(field, "missing")
		case len(v) > MaxDisclosureText:
			bad(field, "longer than %d bytes", MaxDisclosureText)
		case !utf8.ValidString(v):
			bad(field, "not valid UTF-8")
		case utf8.RuneCountInString(v) < min:
			bad(field, "at least %d characters, please: say it in a sentence", min)
		}
	}
	text("force", r.Force, 2)
	text("officer", r.Officer, 2)
	if !r.OfficerRank.Valid() {
		bad("officer_rank", "%s", notOneOf(string(r.OfficerRank), PoliceRanks))
	}
	text("authorising_officer", r.AuthorisingOfficer, 2)
	switch {
	case !r.AuthorisingRank.Valid():
		bad("authorising_rank", "%s", notOneOf(string(r.AuthorisingRank), PoliceRanks))
	case !r.AuthorisingRank.AtLeastInspector():
		bad("authorising_rank", "a request must be authorised by an inspector or above, not a %s", r.AuthorisingRank)
	}
	text("crime_reference", r.CrimeReference, 3)
	if !r.Offence.Valid() {
		bad("offence", "%s", notOneOf(string(r.Offence), Offences))
	}
	if r.LegalBasis != LegalBasisCrime {
		bad("legal_basis", "%q is not %s (DPA 2018 Schedule 2 Part 1 paragraph 2)", r.LegalBasis, LegalBasisCrime)
	}
	if len(r.Referrals) == 0 && strings.TrimSpace(r.Family) == "" {
		bad("referrals", "name at least one referral or a family: a request that names neither is a trawl and is refused")
	}
	if len(r.Referrals) > MaxDisclosureReferrals {
		bad("referrals", "at most %d referrals in one request", MaxDisclosureReferrals)
	} else {
		seen := map[string]bool{}
		for i, id := range r.Referrals {
			switch {
			case strings.TrimSpace(id) == "" || len(id) > 200:
				bad(fmt.Sprintf("referrals[%d]", i), "a referral id of 1 to 200 bytes")
			case seen[id]:
				bad(fmt.Sprintf("referrals[%d]", i), "%q named twice", id)
			}
			seen[id] = true
		}
	}
	if len(r.Family) > 200 {
		bad("family", "longer than 200 bytes")
	}
	if len(r.Fields) == 0 {
		bad("fields", "name the details asked for, of %s", joinValues(DisclosureFields))
	}
	seenField := map[DisclosureField]bool{}
	for i, f := range r.Fields {
		switch {
		case !f.Valid():
			bad(fmt.Sprintf("fields[%d]", i), "%s", notOneOf(string(f), DisclosureFields))
		case seenField[f]:
			bad(fmt.Sprintf("fields[%d]", i), "%q named twice", f)
		}
		seenField[f] = true
	}
	text("necessity", r.Necessity, MinJustification)
	text("proportionality", r.Proportionality, MinJustification)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// DisclosureState is where a police disclosure request stands.
type DisclosureState string

// Disclosure states. Filed requests wait for the data protection officer;
// approved ones for a second, different approver; released, refused,
// neither-confirm-nor-deny and expired ones are done.
const (
	DisclosureFiled    DisclosureState = "filed"            // awaiting the DPO's review
	DisclosureMoreInfo DisclosureState = "more_information" // the DPO asked the police for more; the liaison amends
	DisclosureApproved DisclosureState = "approved"         // the DPO approved (the first approval); a second approver must agree
	DisclosureReleased DisclosureState = "released"         // both approved: the package was made
	DisclosureRefused  DisclosureState = "refused"          // refused, with reasons
	DisclosureNCND     DisclosureState = "neither_confirm_nor_deny"
	DisclosureExpired  DisclosureState = "expired" // nobody decided before it expired
)

// DisclosureStates lists every DisclosureState.
var DisclosureStates = []DisclosureState{DisclosureFiled, DisclosureMoreInfo, DisclosureApproved, DisclosureReleased, DisclosureRefused, DisclosureNCND, DisclosureExpired}

// Valid reports whether s is a DisclosureState.
func (s DisclosureState) Valid() bool { return slices.Contains(DisclosureStates, s) }

// Final reports whether nothing more happens to a request in state s.
func (s DisclosureState) Final() bool {
	return s == DisclosureReleased || s == DisclosureRefused || s == DisclosureNCND || s == DisclosureExpired
}

// ReviewOutcome is what the data protection officer decides.
type ReviewOutcome string

// Review outcomes.
const (
	ReviewApproveFull ReviewOutcome = "approve_full" // every detail asked, for every referral in scope
	ReviewApprovePart ReviewOutcome = "approve_part" // some details, or some referrals
	ReviewRefuse      ReviewOutcome = "refuse"       // refused, with reasons the police are told
	ReviewMoreInfo    ReviewOutcome = "more_information"
	ReviewNCND        ReviewOutcome = "neither_confirm_nor_deny" // the police are told neither whether there is a reporter nor who
)

// ReviewOutcomes lists every ReviewOutcome.
var ReviewOutcomes = []ReviewOutcome{ReviewApproveFull, ReviewApprovePart, ReviewRefuse, ReviewMoreInfo, ReviewNCND}

// Valid reports whether o is a ReviewOutcome.
func (o ReviewOutcome) Valid() bool { return slices.Contains(ReviewOutcomes, o) }

// Approves reports whether o releases something (after a second approval).
func (o ReviewOutcome) Approves() bool { return o == ReviewApproveFull || o == ReviewApprovePart }

// DisclosureReview is the DPO's decision on a request: the three-step
// test as they weighed it, then the outcome.
type DisclosureReview struct {
	By string
	At time.Time
	// The three steps: the prejudice to the prevention or detection of
	// crime that withholding would cause, the causal link between
	// withholding and it, and why it is likely (not merely possible).
	Prejudice  string
	CausalLink string
	Likelihood string
	Outcome    ReviewOutcome
	// Fields are the details approved (every one asked for approve_full).
	Fields []DisclosureField
	// Referrals are the referrals whose reporter is released (every
	// referral in scope for approve_full).
	Referrals []string
	// Reasons say why: the police are told them on a refusal or a request
	// for more; kept for every outcome.
	Reasons string
	// GenuineWarning is set when the review showed a reporter with no
	// unfounded or malicious finding: the DPO decided having been warned.
	GenuineWarning bool
	AuditEntry     int64
}

// Validate checks the review against the request it decides.
func (v DisclosureReview) Validate(req PoliceRequest, scope []string) error {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if !v.Outcome.Valid() {
		bad("outcome", "%s", notOneOf(string(v.Outcome), ReviewOutcomes))
	}
	need := func(field, s string) {
		s = strings.TrimSpace(s)
		switch {
		case utf8.RuneCountInString(s) < MinDecisionText:
			bad(field, "at least %d characters, please: say it in a sentence", MinDecisionText)
		case len(s) > MaxDisclosureText:
			bad(field, "longer than %d bytes", MaxDisclosureText)
		}
	}
	if v.Outcome.Approves() {
		need("prejudice", v.Prejudice)
		need("causal_link", v.CausalLink)
		need("likelihood", v.Likelihood)
	}
	if !v.Outcome.Approves() || v.Outcome == ReviewApprovePart {
		need("reasons", v.Reasons)
	}
	if v.Outcome == ReviewApprovePart {
		if len(v.Fields) == 0 && len(v.Referrals) == 0 {
			bad("fields", "a partial approval names the details (or referrals) approved")
		}
		for i, f := range v.Fields {
			if !slices.Contains(req.Fields, f) {
				bad(fmt.Sprintf("fields[%d]", i), "%q was not asked for", f)
			}
		}
		for i, id := range v.Referrals {
			if !slices.Contains(scope, id) {
				bad(fmt.Sprintf("referrals[%d]", i), "%q is not a referral the request concerns", id)
			}
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// DisclosureApproval is one approval of a release: the DPO's review is the
// first, a second, different person's the second.
type DisclosureApproval struct {
	By         string
	At         time.Time
	AuditEntry int64
}

// Disclosure is one police request and everything decided about it.
type Disclosure struct {
	ID          string
	State       DisclosureState
	Request     PoliceRequest
	RequestedBy string // the police liaison, "user:name"
	Filed       time.Time
	Updated     time.Time
	// Expires is when the request lapses undecided; a decision or approval
	// after it is refused.
	Expires time.Time
	// Scope are the referrals the request concerns: those it names, and
	// the family's when it names one.
	Scope     []string
	Review    *DisclosureReview
	Approvals []DisclosureApproval
	// Release describes the package, once released.
	Release *DisclosureRelease
	// Notes are the police's answers to requests for more information,
	// and any amendment, in order.
	Notes []string
	// Version counts the stored changes; UpdateDisclosure refuses a change
	// made on a stale copy.
	Version int
	// AuditEntries are the entries of the log that record the request's
	// steps, in order.
	AuditEntries []int64
}

// DisclosureRelease says what was released and where its package is.
type DisclosureRelease struct {
	At        time.Time
	Expires   time.Time // the liaison may download it until then
	SHA256    string    // of the package's JSON
	PDFSHA256 string
	// Released counts released reporters (referrals) and details.
	Referrals int
	Fields    []DisclosureField
}

// DisclosurePackage is a release as kept: the JSON (the package itself),
// the PDF made from it and the signed note over the JSON's hash.
type DisclosurePackage struct {
	DisclosureID string
	Created      time.Time
	Expires      time.Time
	Liaison      string
	JSON         []byte
	PDF          []byte
	Signature    []byte // a signed note (golang.org/x/mod/sumdb/note) naming the JSON's SHA-256
	SHA256       string
}

// DisclosureFilter selects requests for a worklist or the disclosure log.
type DisclosureFilter struct {
	States      []DisclosureState
	RequestedBy string
	// FiledFrom and FiledTo bound when requests were filed: [from, to).
	FiledFrom, FiledTo time.Time
	Limit              int // at most MaxDisclosurePage; 50 when zero
}

// MaxDisclosurePage bounds one page of requests.
const MaxDisclosurePage = 1000

// DisclosureStore keeps police disclosure requests, their packages, the
// referrals whose reporter was disclosed, and subject access requests.
// The conformance suite storetest.RunDisclosures holds both back-ends to
// this contract.
type DisclosureStore interface {
	// CreateDisclosure stores d (Version 1). A taken ID fails with EConflict.
	CreateDisclosure(ctx context.Context, d Disclosure) error
	// Disclosure returns the request, or ENotFound.
	Disclosure(ctx context.Context, id string) (Disclosure, error)
	// UpdateDisclosure stores d if the stored request's Version is
	// d.Version-1 (else EConflict: someone changed it first; ENotFound
	// when there is none), with pkg (when not nil) and a mark on each of
	// disclosed, in one transaction: all or none.
	UpdateDisclosure(ctx context.Context, d Disclosure, pkg *DisclosurePackage, disclosed []string) error
	// Disclosures returns the requests f selects, newest first.
	Disclosures(ctx context.Context, f DisclosureFilter) ([]Disclosure, error)
	// DisclosurePackage returns a released request's package, or ENotFound.
	DisclosurePackage(ctx context.Context, disclosureID string) (DisclosurePackage, error)
	// Disclosed returns, for each of referralIDs whose reporter was
	// disclosed, the requests that disclosed it; others are absent.
	Disclosed(ctx context.Context, referralIDs []string) (map[string][]string, error)

	// CreateSAR stores s (Version 1). A taken ID fails with EConflict.
	CreateSAR(ctx context.Context, s SAR) error
	// SAR returns the subject access request, or ENotFound.
	SAR(ctx context.Context, id string) (SAR, error)
	// UpdateSAR stores s if the stored one's Version is s.Version-1 (else
	// EConflict, or ENotFound), with its bundle's PDF when not nil.
	UpdateSAR(ctx context.Context, s SAR, bundle []byte) error
	// SARs returns subject access requests, newest first, at most limit.
	SARs(ctx context.Context, limit int) ([]SAR, error)
	// SARBundle returns a SAR's bundle PDF, or ENotFound.
	SARBundle(ctx context.Context, id string) ([]byte, error)
}
