package casework

import (
	"errors"
	"fmt"
	"os"

	"bonafide/report"
)

// Letterhead renders drafts with package report: as PDF on A4 and as text,
// with the OFFICIAL-SENSITIVE marking every letter about a child carries.
type Letterhead struct {
	// PDF renders the letters Helvetica cannot (a name outside
	// Windows-1252): the embedded-font renderer of NewLetterhead; when nil,
	// such a letter keeps its text only.
	PDF *report.Renderer
}

// Marking is the protective marking of every letter (Government Security
// Classifications: personal data about a child).
const Marking = "OFFICIAL-SENSITIVE"

// DejaVu is where Debian's fonts-dejavu-core puts the fonts NewLetterhead
// embeds, so that names such as Łucja, Tŷ Gwyn or Олена print.
var DejaVu = [2]string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"}

// NewLetterhead returns a Letterhead that embeds the fonts at regular and
// bold (such as DejaVu), or, when they cannot be read, one that uses
// Helvetica and says why in its second result.
func NewLetterhead(regular, bold string) (*Letterhead, error) {
	r, err := os.ReadFile(regular)
	if err != nil {
		return &Letterhead{}, fmt.Errorf("letter font: %w (letters use Helvetica: names outside Windows-1252 cannot be printed)", err)
	}
	b, err := os.ReadFile(bold)
	if err != nil {
		return &Letterhead{}, fmt.Errorf("letter font: %w (letters use Helvetica)", err)
	}
	pdf, err := report.NewRenderer(r, b)
	if err != nil {
		return &Letterhead{}, fmt.Errorf("letter font: %w (letters use Helvetica)", err)
	}
	return &Letterhead{PDF: pdf}, nil
}

// Render renders d from ag. A draft whose PDF cannot show one of its
// characters (a script the font lacks) still gives its text, so that no
// decision or closure fails for a name: the PDF is then empty and the
// error says which character, for the worker to see.
func (h *Letterhead) Render(d Draft, ag Agency) ([]byte, string, error) {
	l := report.Letter{
		From:       report.Sender{Agency: ag.Name, Team: ag.Team, Address: ag.Address, Phone: ag.Phone, Email: ag.Email},
		To:         report.Recipient{Name: d.Recipient, Address: d.To},
		Date:       d.Date,
		Subject:    d.Subject,
		Salutation: d.Salutation,
		Closing:    d.Closing,
		Signatory:  report.Signatory{Name: d.Signatory, Role: d.Role},
		Marking:    Marking,
		Footer:     "If you need this letter in another format or language, contact " + ag.Team + ".",
	}
	if len(d.To) > 0 {
		l.To = report.Recipient{Name: d.To[0], Address: d.To[1:]}
	}
	for _, r := range d.References {
		l.References = append(l.References, report.Reference{Label: r[0], Value: r[1]})
	}
	for _, p := range d.Paragraphs {
		l.Body = append(l.Body, report.Paragraph(p))
	}
	text := report.RenderText(l)
	// Helvetica first: it renders in milliseconds, the embedded font in a
	// tenth of a second, and most letters need nothing outside
	// Windows-1252.
	pdf, err := report.RenderPDF(l)
	var ce *report.CharError
	if errors.As(err, &ce) && h.PDF != nil {
		pdf, err = h.PDF.RenderPDF(l)
	}
	if errors.As(err, &ce) {
		return nil, text, nil
	}
	if err != nil {
		return nil, "", err
	}
	return pdf, text, nil
}
