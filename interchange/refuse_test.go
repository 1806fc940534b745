package interchange

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"bonafide"
)

// ref is a valid referral with the members given spliced in before its
// children; children, when not "", replaces its one child.
func ref(members, children string) string {
	if children == "" {
		children = `[{"given_name":"Ada"}]`
	}
	if members != "" {
		members += ","
	}
	return `{"type":"referral","id":"R-1","received_at":"2024-01-01T00:00:00Z","channel":"phone",` + members + `"children":` + children + `}`
}

// repeat joins n copies of s with commas.
func repeat(s string, n int) string { return strings.TrimSuffix(strings.Repeat(s+",", n), ",") }

// TestRefusals lists what every reader refuses that encoding/json would
// let through (shared/spec/interchange.md, "Values every reader refuses"),
// each with the field it names.
func TestRefusals(t *testing.T) {
	manyMembers := make([]string, bonafide.MaxMembers+5)
	for i := range manyMembers {
		manyMembers[i] = fmt.Sprintf(`"m%d":0`, i)
	}
	manyUnknown := make([]string, bonafide.MaxUnknownMembers+1)
	for i := range manyUnknown {
		manyUnknown[i] = fmt.Sprintf(`"z%02d":0`, i)
	}
	tests := []struct {
		name string
		in   string
		want []string // FieldError.Error() of each, in order
	}{
		// Text that is not text.
		{name: "lone high surrogate", in: ref(`"narrative":"help \ud800 now"`, ""),
			want: []string{`narrative: holds a lone surrogate \ud800, which is not a character`}},
		{name: "lone low surrogate", in: ref("", `[{"given_name":"\udc01"}]`),
			want: []string{`children[0].given_name: holds a lone surrogate \udc01, which is not a character`}},
		{name: "reversed pair", in: ref(`"narrative":"\ude00\ud83d"`, ""),
			want: []string{`narrative: holds a lone surrogate \ude00, which is not a character`}},
		{name: "raw invalid byte", in: ref("", "[{\"family_name\":\"Ex\xffample\"}]"),
			want: []string{"children[0].family_name: is not valid UTF-8 (at byte 116 of the line)"}},
		{name: "raw surrogate bytes in reporter", in: ref("\"reporter\":{\"given_name\":\"\xed\xa0\x80\"}", ""),
			want: []string{"reporter.given_name: is not valid UTF-8 (at byte 112 of the line)"}},
		{name: "truncated sequence", in: ref("\"narrative\":\"caf\xc3\"", ""),
			want: []string{"narrative: is not valid UTF-8 (at byte 102 of the line)"}},
		{name: "invalid in unknown member", in: ref("\"x_note\":[\"ok\",\"\xfe\"]", ""),
			want: []string{"x_note: is not valid UTF-8 (at byte 102 of the line)"}},
		{name: "surrogate in unknown member", in: ref(`"x_note":{"a":"\udfff"}`, ""),
			want: []string{`x_note: holds a lone surrogate \udfff, which is not a character`}},
		{name: "invalid member name", in: ref("", "[{\"\xff\":1}]"),
			want: []string{"children[0]: member name is not valid UTF-8 (at byte 100 of the line)"}},

		// Control characters.
		{name: "NUL in id", in: `{"type":"outcome","referral_id":"R\u0000","decided_at":"2024-01-01T00:00:00Z"}`,
			want: []string{"referral_id: holds control character U+0000, which this field may not hold"}},
		{name: "tab in a name", in: ref("", `[{"given_name":"Ada","family_name":"Ex\tample"}]`),
			want: []string{"children[0].family_name: holds control character U+0009, which this field may not hold"}},
		{name: "newline in other name", in: ref("", `[{"other_names":["a","b\nc"]}]`),
			want: []string{"children[0].other_names[1]: holds control character U+000A, which this field may not hold"}},
		{name: "escape in handle", in: ref("", `[{"social_handles":[{"platform":"p","handle":"@a\u001b[2J"}]}]`),
			want: []string{"children[0].social_handles[0].handle: holds control character U+001B, which this field may not hold"}},
		{name: "CR in postcode", in: ref(`"address":{"postcode":"ZZ9\r9ZZ"}`, ""),
			want: []string{"address.postcode: holds control character U+000D, which this field may not hold"}},
		{name: "control in reporter phone", in: ref(`"reporter":{"phone":"0\u00071632"}`, ""),
			want: []string{"reporter.phone: holds control character U+0007, which this field may not hold"}},
		{name: "control in enum", in: `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z","finding":"unfounded\u0000"}`,
			want: []string{`finding: "unfounded\x00" is not one of substantiated, unsubstantiated, unfounded, malicious`}},
		{name: "control in relay ref", in: ref(`"relayed_from":{"agency":"Helpline","ref":"H\u00011"}`, ""),
			want: []string{"relayed_from.ref: holds control character U+0001, which this field may not hold"}},
		{name: "NUL in narrative", in: ref(`"narrative":"line one\nline\ttwo\r\n\u0000"`, ""),
			want: []string{"narrative: holds control character U+0000; free text may hold only tab, line feed and carriage return"}},
		{name: "form feed in concern detail", in: ref(`"concerns":[{"category":"neglect","detail":"a\fb"}]`, ""),
			want: []string{"concerns[0].detail: holds control character U+000C; free text may hold only tab, line feed and carriage return"}},
		{name: "control in post text", in: `{"type":"public_post","id":"P","posted_at":"2024-01-01T00:00:00Z","text":"ok\nok","media_note":"\u0008"}`,
			want: []string{"media_note: holds control character U+0008; free text may hold only tab, line feed and carriage return"}},
		{name: "newline in forum thread", in: `{"type":"forum_post","id":"F","posted_at":"2024-01-01T00:00:00Z","thread":"a\nb","text":"a\tb"}`,
			want: []string{"thread: holds control character U+000A, which this field may not hold"}},
		{name: "NUL in outcome note", in: `{"type":"outcome","referral_id":"R","decided_at":"2024-01-01T00:00:00Z","note":"\u0000"}`,
			want: []string{"note: holds control character U+0000; free text may hold only tab, line feed and carriage return"}},

		// Counts, checked while reading.
		{name: "children", in: ref("", "["+repeat("{}", bonafide.MaxChildren+1)+"]"),
			want: []string{"children: 21 children, at most 20"}},
		{name: "200,000 children", in: ref("", "["+repeat("{}", 200000)+"]"),
			want: []string{"children: 200000 children, at most 20"}},
		{name: "adults", in: ref(`"adults":[`+repeat(`{"role":"carer"}`, bonafide.MaxAdults+3)+"]", ""),
			want: []string{"adults: 23 adults, at most 20"}},
		{name: "concerns", in: ref(`"concerns":[`+repeat(`{"category":"other"}`, bonafide.MaxConcerns+1)+"]", ""),
			want: []string{"concerns: 21 concerns, at most 20"}},
		{name: "other names", in: ref("", `[{"other_names":[`+repeat(`"a"`, bonafide.MaxOtherNames+1)+"]}]"),
			want: []string{"children[0].other_names: 21 names, at most 20"}},
		{name: "social handles", in: ref("", `[{"social_handles":[`+repeat(`{"handle":"@a"}`, bonafide.MaxSocialHandles+1)+"]}]"),
			want: []string{"children[0].social_handles: 21 handles, at most 20"}},
		{name: "members", in: ref("", "[{"+strings.Join(manyMembers, ",")+"}]"),
			want: []string{"children[0].m64: more than 64 unknown members in the record", "children[0]: more than 100 members"}},
		{name: "unknown members", in: ref(strings.Join(manyUnknown, ","), ""),
			want: []string{"z64: more than 64 unknown members in the record"}},
		{name: "unknown bytes", in: ref(`"x_blob":"`+strings.Repeat("x", bonafide.MaxUnknownBytes)+`"`, ""),
			want: []string{"x_blob: unknown members of more than 65536 bytes in the record"}},
		{name: "depth", in: ref(`"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40), ""),
			want: []string{"x: nested deeper than 32 levels (at byte 121)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := Decode([]byte(tt.in))
			var ve *bonafide.ValidationError
			if !errors.As(err, &ve) || rec != nil {
				t.Fatalf("Decode = %v, %v, want a *ValidationError", rec, err)
			}
			var got []string
			for _, fe := range ve.Errors {
				got = append(got, fe.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode errors =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestFreeTextAllowed checks the other side: free text keeps tab, line
// feed and carriage return, and text keeps every character that is one.
func TestFreeTextAllowed(t *testing.T) {
	in := ref(`"narrative":"line one\nline\ttwo\r\nthree \ud83d\ude00 \ufffd \u2028 \u007f \u0085 é","concerns":[{"category":"neglect","detail":"a\tb"}]`, "")
	rec, err := Decode([]byte(in))
	if err != nil {
		t.Fatalf("Decode = %v, want nil", err)
	}
	if got, want := rec.(*bonafide.Referral).Narrative, "line one\nline\ttwo\r\nthree 😀 \ufffd \u2028 \u007f \u0085 é"; got != want {
		t.Errorf("narrative = %q, want %q", got, want)
	}
}
