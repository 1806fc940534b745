package triage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"reflect"
	"unsafe"
)

// Segments. A checkpoint is the engine's state cut into named segments,
// so that a store keeps the segments of its last checkpoint and writes
// again only those whose bytes changed (package live): after 20,000 more
// records most of a long history's families, reporters and referrals are
// as they were, and their segments are not written again.
//
// The cut follows the state's types, not a list of fields, so that a
// field another change adds is covered as every other: each field of
// Engine is a unit; a unit that is a struct, or a pointer to one, is its
// fields' units (the pointer its own small segment); an array of
// non-numbers is its elements' units; a slice is a segment holding its
// length, then one per rangeLen elements (rawRangeLen for fixed-size
// numbers); a map is a segment holding its length and how many parts it
// is cut into, then one per part, a key's part given by its hash, its
// entries in key order; anything else is one segment. Segments come in
// that order, depth first, the slices of a struct before its other
// fields, so that the append-mostly histories own the records that maps
// point into. A segment is named by its path: "fam.families#12",
// "recent[1].buckets[7]%0/4", "refs".
//
// A segment's bytes are the count and names of the earlier segments it
// points into, then its values (statecodec.go). Pointers keep their
// identity across segments: one met first in another segment is written
// as that segment's number among the imports and the pointer's number
// there. So a segment's bytes depend only on its own values and the
// numbering inside the segments it imports, and a segment whose bytes are
// the same as the stored one's need not be written: the stored set is
// byte for byte the full encoding of the state at the checkpoint.
// Maps whose keys have no order are written in the map's own order; their
// segments are then written every time, which costs writes, never
// correctness.

const (
	rangeLen    = 2048
	rawRangeLen = 32768
	// mapPart is about how many entries one part of a map holds.
	mapPart  = 16384
	maxParts = 4096
	// maxUnitDepth bounds how deep units are cut (a recursive type is
	// one segment below it).
	maxUnitDepth = 6
	headSegment  = "head"
)

type unitKind uint8

const (
	leafUnit unitKind = iota
	structUnit
	pointerUnit
	arrayUnit
	sliceUnit
	mapUnit
)

// unit is one part of the state's plan: where it is (off from its
// parent's address) and how it is cut.
type unit struct {
	name   string
	kind   unitKind
	off    uintptr
	typ    reflect.Type
	c      *stateCodec // a leaf's codec; a slice's element's
	kc, vc *stateCodec // a map's key's and element's
	per    int         // a slice's elements a segment
	kids   []*unit     // a struct's fields (a pointer's target's); an array's element
}

// planUnit returns the unit of a value of type t.
func (b *stateCodecs) planUnit(name string, t reflect.Type, depth int, path map[reflect.Type]bool) *unit {
	u := &unit{name: name, typ: t}
	deep := depth > maxUnitDepth || path[t]
	switch {
	case t.Kind() == reflect.Func:
		return nil // the engine's wiring: not written
	case deep:
	case t.Kind() == reflect.Struct && t != timeType:
		u.kind = structUnit
		u.kids = b.planFields(t, nil, depth, path)
		return u
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && t.Elem() != timeType:
		u.kind = pointerUnit
		b.codec(t, nil) // describes and checks the target's types
		u.kids = b.planFields(t.Elem(), nil, depth, path)
		return u
	case t.Kind() == reflect.Array && t.Len() <= 64 && !b.codec(t.Elem(), nil).raw:
		u.kind = arrayUnit
		path[t] = true
		u.kids = []*unit{b.planUnit("", t.Elem(), depth+1, path)}
		delete(path, t)
		if u.kids[0] == nil {
			return nil
		}
		return u
	case t.Kind() == reflect.Slice:
		u.kind, u.c, u.per = sliceUnit, b.codec(t.Elem(), nil), rangeLen
		if u.c.raw {
			u.per = rawRangeLen
		}
		return u
	case t.Kind() == reflect.Map:
		u.kind, u.kc, u.vc = mapUnit, b.codec(t.Key(), nil), b.codec(t.Elem(), nil)
		return u
	}
	u.c = b.codec(t, nil)
	return u
}

// planFields returns the units of struct t's fields (but skip's), its
// slices first.
func (b *stateCodecs) planFields(t reflect.Type, skip map[string]bool, depth int, path map[reflect.Type]bool) []*unit {
	path[t] = true
	defer delete(path, t)
	var slicesFirst, rest []*unit
	for i := range t.NumField() {
		f := t.Field(i)
		if skipped(f, skip) {
			continue
		}
		k := b.planUnit(f.Name, f.Type, depth+1, path)
		if k == nil {
			continue
		}
		k.off = f.Offset
		if k.kind == sliceUnit {
			slicesFirst = append(slicesFirst, k)
		} else {
			rest = append(rest, k)
		}
	}
	return append(slicesFirst, rest...)
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// mapParts returns how many parts a map of n entries is cut into: a
// power of two, 1 for a small one or one whose keys cannot be hashed.
func mapParts(n int, key reflect.Type) int {
	if n <= mapPart || keyHash(reflect.Zero(key)) == nil {
		return 1
	}
	return min(1<<bits.Len(uint((n-1)/mapPart)), maxParts)
}

// keyHash returns a function giving the hash of a key of k's type, nil
// when its kind has none here.
func keyHash(k reflect.Value) func(reflect.Value) uint64 {
	switch k.Kind() {
	case reflect.String:
		return func(v reflect.Value) uint64 {
			h, s := uint64(14695981039346656037), v.String()
			for i := 0; i < len(s); i++ {
				h = (h ^ uint64(s[i])) * 1099511628211
			}
			return h
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v reflect.Value) uint64 { return uint64(v.Int()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(v reflect.Value) uint64 { return v.Uint() }
	}
	return nil
}

// partition returns map v's keys cut into parts, each in key order.
func partition(v reflect.Value, parts int) [][]reflect.Value {
	keys := sortedKeys(v)
	if parts == 1 {
		return [][]reflect.Value{keys}
	}
	hash := keyHash(keys[0])
	shift := 64 - bits.TrailingZeros(uint(parts))
	out := make([][]reflect.Value, parts)
	for _, k := range keys {
		i := (hash(k) * 0x9e3779b97f4a7c15) >> shift
		out[i] = append(out[i], k)
	}
	return out
}

// A Segment is one part of a checkpoint: its name, its length and
// SHA-256, and its bytes (nil when the store keeps them already: see
// Engine.Segments).
type Segment struct {
	Name   string
	Size   int64
	Digest [sha256.Size]byte
	Data   []byte
}

// segEncoder writes the state a segment at a time.
type segEncoder struct {
	w    *stateWriter
	body bytes.Buffer
	emit func(Segment)
}

func (s *segEncoder) segment(name string, f func()) {
	w := s.w
	w.seg = int32(len(w.names))
	w.names = append(w.names, name)
	w.local, w.imports = 0, w.imports[:0]
	clear(w.importOf)
	s.body.Reset()
	w.out = &s.body
	f()
	w.flush()
	var head []byte
	head = appendUvarint(head, uint64(len(w.imports)))
	for _, seg := range w.imports {
		n := ""
		if seg != knownSeg {
			n = w.names[seg]
		}
		head = appendUvarint(head, uint64(len(n)))
		head = append(head, n...)
	}
	data := make([]byte, 0, len(head)+s.body.Len())
	data = append(append(data, head...), s.body.Bytes()...)
	s.emit(Segment{Name: name, Size: int64(len(data)), Digest: sha256.Sum256(data), Data: data})
}

// unitVisitor writes or reads the segments of the units walkUnits leads
// it to.
type unitVisitor interface {
	leaf(u *unit, name string, p unsafe.Pointer)
	// pointer handles the pointer's own segment and returns its target
	// and whether the target's fields follow.
	pointer(u *unit, name string, p unsafe.Pointer) (unsafe.Pointer, bool)
	slice(u *unit, name string, p unsafe.Pointer)
	mapParts(u *unit, name string, p unsafe.Pointer)
}

// walkUnits leads v through unit u, named name, at p, depth first.
func walkUnits(v unitVisitor, u *unit, name string, p unsafe.Pointer) {
	switch u.kind {
	case leafUnit:
		v.leaf(u, name, p)
	case structUnit:
		for _, k := range u.kids {
			walkUnits(v, k, join(name, k.name), unsafe.Add(p, k.off))
		}
	case pointerUnit:
		if q, follow := v.pointer(u, name, p); follow {
			for _, k := range u.kids {
				walkUnits(v, k, join(name, k.name), unsafe.Add(q, k.off))
			}
		}
	case arrayUnit:
		size := u.typ.Elem().Size()
		for i := range u.typ.Len() {
			walkUnits(v, u.kids[0], fmt.Sprintf("%s[%d]", name, i), unsafe.Add(p, uintptr(i)*size))
		}
	case sliceUnit:
		v.slice(u, name, p)
	case mapUnit:
		v.mapParts(u, name, p)
	}
}

func (s *segEncoder) leaf(u *unit, name string, p unsafe.Pointer) {
	s.segment(name, func() { u.c.enc(s.w, p) })
}

func (s *segEncoder) pointer(u *unit, name string, p unsafe.Pointer) (unsafe.Pointer, bool) {
	q := *(*unsafe.Pointer)(p)
	follow := false
	s.segment(name, func() {
		if q == nil {
			s.w.uvarint(0)
		} else {
			follow = !s.w.ref(ptrKey{q, u.typ.Elem()})
		}
	})
	return q, follow
}

func (s *segEncoder) slice(u *unit, name string, p unsafe.Pointer) {
	w := s.w
	v := reflect.NewAt(u.typ, p).Elem()
	n := v.Len()
	s.segment(name, func() {
		if v.IsNil() {
			w.uvarint(0)
		} else {
			w.uvarint(uint64(n) + 1)
		}
	})
	if n == 0 {
		return
	}
	data, size := v.UnsafePointer(), u.typ.Elem().Size()
	for a := 0; a < n; a += u.per {
		b := min(a+u.per, n)
		s.segment(fmt.Sprintf("%s#%d", name, a/u.per), func() {
			if u.c.raw {
				w.rawRun(unsafe.Slice((*byte)(unsafe.Add(data, uintptr(a)*size)), uintptr(b-a)*size))
				return
			}
			for i := a; i < b; i++ {
				u.c.enc(w, unsafe.Add(data, uintptr(i)*size))
				w.grow()
			}
		})
	}
}

func (s *segEncoder) mapParts(u *unit, name string, p unsafe.Pointer) {
	w := s.w
	v := reflect.NewAt(u.typ, p).Elem()
	parts := mapParts(v.Len(), u.typ.Key())
	s.segment(name, func() {
		if v.IsNil() {
			w.uvarint(0)
			return
		}
		w.uvarint(uint64(v.Len()) + 1)
		w.uvarint(uint64(parts))
	})
	if v.IsNil() {
		return
	}
	for i, keys := range partition(v, parts) {
		s.segment(fmt.Sprintf("%s%%%d/%d", name, i, parts), func() {
			w.uvarint(uint64(len(keys)))
			encodeEntries(w, v, keys, u.kc, u.vc)
		})
	}
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// Segments encodes the engine's state as its segments, in order, each
// with its length and SHA-256. Data is left nil for a segment whose
// SHA-256 is stored[its name], which the caller keeps already. The engine
// must not be used meanwhile.
func (e *Engine) Segments(stored map[string][sha256.Size]byte) ([]Segment, error) {
	c := theCodec()
	if c.err != nil {
		return nil, c.err
	}
	w := &stateWriter{ptrs: make(map[ptrKey]ptrRef, len(e.refs)*2+len(e.allPosts)+64), importOf: map[int32]uint64{},
		buf: make([]byte, 0, 1<<20+1<<16)}
	for i, k := range c.known {
		w.ptrs[k] = ptrRef{knownSeg, uint64(i) + 1}
	}
	var out []Segment
	s := &segEncoder{w: w, emit: func(sg Segment) {
		if d, ok := stored[sg.Name]; ok && d == sg.Digest {
			sg.Data = nil
		}
		out = append(out, sg)
	}}
	s.segment(headSegment, func() {
		w.buf = append(w.buf, checkpointMagic...)
		w.bytes([]byte(c.format))
	})
	walkUnits(s, c.plan, "", unsafe.Pointer(e))
	if w.err != nil {
		return nil, fmt.Errorf("triage checkpoint: %w", w.err)
	}
	return out, nil
}

// segDecoder reads the state a segment at a time, from next.
type segDecoder struct {
	r     *stateReader
	in    *bufio.Reader
	next  func() (Segment, error)
	total int64 // the checkpoint's bytes, which bound any length read
	done  map[string][]unsafe.Pointer
	err   error
}

func (d *segDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// segment reads the next segment, which must be name, with f.
func (d *segDecoder) segment(name string, f func(r *stateReader)) {
	if d.err != nil {
		return
	}
	sg, err := d.next()
	switch {
	case errors.Is(err, io.EOF):
		d.fail(fmt.Errorf("%w: segment %q missing", errCorrupt, name))
		return
	case err != nil:
		d.fail(err)
		return
	case sg.Name != name:
		d.fail(fmt.Errorf("%w: segment %q where %q belongs", errCorrupt, sg.Name, name))
		return
	case int64(len(sg.Data)) != sg.Size || sha256.Sum256(sg.Data) != sg.Digest:
		d.fail(fmt.Errorf("%w: segment %q: %d bytes, digest mismatch", errCorrupt, name, len(sg.Data)))
		return
	}
	d.in.Reset(bytes.NewReader(sg.Data))
	r := &stateReader{in: d.in, left: sg.Size}
	d.r = r
	for n := r.count(r.uvarint(), 1); n > 0 && r.err == nil; n-- {
		imp, ok := d.done[string(r.bytes())]
		if !ok && r.err == nil {
			r.fail(fmt.Errorf("%w: segment %q imports one not read before it", errCorrupt, name))
		}
		r.imports = append(r.imports, imp)
	}
	if r.err == nil {
		f(r)
	}
	switch {
	case r.err != nil:
		d.fail(fmt.Errorf("segment %q: %w", name, r.err))
	case r.left != 0:
		d.fail(fmt.Errorf("%w: segment %q: %d bytes left over", errCorrupt, name, r.left))
	default:
		d.done[name] = r.ptrs
	}
}

// length reads a length of n items of at least min bytes each, which the
// checkpoint's size must be able to hold.
func (d *segDecoder) length(r *stateReader, n uint64, least int) int {
	if r.err == nil && (n > uint64(d.total)/uint64(max(least, 1)) || n > 1<<31-1) {
		r.fail(fmt.Errorf("%w: a length of %d in a checkpoint of %d bytes", errCorrupt, n, d.total))
		return 0
	}
	return int(n)
}

func (d *segDecoder) leaf(u *unit, name string, p unsafe.Pointer) {
	d.segment(name, func(r *stateReader) { u.c.dec(r, p) })
}

func (d *segDecoder) pointer(u *unit, name string, p unsafe.Pointer) (unsafe.Pointer, bool) {
	var q unsafe.Pointer
	follow := false
	d.segment(name, func(r *stateReader) { q, follow = r.ref(p, u.typ.Elem()) })
	return q, follow && d.err == nil
}

func (d *segDecoder) slice(u *unit, name string, p unsafe.Pointer) {
	size := u.typ.Elem().Size()
	least := u.c.minSize
	if u.c.raw {
		least = int(size)
	}
	n := 0
	d.segment(name, func(r *stateReader) {
		v := reflect.NewAt(u.typ, p).Elem()
		k := r.uvarint()
		if k == 0 {
			v.SetZero()
			return
		}
		n = d.length(r, k-1, least)
		v.Set(reflect.MakeSlice(u.typ, n, n))
	})
	if n == 0 || d.err != nil {
		return
	}
	data := reflect.NewAt(u.typ, p).Elem().UnsafePointer()
	for a := 0; a < n; a += u.per {
		b := min(a+u.per, n)
		d.segment(fmt.Sprintf("%s#%d", name, a/u.per), func(r *stateReader) {
			if u.c.raw {
				r.read(unsafe.Slice((*byte)(unsafe.Add(data, uintptr(a)*size)), uintptr(b-a)*size))
				return
			}
			for i := a; i < b && r.err == nil; i++ {
				u.c.dec(r, unsafe.Add(data, uintptr(i)*size))
			}
		})
	}
}

func (d *segDecoder) mapParts(u *unit, name string, p unsafe.Pointer) {
	var m reflect.Value
	n, parts := 0, 0
	entry := max(u.kc.minSize+u.vc.minSize, 1)
	d.segment(name, func(r *stateReader) {
		v := reflect.NewAt(u.typ, p).Elem()
		k := r.uvarint()
		if k == 0 {
			v.SetZero()
			return
		}
		n = d.length(r, k-1, entry)
		if got := r.uvarint(); r.err == nil && got != uint64(mapParts(n, u.typ.Key())) {
			r.fail(fmt.Errorf("%w: a map of %d entries in %d parts", errCorrupt, n, got))
		}
		parts = mapParts(n, u.typ.Key())
		m = reflect.MakeMapWithSize(u.typ, n)
		v.Set(m)
	})
	if parts == 0 || d.err != nil {
		return
	}
	for i := range parts {
		d.segment(fmt.Sprintf("%s%%%d/%d", name, i, parts), func(r *stateReader) {
			decodeEntries(r, m, d.length(r, r.uvarint(), entry), u.kc, u.vc)
		})
	}
	if d.err == nil && m.Len() != n {
		d.fail(fmt.Errorf("%w: map %q holds %d entries, its header says %d", errCorrupt, name, m.Len(), n))
	}
}

// RestoreSegments makes an engine with cfg from a checkpoint of total
// bytes whose segments next returns in order (io.EOF after the last),
// each with its bytes. A segment out of place, or whose bytes do not match
// its length and SHA-256, fails with an error saying so, a checkpoint of
// another format with ErrCheckpointFormat; either way nothing is kept,
// and the caller replays.
func RestoreSegments(cfg Config, total int64, next func() (Segment, error)) (e *Engine, err error) {
	c := theCodec()
	if c.err != nil {
		return nil, c.err
	}
	e, err = New(cfg)
	if err != nil {
		return nil, err
	}
	d := &segDecoder{in: bufio.NewReaderSize(nil, 64<<10), next: next, total: total, done: map[string][]unsafe.Pointer{}}
	known := make([]unsafe.Pointer, len(c.known))
	for i, k := range c.known {
		known[i] = k.p
	}
	d.done[""] = known
	defer func() {
		// Segments whose digests match cannot panic the decoder; a file's
		// (Restore) are checked only at its end.
		if p := recover(); p != nil {
			e, err = nil, fmt.Errorf("%w: %v", errCorrupt, p)
		}
	}()
	d.segment(headSegment, func(r *stateReader) {
		magic := make([]byte, len(checkpointMagic))
		r.read(magic)
		if r.err == nil && string(magic) != checkpointMagic {
			r.fail(fmt.Errorf("%w: not a triage checkpoint", errCorrupt))
			return
		}
		if format := r.bytes(); r.err == nil && string(format) != c.format {
			r.fail(fmt.Errorf("%w: %q, this engine's is %q", ErrCheckpointFormat, format, c.format))
		}
	})
	walkUnits(d, c.plan, "", unsafe.Pointer(e))
	if d.err != nil {
		return nil, d.err
	}
	switch sg, err := next(); {
	case err == nil:
		return nil, fmt.Errorf("%w: segment %q after the last", errCorrupt, sg.Name)
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	return e, nil
}
