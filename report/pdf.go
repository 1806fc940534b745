package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
)

// Page geometry, in millimetres. The recipient block sits where the window
// of a C5 or DL envelope shows it (20–25 mm from the left, about 50 mm from
// the top), so the same PDF can be printed and posted.
const (
	pageW       = 210.0
	pageH       = 297.0
	marginL     = 25.0
	marginR     = 20.0
	textW       = pageW - marginL - marginR
	senderX     = 118.0 // the sender column, right of the recipient block
	senderW     = pageW - marginR - senderX
	recipientY  = 50.0
	firstTop    = 20.0 // the sender column starts here on page 1
	contTop     = 30.0 // body text starts here on later pages
	footerBase  = pageH - 10.0
	bodySize    = 12.0 // pt; RNIB's clear-print guidance asks for 12 pt or more
	bodyLead    = 6.0  // mm, line to line
	smallSize   = 10.0
	smallLead   = 4.8
	footSize    = 9.0
	footLead    = 4.2
	paraGap     = 4.0
	itemGap     = 1.5
	bulletInset = 6.0
	signSpace   = 14.0 // room for a handwritten signature on a printed copy
)

// The colours are GOV.UK Design System's text, secondary text and border
// colours, which staff and families know from public-sector documents.
var (
	ink       = [3]int{0x0b, 0x0c, 0x0c}
	secondary = [3]int{0x50, 0x5a, 0x5f}
	rule      = [3]int{0xb1, 0xb4, 0xb6}
)

// RenderPDF lays out l as an A4 PDF letter in Helvetica and returns its bytes.
//
// The output is deterministic: the same Letter gives the same bytes, so
// their [Digest] can be stored with the letter and checked later. The PDF's
// creation date is the letter's date (at midnight UTC), it has no random
// document id, its catalogues are written in sorted order and its page
// streams are not compressed (so the bytes do not depend on the compressor
// of a particular Go release; a letter is a few kilobytes either way).
//
// Every page carries the protective marking at its top and bottom and
// "Page n of N"; pages after the first repeat the recipient, the first
// reference and the date. RenderPDF refuses, before laying anything out,
// what [Letter.Validate] refuses; a character outside Helvetica's
// Windows-1252 repertoire is a [*CharError] naming the field and the
// character. A [Renderer] with an embedded font shows more.
func RenderPDF(l Letter) ([]byte, error) {
	return (&Renderer{}).RenderPDF(l)
}

// A Renderer lays out letters in one typeface. The zero Renderer uses
// Helvetica, like [RenderPDF]; [NewRenderer] embeds a TrueType family, so
// that names such as Łucja, Tŷ Gwyn, Ελένη or Олена can be printed. Its
// methods may be called concurrently.
type Renderer struct {
	regular, bold []byte       // TrueType faces; nil for Helvetica
	faces         []*sfnt.Font // both faces, parsed, to know what they cover
}

// NewRenderer returns a Renderer that embeds the TrueType faces regular and
// bold (for example DejaVu Sans from Debian's fonts-dejavu-core, read at
// start-up; the project ships no font files). Only the characters a letter
// uses are embedded, so a letter stays a few tens of kilobytes, and the
// output is as deterministic as RenderPDF's.
//
// Characters both faces have are shown if their script is written left to
// right without joining (Latin, Greek, Cyrillic, Armenian, Georgian, and the
// punctuation and symbols all scripts share); Arabic, Hebrew and the scripts
// of South Asia need shaping this renderer does not do, and are refused.
func NewRenderer(regular, bold []byte) (*Renderer, error) {
	r := &Renderer{regular: regular, bold: bold}
	for _, face := range []struct {
		name string
		b    []byte
	}{{"regular", regular}, {"bold", bold}} {
		f, err := sfnt.Parse(face.b)
		if err != nil {
			return nil, fmt.Errorf("report: %s face: %w", face.name, err)
		}
		r.faces = append(r.faces, f)
	}
	for _, c := range "Aa0 .,–" {
		if why := r.refuses(c); why != "" {
			return nil, fmt.Errorf("report: font lacks %q: %s", c, why)
		}
	}
	return r, nil
}

// Validate reports what r.RenderPDF would refuse, as [Letter.Validate]
// does for Helvetica.
func (r *Renderer) Validate(l Letter) error {
	return l.validate(r.refuses)
}

// RenderPDF lays out l as [RenderPDF] does, in r's typeface.
func (r *Renderer) RenderPDF(l Letter) ([]byte, error) {
	if err := r.Validate(l); err != nil {
		return nil, err
	}
	// The first pass counts the pages, so that every footer can say
	// "Page n of N" with N known and laid out at its true width (the
	// library's page-count alias is replaced after layout, too late for
	// right-aligned text).
	pages, _, err := r.render(l, 0)
	if err != nil {
		return nil, err
	}
	_, b, err := r.render(l, pages)
	return b, err
}

// Shows reports whether r can print c: for a nil or zero Renderer, whether
// Helvetica's Windows-1252 has it. A caller that would rather print a
// placeholder than refuse a whole document (an exhibit list quoting
// emoji) replaces what it does not show.
func (r *Renderer) Shows(c rune) bool {
	if r == nil {
		return helveticaRefuses(c) == ""
	}
	return r.refuses(c) == ""
}

// refuses says why r's font cannot show c, or "" if it can.
func (r *Renderer) refuses(c rune) string {
	if r.faces == nil {
		return helveticaRefuses(c)
	}
	if !unicode.In(c, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Armenian,
		unicode.Georgian, unicode.Common, unicode.Inherited) || unicode.In(c, unicode.Bidi_Control) {
		return "its script needs shaping or right-to-left layout, which the PDF renderer does not do"
	}
	var buf sfnt.Buffer
	for _, f := range r.faces {
		if g, err := f.GlyphIndex(&buf, c); err != nil || g == 0 {
			return "not in the letter font"
		}
	}
	return ""
}

// Digest returns the SHA-256 of a rendered letter in lower-case hex, the
// form in which letters are stored beside their bytes.
func Digest(pdf []byte) string {
	sum := sha256.Sum256(pdf)
	return hex.EncodeToString(sum[:])
}

// helveticaRefuses says why Helvetica cannot show r, or "" if it can, by
// asking the library's own UTF-8 to Windows-1252 translator (which turns
// anything it cannot map into '.').
func helveticaRefuses(r rune) string {
	if r < 0x80 || cp1252()[r] {
		return ""
	}
	return "outside Windows-1252, the only characters the letter font has"
}

var cp1252 = sync.OnceValue(func() map[rune]bool {
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("cp1252")
	m := make(map[rune]bool)
	for r := rune(0x80); r <= 0xffff; r++ {
		if tr(string(r)) != "." {
			m[r] = true
		}
	}
	return m
})

type pdfWriter struct {
	f      *fpdf.Fpdf
	family string              // the font family name in the PDF
	tr     func(string) string // UTF-8 to the font's encoding
	scale  float64             // font sizes are multiplied by this
	l      Letter
	total  int     // pages in the letter; 0 while counting
	tail   float64 // height the last lines of the body must share a page with
	y      float64 // top of the next line
	bottom float64 // body text must end above this
}

func (r *Renderer) render(l Letter, total int) (pages int, out []byte, err error) {
	f := fpdf.New("P", "mm", "A4", "")
	y, m, d := l.Date.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	f.SetCreationDate(day)
	f.SetModificationDate(day)
	f.SetCatalogSort(true)
	f.SetCompression(false)
	f.SetProducer("bonafide report (go-pdf/fpdf)", false)
	f.SetCreator("bonafide", false)
	f.SetTitle(clean(l.Subject), true)
	f.SetAuthor(clean(l.From.Agency), true)
	f.SetLang("en-GB")
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(marginL, firstTop, marginR)
	f.SetCellMargin(0)

	w := &pdfWriter{f: f, family: "Helvetica", l: l, total: total, scale: 1}
	if r.faces == nil {
		w.tr = f.UnicodeTranslatorFromDescriptor("cp1252")
	} else {
		w.family, w.tr = "Letter", func(s string) string { return s }
		f.AddUTF8FontFromBytes(w.family, "", r.regular)
		f.AddUTF8FontFromBytes(w.family, "B", r.bold)
		// A wider face (DejaVu Sans sets a fifth wider than Helvetica) is
		// set up to a tenth smaller, so that lines hold about as many words
		// and the layout keeps its proportions; such faces have a larger
		// x-height, so 12 pt × 0.9 looks as large as Helvetica at 11.5 pt.
		const sample = "abcdefghijklmnopqrstuvwxyz Northbury"
		f.SetFont("Helvetica", "", bodySize)
		base := f.GetStringWidth(sample)
		f.SetFont(w.family, "", bodySize)
		if wide := f.GetStringWidth(sample); wide > base {
			w.scale = max(0.9, base/wide)
		}
	}
	w.newPage()
	w.letterhead()
	w.body()
	if err := f.Error(); err != nil {
		return 0, nil, fmt.Errorf("render pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return 0, nil, fmt.Errorf("render pdf: %w", err)
	}
	return f.PageNo(), buf.Bytes(), nil
}

func (w *pdfWriter) font(style string, size float64, colour [3]int) {
	w.f.SetFont(w.family, style, size*w.scale)
	w.f.SetTextColor(colour[0], colour[1], colour[2])
}

// width is the advance of r in the current font, in millimetres.
func (w *pdfWriter) width(r rune) float64 {
	return w.f.GetStringWidth(w.tr(string(r)))
}

func (w *pdfWriter) widthOf(s string) float64 {
	return w.f.GetStringWidth(w.tr(s))
}

func (w *pdfWriter) wrap(s string, max float64) []string {
	return wrap(clean(s), max, w.width, true)
}

// text writes s with its baseline placed for a line box of height lead
// whose top is at top.
func (w *pdfWriter) text(x, top, lead float64, s string) {
	_, size := w.f.GetFontSize()
	w.f.Text(x, top+(lead+size)/2-0.15*size, w.tr(s))
}

// newPage starts a page and draws what every page carries: the marking at
// top and bottom, the footer line and page number, and on pages after the
// first the first reference and the date.
func (w *pdfWriter) newPage() {
	f := w.f
	f.AddPage()
	n := f.PageNo()
	if mk := clean(w.l.Marking); mk != "" {
		w.font("B", smallSize, ink)
		w.text((pageW-w.widthOf(mk))/2, 6, smallLead, mk)
		w.text((pageW-w.widthOf(mk))/2, footerBase-smallLead/2-1, smallLead, mk)
	}
	w.font("", footSize, secondary)
	if w.total > 0 {
		pn := fmt.Sprintf("Page %d of %d", n, w.total)
		w.text(pageW-marginR-w.widthOf(pn), footerBase-footLead/2-1, footLead, pn)
	}
	footTop := footerBase - 3.0
	if ft := w.wrap(w.l.Footer, textW); len(ft) > 0 {
		footTop -= float64(len(ft))*footLead + 1
		for i, ln := range ft {
			w.text(marginL, footTop+float64(i)*footLead, footLead, ln)
		}
	}
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetLineWidth(0.3)
	f.Line(marginL, footTop-2, pageW-marginR, footTop-2)
	w.bottom = footTop - 6
	w.y = firstTop
	if n == 1 {
		return
	}
	// The recipient on the left, the first reference and the date on the
	// right, as on a continuation sheet.
	w.font("", footSize, secondary)
	right := formatDate(w.l.Date)
	if len(w.l.References) > 0 {
		r := w.l.References[0]
		ref := clean(r.Value)
		if lab := clean(r.Label); lab != "" {
			ref = lab + ": " + ref
		}
		right = ref + " \u00b7 " + right
	}
	rw := min(w.widthOf(right), textW/2)
	rl := w.wrap(right, rw+0.01)
	for i, ln := range rl {
		w.text(pageW-marginR-w.widthOf(ln), 14+float64(i)*footLead, footLead, ln)
	}
	ll := w.wrap(w.l.To.Name, textW-rw-6)
	for i, ln := range ll {
		w.text(marginL, 14+float64(i)*footLead, footLead, ln)
	}
	w.y = max(contTop, 14+float64(max(len(ll), len(rl)))*footLead+8)
}

// letterhead draws page 1's sender column (agency, team, address, contact,
// date, references) and the recipient block, and puts the body below both.
func (w *pdfWriter) letterhead() {
	l := w.l
	y := firstTop
	col := func(style string, size, lead float64, s string) {
		w.font(style, size, ink)
		for _, ln := range w.wrap(s, senderW) {
			w.text(senderX, y, lead, ln)
			y += lead
		}
	}
	col("B", 14, 6.5, l.From.Agency)
	col("B", smallSize, smallLead, l.From.Team)
	for _, a := range l.From.Address {
		col("", smallSize, smallLead, a)
	}
	y += 2
	if p := clean(l.From.Phone); p != "" {
		col("", smallSize, smallLead, "Telephone: "+p)
	}
	if e := clean(l.From.Email); e != "" {
		col("", smallSize, smallLead, "Email: "+e)
	}
	y += 4
	col("", smallSize, smallLead, formatDate(l.Date))
	for _, r := range l.References {
		label, value := clean(r.Label), clean(r.Value)
		if value == "" {
			continue
		}
		if label != "" {
			value = label + ": " + value
		}
		col("", smallSize, smallLead, value)
	}

	ry := recipientY
	w.font("", bodySize, ink)
	lines := []string{l.To.Name}
	lines = append(lines, l.To.Address...)
	for _, s := range lines {
		for _, ln := range w.wrap(s, senderX-marginL-5) {
			w.text(marginL, ry, bodyLead, ln)
			ry += bodyLead
		}
	}
	w.y = max(y, ry) + 10
}

// ensure starts a new page unless h millimetres fit above the footer.
func (w *pdfWriter) ensure(h float64) {
	if w.y+h > w.bottom {
		w.newPage()
	}
}

// lines writes wrapped lines at x, breaking the page between lines, and
// keeps at least keep of them together at the foot of a page (no single
// orphan line of a paragraph left behind).
func (w *pdfWriter) lines(x float64, ls []string, style string, keep int) {
	w.ensure(float64(min(keep, len(ls))) * bodyLead)
	last := len(ls) - min(2, len(ls))
	for i, ln := range ls {
		if i == last && w.tail > 0 {
			w.ensure(float64(len(ls)-i)*bodyLead + w.tail)
		}
		w.ensure(bodyLead)
		w.font(style, bodySize, ink)
		w.text(x, w.y, bodyLead, ln)
		w.y += bodyLead
	}
}

func (w *pdfWriter) body() {
	l := w.l
	w.font("B", bodySize, ink)
	if s := w.wrap(l.Subject, textW); len(s) > 0 {
		w.lines(marginL, s, "B", len(s))
		w.y += paraGap
	}
	w.font("", bodySize, ink)
	if s := w.wrap(l.Salutation, textW); len(s) > 0 {
		w.lines(marginL, s, "", 1)
		w.y += paraGap
	}
	// The signature is never left alone on a page: the last two lines of
	// the body go over with it, as a typist would arrange.
	sig := paraGap + w.signatureHeight()
	for i, b := range l.Body {
		final := i == len(l.Body)-1
		switch b.Kind {
		case KindHeading:
			w.font("B", bodySize, ink)
			hs := w.wrap(b.Text, textW)
			// A heading is kept with the first two lines of what follows.
			w.ensure(float64(len(hs)+2)*bodyLead + itemGap)
			w.lines(marginL, hs, "B", len(hs))
			w.y += itemGap
			continue
		case KindBullets:
			w.font("", bodySize, ink)
			for j, it := range b.Items {
				ls := w.wrap(it, textW-bulletInset)
				w.ensure(float64(min(2, len(ls))) * bodyLead)
				if final && j == len(b.Items)-1 {
					w.tail = sig
					if len(ls) <= 2 {
						// The whole item goes with the signature; its
						// bullet must go too.
						w.ensure(float64(len(ls))*bodyLead + sig)
					}
				}
				w.font("", bodySize, ink) // a new page sets the footer's font
				w.text(marginL+1.5, w.y, bodyLead, "\u2022")
				w.lines(marginL+bulletInset, ls, "", 2)
				if j < len(b.Items)-1 {
					w.y += itemGap
				}
			}
		default:
			if final {
				w.tail = sig
			}
			w.font("", bodySize, ink)
			w.lines(marginL, w.wrap(b.Text, textW), "", 2)
		}
		w.tail = 0
		if i < len(l.Body)-1 || l.Closing != "" || l.Signatory.Name != "" {
			w.y += paraGap
		}
	}
	w.signature()
}

// signatureLines wraps the closing, the signatory's name (in bold) and role.
func (w *pdfWriter) signatureLines() (closing, name, role []string) {
	l := w.l
	w.font("", bodySize, ink)
	closing = w.wrap(l.Closing, textW)
	w.font("B", bodySize, ink)
	name = w.wrap(l.Signatory.Name, textW)
	w.font("", bodySize, ink)
	role = w.wrap(l.Signatory.Role, textW)
	return closing, name, role
}

// signatureHeight is the height of the closing and signatory block.
func (w *pdfWriter) signatureHeight() float64 {
	closing, name, role := w.signatureLines()
	h := float64(len(closing)+len(name)+len(role)) * bodyLead
	if len(closing) > 0 {
		h += signSpace
	}
	return h
}

// signature writes the closing and signatory, kept together on one page.
func (w *pdfWriter) signature() {
	closing, name, role := w.signatureLines()
	if len(closing)+len(name)+len(role) == 0 {
		return
	}
	w.ensure(w.signatureHeight())
	w.lines(marginL, closing, "", len(closing))
	if len(closing) > 0 {
		w.y += signSpace
	}
	w.lines(marginL, name, "B", len(name))
	w.lines(marginL, role, "", len(role))
}
