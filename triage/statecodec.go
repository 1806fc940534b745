package triage

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// The engine's state is written and read by reflection over its own
// types, every field (unexported ones too, by address), so that a field
// another change adds to the family or reporter linker is written without
// anyone remembering to: a hand-written encoder that forgot one would
// restore an engine that assesses differently from a replay. The layout of
// every type reached from Engine is digested into the checkpoint's
// format ([CheckpointFormat]); any change to it (a field added, removed,
// renamed, retyped or moved) gives another format, and a checkpoint of
// another format is not read: the caller replays instead.
//
// The encoding: integers as varints (signed ones zig-zag), floats as their
// IEEE bits, strings and byte runs with their length, slices and maps with
// their length plus one (zero for nil, which some code tells from empty),
// arrays and slices of fixed-size numbers as their memory (the format
// names the architecture), time.Time by its MarshalBinary. Pointers keep
// their identity: the first time one is met its target follows its new
// number; later it is written as that number, so that two fields sharing a
// post or a family still share it once read (a pointer into another
// value's memory, an element of a slice say, would be read back as a
// copy: the state holds none, and TestCheckpointRestore would show one
// that mattered). Function fields are not
// written: they are the engine's wiring, which New sets and reading keeps.
// Interfaces and channels are refused when the codec is built, so a state
// type the codec cannot write disables checkpoints rather than writing an
// incomplete one.

// stateCodec writes and reads one type's values, given their address.
type stateCodec struct {
	typ     reflect.Type
	enc     func(w *stateWriter, p unsafe.Pointer)
	dec     func(r *stateReader, p unsafe.Pointer)
	minSize int  // fewest bytes one value takes written (for length checks)
	raw     bool // a fixed-size number: its memory is its encoding
}

type ptrKey struct {
	p unsafe.Pointer
	t reflect.Type
}

type stateWriter struct {
	buf  []byte
	out  io.Writer
	err  error
	n    int64
	ptrs map[ptrKey]ptrRef
	// seg is the segment being written (see segments.go), local the
	// pointers made in it so far, imports the segments it refers to, by
	// first use, and names every segment's name by number.
	seg      int32
	local    uint64
	imports  []int32
	importOf map[int32]uint64
	names    []string
}

// ptrRef is where a pointer's target was written: the pointer made
// n-th (from 1) in segment seg (knownSeg for the pointers both sides
// know without writing them).
type ptrRef struct {
	seg int32
	n   uint64
}

const knownSeg = -1

// importIndex returns seg's number in the current segment's imports.
func (w *stateWriter) importIndex(seg int32) uint64 {
	if k, ok := w.importOf[seg]; ok {
		return k
	}
	k := uint64(len(w.imports))
	w.imports = append(w.imports, seg)
	w.importOf[seg] = k
	return k
}

func (w *stateWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.out.Write(w.buf)
	}
	w.n += int64(len(w.buf))
	w.buf = w.buf[:0]
}

func (w *stateWriter) grow() {
	if len(w.buf) >= 1<<20 {
		w.flush()
	}
}

func (w *stateWriter) uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }
func (w *stateWriter) varint(v int64)   { w.buf = binary.AppendVarint(w.buf, v) }
func (w *stateWriter) bytes(b []byte) {
	w.uvarint(uint64(len(b)))
	if len(b) > 1<<16 {
		w.flush()
		if w.err == nil {
			_, w.err = w.out.Write(b)
		}
		w.n += int64(len(b))
		return
	}
	w.buf = append(w.buf, b...)
	w.grow()
}

// errCorrupt is what a checkpoint that does not decode gives.
var errCorrupt = errors.New("triage checkpoint: corrupt")

// stateReader reads what stateWriter wrote, never allocating more than
// the bytes left could hold.
type stateReader struct {
	in   *bufio.Reader
	left int64 // bytes not yet read
	err  error
	ptrs []unsafe.Pointer // made in the current segment, by number - 1
	// imports are the pointers made in the segments the current one
	// refers to, by its import number.
	imports [][]unsafe.Pointer
}

func (r *stateReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *stateReader) ReadByte() (byte, error) {
	if r.left <= 0 {
		r.fail(fmt.Errorf("%w: truncated", errCorrupt))
		return 0, r.err
	}
	b, err := r.in.ReadByte()
	if err != nil {
		r.fail(fmt.Errorf("%w: truncated: %v", errCorrupt, err))
		return 0, r.err
	}
	r.left--
	return b, nil
}

func (r *stateReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r)
	if err != nil {
		r.fail(fmt.Errorf("%w: %v", errCorrupt, err))
	}
	return v
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(r)
	if err != nil {
		r.fail(fmt.Errorf("%w: %v", errCorrupt, err))
	}
	return v
}

// count reads a length of items of at least min bytes each and checks
// that the bytes left can hold them.
func (r *stateReader) count(n uint64, min int) int {
	if r.err != nil {
		return 0
	}
	limit := uint64(r.left)
	if min > 1 {
		limit /= uint64(min)
	} else if min == 0 {
		limit = 1 << 24
	}
	if n > limit || n > math.MaxInt32 {
		r.fail(fmt.Errorf("%w: a length of %d with %d bytes left", errCorrupt, n, r.left))
		return 0
	}
	return int(n)
}

func (r *stateReader) read(b []byte) {
	if r.err != nil {
		return
	}
	if int64(len(b)) > r.left {
		r.fail(fmt.Errorf("%w: truncated", errCorrupt))
		return
	}
	if _, err := io.ReadFull(r.in, b); err != nil {
		r.fail(fmt.Errorf("%w: truncated: %v", errCorrupt, err))
		return
	}
	r.left -= int64(len(b))
}

func (r *stateReader) bytes() []byte {
	n := r.count(r.uvarint(), 1)
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	r.read(b)
	return b
}

// stateCodecs builds codecs, one per type, and the description of every
// type they cover, which the format digests.
type stateCodecs struct {
	codecs map[reflect.Type]*stateCodec
	desc   strings.Builder
	named  map[reflect.Type]bool
	err    error
}

var timeType = reflect.TypeFor[time.Time]()

// describe writes t's layout to the description, once per named type.
func (b *stateCodecs) describe(t reflect.Type, skip map[string]bool) {
	if t.Name() != "" {
		fmt.Fprintf(&b.desc, "%s.%s", t.PkgPath(), t.Name())
		if b.named[t] {
			return
		}
		b.named[t] = true
		b.desc.WriteString("=")
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == timeType {
			b.desc.WriteString("time")
			return
		}
		fmt.Fprintf(&b.desc, "struct{")
		for i := range t.NumField() {
			f := t.Field(i)
			if skipped(f, skip) {
				continue
			}
			fmt.Fprintf(&b.desc, "%s@%d ", f.Name, f.Offset)
			b.describe(f.Type, nil)
			b.desc.WriteString(";")
		}
		b.desc.WriteString("}")
	case reflect.Pointer:
		b.desc.WriteString("*")
		b.describe(t.Elem(), nil)
	case reflect.Slice:
		b.desc.WriteString("[]")
		b.describe(t.Elem(), nil)
	case reflect.Array:
		fmt.Fprintf(&b.desc, "[%d]", t.Len())
		b.describe(t.Elem(), nil)
	case reflect.Map:
		b.desc.WriteString("map[")
		b.describe(t.Key(), nil)
		b.desc.WriteString("]")
		b.describe(t.Elem(), nil)
	default:
		b.desc.WriteString(t.Kind().String())
	}
}

// skipped reports whether field f is left out of checkpoints: named in
// skip, or tagged `checkpoint:"-"` (working memory, such as the family
// linker's candidates of one referral).
func skipped(f reflect.StructField, skip map[string]bool) bool {
	return skip[f.Name] || f.Tag.Get("checkpoint") == "-"
}

func (b *stateCodecs) refuse(t reflect.Type) {
	if b.err == nil {
		b.err = fmt.Errorf("triage checkpoint: the engine's state holds a %s (%s), which a checkpoint cannot hold", t.Kind(), t)
	}
}

// codec returns t's codec. skip names fields of t (a struct) left out.
func (b *stateCodecs) codec(t reflect.Type, skip map[string]bool) *stateCodec {
	if c, ok := b.codecs[t]; ok && skip == nil {
		return c
	}
	c := &stateCodec{typ: t}
	if skip == nil {
		b.codecs[t] = c // before the fields, for recursive types
	}
	switch t.Kind() {
	case reflect.Bool:
		c.minSize = 1
		c.enc = func(w *stateWriter, p unsafe.Pointer) {
			if *(*bool)(p) {
				w.buf = append(w.buf, 1)
			} else {
				w.buf = append(w.buf, 0)
			}
		}
		c.dec = func(r *stateReader, p unsafe.Pointer) {
			v, _ := r.ReadByte()
			if v > 1 {
				r.fail(fmt.Errorf("%w: bool %d", errCorrupt, v))
			}
			*(*bool)(p) = v == 1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.intCodec(c, t)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.uintCodec(c, t)
	case reflect.Float32:
		c.minSize, c.raw = 4, true
		c.enc = func(w *stateWriter, p unsafe.Pointer) {
			w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(*(*float32)(p)))
		}
		c.dec = func(r *stateReader, p unsafe.Pointer) {
			var b [4]byte
			r.read(b[:])
			*(*float32)(p) = math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
		}
	case reflect.Float64:
		c.minSize, c.raw = 8, true
		c.enc = func(w *stateWriter, p unsafe.Pointer) {
			w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(*(*float64)(p)))
		}
		c.dec = func(r *stateReader, p unsafe.Pointer) {
			var b [8]byte
			r.read(b[:])
			*(*float64)(p) = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
		}
	case reflect.String:
		c.minSize = 1
		c.enc = func(w *stateWriter, p unsafe.Pointer) {
			s := *(*string)(p)
			w.bytes(unsafe.Slice(unsafe.StringData(s), len(s)))
		}
		c.dec = func(r *stateReader, p unsafe.Pointer) {
			*(*string)(p) = string(r.bytes())
		}
	case reflect.Struct:
		if t == timeType {
			b.timeCodec(c)
			break
		}
		b.structCodec(c, t, skip)
	case reflect.Array:
		b.arrayCodec(c, t)
	case reflect.Slice:
		b.sliceCodec(c, t)
	case reflect.Map:
		b.mapCodec(c, t)
	case reflect.Pointer:
		b.pointerCodec(c, t)
	case reflect.Func:
		// the engine's wiring: not written, kept as New set it
		c.enc = func(*stateWriter, unsafe.Pointer) {}
		c.dec = func(*stateReader, unsafe.Pointer) {}
	default:
		b.refuse(t)
		c.enc = func(*stateWriter, unsafe.Pointer) {}
		c.dec = func(*stateReader, unsafe.Pointer) {}
	}
	return c
}

func (b *stateCodecs) intCodec(c *stateCodec, t reflect.Type) {
	c.minSize = 1
	switch t.Size() {
	case 1:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.varint(int64(*(*int8)(p))) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*int8)(p) = int8(r.varint()) }
	case 2:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.varint(int64(*(*int16)(p))) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*int16)(p) = int16(r.varint()) }
	case 4:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.varint(int64(*(*int32)(p))) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*int32)(p) = int32(r.varint()) }
	default:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.varint(*(*int64)(p)) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*int64)(p) = r.varint() }
	}
}

func (b *stateCodecs) uintCodec(c *stateCodec, t reflect.Type) {
	c.minSize = 1
	switch t.Size() {
	case 1:
		c.minSize, c.raw = 1, true
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.buf = append(w.buf, *(*uint8)(p)) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*uint8)(p), _ = r.ReadByte() }
	case 2:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.uvarint(uint64(*(*uint16)(p))) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*uint16)(p) = uint16(r.uvarint()) }
	case 4:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.uvarint(uint64(*(*uint32)(p))) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*uint32)(p) = uint32(r.uvarint()) }
	default:
		c.enc = func(w *stateWriter, p unsafe.Pointer) { w.uvarint(*(*uint64)(p)) }
		c.dec = func(r *stateReader, p unsafe.Pointer) { *(*uint64)(p) = r.uvarint() }
	}
}

// timeCodec writes a time.Time by MarshalBinary, which keeps its instant
// and its offset (UTC stays UTC).
func (b *stateCodecs) timeCodec(c *stateCodec) {
	c.minSize = 1
	c.enc = func(w *stateWriter, p unsafe.Pointer) {
		bs, err := (*(*time.Time)(p)).MarshalBinary()
		if err != nil && w.err == nil {
			w.err = fmt.Errorf("triage checkpoint: %w", err)
		}
		w.bytes(bs)
	}
	c.dec = func(r *stateReader, p unsafe.Pointer) {
		bs := r.bytes()
		if r.err != nil {
			return
		}
		if err := (*time.Time)(p).UnmarshalBinary(bs); err != nil {
			r.fail(fmt.Errorf("%w: time: %v", errCorrupt, err))
		}
	}
}

func (b *stateCodecs) structCodec(c *stateCodec, t reflect.Type, skip map[string]bool) {
	type field struct {
		off uintptr
		c   *stateCodec
	}
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		if skipped(f, skip) {
			continue
		}
		fc := b.codec(f.Type, nil)
		fields = append(fields, field{f.Offset, fc})
	}
	// minSize is read lazily: a recursive type's fields may not be done.
	c.enc = func(w *stateWriter, p unsafe.Pointer) {
		for _, f := range fields {
			f.c.enc(w, unsafe.Add(p, f.off))
		}
	}
	c.dec = func(r *stateReader, p unsafe.Pointer) {
		for _, f := range fields {
			if r.err != nil {
				return
			}
			f.c.dec(r, unsafe.Add(p, f.off))
		}
	}
	for _, f := range fields {
		c.minSize += f.c.minSize
	}
}

func (b *stateCodecs) arrayCodec(c *stateCodec, t reflect.Type) {
	ec := b.codec(t.Elem(), nil)
	n, size := t.Len(), t.Elem().Size()
	c.minSize = n * ec.minSize
	if ec.raw {
		c.raw = true
		total := int(t.Size())
		c.enc = func(w *stateWriter, p unsafe.Pointer) {
			w.buf = append(w.buf, unsafe.Slice((*byte)(p), total)...)
			w.grow()
		}
		c.dec = func(r *stateReader, p unsafe.Pointer) { r.read(unsafe.Slice((*byte)(p), total)) }
		return
	}
	c.enc = func(w *stateWriter, p unsafe.Pointer) {
		for i := range n {
			ec.enc(w, unsafe.Add(p, uintptr(i)*size))
		}
	}
	c.dec = func(r *stateReader, p unsafe.Pointer) {
		for i := 0; i < n && r.err == nil; i++ {
			ec.dec(r, unsafe.Add(p, uintptr(i)*size))
		}
	}
}

func (b *stateCodecs) sliceCodec(c *stateCodec, t reflect.Type) {
	ec := b.codec(t.Elem(), nil)
	size := t.Elem().Size()
	c.minSize = 1
	c.enc = func(w *stateWriter, p unsafe.Pointer) {
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			w.uvarint(0)
			return
		}
		n := v.Len()
		w.uvarint(uint64(n) + 1)
		data := v.UnsafePointer()
		if ec.raw {
			w.rawRun(unsafe.Slice((*byte)(data), uintptr(n)*size))
			return
		}
		for i := range n {
			ec.enc(w, unsafe.Add(data, uintptr(i)*size))
			w.grow()
		}
	}
	c.dec = func(r *stateReader, p unsafe.Pointer) {
		n := r.uvarint()
		if n == 0 || r.err != nil {
			reflect.NewAt(t, p).Elem().SetZero() // nil
			return
		}
		min := ec.minSize
		if ec.raw {
			min = int(size)
		}
		k := r.count(n-1, min)
		if r.err != nil {
			return
		}
		v := reflect.NewAt(t, p).Elem()
		v.Set(reflect.MakeSlice(t, k, k))
		if k == 0 {
			return
		}
		data := v.UnsafePointer()
		if ec.raw {
			r.read(unsafe.Slice((*byte)(data), uintptr(k)*size))
			return
		}
		for i := 0; i < k && r.err == nil; i++ {
			ec.dec(r, unsafe.Add(data, uintptr(i)*size))
		}
	}
}

// rawRun appends memory as it is (its length is known to the reader).
func (w *stateWriter) rawRun(b []byte) {
	if len(b) > 1<<16 {
		w.flush()
		if w.err == nil {
			_, w.err = w.out.Write(b)
		}
		w.n += int64(len(b))
		return
	}
	w.buf = append(w.buf, b...)
	w.grow()
}

// sortedKeys returns map v's keys in order when their kind has one
// (strings, integers, booleans), so that a map is written the same way
// each time its contents are the same, as an unchanged segment must be
// (segments.go); other keys in the map's own order.
func sortedKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	switch v.Type().Key().Kind() {
	case reflect.String:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Int(), b.Int()) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Uint(), b.Uint()) })
	case reflect.Bool:
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if a.Bool() == b.Bool() {
				return 0
			} else if b.Bool() {
				return -1
			}
			return 1
		})
	}
	return keys
}

// encodeEntries writes the entries of map v under keys, in their order.
func encodeEntries(w *stateWriter, v reflect.Value, keys []reflect.Value, kc, vc *stateCodec) {
	t := v.Type()
	k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
	kp, ep := k.Addr().UnsafePointer(), e.Addr().UnsafePointer()
	for _, key := range keys {
		k.Set(key)
		e.Set(v.MapIndex(key))
		kc.enc(w, kp)
		vc.enc(w, ep)
		w.grow()
	}
}

func (b *stateCodecs) mapCodec(c *stateCodec, t reflect.Type) {
	kc, vc := b.codec(t.Key(), nil), b.codec(t.Elem(), nil)
	c.minSize = 1
	c.enc = func(w *stateWriter, p unsafe.Pointer) {
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			w.uvarint(0)
			return
		}
		w.uvarint(uint64(v.Len()) + 1)
		encodeEntries(w, v, sortedKeys(v), kc, vc)
	}
	c.dec = func(r *stateReader, p unsafe.Pointer) {
		n := r.uvarint()
		if n == 0 || r.err != nil {
			reflect.NewAt(t, p).Elem().SetZero() // nil
			return
		}
		k := r.count(n-1, max(kc.minSize+vc.minSize, 1))
		if r.err != nil {
			return
		}
		m := reflect.MakeMapWithSize(t, k)
		reflect.NewAt(t, p).Elem().Set(m)
		decodeEntries(r, m, k, kc, vc)
		if r.err == nil && m.Len() != k {
			r.fail(fmt.Errorf("%w: a map with a repeated key", errCorrupt))
		}
	}
}

// decodeEntries reads n entries into map m.
func decodeEntries(r *stateReader, m reflect.Value, n int, kc, vc *stateCodec) {
	t := m.Type()
	key, elem := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
	kp, ep := key.Addr().UnsafePointer(), elem.Addr().UnsafePointer()
	zero := reflect.Zero(t.Elem())
	for i := 0; i < n && r.err == nil; i++ {
		elem.Set(zero)
		kc.dec(r, kp)
		vc.dec(r, ep)
		m.SetMapIndex(key, elem)
	}
}

// pointerCodec writes a pointer's number (stateWriter.ref), followed by
// what it points to the first time it is met.
func (b *stateCodecs) pointerCodec(c *stateCodec, t reflect.Type) {
	elem := t.Elem()
	var ec *stateCodec
	c.minSize = 1
	get := func() *stateCodec {
		if ec == nil {
			ec = b.codecs[elem]
		}
		return ec
	}
	b.codec(elem, nil)
	c.enc = func(w *stateWriter, p unsafe.Pointer) {
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			w.uvarint(0)
			return
		}
		if w.ref(ptrKey{q, elem}) {
			return
		}
		get().enc(w, q)
	}
	c.dec = func(r *stateReader, p unsafe.Pointer) {
		if q, ok := r.ref(p, elem); ok {
			get().dec(r, q)
		}
	}
}

// ref writes the number of pointer key: 0 for nil, twice its number in
// the current segment, or one more than twice its import's number followed
// by its number there. It reports whether the target was written before;
// if not, the pointer is numbered now and its target must follow.
func (w *stateWriter) ref(key ptrKey) bool {
	if r, ok := w.ptrs[key]; ok {
		if r.seg == w.seg {
			w.uvarint(r.n << 1)
		} else {
			w.uvarint(w.importIndex(r.seg)<<1 | 1)
			w.uvarint(r.n)
		}
		return true
	}
	w.local++
	w.ptrs[key] = ptrRef{w.seg, w.local}
	w.uvarint(w.local << 1)
	return false
}

// ref reads what stateWriter.ref wrote into the pointer at p (to a value
// of type elem) and reports whether the target follows, to be read into
// the pointer returned: a pointer the engine made before reading (by New)
// is read into, not replaced, so that its wiring stays.
func (r *stateReader) ref(p unsafe.Pointer, elem reflect.Type) (unsafe.Pointer, bool) {
	v := r.uvarint()
	if v == 0 || r.err != nil {
		*(*unsafe.Pointer)(p) = nil
		return nil, false
	}
	if v&1 == 1 {
		k, n := v>>1, r.uvarint()
		if r.err != nil {
			return nil, false
		}
		if k >= uint64(len(r.imports)) || n == 0 || n > uint64(len(r.imports[k])) {
			r.fail(fmt.Errorf("%w: pointer %d of import %d out of range", errCorrupt, n, k))
			return nil, false
		}
		*(*unsafe.Pointer)(p) = r.imports[k][n-1]
		return nil, false
	}
	id := v >> 1
	switch {
	case id <= uint64(len(r.ptrs)):
		*(*unsafe.Pointer)(p) = r.ptrs[id-1]
		return nil, false
	case id == uint64(len(r.ptrs))+1:
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			q = reflect.New(elem).UnsafePointer()
		}
		r.ptrs = append(r.ptrs, q)
		*(*unsafe.Pointer)(p) = q
		return q, true
	default:
		r.fail(fmt.Errorf("%w: pointer %d out of order (%d made)", errCorrupt, id, len(r.ptrs)))
		return nil, false
	}
}

// engineCodec is the codec of the engine's state: every field of Engine
// but its settings and calendar, which New makes from the configuration,
// and its scratch (working memory of one referral, empty between them),
// cut into segments by plan (segments.go).
type engineCodec struct {
	plan   *unit
	format string
	err    error
	// known are pointers both sides know without writing them: the
	// shared empty text.
	known []ptrKey
}

var engineSkip = map[string]bool{"cfg": true, "cal": true, "scratch": true}

// checkpointVersion is bumped when the encoding itself changes (2: cut
// into segments).
const checkpointVersion = 2

func newEngineCodec() *engineCodec {
	b := &stateCodecs{codecs: map[reflect.Type]*stateCodec{}, named: map[reflect.Type]bool{}}
	t := reflect.TypeFor[Engine]()
	b.codec(t, engineSkip)
	b.describe(t, engineSkip)
	plan := &unit{kind: structUnit, typ: t, kids: b.planFields(t, engineSkip, 0, map[reflect.Type]bool{})}
	sum := sha256.Sum256(fmt.Appendf(nil, "v%d %s/%s segments %d/%d/%d/%d %s", checkpointVersion, runtime.GOARCH, runtime.Version(),
		rangeLen, rawRangeLen, mapPart, maxUnitDepth, b.desc.String()))
	return &engineCodec{plan: plan, err: b.err, format: fmt.Sprintf("triage-state/%d:%s", checkpointVersion, hex.EncodeToString(sum[:8])),
		known: []ptrKey{{unsafe.Pointer(&noText), reflect.TypeFor[refText]()}}}
}
