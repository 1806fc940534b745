package interchange

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"bonafide"
)

// This file is the interchange format, version 1, as tables: one schema per
// struct, listing its members in the order they are written, each with how
// to decode and encode it. The decoder and encoder walk these tables; no
// member has code of its own beyond its line here.

// kind says how a member is read and written. The scalar kinds are
// handled inline by decodeObject and encodeObject at the member's field
// offset; nested objects and lists are kindNested, with functions of their
// own.
type kind uint8

const (
	kindString     kind = iota // written when not empty
	kindStringReq              // written always
	kindEnum                   // a string from values, written when not empty
	kindEnumReq                // written always
	kindTime                   // RFC 3339
	kindDate                   // a partial date
	kindBool                   // written always
	kindBoolIfTrue             // written only when true
	kindNested                 // anything else (type, lists, objects): dec and enc
)

// member is one known member of a struct T. Its place in the schema is its
// bit in the decoder's set of members seen, so a schema has at most 32.
type member[T any] struct {
	name   string
	quoted string // "name": as written
	w0, w1 uint64 // name as nameWords gives it, for find
	kind   kind
	off    uintptr // where in a T the field of a scalar kind is (offsetOf)

	values []string // kindEnum, kindEnumReq: the values of the format

	dec func(d *decoder, v *T)          // kindNested; the value is at the cursor
	enc func(w *writer, q string, v *T) // kindNested; writes the quoted name q and the value, or nothing
}

// schema is the known members of a struct T and where it keeps the rest.
type schema[T any] struct {
	members  []member[T]
	names    []string // the members' names, for leaving out shadowing Extra
	extraOff uintptr  // where in a T its Extra is
}

func newSchema[T any](extra func(*T) *bonafide.Extra, members ...member[T]) *schema[T] {
	s := &schema[T]{members: members, extraOff: offsetOf(extra)}
	if len(members) > 32 {
		panic("interchange: a schema has at most 32 members")
	}
	for i := range s.members {
		m := &s.members[i]
		if len(m.name) > 16 {
			panic("interchange: a member name is at most 16 bytes")
		}
		m.w0, m.w1 = nameWords([]byte(m.name))
		m.quoted = `"` + m.name + `":`
		s.names = append(s.names, m.name)
	}
	return s
}

// find returns the index of the member named key, looking from hint on
// first: writers give members in schema order, leaving out empty ones, so
// the member is nearly always hint or a few places after it. Names are
// compared as two words (every member name is at most 16 bytes), which
// costs less than a string comparison per candidate.
func (s *schema[T]) find(key []byte, hint int) int {
	if len(key) > 16 {
		return -1
	}
	w0, w1 := nameWords(key)
	for i := hint; i < len(s.members); i++ {
		if m := &s.members[i]; m.w0 == w0 && m.w1 == w1 && len(m.name) == len(key) {
			return i
		}
	}
	for i := 0; i < hint && i < len(s.members); i++ {
		if m := &s.members[i]; m.w0 == w0 && m.w1 == w1 && len(m.name) == len(key) {
			return i
		}
	}
	return -1
}

// nameWords returns the bytes of b, at most 16 of them, as two
// little-endian words, zero past len(b). A key usually aliases the line,
// which goes on past it, so the words are read from b's capacity and
// masked; a copy is made only near the end of the buffer.
func nameWords(b []byte) (w0, w1 uint64) {
	if cap(b) < 16 {
		return nameWordsCopy(b)
	}
	full := b[:16:16]
	n := uint(len(b))
	w0 = binary.LittleEndian.Uint64(full) & (^uint64(0) >> (64 - 8*min(n, 8)))
	w1 = binary.LittleEndian.Uint64(full[8:]) & (^uint64(0) >> (64 - 8*(min(n, 16)-min(n, 8))))
	return w0, w1
}

func nameWordsCopy(b []byte) (w0, w1 uint64) {
	var buf [16]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:]), binary.LittleEndian.Uint64(buf[8:])
}

// decodeObject decodes an object into v by s. v may be nil when the value
// is not an object (null, or a type error, which is reported).
func decodeObject[T any](d *decoder, s *schema[T], v *T) {
	if !d.object() {
		return
	}
	var seen uint32
	hint := 0
	for n := 0; d.more(n); n++ {
		key := d.key()
		if n >= bonafide.MaxMembers {
			if n == bonafide.MaxMembers {
				d.fail("more than %d members", bonafide.MaxMembers)
			}
			d.skip()
			continue
		}
		i := -1
		if len(key) <= 16 { // the lookup of find, inlined: it runs for every member
			w0, w1 := nameWords(key)
			for j := hint; j < len(s.members); j++ {
				if m := &s.members[j]; m.w0 == w0 && m.w1 == w1 && len(m.name) == len(key) {
					i = j
					break
				}
			}
			if i < 0 {
				i = s.find(key, 0)
			}
		}
		if i < 0 {
			d.extra(at[bonafide.Extra](unsafe.Pointer(v), s.extraOff), key)
			continue
		}
		hint = i + 1
		m := &s.members[i]
		p := unsafe.Pointer(v)
		if seen&(1<<i) != 0 {
			d.push(m.name)
			d.fail("given more than once")
			d.skip()
			d.pop()
			continue
		}
		seen |= 1 << i
		if m.kind == kindString { // most members: test it before the switch
			d.leaf = m.name // named by any error, without a push
			*at[string](p, m.off) = d.str()
			d.leaf = ""
			continue
		}
		d.push(m.name)
		switch m.kind {
		case kindString, kindStringReq:
			*at[string](p, m.off) = d.str()
		case kindEnum, kindEnumReq:
			*at[string](p, m.off) = enum(d, m.values)
		case kindTime:
			*at[time.Time](p, m.off) = d.time()
		case kindDate:
			*at[bonafide.PartialDate](p, m.off) = d.date()
		case kindBool, kindBoolIfTrue:
			*at[bool](p, m.off) = d.boolean()
		case kindNested:
			m.dec(d, v)
		}
		d.pop()
	}
}

// encodeObject writes v by s: the known members in order, then Extra. The
// buffer and the count of members written are kept in locals between the
// nested members, which go through w, so that the common members cost no
// loads and stores of the writer.
func encodeObject[T any](w *writer, s *schema[T], v *T) {
	w.open()
	b, n := w.b, 0
	p := unsafe.Pointer(v)
	for i := range s.members {
		m := &s.members[i]
		switch m.kind {
		case kindString, kindEnum:
			if x := *at[string](p, m.off); x != "" {
				b, n = sep(b, n, m.quoted)
				b = appendJSONString(b, x)
			}
		case kindStringReq, kindEnumReq:
			b, n = sep(b, n, m.quoted)
			b = appendJSONString(b, *at[string](p, m.off))
		case kindTime:
			t := *at[time.Time](p, m.off)
			if t.IsZero() {
				continue
			}
			if y := t.Year(); y < 0 || y > 9999 {
				if w.err == nil {
					w.err = fmt.Errorf("%s: year %d outside 0 to 9999", m.name, y)
				}
				continue
			}
			b, n = sep(b, n, m.quoted)
			b = append(b, '"')
			b = t.AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		case kindDate:
			if d := *at[bonafide.PartialDate](p, m.off); !d.IsZero() {
				b, n = sep(b, n, m.quoted)
				b = appendPartialDate(b, d)
			}
		case kindBool, kindBoolIfTrue:
			x := *at[bool](p, m.off)
			if x || m.kind == kindBool {
				b, n = sep(b, n, m.quoted)
				b = strconv.AppendBool(b, x)
			}
		case kindNested:
			w.b, w.n[w.depth-1] = b, n
			m.enc(w, m.quoted, v)
			b, n = w.b, w.n[w.depth-1]
		}
	}
	w.b, w.n[w.depth-1] = b, n
	if x := *at[bonafide.Extra](p, s.extraOff); len(x) > 0 {
		w.extra(x, s.names)
	}
	w.close()
}

// sep appends a comma unless n members are none, then the quoted name.
func sep(b []byte, n int, quoted string) ([]byte, int) {
	if n > 0 {
		b = append(b, ',')
	}
	return append(b, quoted...), n + 1
}

// decodeList decodes an array of objects by s into *dst. Past max elements
// it reports "N noun, at most max" once, counting the rest as it checks and
// skips them, so that a hostile count costs no memory.
func decodeList[E any](d *decoder, dst *[]E, s *schema[E], max, first int, noun string) {
	if !d.array() {
		return
	}
	var out []E
	n := 0
	for ; d.moreElems(n); n++ {
		if n >= max {
			d.skip()
			continue
		}
		if out == nil {
			out = make([]E, 0, first)
		}
		d.pushIndex(n)
		var zero E
		out = append(out, zero)
		decodeObject(d, s, &out[n])
		d.pop()
	}
	if n > max {
		d.fail("%d %s, at most %d", n, noun, max)
	}
	*dst = out
}

// decodeStrings decodes an array of strings, within max as decodeList.
func decodeStrings(d *decoder, dst *[]string, max int, noun string) {
	if !d.array() {
		return
	}
	var out []string
	n := 0
	for ; d.moreElems(n); n++ {
		if n >= max {
			d.skip()
			continue
		}
		d.pushIndex(n)
		out = append(out, d.str())
		d.pop()
	}
	if n > max {
		d.fail("%d %s, at most %d", n, noun, max)
	}
	*dst = out
}

// offsetOf returns where in a T lies the field that f gives, so that the
// decoder and encoder reach it without a call per member (the writer's
// speed depends on it). It panics, when the schemas are built, unless f
// gives a field of its argument.
func offsetOf[T, F any](f func(*T) *F) uintptr {
	probe := new(T)
	base, p := uintptr(unsafe.Pointer(probe)), uintptr(unsafe.Pointer(f(probe)))
	if p < base || p+unsafe.Sizeof(*new(F)) > base+unsafe.Sizeof(*probe) {
		panic("interchange: a member's accessor must give a field of its argument")
	}
	return p - base
}

// at is the field of type F at off in the struct at p, as offsetOf found it.
func at[F any](p unsafe.Pointer, off uintptr) *F { return (*F)(unsafe.Add(p, off)) }

// Member constructors. Each takes the member's name and a function giving
// the field it sets in T, which for scalar kinds is used only to find the
// field's offset.

func typeMember[T any](t bonafide.RecordType) member[T] {
	return member[T]{name: "type", kind: kindNested,
		dec: func(d *decoder, _ *T) { d.recordTypeMember(t) },
		enc: func(w *writer, q string, _ *T) {
			w.member(q)
			w.b = appendJSONString(w.b, string(t))
		},
	}
}

// str is a string written when not empty; strReq is written always.
func str[T any](name string, f func(*T) *string) member[T] {
	return member[T]{name: name, kind: kindString, off: offsetOf(f)}
}

func strReq[T any](name string, f func(*T) *string) member[T] {
	return member[T]{name: name, kind: kindStringReq, off: offsetOf(f)}
}

// enumOf is a string member whose values the format lists; f gives the
// field as a *string, the enum type converted. A value outside the list is
// kept for Validate to report.
func enumOf[T any, E ~string](name string, f func(*T) *string, values []E) member[T] {
	vs := make([]string, len(values))
	for i, v := range values {
		vs[i] = string(v)
	}
	return member[T]{name: name, kind: kindEnum, off: offsetOf(f), values: vs}
}

func enumReq[T any, E ~string](name string, f func(*T) *string, values []E) member[T] {
	m := enumOf(name, f, values)
	m.kind = kindEnumReq
	return m
}

func timeOf[T any](name string, f func(*T) *time.Time) member[T] {
	return member[T]{name: name, kind: kindTime, off: offsetOf(f)}
}

func dateOf[T any](name string, f func(*T) *bonafide.PartialDate) member[T] {
	return member[T]{name: name, kind: kindDate, off: offsetOf(f)}
}

// boolReq is written as true or false; boolIfTrue only when true.
func boolReq[T any](name string, f func(*T) *bool) member[T] {
	return member[T]{name: name, kind: kindBool, off: offsetOf(f)}
}

func boolIfTrue[T any](name string, f func(*T) *bool) member[T] {
	return member[T]{name: name, kind: kindBoolIfTrue, off: offsetOf(f)}
}

// stringList is an array of at most max strings, written when not empty.
func stringList[T any](name string, f func(*T) *[]string, max int, noun string) member[T] {
	off := offsetOf(f)
	return member[T]{name: name, kind: kindNested,
		dec: func(d *decoder, v *T) { decodeStrings(d, at[[]string](unsafe.Pointer(v), off), max, noun) },
		enc: func(w *writer, q string, v *T) {
			ss := *at[[]string](unsafe.Pointer(v), off)
			if len(ss) == 0 {
				return
			}
			w.member(q)
			w.b = append(w.b, '[')
			for i, s := range ss {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.b = appendJSONString(w.b, s)
			}
			w.b = append(w.b, ']')
		},
	}
}

// objectPtr is an optional object member: nil when absent or null.
func objectPtr[T, F any](name string, f func(*T) **F, s *schema[F]) member[T] {
	off := offsetOf(f)
	return member[T]{name: name, kind: kindNested,
		dec: func(d *decoder, v *T) {
			if d.peek() != '{' {
				decodeObject(d, s, nil) // null, or a type error
				return
			}
			p := new(F)
			*at[*F](unsafe.Pointer(v), off) = p
			decodeObject(d, s, p)
		},
		enc: func(w *writer, k string, v *T) {
			if p := *at[*F](unsafe.Pointer(v), off); p != nil {
				w.member(k)
				encodeObject(w, s, p)
			}
		},
	}
}

// list is an array of at most max objects, written only when not empty
// unless always; first is the room made for it on its first element.
func list[T, E any](name string, f func(*T) *[]E, s *schema[E], max, first int, noun string, always bool) member[T] {
	off := offsetOf(f)
	return member[T]{name: name, kind: kindNested,
		dec: func(d *decoder, v *T) { decodeList(d, at[[]E](unsafe.Pointer(v), off), s, max, first, noun) },
		enc: func(w *writer, k string, v *T) {
			es := *at[[]E](unsafe.Pointer(v), off)
			if len(es) == 0 && !always {
				return
			}
			w.member(k)
			w.b = append(w.b, '[')
			for i := range es {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				encodeObject(w, s, &es[i])
			}
			w.b = append(w.b, ']')
		},
	}
}

// The schemas of version 1, in the order of shared/spec/interchange.md.

type (
	referral   = bonafide.Referral
	relay      = bonafide.Relay
	reporter   = bonafide.Reporter
	person     = bonafide.Person
	handle     = bonafide.SocialHandle
	address    = bonafide.Address
	concern    = bonafide.Concern
	publicPost = bonafide.PublicPost
	forumPost  = bonafide.ForumPost
	outcome    = bonafide.Outcome
)

var referralSchema = newSchema(func(r *referral) *bonafide.Extra { return &r.Extra },
	typeMember[referral](bonafide.TypeReferral),
	str("id", func(r *referral) *string { return &r.ID }),
	timeOf("received_at", func(r *referral) *time.Time { return &r.ReceivedAt }),
	enumOf("channel", func(r *referral) *string { return (*string)(&r.Channel) }, bonafide.Channels),
	objectPtr("relayed_from", func(r *referral) **relay { return &r.RelayedFrom }, relaySchema),
	str("source_code", func(r *referral) *string { return &r.SourceCode }),
	objectPtr("reporter", func(r *referral) **reporter { return &r.Reporter }, reporterSchema),
	enumOf("knowledge_basis", func(r *referral) *string { return (*string)(&r.KnowledgeBasis) }, bonafide.KnowledgeBases),
	list("children", func(r *referral) *[]person { return &r.Children }, personSchema, bonafide.MaxChildren, 2, "children", true),
	list("adults", func(r *referral) *[]person { return &r.Adults }, personSchema, bonafide.MaxAdults, 2, "adults", false),
	objectPtr("address", func(r *referral) **address { return &r.Address }, addressSchema),
	list("concerns", func(r *referral) *[]concern { return &r.Concerns }, concernSchema, bonafide.MaxConcerns, 1, "concerns", false),
	str("narrative", func(r *referral) *string { return &r.Narrative }),
	boolReq("immediate_danger", func(r *referral) *bool { return &r.ImmediateDanger }),
)

var relaySchema = newSchema(func(r *relay) *bonafide.Extra { return &r.Extra },
	strReq("agency", func(r *relay) *string { return &r.Agency }),
	str("ref", func(r *relay) *string { return &r.Ref }),
)

var reporterSchema = newSchema(func(r *reporter) *bonafide.Extra { return &r.Extra },
	boolIfTrue("anonymous", func(r *reporter) *bool { return &r.Anonymous }),
	str("given_name", func(r *reporter) *string { return &r.GivenName }),
	str("family_name", func(r *reporter) *string { return &r.FamilyName }),
	str("phone", func(r *reporter) *string { return &r.Phone }),
	str("email", func(r *reporter) *string { return &r.Email }),
	objectPtr("address", func(r *reporter) **address { return &r.Address }, addressSchema),
	enumOf("relationship", func(r *reporter) *string { return (*string)(&r.Relationship) }, bonafide.Relationships),
	str("organisation", func(r *reporter) *string { return &r.Organisation }),
	str("contact_ip", func(r *reporter) *string { return &r.ContactIP }),
	str("device_id", func(r *reporter) *string { return &r.DeviceID }),
)

var personSchema = newSchema(func(p *person) *bonafide.Extra { return &p.Extra },
	str("given_name", func(p *person) *string { return &p.GivenName }),
	str("family_name", func(p *person) *string { return &p.FamilyName }),
	stringList("other_names", func(p *person) *[]string { return &p.OtherNames }, bonafide.MaxOtherNames, "names"),
	dateOf("dob", func(p *person) *bonafide.PartialDate { return &p.DOB }),
	str("nhs_number", func(p *person) *string { return &p.NHSNumber }),
	str("sex", func(p *person) *string { return &p.Sex }),
	enumOf("role", func(p *person) *string { return (*string)(&p.Role) }, bonafide.PersonRoles),
	list("social_handles", func(p *person) *[]handle { return &p.SocialHandles }, handleSchema, bonafide.MaxSocialHandles, 1, "handles", false),
)

var handleSchema = newSchema(func(h *handle) *bonafide.Extra { return &h.Extra },
	str("platform", func(h *handle) *string { return &h.Platform }),
	strReq("handle", func(h *handle) *string { return &h.Handle }),
)

var addressSchema = newSchema(func(a *address) *bonafide.Extra { return &a.Extra },
	str("line1", func(a *address) *string { return &a.Line1 }),
	str("line2", func(a *address) *string { return &a.Line2 }),
	str("town", func(a *address) *string { return &a.Town }),
	str("postcode", func(a *address) *string { return &a.Postcode }),
)

var concernSchema = newSchema(func(c *concern) *bonafide.Extra { return &c.Extra },
	enumReq("category", func(c *concern) *string { return (*string)(&c.Category) }, bonafide.ConcernCategories),
	str("detail", func(c *concern) *string { return &c.Detail }),
)

var publicPostSchema = newSchema(func(p *publicPost) *bonafide.Extra { return &p.Extra },
	typeMember[publicPost](bonafide.TypePublicPost),
	str("id", func(p *publicPost) *string { return &p.ID }),
	str("platform", func(p *publicPost) *string { return &p.Platform }),
	str("handle", func(p *publicPost) *string { return &p.Handle }),
	timeOf("posted_at", func(p *publicPost) *time.Time { return &p.PostedAt }),
	str("text", func(p *publicPost) *string { return &p.Text }),
	str("url", func(p *publicPost) *string { return &p.URL }),
	str("media_note", func(p *publicPost) *string { return &p.MediaNote }),
)

var forumPostSchema = newSchema(func(p *forumPost) *bonafide.Extra { return &p.Extra },
	typeMember[forumPost](bonafide.TypeForumPost),
	str("id", func(p *forumPost) *string { return &p.ID }),
	str("site", func(p *forumPost) *string { return &p.Site }),
	str("thread", func(p *forumPost) *string { return &p.Thread }),
	str("author_handle", func(p *forumPost) *string { return &p.AuthorHandle }),
	timeOf("posted_at", func(p *forumPost) *time.Time { return &p.PostedAt }),
	str("text", func(p *forumPost) *string { return &p.Text }),
	str("url", func(p *forumPost) *string { return &p.URL }),
)

var outcomeSchema = newSchema(func(o *outcome) *bonafide.Extra { return &o.Extra },
	typeMember[outcome](bonafide.TypeOutcome),
	str("referral_id", func(o *outcome) *string { return &o.ReferralID }),
	timeOf("decided_at", func(o *outcome) *time.Time { return &o.DecidedAt }),
	enumOf("decision", func(o *outcome) *string { return (*string)(&o.Decision) }, bonafide.Decisions),
	enumOf("finding", func(o *outcome) *string { return (*string)(&o.Finding) }, bonafide.Findings),
	str("note", func(o *outcome) *string { return &o.Note }),
)
