// Package strcmp holds the string comparisons of record linkage: the
// Jaro–Winkler similarity ([JaroWinkler]), a test for one edit ([Within1])
// and the optimal string alignment distance ([OSA]). Package linkage grades
// field agreement with them and triage's family linker compares names with
// them, so that both read a misspelling the same way.
//
// The functions compare bytes (callers normalise first, see package
// bonafide/normalize), do not allocate for names and are safe for
// concurrent use.
package strcmp
