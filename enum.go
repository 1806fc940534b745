package bonafide

// Channel is how a referral reached the agency.
type Channel string

// Channels of the interchange format. ChannelRelay means another agency
// passed the referral on (see [Relay]).
const (
	ChannelPhone    Channel = "phone"
	ChannelWebForm  Channel = "web_form"
	ChannelEmail    Channel = "email"
	ChannelLetter   Channel = "letter"
	ChannelInPerson Channel = "in_person"
	ChannelRelay    Channel = "relay"
)

// Channels lists every valid Channel, for validation messages and documents.
var Channels = []Channel{ChannelPhone, ChannelWebForm, ChannelEmail, ChannelLetter, ChannelInPerson, ChannelRelay}

// KnowledgeBasis is how the reporter says they know what they report.
type KnowledgeBasis string

// Knowledge bases of the interchange format.
const (
	KnowledgeFirstHand     KnowledgeBasis = "first_hand"
	KnowledgeProfessional  KnowledgeBasis = "professional"
	KnowledgeSecondHand    KnowledgeBasis = "second_hand"
	KnowledgeOnlineContent KnowledgeBasis = "online_content"
	KnowledgeNotStated     KnowledgeBasis = "not_stated"
)

// KnowledgeBases lists every valid KnowledgeBasis.
var KnowledgeBases = []KnowledgeBasis{KnowledgeFirstHand, KnowledgeProfessional, KnowledgeSecondHand, KnowledgeOnlineContent, KnowledgeNotStated}

// Relationship is the reporter's stated relationship to the family.
type Relationship string

// Relationships of the interchange format.
const (
	RelParent           Relationship = "parent"
	RelRelative         Relationship = "relative"
	RelNeighbour        Relationship = "neighbour"
	RelFriend           Relationship = "friend"
	RelTeacher          Relationship = "teacher"
	RelHealthProfession Relationship = "health_professional"
	RelPolice           Relationship = "police"
	RelSocialCare       Relationship = "social_care"
	RelMemberOfPublic   Relationship = "member_of_public"
	RelOnlineFollower   Relationship = "online_follower"
	RelNotStated        Relationship = "not_stated"
)

// Relationships lists every valid Relationship.
var Relationships = []Relationship{RelParent, RelRelative, RelNeighbour, RelFriend, RelTeacher, RelHealthProfession, RelPolice, RelSocialCare, RelMemberOfPublic, RelOnlineFollower, RelNotStated}

// Professional reports whether the relationship is one of a professional who
// knows the child through their work (school, health, police, social care).
func (r Relationship) Professional() bool {
	switch r {
	case RelTeacher, RelHealthProfession, RelPolice, RelSocialCare:
		return true
	}
	return false
}

// PersonRole is a person's place in the family.
type PersonRole string

// Person roles of the interchange format.
const (
	RoleChild   PersonRole = "child"
	RoleMother  PersonRole = "mother"
	RoleFather  PersonRole = "father"
	RoleCarer   PersonRole = "carer"
	RolePartner PersonRole = "partner"
	RoleOther   PersonRole = "other"
)

// PersonRoles lists every valid PersonRole.
var PersonRoles = []PersonRole{RoleChild, RoleMother, RoleFather, RoleCarer, RolePartner, RoleOther}

// ConcernCategory classifies a concern.
type ConcernCategory string

// Concern categories of the interchange format.
const (
	ConcernNeglect         ConcernCategory = "neglect"
	ConcernPhysicalAbuse   ConcernCategory = "physical_abuse"
	ConcernEmotionalAbuse  ConcernCategory = "emotional_abuse"
	ConcernSexualAbuse     ConcernCategory = "sexual_abuse"
	ConcernDomesticAbuse   ConcernCategory = "domestic_abuse"
	ConcernSubstanceMisuse ConcernCategory = "substance_misuse"
	ConcernOnlineSafety    ConcernCategory = "online_safety"
	ConcernOther           ConcernCategory = "other"
)

// ConcernCategories lists every valid ConcernCategory.
var ConcernCategories = []ConcernCategory{ConcernNeglect, ConcernPhysicalAbuse, ConcernEmotionalAbuse, ConcernSexualAbuse, ConcernDomesticAbuse, ConcernSubstanceMisuse, ConcernOnlineSafety, ConcernOther}

// Decision is what the agency decided to do about a referral.
type Decision string

// Decisions of the interchange format.
const (
	DecisionNoFurtherAction Decision = "no_further_action"
	DecisionEarlyHelp       Decision = "early_help"
	DecisionAssessment      Decision = "assessment"
	DecisionSection47       Decision = "section_47"
	DecisionPoliceReferral  Decision = "police_referral"
)

// Decisions lists every valid Decision.
var Decisions = []Decision{DecisionNoFurtherAction, DecisionEarlyHelp, DecisionAssessment, DecisionSection47, DecisionPoliceReferral}

// Finding is what an enquiry found of the concern.
type Finding string

// Findings of the interchange format. Unfounded and malicious findings are
// what campaign signals weigh most.
const (
	FindingSubstantiated   Finding = "substantiated"
	FindingUnsubstantiated Finding = "unsubstantiated"
	FindingUnfounded       Finding = "unfounded"
	FindingMalicious       Finding = "malicious"
)

// Findings lists every valid Finding.
var Findings = []Finding{FindingSubstantiated, FindingUnsubstantiated, FindingUnfounded, FindingMalicious}

// False reports whether the finding says the concern was not true: unfounded
// or malicious.
func (f Finding) False() bool { return f == FindingUnfounded || f == FindingMalicious }

// Valid reports whether c is a Channel of the format.
func (c Channel) Valid() bool { return contains(Channels, c) }

// Valid reports whether k is a KnowledgeBasis of the format.
func (k KnowledgeBasis) Valid() bool { return contains(KnowledgeBases, k) }

// Valid reports whether r is a Relationship of the format.
func (r Relationship) Valid() bool { return contains(Relationships, r) }

// Valid reports whether r is a PersonRole of the format.
func (r PersonRole) Valid() bool { return contains(PersonRoles, r) }

// Valid reports whether c is a ConcernCategory of the format.
func (c ConcernCategory) Valid() bool { return contains(ConcernCategories, c) }

// Valid reports whether d is a Decision of the format.
func (d Decision) Valid() bool { return contains(Decisions, d) }

// Valid reports whether f is a Finding of the format.
func (f Finding) Valid() bool { return contains(Findings, f) }

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
