package interchange

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"bonafide"
)

// TestErrorCatalogue reads testdata/errors.jsonl, a line for each kind of
// fault, and compares every message with testdata/errors.golden, so that a
// change to any wording is seen in review.
func TestErrorCatalogue(t *testing.T) {
	data, err := os.ReadFile("testdata/errors.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rd := NewReader(bytes.NewReader(data))
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		var ve *bonafide.ValidationError
		switch {
		case errors.As(err, &ve):
			for _, fe := range ve.Errors {
				if fe.Line != rd.Line() {
					t.Errorf("line %d: FieldError.Line = %d, want %d", rd.Line(), fe.Line, rd.Line())
				}
				fmt.Fprintln(&out, fe)
			}
		case err != nil:
			t.Fatalf("line %d: Read() = %v, want a *ValidationError", rd.Line(), err)
		default:
			fmt.Fprintf(&out, "line %d: ok %s\n", rd.Line(), rec.RecordType())
		}
	}
	golden(t, "errors.golden", out.Bytes())
}
