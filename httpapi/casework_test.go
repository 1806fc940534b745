package httpapi

import (
	"strings"

	"bonafide/casework"
)

// testLetters renders letters as their text behind a PDF header, so that
// the workflow's tests see what each letter says; the report package's own
// tests cover the PDF itself.
type testLetters struct{}

func (testLetters) Render(d casework.Draft, from casework.Agency) ([]byte, string, error) {
	text := strings.Join(append(append([]string{from.Name, d.Subject, d.Salutation}, d.Paragraphs...), d.Closing, d.Signatory), "\n\n")
	return []byte("%PDF-1.4\n% rendered for the tests\n" + text), text, nil
}
