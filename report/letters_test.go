package report_test

import (
	"time"

	"bonafide/report"
)

// The sample letters use invented people, an invented council and the
// telephone numbers Ofcom keeps for drama (01632 960xxx); none is a real
// person or place.

func sender() report.Sender {
	return report.Sender{
		Agency:  "Northbury Borough Council",
		Team:    "Children’s Services Front Door",
		Address: []string{"Civic Centre", "Market Street", "Northbury", "NB1 2QA"},
		Phone:   "01632 960 418",
		Email:   "frontdoor@northbury.example.gov.uk",
	}
}

const marking = "OFFICIAL-SENSITIVE"

const footer = "If you would like this letter in large print, Braille, audio or another language, " +
	"please call 01632 960 418."

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// acknowledgement is sent to whoever made a referral within one working
// day. Its wording is the same for every referrer, so that a referral
// suspected to be part of a campaign learns nothing from it.
func acknowledgement() report.Letter {
	return report.Letter{
		From:       sender(),
		To:         report.Recipient{Name: "Mr Tomás Ferreira", Address: []string{"Flat 3, Weaver’s Court", "27 Canal Row", "Northbury", "NB4 7HX"}},
		Date:       day(2026, time.December, 2),
		References: []report.Reference{{Label: "Our reference", Value: "NB-2026-004127"}},
		Subject:    "Your contact with Children’s Services on 1 December 2026",
		Salutation: "Dear Mr Ferreira,",
		Body: []report.Block{
			report.Paragraph("Thank you for contacting Northbury Children’s Services on 1 December 2026. We have received what you told us and it has been passed to a social worker in our Front Door team."),
			report.Paragraph("Every concern about a child is read by a qualified social worker, who decides what should happen next. To protect the privacy of the children and families we work with, we do not tell the person who contacted us what we decide or what we find."),
			report.Paragraph("If you think a child is in immediate danger, call 999. If you have something new to tell us, call 01632 960 418 and quote the reference above."),
		},
		Closing:   "Yours sincerely,",
		Signatory: report.Signatory{Name: "Aled Morgan-Reyes", Role: "Team Manager, Front Door"},
		Marking:   marking,
		Footer:    footer,
	}
}

// closure is sent to the family when a referral is closed and the agency
// believes it malicious.
func closure() report.Letter {
	return report.Letter{
		From: sender(),
		To:   report.Recipient{Name: "Ms Siân Pritchard-Okafor", Address: []string{"14 Orchard Way", "Lower Hatherby", "Northbury", "NB3 9TE"}},
		Date: day(2026, time.December, 2),
		References: []report.Reference{
			{Label: "Our reference", Value: "NB-2026-004127"},
			{Label: "Police may quote", Value: "DPO-2026-0193"},
		},
		Subject:    "The referral we received about Zoë and Osian on 24 November 2026",
		Salutation: "Dear Ms Pritchard-Okafor,",
		Body: []report.Block{
			report.Paragraph("I am writing to tell you the outcome of the referral we received about your children, Zoë and Osian, and to apologise for the worry it will have caused you."),
			report.Heading("What we received"),
			report.Paragraph("On 24 November 2026 at 21:42 we received an online referral which said that Zoë had been left alone at home overnight and that Osian had missed school without explanation. On 25 November 2026 the national helpline passed on a second call saying the same things."),
			report.Heading("What we decided and found"),
			report.Bullets(
				"A social worker read both referrals on 25 November 2026 and decided that a proportionate enquiry was needed rather than a visit.",
				"Osian’s school confirmed that his attendance this term is 98% and that both absences were reported by you in advance.",
				"Nothing we found supports what the referrals said. We have closed the referral with no further action and no concerns.",
			),
			report.Heading("Why we believe the referral was malicious"),
			report.Paragraph("We believe, on the information we hold, that this referral was made maliciously. Its details closely repeat posts you made publicly in October 2026; it arrived shortly after one of those posts; and we have received similar referrals about your family before. We have recorded this finding on our file so that any future referral is read with it in mind."),
			report.Heading("If you report this to the police"),
			report.Paragraph("If you report harassment to the police, they may ask our data protection officer for information about this referral. They should quote the reference DPO-2026-0193. We will consider any request from the police carefully and lawfully; we do not share who made a referral unless the law allows it."),
			report.Paragraph("We have written to the school and to your GP to tell them that no concerns were found and to ask them to remove any flag they may have added to their records."),
			report.Paragraph("If you would like to talk about this letter, or to see the information we hold about you, please call me on 01632 960 418 or write to the address above – quoting our reference."),
		},
		Closing:   "Yours sincerely,",
		Signatory: report.Signatory{Name: "Aled Morgan-Reyes", Role: "Team Manager, Front Door"},
		Marking:   marking,
		Footer:    footer,
	}
}

// retraction is sent to an agency that was told about a referral found to
// have no basis.
func retraction() report.Letter {
	return report.Letter{
		From: sender(),
		To: report.Recipient{Name: "The Practice Manager", Address: []string{
			"Larkfield Medical Centre", "2 Station Approach", "Northbury", "NB2 5LD"}},
		Date: day(2026, time.December, 2),
		References: []report.Reference{
			{Label: "Our reference", Value: "NB-2026-004127"},
		},
		Subject:    "No concerns found: please remove any flag",
		Salutation: "Dear Practice Manager,",
		Body: []report.Block{
			report.Paragraph("On 25 November 2026 we asked the practice for information about these children, following a referral to Children’s Services:"),
			report.Bullets("Zoë Pritchard-Okafor, born 3 March 2019", "Osian Pritchard-Okafor, born 17 July 2016"),
			report.Paragraph("We have now completed our enquiries. No concerns were found, and we have closed the referral with no further action."),
			report.Paragraph("If a note, alert or flag was added to either child’s record because of our request, please remove it. Please do not contact the family about our request."),
			report.Paragraph("Thank you for your help. If you have any questions, please call the Front Door team on 01632 960 418, quoting our reference."),
		},
		Closing:   "Yours faithfully,",
		Signatory: report.Signatory{Name: "Aled Morgan-Reyes", Role: "Team Manager, Front Door"},
		Marking:   marking,
		Footer:    footer,
	}
}
