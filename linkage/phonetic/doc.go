// Package phonetic encodes names by how they sound, so that record linkage
// can match a surname a stranger spelt from hearing it (Smyth, Schmidt,
// Thomson) with the one on file (Smith, Thompson).
//
// # Double Metaphone
//
// [DoubleMetaphone] implements Lawrence Philips' Double Metaphone, as
// published in "The Double Metaphone Search Algorithm", C/C++ Users Journal,
// June 2000. It returns a primary code and an alternate code for names whose
// pronunciation is ambiguous or foreign (Schmidt is XMT, alternately SMT;
// Smith SM0, alternately XMT), and two names are taken to sound alike when
// any code of one equals any code of the other. The code alphabet is the
// consonants A (a leading vowel), B..Z as in the article, 0 (zero) for "th"
// and X for "sh"/"ch".
//
// This is an independent implementation written from the published rules. It
// is tested against the surname list with expected codes that Stephen
// Woodbridge published and Apache Commons Codec carries (testdata), and
// against its table of misspellings that should agree. It allocates only the
// returned strings, once per call.
//
// Letters with diacritics are folded to their base letter before encoding,
// except Ç and Ñ, which the algorithm codes itself (S and N).
package phonetic
