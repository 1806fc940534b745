package report

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// TextWidth is the column width of [RenderText]: the traditional limit for
// plain-text e-mail, which every client shows without rewrapping.
const TextWidth = 72

// RenderText returns l as plain text wrapped at [TextWidth] columns, for the
// body of an e-mail and for the case record. It says everything the PDF says
// (except page numbers, which plain text has not got) in the same order.
//
// RenderText never fails: it is also how a letter [RenderPDF] refused is
// shown to the person who must correct it. Invalid UTF-8 and control or
// formatting characters (which could hide or reorder text in a reader's mail
// program) become U+FFFD. A word longer than a line, such as a web address,
// is kept whole on a line of its own.
func RenderText(l Letter) string {
	var t textWriter
	t.line(l.Marking)
	t.gap()
	t.line(l.From.Agency)
	t.line(l.From.Team)
	t.lines(l.From.Address)
	t.labelled("Telephone", l.From.Phone)
	t.labelled("Email", l.From.Email)
	t.gap()
	t.line(l.To.Name)
	t.lines(l.To.Address)
	t.gap()
	if !l.Date.IsZero() {
		t.line(formatDate(l.Date))
	}
	for _, r := range l.References {
		t.labelled(r.Label, r.Value)
	}
	t.gap()
	t.line(l.Subject)
	t.gap()
	t.line(l.Salutation)
	t.gap()
	for _, b := range l.Body {
		switch b.Kind {
		case KindBullets:
			for _, it := range b.Items {
				t.bullet(it)
			}
		default:
			t.line(b.Text)
		}
		t.gap()
	}
	t.line(l.Closing)
	t.gap()
	t.line(l.Signatory.Name)
	t.line(l.Signatory.Role)
	t.gap()
	t.line(l.Footer)
	t.gap()
	t.line(l.Marking)
	return t.String()
}

// textWriter collects wrapped lines, with at most one blank line between
// groups and none at the start or end.
type textWriter struct {
	b       strings.Builder
	pending bool // a blank line is due before the next text
}

func (t *textWriter) String() string { return t.b.String() }

func (t *textWriter) gap() { t.pending = t.b.Len() > 0 }

func (t *textWriter) write(s string) {
	if t.pending {
		t.b.WriteByte('\n')
		t.pending = false
	}
	t.b.WriteString(s)
	t.b.WriteByte('\n')
}

// line writes s wrapped; nothing if s is empty.
func (t *textWriter) line(s string) {
	for _, ln := range wrap(cleanText(s), TextWidth, columns, false) {
		t.write(ln)
	}
}

func (t *textWriter) lines(ss []string) {
	for _, s := range ss {
		t.line(s)
	}
}

func (t *textWriter) labelled(label, value string) {
	label, value = cleanText(label), cleanText(value)
	switch {
	case value == "":
		return
	case label != "":
		value = label + ": " + value
	}
	t.line(value)
}

// bullet writes s as a bullet item with a hanging indent.
func (t *textWriter) bullet(s string) {
	for i, ln := range wrap(cleanText(s), TextWidth-2, columns, false) {
		if i == 0 {
			t.write("- " + ln)
		} else {
			t.write("  " + ln)
		}
	}
}

// cleanText is [clean] for the text form: whatever cannot be shown safely
// becomes U+FFFD instead of being refused.
func cleanText(s string) string {
	s = clean(strings.ToValidUTF8(s, "\uFFFD"))
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if hidden(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// hidden reports control and formatting characters, bidirectional
// overrides and zero-width characters among them.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// columns is how many terminal columns r takes.
func columns(r rune) float64 {
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
