package report

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// A Letter is everything one letter says, already worded: the renderers lay
// it out and never add or change words, so the text form and the PDF of the
// same Letter say the same thing and casework alone owns the wording.
//
// Every text field is plain text. Runs of spaces, tabs and newlines inside a
// field are reflowed into single spaces, so that the layout, not the caller,
// decides where lines break; structure is given by [Block] kinds and by the
// separate lines of an address instead.
type Letter struct {
	From Sender    // who sends it; printed top right, as on a council letterhead
	To   Recipient // who receives it; placed where a window envelope shows it

	// Date is the date the letter bears. Only its calendar date (in its own
	// location) is used; it is also the PDF's creation date, so that the same
	// letter always gives the same bytes.
	Date time.Time

	// References are printed under the date, each as "Label: Value", in this
	// order, e.g. "Our reference" and "Police may quote". The first one is
	// repeated at the top of every continuation page, so that a loose page
	// can be matched to its file.
	References []Reference

	Subject    string  // printed in bold above the salutation; the PDF's title
	Salutation string  // e.g. "Dear Ms Price,"
	Body       []Block // paragraphs, headings and bullet lists, in order
	Closing    string  // e.g. "Yours sincerely,"
	Signatory  Signatory

	// Marking is the protective marking printed at the top and bottom of every
	// page, as the Government Security Classifications ask, e.g.
	// "OFFICIAL-SENSITIVE"; at most 60 characters. Empty means none.
	Marking string

	// Footer is a short line printed small at the foot of every page, e.g.
	// how to ask for the letter in another format. Empty means none.
	Footer string
}

// A Sender is the agency a letter comes from. The team, phone and e-mail are
// the ones the recipient should use to reply, not a switchboard.
type Sender struct {
	Agency  string   // e.g. "Northbury Borough Council"; required
	Team    string   // e.g. "Children's Services Front Door"
	Address []string // one entry per line, postcode last
	Phone   string
	Email   string
}

// A Recipient is the person or office a letter is addressed to.
type Recipient struct {
	Name    string   // required, e.g. "Ms Zoë Price" or "The Practice Manager"
	Address []string // one entry per line, postcode last; empty for e-mail only
}

// A Reference is one labelled reference. Labels are free text because each
// letter needs its own: the referrer's acknowledgement quotes the referral,
// the closure letter also gives the reference the police may quote to the
// data protection officer.
type Reference struct {
	Label string // e.g. "Our reference"
	Value string // e.g. "NB-2026-004127"
}

// A Signatory is who signs the letter. Letters are signed by a named person
// with a role, never by a system, so the recipient knows whom to ask.
type Signatory struct {
	Name string
	Role string
}

// A BlockKind says how a [Block] is laid out.
type BlockKind int

// The kinds of block. The zero value is a paragraph, so that a Block built
// with only Text is one.
const (
	KindParagraph BlockKind = iota // Text, wrapped
	KindHeading                    // Text, in bold, kept with what follows it
	KindBullets                    // Items, one bullet each, wrapped with a hanging indent
)

// A Block is one part of a letter's body. Build one with [Paragraph],
// [Heading] or [Bullets]; the fields are exported so that casework can also
// build letters from data.
type Block struct {
	Kind  BlockKind
	Text  string   // paragraph and heading text
	Items []string // bullet items
}

// Paragraph returns a paragraph block.
func Paragraph(text string) Block { return Block{Kind: KindParagraph, Text: text} }

// Heading returns a heading block: a few words in bold that introduce what
// follows, e.g. "What we decided".
func Heading(text string) Block { return Block{Kind: KindHeading, Text: text} }

// Bullets returns a bullet list block, one item per bullet.
func Bullets(items ...string) Block { return Block{Kind: KindBullets, Items: items} }

// A CharError reports a character the PDF cannot show, and where it is.
//
// [RenderPDF] sets letters in the standard Helvetica font, whose encoding
// is Windows-1252: Western European letters (Siân, Zoë, Ñ, Š, Œ), curly
// quotes, dashes, the euro and bullet signs render; letters outside it (Ł,
// ŵ, Greek, Cyrillic, emoji) would print as the wrong glyph, so they are
// refused rather than shown wrongly in a letter about someone's family. A
// [Renderer] with an embedded font shows whatever that font has, in scripts
// written left to right without joining.
type CharError struct {
	Field string // e.g. "to.name", "body[2].items[0]"
	Pos   int    // 1-based position of the character in the field, as normalised (see [Letter])
	Rune  rune   // utf8.RuneError for invalid UTF-8
	// Reason says why, e.g. "invalid UTF-8", "control or formatting
	// character", "outside Windows-1252, …".
	Reason string
}

func (e *CharError) Error() string {
	if e.Reason == reasonInvalid {
		return fmt.Sprintf("report: %s: invalid UTF-8 at character %d", e.Field, e.Pos)
	}
	name := runenames.Name(e.Rune)
	if name == "" {
		name = "unnamed"
	}
	show := ""
	if unicode.IsGraphic(e.Rune) {
		show = fmt.Sprintf(" %q", string(e.Rune))
	}
	return fmt.Sprintf("report: %s: character %d, U+%04X%s (%s), cannot be shown: %s",
		e.Field, e.Pos, e.Rune, show, name, e.Reason)
}

const (
	reasonInvalid = "invalid UTF-8"
	reasonControl = "control or formatting character"
)

// maxMarking is the longest protective marking: it is centred on one line
// at the top and bottom of every page. Real markings ("OFFICIAL-SENSITIVE",
// "OFFICIAL-SENSITIVE PERSONAL") are far shorter.
const maxMarking = 60

// field is one text field of a letter with the name errors give it.
type field struct {
	name string
	text string
}

// fields lists every text field of l in reading order, so that validation
// reports the first fault a reader would meet.
func (l Letter) fields() []field {
	fs := []field{{"from.agency", l.From.Agency}, {"from.team", l.From.Team}}
	for i, a := range l.From.Address {
		fs = append(fs, field{fmt.Sprintf("from.address[%d]", i), a})
	}
	fs = append(fs, field{"from.phone", l.From.Phone}, field{"from.email", l.From.Email},
		field{"to.name", l.To.Name})
	for i, a := range l.To.Address {
		fs = append(fs, field{fmt.Sprintf("to.address[%d]", i), a})
	}
	for i, r := range l.References {
		fs = append(fs, field{fmt.Sprintf("references[%d].label", i), r.Label},
			field{fmt.Sprintf("references[%d].value", i), r.Value})
	}
	fs = append(fs, field{"subject", l.Subject}, field{"salutation", l.Salutation})
	for i, b := range l.Body {
		fs = append(fs, field{fmt.Sprintf("body[%d].text", i), b.Text})
		for j, it := range b.Items {
			fs = append(fs, field{fmt.Sprintf("body[%d].items[%d]", i, j), it})
		}
	}
	return append(fs, field{"closing", l.Closing}, field{"signatory.name", l.Signatory.Name},
		field{"signatory.role", l.Signatory.Role}, field{"marking", l.Marking},
		field{"footer", l.Footer})
}

// Validate reports what [RenderPDF] would refuse: a missing agency, recipient
// name, date or body, an empty block, or a character Helvetica cannot show
// (a [*CharError]). casework can call it when a letter is composed, before
// anything is stored or sent; [Renderer.Validate] does the same for a
// renderer with an embedded font.
func (l Letter) Validate() error {
	return l.validate(helveticaRefuses)
}

// validate checks l; refuses says why the PDF's font cannot show a
// character, or "" if it can.
func (l Letter) validate(refuses func(rune) string) error {
	switch {
	case clean(l.From.Agency) == "":
		return errors.New("report: from.agency is missing")
	case clean(l.To.Name) == "":
		return errors.New("report: to.name is missing")
	case l.Date.IsZero():
		return errors.New("report: date is missing")
	case len(l.Body) == 0:
		return errors.New("report: body is empty")
	case utf8.RuneCountInString(clean(l.Marking)) > maxMarking:
		return fmt.Errorf("report: marking is longer than %d characters", maxMarking)
	}
	for i, b := range l.Body {
		if err := b.check(); err != nil {
			return fmt.Errorf("report: body[%d]: %w", i, err)
		}
	}
	for _, f := range l.fields() {
		if err := checkChars(f, refuses); err != nil {
			return err
		}
	}
	return nil
}

func (b Block) check() error {
	switch b.Kind {
	case KindParagraph, KindHeading:
		if clean(b.Text) == "" {
			return errors.New("text is empty")
		}
		if len(b.Items) > 0 {
			return errors.New("a paragraph or heading has no items")
		}
	case KindBullets:
		if len(b.Items) == 0 {
			return errors.New("bullet list has no items")
		}
		for j, it := range b.Items {
			if clean(it) == "" {
				return fmt.Errorf("items[%d] is empty", j)
			}
		}
		// A list has no text of its own: its introduction is the paragraph
		// before it, so that both forms lay it out the same way.
		if b.Text != "" {
			return errors.New("a bullet list has items, not text")
		}
	default:
		return fmt.Errorf("unknown block kind %d", b.Kind)
	}
	return nil
}

// checkChars reports the first character of f that cannot be shown.
func checkChars(f field, refuses func(rune) string) error {
	if !utf8.ValidString(f.text) {
		pos := 1
		for s := f.text; len(s) > 0; pos++ {
			r, n := utf8.DecodeRuneInString(s)
			if r == utf8.RuneError && n <= 1 {
				break
			}
			s = s[n:]
		}
		return &CharError{Field: f.name, Pos: pos, Rune: utf8.RuneError, Reason: reasonInvalid}
	}
	pos := 0
	for _, r := range clean(f.text) {
		pos++
		if hidden(r) {
			return &CharError{Field: f.name, Pos: pos, Rune: r, Reason: reasonControl}
		}
		if why := refuses(r); why != "" {
			return &CharError{Field: f.name, Pos: pos, Rune: r, Reason: why}
		}
	}
	return nil
}

// clean puts s in Unicode normalisation form C, so that a name typed with a
// combining accent ("Sia\u0302n") is the same as the precomposed one and can
// be shown, and reflows breaking whitespace into single spaces. Non-breaking
// spaces stay: they keep "10 December" or a reference on one line. Soft
// hyphens go: the layout does not hyphenate, and a font would print them.
func clean(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if breakingSpace(r) {
			space = b.Len() > 0
			continue
		}
		if r == '\u00ad' {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func breakingSpace(r rune) bool {
	return unicode.IsSpace(r) && r != '\u00a0' && r != '\u2007' && r != '\u202f'
}
