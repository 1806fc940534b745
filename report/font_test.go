package report_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"bonafide/report"
)

// The embedded-font tests use DejaVu Sans from Debian's fonts-dejavu-core;
// the project commits no font files.
const dejavu = "/usr/share/fonts/truetype/dejavu/"

func dejaVu(t testing.TB) *report.Renderer {
	t.Helper()
	regular, err := os.ReadFile(dejavu + "DejaVuSans.ttf")
	if err != nil {
		t.Skipf("DejaVu Sans not found (%v): install fonts-dejavu-core (apt-get install -y fonts-dejavu-core) to run the embedded-font checks", err)
	}
	bold, err := os.ReadFile(dejavu + "DejaVuSans-Bold.ttf")
	if err != nil {
		t.Skipf("DejaVu Sans Bold not found (%v): install fonts-dejavu-core", err)
	}
	r, err := report.NewRenderer(regular, bold)
	if err != nil {
		t.Fatalf("NewRenderer(DejaVu Sans): %v", err)
	}
	return r
}

func TestRendererShowsMoreNames(t *testing.T) {
	r := dejaVu(t)
	l := closure()
	l.To.Name = "Pani Łucja Nowak-Wójcik"
	l.Salutation = "Dear Pani Nowak-Wójcik,"
	const s = "Names from families we work with: Łucja, Małgorzata, Tŷ Gwyn, Dŵr, Ελένη, Олена, Şükrü, Ağnė, Zoë – “quoted”."
	l.Body = append(l.Body, report.Paragraph(s))
	if err := l.Validate(); err == nil {
		t.Fatalf("Letter.Validate accepts Ł, which Helvetica cannot show")
	}
	b, err := r.RenderPDF(l)
	if err != nil {
		t.Fatalf("RenderPDF with DejaVu Sans: %v", err)
	}
	text := pdfText(t, b, false)
	for _, want := range []string{s, l.To.Name, l.Salutation, "Page 1 of 2", "Police may quote: DPO-2026-0193"} {
		if !containsWords(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	for i := range 5 {
		again, err := r.RenderPDF(l)
		if err != nil || !bytes.Equal(b, again) {
			t.Fatalf("render %d differs from the first (error %v): embedded fonts must keep the output deterministic", i+2, err)
		}
	}
}

func TestRendererRefuses(t *testing.T) {
	r := dejaVu(t)
	for _, tc := range []struct {
		name, text string
		r          rune
		reason     string
	}{
		{"arabic", "محمد", 'م', "shaping or right-to-left"},
		{"hebrew", "שרה", 'ש', "shaping or right-to-left"},
		{"devanagari", "अनीता", 'अ', "shaping or right-to-left"},
		{"emoji", "ok 🙂", '🙂', "not in the letter font"},
		{"bidi override", "a\u202eb", '\u202e', "control or formatting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := closure()
			l.Body[0].Text = tc.text
			_, err := r.RenderPDF(l)
			var ce *report.CharError
			if !errors.As(err, &ce) {
				t.Fatalf("RenderPDF(%q) error = %v, want a *CharError", tc.text, err)
			}
			if ce.Field != "body[0].text" || ce.Rune != tc.r || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("CharError = {%s %U %q}, want {body[0].text %U …%s…}", ce.Field, ce.Rune, ce.Reason, tc.r, tc.reason)
			}
		})
	}
}

func TestNewRendererRejectsNonFonts(t *testing.T) {
	if _, err := report.NewRenderer([]byte("not a font"), []byte("nor this")); err == nil {
		t.Errorf("NewRenderer(garbage) = nil error")
	}
}

// TestZeroRendererIsHelvetica checks that the zero Renderer and RenderPDF
// give the same bytes.
func TestZeroRendererIsHelvetica(t *testing.T) {
	a := mustRender(t, closure())
	b, err := (&report.Renderer{}).RenderPDF(closure())
	if err != nil || !bytes.Equal(a, b) {
		t.Errorf("zero Renderer differs from RenderPDF (error %v)", err)
	}
}

// TestRenderConcurrently checks the claim that renderers may be used from
// many goroutines: each gives the bytes it gives alone (run with -race).
func TestRenderConcurrently(t *testing.T) {
	renderers := map[string]func(report.Letter) ([]byte, error){"helvetica": report.RenderPDF}
	if _, err := os.Stat(dejavu + "DejaVuSans.ttf"); err == nil {
		renderers["dejavu"] = dejaVu(t).RenderPDF
	}
	for name, render := range renderers {
		want, err := render(closure())
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				got, err := render(closure())
				if err == nil && !bytes.Equal(got, want) {
					err = errors.New("different bytes")
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("%s: concurrent RenderPDF: %v", name, err)
			}
		}
	}
}
