package locker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"bonafide/report"
)

// DossierOptions say who the dossier is from and for.
type DossierOptions struct {
	Family    string   // e.g. "The Price family"; required
	Address   []string // the family's contact address, if they wish to give one
	Contact   string   // a phone or e-mail, if they wish
	To        string   // e.g. "Officer in the case, Northshire Police"; "To whom it may concern" if empty
	Preparer  string   // who prepared it, e.g. "Zoë Price"; the family if empty
	Date      time.Time
	Reference string // e.g. a police incident number, if there is one
}

var categoryNames = map[string]string{
	CategoryPost: "Our post", CategoryForum: "Forum", CategoryReferral: "Children's services",
	CategorySponsor: "Sponsor", CategoryGP: "GP", CategorySchool: "School", CategoryPolice: "Police", CategoryOther: "Other",
}

// Dossier renders the police-ready dossier of the chosen items as PDF: a
// summary, the chronology with its links, the numbered exhibits with
// their hashes, time-stamps and custody entries, the points the
// Protection from Harassment Act 1997 looks for, and how to verify the
// bundle. Exhibit numbers are the bundle's.
func (l *Locker) Dossier(ctx context.Context, ex []Exhibit, opt DossierOptions) ([]byte, error) {
	ids := make([]string, len(ex))
	for i, e := range ex {
		ids[i] = e.ID
	}
	ev, err := l.Timeline(ctx, ids)
	if err != nil {
		return nil, err
	}
	items := map[string]*Item{}
	for _, id := range ids {
		it, err := l.Item(ctx, id)
		if err != nil {
			return nil, err
		}
		items[id] = it
	}
	return renderDossier(DossierLetter(ev, ex, items, l.VerifierKey(), opt), l.cfg.PDF)
}

// renderDossier lays the dossier out as the agency's letters are: in
// Helvetica when everything in it is in Windows-1252, else in the
// embedded UTF-8 font (DejaVu Sans, [Config.PDF]) when there is one, so
// that "Łucja", "Олена" or "☕" print as written. Only what neither font
// has (most emoji) prints as "?"; the exhibits keep the original text.
func renderDossier(l report.Letter, font *report.Renderer) ([]byte, error) {
	helvetica, lost := printable(l, nil)
	if font == nil || !lost {
		return report.RenderPDF(helvetica)
	}
	embedded, _ := printable(l, font)
	return font.RenderPDF(embedded)
}

// printable replaces the characters font cannot show (nil: Helvetica,
// whose encoding is Windows-1252) with "?", and line breaks and tabs with
// spaces, so that a family's post with an emoji does not stop the
// dossier. It also reports whether a character was lost to "?".
func printable(l report.Letter, font *report.Renderer) (report.Letter, bool) {
	lost := false
	fix := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' || r == '\t' {
				return ' '
			}
			if r < 0x20 || r == utf8.RuneError {
				return '?'
			}
			if !font.Shows(r) {
				lost = true
				return '?'
			}
			return r
		}, norm.NFC.String(s))
	}
	l.Body = slices.Clone(l.Body)
	for i := range l.Body {
		l.Body[i].Items = slices.Clone(l.Body[i].Items)
		l.Body[i].Text = fix(l.Body[i].Text)
		for j := range l.Body[i].Items {
			l.Body[i].Items[j] = fix(l.Body[i].Items[j])
		}
	}
	l.Subject, l.From.Agency, l.To.Name = fix(l.Subject), fix(l.From.Agency), fix(l.To.Name)
	l.Signatory.Name, l.Signatory.Role = fix(l.Signatory.Name), fix(l.Signatory.Role)
	l.From.Address = slices.Clone(l.From.Address)
	for i := range l.From.Address {
		l.From.Address[i] = fix(l.From.Address[i])
	}
	l.From.Email = fix(l.From.Email)
	l.References = slices.Clone(l.References)
	for i := range l.References {
		l.References[i].Value = fix(l.References[i].Value)
	}
	return l, lost
}

// DossierFunc returns the Dossier of ExportOptions for these options.
func (l *Locker) DossierFunc(ctx context.Context, opt DossierOptions) func([]Exhibit) ([]byte, error) {
	return func(ex []Exhibit) ([]byte, error) { return l.Dossier(ctx, ex, opt) }
}

// count is "1 contact" or "3 contacts".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// verb is one when n is 1, else many.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// inSentence is a family's name as it reads inside a sentence: "The
// Price family" becomes "the Price family" ("against the Price family"),
// and any other name is kept as given.
func inSentence(family string) string {
	if rest, ok := strings.CutPrefix(family, "The "); ok {
		return "the " + rest
	}
	return family
}

func day(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") }

// DossierLetter composes the dossier as a report.Letter, which report
// lays out: the family's words and the evidence, nothing invented.
func DossierLetter(ev []Event, ex []Exhibit, items map[string]*Item, verifierKey string, opt DossierOptions) report.Letter {
	if opt.Date.IsZero() {
		opt.Date = time.Now()
	}
	if opt.To == "" {
		opt.To = "To whom it may concern"
	}
	if opt.Preparer == "" {
		opt.Preparer = opt.Family
	}
	var reports, forums, posts, restated, announced, afterBirth int
	days := map[string]bool{}
	kinds := map[string]bool{}
	var first, last time.Time
	for _, e := range ev {
		switch {
		case e.Category == CategoryPost:
			posts++
		case e.Category == CategoryForum:
			forums++
		case isReport(e.Category):
			reports++
			days[e.When.UTC().Format("2006-01-02")] = true
			kinds[e.Category] = true
			if first.IsZero() {
				first = e.When
			}
			last = e.When
		}
		for _, k := range e.Links {
			switch k.Kind {
			case LinkRestates:
				restated++
			case LinkAnnounced:
				announced++
			case LinkAfterBirth:
				afterBirth++
			}
		}
	}
	var body []report.Block
	body = append(body, report.Heading("Summary"))
	if reports > 0 {
		body = append(body, report.Paragraph(fmt.Sprintf(
			"This dossier sets out %s made about our family by others (referrals to children's services, letters to our sponsors, notices to our GP and school) on %s between %s and %s, with %s of our own and %s they relate to. It holds %s in all.",
			count(reports, "contact", "contacts"), count(len(days), "day", "different days"), first.UTC().Format("2 January 2006"), last.UTC().Format("2 January 2006"),
			count(posts, "post", "posts"), count(forums, "forum page", "forum pages"), count(len(ex), "exhibit", "exhibits"))))
	} else {
		body = append(body, report.Paragraph(fmt.Sprintf("This dossier holds %d exhibits.", len(ex))))
	}
	if restated+announced+afterBirth > 0 {
		body = append(body, report.Paragraph(fmt.Sprintf(
			"Of these contacts, %d %s the words of our own posts, %d followed a forum post announcing %s, and %d came within 30 days of a post announcing a birth. Each is marked in the chronology with the exhibits to compare.",
			restated, verb(restated, "repeats", "repeat"), announced, verb(announced, "it", "them"), afterBirth)))
	}
	body = append(body, report.Paragraph("Every exhibit is in the accompanying bundle with its SHA-256 hash, an RFC 3161 time-stamp where one was obtained, and a signed proof that it was entered in the locker's custody log. The bundle can be checked without our passphrase (see the last section)."))

	body = append(body, report.Heading("Chronology"))
	var lines []string
	for _, e := range ev {
		s := fmt.Sprintf("%s — %s — %s [%s]", day(e.When), categoryNames[e.Category], e.Title, e.Ref)
		for _, k := range e.Links {
			s += fmt.Sprintf(". This %s (%s): %s", k.Kind, k.Ref, k.Detail)
		}
		lines = append(lines, s)
	}
	if len(lines) > 0 {
		body = append(body, report.Bullets(lines...))
	}

	body = append(body, report.Heading("Protection from Harassment Act 1997"))
	var pha []string
	if len(days) >= 2 {
		pha = append(pha, fmt.Sprintf("A course of conduct (s1, s7(3)): conduct on at least two occasions. The exhibits show %d contacts on %d separate days.", reports, len(days)))
	} else {
		pha = append(pha, fmt.Sprintf("A course of conduct (s1, s7(3)) needs conduct on at least two occasions; the exhibits show contacts on %d day(s) so far.", len(days)))
	}
	if announced > 0 || forums > 0 {
		pha = append(pha, fmt.Sprintf("Conduct aided, abetted, counselled or procured by others (s7(3A)): %s exhibited, and %s a forum post announcing %s.",
			count(forums, "forum page is", "forum pages are"), count(announced, "contact followed", "contacts followed"), verb(announced, "it", "them")))
	}
	if restated > 0 {
		pha = append(pha, fmt.Sprintf("The contacts were not first-hand concerns: %d %s the words of our own public posts.", restated, verb(restated, "uses", "use")))
	}
	if len(kinds) > 1 {
		names := []string{}
		for _, c := range []string{CategoryReferral, CategorySponsor, CategoryGP, CategorySchool} {
			if kinds[c] {
				names = append(names, strings.ToLower(categoryNames[c]))
			}
		}
		pha = append(pha, "The conduct reached us through several channels ("+strings.Join(names, ", ")+"), which a person ought to know would cause alarm or distress (s1(2)).")
	}
	body = append(body, report.Bullets(pha...))

	body = append(body, report.Heading("Exhibits"))
	for _, e := range ex {
		it := items[e.ID]
		s := fmt.Sprintf("%s — %s. %s, %s; recorded in the locker %s.", e.Number, e.Title, e.Kind, categoryNames[e.Category], day(e.Recorded))
		if it != nil {
			keys := make([]string, 0, len(it.Meta))
			for k := range it.Meta {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if v := it.Meta[k]; v != "" && len(v) < 200 {
					s += " " + k + ": " + v + "."
				}
			}
		}
		body = append(body, report.Paragraph(s))
		var parts []string
		for _, p := range e.Parts {
			parts = append(parts, fmt.Sprintf("%s (%d bytes, recorded %s): SHA-256 %s", p.Name, p.Size, day(p.Recorded), p.SHA256))
		}
		parts = append(parts, "Exhibit digest: "+e.Digest)
		switch {
		case it != nil && it.Stamp != nil && it.Stamp.Time.Sub(it.Recorded) > time.Hour:
			parts = append(parts, fmt.Sprintf("Time-stamp: %s by %s, obtained later (the locker was offline when the item was recorded)", day(it.Stamp.Time), it.Stamp.TSA))
		case it != nil && it.Stamp != nil:
			parts = append(parts, fmt.Sprintf("Time-stamp: %s by %s", day(it.Stamp.Time), it.Stamp.TSA))
		case it != nil && it.StampPending != "":
			parts = append(parts, "Time-stamp: pending (the time-stamping authority could not be reached)")
		default:
			parts = append(parts, "Time-stamp: none (no time-stamping authority was set up)")
		}
		parts = append(parts, fmt.Sprintf("Custody log entry %d", e.Custody))
		body = append(body, report.Bullets(parts...))
	}

	body = append(body, report.Heading("How to verify the bundle"))
	body = append(body, report.Paragraph("Run: bonafide locker verify BUNDLE.zip --key KEY, with the key below. It checks every hash, the manifest's signature, each time-stamp and each custody proof, and names any exhibit that was changed, added or removed. No passphrase is needed."))
	body = append(body, report.Paragraph("Locker verifier key: "+verifierKey))

	refs := []report.Reference{{Label: "Exhibits", Value: fmt.Sprintf("%d", len(ex))}}
	if opt.Reference != "" {
		refs = append([]report.Reference{{Label: "Your reference", Value: opt.Reference}}, refs...)
	}
	return report.Letter{
		From:       report.Sender{Agency: opt.Family, Address: opt.Address, Email: opt.Contact},
		To:         report.Recipient{Name: opt.To},
		Date:       opt.Date,
		References: refs,
		Subject:    "Evidence dossier: a course of conduct against " + inSentence(opt.Family),
		Salutation: "",
		Body:       body,
		Closing:    "Prepared by",
		Signatory:  report.Signatory{Name: opt.Preparer, Role: "for " + inSentence(opt.Family)},
		Marking:    "OFFICIAL-SENSITIVE",
		Footer:     "Prepared with the bonafide evidence locker. Exhibit numbers refer to the verifiable bundle.",
	}
}
