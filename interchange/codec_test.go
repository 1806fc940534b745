package interchange

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// decodeAs decodes data as one struct of s, as the decoder does inside a
// record: a failure is a *bonafide.ValidationError and no value.
func decodeAs[T any](s *schema[T], data []byte) (*T, error) {
	v := new(T)
	if errs, _ := decodeJSON(data, func(d *decoder) { decodeObject(d, s, v) }); len(errs) > 0 {
		return nil, &bonafide.ValidationError{Errors: errs}
	}
	return v, nil
}

// encodeAs writes v as s, as inside a record.
func encodeAs[T any](s *schema[T], v *T) ([]byte, error) {
	w := writer{}
	encodeObject(&w, s, v)
	return w.result(nil)
}

// fullReferral is a referral with every field set and unknown members at
// every level.
const fullReferral = `{"type":"referral","id":"R-1","received_at":"2024-03-01T10:15:30.25+01:00","channel":"relay",` +
	`"relayed_from":{"agency":"Helpline","ref":"H-9","zz":1},"source_code":"1A",` +
	`"reporter":{"anonymous":true,"given_name":"Pat","family_name":"Example","phone":"01632 960000","email":"pat@example.org",` +
	`"address":{"line1":"1 Test Row","postcode":"ZZ9 9ZZ","uprn":"x"},"relationship":"neighbour","organisation":"Org","contact_ip":"192.0.2.1","device_id":"dev-1","channel_hint":["a"]},` +
	`"knowledge_basis":"first_hand",` +
	`"children":[{"given_name":"Ada","family_name":"Testchild","other_names":["Addy"],"dob":"2019-03","nhs_number":"9434765919","sex":"F","role":"child",` +
	`"social_handles":[{"platform":"example","handle":"@ada","verified":false}],"school":{"name":"X","years":[1,2,{"k":null}]}}],` +
	`"adults":[{"given_name":"Bo","role":"mother"}],"address":{"line1":"2 Test Row","town":"Testtown","postcode":"ZZ9 9ZY"},` +
	`"concerns":[{"category":"neglect","detail":"no food","severity":3}],"narrative":"line one\nline \"two\"","immediate_danger":true,` +
	`"a_first":[],"z_last":{"nested":{"deep":[true,false,null,-1.5e3]}}}`

func TestReferralJSONRoundTrip(t *testing.T) {
	rec, err := Unmarshal([]byte(fullReferral))
	if err != nil {
		t.Fatalf("Unmarshal(fullReferral) error = %v", err)
	}
	r := rec.(*bonafide.Referral)
	if got, want := string(r.Extra["z_last"]), `{"nested":{"deep":[true,false,null,-1.5e3]}}`; got != want {
		t.Errorf("Extra[z_last] = %s, want %s", got, want)
	}
	if got, want := string(r.Children[0].Extra["school"]), `{"name":"X","years":[1,2,{"k":null}]}`; got != want {
		t.Errorf("Children[0].Extra[school] = %s, want %s", got, want)
	}
	if got, want := string(r.Reporter.Address.Extra["uprn"]), `"x"`; got != want {
		t.Errorf("Reporter.Address.Extra[uprn] = %s, want %s", got, want)
	}
	if _, off := r.ReceivedAt.Zone(); off != 3600 {
		t.Errorf("ReceivedAt offset = %d, want 3600", off)
	}
	b, err := Append(nil, r)
	if err != nil {
		t.Fatalf("Append error = %v", err)
	}
	if string(b) != fullReferral {
		t.Errorf("Append =\n%s\nwant\n%s", b, fullReferral)
	}
	r2, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal(appended) error = %v", err)
	}
	if !reflect.DeepEqual(r, r2) {
		t.Errorf("decode(encode(r)) = %+v, want %+v", r2, r)
	}
}

func TestExtraOrderAndCompaction(t *testing.T) {
	in := "{\n  \"zeta\": [1, 2],\n  \"handle\": \"@x\",\n  \"alpha\": { \"b\" : \"a b\" },\n  \"platform\": \"p\"\n}"
	h, err := decodeAs(handleSchema, []byte(in))
	if err != nil {
		t.Fatalf("decode handle error = %v", err)
	}
	b, err := encodeAs(handleSchema, h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"platform":"p","handle":"@x","alpha":{"b":"a b"},"zeta":[1,2]}`
	if string(b) != want {
		t.Errorf("encode handle = %s, want %s", b, want)
	}
}

func TestMarshalSkipsExtraShadowingKnown(t *testing.T) {
	c := bonafide.Concern{Category: bonafide.ConcernNeglect, Extra: bonafide.Extra{"category": json.RawMessage(`"other"`), "x": json.RawMessage(`1`)}}
	b, err := encodeAs(concernSchema, &c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"category":"neglect","x":1}`; string(b) != want {
		t.Errorf("encode concern = %s, want %s", b, want)
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		rec  bonafide.Record
		want string
	}{
		{name: "bad extra", rec: &bonafide.Outcome{ReferralID: "r", Extra: bonafide.Extra{"x": json.RawMessage(`{`)}}, want: `extra member "x" is not valid JSON`},
		{name: "empty extra", rec: &bonafide.ForumPost{ID: "f", Extra: bonafide.Extra{"x": nil}}, want: `extra member "x" is not valid JSON`},
		{name: "year 10000", rec: &bonafide.PublicPost{ID: "p", PostedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, want: "posted_at: year 10000 outside 0 to 9999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := Append(dst, tt.rec)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Append(%s) error = %v, want %q", tt.name, err, tt.want)
			}
			if string(got) != "keep" {
				t.Errorf("Append(%s) on error = %q, want dst unchanged", tt.name, got)
			}
		})
	}
	if _, err := Append(nil, nil); err == nil {
		t.Error("Append(nil) error = nil, want an error")
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // FieldError.Error() of each, in order
		wantRec bool     // a partial record comes back with the error
	}{
		{name: "not an object", in: `[1]`, want: []string{"a record must be a JSON object, not an array"}},
		{name: "type missing", in: `{"id":"x"}`, want: []string{"type: missing"}},
		{name: "type null", in: `{"type":null}`, want: []string{"type: missing"}},
		{name: "type number", in: `{"type":7}`, want: []string{"type: must be a string, not a number"}},
		{name: "type unknown", in: `{"id":"x","type":"memo"}`, want: []string{`type: "memo" is not one of referral, public_post, forum_post, outcome`}},
		{name: "type twice", in: `{"type":"outcome","type":"referral"}`, want: []string{"type: given more than once"}, wantRec: true},
		{name: "member twice", in: `{"type":"outcome","note":"a","note":"b"}`, want: []string{"note: given more than once"}, wantRec: true},
		{name: "extra twice", in: `{"type":"outcome","x":1,"x":2}`, want: []string{"x: given more than once"}, wantRec: true},
		{name: "bad time", in: `{"type":"referral","received_at":"yesterday"}`, want: []string{`received_at: "yesterday" is not an RFC 3339 time`}, wantRec: true},
		{name: "time one-digit hour", in: `{"type":"outcome","decided_at":"2024-01-01T1:00:00Z"}`, want: []string{`decided_at: "2024-01-01T1:00:00Z" is not an RFC 3339 time`}, wantRec: true},
		{name: "time offset 24", in: `{"type":"outcome","decided_at":"2024-01-01T10:00:00+24:00"}`, want: []string{`decided_at: "2024-01-01T10:00:00+24:00" is not an RFC 3339 time`}, wantRec: true},
		{name: "time no zone", in: `{"type":"outcome","decided_at":"2024-01-01T10:00:00"}`, want: []string{`decided_at: "2024-01-01T10:00:00" is not an RFC 3339 time`}, wantRec: true},
		{name: "time feb 30", in: `{"type":"outcome","decided_at":"2024-02-30T10:00:00Z"}`, want: []string{`decided_at: "2024-02-30T10:00:00Z" is not an RFC 3339 time`}, wantRec: true},
		{name: "time a number", in: `{"type":"outcome","decided_at":1700000000}`, want: []string{"decided_at: must be a string, not a number"}, wantRec: true},
		{name: "bad dob", in: `{"type":"referral","children":[{},{"dob":"2019-13-01"}]}`, want: []string{`children[1].dob: "2019-13-01": month 13 out of range 01-12`}, wantRec: true},
		{name: "nested wrong types", in: `{"type":"referral","children":[{"other_names":["a",3],"social_handles":[{"handle":true}]}],"reporter":{"address":{"postcode":5}},"concerns":[1]}`,
			want: []string{
				"children[0].other_names[1]: must be a string, not a number",
				"children[0].social_handles[0].handle: must be a string, not a boolean",
				"reporter.address.postcode: must be a string, not a number",
				"concerns[0]: must be an object, not a number",
			}, wantRec: true},
		{name: "bool as string", in: `{"type":"referral","immediate_danger":"yes"}`, want: []string{"immediate_danger: must be true or false, not a string"}, wantRec: true},
		{name: "array as object", in: `{"type":"referral","relayed_from":["x"],"address":"here"}`, want: []string{"relayed_from: must be an object, not an array", "address: must be an object, not a string"}, wantRec: true},
		{name: "truncated", in: `{"type":"referral","id":"x"`, want: []string{"malformed JSON at byte 28: unexpected end of input"}},
		{name: "bad after type", in: `{"type":"referral","id":x}`, want: []string{`malformed JSON at byte 25: unexpected character 'x', want a value`}},
		{name: "trailing comma", in: `{"type":"outcome",}`, want: []string{`malformed JSON at byte 19: unexpected character '}', want a member name in double quotes`}},
		{name: "trailing data", in: `{"type":"outcome"} {}`, want: []string{`malformed JSON at byte 20: unexpected character '{' after the end of the record`}},
		{name: "bad escape", in: `{"type":"outcome","note":"a\qb"}`, want: []string{`malformed JSON at byte 28: invalid escape \q in string`}},
		{name: "control char", in: "{\"type\":\"outcome\",\"note\":\"a\tb\"}", want: []string{`malformed JSON at byte 28: control character 0x09 in string; escape it`}},
		{name: "bad number", in: `{"type":"outcome","x":01}`, want: []string{`malformed JSON at byte 24: unexpected character '1' after object member, want , or }`}},
		{name: "bad literal", in: `{"type":"outcome","x":nul}`, want: []string{`malformed JSON at byte 26: unexpected character '}' in literal null`}},
		{name: "syntax error hides field errors", in: `{"type":"referral","received_at":"no","id":`, want: []string{"malformed JSON at byte 44: unexpected end of input"}},
		{name: "too deep", in: `{"type":"outcome","x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, want: []string{"x: nested deeper than 32 levels (at byte 54)"}},
		{name: "too deep in a known member", in: `{"type":"referral","children":[{"social_handles":[{"x":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat("}", 40) + `}]}]}`,
			want: []string{"children[0].social_handles[0].x: nested deeper than 32 levels (at byte 191)"}},
		{name: "empty", in: ``, want: []string{"malformed JSON at byte 1: unexpected end of input"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := Unmarshal([]byte(tt.in))
			var ve *bonafide.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Unmarshal(%s) error = %v, want a *ValidationError", tt.in, err)
			}
			var got []string
			for _, fe := range ve.Errors {
				got = append(got, fe.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unmarshal(%s) errors =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
			if (rec != nil) != tt.wantRec {
				t.Errorf("Unmarshal(%s) record = %v, want a record %v", tt.in, rec, tt.wantRec)
			}
		})
	}
}

func TestUnmarshalTypeMismatch(t *testing.T) {
	o, err := decodeAs(outcomeSchema, []byte(`{"type":"referral","referral_id":"r"}`))
	if err == nil || err.Error() != `type: "referral", want "outcome"` || o != nil {
		t.Errorf("decode(outcome with type referral) = %v, %v, want type mismatch", o, err)
	}
	if o, err := decodeAs(outcomeSchema, []byte(`{"referral_id":"r"}`)); err != nil || o.ReferralID != "r" {
		t.Errorf("decode(no type) = %+v, %v, want referral_id r", o, err)
	}
}

func TestUnmarshalExactNames(t *testing.T) {
	a, err := decodeAs(addressSchema, []byte(`{"Town":"A","town":"B"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Town != "B" || string(a.Extra["Town"]) != `"A"` {
		t.Errorf("Unmarshal = %+v, want Town B and Extra[Town] \"A\"", a)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		name, in, want, out string
		err                 string // the field error, when the string is refused
	}{
		{name: "plain", in: `"abc"`, want: "abc", out: `"abc"`},
		{name: "escapes", in: `"a\"b\\c\/d\b\f\n\r\t"`, want: "a\"b\\c/d\b\f\n\r\t", out: `"a\"b\\c/d\u0008\u000c\n\r\t"`},
		{name: "unicode escape", in: `"\u00e9\u0041"`, want: "éA", out: `"éA"`},
		{name: "surrogate pair", in: `"\ud83d\ude00"`, want: "😀", out: `"😀"`},
		{name: "replacement character kept", in: `"\ufffd"`, want: "\ufffd", out: `"` + "\ufffd" + `"`},
		{name: "lone surrogate", in: `"\ud83dx"`, err: `given_name: holds a lone surrogate \ud83d, which is not a character`},
		{name: "lone low surrogate", in: `"\udc00"`, err: `given_name: holds a lone surrogate \udc00, which is not a character`},
		{name: "two high surrogates", in: `"\ud83d\ud83d"`, err: `given_name: holds a lone surrogate \ud83d, which is not a character`},
		{name: "surrogate at end", in: `"a\ud800"`, err: `given_name: holds a lone surrogate \ud800, which is not a character`},
		{name: "invalid utf8", in: "\"a\xffb\"", err: "given_name: is not valid UTF-8 (at byte 17 of the line)"},
		{name: "raw surrogate", in: "\"\xed\xa0\x80\"", err: "given_name: is not valid UTF-8 (at byte 16 of the line)"},
		{name: "overlong", in: "\"\xc0\xaf\"", err: "given_name: is not valid UTF-8 (at byte 16 of the line)"},
		{name: "invalid utf8 after escape", in: "\"\\n\xff\"", err: "given_name: is not valid UTF-8 (at byte 18 of the line)"},
		{name: "line separator", in: "\"a\u2028b\"", want: "a\u2028b", out: `"a\u2028b"`},
		{name: "html kept", in: `"<a&b>"`, want: "<a&b>", out: `"<a&b>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeAs(personSchema, []byte(`{"given_name":`+tt.in+`}`))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("decode(%q) = %+v, %v, want error %q", tt.in, p, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode(%s) error = %v", tt.in, err)
			}
			if p.GivenName != tt.want {
				t.Errorf("decode(%s) given_name = %q, want %q", tt.in, p.GivenName, tt.want)
			}
			b, err := encodeAs(personSchema, p)
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"given_name":` + tt.out + `}`; string(b) != want {
				t.Errorf("encode(%q) = %s, want %s", p.GivenName, b, want)
			}
		})
	}
}

func TestTimeKeepsOffset(t *testing.T) {
	tests := []struct {
		name, in, out string
		offset        int
	}{
		{name: "utc", in: "2024-06-01T12:00:00Z", out: "2024-06-01T12:00:00Z"},
		{name: "plus zero", in: "2024-06-01T12:00:00+00:00", out: "2024-06-01T12:00:00Z"},
		{name: "bst", in: "2024-06-01T13:00:00+01:00", out: "2024-06-01T13:00:00+01:00", offset: 3600},
		{name: "nanos", in: "2024-06-01T12:00:00.123456789-05:30", out: "2024-06-01T12:00:00.123456789-05:30", offset: -19800},
		{name: "trailing zeros", in: "2024-06-01T12:00:00.500Z", out: "2024-06-01T12:00:00.5Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := Unmarshal([]byte(`{"type":"outcome","decided_at":"` + tt.in + `"}`))
			if err != nil {
				t.Fatal(err)
			}
			o := rec.(*bonafide.Outcome)
			if _, off := o.DecidedAt.Zone(); off != tt.offset {
				t.Errorf("Unmarshal(%s) offset = %d, want %d", tt.in, off, tt.offset)
			}
			b, _ := Append(nil, o)
			if want := `{"type":"outcome","decided_at":"` + tt.out + `"}`; string(b) != want {
				t.Errorf("Append = %s, want %s", b, want)
			}
		})
	}
}

func TestNullIsAbsent(t *testing.T) {
	in := `{"type":"referral","id":"x","reporter":null,"children":null,"address":null,"narrative":null,"immediate_danger":null,"knowledge_basis":null}`
	rec, err := Unmarshal([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &bonafide.Referral{ID: "x"}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("Unmarshal(nulls) = %+v, want %+v", rec, want)
	}
}

func BenchmarkUnmarshalRecord(b *testing.B) {
	data := []byte(fullReferral)
	for b.Loop() {
		if _, err := Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	rec, err := Unmarshal([]byte(fullReferral))
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	for b.Loop() {
		if buf, err = Append(buf[:0], rec); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSpecialByte(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	for pos := 0; pos < 8; pos++ {
		for v := 0; v < 256; v++ {
			w := []byte("abcdefgh")
			w[pos] = byte(v)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(w[i])
			}
			if got := specialByte(x); got != special(byte(v)) {
				t.Errorf("specialByte(%q) = %v, want %v", w, got, special(byte(v)))
			}
		}
	}
}

func TestStringBoundaries(t *testing.T) {
	for n := 0; n < 24; n++ {
		for p := 0; p <= n; p++ {
			for _, sp := range []struct{ raw, want string }{{`\n`, "\n"}, {"é", "é"}, {`\"`, `"`}, {"\xff", ""}} {
				raw := strings.Repeat("a", p) + sp.raw + strings.Repeat("b", n-p)
				want := strings.Repeat("a", p) + sp.want + strings.Repeat("b", n-p)
				got, err := decodeAs(personSchema, []byte(`{"given_name":"`+raw+`","family_name":"x"}`))
				if sp.want == "" { // refused, at its place
					if err == nil || !strings.HasPrefix(err.Error(), "given_name: is not valid UTF-8") {
						t.Fatalf("decode(given_name %q) error = %v, want invalid UTF-8", raw, err)
					}
					continue
				}
				if err != nil || got.GivenName != want || got.FamilyName != "x" {
					t.Fatalf("decode(given_name %q) = %+v, %v; want %q", raw, got, err, want)
				}
			}
		}
	}
}

func TestQuickPartialDateAgrees(t *testing.T) {
	var inputs []string
	for _, y := range []string{"1799", "1800", "2019", "2020", "2100", "0000", "9999", "20a9"} {
		inputs = append(inputs, y)
		for m := -1; m <= 13; m++ {
			ms := fmt.Sprintf("%02d", m)
			inputs = append(inputs, y+"-"+ms, y+"/"+ms)
			for d := 0; d <= 32; d++ {
				inputs = append(inputs, fmt.Sprintf("%s-%s-%02d", y, ms, d), fmt.Sprintf("%s-%s/%02d", y, ms, d))
			}
		}
	}
	for _, in := range inputs {
		want, err := bonafide.ParsePartialDate(in)
		got, ok := quickPartialDate([]byte(in))
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("quickPartialDate(%q) = %+v, %v; ParsePartialDate = %+v, %v", in, got, ok, want, err)
		}
	}
}

func TestParseRFC3339AgreesWithTime(t *testing.T) {
	var inputs []string
	for _, date := range []string{"2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "0000-01-01", "9999-12-31"} {
		for _, clock := range []string{"00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"} {
			for _, frac := range []string{"", ".5", ".123456789", ".1234567891", "."} {
				for _, zone := range []string{"Z", "+00:00", "-00:00", "+01:00", "-05:30", "+23:59", "+24:00", "+01:60", "", "z"} {
					inputs = append(inputs, date+"T"+clock+frac+zone)
				}
			}
		}
	}
	for _, in := range inputs {
		got, err := parseRFC3339([]byte(in))
		want, werr := time.Parse(time.RFC3339Nano, in)
		if strings.HasSuffix(in, "+24:00") || strings.HasSuffix(in, "+01:60") {
			// time.Parse takes offsets out of range; RFC 3339 does not.
			if err == nil {
				t.Errorf("parseRFC3339(%q) = %v, want an error", in, got)
			}
			continue
		}
		if (err == nil) != (werr == nil) {
			t.Errorf("parseRFC3339(%q) error = %v, time.Parse error = %v", in, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		_, goff := got.Zone()
		_, woff := want.Zone()
		if !got.Equal(want) || goff != woff {
			t.Errorf("parseRFC3339(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestAppendPartialDate(t *testing.T) {
	for _, d := range []bonafide.PartialDate{{Year: 2019, Month: 3, Day: 7}, {Year: 2019, Month: 12, Day: 0}, {Year: 1800, Month: 0, Day: 0}, {Year: 9999, Month: 1, Day: 31}, {Year: 123, Month: 1, Day: 2}, {Year: -5, Month: 0, Day: 0}, {Year: 2019, Month: 123, Day: 0}, {Year: 12345, Month: 1, Day: 1}} {
		want := `"` + d.String() + `"`
		if got := string(appendPartialDate(nil, d)); got != want {
			t.Errorf("appendPartialDate(%+v) = %s, want %s", d, got, want)
		}
	}
}

// TestFind checks the member lookup of every schema: each name is found
// from every hint, and a name differing in any one byte, or one byte
// shorter or longer, is not, whatever follows it in the buffer.
func TestFind(t *testing.T) {
	check := func(t *testing.T, names []string, find func(key []byte, hint int) int) {
		for want, name := range names {
			for hint := 0; hint <= len(names); hint++ {
				line := []byte(`"` + name + `":"0123456789abcdef"`)
				if got := find(line[1:1+len(name)], hint); got != want {
					t.Errorf("find(%q, %d) = %d, want %d", name, hint, got, want)
				}
				alone := []byte(name)
				if got := find(alone[:len(name):len(name)], hint); got != want {
					t.Errorf("find(%q at the end of its buffer, %d) = %d, want %d", name, hint, got, want)
				}
			}
			near := []string{name[:len(name)-1], name + "s", name + "\x00"}
			for i := range name {
				b := []byte(name)
				b[i] ^= 0x20
				near = append(near, string(b))
			}
			for _, n := range near {
				if got := find([]byte(n), 0); got >= 0 && names[got] != n {
					t.Errorf("find(%q) = %d (%q), want not found", n, got, names[got])
				}
			}
		}
	}
	check(t, referralSchema.names, referralSchema.find)
	check(t, reporterSchema.names, reporterSchema.find)
	check(t, personSchema.names, personSchema.find)
	check(t, handleSchema.names, handleSchema.find)
	check(t, addressSchema.names, addressSchema.find)
	check(t, concernSchema.names, concernSchema.find)
	check(t, relaySchema.names, relaySchema.find)
	check(t, publicPostSchema.names, publicPostSchema.find)
	check(t, forumPostSchema.names, forumPostSchema.find)
	check(t, outcomeSchema.names, outcomeSchema.find)
}
