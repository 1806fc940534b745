package triage

import (
	"io"
	"reflect"
	"testing"
	"unsafe"
)

// CheckpointSizes logs the bytes each part of e's state takes.
func CheckpointSizes(t testing.TB, e *Engine) {
	b := &stateCodecs{codecs: map[reflect.Type]*stateCodec{}, named: map[reflect.Type]bool{}}
	et := reflect.TypeFor[Engine]()
	for i := range et.NumField() {
		f := et.Field(i)
		if engineSkip[f.Name] {
			continue
		}
		c := b.codec(f.Type, nil)
		w := &stateWriter{out: io.Discard, ptrs: map[ptrKey]uint64{}}
		c.enc(w, unsafe.Add(unsafe.Pointer(e), f.Offset))
		w.flush()
		t.Logf("%-10s %8d KB", f.Name, w.n/1000)
	}
	rt := reflect.TypeFor[refText]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		c := b.codec(f.Type, nil)
		w := &stateWriter{out: io.Discard, ptrs: map[ptrKey]uint64{}}
		for j := range e.refs {
			if e.refs[j].refText != &noText {
				c.enc(w, unsafe.Add(unsafe.Pointer(e.refs[j].refText), f.Offset))
			}
		}
		w.flush()
		t.Logf("refText.%-10s %8d KB", f.Name, w.n/1000)
	}
}
