package linkage

// phoneticKey is a compact sound code: it folds the spellings English speakers confuse
// (ph/f, ck/k, c/k/s, z/s, dt, silent h and w, doubled letters) and drops vowels after the
// first letter. It stands in for Double Metaphone where that is not available and is
// used as a second code beside it.
func phoneticKey(s string) string {
	var buf [24]byte
	out := buf[:0]
	var last byte
	for i := 0; i < len(s) && len(out) < len(buf); i++ {
		c := s[i]
		if c < 'a' || c > 'z' {
			continue
		}
		var next byte
		if i+1 < len(s) {
			next = s[i+1]
		}
		var code byte
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			if len(out) == 0 {
				code = 'A'
			} else {
				last = 0
				continue
			}
		case 'b', 'p':
			if c == 'p' && next == 'h' {
				code = 'F'
				i++
			} else {
				code = 'P'
			}
		case 'f', 'v':
			code = 'F'
		case 'c':
			switch {
			case next == 'h':
				code = 'X'
				i++
			case next == 'k':
				code = 'K'
				i++
			case next == 'e' || next == 'i' || next == 'y':
				code = 'S'
			default:
				code = 'K'
			}
		case 'k', 'q', 'g':
			if c == 'g' && next == 'h' {
				i++
				continue
			}
			code = 'K'
		case 'x':
			code = 'K'
		case 's', 'z':
			if c == 's' && next == 'h' {
				code = 'X'
				i++
			} else {
				code = 'S'
			}
		case 'd', 't':
			if c == 't' && next == 'h' {
				code = 'T'
				i++
			} else {
				code = 'T'
			}
		case 'j':
			code = 'J'
		case 'l':
			code = 'L'
		case 'm', 'n':
			code = 'N'
		case 'r':
			code = 'R'
		case 'h', 'w':
			if len(out) == 0 {
				code = 'A'
			} else {
				continue
			}
		}
		if code == last {
			continue
		}
		out = append(out, code)
		last = code
	}
	return string(out)
}
