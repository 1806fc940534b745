package bonafide

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file gives every record struct its JSON form, version 1 of the
// interchange format. Decoding goes member by member over the bytes, without
// reflection, for two reasons: every error can name its path
// ("children[0].dob") and decoding carries on past it to find the rest, and
// a referral decodes several times faster than through encoding/json.
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
//   - Invalid UTF-8 in strings becomes U+FFFD, as in encoding/json.

// maxJSONDepth bounds the nesting of objects and arrays, so that a hostile
// line of brackets cannot exhaust the stack.
const maxJSONDepth = 512

// Known member names of each struct, in the order they are written. Extra
// members with these names are never written, so a program that sets one by
// mistake cannot produce a record with a member twice.
var (
	referralMembers   = []string{"type", "id", "received_at", "channel", "relayed_from", "source_code", "reporter", "knowledge_basis", "children", "adults", "address", "concerns", "narrative", "immediate_danger"}
	relayMembers      = []string{"agency", "ref"}
	reporterMembers   = []string{"anonymous", "given_name", "family_name", "phone", "email", "address", "relationship", "organisation", "contact_ip", "device_id"}
	personMembers     = []string{"given_name", "family_name", "other_names", "dob", "nhs_number", "sex", "role", "social_handles"}
	handleMembers     = []string{"platform", "handle"}
	addressMembers    = []string{"line1", "line2", "town", "postcode"}
	concernMembers    = []string{"category", "detail"}
	publicPostMembers = []string{"type", "id", "platform", "handle", "posted_at", "text", "url", "media_note"}
	forumPostMembers  = []string{"type", "id", "site", "thread", "author_handle", "posted_at", "text", "url"}
	outcomeMembers    = []string{"type", "referral_id", "decided_at", "decision", "finding", "note"}
)

// RecordTypes lists every valid RecordType, for validation messages.
var RecordTypes = []RecordType{TypeReferral, TypePublicPost, TypeForumPost, TypeOutcome}

// UnmarshalRecord decodes one interchange record whose kind its "type"
// member names. It exists so that readers of mixed streams (the interchange
// codec, a store replaying records) need not decode twice.
//
// It checks the JSON form only: syntax, member types, dates and times. Call
// the record's Validate (or ValidateRecord) for required fields, enum values
// and lengths. A failure is a *ValidationError listing every problem found,
// with Line 0. When the JSON is well formed and its type known, the record
// is returned with the error, decoded as far as it could be, so that the
// caller can validate it too and report every fault at once; otherwise the
// record is nil.
func UnmarshalRecord(data []byte) (Record, error) {
	var rec Record
	errs, fatal := decodeJSON(data, func(d *jsonDecoder) {
		t, ok := d.recordType()
		if !ok {
			return
		}
		d.i, d.depth = 0, 0
		d.ws()
		switch t {
		case TypeReferral:
			r := new(Referral)
			d.referral(r)
			rec = r
		case TypePublicPost:
			p := new(PublicPost)
			d.publicPost(p)
			rec = p
		case TypeForumPost:
			p := new(ForumPost)
			d.forumPost(p)
			rec = p
		case TypeOutcome:
			o := new(Outcome)
			d.outcome(o)
			rec = o
		}
	})
	if fatal {
		rec = nil
	}
	if len(errs) > 0 {
		return rec, &ValidationError{Errors: errs}
	}
	return rec, nil
}

// AppendRecord appends the one-line JSON form of rec, with its "type" first,
// to dst. It exists so that writers of many records can reuse one buffer.
// It fails only for a record type it does not know, an Extra value that is
// not valid JSON, or a time outside years 0 to 9999.
func AppendRecord(dst []byte, rec Record) ([]byte, error) {
	switch r := rec.(type) {
	case *Referral:
		return appendReferral(dst, r)
	case *PublicPost:
		return appendPublicPost(dst, r)
	case *ForumPost:
		return appendForumPost(dst, r)
	case *Outcome:
		return appendOutcome(dst, r)
	}
	return dst, fmt.Errorf("append record: unknown record type %T", rec)
}

// MarshalJSON writes the referral with "type":"referral", known members in
// the order of the interchange format, then its Extra members by name. The
// reporter is included; a store that seals it must strip it first.
func (r Referral) MarshalJSON() ([]byte, error) { return appendReferral(nil, &r) }

// UnmarshalJSON reads a referral, keeping unknown members in Extra. A "type"
// member, if present, must be "referral". Errors are a *ValidationError.
func (r *Referral) UnmarshalJSON(b []byte) error {
	var v Referral
	return unmarshalInto(b, r, &v, func(d *jsonDecoder) { d.referral(&v) })
}

// MarshalJSON writes the public post with "type":"public_post" first.
func (p PublicPost) MarshalJSON() ([]byte, error) { return appendPublicPost(nil, &p) }

// UnmarshalJSON reads a public post, keeping unknown members in Extra.
func (p *PublicPost) UnmarshalJSON(b []byte) error {
	var v PublicPost
	return unmarshalInto(b, p, &v, func(d *jsonDecoder) { d.publicPost(&v) })
}

// MarshalJSON writes the forum post with "type":"forum_post" first.
func (p ForumPost) MarshalJSON() ([]byte, error) { return appendForumPost(nil, &p) }

// UnmarshalJSON reads a forum post, keeping unknown members in Extra.
func (p *ForumPost) UnmarshalJSON(b []byte) error {
	var v ForumPost
	return unmarshalInto(b, p, &v, func(d *jsonDecoder) { d.forumPost(&v) })
}

// MarshalJSON writes the outcome with "type":"outcome" first.
func (o Outcome) MarshalJSON() ([]byte, error) { return appendOutcome(nil, &o) }

// UnmarshalJSON reads an outcome, keeping unknown members in Extra.
func (o *Outcome) UnmarshalJSON(b []byte) error {
	var v Outcome
	return unmarshalInto(b, o, &v, func(d *jsonDecoder) { d.outcome(&v) })
}

// MarshalJSON writes the relay, keeping its unknown members.
func (r Relay) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	w.relay(&r)
	return w.b, w.err
}

// UnmarshalJSON reads a relay, keeping unknown members in Extra.
func (r *Relay) UnmarshalJSON(b []byte) error {
	var v Relay
	return unmarshalInto(b, r, &v, func(d *jsonDecoder) { d.relay(&v) })
}

// MarshalJSON writes the reporter, keeping its unknown members. The store
// must seal the result; it is never to be logged.
func (r Reporter) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	w.reporter(&r)
	return w.b, w.err
}

// UnmarshalJSON reads a reporter, keeping unknown members in Extra.
func (r *Reporter) UnmarshalJSON(b []byte) error {
	var v Reporter
	return unmarshalInto(b, r, &v, func(d *jsonDecoder) { d.reporter(&v) })
}

// MarshalJSON writes the person, keeping their unknown members.
func (p Person) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	w.person(&p)
	return w.b, w.err
}

// UnmarshalJSON reads a person, keeping unknown members in Extra.
func (p *Person) UnmarshalJSON(b []byte) error {
	var v Person
	return unmarshalInto(b, p, &v, func(d *jsonDecoder) { d.person(&v) })
}

// MarshalJSON writes the handle, keeping its unknown members.
func (h SocialHandle) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	w.handle(&h)
	return w.b, w.err
}

// UnmarshalJSON reads a handle, keeping unknown members in Extra.
func (h *SocialHandle) UnmarshalJSON(b []byte) error {
	var v SocialHandle
	return unmarshalInto(b, h, &v, func(d *jsonDecoder) { d.handle(&v) })
}

// MarshalJSON writes the address, keeping its unknown members.
func (a Address) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	w.address(&a)
	return w.b, w.err
}

// UnmarshalJSON reads an address, keeping unknown members in Extra.
func (a *Address) UnmarshalJSON(b []byte) error {
	var v Address
	return unmarshalInto(b, a, &v, func(d *jsonDecoder) { d.address(&v) })
}

// MarshalJSON writes the concern, keeping its unknown members.
func (c Concern) MarshalJSON() ([]byte, error) {
	w := jsonWriter{}
	w.concern(&c)
	return w.b, w.err
}

// UnmarshalJSON reads a concern, keeping unknown members in Extra.
func (c *Concern) UnmarshalJSON(b []byte) error {
	var v Concern
	return unmarshalInto(b, c, &v, func(d *jsonDecoder) { d.concern(&v) })
}

// unmarshalInto decodes b with f into v and, only if that succeeds, stores
// v in dst, so that a failed decode leaves dst as it was.
func unmarshalInto[T any](b []byte, dst, v *T, f func(d *jsonDecoder)) error {
	if errs, _ := decodeJSON(b, f); len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	*dst = *v
	return nil
}

// ---- decoding ----

// jsonDecoder walks one JSON text. Type errors are collected in errs with the
// path where they occur; a syntax error ends decoding by panicking with a
// jsonSyntaxError, which decodeJSON recovers.
type jsonDecoder struct {
	data    []byte
	i       int
	depth   int
	spaced  bool // ws skipped something since last reset
	path    []pathSeg
	errs    []FieldError
	pathBuf [8]pathSeg // backing for path, deep enough for every known member
}

// pathSeg is one step of a field path: a member name, or an array index
// when name is "".
type pathSeg struct {
	name  string
	index int
}

type jsonSyntaxError struct {
	off int // 1-based byte offset
	msg string
}

// decodeJSON runs f over data, which must hold exactly one JSON value, and
// returns the field errors found. A syntax error replaces all others, since
// past it nothing is known for sure, and makes fatal true.
func decodeJSON(data []byte, f func(d *jsonDecoder)) (errs []FieldError, fatal bool) {
	d := &jsonDecoder{data: data}
	d.path = d.pathBuf[:0]
	defer func() {
		if e := recover(); e != nil {
			se, ok := e.(jsonSyntaxError)
			if !ok {
				panic(e)
			}
			errs = []FieldError{{Reason: fmt.Sprintf("malformed JSON at byte %d: %s", se.off, se.msg)}}
			fatal = true
		}
	}()
	d.ws()
	f(d)
	d.ws()
	if d.i < len(d.data) {
		d.syntax("%s after the end of the record", d.describe())
	}
	return d.errs, false
}

func (d *jsonDecoder) syntax(format string, args ...any) {
	panic(jsonSyntaxError{off: d.i + 1, msg: fmt.Sprintf(format, args...)})
}

// describe names the byte at the cursor for a syntax error.
func (d *jsonDecoder) describe() string {
	if d.i >= len(d.data) {
		return "end of input"
	}
	c := d.data[d.i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("unexpected character %q", c)
	}
	return fmt.Sprintf("unexpected byte 0x%02x", c)
}

func (d *jsonDecoder) ws() {
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
func (d *jsonDecoder) peek() byte {
	if d.i >= len(d.data) {
		d.syntax("unexpected end of input")
	}
	return d.data[d.i]
}

func (d *jsonDecoder) fail(format string, args ...any) {
	if len(d.errs) > MaxFieldErrors {
		return
	}
	if len(d.errs) == MaxFieldErrors {
		d.errs = append(d.errs, FieldError{Reason: moreErrors})
		return
	}
	d.errs = append(d.errs, FieldError{Field: d.pathString(), Reason: fmt.Sprintf(format, args...)})
}

func (d *jsonDecoder) pathString() string {
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
	return string(b)
}

func (d *jsonDecoder) pushIndex(i int) { d.path = append(d.path, pathSeg{index: i}) }
func (d *jsonDecoder) pop()            { d.path = d.path[:len(d.path)-1] }

// member starts decoding the known member name, the bit'th of its struct.
// A member given twice is reported and skipped, and member returns false.
func (d *jsonDecoder) member(seen *uint32, bit uint, name string) bool {
	d.path = append(d.path, pathSeg{name: name})
	if *seen&(1<<bit) != 0 {
		d.fail("given more than once")
		d.skip()
		d.pop()
		return false
	}
	*seen |= 1 << bit
	return true
}

// kind names the JSON type of the value at the cursor, for type errors.
func (d *jsonDecoder) kind() string {
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
func (d *jsonDecoder) typeError(want string) {
	d.fail("must be %s, not %s", want, d.kind())
	d.skip()
}

// null consumes a null literal if one is at the cursor.
func (d *jsonDecoder) null() bool {
	if d.peek() != 'n' {
		return false
	}
	d.literal("null")
	return true
}

func (d *jsonDecoder) literal(lit string) {
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

func (d *jsonDecoder) enter() {
	d.depth++
	if d.depth > maxJSONDepth {
		// The cursor is past the bracket; name the bracket itself.
		panic(jsonSyntaxError{off: d.i, msg: fmt.Sprintf("nested deeper than %d levels", maxJSONDepth)})
	}
}

// object starts an object at the cursor and reports whether there is one.
// null is an absent object; any other value is a type error and is skipped.
func (d *jsonDecoder) object() bool {
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
func (d *jsonDecoder) more(n int) bool {
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
func (d *jsonDecoder) key() []byte {
	k := d.stringBytes()
	d.ws()
	if d.peek() != ':' {
		d.syntax("%s after member name, want :", d.describe())
	}
	d.i++
	d.ws()
	return k
}

// array starts an array at the cursor, as object does for objects.
func (d *jsonDecoder) array() bool {
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
func (d *jsonDecoder) moreElems(n int) bool {
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
// unescaped. Without escapes the result aliases the input.
func (d *jsonDecoder) stringBytes() []byte {
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
				return d.slowString(start)
			}
			d.i = i + 1
			return s
		case c == '\\' || c < 0x20:
			return d.slowString(start)
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

// slowString decodes a string that has escapes, control characters or
// invalid UTF-8, starting just after its opening quote.
func (d *jsonDecoder) slowString(start int) []byte {
	d.i = start
	b := make([]byte, 0, 32)
	for {
		if d.i >= len(d.data) {
			d.syntax("unexpected end of input in string")
		}
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
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
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := d.hex4()
				if utf16IsSurrogate(r) {
					r2 := rune(-1)
					if d.i+1 < len(d.data) && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						r2 = d.hex4()
						if dec := utf16Decode(r, r2); dec != utf8.RuneError {
							r = dec
							r2 = -2
						} else {
							d.i = save
						}
					}
					if r2 != -2 {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				d.i -= 2
				d.syntax("invalid escape \\%c in string", e)
			}
		case c < 0x20:
			d.syntax("control character 0x%02x in string; escape it", c)
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.i++
		default:
			r, size := utf8.DecodeRune(d.data[d.i:])
			d.i += size
			b = utf8.AppendRune(b, r) // RuneError for invalid bytes
		}
	}
}

func (d *jsonDecoder) hex4() rune {
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

// skip validates and passes over one value of any type.
func (d *jsonDecoder) skip() {
	switch c := d.peek(); c {
	case '"':
		d.stringBytes()
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
func (d *jsonDecoder) number() {
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

// extra keeps the member named key, whose value is at the cursor, in *x.
func (d *jsonDecoder) extra(x *Extra, key []byte) {
	if _, dup := (*x)[string(key)]; dup {
		d.path = append(d.path, pathSeg{name: string(key)})
		d.fail("given more than once")
		d.skip()
		d.pop()
		return
	}
	name := string(key) // copy before key's bytes can be reused
	start := d.i
	d.spaced = false
	d.skip()
	raw := d.data[start:d.i]
	var v []byte
	if d.spaced {
		v = compactJSON(make([]byte, 0, len(raw)), raw)
	} else {
		v = bytes.Clone(raw)
	}
	if *x == nil {
		*x = make(Extra)
	}
	(*x)[name] = v
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
func (d *jsonDecoder) str() string {
	b, _ := d.strBytes()
	return string(b)
}

// strBytes reads a string member's bytes, which may alias the input. ok is
// false for null and for a type error, which is reported.
func (d *jsonDecoder) strBytes() (b []byte, ok bool) {
	switch d.peek() {
	case '"':
		return d.stringBytes(), true
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
func enum[T ~string](d *jsonDecoder, values []T) T {
	b, _ := d.strBytes()
	for _, v := range values {
		if string(v) == string(b) {
			return v
		}
	}
	return T(b)
}

func (d *jsonDecoder) boolean() bool {
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
func (d *jsonDecoder) time() time.Time {
	b, ok := d.strBytes()
	if !ok || len(b) == 0 {
		return time.Time{}
	}
	t, err := parseRFC3339(b)
	if err != nil {
		d.fail("%s", err)
		return time.Time{}
	}
	if t.Before(EarliestTime) {
		// Said here, where the time is known to be present: year 0001
		// would otherwise look like a missing time to Validate.
		d.fail("%s is before %s", strconv.Quote(string(b)), EarliestTime.Format("2006-01-02"))
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

func (d *jsonDecoder) date() PartialDate {
	b, ok := d.strBytes()
	if !ok || len(b) == 0 {
		return PartialDate{}
	}
	if p, ok := quickPartialDate(b); ok {
		return p
	}
	p, err := ParsePartialDate(string(b))
	if err != nil {
		d.fail("%s", err)
	}
	return p
}

// quickPartialDate parses a well-formed date without allocating. It accepts
// only what ParsePartialDate accepts; for anything else it returns false and
// ParsePartialDate says what is wrong.
func quickPartialDate(b []byte) (PartialDate, bool) {
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
	var p PartialDate
	var ok bool
	if len(b) != 4 && len(b) != 7 && len(b) != 10 {
		return p, false
	}
	if p.Year, ok = num(b[:4]); !ok || p.Year < 1800 {
		return PartialDate{}, false
	}
	if len(b) >= 7 {
		if b[4] != '-' {
			return PartialDate{}, false
		}
		if p.Month, ok = num(b[5:7]); !ok || p.Month < 1 || p.Month > 12 {
			return PartialDate{}, false
		}
	}
	if len(b) == 10 {
		if b[7] != '-' {
			return PartialDate{}, false
		}
		if p.Day, ok = num(b[8:10]); !ok || p.Day < 1 || p.Day > daysIn(p.Year, p.Month) {
			return PartialDate{}, false
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
func (d *jsonDecoder) recordType() (RecordType, bool) {
	if d.peek() != '{' {
		d.fail("a record must be a JSON object, not %s", d.kind())
		d.skip()
		return "", false
	}
	d.i++
	d.enter()
	for n := 0; d.more(n); n++ {
		if string(d.key()) != "type" {
			d.skip()
			continue
		}
		d.path = append(d.path, pathSeg{name: "type"})
		b, ok := d.strBytes()
		if ok {
			for _, v := range RecordTypes {
				if string(v) == string(b) {
					d.pop()
					return v, true
				}
			}
			d.fail("%s is not one of %s", strconv.Quote(string(b)), joinValues(RecordTypes))
		} else if len(d.errs) == 0 {
			d.fail("missing") // null
		}
		d.pop()
		d.skipRest()
		return "", false
	}
	d.path = append(d.path, pathSeg{name: "type"})
	d.fail("missing")
	d.pop()
	return "", false
}

// skipRest passes over the rest of the object being read, so that syntax
// errors after a bad type are still found.
func (d *jsonDecoder) skipRest() {
	for n := 1; d.more(n); n++ {
		d.key()
		d.skip()
	}
}

// recordTypeMember checks a record's "type" member against want.
func (d *jsonDecoder) recordTypeMember(want RecordType) {
	b, ok := d.strBytes()
	if ok && string(b) != string(want) {
		d.fail("%s, want %q", strconv.Quote(string(b)), want)
	}
}

func (d *jsonDecoder) referral(r *Referral) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "type":
			if d.member(&seen, 0, "type") {
				d.recordTypeMember(TypeReferral)
				d.pop()
			}
		case "id":
			if d.member(&seen, 1, "id") {
				r.ID = d.str()
				d.pop()
			}
		case "received_at":
			if d.member(&seen, 2, "received_at") {
				r.ReceivedAt = d.time()
				d.pop()
			}
		case "channel":
			if d.member(&seen, 3, "channel") {
				r.Channel = enum(d, Channels)
				d.pop()
			}
		case "relayed_from":
			if d.member(&seen, 4, "relayed_from") {
				if d.peek() == '{' {
					r.RelayedFrom = new(Relay)
				}
				d.relay(r.RelayedFrom)
				d.pop()
			}
		case "source_code":
			if d.member(&seen, 5, "source_code") {
				r.SourceCode = d.str()
				d.pop()
			}
		case "reporter":
			if d.member(&seen, 6, "reporter") {
				if d.peek() == '{' {
					r.Reporter = new(Reporter)
				}
				d.reporter(r.Reporter)
				d.pop()
			}
		case "knowledge_basis":
			if d.member(&seen, 7, "knowledge_basis") {
				r.KnowledgeBasis = enum(d, KnowledgeBases)
				d.pop()
			}
		case "children":
			if d.member(&seen, 8, "children") {
				r.Children = d.persons()
				d.pop()
			}
		case "adults":
			if d.member(&seen, 9, "adults") {
				r.Adults = d.persons()
				d.pop()
			}
		case "address":
			if d.member(&seen, 10, "address") {
				r.Address = d.addressPtr()
				d.pop()
			}
		case "concerns":
			if d.member(&seen, 11, "concerns") {
				r.Concerns = d.concerns()
				d.pop()
			}
		case "narrative":
			if d.member(&seen, 12, "narrative") {
				r.Narrative = d.str()
				d.pop()
			}
		case "immediate_danger":
			if d.member(&seen, 13, "immediate_danger") {
				r.ImmediateDanger = d.boolean()
				d.pop()
			}
		default:
			d.extra(&r.Extra, key)
		}
	}
}

// relay decodes into r, which is nil unless the value is an object.
func (d *jsonDecoder) relay(r *Relay) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "agency":
			if d.member(&seen, 0, "agency") {
				r.Agency = d.str()
				d.pop()
			}
		case "ref":
			if d.member(&seen, 1, "ref") {
				r.Ref = d.str()
				d.pop()
			}
		default:
			d.extra(&r.Extra, key)
		}
	}
}

// reporter decodes into r, which is nil unless the value is an object.
func (d *jsonDecoder) reporter(r *Reporter) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "anonymous":
			if d.member(&seen, 0, "anonymous") {
				r.Anonymous = d.boolean()
				d.pop()
			}
		case "given_name":
			if d.member(&seen, 1, "given_name") {
				r.GivenName = d.str()
				d.pop()
			}
		case "family_name":
			if d.member(&seen, 2, "family_name") {
				r.FamilyName = d.str()
				d.pop()
			}
		case "phone":
			if d.member(&seen, 3, "phone") {
				r.Phone = d.str()
				d.pop()
			}
		case "email":
			if d.member(&seen, 4, "email") {
				r.Email = d.str()
				d.pop()
			}
		case "address":
			if d.member(&seen, 5, "address") {
				r.Address = d.addressPtr()
				d.pop()
			}
		case "relationship":
			if d.member(&seen, 6, "relationship") {
				r.Relationship = enum(d, Relationships)
				d.pop()
			}
		case "organisation":
			if d.member(&seen, 7, "organisation") {
				r.Organisation = d.str()
				d.pop()
			}
		case "contact_ip":
			if d.member(&seen, 8, "contact_ip") {
				r.ContactIP = d.str()
				d.pop()
			}
		case "device_id":
			if d.member(&seen, 9, "device_id") {
				r.DeviceID = d.str()
				d.pop()
			}
		default:
			d.extra(&r.Extra, key)
		}
	}
}

func (d *jsonDecoder) persons() []Person {
	if !d.array() {
		return nil
	}
	var out []Person
	for n := 0; d.moreElems(n); n++ {
		d.pushIndex(n)
		if out == nil {
			out = make([]Person, 0, 2) // most referrals name one or two
		}
		out = append(out, Person{})
		d.person(&out[n])
		d.pop()
	}
	return out
}

func (d *jsonDecoder) person(p *Person) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "given_name":
			if d.member(&seen, 0, "given_name") {
				p.GivenName = d.str()
				d.pop()
			}
		case "family_name":
			if d.member(&seen, 1, "family_name") {
				p.FamilyName = d.str()
				d.pop()
			}
		case "other_names":
			if d.member(&seen, 2, "other_names") {
				p.OtherNames = d.strings()
				d.pop()
			}
		case "dob":
			if d.member(&seen, 3, "dob") {
				p.DOB = d.date()
				d.pop()
			}
		case "nhs_number":
			if d.member(&seen, 4, "nhs_number") {
				p.NHSNumber = d.str()
				d.pop()
			}
		case "sex":
			if d.member(&seen, 5, "sex") {
				p.Sex = d.str()
				d.pop()
			}
		case "role":
			if d.member(&seen, 6, "role") {
				p.Role = enum(d, PersonRoles)
				d.pop()
			}
		case "social_handles":
			if d.member(&seen, 7, "social_handles") {
				p.SocialHandles = d.handles()
				d.pop()
			}
		default:
			d.extra(&p.Extra, key)
		}
	}
}

func (d *jsonDecoder) strings() []string {
	if !d.array() {
		return nil
	}
	var out []string
	for n := 0; d.moreElems(n); n++ {
		d.pushIndex(n)
		out = append(out, d.str())
		d.pop()
	}
	return out
}

func (d *jsonDecoder) handles() []SocialHandle {
	if !d.array() {
		return nil
	}
	var out []SocialHandle
	for n := 0; d.moreElems(n); n++ {
		d.pushIndex(n)
		out = append(out, SocialHandle{})
		d.handle(&out[n])
		d.pop()
	}
	return out
}

func (d *jsonDecoder) handle(h *SocialHandle) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "platform":
			if d.member(&seen, 0, "platform") {
				h.Platform = d.str()
				d.pop()
			}
		case "handle":
			if d.member(&seen, 1, "handle") {
				h.Handle = d.str()
				d.pop()
			}
		default:
			d.extra(&h.Extra, key)
		}
	}
}

func (d *jsonDecoder) addressPtr() *Address {
	if d.peek() != '{' {
		d.address(nil) // null, or a type error
		return nil
	}
	a := new(Address)
	d.address(a)
	return a
}

// address decodes into a, which is nil unless the value is an object.
func (d *jsonDecoder) address(a *Address) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "line1":
			if d.member(&seen, 0, "line1") {
				a.Line1 = d.str()
				d.pop()
			}
		case "line2":
			if d.member(&seen, 1, "line2") {
				a.Line2 = d.str()
				d.pop()
			}
		case "town":
			if d.member(&seen, 2, "town") {
				a.Town = d.str()
				d.pop()
			}
		case "postcode":
			if d.member(&seen, 3, "postcode") {
				a.Postcode = d.str()
				d.pop()
			}
		default:
			d.extra(&a.Extra, key)
		}
	}
}

func (d *jsonDecoder) concerns() []Concern {
	if !d.array() {
		return nil
	}
	var out []Concern
	for n := 0; d.moreElems(n); n++ {
		d.pushIndex(n)
		out = append(out, Concern{})
		d.concern(&out[n])
		d.pop()
	}
	return out
}

func (d *jsonDecoder) concern(c *Concern) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "category":
			if d.member(&seen, 0, "category") {
				c.Category = enum(d, ConcernCategories)
				d.pop()
			}
		case "detail":
			if d.member(&seen, 1, "detail") {
				c.Detail = d.str()
				d.pop()
			}
		default:
			d.extra(&c.Extra, key)
		}
	}
}

func (d *jsonDecoder) publicPost(p *PublicPost) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "type":
			if d.member(&seen, 0, "type") {
				d.recordTypeMember(TypePublicPost)
				d.pop()
			}
		case "id":
			if d.member(&seen, 1, "id") {
				p.ID = d.str()
				d.pop()
			}
		case "platform":
			if d.member(&seen, 2, "platform") {
				p.Platform = d.str()
				d.pop()
			}
		case "handle":
			if d.member(&seen, 3, "handle") {
				p.Handle = d.str()
				d.pop()
			}
		case "posted_at":
			if d.member(&seen, 4, "posted_at") {
				p.PostedAt = d.time()
				d.pop()
			}
		case "text":
			if d.member(&seen, 5, "text") {
				p.Text = d.str()
				d.pop()
			}
		case "url":
			if d.member(&seen, 6, "url") {
				p.URL = d.str()
				d.pop()
			}
		case "media_note":
			if d.member(&seen, 7, "media_note") {
				p.MediaNote = d.str()
				d.pop()
			}
		default:
			d.extra(&p.Extra, key)
		}
	}
}

func (d *jsonDecoder) forumPost(p *ForumPost) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "type":
			if d.member(&seen, 0, "type") {
				d.recordTypeMember(TypeForumPost)
				d.pop()
			}
		case "id":
			if d.member(&seen, 1, "id") {
				p.ID = d.str()
				d.pop()
			}
		case "site":
			if d.member(&seen, 2, "site") {
				p.Site = d.str()
				d.pop()
			}
		case "thread":
			if d.member(&seen, 3, "thread") {
				p.Thread = d.str()
				d.pop()
			}
		case "author_handle":
			if d.member(&seen, 4, "author_handle") {
				p.AuthorHandle = d.str()
				d.pop()
			}
		case "posted_at":
			if d.member(&seen, 5, "posted_at") {
				p.PostedAt = d.time()
				d.pop()
			}
		case "text":
			if d.member(&seen, 6, "text") {
				p.Text = d.str()
				d.pop()
			}
		case "url":
			if d.member(&seen, 7, "url") {
				p.URL = d.str()
				d.pop()
			}
		default:
			d.extra(&p.Extra, key)
		}
	}
}

func (d *jsonDecoder) outcome(o *Outcome) {
	if !d.object() {
		return
	}
	var seen uint32
	for n := 0; d.more(n); n++ {
		key := d.key()
		switch string(key) {
		case "type":
			if d.member(&seen, 0, "type") {
				d.recordTypeMember(TypeOutcome)
				d.pop()
			}
		case "referral_id":
			if d.member(&seen, 1, "referral_id") {
				o.ReferralID = d.str()
				d.pop()
			}
		case "decided_at":
			if d.member(&seen, 2, "decided_at") {
				o.DecidedAt = d.time()
				d.pop()
			}
		case "decision":
			if d.member(&seen, 3, "decision") {
				o.Decision = enum(d, Decisions)
				d.pop()
			}
		case "finding":
			if d.member(&seen, 4, "finding") {
				o.Finding = enum(d, Findings)
				d.pop()
			}
		case "note":
			if d.member(&seen, 5, "note") {
				o.Note = d.str()
				d.pop()
			}
		default:
			d.extra(&o.Extra, key)
		}
	}
}

// ---- encoding ----

// jsonWriter appends JSON objects member by member. The first error sticks.
type jsonWriter struct {
	b     []byte
	n     [4]int // members written so far, per open object
	depth int    // open objects; the records nest at most four deep
	err   error
}

func (w *jsonWriter) open() {
	w.b = append(w.b, '{')
	w.depth++
	w.n[w.depth-1] = 0
}

func (w *jsonWriter) close() {
	w.b = append(w.b, '}')
	w.depth--
}

func (w *jsonWriter) key(k string) {
	top := w.depth - 1
	if w.n[top] > 0 {
		w.b = append(w.b, ',')
	}
	w.n[top]++
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// str writes a string member, omitted when empty.
func (w *jsonWriter) str(k, v string) {
	if v == "" {
		return
	}
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonWriter) strAlways(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonWriter) time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	if y := t.Year(); y < 0 || y > 9999 {
		if w.err == nil {
			w.err = fmt.Errorf("%s: year %d outside 0 to 9999", k, y)
		}
		return
	}
	w.key(k)
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) boolean(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// extra writes the members of x sorted by name, leaving out any whose name
// is a known member of the struct.
func (w *jsonWriter) extra(x Extra, known []string) {
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

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. It escapes only what JSON
// requires, plus U+2028 and U+2029 for JavaScript, and writes invalid UTF-8
// as U+FFFD.
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

func appendReferral(dst []byte, r *Referral) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.open()
	w.strAlways("type", string(TypeReferral))
	w.str("id", r.ID)
	w.time("received_at", r.ReceivedAt)
	w.str("channel", string(r.Channel))
	if r.RelayedFrom != nil {
		w.key("relayed_from")
		w.relay(r.RelayedFrom)
	}
	w.str("source_code", r.SourceCode)
	if r.Reporter != nil {
		w.key("reporter")
		w.reporter(r.Reporter)
	}
	w.str("knowledge_basis", string(r.KnowledgeBasis))
	w.key("children")
	w.persons(r.Children)
	if len(r.Adults) > 0 {
		w.key("adults")
		w.persons(r.Adults)
	}
	if r.Address != nil {
		w.key("address")
		w.address(r.Address)
	}
	if len(r.Concerns) > 0 {
		w.key("concerns")
		w.b = append(w.b, '[')
		for i := range r.Concerns {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.concern(&r.Concerns[i])
		}
		w.b = append(w.b, ']')
	}
	w.str("narrative", r.Narrative)
	w.boolean("immediate_danger", r.ImmediateDanger)
	w.extra(r.Extra, referralMembers)
	w.close()
	return w.result(dst)
}

// result returns the bytes written, or dst unchanged and the error.
func (w *jsonWriter) result(dst []byte) ([]byte, error) {
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

func (w *jsonWriter) relay(r *Relay) {
	w.open()
	w.strAlways("agency", r.Agency)
	w.str("ref", r.Ref)
	w.extra(r.Extra, relayMembers)
	w.close()
}

func (w *jsonWriter) reporter(r *Reporter) {
	w.open()
	if r.Anonymous {
		w.boolean("anonymous", true)
	}
	w.str("given_name", r.GivenName)
	w.str("family_name", r.FamilyName)
	w.str("phone", r.Phone)
	w.str("email", r.Email)
	if r.Address != nil {
		w.key("address")
		w.address(r.Address)
	}
	w.str("relationship", string(r.Relationship))
	w.str("organisation", r.Organisation)
	w.str("contact_ip", r.ContactIP)
	w.str("device_id", r.DeviceID)
	w.extra(r.Extra, reporterMembers)
	w.close()
}

func (w *jsonWriter) persons(ps []Person) {
	w.b = append(w.b, '[')
	for i := range ps {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.person(&ps[i])
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) person(p *Person) {
	w.open()
	w.str("given_name", p.GivenName)
	w.str("family_name", p.FamilyName)
	if len(p.OtherNames) > 0 {
		w.key("other_names")
		w.b = append(w.b, '[')
		for i, s := range p.OtherNames {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, s)
		}
		w.b = append(w.b, ']')
	}
	if !p.DOB.IsZero() {
		w.key("dob")
		w.b = appendPartialDate(w.b, p.DOB)
	}
	w.str("nhs_number", p.NHSNumber)
	w.str("sex", p.Sex)
	w.str("role", string(p.Role))
	if len(p.SocialHandles) > 0 {
		w.key("social_handles")
		w.b = append(w.b, '[')
		for i := range p.SocialHandles {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.handle(&p.SocialHandles[i])
		}
		w.b = append(w.b, ']')
	}
	w.extra(p.Extra, personMembers)
	w.close()
}

func (w *jsonWriter) handle(h *SocialHandle) {
	w.open()
	w.str("platform", h.Platform)
	w.strAlways("handle", h.Handle)
	w.extra(h.Extra, handleMembers)
	w.close()
}

func (w *jsonWriter) address(a *Address) {
	w.open()
	w.str("line1", a.Line1)
	w.str("line2", a.Line2)
	w.str("town", a.Town)
	w.str("postcode", a.Postcode)
	w.extra(a.Extra, addressMembers)
	w.close()
}

func (w *jsonWriter) concern(c *Concern) {
	w.open()
	w.strAlways("category", string(c.Category))
	w.str("detail", c.Detail)
	w.extra(c.Extra, concernMembers)
	w.close()
}

func appendPublicPost(dst []byte, p *PublicPost) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.open()
	w.strAlways("type", string(TypePublicPost))
	w.str("id", p.ID)
	w.str("platform", p.Platform)
	w.str("handle", p.Handle)
	w.time("posted_at", p.PostedAt)
	w.str("text", p.Text)
	w.str("url", p.URL)
	w.str("media_note", p.MediaNote)
	w.extra(p.Extra, publicPostMembers)
	w.close()
	return w.result(dst)
}

func appendForumPost(dst []byte, p *ForumPost) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.open()
	w.strAlways("type", string(TypeForumPost))
	w.str("id", p.ID)
	w.str("site", p.Site)
	w.str("thread", p.Thread)
	w.str("author_handle", p.AuthorHandle)
	w.time("posted_at", p.PostedAt)
	w.str("text", p.Text)
	w.str("url", p.URL)
	w.extra(p.Extra, forumPostMembers)
	w.close()
	return w.result(dst)
}

func appendOutcome(dst []byte, o *Outcome) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.open()
	w.strAlways("type", string(TypeOutcome))
	w.str("referral_id", o.ReferralID)
	w.time("decided_at", o.DecidedAt)
	w.str("decision", string(o.Decision))
	w.str("finding", string(o.Finding))
	w.str("note", o.Note)
	w.extra(o.Extra, outcomeMembers)
	w.close()
	return w.result(dst)
}

// appendPartialDate appends d as a JSON string, as PartialDate.String
// would give it, without allocating.
func appendPartialDate(b []byte, d PartialDate) []byte {
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
