package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Name returns s lower-cased, with diacritics removed, apostrophes dropped
// (O'Brien is obrien), other punctuation, hyphens and symbols turned into
// spaces (Smith-Jones is smith jones) and runs of spaces collapsed. Names in
// non-Latin scripts keep their letters, lower-cased; nothing is
// transliterated.
//
// It is the form every name comparison starts from, so that "Zoë O'Brien",
// "ZOE OBRIEN" and "zoe  o’brien" compare equal. Name is idempotent.
func Name(s string) string {
	if isNormalName(s) {
		return s
	}
	if !isASCII(s) {
		s = norm.NFD.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false // a separator is pending
	latin := false // the last rune written was a Latin letter
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r == '\'' || r == '\u2019' || r == '\u2018' || r == '`' || r == '\u00b4' || r == '\u02bc':
			continue
		case r < utf8.RuneSelf:
			space = true
			continue
		case unicode.In(r, unicode.M):
			// A diacritic on a Latin letter is dropped; a mark in another
			// script (a Devanagari vowel sign, a Cyrillic breve) is part of
			// the letter and kept.
			if latin || b.Len() == 0 || space {
				continue
			}
		case unicode.IsLetter(r):
			if f := letterFold(r); f != "" {
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				latin = true
				b.WriteString(f)
				continue
			}
			r = unicode.ToLower(r)
		case unicode.IsDigit(r):
		default:
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		latin = r < utf8.RuneSelf || unicode.Is(unicode.Latin, r)
		b.WriteRune(r)
	}
	return b.String()
}

// NameKey returns the letters of [Name]'s form of s and nothing else:
// spaces, hyphens and digits dropped, so that "Mary-Jane", "Mary Jane" and
// "MARYJANE" are one key. It is the form names are filed and compared under
// when a whole name is one token (triage's family blocking keys and
// name comparisons, its reporter keys). NameKey is idempotent.
func NameKey(s string) string {
	s = Name(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return lettersOnly(s)
		}
	}
	return s
}

func lettersOnly(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// letterFold spells the Latin letters that have no decomposition into a base
// letter and a mark, so that they match how the name is typed on an English
// keyboard.
func letterFold(r rune) string {
	switch r {
	case 'ß', 'ẞ':
		return "ss"
	case 'æ', 'Æ':
		return "ae"
	case 'œ', 'Œ':
		return "oe"
	case 'ø', 'Ø':
		return "o"
	case 'ł', 'Ł':
		return "l"
	case 'đ', 'Đ', 'ð', 'Ð':
		return "d"
	case 'þ', 'Þ':
		return "th"
	case 'ı':
		return "i"
	case 'ħ', 'Ħ':
		return "h"
	}
	return ""
}

// isNormalName reports whether s is already in Name's output form, which most
// stored names are: it saves a copy on the hot path.
func isNormalName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' ':
		default:
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// titles are the honorifics that reporters and call handlers put into name
// fields ("Mrs Smith", "Dr. A. Khan"). They say nothing about who a person
// is and, left in, make a given name of "mrs" agree with every other "mrs".
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "master": true,
	"dr": true, "doctor": true, "prof": true, "professor": true, "rev": true,
	"revd": true, "reverend": true, "sir": true, "dame": true, "lady": true, "lord": true,
	"mister": true, "missus": true, "mstr": true,
}

// StripTitles removes honorifics (Mr, Mrs, Ms, Miss, Mx, Master, Dr, Prof,
// Rev, Sir, Dame, Lady, Lord) from the start of a name, after normalising it
// with [Name]: "Mrs. Jane Smith" is "jane smith". A name that is only a title
// ("Mrs") becomes "", which comparisons treat as missing rather than as a
// value every "Mrs" shares.
func StripTitles(s string) string {
	s = Name(s)
	for {
		word, rest, _ := strings.Cut(s, " ")
		if !titles[word] {
			return s
		}
		s = rest
	}
}

// LetterWords returns the runs of letters of s, lower-cased, joined by
// single spaces: "O'Brien-Smith, Mary" is "o brien smith mary". Unlike
// [Name] it folds no accents and keeps every word, because it is the form
// the vault's blind name-and-postcode index is computed over, and a blind
// index computed once must be computed the same way for ever.
func LetterWords(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	return strings.Join(f, " ")
}
