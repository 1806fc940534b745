package casework

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"bonafide"
)

// Agency is who sends the letters: their heading and contacts.
type Agency struct {
	Name     string   // "Example Borough Council"
	Team     string   // "Children's Services Front Door"
	Address  []string // the team's postal address
	Phone    string
	Email    string
	DPOEmail string // where police send requests for the reporter's details
	Code     string // a short code that starts the references police quote, e.g. "EBC"
}

// Draft is a letter as casework composes it: who it goes to (a role or an
// agency, and the family's address, never a reporter's), what it says.
type Draft struct {
	ReferralID string
	Kind       bonafide.LetterKind
	Recipient  string   // "the family of …", "the GP practice"
	To         []string // the address block
	Date       time.Time
	References [][2]string // label and value, e.g. {"Our reference", "R-1"}
	Subject    string
	Salutation string
	Paragraphs []string
	Closing    string
	Signatory  string
	Role       string
}

// LetterRenderer renders a draft, headed by its agency, to PDF and text.
// The same draft must give the same PDF, byte for byte, since its SHA-256
// is kept with it.
type LetterRenderer interface {
	Render(d Draft, from Agency) (pdf []byte, text string, err error)
}

// Digest returns the SHA-256 of a letter's PDF in hex, as kept with it.
func Digest(pdf []byte) string {
	sum := sha256.Sum256(pdf)
	return hex.EncodeToString(sum[:])
}

// letter renders d and returns the letter to keep.
func (s *Service) letter(d Draft, a Actor, now time.Time) (bonafide.Letter, error) {
	if s.Letters == nil {
		return bonafide.Letter{}, bonafide.Errorf(bonafide.EUnavailable, "this server renders no letters")
	}
	pdf, text, err := s.Letters.Render(d, s.Agency)
	if err != nil {
		return bonafide.Letter{}, fmt.Errorf("render %s letter: %w", d.Kind, err)
	}
	return bonafide.Letter{ReferralID: d.ReferralID, Kind: d.Kind, Recipient: d.Recipient, Created: now, Actor: a.Who,
		Text: text, PDF: pdf, SHA256: Digest(pdf)}, nil
}

// PoliceReference is the reference a closure letter gives the family for
// the police to quote to the data protection officer.
func PoliceReference(ag Agency, referralID string, closed time.Time) string {
	code := ag.Code
	if code == "" {
		code = "BF"
	}
	return fmt.Sprintf("%s-DPO-%s-%s", code, closed.Format("20060102"), referralID)
}

func londonDate(t time.Time) string {
	if loc, err := time.LoadLocation("Europe/London"); err == nil {
		t = t.In(loc)
	}
	return t.Format("2 January 2006")
}

// childNames lists the children a referral names, as "Nell and Ivo
// Garside" or "the child" when none has a name.
func childNames(r *bonafide.Referral) string {
	var names []string
	for _, c := range r.Children {
		n := strings.TrimSpace(c.GivenName + " " + c.FamilyName)
		if n != "" {
			names = append(names, n)
		}
	}
	switch len(names) {
	case 0:
		return "the child"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func familyAddress(r *bonafide.Referral) []string {
	if r.Address == nil {
		return nil
	}
	var out []string
	for _, l := range []string{r.Address.Line1, r.Address.Line2, r.Address.Town, r.Address.Postcode} {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// acknowledgement is the letter to the person who referred. Its wording
// is the same for every referral, flagged or not: a letter that differed
// for a suspected campaign would itself tell a troll what triage found.
// It never names the reporter (their details are sealed); the team sends
// it by the channel the referral came through.
func acknowledgement(ag Agency, r *bonafide.Referral, now time.Time) Draft {
	return Draft{
		ReferralID: r.ID,
		Kind:       bonafide.LetterAcknowledgement,
		Recipient:  "the person who made the referral",
		Date:       now,
		References: [][2]string{{"Our reference", r.ID}, {"Received", londonDate(r.ReceivedAt)}},
		Subject:    "Your referral to children's services",
		Salutation: "Dear sender,",
		Paragraphs: []string{
			fmt.Sprintf("Thank you for contacting %s on %s about a child's welfare. We have received your referral.", ag.Name, londonDate(r.ReceivedAt)),
			"A qualified social worker will consider it and decide what happens next. To protect the privacy of the child and their family, we may not be able to tell you what we decide.",
			"If you think a child is in immediate danger, call 999.",
		},
		Closing:   "Yours faithfully,",
		Signatory: ag.Team,
		Role:      ag.Name,
	}
}

// closure is the letter to the family when their case closes: what was
// received and when, what was decided and found, that the agency believes
// the referral malicious where it does, and the reference the police can
// quote to the data protection officer.
func closure(ag Agency, r *bonafide.Referral, c bonafide.Case, retracted []bonafide.Agency, now time.Time) Draft {
	children := childNames(r)
	paras := []string{
		fmt.Sprintf("On %s we received a referral about %s. We are writing to tell you that we have now closed it.", londonDate(r.ReceivedAt), children),
		"What we decided: " + decisionWords(c.Decision) + ".",
	}
	switch c.Finding {
	case bonafide.FindingMalicious:
		paras = append(paras, "What we found: we believe this referral was malicious. The concerns it raised were not true, and we believe they were made to cause harm to your family. It is recorded as malicious on our system, and it will not be treated as a concern about your family.")
	case bonafide.FindingUnfounded:
		paras = append(paras, "What we found: the concerns the referral raised were unfounded. It is recorded as such on our system.")
	case bonafide.FindingUnsubstantiated:
		paras = append(paras, "What we found: we did not find evidence to support the concerns the referral raised.")
	case bonafide.FindingSubstantiated:
		paras = append(paras, "What we found: some of the concerns were borne out. Your social worker has talked with you about the support offered.")
	}
	if len(retracted) > 0 {
		var names []string
		for _, a := range retracted {
			names = append(names, agencyWords(a))
		}
		list := strings.Join(names, ", ")
		if len(names) > 1 {
			list = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
		}
		paras = append(paras, fmt.Sprintf("We had contacted %s about %s. We have written to tell them that no concerns were found and to ask them to remove any flag from their records.", list, children))
	}
	if c.Finding.False() {
		paras = append(paras, fmt.Sprintf("If you report this to the police, they can quote reference %s to our data protection officer%s, who will consider any request for information lawfully and will not release anything without it.",
			PoliceReference(ag, r.ID, now), dpoContact(ag)))
	}
	paras = append(paras, "You can ask for a copy of the information we hold about you and your children (a subject access request) by writing to our data protection officer.")
	return Draft{
		ReferralID: r.ID,
		Kind:       bonafide.LetterClosure,
		Recipient:  "the family of " + children,
		To:         append([]string{"The parent or carer of " + children}, familyAddress(r)...),
		Date:       now,
		References: [][2]string{{"Our reference", r.ID}, {"Closed", londonDate(now)}},
		Subject:    "Your referral has been closed",
		Salutation: "Dear parent or carer,",
		Paragraphs: paras,
		Closing:    "Yours sincerely,",
		Signatory:  ag.Team,
		Role:       ag.Name,
	}
}

func dpoContact(ag Agency) string {
	if ag.DPOEmail == "" {
		return ""
	}
	return " (" + ag.DPOEmail + ")"
}

// retraction is the notice to an agency that was told: no concerns were
// found; please remove any flag.
func retraction(ag Agency, r *bonafide.Referral, told bonafide.Notification, c bonafide.Case, now time.Time) Draft {
	children := childNames(r)
	found := "no concerns were found"
	if c.Finding == bonafide.FindingMalicious {
		found = "no concerns were found, and we believe the referral that led to it was malicious"
	}
	return Draft{
		ReferralID: r.ID,
		Kind:       bonafide.LetterRetraction,
		Recipient:  agencyWords(told.Agency),
		To:         []string{"The safeguarding lead", agencyWords(told.Agency)},
		Date:       now,
		References: [][2]string{{"Our reference", r.ID}, {"Our contact of", londonDate(told.Sent)}},
		Subject:    "No concerns found: please remove any flag",
		Salutation: "Dear colleague,",
		Paragraphs: []string{
			fmt.Sprintf("On %s we contacted you about %s as part of an enquiry by children's services. That enquiry is now closed: %s.", londonDate(told.Sent), children, found),
			"Please remove any flag, alert or note that was added to the child's record because of our contact, and do not treat our contact as a safeguarding concern in future.",
			"We are asking this so that the record is accurate (UK GDPR Articles 16 and 19). Please reply to confirm when it is done.",
		},
		Closing:   "Yours sincerely,",
		Signatory: ag.Team,
		Role:      ag.Name,
	}
}

func agencyWords(a bonafide.Agency) string {
	switch a {
	case bonafide.AgencyGP:
		return "the GP practice"
	case bonafide.AgencySchool:
		return "the school"
	case bonafide.AgencyHealthVisitor:
		return "the health visiting team"
	case bonafide.AgencyPolice:
		return "the police"
	}
	return "the referrer"
}

func decisionWords(d bonafide.CaseDecision) string {
	switch d {
	case bonafide.DecideStrategyDiscussion:
		return "to hold a strategy discussion with the police and health services"
	case bonafide.DecideSection47:
		return "to make child protection enquiries (section 47 of the Children Act 1989)"
	case bonafide.DecideAssessment:
		return "to carry out a child and family assessment"
	case bonafide.DecideEarlyHelp:
		return "to offer early help"
	case bonafide.DecideAdvice:
		return "to give advice and information about services"
	}
	return "to take no further action"
}
