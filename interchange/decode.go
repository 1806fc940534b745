package interchange

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"bonafide"
)

// This file is the decoder: it walks the bytes of one JSON text member by
// member, without reflection, so that every error can name its path
// ("children[0].dob"), decoding carries on past it to find the rest, and a
// record decodes several times faster than through encoding/json. What each
// member of each record is, the decoder learns from the tables in schema.go.
//
// Rules that hold at every level:
//   - Members this version does not know are kept in the struct's Extra,
//     compacted onto one line, and written back after the known members,
//     sorted by name.
//   - Member names match exactly (encoding/json would let "ID" set id).
//   - A member given twice is an error, not "last one wins": two readers of
//     the same record must never see different values.
//   - null is the same as an absent member.
//   - Times are RFC 3339; decoding keeps the offset as given and never
//     depends on the machine's local zone.
//   - Invalid UTF-8 and lone UTF-16 surrogates, raw or escaped, are errors
//     at the path of the string that holds them, never silently replaced.
//   - The counts in bonafide's limits.go (children, adults, concerns, other
//     names, handles, members, unknown members and their bytes, depth) are
//     enforced while reading: past a limit the decoder reports it once and
//     skips the rest without keeping it, so that what one record costs is a
//     small multiple of its size however it is built.

// decoder walks one JSON text. Type errors are collected in errs with the
// path where they occur; a syntax error ends decoding by panicking with a
// syntaxError, which decodeJSON recovers.
type decoder struct {
	data   []byte
	i      int
	depth  int
	spaced bool // ws skipped something since last reset
	quiet  bool // the type pre-scan: report no text faults
	inKey  bool // reading a member name

	extraFull  bool // the unknown-member limit was reported
	extraCount int  // unknown members kept in this record
	extraBytes int  // their names' and values' bytes

	path []pathSeg
	leaf string // a string member being read, the last step of path
	errs []bonafide.FieldError

	pathBuf [6]pathSeg // backing for path, deep enough for every known member
}

// pathSeg is one step of a field path: a member name, or an array index
// when name is "".
type pathSeg struct {
	name  string
	index int
}

// syntaxError ends decoding. field is set for a fault that has a place in
// the record (too deep) rather than in its bytes.
type syntaxError struct {
	off   int // 1-based byte offset
	msg   string
	field string
	depth bool
}

// decodeJSON runs f over data, which must hold exactly one JSON value, and
// returns the field errors found. A syntax error replaces all others, since
// past it nothing is known for sure, and makes fatal true.
func decodeJSON(data []byte, f func(d *decoder)) (errs []bonafide.FieldError, fatal bool) {
	d := &decoder{data: data}
	d.path = d.pathBuf[:0]
	defer func() {
		if e := recover(); e != nil {
			se, ok := e.(syntaxError)
			if !ok {
				panic(e)
			}
			if se.depth {
				errs = []bonafide.FieldError{{Field: se.field, Reason: se.msg}}
			} else {
				errs = []bonafide.FieldError{{Reason: fmt.Sprintf("malformed JSON at byte %d: %s", se.off, se.msg)}}
			}
			fatal = true
		}
	}()
	d.ws()
	f(d)
	d.ws()
	if d.i < len(d.data) {
		d.syntax("%s after the end of the record", d.describe())
	}
	return bonafide.CapFieldErrors(d.errs), false
}

func (d *decoder) syntax(format string, args ...any) {
	panic(syntaxError{off: d.i + 1, msg: fmt.Sprintf(format, args...)})
}

// describe names the byte at the cursor for a syntax error.
func (d *decoder) describe() string {
	if d.i >= len(d.data) {
		return "end of input"
	}
	c := d.data[d.i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("unexpected character %q", c)
	}
	return fmt.Sprintf("unexpected byte 0x%02x", c)
}

func (d *decoder) ws() {
	start := d.i
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
			continue
		}
		break
	}
	if d.i != start {
		d.spaced = true
	}
}

// peek returns the byte at the cursor; end of input is a syntax error.
func (d *decoder) peek() byte {
	if d.i >= len(d.data) {
		d.syntax("unexpected end of input")
	}
	return d.data[d.i]
}

// fail reports a fault at the current path. Past bonafide.MaxFieldErrors
// faults it keeps one more, which decodeJSON turns into the note that the
// rest were left out.
func (d *decoder) fail(format string, args ...any) {
	if len(d.errs) > bonafide.MaxFieldErrors {
		return
	}
	d.errs = append(d.errs, bonafide.FieldError{Field: d.pathString(), Reason: fmt.Sprintf(format, args...)})
}

func (d *decoder) pathString() string {
	var b []byte
	for _, s := range d.path {
		if s.name == "" {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.index), 10)
			b = append(b, ']')
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, s.name...)
	}
	if d.leaf != "" {
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, d.leaf...)
	}
	return string(b)
}

func (d *decoder) push(name string) { d.path = append(d.path, pathSeg{name: name}) }
func (d *decoder) pushIndex(i int)  { d.path = append(d.path, pathSeg{index: i}) }
func (d *decoder) pop()             { d.path = d.path[:len(d.path)-1] }

// kind names the JSON type of the value at the cursor, for type errors.
func (d *decoder) kind() string {
	switch d.peek() {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// typeError reports that the value at the cursor is not want, and skips it.
func (d *decoder) typeError(want string) {
	d.fail("must be %s, not %s", want, d.kind())
	d.skip()
}

// null consumes a null literal if one is at the cursor.
func (d *decoder) null() bool {
	if d.peek() != 'n' {
		return false
	}
	d.literal("null")
	return true
}

func (d *decoder) literal(lit string) {
	if len(d.data)-d.i < len(lit) || string(d.data[d.i:d.i+len(lit)]) != lit {
		for j := 0; j < len(lit); j++ {
			if d.i >= len(d.data) || d.data[d.i] != lit[j] {
				d.syntax("%s in literal %s", d.describe(), lit)
			}
			d.i++
		}
	}
	d.i += len(lit)
}

// enter counts one more level of nesting. Past bonafide.MaxDepth decoding
// stops: a line of brackets must cost neither stack nor time.
func (d *decoder) enter() {
	d.depth++
	if d.depth > bonafide.MaxDepth {
		// The cursor is past the bracket; name the bracket itself.
		panic(syntaxError{depth: true, field: d.pathString(),
			msg: fmt.Sprintf("nested deeper than %d levels (at byte %d)", bonafide.MaxDepth, d.i)})
	}
}

// object starts an object at the cursor and reports whether there is one.
// null is an absent object; any other value is a type error and is skipped.
func (d *decoder) object() bool {
	switch d.peek() {
	case '{':
		d.i++
		d.enter()
		return true
	case 'n':
		d.null()
		return false
	}
	d.typeError("an object")
	return false
}

// more advances to the n'th member of the object being read, reporting
// false at its end.
func (d *decoder) more(n int) bool {
	d.ws()
	c := d.peek()
	if c == '}' {
		d.i++
		d.depth--
		return false
	}
	if n > 0 {
		if c != ',' {
			d.syntax("%s after object member, want , or }", d.describe())
		}
		d.i++
		d.ws()
		c = d.peek()
	}
	if c != '"' {
		d.syntax("%s, want a member name in double quotes", d.describe())
	}
	return true
}

// key reads a member name and its colon, leaving the cursor on the value.
// The result may alias the input; it is valid until the next read.
func (d *decoder) key() []byte {
	d.inKey = true
	k := d.stringBytes(true)
	d.inKey = false
	d.ws()
	if d.peek() != ':' {
		d.syntax("%s after member name, want :", d.describe())
	}
	d.i++
	d.ws()
	return k
}

// array starts an array at the cursor, as object does for objects.
func (d *decoder) array() bool {
	switch d.peek() {
	case '[':
		d.i++
		d.enter()
		return true
	case 'n':
		d.null()
		return false
	}
	d.typeError("an array")
	return false
}

// moreElems advances to the n'th element of the array being read,
// reporting false at its end.
func (d *decoder) moreElems(n int) bool {
	d.ws()
	c := d.peek()
	if c == ']' {
		d.i++
		d.depth--
		return false
	}
	if n > 0 {
		if c != ',' {
			d.syntax("%s after array element, want , or ]", d.describe())
		}
		d.i++
		d.ws()
	}
	return true
}

// stringBytes reads a string at the cursor and returns its contents,
// unescaped when build is set (otherwise it only checks the string, and
// the result is nil unless it aliases the input). Without escapes the
// result aliases the input.
func (d *decoder) stringBytes(build bool) []byte {
	if d.peek() != '"' {
		d.syntax("%s, want a string", d.describe())
	}
	d.i++
	start := d.i
	ascii := true
	i := start
	// Eight bytes at a time while none is a quote, backslash, control
	// character or non-ASCII: most strings are plain text.
	for ; i+8 <= len(d.data); i += 8 {
		if specialByte(binary.LittleEndian.Uint64(d.data[i:])) {
			break
		}
	}
	for ; i < len(d.data); i++ {
		c := d.data[i]
		switch {
		case c == '"':
			s := d.data[start:i]
			if !ascii && !utf8.Valid(s) {
				return d.slowString(start, build)
			}
			d.i = i + 1
			return s
		case c == '\\' || c < 0x20:
			return d.slowString(start, build)
		case c >= 0x80:
			ascii = false
		}
	}
	d.i = len(d.data)
	d.syntax("unexpected end of input in string")
	return nil
}

// specialByte reports whether any byte of x is '"', '\\', below 0x20 or
// above 0x7f (the classic "has zero byte" trick, applied per condition).
func specialByte(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return (hasZero(x^(ones*'"')) | hasZero(x^(ones*'\\')) | ((x - ones*0x20) & ^x & highs) | (x & highs)) != 0
}

// textFault reports a string that is not text (invalid UTF-8, a lone
// surrogate) at the path being read, once per string. The value itself is
// never quoted: it may be sealed reporter data.
func (d *decoder) textFault(reason string) {
	if d.quiet {
		return
	}
	if d.inKey {
		d.fail("member name %s", reason)
		return
	}
	d.fail("%s", reason)
}

// slowString decodes a string that has escapes, control characters or
// invalid UTF-8, starting just after its opening quote. A fault is
// reported and decoding goes on with U+FFFD in its place, so that the rest
// of the record is still checked; the record is refused all the same.
func (d *decoder) slowString(start int, build bool) []byte {
	d.i = start
	var b []byte
	if build {
		b = make([]byte, 0, 32)
	}
	fault := ""
	for {
		if d.i >= len(d.data) {
			d.syntax("unexpected end of input in string")
		}
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			if fault != "" {
				d.textFault(fault)
			}
			return b
		case c == '\\':
			d.i++
			if d.i >= len(d.data) {
				d.syntax("unexpected end of input in string")
			}
			e := d.data[d.i]
			d.i++
			switch e {
			case '"', '\\', '/':
				b = appendIf(b, build, e)
			case 'b':
				b = appendIf(b, build, '\b')
			case 'f':
				b = appendIf(b, build, '\f')
			case 'n':
				b = appendIf(b, build, '\n')
			case 'r':
				b = appendIf(b, build, '\r')
			case 't':
				b = appendIf(b, build, '\t')
			case 'u':
				r := d.hex4()
				if utf16IsSurrogate(r) {
					paired := false
					if d.i+1 < len(d.data) && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						if dec := utf16Decode(r, d.hex4()); dec != utf8.RuneError {
							r, paired = dec, true
						} else {
							d.i = save
						}
					}
					if !paired {
						if fault == "" {
							fault = fmt.Sprintf(`holds a lone surrogate \u%04x, which is not a character`, r)
						}
						r = utf8.RuneError
					}
				}
				if build {
					b = utf8.AppendRune(b, r)
				}
			default:
				d.i -= 2
				d.syntax("invalid escape \\%c in string", e)
			}
		case c < 0x20:
			d.syntax("control character 0x%02x in string; escape it", c)
		case c < utf8.RuneSelf:
			b = appendIf(b, build, c)
			d.i++
		default:
			r, size := utf8.DecodeRune(d.data[d.i:])
			if r == utf8.RuneError && size == 1 && fault == "" {
				fault = fmt.Sprintf("is not valid UTF-8 (at byte %d of the line)", d.i+1)
			}
			d.i += size
			if build {
				b = utf8.AppendRune(b, r)
			}
		}
	}
}

func appendIf(b []byte, build bool, c byte) []byte {
	if build {
		return append(b, c)
	}
	return b
}

func (d *decoder) hex4() rune {
	if len(d.data)-d.i < 4 {
		d.syntax("unexpected end of input in \\u escape")
	}
	var r rune
	for j := 0; j < 4; j++ {
		c := d.data[d.i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			d.syntax("%s in \\u escape", d.describe())
		}
		r = r<<4 | rune(c)
		d.i++
	}
	return r
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func utf16Decode(r1, r2 rune) rune {
	if r1 >= 0xd800 && r1 < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// skip checks and passes over one value of any type, keeping nothing.
func (d *decoder) skip() {
	switch c := d.peek(); c {
	case '"':
		d.stringBytes(false)
	case '{':
		d.i++
		d.enter()
		for n := 0; d.more(n); n++ {
			d.key()
			d.skip()
		}
	case '[':
		d.i++
		d.enter()
		for n := 0; d.moreElems(n); n++ {
			d.skip()
		}
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			d.number()
			return
		}
		d.syntax("%s, want a value", d.describe())
	}
}

// number passes over a number, checking its grammar (RFC 8259 section 6).
func (d *decoder) number() {
	if d.data[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.data) && d.data[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		d.syntax("%s in number, want a digit", d.describe())
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if digits() == 0 {
			d.syntax("%s in number, want a digit after the point", d.describe())
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			d.syntax("%s in number, want a digit in the exponent", d.describe())
		}
	}
}

// extra keeps the member named key, whose value is at the cursor, in *x,
// within the record's limits on unknown members. Past a limit the member
// is checked and skipped, and the limit reported once.
func (d *decoder) extra(x *bonafide.Extra, key []byte) {
	d.push(string(key))
	defer d.pop()
	if _, dup := (*x)[string(key)]; dup {
		d.fail("given more than once")
		d.skip()
		return
	}
	start := d.i
	d.spaced = false
	d.skip()
	raw := d.data[start:d.i]
	if d.extraFull {
		return
	}
	d.extraCount++
	d.extraBytes += len(key) + len(raw)
	switch {
	case d.extraCount > bonafide.MaxUnknownMembers:
		d.extraFull = true
		d.fail("more than %d unknown members in the record", bonafide.MaxUnknownMembers)
		return
	case d.extraBytes > bonafide.MaxUnknownBytes:
		d.extraFull = true
		d.fail("unknown members of more than %d bytes in the record", bonafide.MaxUnknownBytes)
		return
	}
	var v []byte
	if d.spaced {
		v = compactJSON(make([]byte, 0, len(raw)), raw)
	} else {
		v = bytes.Clone(raw)
	}
	if *x == nil {
		*x = make(bonafide.Extra)
	}
	(*x)[d.path[len(d.path)-1].name] = v
}

// compactJSON appends raw, a valid JSON value, without insignificant white
// space.
func compactJSON(dst, raw []byte) []byte {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				i++
				dst = append(dst, raw[i])
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		dst = append(dst, c)
	}
	return dst
}

// str reads a string member; null is "".
func (d *decoder) str() string {
	b, _ := d.strBytes()
	return string(b)
}

// strBytes reads a string member's bytes, which may alias the input. ok is
// false for null and for a type error, which is reported.
func (d *decoder) strBytes() (b []byte, ok bool) {
	switch d.peek() {
	case '"':
		return d.stringBytes(true), true
	case 'n':
		d.null()
		return nil, false
	}
	d.typeError("a string")
	return nil, false
}

// enum reads a string member, sharing the constant's storage when it is one
// of values so that the common case does not allocate. Values outside the
// list are kept for Validate to report with the allowed ones.
func enum[T ~string](d *decoder, values []T) T {
	b, _ := d.strBytes()
	for _, v := range values {
		if string(v) == string(b) {
			return v
		}
	}
	return T(b)
}

func (d *decoder) boolean() bool {
	switch d.peek() {
	case 't':
		d.literal("true")
		return true
	case 'f':
		d.literal("false")
		return false
	case 'n':
		d.null()
		return false
	}
	d.typeError("true or false")
	return false
}

// time reads an RFC 3339 time; null and "" are the zero time.
func (d *decoder) time() time.Time {
	b, ok := d.strBytes()
	if !ok || len(b) == 0 {
		return time.Time{}
	}
	t, err := parseRFC3339(b)
	if err != nil {
		d.fail("%s", err)
		return time.Time{}
	}
	if t.Before(bonafide.EarliestTime) {
		// Said here, where the time is known to be present: year 0001
		// would otherwise look like a missing time to Validate.
		d.fail("%s is before %s", strconv.Quote(string(b)), bonafide.EarliestTime.Format("2006-01-02"))
		return time.Time{}
	}
	return t
}

// parseRFC3339 parses an RFC 3339 date-time (section 5.6) strictly:
// time.Parse alone would also take one-digit hours and out-of-range offsets.
// Offset 0 gives a UTC time, any other a fixed zone without a name, whatever
// the machine's local zone.
func parseRFC3339(b []byte) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time", strconv.Quote(string(b)))
	}
	digit := func(i int) bool { return i < len(b) && b[i] >= '0' && b[i] <= '9' }
	num2 := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	// 2006-01-02T15:04:05
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(shape)+1 {
		return bad()
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if !digit(i) {
				return bad()
			}
		} else if b[i] != shape[i] {
			return bad()
		}
	}
	i := len(shape)
	if b[i] == '.' {
		i++
		if !digit(i) {
			return bad()
		}
		for digit(i) {
			i++
		}
	}
	switch {
	case i == len(b)-1 && b[i] == 'Z':
	case i == len(b)-6 && (b[i] == '+' || b[i] == '-') && digit(i+1) && digit(i+2) && b[i+3] == ':' && digit(i+4) && digit(i+5):
		if num2(i+1) > 23 || num2(i+4) > 59 {
			return bad()
		}
	default:
		return bad()
	}
	year, month, day := num2(0)*100+num2(2), num2(5), num2(8)
	hour, min, sec := num2(11), num2(14), num2(17)
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || min > 59 || sec > 59 {
		return bad()
	}
	nsec := 0
	if b[19] == '.' {
		scale := 100000000
		for j := 20; digit(j); j++ {
			nsec += int(b[j]-'0') * scale
			scale /= 10 // digits past the ninth add nothing
		}
	}
	loc := time.UTC
	if b[i] != 'Z' {
		off := (num2(i+1)*60 + num2(i+4)) * 60
		if b[i] == '-' {
			off = -off
		}
		if off != 0 {
			loc = time.FixedZone("", off)
		}
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, nsec, loc), nil
}

func (d *decoder) date() bonafide.PartialDate {
	b, ok := d.strBytes()
	if !ok || len(b) == 0 {
		return bonafide.PartialDate{}
	}
	if p, ok := quickPartialDate(b); ok {
		return p
	}
	p, err := bonafide.ParsePartialDate(string(b))
	if err != nil {
		d.fail("%s", err)
	}
	return p
}

// quickPartialDate parses a well-formed date without allocating. It accepts
// only what bonafide.ParsePartialDate accepts; for anything else it returns
// false and ParsePartialDate says what is wrong.
func quickPartialDate(b []byte) (bonafide.PartialDate, bool) {
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	var p bonafide.PartialDate
	var ok bool
	if len(b) != 4 && len(b) != 7 && len(b) != 10 {
		return p, false
	}
	if p.Year, ok = num(b[:4]); !ok || p.Year < 1800 {
		return bonafide.PartialDate{}, false
	}
	if len(b) >= 7 {
		if b[4] != '-' {
			return bonafide.PartialDate{}, false
		}
		if p.Month, ok = num(b[5:7]); !ok || p.Month < 1 || p.Month > 12 {
			return bonafide.PartialDate{}, false
		}
	}
	if len(b) == 10 {
		if b[7] != '-' {
			return bonafide.PartialDate{}, false
		}
		if p.Day, ok = num(b[8:10]); !ok || p.Day < 1 || p.Day > daysIn(p.Year, p.Month) {
			return bonafide.PartialDate{}, false
		}
	}
	return p, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// recordType finds the top-level "type" member without decoding the rest,
// reporting a missing, mistyped or unknown type. It reads only as far as
// the type; a writer that puts it first makes this nearly free.
func (d *decoder) recordType() (bonafide.RecordType, bool) {
	if d.peek() != '{' {
		d.fail("a record must be a JSON object, not %s", d.kind())
		d.skip()
		return "", false
	}
	d.i++
	d.enter()
	for n := 0; d.more(n); n++ {
		if k := d.key(); string(k) != "type" {
			d.push(string(k)) // names the member if it nests too deep
			d.skip()
			d.pop()
			continue
		}
		d.push("type")
		b, ok := d.strBytes()
		if ok {
			for _, v := range bonafide.RecordTypes {
				if string(v) == string(b) {
					d.pop()
					return v, true
				}
			}
			d.fail("%s is not one of %s", strconv.Quote(string(b)), joinValues(bonafide.RecordTypes))
		} else if len(d.errs) == 0 {
			d.fail("missing") // null
		}
		d.pop()
		d.skipRest()
		return "", false
	}
	d.push("type")
	d.fail("missing")
	d.pop()
	return "", false
}

// skipRest passes over the rest of the object being read, so that syntax
// errors after a bad type are still found.
func (d *decoder) skipRest() {
	for n := 1; d.more(n); n++ {
		d.key()
		d.skip()
	}
}

// recordTypeMember checks a record's "type" member against want.
func (d *decoder) recordTypeMember(want bonafide.RecordType) {
	b, ok := d.strBytes()
	if ok && string(b) != string(want) {
		d.fail("%s, want %q", strconv.Quote(string(b)), want)
	}
}

// joinValues lists enum values for a message: "phone, web_form, email".
func joinValues[T ~string](values []T) string {
	var b []byte
	for i, v := range values {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, v...)
	}
	return string(b)
}
