package disclosure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"bonafide"
	"bonafide/report"
)

// OpenSAR opens a subject access request and gathers what is held about
// the requester and their children: every referral of the family (and
// those named), its triage assessment, case decisions, notifications and
// letters, each split into parts and redacted (see [Screen]). The clock
// starts at s.Received.
func (s *Service) OpenSAR(ctx context.Context, a Actor, sar bonafide.SAR) (bonafide.SAR, error) {
	if err := can(a, bonafide.PermSARManage); err != nil {
		return bonafide.SAR{}, err
	}
	if err := sar.Validate(); err != nil {
		return bonafide.SAR{}, err
	}
	ids := slices.Clone(sar.Referrals)
	if sar.Family != "" {
		fam, err := s.familyReferrals(ctx, sar.Family)
		if err != nil {
			return bonafide.SAR{}, err
		}
		for _, id := range fam {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	docs, err := s.gather(ctx, sar, ids)
	if err != nil {
		return bonafide.SAR{}, err
	}
	now := s.now()
	sar.ID, sar.State, sar.OpenedBy, sar.Updated, sar.Documents = newID("SAR-"), bonafide.SAROpen, a.Who, now, docs
	sar.ExtendedMonths, sar.Paused, sar.PausedSince, sar.SignedOffBy = 0, 0, time.Time{}, ""
	if _, err := s.audit(ctx, a.Who, "sar.open", sar.ID, fmt.Sprintf("subject access request received %s: %d documents from %d referrals",
		sar.Received.Format(time.DateOnly), len(docs), len(ids))); err != nil {
		return bonafide.SAR{}, err
	}
	if err := s.Store.CreateSAR(ctx, sar); err != nil {
		return bonafide.SAR{}, err
	}
	sar.Version = 1
	return sar, nil
}

// GetSAR returns a subject access request.
func (s *Service) GetSAR(ctx context.Context, a Actor, id string) (bonafide.SAR, error) {
	if err := can(a, bonafide.PermSARManage); err != nil {
		return bonafide.SAR{}, err
	}
	return s.Store.SAR(ctx, id)
}

// SARs returns subject access requests, newest first, at most limit
// (bonafide.MaxDisclosurePage when limit is not in 1 to it).
func (s *Service) SARs(ctx context.Context, a Actor, limit int) ([]bonafide.SAR, error) {
	if err := can(a, bonafide.PermSARManage); err != nil {
		return nil, err
	}
	if limit < 1 || limit > bonafide.MaxDisclosurePage {
		limit = bonafide.MaxDisclosurePage
	}
	return s.Store.SARs(ctx, limit)
}

// SARChange is one change a reviewer makes to a SAR.
type SARChange struct {
	// Part and Code change one part's redaction (RedactNone releases it);
	// Reason says why, for the log.
	Part   string
	Code   bonafide.RedactionCode
	Reason string
}

// Redact changes one part's redaction. A part holding a reporter's detail
// is locked: it cannot be released through a SAR.
func (s *Service) Redact(ctx context.Context, a Actor, id string, c SARChange) (bonafide.SAR, error) {
	return s.changeSAR(ctx, a, id, "sar.redact", func(sar *bonafide.SAR) (string, error) {
		if c.Code != bonafide.RedactNone && !c.Code.Valid() {
			return "", &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "code", Reason: "one of R1, R2, T1, S1, or empty to release"}}}
		}
		c.Reason = strings.TrimSpace(c.Reason)
		if utf8.RuneCountInString(c.Reason) < bonafide.MinDecisionText || len(c.Reason) > bonafide.MaxDisclosureText {
			return "", &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason", Reason: fmt.Sprintf("at least %d characters saying why", bonafide.MinDecisionText)}}}
		}
		for i := range sar.Documents {
			for j := range sar.Documents[i].Parts {
				p := &sar.Documents[i].Parts[j]
				if p.ID != c.Part {
					continue
				}
				if p.Locked && c.Code != bonafide.RedactReporter {
					return "", bonafide.Errorf(bonafide.EForbidden, "part %s holds a detail of the person who made a referral: it stays withheld (a reporter's identity leaves only through the disclosure workflow)", c.Part)
				}
				p.Code, p.ChangedBy, p.ChangeReason = c.Code, a.Who, c.Reason
				return fmt.Sprintf("part %s: %s (%s)", c.Part, codeName(c.Code), c.Reason), nil
			}
		}
		return "", bonafide.Errorf(bonafide.ENotFound, "no part %s", c.Part)
	})
}

func codeName(c bonafide.RedactionCode) string {
	if c == bonafide.RedactNone {
		return "shown"
	}
	return string(c)
}

// Clarify stops the clock while the agency waits for the requester to
// clarify (stop true), or starts it again.
func (s *Service) Clarify(ctx context.Context, a Actor, id string, stop bool, reason string) (bonafide.SAR, error) {
	return s.changeSAR(ctx, a, id, "sar.clock", func(sar *bonafide.SAR) (string, error) {
		now := s.now()
		switch {
		case stop && sar.State == bonafide.SAROpen:
			sar.State, sar.PausedSince = bonafide.SARClarifying, now
			return "clock stopped while clarifying: " + reason, nil
		case !stop && sar.State == bonafide.SARClarifying:
			sar.Paused += now.Sub(sar.PausedSince)
			sar.State, sar.PausedSince = bonafide.SAROpen, time.Time{}
			return "clock restarted: " + reason, nil
		}
		return "", bonafide.Errorf(bonafide.EConflict, "subject access request %s is %s", id, sar.State)
	})
}

// Extend extends the deadline by months (1 or 2 in all) for a complex
// request, with a reason the requester is told.
func (s *Service) Extend(ctx context.Context, a Actor, id string, months int, reason string) (bonafide.SAR, error) {
	return s.changeSAR(ctx, a, id, "sar.extend", func(sar *bonafide.SAR) (string, error) {
		if months < 1 || sar.ExtendedMonths+months > 2 {
			return "", &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "months", Reason: "an extension of up to two months in all (UK GDPR Art 12(3))"}}}
		}
		if utf8.RuneCountInString(strings.TrimSpace(reason)) < bonafide.MinDecisionText {
			return "", &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason", Reason: "say why the request is complex"}}}
		}
		sar.ExtendedMonths += months
		sar.ExtensionReason = strings.TrimSpace(reason)
		return fmt.Sprintf("extended by %d months: %s", months, sar.ExtensionReason), nil
	})
}

// SignOff is the reviewer's sign-off of every redaction; the bundle can
// then be produced.
func (s *Service) SignOff(ctx context.Context, a Actor, id string) (bonafide.SAR, error) {
	return s.changeSAR(ctx, a, id, "sar.sign_off", func(sar *bonafide.SAR) (string, error) {
		if sar.State != bonafide.SAROpen {
			return "", bonafide.Errorf(bonafide.EConflict, "subject access request %s is %s, not open", id, sar.State)
		}
		sar.State, sar.SignedOffBy, sar.SignedOff = bonafide.SARSignedOff, a.Who, s.now()
		return fmt.Sprintf("redactions signed off: %d withheld", withheld(*sar)), nil
	})
}

func withheld(sar bonafide.SAR) int {
	n := 0
	for _, d := range sar.Documents {
		for _, p := range d.Parts {
			if p.Withheld() {
				n++
			}
		}
	}
	return n
}

// Produce renders the signed-off SAR's bundle (indexed, paginated, with its
// redaction log), stores it and audits its hash.
func (s *Service) Produce(ctx context.Context, a Actor, id string) (bonafide.SAR, error) {
	var pdf []byte
	out, err := s.changeSARWith(ctx, a, id, "sar.produce", func(sar *bonafide.SAR) (string, error) {
		if sar.State != bonafide.SARSignedOff {
			return "", bonafide.Errorf(bonafide.EConflict, "subject access request %s is %s: a reviewer signs it off first", id, sar.State)
		}
		sar.Produced = s.now()
		var err error
		if pdf, err = report.RenderPDF(s.bundleLetter(*sar)); err != nil {
			return "", fmt.Errorf("render bundle: %w", err)
		}
		sum := sha256.Sum256(pdf)
		sar.BundleSHA, sar.State = hex.EncodeToString(sum[:]), bonafide.SARProduced
		return "bundle sha256 " + sar.BundleSHA, nil
	}, func() []byte { return pdf })
	return out, err
}

// Bundle returns a produced SAR's PDF; each download is audited.
func (s *Service) Bundle(ctx context.Context, a Actor, id string) ([]byte, error) {
	if err := can(a, bonafide.PermSARManage); err != nil {
		return nil, err
	}
	pdf, err := s.Store.SARBundle(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.audit(ctx, a.Who, "sar.download", id, "bundle downloaded"); err != nil {
		return nil, err
	}
	return pdf, nil
}

func (s *Service) changeSAR(ctx context.Context, a Actor, id, what string, f func(*bonafide.SAR) (string, error)) (bonafide.SAR, error) {
	return s.changeSARWith(ctx, a, id, what, f, func() []byte { return nil })
}

// changeSARWith applies f to SAR id, audits what it says, and stores the
// result with the bundle bundle returns.
func (s *Service) changeSARWith(ctx context.Context, a Actor, id, what string, f func(*bonafide.SAR) (string, error), bundle func() []byte) (bonafide.SAR, error) {
	if err := can(a, bonafide.PermSARManage); err != nil {
		return bonafide.SAR{}, err
	}
	sar, err := s.Store.SAR(ctx, id)
	if err != nil {
		return sar, err
	}
	if sar.State == bonafide.SARProduced {
		return bonafide.SAR{}, bonafide.Errorf(bonafide.EConflict, "subject access request %s has been produced", id)
	}
	why, err := f(&sar)
	if err != nil {
		return bonafide.SAR{}, err
	}
	if _, err := s.audit(ctx, a.Who, what, id, why); err != nil {
		return bonafide.SAR{}, err
	}
	sar.Version++
	sar.Updated = s.now()
	return sar, s.Store.UpdateSAR(ctx, sar, bundle())
}

// reporterMarks are what gives away the reporters of the gathered
// referrals (and of the referrals triage linked them to): their values,
// read through the store's vault, to mask wherever they appear (R1), and
// patterns of the same details written another way (a phone number with
// other spacing or +44, a house number as "no. 12", the street without
// its number) that make a sentence identify them by context (R2).
type reporterMarks struct {
	values  []string         // masked wherever they appear, case-insensitively
	masks   []*regexp.Regexp // masked too: phone numbers however written
	context []*regexp.Regexp // a sentence matching one is R2
}

// newReporterMarks gathers the details of every reporter of refs: names,
// contacts, the e-mail's local part (a handle), address, organisation,
// device, network, relationship.
func newReporterMarks(refs []*bonafide.Referral) reporterMarks {
	var m reporterMarks
	add := func(v string) {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) >= 3 && !slices.Contains(m.values, v) {
			m.values = append(m.values, v)
		}
	}
	for _, r := range refs {
		rep := r.Reporter
		if rep == nil {
			continue
		}
		add(strings.TrimSpace(rep.GivenName + " " + rep.FamilyName))
		add(rep.GivenName)
		add(rep.FamilyName)
		add(rep.Phone)
		add(strings.ReplaceAll(rep.Phone, " ", ""))
		if re := phonePattern(rep.Phone); re != nil {
			m.masks = append(m.masks, re)
		}
		add(rep.Email)
		if local, _, ok := strings.Cut(rep.Email, "@"); ok && utf8.RuneCountInString(local) >= 4 {
			add(local) // the handle the reporter may sign with
		}
		add(rep.Organisation)
		add(rep.ContactIP)
		add(rep.DeviceID)
		if rep.Relationship != "" && rep.Relationship != bonafide.RelNotStated {
			add(strings.ReplaceAll(string(rep.Relationship), "_", " "))
		}
		if rep.Address != nil {
			add(rep.Address.Line1)
			add(rep.Address.Line2)
			add(rep.Address.Postcode)
			if num, street, ok := houseNumber(rep.Address.Line1); ok {
				if utf8.RuneCountInString(street) >= 6 {
					add(street) // "Larkspur Row" without its number
				}
				m.context = append(m.context, regexp.MustCompile(`(?i)\b(no\.?|number|num|#|house|flat|at)\s*`+regexp.QuoteMeta(num)+`\b`))
			}
		}
	}
	// Longest first, so that a full name is masked before its parts.
	slices.SortStableFunc(m.values, func(a, b string) int { return len(b) - len(a) })
	return m
}

// houseNumber splits "12 Larkspur Row" (or "12a Larkspur Row") into its
// number and street.
func houseNumber(line string) (num, street string, ok bool) {
	f := strings.Fields(line)
	if len(f) < 2 || f[0] == "" || f[0][0] < '0' || f[0][0] > '9' {
		return "", "", false
	}
	return strings.TrimRight(f[0], ","), strings.Join(f[1:], " "), true
}

// phonePattern matches phone number p however it is written: with any
// spacing, dashes, dots or brackets between its digits, and with 0, 44 or
// +44 before a UK number. nil when p has fewer than 7 digits.
func phonePattern(p string) *regexp.Regexp {
	var digits []string
	for _, r := range p {
		if r >= '0' && r <= '9' {
			digits = append(digits, string(r))
		}
	}
	d := strings.Join(digits, "")
	switch {
	case strings.HasPrefix(d, "44"):
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	}
	if len(d) < 7 {
		return nil
	}
	sep := `[\s\-.()]*`
	return regexp.MustCompile(`(?:(?:\+|00)?44` + sep + `(?:\(?0\)?)?` + sep + `|0` + sep + `)?` + strings.Join(strings.Split(d, ""), sep) + `\b`)
}

// selfDescription finds narrative sentences in which the writer describes
// themself: first person with where they live, who they are to the
// family, or a house number; and sentences in which someone else (a
// worker recording a call) describes the reporter the same way.
var (
	firstPerson = regexp.MustCompile(`(?i)\b(i|i'm|i’m|im|i am|i've|i’ve|i'd|me|my|mine|myself|we|our|us)\b`)
	aboutSelf   = regexp.MustCompile(`(?i)\b(neighbou?rs?|next door|live|lives|living|moved|house|flat|opposite|across|upstairs|downstairs|street|road|close|lane|no\.?|number|work|works|colleague|friend|relative|family member|aunt|uncle|grand\w*|cousin|sister|brother|teacher|nurse|doctor|gp|school|ex|partner|know (her|him|them)|my name|called)\b|\d`)
	theReporter = regexp.MustCompile(`(?i)\b(referrer|reporter|caller|informant|the person who (made|rang|called|wrote|reported)|(she|he|they) (said|says|told|explained) (she|he|they) (is|was|are|were))\b`)
	sentenceEnd = regexp.MustCompile(`[.!?]+(\s+|$)`)
)

// abbreviation reports whether before ends in a word that a full stop
// abbreviates rather than ends a sentence with.
func abbreviation(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '(' })
	w := strings.ToLower(before[i+1:])
	return slices.Contains([]string{"no", "mr", "mrs", "ms", "dr", "st", "nr", "flat"}, w)
}

// sentences splits text into sentences, keeping their ends.
func sentences(text string) []string {
	var out []string
	last := 0
	for _, m := range sentenceEnd.FindAllStringIndex(text, -1) {
		if abbreviation(text[:m[0]]) && m[1] < len(text) {
			continue // "no. 12", "Mr. Price": not the end of a sentence
		}
		if s := strings.TrimSpace(text[last:m[1]]); s != "" {
			out = append(out, s)
		}
		last = m[1]
	}
	if s := strings.TrimSpace(text[last:]); s != "" {
		out = append(out, s)
	}
	return out
}

// Screen redacts one sentence (or field) of a gathered document: a
// reporter's detail anywhere is R1 (locked, the values masked even in the
// stored copy, so that no sealed value is kept outside the vault); a
// narrative sentence in which its writer describes themself is R2; a
// sentence naming another person is T1; anything else is shown.
func Screen(text string, narrative bool, reporter, others []string) (shown string, code bonafide.RedactionCode, locked bool) {
	return newScreen(reporterMarks{values: reporter}, others).screen(text, narrative)
}

// screener redacts the parts of one SAR's documents.
type screener struct {
	marks  reporterMarks
	others []string
}

func newScreen(m reporterMarks, others []string) screener { return screener{marks: m, others: others} }

func (sc screener) screen(text string, narrative bool) (string, bonafide.RedactionCode, bool) {
	lower := strings.ToLower(text)
	masked := text
	hit := false
	for _, v := range sc.marks.values {
		if strings.Contains(lower, strings.ToLower(v)) {
			hit = true
			masked = replaceFold(masked, v, "[withheld]")
			lower = strings.ToLower(masked)
		}
	}
	for _, re := range sc.marks.masks {
		if re.MatchString(masked) {
			hit = true
			masked = re.ReplaceAllLiteralString(masked, "[withheld]")
		}
	}
	if hit {
		return masked, bonafide.RedactReporter, true
	}
	for _, re := range sc.marks.context {
		if re.MatchString(text) {
			return text, bonafide.RedactReporterContext, false
		}
	}
	if narrative && (firstPerson.MatchString(text) || theReporter.MatchString(text)) && aboutSelf.MatchString(text) {
		return text, bonafide.RedactReporterContext, false
	}
	for _, o := range sc.others {
		if utf8.RuneCountInString(o) >= 3 && strings.Contains(lower, strings.ToLower(o)) {
			return text, bonafide.RedactThirdParty, false
		}
	}
	return text, bonafide.RedactNone, false
}

// replaceFold replaces every case-insensitive occurrence of old in s.
func replaceFold(s, old, repl string) string {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(old))
	return re.ReplaceAllLiteralString(s, repl)
}

// docBuilder numbers the parts of one document.
type docBuilder struct {
	doc bonafide.SARDocument
	sc  screener
}

func (b *docBuilder) part(label, text string, narrative bool) {
	if strings.TrimSpace(text) == "" {
		return
	}
	for _, sent := range sentences(text) {
		shown, code, locked := b.sc.screen(sent, narrative)
		b.doc.Parts = append(b.doc.Parts, bonafide.SARPart{ID: fmt.Sprintf("%d.%d", b.doc.N, len(b.doc.Parts)+1), Label: label,
			Text: shown, Code: code, Locked: locked})
	}
}

// withheldPart adds a part withheld whole, with only a description.
func (b *docBuilder) withheldPart(label, what string, code bonafide.RedactionCode) {
	b.doc.Parts = append(b.doc.Parts, bonafide.SARPart{ID: fmt.Sprintf("%d.%d", b.doc.N, len(b.doc.Parts)+1), Label: label,
		Text: what, Code: code, Locked: code == bonafide.RedactReporter})
}

// maxLinked bounds the linked referrals whose reporters a SAR's screen
// reads besides the gathered ones.
const maxLinked = 500

// linkedReferrals are the referrals triage linked the reporters of ids to
// (its reporter links), not among ids, read with their reporters: the
// same person may have given another e-mail or phone there, and may be
// named by it in the family's records.
func (s *Service) linkedReferrals(ctx context.Context, ids []string) ([]*bonafide.Referral, error) {
	if s.Assessments == nil {
		return nil, nil
	}
	var out []*bonafide.Referral
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for _, id := range ids {
		as, err := s.Assessments.Assessment(ctx, id)
		if err != nil {
			if bonafide.ErrorCode(err) == bonafide.ENotFound {
				continue
			}
			return nil, err
		}
		var o storedOutput
		if len(as.Output) == 0 || json.Unmarshal(as.Output, &o) != nil || o.ReporterLinks == nil {
			continue
		}
		for _, l := range o.ReporterLinks.Referrals {
			if seen[l.ID] || len(seen) >= maxLinked {
				continue
			}
			seen[l.ID] = true
			st, err := s.Referrals.ReferralByID(ctx, l.ID)
			if err != nil {
				if bonafide.ErrorCode(err) == bonafide.ENotFound {
					continue
				}
				return nil, err
			}
			if r, ok := st.Record.(*bonafide.Referral); ok {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// gather reads every record of ids and makes the SAR's documents.
func (s *Service) gather(ctx context.Context, sar bonafide.SAR, ids []string) ([]bonafide.SARDocument, error) {
	var refs []*bonafide.Referral
	for _, id := range ids {
		st, err := s.Referrals.ReferralByID(ctx, id)
		if err != nil {
			if bonafide.ErrorCode(err) == bonafide.ENotFound {
				return nil, &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "referrals", Reason: fmt.Sprintf("no referral %q", id)}}}
			}
			return nil, err
		}
		if r, ok := st.Record.(*bonafide.Referral); ok {
			refs = append(refs, r)
		}
	}
	slices.SortFunc(refs, func(a, b *bonafide.Referral) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	linked, err := s.linkedReferrals(ctx, ids)
	if err != nil {
		return nil, err
	}
	subjects := []bonafide.SARPerson{sar.Requester}
	subjects = append(subjects, sar.Children...)
	marks := newReporterMarks(append(slices.Clone(refs), linked...))
	// A reporter who shares a name with the requester or a child (a
	// relative) is not identified by that name, which the requester knows:
	// masking it would withhold every line about the family.
	marks.values = slices.DeleteFunc(marks.values, func(v string) bool {
		for _, sp := range subjects {
			if strings.EqualFold(v, sp.GivenName) || strings.EqualFold(v, sp.FamilyName) || strings.EqualFold(v, sp.FullName()) {
				return true
			}
		}
		return false
	})
	isSubject := func(p bonafide.Person) bool {
		for _, sp := range subjects {
			if strings.EqualFold(strings.TrimSpace(sp.GivenName), strings.TrimSpace(p.GivenName)) &&
				(sp.FamilyName == "" || p.FamilyName == "" || strings.EqualFold(sp.FamilyName, p.FamilyName)) {
				return true
			}
		}
		return false
	}
	var docs []bonafide.SARDocument
	for _, r := range refs {
		// Other people named in the referral: adults and children who are
		// not the requester or a child they ask for.
		var others []string
		for _, p := range append(slices.Clone(r.Adults), r.Children...) {
			if !isSubject(p) {
				others = append(others, p.GivenName, strings.TrimSpace(p.GivenName+" "+p.FamilyName))
			}
		}
		sc := newScreen(marks, others)
		b := &docBuilder{doc: bonafide.SARDocument{N: len(docs) + 1, Title: "Referral " + r.ID, ReferralID: r.ID, Date: r.ReceivedAt}, sc: sc}
		b.part("Received", r.ReceivedAt.Format("2 January 2006 15:04")+" by "+strings.ReplaceAll(string(r.Channel), "_", " "), false)
		if r.Reporter != nil {
			b.withheldPart("Made by", "The name, contact details and other details of the person who made this referral.", bonafide.RedactReporter)
		}
		for _, c := range r.Children {
			b.part("Child", personLine(c), false)
		}
		for _, p := range r.Adults {
			b.part("Adult", personLine(p), false)
		}
		if r.Address != nil {
			b.part("Address", strings.Join(nonEmpty(r.Address.Line1, r.Address.Line2, r.Address.Town, r.Address.Postcode), ", "), false)
		}
		for _, c := range r.Concerns {
			b.part("Concern", strings.ReplaceAll(string(c.Category), "_", " ")+": "+c.Detail, true)
		}
		b.part("What was said", r.Narrative, true)
		if r.ImmediateDanger {
			b.part("Immediate danger", "The person who made the referral said a child was in danger now.", false)
		}
		docs = append(docs, b.doc)
		more, err := s.caseDocuments(ctx, r, len(docs), sc)
		if err != nil {
			return nil, err
		}
		docs = append(docs, more...)
	}
	return docs, nil
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func personLine(p bonafide.Person) string {
	line := strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	if p.DOB.Year != 0 {
		line += ", born " + p.DOB.String()
	}
	if p.Role != "" {
		line += " (" + strings.ReplaceAll(string(p.Role), "_", " ") + ")"
	}
	return line
}

// caseDocuments are the referral's assessment, case record, notifications
// and letters, numbered after n.
func (s *Service) caseDocuments(ctx context.Context, r *bonafide.Referral, n int, sc screener) ([]bonafide.SARDocument, error) {
	var docs []bonafide.SARDocument
	next := func(title string, at time.Time) *docBuilder {
		return &docBuilder{doc: bonafide.SARDocument{N: n + len(docs) + 1, Title: title, ReferralID: r.ID, Date: at}, sc: sc}
	}
	if s.Assessments != nil {
		as, err := s.Assessments.Assessment(ctx, r.ID)
		switch {
		case err == nil:
			b := next("Triage assessment of "+r.ID, as.Created)
			b.part("Safety", "Safety level: "+as.SafetyLevel, false)
			var out storedOutput
			if json.Unmarshal(as.Output, &out) == nil {
				var names []string
				for _, sg := range out.Campaign.Reasons {
					names = append(names, strings.ReplaceAll(sg.Signal, "_", " "))
				}
				if len(names) > 0 {
					b.part("Signals", "Signals weighed: "+strings.Join(names, ", ")+".", false)
				}
			}
			docs = append(docs, b.doc)
		case bonafide.ErrorCode(err) != bonafide.ENotFound:
			return nil, err
		}
	}
	if s.Cases == nil {
		return docs, nil
	}
	events, err := s.Cases.CaseEvents(ctx, r.ID)
	if err != nil && bonafide.ErrorCode(err) != bonafide.ENotFound {
		return nil, err
	}
	if len(events) > 0 {
		b := next("Case record of "+r.ID, events[0].At)
		for _, e := range events {
			line := e.At.Format("2 January 2006") + ": " + strings.ReplaceAll(string(e.Action), "_", " ")
			for _, v := range []string{string(e.Decision), string(e.Finding), string(e.Closure)} {
				if v != "" {
					line += " (" + strings.ReplaceAll(v, "_", " ") + ")"
				}
			}
			b.part("Step", line+", by "+strings.TrimPrefix(e.Actor, "user:"), false)
			b.part("Reason", e.Reason, true)
		}
		docs = append(docs, b.doc)
	}
	notes, err := s.Cases.Notifications(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	if len(notes) > 0 {
		b := next("Notifications about "+r.ID, notes[0].Planned)
		for _, nt := range notes {
			if nt.Agency == bonafide.AgencyReferrer {
				b.withheldPart("Notification", "Correspondence with the person who made the referral.", bonafide.RedactReporter)
				continue
			}
			line := fmt.Sprintf("%s to the %s (%s), %s", nt.Kind, strings.ReplaceAll(string(nt.Agency), "_", " "), strings.ReplaceAll(string(nt.Basis), "_", " "), nt.Status)
			if !nt.Sent.IsZero() {
				line += " on " + nt.Sent.Format("2 January 2006")
			}
			b.part("Notification", line, false)
		}
		docs = append(docs, b.doc)
	}
	letters, err := s.Cases.Letters(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range letters {
		b := next("Letter ("+string(l.Kind)+") about "+r.ID, l.Created)
		if l.Kind == bonafide.LetterAcknowledgement {
			b.withheldPart("Letter", "A letter to the person who made the referral.", bonafide.RedactReporter)
		} else {
			b.part("To", l.Recipient, false)
			b.part("Letter", l.Text, true)
		}
		docs = append(docs, b.doc)
	}
	return docs, nil
}

// cp1252 replaces what Helvetica cannot print with '?', so that a bundle
// of free text always renders.
func cp1252(s string) string {
	enc := charmap.Windows1252.NewEncoder()
	var b strings.Builder
	for _, r := range s {
		if _, err := enc.String(string(r)); err != nil || r < 0x20 && r != '\n' {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bundleLetter lays out the bundle: a covering page, the index, every
// document with its withheld parts marked, and the redaction log.
func (s *Service) bundleLetter(sar bonafide.SAR) report.Letter {
	l := report.Letter{
		From:       report.Sender{Agency: s.agency(), Team: "Data Protection Team"},
		To:         report.Recipient{Name: cp1252(sar.Requester.FullName())},
		Date:       sar.Produced,
		References: []report.Reference{{Label: "Subject access request", Value: sar.ID}, {Label: "Received", Value: sar.Received.Format("2 January 2006")}},
		Subject:    "Your subject access request: the records we hold",
		Salutation: "Dear " + cp1252(sar.Requester.FullName()) + ",",
		Marking:    "OFFICIAL-SENSITIVE",
		Footer:     "Subject access request " + sar.ID + ". Withheld parts are marked with a code explained in the redaction log.",
		Closing:    "Yours sincerely,",
		Signatory:  report.Signatory{Name: strings.TrimPrefix(sar.SignedOffBy, "user:"), Role: "Data Protection Officer"},
	}
	var names []string
	for _, c := range sar.Children {
		names = append(names, cp1252(c.FullName()))
	}
	intro := "You asked for a copy of the personal data we hold about you"
	if len(names) > 0 {
		intro += " and about " + strings.Join(names, ", ")
	}
	b := []report.Block{
		report.Paragraph(intro + " (UK GDPR Article 15). The documents below are everything we found, in date order. " +
			"Where a part identifies another person, such as whoever made a referral, it is withheld under the Data Protection Act 2018, " +
			"Schedule 2 Part 3 paragraph 16, and marked with a code; the redaction log at the end lists every one."),
		report.Heading("Index"),
	}
	var index []string
	for _, d := range sar.Documents {
		index = append(index, fmt.Sprintf("Document %d: %s, %s", d.N, cp1252(d.Title), d.Date.Format("2 January 2006")))
	}
	if len(index) == 0 {
		index = []string{"We found no records about you."}
	}
	b = append(b, report.Bullets(index...))
	var log []string
	for _, d := range sar.Documents {
		b = append(b, report.Heading(fmt.Sprintf("Document %d: %s", d.N, cp1252(d.Title))))
		var items []string
		for _, p := range d.Parts {
			if p.Withheld() {
				items = append(items, fmt.Sprintf("%s [%s] [withheld: %s]", p.Label, p.ID, p.Code))
				entry := fmt.Sprintf("%s (document %d, %s): %s, %s", p.ID, d.N, p.Label, p.Code, p.Code.Explain())
				if p.ChangeReason != "" {
					entry += "; reviewer: " + cp1252(p.ChangeReason)
				}
				log = append(log, entry)
				continue
			}
			items = append(items, fmt.Sprintf("%s [%s]: %s", p.Label, p.ID, cp1252(p.Text)))
		}
		if len(items) == 0 {
			items = []string{"(nothing further)"}
		}
		b = append(b, report.Bullets(items...))
	}
	b = append(b, report.Heading("Redaction log"))
	if len(log) == 0 {
		log = []string{"Nothing was withheld."}
	}
	b = append(b, report.Bullets(log...),
		report.Paragraph(fmt.Sprintf("Signed off by %s on %s. If you think something has been withheld wrongly, write to us; "+
			"you may also complain to the Information Commissioner's Office.", strings.TrimPrefix(sar.SignedOffBy, "user:"), sar.SignedOff.Format("2 January 2006"))))
	l.Body = b
	return l
}
