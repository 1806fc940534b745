package sqlstore

import (
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"

	"bonafide"
)

// posts yields n public posts, then err if it is not nil.
func posts(n int, err error) iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		for i := range n {
			p := &bonafide.PublicPost{ID: fmt.Sprintf("P-%d", i), PostedAt: time.Date(2025, 1, 1, 0, 0, i, 0, time.UTC)}
			if !yield(p, nil) {
				return
			}
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

// TestEncodeAll checks that every record arrives once, in order, with its
// own body although chunks share and reuse buffers, and that an error of
// the source comes after the records before it.
func TestEncodeAll(t *testing.T) {
	broken := errors.New("line 1001: broken")
	tests := []struct {
		name    string
		n       int
		srcErr  error
		wantErr error
	}{
		{"none", 0, nil, nil},
		{"less than a chunk", 5, nil, nil},
		{"many chunks", 1000, nil, nil},
		{"source fails after a full chunk", 64, broken, broken},
		{"source fails mid-chunk", 1000, broken, broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Codec{}
			var got []string
			calls := 0
			err := c.EncodeAll(posts(tt.n, tt.srcErr), 32, 2, func(chunk []Encoded) error {
				calls++
				for _, e := range chunk {
					st, err := c.Decode(1, string(e.Type), time.Time{}, e.Body, nil)
					if err != nil {
						return err
					}
					got = append(got, st.Record.(*bonafide.PublicPost).ID)
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("EncodeAll() = %v, want %v", err, tt.wantErr)
			}
			if len(got) != tt.n {
				t.Fatalf("EncodeAll() inserted %d records, want %d", len(got), tt.n)
			}
			for i, id := range got {
				if want := fmt.Sprintf("P-%d", i); id != want {
					t.Fatalf("record %d = %s, want %s", i, id, want)
				}
			}
			if tt.srcErr != nil && tt.n%32 == 0 && calls != tt.n/32+1 {
				t.Errorf("EncodeAll() called insert %d times, want %d: once more, empty, before the source's error", calls, tt.n/32+1)
			}
		})
	}
}

// TestEncodeAllInsertFails checks that an error from insert stops the load
// and the encoding goroutine, whatever is left in the source.
func TestEncodeAllInsertFails(t *testing.T) {
	full := errors.New("disk full")
	calls := 0
	err := (&Codec{}).EncodeAll(posts(100000, nil), 32, 2, func([]Encoded) error {
		calls++
		if calls == 3 {
			return full
		}
		return nil
	})
	if !errors.Is(err, full) || calls != 3 {
		t.Errorf("EncodeAll() = %v after %d inserts, want disk full after 3", err, calls)
	}
}

// TestEncodeAllRefuses checks that a record Encode refuses ends the load
// with its error, after the records before it.
func TestEncodeAllRefuses(t *testing.T) {
	recs := func(yield func(bonafide.Record, error) bool) {
		for rec, err := range posts(40, nil) {
			if !yield(rec, err) {
				return
			}
		}
		yield(&bonafide.Referral{ReceivedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, nil) // no id
	}
	n := 0
	err := (&Codec{}).EncodeAll(recs, 32, 2, func(chunk []Encoded) error { n += len(chunk); return nil })
	if bonafide.ErrorCode(err) != bonafide.EInvalid || n != 40 {
		t.Errorf("EncodeAll() = %v after %d records, want code %q after 40", err, n, bonafide.EInvalid)
	}
}
