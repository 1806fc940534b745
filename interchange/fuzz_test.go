package interchange

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// comes back equal, and byte for byte the same, through Encode and Decode.
func FuzzDecode(f *testing.F) {
	data, err := os.ReadFile("testdata/roundtrip.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f.Add(line)
	}
	for _, s := range []string{
		`{"type":"referral","id":"x","received_at":"2024-01-01T00:00:00Z","channel":"phone","children":[{"given_name":"\ud83d\ude00\u2028","dob":"2019"}]}`,
		`{"type":"outcome","referral_id":"r","decided_at":"2024-01-01T00:00:00.000000001-23:59","x":[{},[],"",0,-0.0e+1]}`,
		`{"type":"public_post","id":"p","posted_at":"0000-01-01T00:00:00Z","text":"a\u0000b"}`,
		`{"type":"forum_post","id":"f","posted_at":"9999-12-31T23:59:59.999999999+00:00","\u0074ext":"escaped key"}`,
		`{"type":"referral","children":[{"dob":"2019-02-29"}]}`,
		`{"type":"referral","id":"x","id":"y"}`,
		"{\"type\":\"outcome\",\"note\":\"\xff\xfe\"}",
		`{"type":"outcome","referral_id":"r\u0000","decided_at":"2024-01-01T00:00:00Z","note":"a\tb\n\u001b"}`,
		`{"type":"referral","narrative":"\ud800\udbff\udfff\ude00"}`,
		`{"type":"referral","children":[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}`,
		`{"type":"referral","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		`{"type":"forum_post","a":1,"b":"\u00e9","c":{"d":[]},"e":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := Decode(in)
		if err != nil {
			if rec != nil {
				t.Fatalf("Decode(%q) = %v with error %v, want nil", in, rec, err)
			}
			return
		}
		enc, err := Encode(rec)
		if err != nil {
			t.Fatalf("Encode(Decode(%q)) error = %v", in, err)
		}
		if bytes.ContainsAny(enc, "\n\r") {
			t.Fatalf("Encode(Decode(%q)) = %q, want one line", in, enc)
		}
		rec2, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(%q))) = %v\nencoded: %s", in, err, enc)
		}
		if !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("Decode(Encode(r)) = %+v, want %+v\nencoded: %s", rec2, rec, enc)
		}
		enc2, err := Encode(rec2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("Encode not stable:\n%s\n%s (%v)", enc, enc2, err)
		}
	})
}
