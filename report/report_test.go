package report_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"bonafide/report"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	look   = flag.String("look", "", "write every sample letter as PDF, text and one PNG per page (pdftoppm -r 60) into this directory, to look at")
)

// samples are the letters the golden files and the PDF checks cover: the
// three casework sends, and letters made to test the edges.
var samples = []struct {
	name   string
	letter func() report.Letter
}{
	{"acknowledgement", acknowledgement},
	{"closure", closure},
	{"retraction", retraction},
	{"long", long},
	{"minimal", minimal},
}

// minimal has only what a letter must have.
func minimal() report.Letter {
	return report.Letter{
		From: report.Sender{Agency: "Northbury Borough Council"},
		To:   report.Recipient{Name: "Ms Zoë Hartley"},
		Date: day(2026, time.January, 5),
		Body: []report.Block{report.Paragraph("We have received your message.")},
	}
}

// long is a letter of at least three pages: enough paragraphs, headings and
// lists to break pages inside paragraphs and lists.
func long() report.Letter {
	l := closure()
	l.Subject = "A long record of what we received, decided and found, set out in full"
	var body []report.Block
	for i := 1; i <= 12; i++ {
		body = append(body,
			report.Heading(fmt.Sprintf("Part %d – contact number %d", i, i)),
			report.Paragraph(fmt.Sprintf("On %d November 2026 we received contact number %d about Zoë and Osian. "+
				"It said much the same as the referral before it, in words that closely repeat a public post; "+
				"a social worker read it the same day, checked it against what we already knew and recorded "+
				"a decision, with reasons, that no visit was needed and no agency needed to be told. "+
				"This paragraph is long on purpose, so that it wraps over several lines and may be broken by a page.", i, i)),
			report.Bullets(
				fmt.Sprintf("Item %d.1: checked against the family’s public posts.", i),
				fmt.Sprintf("Item %d.2: checked against earlier referrals, of which there were %d, each of them closed with no concerns found after a proportionate enquiry.", i, i-1),
			))
	}
	l.Body = body
	return l
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("RenderText(%s) differs from %s:\n%s", name, path, diff(string(want), got))
	}
}

// diff shows the first line where want and got part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

// checkWidth fails if a line of text is wider than report.TextWidth, unless
// it is a single word that no wrapping could shorten.
func checkWidth(t *testing.T, text string) {
	t.Helper()
	for i, ln := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(ln) > report.TextWidth && strings.Contains(strings.TrimLeft(ln, "- "), " ") {
			t.Errorf("line %d is %d columns, over %d: %q", i+1, utf8.RuneCountInString(ln), report.TextWidth, ln)
		}
	}
}

func TestRenderText(t *testing.T) {
	hostile := minimal()
	hostile.Body = []report.Block{
		report.Paragraph("Bell\a and escape \x1b[31m, a bidi override \u202egnp.exe\u202c, a zero\u200bwidth space, bad bytes \xff\xfe end."),
		report.Paragraph("A web address longer than a line stays whole: https://northbury.example.gov.uk/children/front-door/referrals/NB-2026-004127/letters/closure"),
		report.Paragraph("  Spaces,\ttabs\nand\r\nnewlines   reflow;\u00a0a non-breaking space stays, and Sia\u0302n is composed.  "),
		report.Bullets("one", "two\nlines"),
	}
	cases := append(samples[:len(samples):len(samples)], struct {
		name   string
		letter func() report.Letter
	}{"hostile", func() report.Letter { return hostile }})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := report.RenderText(tc.letter())
			checkWidth(t, got)
			if !utf8.ValidString(got) {
				t.Errorf("RenderText(%s) is not valid UTF-8", tc.name)
			}
			golden(t, tc.name, got)
		})
	}
}

func TestRenderTextHidesControls(t *testing.T) {
	l := minimal()
	l.Body = []report.Block{report.Paragraph("a\x1b[2Jb\u202ec\u200bd\xffe")}
	got := report.RenderText(l)
	for _, bad := range []string{"\x1b", "\u202e", "\u200b", "\xff"} {
		if strings.Contains(got, bad) {
			t.Errorf("RenderText kept %q:\n%s", bad, got)
		}
	}
	if want := "a\uFFFD[2Jb\uFFFDc\uFFFDd\uFFFDe"; !strings.Contains(got, want) {
		t.Errorf("RenderText = %q, want it to contain %q", got, want)
	}
}

func ExampleRenderText() {
	l := report.Letter{
		From:       report.Sender{Agency: "Northbury Borough Council", Team: "Front Door", Phone: "01632 960 418"},
		To:         report.Recipient{Name: "Mr Tomás Ferreira", Address: []string{"27 Canal Row", "Northbury", "NB4 7HX"}},
		Date:       time.Date(2026, time.December, 2, 0, 0, 0, 0, time.UTC),
		References: []report.Reference{{Label: "Our reference", Value: "NB-2026-004127"}},
		Subject:    "Your contact with us on 1 December 2026",
		Salutation: "Dear Mr Ferreira,",
		Body: []report.Block{
			report.Paragraph("Thank you for contacting us. What you told us has been passed to a social worker, who will decide what should happen next."),
			report.Bullets("If a child is in immediate danger, call 999.", "To tell us more, call us and quote our reference."),
		},
		Closing:   "Yours sincerely,",
		Signatory: report.Signatory{Name: "Aled Morgan-Reyes", Role: "Team Manager"},
		Marking:   "OFFICIAL",
	}
	fmt.Print(report.RenderText(l))
	// Output:
	// OFFICIAL
	//
	// Northbury Borough Council
	// Front Door
	// Telephone: 01632 960 418
	//
	// Mr Tomás Ferreira
	// 27 Canal Row
	// Northbury
	// NB4 7HX
	//
	// 2 December 2026
	// Our reference: NB-2026-004127
	//
	// Your contact with us on 1 December 2026
	//
	// Dear Mr Ferreira,
	//
	// Thank you for contacting us. What you told us has been passed to a
	// social worker, who will decide what should happen next.
	//
	// - If a child is in immediate danger, call 999.
	// - To tell us more, call us and quote our reference.
	//
	// Yours sincerely,
	//
	// Aled Morgan-Reyes
	// Team Manager
	//
	// OFFICIAL
}

// pdfText returns the text pdftotext extracts from a PDF, with pages
// separated by form feeds; crop, if set, keeps only the body area of each
// page (below the continuation header, above the footer) so that a
// paragraph broken by a page reads on without the page furniture between.
func pdfText(t *testing.T, pdf []byte, crop bool) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils) to run the PDF checks")
	}
	args := []string{"-enc", "UTF-8"}
	if crop {
		// In points at 72 dpi: from 22 mm to 276 mm down the page.
		args = append(args, "-r", "72", "-x", "0", "-y", "62", "-W", "595", "-H", "720")
	}
	cmd := exec.Command(bin, append(args, "-", "-")...)
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return out.String()
}

// containsWords reports whether the words of want occur one after another
// in the words of text.
func containsWords(text, want string) bool {
	return strings.Contains(" "+strings.Join(strings.Fields(text), " ")+" ",
		" "+strings.Join(strings.Fields(want), " ")+" ")
}

func mustRender(t *testing.T, l report.Letter) []byte {
	t.Helper()
	b, err := report.RenderPDF(l)
	if err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	return b
}

func TestRenderPDFText(t *testing.T) {
	for _, tc := range samples {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.letter()
			b := mustRender(t, l)
			full := pdfText(t, b, false)
			body := pdfText(t, b, true)
			pages := strings.Count(full, "\f")
			if pages < 1 {
				t.Fatalf("pdftotext found no pages")
			}
			for n := 1; n <= pages; n++ {
				if want := fmt.Sprintf("Page %d of %d", n, pages); !strings.Contains(full, want) {
					t.Errorf("PDF text lacks %q", want)
				}
			}
			if l.Marking != "" {
				if got := strings.Count(full, l.Marking); got != 2*pages {
					t.Errorf("marking %q appears %d times, want %d (top and bottom of %d pages)", l.Marking, got, 2*pages, pages)
				}
			}
			for _, r := range l.References {
				if want := r.Label + ": " + r.Value; !containsWords(full, want) {
					t.Errorf("PDF text lacks reference %q", want)
				}
			}
			var want []string
			want = append(want, l.From.Agency, l.To.Name, l.Subject, l.Salutation, l.Closing,
				l.Signatory.Name, l.Signatory.Role, "2 December 2026")
			want = append(want, l.To.Address...)
			for _, w := range want {
				if strings.TrimSpace(w) == "" {
					continue
				}
				if !containsWords(full, w) && !(w == "2 December 2026" && l.Date.Day() != 2) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			for i, blk := range l.Body {
				texts := blk.Items
				if blk.Text != "" {
					texts = []string{blk.Text}
				}
				for _, s := range texts {
					if !containsWords(body, s) {
						t.Errorf("PDF body lacks body[%d] %q", i, s)
					}
				}
			}
			if tc.name == "long" && pages < 3 {
				t.Errorf("long letter has %d pages, want at least 3", pages)
			}
		})
	}
}

// TestRenderPDFCharacters checks that the characters of Western European
// names and typography come back out of the PDF as they went in.
func TestRenderPDFCharacters(t *testing.T) {
	l := minimal()
	const s = "Siân, Zoë, Ñuño, Šárka, Œdipe: “quoted” and ‘quoted’ – en dash — em dash … €5 • ½ café"
	l.Body = []report.Block{report.Paragraph(s), report.Paragraph("Composed: Sia\u0302n and Zoe\u0308.")}
	text := pdfText(t, mustRender(t, l), false)
	for _, want := range []string{s, "Composed: Siân and Zoë."} {
		if !containsWords(text, want) {
			t.Errorf("PDF text lacks %q; got:\n%s", want, text)
		}
	}
}

func TestRenderPDFDeterministic(t *testing.T) {
	a, b := mustRender(t, closure()), mustRender(t, closure())
	if !bytes.Equal(a, b) {
		t.Fatalf("RenderPDF gave different bytes for the same letter")
	}
	if report.Digest(a) != report.Digest(b) {
		t.Fatalf("Digest differs for equal bytes")
	}
	if !bytes.Contains(a, []byte("D:20261202000000")) {
		t.Errorf("PDF lacks the letter's date as its creation date D:20261202000000")
	}
	later := closure()
	later.Date = later.Date.AddDate(0, 0, 1)
	c := mustRender(t, later)
	if bytes.Equal(a, c) || report.Digest(a) == report.Digest(c) {
		t.Errorf("RenderPDF gave the same bytes for letters of different dates")
	}
	// The time of day and zone of Date do not matter, only the calendar date.
	evening := closure()
	evening.Date = time.Date(2026, time.December, 2, 18, 30, 0, 0, time.FixedZone("BST", 3600))
	if !bytes.Equal(a, mustRender(t, evening)) {
		t.Errorf("RenderPDF depends on the time of day of Date")
	}
}

func TestDigest(t *testing.T) {
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := report.Digest([]byte("abc")); got != want {
		t.Errorf("Digest(abc) = %s, want %s", got, want)
	}
}

func TestRenderPDFRefuses(t *testing.T) {
	with := func(edit func(*report.Letter)) report.Letter {
		l := closure()
		edit(&l)
		return l
	}
	cases := []struct {
		name   string
		letter report.Letter
		field  string // of the *CharError; "" when the error is another kind
		pos    int
		r      rune
		msg    []string // the message must contain each
	}{
		{"polish name", with(func(l *report.Letter) { l.To.Name = "Pani Łucja Nowak" }),
			"to.name", 6, 'Ł', []string{"to.name", "U+0141", "LATIN CAPITAL LETTER L WITH STROKE", "Windows-1252"}},
		{"welsh letter in a paragraph", with(func(l *report.Letter) { l.Body[2].Text = "Tŷ Gwyn" }),
			"body[2].text", 2, 'ŷ', []string{"body[2].text", "U+0177"}},
		{"emoji in a bullet", with(func(l *report.Letter) { l.Body[4].Items[1] = "thanks 🙂" }),
			"body[4].items[1]", 8, '🙂', []string{"body[4].items[1]", "U+1F642"}},
		{"bidi override", with(func(l *report.Letter) { l.Subject = "a\u202eb" }),
			"subject", 2, '\u202e', []string{"subject", "U+202E", "RIGHT-TO-LEFT OVERRIDE"}},
		{"control character", with(func(l *report.Letter) { l.Closing = "Yours\x1b" }),
			"closing", 6, 0x1b, []string{"closing", "control or formatting character"}},
		{"invalid UTF-8", with(func(l *report.Letter) { l.References[1].Value = "DPO-\xff" }),
			"references[1].value", 5, utf8.RuneError, []string{"references[1].value", "invalid UTF-8", "character 5"}},
		{"no agency", with(func(l *report.Letter) { l.From.Agency = " " }), "", 0, 0, []string{"from.agency is missing"}},
		{"no recipient", with(func(l *report.Letter) { l.To.Name = "" }), "", 0, 0, []string{"to.name is missing"}},
		{"no date", with(func(l *report.Letter) { l.Date = time.Time{} }), "", 0, 0, []string{"date is missing"}},
		{"no body", with(func(l *report.Letter) { l.Body = nil }), "", 0, 0, []string{"body is empty"}},
		{"empty paragraph", with(func(l *report.Letter) { l.Body[0].Text = "\n\t" }), "", 0, 0, []string{"body[0]: text is empty"}},
		{"empty bullet", with(func(l *report.Letter) { l.Body[4].Items[0] = "" }), "", 0, 0, []string{"body[4]: items[0] is empty"}},
		{"empty list", with(func(l *report.Letter) { l.Body[4] = report.Bullets() }), "", 0, 0, []string{"body[4]: bullet list has no items"}},
		{"long marking", with(func(l *report.Letter) { l.Marking = strings.Repeat("OFFICIAL ", 7) }), "", 0, 0, []string{"marking is longer than 60 characters"}},
		{"list with text", with(func(l *report.Letter) { l.Body[4].Text = "intro" }), "", 0, 0, []string{"body[4]: a bullet list has items, not text"}},
		{"paragraph with items", with(func(l *report.Letter) { l.Body[0].Items = []string{"x"} }), "", 0, 0, []string{"body[0]: a paragraph or heading has no items"}},
		{"unknown kind", with(func(l *report.Letter) { l.Body[0].Kind = 7 }), "", 0, 0, []string{"body[0]: unknown block kind 7"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := report.RenderPDF(tc.letter)
			if err == nil {
				t.Fatalf("RenderPDF = %d bytes, nil error; want an error", len(b))
			}
			if vErr := tc.letter.Validate(); vErr == nil || vErr.Error() != err.Error() {
				t.Errorf("Validate() = %v, want the error RenderPDF gave: %v", vErr, err)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("RenderPDF error = %q, want it to contain %q", err, m)
				}
			}
			var ce *report.CharError
			switch {
			case tc.field == "" && errors.As(err, &ce):
				t.Errorf("RenderPDF error is a *CharError (%v), want another kind", err)
			case tc.field != "" && !errors.As(err, &ce):
				t.Errorf("RenderPDF error = %v, want a *CharError", err)
			case tc.field != "" && (ce.Field != tc.field || ce.Pos != tc.pos || ce.Rune != tc.r):
				t.Errorf("CharError = {%s %d %U}, want {%s %d %U}", ce.Field, ce.Pos, ce.Rune, tc.field, tc.pos, tc.r)
			}
		})
	}
}

// TestLook writes the sample letters out to look at (see docs/letters.md):
//
//	go test ./report -run TestLook -look /tmp/letters
func TestLook(t *testing.T) {
	if *look == "" {
		t.Skip("set -look DIR to write the sample letters as PDF, text and PNG")
	}
	if err := os.MkdirAll(*look, 0o755); err != nil {
		t.Fatal(err)
	}
	ppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm not found: install poppler-utils (apt-get install -y poppler-utils)")
	}
	for _, tc := range samples {
		l := tc.letter()
		base := filepath.Join(*look, tc.name)
		if err := os.WriteFile(base+".pdf", mustRender(t, l), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+".txt", []byte(report.RenderText(l)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(ppm, "-png", "-r", "60", base+".pdf", base).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm %s: %v: %s", base, err, out)
		}
	}
	t.Run("dejavu", func(t *testing.T) {
		l := closure()
		l.To.Name = "Pani Łucja Nowak-Wójcik"
		l.Salutation = "Dear Pani Nowak-Wójcik,"
		b, err := dejaVu(t).RenderPDF(l)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Join(*look, "closure-dejavu")
		if err := os.WriteFile(base+".pdf", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(ppm, "-png", "-r", "60", base+".pdf", base).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm %s: %v: %s", base, err, out)
		}
	})
}

// TestRenderPDFBulletsAfterPageBreak checks that a bullet drawn at the top
// of a new page has the body's size, not the footer's the page was left in.
func TestRenderPDFBulletsAfterPageBreak(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils) to run the PDF checks")
	}
	cmd := exec.Command("pdftotext", "-bbox", "-", "-")
	cmd.Stdin = bytes.NewReader(mustRender(t, long()))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	heights := map[string]int{}
	for _, ln := range strings.Split(string(out), "\n") {
		if !strings.HasSuffix(ln, ">•</word>") {
			continue
		}
		var x0, y0, x1, y1 float64
		if _, err := fmt.Sscanf(strings.TrimSpace(ln), `<word xMin="%f" yMin="%f" xMax="%f" yMax="%f">`, &x0, &y0, &x1, &y1); err != nil {
			t.Fatalf("parse %q: %v", ln, err)
		}
		heights[fmt.Sprintf("%.1f", y1-y0)]++
	}
	if len(heights) != 1 {
		t.Errorf("bullets come in %d sizes (height: count) %v, want one", len(heights), heights)
	}
}
