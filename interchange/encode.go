package interchange

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"bonafide"
)

// writer appends JSON objects member by member. The first error sticks.
type writer struct {
	b     []byte
	n     [4]int // members written so far, per open object
	depth int    // open objects; the records nest at most four deep
	err   error
}

func (w *writer) open() {
	w.b = append(w.b, '{')
	w.depth++
	w.n[w.depth-1] = 0
}

func (w *writer) close() {
	w.b = append(w.b, '}')
	w.depth--
}

// member starts a member whose name is already quoted, with its colon.
func (w *writer) member(quoted string) {
	top := w.depth - 1
	if w.n[top] > 0 {
		w.b = append(w.b, ',')
	}
	w.n[top]++
	w.b = append(w.b, quoted...)
}

// extra writes the members of x sorted by name, leaving out any whose name
// is a known member of the struct, so that a program that sets one by
// mistake cannot produce a record with a member twice.
func (w *writer) extra(x bonafide.Extra, known []string) {
	if len(x) == 0 {
		return
	}
	names := make([]string, 0, len(x))
	for k := range x {
		if !slices.Contains(known, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		v := x[k]
		if !json.Valid(v) {
			if w.err == nil {
				w.err = fmt.Errorf("extra member %q is not valid JSON", k)
			}
			continue
		}
		top := w.depth - 1
		if w.n[top] > 0 {
			w.b = append(w.b, ',')
		}
		w.n[top]++
		w.b = appendJSONString(w.b, k)
		w.b = append(w.b, ':')
		w.b = compactJSON(w.b, v)
	}
}

// result returns the bytes written, or dst unchanged and the error.
func (w *writer) result(dst []byte) ([]byte, error) {
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. It escapes only what JSON
// requires, plus U+2028 and U+2029 for JavaScript, and writes invalid UTF-8
// as U+FFFD: what a program put in a record is written as text, never as
// bytes a reader must refuse.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendPartialDate appends d as a JSON string, as PartialDate.String
// would give it, without allocating.
func appendPartialDate(b []byte, d bonafide.PartialDate) []byte {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return appendJSONString(b, d.String()) // nonsense, but written as String has it
	}
	pad := func(b []byte, v, width int) []byte {
		var digits [4]byte
		for i := 3; i >= 0; i-- {
			digits[i] = byte('0' + v%10)
			v /= 10
		}
		return append(b, digits[4-width:]...)
	}
	b = append(b, '"')
	b = pad(b, d.Year, 4)
	if d.Month != 0 {
		b = append(b, '-')
		b = pad(b, d.Month, 2)
		if d.Day != 0 {
			b = append(b, '-')
			b = pad(b, d.Day, 2)
		}
	}
	return append(b, '"')
}
