package report_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"bonafide/report"
)

// FuzzRender puts arbitrary text in a paragraph, a bullet and the
// recipient's name. RenderText must always give valid UTF-8 with nothing
// hidden in it; RenderPDF must give a whole, reproducible PDF or a clean
// error, and an error only for what Validate refuses.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"",
		"Siân and Zoë – “quoted”",
		"Łucja",
		"a\x00b\x1b[31m\u202e\u200b\xff",
		"word " + strings.Repeat("x", 300),
		strings.Repeat("a ", 400),
		"Sia\u0302n\u00a0Llewellyn\r\n\ttab",
		"€ … • ½ ÿ Ÿ š ž",
	} {
		f.Add(s)
	}
	// With DejaVu Sans installed the embedded-font renderer is fuzzed too.
	var withFont *report.Renderer
	regular, err1 := os.ReadFile(dejavu + "DejaVuSans.ttf")
	bold, err2 := os.ReadFile(dejavu + "DejaVuSans-Bold.ttf")
	if err1 == nil && err2 == nil {
		r, err := report.NewRenderer(regular, bold)
		if err != nil {
			f.Fatalf("NewRenderer(DejaVu Sans): %v", err)
		}
		withFont = r
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := closure()
		l.Body = append(l.Body, report.Paragraph(s), report.Bullets("before", s))
		l.To.Name = "Ms " + s

		text := report.RenderText(l)
		if !utf8.ValidString(text) {
			t.Fatalf("RenderText gave invalid UTF-8")
		}
		for _, r := range text {
			if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
				t.Fatalf("RenderText kept hidden character %U", r)
			}
		}
		if isPrintableASCII(s) {
			checkWidth(t, text)
			for _, w := range strings.Fields(s) {
				if !strings.Contains(text, w) {
					t.Fatalf("RenderText lost the word %q", w)
				}
			}
		}

		checkPDF(t, l, report.RenderPDF, l.Validate)
		if withFont != nil {
			checkPDF(t, l, withFont.RenderPDF, func() error { return withFont.Validate(l) })
		}
	})
}

// checkPDF checks that render gives a whole, reproducible PDF of l exactly
// when validate accepts l, and a clean error otherwise.
func checkPDF(t *testing.T, l report.Letter, render func(report.Letter) ([]byte, error), validate func() error) {
	t.Helper()
	b, err := render(l)
	vErr := validate()
	switch {
	case err != nil && vErr == nil:
		t.Fatalf("RenderPDF: %v, but Validate accepts the letter", err)
	case err != nil:
		var ce *report.CharError
		if !errors.As(err, &ce) && !strings.HasPrefix(err.Error(), "report: body[") {
			t.Fatalf("RenderPDF error %q is neither a CharError nor an empty block", err)
		}
		if b != nil {
			t.Fatalf("RenderPDF gave %d bytes with its error", len(b))
		}
		return
	case vErr != nil:
		t.Fatalf("Validate: %v, but RenderPDF rendered the letter", vErr)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("%%EOF")) {
		t.Fatalf("RenderPDF output is not a whole PDF: %q … %q", b[:min(16, len(b))], b[max(0, len(b)-16):])
	}
	again, err := render(l)
	if err != nil || !bytes.Equal(b, again) {
		t.Fatalf("RenderPDF is not reproducible (second error %v)", err)
	}
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
