package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"bonafide"
)

// bundleLog returns a log of n entries with a checkpoint of them all.
func bundleLog(t *testing.T, n int) *Log {
	t.Helper()
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := l.Append(ctx, Entry{Who: "cli:ada", What: "records.import", Object: fmt.Sprintf("file-%d", i), Why: "imported 5 records"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.WriteCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBundleRoundTrip(t *testing.T) {
	ctx := context.Background()
	l := bundleLog(t, 7)
	for n := range int64(7) {
		b, err := l.Bundle(ctx, n)
		if err != nil {
			t.Fatalf("Bundle(%d) = %v", n, err)
		}
		text, err := b.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(text, []byte(BundleHeader+"\norigin "+l.Origin()+"\nverifier-key "+l.VerifierKey()+"\nentry {")) {
			t.Errorf("Bundle(%d) text starts %q", n, text[:min(len(text), 120)])
		}
		var got ProofBundle
		if err := got.UnmarshalText(text); err != nil {
			t.Fatalf("UnmarshalText(Bundle(%d)) = %v", n, err)
		}
		e, err := got.Check(l.VerifierKey())
		if err != nil || e.N != n || e.Object != fmt.Sprintf("file-%d", n) {
			t.Errorf("Check(bundle of %d) = %+v, %v; want entry %d", n, e, err, n)
		}
		if e, err := got.Check(""); err != nil || e.N != n {
			t.Errorf("Check(\"\") of bundle %d = %+v, %v; want entry %d from the bundle's own key", n, e, err, n)
		}
	}
}

func TestBundleNotCovered(t *testing.T) {
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Bundle(ctx, 0); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("Bundle(0) before any checkpoint = %v, want code %s", err, bonafide.ENotFound)
	}
	l = bundleLog(t, 2)
	if _, err := l.Bundle(ctx, 2); bonafide.ErrorCode(err) != bonafide.ENotFound || !strings.Contains(err.Error(), "not covered by the latest checkpoint (size 2)") {
		t.Errorf("Bundle(2) of a checkpoint of size 2 = %v, want code %s naming the size", err, bonafide.ENotFound)
	}
}

// TestBundleMangled flips every byte of a bundle's text: each must fail to
// parse or fail Check.
func TestBundleMangled(t *testing.T) {
	ctx := context.Background()
	l := bundleLog(t, 5)
	b, err := l.Bundle(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	text, err := b.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	for i := range text {
		bad := bytes.Clone(text)
		bad[i] ^= 0x01
		var got ProofBundle
		if err := got.UnmarshalText(bad); err != nil {
			continue
		}
		if _, err := got.Check(l.VerifierKey()); err == nil {
			t.Errorf("byte %d (%q in %q) flipped: Check = nil, want an error", i, text[i], line(text, i))
		}
	}
}

// line returns the line of text holding byte i, for failure messages.
func line(text []byte, i int) []byte {
	start := bytes.LastIndexByte(text[:i], '\n') + 1
	end := bytes.IndexByte(text[i:], '\n')
	if end < 0 {
		return text[start:]
	}
	return text[start : i+end]
}

func TestBundleUnmarshalErrors(t *testing.T) {
	l := bundleLog(t, 3)
	b, err := l.Bundle(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := b.MarshalText()
	good := string(text)
	afterHead := strings.Index(good, "\n\n") + 2
	proofOnly := good[:afterHead+strings.Index(good[afterHead:], "\n\n")]
	tests := []struct {
		name, text, err string
	}{
		{"empty", "", "no blank line after the header"},
		{"other header", strings.Replace(good, BundleHeader, "bonafide audit proof v2", 1), "want \"bonafide audit proof v1\" and three lines"},
		{"origin line renamed", strings.Replace(good, "\norigin ", "\nOrigin ", 1), `line 2: want "origin"`},
		{"entry line missing", strings.Replace(good, "\nentry ", "\n\nentry ", 1), "three lines"},
		{"no checkpoint", proofOnly, "no blank line after the inclusion proof"},
		{"bad proof", strings.Replace(good, "\nindex 1\n", "\nindex one\n", 1), "parse inclusion proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ProofBundle
			err := got.UnmarshalText([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("UnmarshalText = %v, want an error with %q", err, tt.err)
			}
		})
	}
	var got ProofBundle
	if err := got.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if _, err := got.Check("other+00000000+AQ=="); err == nil || !strings.Contains(err.Error(), "not the one you trust") {
		t.Errorf("Check(another key) = %v, want it refused", err)
	}
	b.Entry = []byte("two\nlines")
	if _, err := b.MarshalText(); err == nil {
		t.Errorf("MarshalText of an entry of two lines = nil error, want one")
	}
}
