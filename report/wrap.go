package report

import "strings"

// wrap breaks text, already cleaned (words separated by single spaces), into
// lines no wider than width, where width(r) is the advance of one character:
// both fonts the letters use, Helvetica and a fixed-width terminal, have no
// kerning, so the width of a string is the sum of its characters'.
//
// A word wider than a whole line is put on a line of its own; if split is
// true it is then cut, character by character, into pieces that fit (a PDF
// page cannot overflow), and otherwise left whole (the text form keeps an
// e-mail address or a web address in one piece so that it still works).
func wrap(text string, max float64, width func(rune) float64, split bool) []string {
	if text == "" {
		return nil
	}
	space := width(' ')
	var lines []string
	var line strings.Builder
	lineW := 0.0
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		lineW = 0
	}
	for word := range strings.SplitSeq(text, " ") {
		w := 0.0
		for _, r := range word {
			w += width(r)
		}
		if line.Len() > 0 && lineW+space+w <= max {
			line.WriteByte(' ')
			line.WriteString(word)
			lineW += space + w
			continue
		}
		if line.Len() > 0 {
			flush()
		}
		if w <= max || !split {
			line.WriteString(word)
			lineW = w
			continue
		}
		for _, r := range word {
			rw := width(r)
			if line.Len() > 0 && lineW+rw > max {
				flush()
			}
			line.WriteRune(r)
			lineW += rw
		}
	}
	if line.Len() > 0 {
		flush()
	}
	return lines
}
