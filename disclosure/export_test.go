package disclosure

import "bonafide"

// ReporterMarksForTest exposes the screen's marks of refs' reporters.
func ReporterMarksForTest(refs []*bonafide.Referral) reporterMarks { return newReporterMarks(refs) }

// ScreenWith screens one sentence with marks.
func ScreenWith(m reporterMarks, text string, narrative bool) (string, bonafide.RedactionCode, bool) {
	return newScreen(m, nil).screen(text, narrative)
}
