package interchange

import (
	"fmt"
	"sync"

	"bonafide"
)

// Unmarshal decodes one interchange record whose kind its "type" member
// names, checking its JSON form only: syntax, member types, dates and
// times, text (UTF-8 without lone surrogates) and the counts decoding
// enforces. It is what a store replaying its own records calls; anything
// from outside goes through [Decode] or a [Reader], which also validate.
//
// A failure is a *bonafide.ValidationError listing every problem found,
// with Line 0. When the JSON is well formed and its type known, the record
// is returned with the error, decoded as far as it could be, so that the
// caller can validate it too and report every fault at once; otherwise the
// record is nil.
func Unmarshal(data []byte) (bonafide.Record, error) {
	var rec bonafide.Record
	errs, fatal := decodeJSON(data, func(d *decoder) {
		d.quiet = true
		t, ok := d.recordType()
		d.quiet = false
		if !ok {
			return
		}
		d.i, d.depth = 0, 0
		d.ws()
		switch t {
		case bonafide.TypeReferral:
			r := new(bonafide.Referral)
			decodeObject(d, referralSchema, r)
			rec = r
		case bonafide.TypePublicPost:
			p := new(bonafide.PublicPost)
			decodeObject(d, publicPostSchema, p)
			rec = p
		case bonafide.TypeForumPost:
			p := new(bonafide.ForumPost)
			decodeObject(d, forumPostSchema, p)
			rec = p
		case bonafide.TypeOutcome:
			o := new(bonafide.Outcome)
			decodeObject(d, outcomeSchema, o)
			rec = o
		}
	})
	if fatal {
		rec = nil
	}
	if len(errs) > 0 {
		return rec, &bonafide.ValidationError{Errors: errs}
	}
	return rec, nil
}

// Append appends the one-line JSON form of rec, with its "type" first and
// the other known members in the order of the format, then its unknown
// members by name, to dst. It exists so that writers of many records can
// reuse one buffer. A referral's reporter is included; a store that seals
// it must leave it out first. It fails only for a record type it does not
// know, an Extra value that is not valid JSON, or a time outside years 0 to
// 9999, and then returns dst unchanged.
func Append(dst []byte, rec bonafide.Record) ([]byte, error) {
	w := writers.Get().(*writer)
	*w = writer{b: dst}
	b, err := w.record(rec)
	w.b = nil // the pool must not keep the caller's buffer
	writers.Put(w)
	return b, err
}

// writers keeps writers between calls of Append: a writer passes through
// the schema's function values, so it would otherwise be allocated on every
// call.
var writers = sync.Pool{New: func() any { return new(writer) }}

// record writes rec and returns w.b, or the original bytes and the error.
func (w *writer) record(rec bonafide.Record) ([]byte, error) {
	dst := w.b
	switch r := rec.(type) {
	case *bonafide.Referral:
		encodeObject(w, referralSchema, r)
	case *bonafide.PublicPost:
		encodeObject(w, publicPostSchema, r)
	case *bonafide.ForumPost:
		encodeObject(w, forumPostSchema, r)
	case *bonafide.Outcome:
		encodeObject(w, outcomeSchema, r)
	default:
		return dst, fmt.Errorf("append record: unknown record type %T", rec)
	}
	return w.result(dst)
}

// AppendReporter appends the JSON object of a reporter, unknown members
// included, as it appears in a referral. It is the one form in which the
// stores and the vault seal a reporter; the result must never be logged.
func AppendReporter(dst []byte, r *bonafide.Reporter) ([]byte, error) {
	w := writer{b: dst}
	encodeObject(&w, reporterSchema, r)
	return w.result(dst)
}

// UnmarshalReporter decodes what AppendReporter wrote. A failure is a
// *bonafide.ValidationError whose messages never quote the values.
func UnmarshalReporter(data []byte) (*bonafide.Reporter, error) {
	r := new(bonafide.Reporter)
	errs, _ := decodeJSON(data, func(d *decoder) { decodeObject(d, reporterSchema, r) })
	if len(errs) > 0 {
		return nil, &bonafide.ValidationError{Errors: errs}
	}
	return r, nil
}
