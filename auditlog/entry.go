package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"bonafide"
)

// MaxFieldLen bounds each text field of an entry, so that the log cannot be
// used to store documents (or reporter data pasted into a reason).
const MaxFieldLen = 1024

// Entry is one audited event: who did what to which object, when and why.
// Entries must never carry reporter data: name the referral, not the
// reporter.
type Entry struct {
	// N is the entry's index in the log, from 0; Append sets it.
	N int64
	// Time is when the entry was appended (UTC); Append sets it.
	Time time.Time
	// Who is the principal: a user ID, "system", or a command such as
	// "cli:keys-rotate".
	Who string
	// What is the action, e.g. "referral.create", "reporter.open",
	// "keys.rotate".
	What string
	// Object is the ID of the thing acted on, e.g. a referral ID; empty for
	// actions on the whole system.
	Object string
	// Why is the reason given or the rule that caused the action.
	Why string
}

// entryJSON fixes the encoding and its member order: the record hash is
// over these exact bytes.
type entryJSON struct {
	N      int64  `json:"n"`
	Time   string `json:"time"`
	Who    string `json:"who"`
	What   string `json:"what"`
	Object string `json:"object,omitempty"`
	Why    string `json:"why"`
}

func (e Entry) validate() error {
	var fe []bonafide.FieldError
	for _, f := range []struct{ name, v string }{{"who", e.Who}, {"what", e.What}, {"object", e.Object}, {"why", e.Why}} {
		switch {
		case f.name != "object" && strings.TrimSpace(f.v) == "":
			fe = append(fe, bonafide.FieldError{Field: f.name, Reason: "required"})
		case len(f.v) > MaxFieldLen:
			fe = append(fe, bonafide.FieldError{Field: f.name, Reason: fmt.Sprintf("longer than %d bytes", MaxFieldLen)})
		case !utf8.ValidString(f.v):
			fe = append(fe, bonafide.FieldError{Field: f.name, Reason: "not UTF-8"})
		}
	}
	if len(fe) > 0 {
		return &bonafide.ValidationError{Errors: fe}
	}
	return nil
}

// MarshalEntry returns the canonical encoding of e: one JSON object with
// members n, time (RFC 3339, UTC), who, what, object (omitted when empty)
// and why, in that order, without a trailing newline. The log stores and
// hashes exactly these bytes.
func MarshalEntry(e Entry) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(entryJSON{
		N: e.N, Time: e.Time.UTC().Format(time.RFC3339Nano),
		Who: e.Who, What: e.What, Object: e.Object, Why: e.Why,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal entry: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var errNotCanonical = errors.New("not in canonical form")

// UnmarshalEntry parses an entry, accepting only the exact bytes
// MarshalEntry produces, so that any change to a stored entry is noticed
// even before its hash is checked.
func UnmarshalEntry(data []byte) (Entry, error) {
	var j entryJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Entry{}, fmt.Errorf("unmarshal entry: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, j.Time)
	if err != nil {
		return Entry{}, fmt.Errorf("unmarshal entry: time: %w", err)
	}
	e := Entry{N: j.N, Time: t, Who: j.Who, What: j.What, Object: j.Object, Why: j.Why}
	again, err := MarshalEntry(e)
	if err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(again, data) {
		return Entry{}, fmt.Errorf("unmarshal entry: %w", errNotCanonical)
	}
	return e, nil
}
