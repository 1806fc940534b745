package interchange

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"bonafide"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func readAll(t *testing.T, data []byte) []bonafide.Record {
	t.Helper()
	var recs []bonafide.Record
	for rec, err := range NewReader(bytes.NewReader(data)).All() {
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		recs = append(recs, rec)
	}
	return recs
}

func TestRoundTrip(t *testing.T) {
	in, err := os.ReadFile("testdata/roundtrip.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, in)
	if len(recs) != 5 {
		t.Fatalf("read %d records, want 5", len(recs))
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	golden(t, "roundtrip.golden", out.Bytes())

	again := readAll(t, out.Bytes())
	if !reflect.DeepEqual(again, recs) {
		t.Errorf("decode(encode(records)) differs:\ngot  %+v\nwant %+v", again, recs)
	}
	// Unknown members at every level survive.
	r := recs[0].(*bonafide.Referral)
	for _, c := range []struct{ name, got, want string }{
		{"referral", string(r.Extra["zz_unknown"]), `{"a":[true,false,null,-1.5e3]}`},
		{"relayed_from", string(r.RelayedFrom.Extra["desk"]), `{"floor":2}`},
		{"reporter", string(r.Reporter.Extra["withheld_number"]), `true`},
		{"child", string(r.Children[0].Extra["school"]), `{"name":"Test Primary","years":[1,2]}`},
		{"handle", string(r.Children[0].SocialHandles[0].Extra["followers"]), `[1,{"x":null}]`},
		{"address", string(r.Address.Extra["uprn"]), `100`},
		{"concern", string(r.Concerns[0].Extra["severity"]), `3`},
		{"reporter address", string(recs[1].(*bonafide.Referral).Reporter.Address.Extra["flat"]), `"B"`},
		{"outcome", string(recs[4].(*bonafide.Outcome).Extra["by"]), `{"team":"MASH"}`},
	} {
		if c.got != c.want {
			t.Errorf("%s Extra = %s, want %s", c.name, c.got, c.want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	const good = `{"type":"referral","id":"R","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[{"given_name":"A"}]}`
	tests := []struct {
		name string
		in   string // the second line of the input; the first is good
		want []string
	}{
		{name: "bad dob", in: `{"type":"referral","id":"R2","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[{"dob":"2019-13-01"}]}`,
			want: []string{`line 2: children[0].dob: "2019-13-01": month 13 out of range 01-12`}},
		{name: "bad channel", in: `{"type":"referral","id":"R2","received_at":"2024-01-01T00:00:00Z","channel":"fax","children":[{}]}`,
			want: []string{`line 2: channel: "fax" is not one of phone, web_form, email, letter, in_person, relay`}},
		{name: "malformed", in: `{"type":"referral","id":"R2","channel":phone}`,
			want: []string{`line 2: malformed JSON at byte 40: unexpected character 'p', want a value`}},
		{name: "type missing", in: `{"id":"R2"}`, want: []string{`line 2: type: missing`}},
		{name: "type unknown", in: `{"type":"memo"}`, want: []string{`line 2: type: "memo" is not one of referral, public_post, forum_post, outcome`}},
		{name: "bad time", in: `{"type":"referral","id":"R2","received_at":"yesterday","channel":"phone","children":[{}]}`,
			want: []string{`line 2: received_at: "yesterday" is not an RFC 3339 time`}},
		{name: "every error", in: `{"type":"referral","received_at":"yesterday","channel":"fax","children":[{"dob":"2019-02-30","nhs_number":"12x"}],"concerns":[{"category":"noise","detail":7}],"immediate_danger":"yes"}`,
			want: []string{
				`line 2: received_at: "yesterday" is not an RFC 3339 time`,
				`line 2: children[0].dob: "2019-02-30": day 30 does not exist in that month`,
				`line 2: concerns[0].detail: must be a string, not a number`,
				`line 2: immediate_danger: must be true or false, not a string`,
				`line 2: id: missing`,
				`line 2: channel: "fax" is not one of phone, web_form, email, letter, in_person, relay`,
				`line 2: children[0].nhs_number: may hold only digits, spaces and hyphens`,
				`line 2: concerns[0].category: "noise" is not one of neglect, physical_abuse, emotional_abuse, sexual_abuse, domestic_abuse, substance_misuse, online_safety, other`,
			}},
		{name: "wrong types nested", in: `{"type":"referral","id":"R2","received_at":"2024-01-01T00:00:00Z","channel":"relay","relayed_from":{"agency":1},"children":[{"social_handles":[{"handle":["x"]}]}]}`,
			want: []string{
				`line 2: relayed_from.agency: must be a string, not a number`,
				`line 2: children[0].social_handles[0].handle: must be a string, not an array`,
			}},
		{name: "not an object", in: `"referral"`, want: []string{`line 2: a record must be a JSON object, not a string`}},
		{name: "outcome required", in: `{"type":"outcome","decision":"maybe"}`, want: []string{
			`line 2: referral_id: missing`, `line 2: decided_at: missing`,
			`line 2: decision: "maybe" is not one of no_further_action, early_help, assessment, section_47, police_referral`}},
		{name: "post required", in: `{"type":"public_post","posted_at":"2024-01-01"}`, want: []string{
			`line 2: posted_at: "2024-01-01" is not an RFC 3339 time`, `line 2: id: missing`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(good + "\n" + tt.in + "\n" + good + "\n"))
			if _, err := rd.Read(); err != nil {
				t.Fatalf("Read() line 1 error = %v", err)
			}
			rec, err := rd.Read()
			var ve *bonafide.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Read(%s) = %v, %v, want a *ValidationError", tt.in, rec, err)
			}
			if rec != nil {
				t.Errorf("Read(%s) record = %v, want nil with an error", tt.in, rec)
			}
			var got []string
			for _, fe := range ve.Errors {
				got = append(got, fe.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%s) errors =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
			if rd.Line() != 2 {
				t.Errorf("Line() after the bad line = %d, want 2", rd.Line())
			}
			if bonafide.ErrorCode(err) != bonafide.EInvalid {
				t.Errorf("ErrorCode = %q, want %q", bonafide.ErrorCode(err), bonafide.EInvalid)
			}
			if _, err := rd.Read(); err != nil || rd.Line() != 3 {
				t.Errorf("Read() after the bad line = %v at line %d, want the record of line 3", err, rd.Line())
			}
			if _, err := rd.Read(); err != io.EOF {
				t.Errorf("Read() at end = %v, want io.EOF", err)
			}
		})
	}
}

func TestReaderLines(t *testing.T) {
	const rec = `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z"}`
	tests := []struct {
		name      string
		in        string
		wantLines []int
	}{
		{name: "plain", in: rec + "\n" + rec + "\n", wantLines: []int{1, 2}},
		{name: "no final newline", in: rec + "\n" + rec, wantLines: []int{1, 2}},
		{name: "blank lines", in: "\n" + rec + "\n  \t\n\n" + rec + "\n\n", wantLines: []int{2, 5}},
		{name: "crlf", in: rec + "\r\n" + rec + "\r\n", wantLines: []int{1, 2}},
		{name: "bom", in: "\xef\xbb\xbf" + rec + "\n", wantLines: []int{1}},
		{name: "empty", in: "", wantLines: nil},
		{name: "only blank", in: "\n\r\n", wantLines: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := NewReader(iotest.OneByteReader(strings.NewReader(tt.in)))
			var lines []int
			for {
				_, err := rd.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Read() error = %v", err)
				}
				lines = append(lines, rd.Line())
			}
			if !reflect.DeepEqual(lines, tt.wantLines) {
				t.Errorf("Line() of each record = %v, want %v", lines, tt.wantLines)
			}
		})
	}
}

func TestLineTooLong(t *testing.T) {
	const rec = `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z"}`
	pad := func(n int) string { // a valid record line of exactly n bytes, padded with white space
		return rec[:len(rec)-1] + strings.Repeat(" ", n-len(rec)) + "}"
	}
	tests := []struct {
		name   string
		line   string
		tooBig bool
	}{
		{name: "at limit", line: pad(MaxLineBytes)},
		{name: "at limit crlf", line: pad(MaxLineBytes) + "\r"},
		{name: "one over", line: pad(MaxLineBytes + 1), tooBig: true},
		{name: "far over", line: pad(3 * MaxLineBytes), tooBig: true},
	}
	for _, tt := range tests {
		for _, last := range []bool{false, true} {
			in := rec + "\n" + tt.line + "\n" + rec + "\n"
			if last {
				in = rec + "\n" + tt.line // no newline, nothing after
			}
			rd := NewReader(strings.NewReader(in))
			if _, err := rd.Read(); err != nil {
				t.Fatalf("%s: Read() line 1 error = %v", tt.name, err)
			}
			_, err := rd.Read()
			if !tt.tooBig {
				if err != nil {
					t.Errorf("%s: Read() of a line at the limit error = %v, want nil", tt.name, err)
				}
			} else {
				if code := bonafide.ErrorCode(err); code != bonafide.ETooLarge {
					t.Errorf("%s: ErrorCode(Read()) = %q (%v), want %q", tt.name, code, err, bonafide.ETooLarge)
				}
				var ve *bonafide.ValidationError
				if !errors.As(err, &ve) || ve.Errors[0].Line != 2 {
					t.Errorf("%s: Read() = %v, want also a *ValidationError for line 2", tt.name, err)
				}
				if want := "line 2: longer than 1048576 bytes"; err == nil || err.Error() != want {
					t.Errorf("%s: Read() error = %v, want %q", tt.name, err, want)
				}
			}
			if rd.Line() != 2 {
				t.Errorf("%s: Line() = %d, want 2", tt.name, rd.Line())
			}
			_, err = rd.Read()
			switch {
			case last && err != io.EOF:
				t.Errorf("%s (last line): Read() after = %v, want io.EOF", tt.name, err)
			case !last && (err != nil || rd.Line() != 3):
				t.Errorf("%s: Read() after = %v at line %d, want line 3", tt.name, err, rd.Line())
			}
		}
	}
}

type failReader struct{ err error }

func (f failReader) Read([]byte) (int, error) { return 0, f.err }

func TestReadIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	const rec = `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z"}` + "\n"
	rd := NewReader(io.MultiReader(strings.NewReader(rec), failReader{boom}))
	if _, err := rd.Read(); err != nil {
		t.Fatalf("Read() = %v, want the first record", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := rd.Read(); err != boom {
			t.Errorf("Read() #%d = %v, want %v as is", i+2, err, boom)
		}
	}
}

func TestAllStopsAtFirstError(t *testing.T) {
	const rec = `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z"}`
	in := rec + "\n" + rec + "\n{bad\n" + rec + "\n"
	var n int
	var gotErr error
	for r, err := range NewReader(strings.NewReader(in)).All() {
		if err != nil {
			gotErr = err
			if r != nil {
				t.Errorf("All() yielded record %v with error", r)
			}
			continue
		}
		n++
	}
	if n != 2 || gotErr == nil || !strings.HasPrefix(gotErr.Error(), "line 3: malformed JSON") {
		t.Errorf("All() = %d records then %v, want 2 then a line 3 error", n, gotErr)
	}
	// Breaking out early must not panic.
	for range NewReader(strings.NewReader(in)).All() {
		break
	}
}

func TestDecode(t *testing.T) {
	body := "  {\n  \"type\": \"referral\",\n  \"id\": \"R\",\n  \"received_at\": \"2024-01-01T00:00:00Z\",\n  \"channel\": \"email\",\n  \"children\": [ { \"given_name\": \"A\", \"x\": { \"y\" : [ 1 , 2 ] } } ]\n}\n"
	r, err := DecodeReferral([]byte("\xef\xbb\xbf" + body))
	if err != nil {
		t.Fatalf("DecodeReferral(pretty body) error = %v", err)
	}
	if got := string(r.Children[0].Extra["x"]); got != `{"y":[1,2]}` {
		t.Errorf("Extra[x] = %s, want it compacted to {\"y\":[1,2]}", got)
	}
	b, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"referral","id":"R","received_at":"2024-01-01T00:00:00Z","channel":"email","children":[{"given_name":"A","x":{"y":[1,2]}}],"immediate_danger":false}`
	if string(b) != want {
		t.Errorf("Encode = %s, want %s", b, want)
	}

	tests := []struct {
		name, in, want string
	}{
		{name: "not a referral", in: `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z"}`, want: `type: "outcome", want "referral"`},
		{name: "invalid", in: `{"type":"referral"}`, want: "4 errors: id: missing; received_at: missing; channel: missing; children: at least one child is required"},
		{name: "two records", in: `{"type":"referral"}` + "\n" + `{"type":"referral"}`, want: "malformed JSON at byte 21: unexpected character '{' after the end of the record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeReferral([]byte(tt.in))
			var ve *bonafide.ValidationError
			if r != nil || !errors.As(err, &ve) || err.Error() != tt.want {
				t.Errorf("DecodeReferral(%s) = %v, %v, want %q", tt.in, r, err, tt.want)
			}
			if ve != nil && ve.Errors[0].Line != 0 {
				t.Errorf("DecodeReferral(%s) Line = %d, want 0", tt.in, ve.Errors[0].Line)
			}
		})
	}
}

func TestWriterError(t *testing.T) {
	w := NewWriter(io.Discard)
	err := w.Write(&bonafide.Outcome{ReferralID: "R", Extra: bonafide.Extra{"x": []byte("{")}})
	if err == nil {
		t.Error("Write(record with invalid Extra) = nil, want an error")
	}
	ew := NewWriter(failWriter{})
	if err := ew.Write(&bonafide.Outcome{ReferralID: "R"}); err != nil {
		t.Fatalf("Write() = %v, want the record buffered", err)
	}
	if err := ew.Flush(); err == nil {
		t.Error("Flush() to a failing writer = nil, want an error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestReporterValuesNotEchoed checks that no error about a reporter field
// repeats what was given: reporter data is sealed, and errors are logged.
func TestReporterValuesNotEchoed(t *testing.T) {
	const secret = "Zebedee-Planted-7731"
	long := strings.Repeat(secret, 20)
	lines := []string{
		`{"type":"referral","id":"R","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[{}],"reporter":{"relationship":"` + secret + `"}}`,
		`{"type":"referral","id":"R","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[{}],"reporter":{"given_name":"` + long + `","family_name":"` + long + `","email":"` + long + `","phone":"` + long + `","organisation":"` + long + `","contact_ip":"` + long + `","device_id":"` + long + `","address":{"line1":"` + long + `","postcode":"` + long + `"}}}`,
		`{"type":"referral","id":"R","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[{}],"reporter":{"anonymous":"` + secret + `","address":"` + secret + `"}}`,
		"{\"type\":\"referral\",\"id\":\"R\",\"received_at\":\"2024-01-01T00:00:00Z\",\"channel\":\"phone\",\"children\":[{}],\"reporter\":{\"given_name\":\"" + secret + "\xff\",\"phone\":\"" + secret + "\\u0000\",\"email\":\"" + secret + "\\ud800\"}}",
	}
	for i, line := range lines {
		_, err := Decode([]byte(line))
		if err == nil {
			t.Fatalf("Decode(line %d) = nil error, want reporter errors", i)
		}
		if strings.Contains(err.Error(), "Zebedee") {
			t.Errorf("Decode(line %d) error = %q, repeats reporter data", i, err)
		}
	}
}
