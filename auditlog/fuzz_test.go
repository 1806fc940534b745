package auditlog

import (
	"bytes"
	"context"
	"testing"
)

// FuzzUnmarshalEntry checks that whatever UnmarshalEntry accepts is exactly
// the canonical encoding of what it returns, so that no two byte strings
// stand for one entry.
func FuzzUnmarshalEntry(f *testing.F) {
	f.Add([]byte(`{"n":0,"time":"2026-11-24T09:00:00Z","who":"system","what":"referral.create","object":"R-1","why":"intake"}`))
	f.Add([]byte(`{"n":12,"time":"2026-11-24T09:00:00.5Z","who":"u","what":"x","why":"<&>"}`))
	f.Add([]byte(`{"n":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := UnmarshalEntry(data)
		if err != nil {
			return
		}
		again, err := MarshalEntry(e)
		if err != nil {
			t.Fatalf("MarshalEntry(UnmarshalEntry(%q)) = %v", data, err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("UnmarshalEntry accepted %q, whose canonical form is %q", data, again)
		}
		if n, ok := entryIndex(data); !ok || n != e.N {
			t.Errorf("entryIndex(%q) = %d, %v; want %d, true", data, n, ok, e.N)
		}
	})
}

// FuzzParseCheckpoint checks that ParseCheckpoint accepts no note but the
// ones the log signed: any change to a signed checkpoint is refused.
func FuzzParseCheckpoint(f *testing.F) {
	ctx := context.Background()
	key, _, err := GenerateSigningKey("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	l, err := New(new(MemoryStorage), key, Config{Now: fixedClock()})
	if err != nil {
		f.Fatal(err)
	}
	signed := map[string]bool{}
	for i := range 3 {
		if i > 0 {
			if _, err := l.Append(ctx, Entry{Who: "u", What: "x", Why: "y"}); err != nil {
				f.Fatal(err)
			}
		}
		c, err := l.WriteCheckpoint(ctx)
		if err != nil {
			f.Fatal(err)
		}
		signed[string(c.Note)] = true
		f.Add(c.Note)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := ParseCheckpoint(msg, key.VerifierKey(), DefaultOrigin)
		if err == nil && !signed[string(msg)] {
			t.Errorf("ParseCheckpoint accepted an unsigned note %q (size %d)", msg, c.Size)
		}
	})
}
