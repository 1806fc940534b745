package phonetic

import "bonafide/normalize"

// Soundex returns the American Soundex code of a name (as the US National
// Archives define it: the first letter, then the digits of the consonants
// that follow, letters of one code next to each other or separated only by
// h or w coded once, padded with zeros to four characters), or "" when the
// name has no Latin letter. It reads the name in [normalize.NameKey]'s form,
// so case, spaces, hyphens and diacritics do not matter ("Zoë" is "Zoe");
// letters outside a–z are skipped.
//
// It is coarser than [DoubleMetaphone] and blind to pronunciation, which is
// what a blocking key wants: Smith, Smyth and Smithe share S530, and most
// misspellings of a surname keep its code.
func Soundex(s string) string {
	s = normalize.NameKey(s)
	out := make([]byte, 0, 4)
	var last byte
	for i := 0; i < len(s) && len(out) < 4; i++ {
		c := s[i]
		if c < 'a' || c > 'z' {
			continue
		}
		d := soundexDigit(c)
		if len(out) == 0 {
			out = append(out, c-'a'+'A')
		} else if d != 0 && d != last {
			out = append(out, d)
		}
		if c != 'h' && c != 'w' {
			last = d
		}
	}
	if len(out) == 0 {
		return ""
	}
	for len(out) < 4 {
		out = append(out, '0')
	}
	return string(out)
}

func soundexDigit(c byte) byte {
	switch c {
	case 'b', 'f', 'p', 'v':
		return '1'
	case 'c', 'g', 'j', 'k', 'q', 's', 'x', 'z':
		return '2'
	case 'd', 't':
		return '3'
	case 'l':
		return '4'
	case 'm', 'n':
		return '5'
	case 'r':
		return '6'
	}
	return 0
}
