package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"bonafide"
)

// withRaw returns referral(id) as JSON with the string member at path
// (member names joined by dots; children means the first child) set to raw,
// JSON string text as sent, which may hold what Go strings cannot: lone
// surrogate escapes and invalid bytes.
func withRaw(t *testing.T, id, path, raw string) []byte {
	t.Helper()
	r := referral(id)
	const mark = "\x7fmark\x7f"
	obj := r
	names := strings.Split(path, ".")
	for _, n := range names[:len(names)-1] {
		switch v := obj[n].(type) {
		case map[string]any:
			obj = v
		case []any:
			obj = v[0].(map[string]any)
		default:
			obj[n] = map[string]any{}
			obj = obj[n].(map[string]any)
		}
	}
	obj[names[len(names)-1]] = mark
	b := mustJSON(t, r)
	m, _ := json.Marshal(mark)
	if !bytes.Contains(b, m) {
		t.Fatalf("withRaw(%s): mark not found in %s", path, b)
	}
	return bytes.Replace(b, m, []byte(raw), 1)
}

// refusals are bodies every path refuses, with the one field error each
// gives; they are shared by the single-referral and import tests.
func refusals(t *testing.T) []struct {
	name, field, reason string
	body                []byte
} {
	children := func(n int) []byte {
		r := referral("REF-C")
		kids := make([]any, n)
		for i := range kids {
			kids[i] = map[string]any{}
		}
		r["children"] = kids
		return mustJSON(t, r)
	}
	return []struct {
		name, field, reason string
		body                []byte
	}{
		{"lone surrogate", "narrative", `holds a lone surrogate \ud800, which is not a character`,
			withRaw(t, "REF-A", "narrative", `"help \ud800"`)},
		{"invalid UTF-8", "children[0].given_name", "is not valid UTF-8",
			withRaw(t, "REF-B", "children.given_name", "\"Ro\xffwan\"")},
		{"invalid UTF-8 in reporter", "reporter.family_name", "is not valid UTF-8",
			withRaw(t, "REF-D", "reporter.family_name", "\"\xc3(\"")},
		{"NUL in id", "id", "holds control character U+0000, which this field may not hold",
			withRaw(t, "REF-E", "id", `"REF-E\u0000"`)},
		{"tab in postcode", "address.postcode", "holds control character U+0009, which this field may not hold",
			withRaw(t, "REF-F", "address.postcode", `"KX3\t4AB"`)},
		{"escape in narrative", "narrative", "holds control character U+001B; free text may hold only tab, line feed and carriage return",
			withRaw(t, "REF-G", "narrative", `"a\u001b[31mb"`)},
		{"too many children", "children", "200000 children, at most 20", children(200000)},
		{"too deep", "x_deep", "nested deeper than 32 levels",
			withRaw(t, "REF-H", "x_deep", strings.Repeat("[", 50)+strings.Repeat("]", 50))},
		{"huge unknown member", "x_blob", "unknown members of more than 65536 bytes in the record",
			withRaw(t, "REF-I", "x_blob", `"`+strings.Repeat("x", 100<<10)+`"`)},
	}
}

// TestReferralRefusals checks that POST /api/v1/referrals refuses each of
// the refusals with a problem naming the field, and stores nothing.
func TestReferralRefusals(t *testing.T) {
	e := newEnv(t, nil)
	for _, tt := range refusals(t) {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", "/api/v1/referrals", "application/json", tt.body)
			if resp.StatusCode != 400 {
				t.Fatalf("POST = %d, want 400; body %.500s", resp.StatusCode, body)
			}
			p := decodeProblem(t, resp, body)
			if p.Type != "urn:bonafide:problem:invalid" || len(p.Errors) != 1 {
				t.Fatalf("problem = %s, want one field error", body)
			}
			if fe := p.Errors[0]; fe.Field != tt.field || !strings.HasPrefix(fe.Reason, tt.reason) || fe.Line != 0 {
				t.Errorf("field error = %+v, want field %q, reason %q, no line", fe, tt.field, tt.reason)
			}
		})
	}
	if n := e.count(t); n != 0 {
		t.Errorf("store holds %d records after refused POSTs, want 0", n)
	}
}

// TestImportRefusals sends every refusal in one import, between good
// lines, and checks each is named by its line and field, with skip_invalid
// and without.
func TestImportRefusals(t *testing.T) {
	var body bytes.Buffer
	var want []bonafide.FieldError
	rs := refusals(t)
	for i, tt := range rs {
		body.Write(mustJSON(t, referral(fmt.Sprintf("REF-OK-%d", i))))
		body.WriteByte('\n')
		body.Write(tt.body)
		body.WriteByte('\n')
		want = append(want, bonafide.FieldError{Line: 2*i + 2, Field: tt.field, Reason: tt.reason})
	}
	check := func(t *testing.T, got []bonafide.FieldError) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("import named %d errors %+v, want %d", len(got), got, len(want))
		}
		for i := range got {
			g := got[i]
			if strings.HasPrefix(g.Reason, want[i].Reason) {
				g.Reason = want[i].Reason
			}
			if !reflect.DeepEqual(g, want[i]) {
				t.Errorf("error %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	}
	t.Run("all or nothing", func(t *testing.T) {
		e := newEnv(t, nil)
		resp, b := e.do(t, "POST", "/api/v1/import", "application/x-ndjson", body.Bytes())
		if resp.StatusCode != 400 {
			t.Fatalf("POST import = %d, want 400; %.500s", resp.StatusCode, b)
		}
		check(t, decodeProblem(t, resp, b).Errors)
		if n := e.count(t); n != 0 {
			t.Errorf("store holds %d records, want 0", n)
		}
	})
	t.Run("skip invalid", func(t *testing.T) {
		e := newEnv(t, nil)
		resp, b := e.do(t, "POST", "/api/v1/import?skip_invalid=true", "application/x-ndjson", body.Bytes())
		if resp.StatusCode != 200 {
			t.Fatalf("POST import = %d, want 200; %.500s", resp.StatusCode, b)
		}
		var res ImportResult
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatal(err)
		}
		if res.Imported != len(rs) || res.RejectedLines != len(rs) {
			t.Errorf("import = %d imported, %d rejected, want %d of each", res.Imported, res.RejectedLines, len(rs))
		}
		check(t, res.Rejected)
	})
}
