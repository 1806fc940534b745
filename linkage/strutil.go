package linkage

import "strings"

// compact removes spaces and hyphens, so "mary-jane", "mary jane" and "maryjane"
// compare equal.
func compact(s string) string {
	if !strings.ContainsAny(s, " -") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '-' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// isNumber reports whether s is a non-empty run of ASCII digits.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
