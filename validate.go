package bonafide

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Validation checks what the JSON form cannot: required fields, enum values,
// the lengths in limits.go and control characters. It reports every
// problem, not the first, so that a sender can fix a file in one pass.
//
// Control characters: no string may hold a C0 control character (U+0000 to
// U+001F), except that free text may hold tab, line feed and carriage
// return. Free text is what a person writes in sentences: a referral's
// narrative, a concern's detail, a post's text and media note, an
// outcome's note. Everything else (ids, names, handles, enums, postcodes,
// address lines, phone numbers, URLs, labels) is one line of characters
// that is compared, indexed and shown in lists, where an invisible or
// line-breaking character hides one value as another. The decoder has
// already refused what is not text at all (invalid UTF-8, lone
// surrogates).
//
// Messages about reporter fields never repeat the value given: reporter data
// is sealed, and validation errors are logged and shown to staff. Elsewhere a
// bad enum or date is quoted so the sender can find it; names and NHS numbers
// are not.

// Validate reports what is wrong with the referral, or nil. Field paths are
// relative to the referral, such as "children[0].dob" or "reporter.email";
// Line is 0.
func (r *Referral) Validate() []FieldError {
	var c checker
	c.id("id", r.ID)
	if r.ReceivedAt.IsZero() {
		c.add("received_at", "missing")
	}
	switch {
	case r.Channel == "":
		c.add("channel", "missing")
	case !r.Channel.Valid():
		c.add("channel", notOneOf(string(r.Channel), Channels))
	}
	if r.Channel == ChannelRelay && (r.RelayedFrom == nil || r.RelayedFrom.Agency == "") {
		c.add("relayed_from.agency", "required when channel is relay")
	}
	if r.RelayedFrom != nil {
		c.length("relayed_from.agency", r.RelayedFrom.Agency, MaxLabelLen)
		c.length("relayed_from.ref", r.RelayedFrom.Ref, MaxLabelLen)
	}
	c.length("source_code", r.SourceCode, MaxLabelLen)
	if r.Reporter != nil {
		c.reporter(r.Reporter)
	}
	if r.KnowledgeBasis != "" && !r.KnowledgeBasis.Valid() {
		c.add("knowledge_basis", notOneOf(string(r.KnowledgeBasis), KnowledgeBases))
	}
	switch {
	case len(r.Children) == 0:
		c.add("children", "at least one child is required")
	case len(r.Children) > MaxChildren:
		c.add("children", fmt.Sprintf("%d children, at most %d", len(r.Children), MaxChildren))
	}
	for i := range r.Children {
		c.person("children", i, &r.Children[i])
	}
	if len(r.Adults) > MaxAdults {
		c.add("adults", fmt.Sprintf("%d adults, at most %d", len(r.Adults), MaxAdults))
	}
	for i := range r.Adults {
		c.person("adults", i, &r.Adults[i])
	}
	if r.Address != nil {
		c.address("address", r.Address)
	}
	if len(r.Concerns) > MaxConcerns {
		c.add("concerns", fmt.Sprintf("%d concerns, at most %d", len(r.Concerns), MaxConcerns))
	}
	for i := range r.Concerns {
		cc := &r.Concerns[i]
		switch {
		case cc.Category == "":
			c.add(index("concerns", i, "category"), "missing")
		case !cc.Category.Valid():
			c.add(index("concerns", i, "category"), notOneOf(string(cc.Category), ConcernCategories))
		}
		if tooLong(cc.Detail, MaxDetailLen) {
			c.add(index("concerns", i, "detail"), longer(cc.Detail, MaxDetailLen))
		}
		if reason := controlProblem(cc.Detail, true); reason != "" {
			c.add(index("concerns", i, "detail"), reason)
		}
	}
	c.text("narrative", r.Narrative, MaxNarrativeLen)
	return c.errs
}

// Warnings reports what is doubtful but kept: NHS numbers that fail the
// Modulus 11 check or have too few digits (a stranger may mistype one, and
// linkage still uses it), and relayed_from on a referral not relayed. Field
// paths are as for Validate.
func (r *Referral) Warnings() []FieldError {
	var c checker
	if r.RelayedFrom != nil && r.Channel != ChannelRelay {
		c.add("relayed_from", "given but channel is not relay")
	}
	for _, g := range []struct {
		name string
		ps   []Person
	}{{"children", r.Children}, {"adults", r.Adults}} {
		for i := range g.ps {
			p := &g.ps[i]
			if p.NHSNumber != "" && nhsWellFormed(p.NHSNumber) && !p.NHSNumberValid() {
				c.add(index(g.name, i, "nhs_number"), "fails the NHS number check; kept as typed")
			}
		}
	}
	return c.errs
}

// NHSNumberValid reports whether the person's NHS number passes the
// Modulus 11 check. A number that fails is still stored and used for
// linkage; this says how far to trust it.
func (p Person) NHSNumberValid() bool { return ValidNHSNumber(p.NHSNumber) }

// Validate reports what is wrong with the public post, or nil.
func (p *PublicPost) Validate() []FieldError {
	var c checker
	c.id("id", p.ID)
	if p.PostedAt.IsZero() {
		c.add("posted_at", "missing")
	}
	c.length("platform", p.Platform, MaxLabelLen)
	c.length("handle", p.Handle, MaxHandleLen)
	c.text("text", p.Text, MaxTextLen)
	c.length("url", p.URL, MaxURLLen)
	c.text("media_note", p.MediaNote, MaxMediaNoteLen)
	return c.errs
}

// Validate reports what is wrong with the forum post, or nil.
func (p *ForumPost) Validate() []FieldError {
	var c checker
	c.id("id", p.ID)
	if p.PostedAt.IsZero() {
		c.add("posted_at", "missing")
	}
	c.length("site", p.Site, MaxLabelLen)
	c.length("thread", p.Thread, MaxLabelLen)
	c.length("author_handle", p.AuthorHandle, MaxHandleLen)
	c.text("text", p.Text, MaxTextLen)
	c.length("url", p.URL, MaxURLLen)
	return c.errs
}

// Validate reports what is wrong with the outcome, or nil.
func (o *Outcome) Validate() []FieldError {
	var c checker
	c.id("referral_id", o.ReferralID)
	if o.DecidedAt.IsZero() {
		c.add("decided_at", "missing")
	}
	if o.Decision != "" && !o.Decision.Valid() {
		c.add("decision", notOneOf(string(o.Decision), Decisions))
	}
	if o.Finding != "" && !o.Finding.Valid() {
		c.add("finding", notOneOf(string(o.Finding), Findings))
	}
	c.text("note", o.Note, MaxNoteLen)
	return c.errs
}

// ValidateRecord calls the Validate method of any record type, so that a
// reader of mixed streams need not switch on the type itself.
func ValidateRecord(rec Record) []FieldError {
	switch r := rec.(type) {
	case *Referral:
		return r.Validate()
	case *PublicPost:
		return r.Validate()
	case *ForumPost:
		return r.Validate()
	case *Outcome:
		return r.Validate()
	}
	return []FieldError{{Reason: fmt.Sprintf("unknown record type %T", rec)}}
}

// checker collects field errors. Paths are built only when something is
// wrong, so that validating a good record costs no allocations.
type checker struct {
	errs []FieldError
}

func (c *checker) add(field, reason string) {
	if len(c.errs) > MaxFieldErrors {
		return
	}
	if len(c.errs) == MaxFieldErrors {
		c.errs = append(c.errs, FieldError{Reason: moreErrors})
		return
	}
	c.errs = append(c.errs, FieldError{Field: field, Reason: reason})
}

func (c *checker) id(field, v string) {
	if v == "" {
		c.add(field, "missing")
		return
	}
	c.length(field, v, MaxIDLen)
}

// length checks a one-line value: at most max characters, no control
// character.
func (c *checker) length(field, v string, max int) {
	if tooLong(v, max) {
		c.add(field, longer(v, max))
	}
	if reason := controlProblem(v, false); reason != "" {
		c.add(field, reason)
	}
}

// text checks free text: at most max characters, no control character but
// tab, line feed and carriage return.
func (c *checker) text(field, v string, max int) {
	if tooLong(v, max) {
		c.add(field, longer(v, max))
	}
	if reason := controlProblem(v, true); reason != "" {
		c.add(field, reason)
	}
}

func (c *checker) reporter(r *Reporter) {
	c.length("reporter.given_name", r.GivenName, MaxNameLen)
	c.length("reporter.family_name", r.FamilyName, MaxNameLen)
	c.length("reporter.phone", r.Phone, MaxPhoneLen)
	c.length("reporter.email", r.Email, MaxEmailLen)
	if r.Address != nil {
		c.address("reporter.address", r.Address)
	}
	if r.Relationship != "" && !r.Relationship.Valid() {
		// The value is not repeated: it is sealed reporter data.
		c.add("reporter.relationship", "the value given is not one of "+joinValues(Relationships))
	}
	c.length("reporter.organisation", r.Organisation, MaxNameLen)
	c.length("reporter.contact_ip", r.ContactIP, MaxIPLen)
	c.length("reporter.device_id", r.DeviceID, MaxDeviceIDLen)
}

func (c *checker) address(prefix string, a *Address) {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"line1", a.Line1, MaxAddressLineLen},
		{"line2", a.Line2, MaxAddressLineLen},
		{"town", a.Town, MaxAddressLineLen},
		{"postcode", a.Postcode, MaxPostcodeLen},
	} {
		if tooLong(f.v, f.max) {
			c.add(prefix+"."+f.name, longer(f.v, f.max))
		}
		if reason := controlProblem(f.v, false); reason != "" {
			c.add(prefix+"."+f.name, reason)
		}
	}
}

func (c *checker) person(list string, i int, p *Person) {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"given_name", p.GivenName, MaxNameLen},
		{"family_name", p.FamilyName, MaxNameLen},
		{"sex", p.Sex, MaxLabelLen},
	} {
		if tooLong(f.v, f.max) {
			c.add(index(list, i, f.name), longer(f.v, f.max))
		}
		if reason := controlProblem(f.v, false); reason != "" {
			c.add(index(list, i, f.name), reason)
		}
	}
	if len(p.OtherNames) > MaxOtherNames {
		c.add(index(list, i, "other_names"), fmt.Sprintf("%d names, at most %d", len(p.OtherNames), MaxOtherNames))
	}
	for j, n := range p.OtherNames {
		if tooLong(n, MaxNameLen) {
			c.add(index(list, i, "other_names")+"["+strconv.Itoa(j)+"]", longer(n, MaxNameLen))
		}
		if reason := controlProblem(n, false); reason != "" {
			c.add(index(list, i, "other_names")+"["+strconv.Itoa(j)+"]", reason)
		}
	}
	if p.NHSNumber != "" {
		if reason := nhsProblem(p.NHSNumber); reason != "" {
			c.add(index(list, i, "nhs_number"), reason)
		}
	}
	if p.Role != "" && !p.Role.Valid() {
		c.add(index(list, i, "role"), notOneOf(string(p.Role), PersonRoles))
	}
	if len(p.SocialHandles) > MaxSocialHandles {
		c.add(index(list, i, "social_handles"), fmt.Sprintf("%d handles, at most %d", len(p.SocialHandles), MaxSocialHandles))
	}
	for j := range p.SocialHandles {
		h := &p.SocialHandles[j]
		at := func(f string) string {
			return index(list, i, "social_handles") + "[" + strconv.Itoa(j) + "]." + f
		}
		if h.Handle == "" {
			c.add(at("handle"), "missing")
		}
		if tooLong(h.Handle, MaxHandleLen) {
			c.add(at("handle"), longer(h.Handle, MaxHandleLen))
		}
		if reason := controlProblem(h.Handle, false); reason != "" {
			c.add(at("handle"), reason)
		}
		if tooLong(h.Platform, MaxLabelLen) {
			c.add(at("platform"), longer(h.Platform, MaxLabelLen))
		}
		if reason := controlProblem(h.Platform, false); reason != "" {
			c.add(at("platform"), reason)
		}
	}
}

// nhsProblem says why s cannot be an NHS number as typed, or "". Only
// garbage is rejected: characters other than digits, spaces and hyphens,
// more than ten digits, or no digits at all. A number with a bad check digit
// or a missing digit is kept and reported by Warnings.
func nhsProblem(s string) string {
	if len(s) > MaxNHSNumberLen {
		return fmt.Sprintf("longer than %d characters", MaxNHSNumberLen)
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-':
		default:
			return "may hold only digits, spaces and hyphens"
		}
	}
	switch {
	case digits == 0:
		return "has no digits"
	case digits > MaxNHSDigits:
		return fmt.Sprintf("has %d digits, at most %d", digits, MaxNHSDigits)
	}
	return ""
}

func nhsWellFormed(s string) bool { return nhsProblem(s) == "" }

// tooLong reports whether s has more than max characters, counting bytes
// first so that short strings cost nothing.
func tooLong(s string, max int) bool {
	return len(s) > max && utf8.RuneCountInString(s) > max
}

// controlProblem says why s may not hold the control character it holds,
// or "". Free text may hold tab, line feed and carriage return; nothing may
// hold any other C0 control character. The value is never quoted: it may
// be sealed reporter data. Eight bytes are tested at a time, so that the
// check costs little on every string of every record.
func controlProblem(s string, freeText bool) string {
	if s == "" { // most optional fields: no call
		return ""
	}
	return controlScan(s, freeText)
}

func controlScan(s string, freeText bool) string {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if (x-ones*0x20)&^x&highs == 0 { // no byte below 0x20
				i += 8
				continue
			}
		}
		ch := s[i]
		i++
		if ch >= 0x20 {
			continue
		}
		if freeText {
			if ch == '\t' || ch == '\n' || ch == '\r' {
				continue
			}
			return fmt.Sprintf("holds control character U+%04X; free text may hold only tab, line feed and carriage return", ch)
		}
		return fmt.Sprintf("holds control character U+%04X, which this field may not hold", ch)
	}
	return ""
}

func longer(s string, max int) string {
	return fmt.Sprintf("%d characters, at most %d", utf8.RuneCountInString(s), max)
}

func index(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}

func notOneOf[T ~string](v string, values []T) string {
	return strconv.Quote(v) + " is not one of " + joinValues(values)
}

// joinValues lists enum values for a message: "phone, web_form, email".
func joinValues[T ~string](values []T) string {
	var b []byte
	for i, v := range values {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, v...)
	}
	return string(b)
}
