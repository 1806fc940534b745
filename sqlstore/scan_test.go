package sqlstore

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"bonafide"
	"bonafide/vault"
)

// fakeRows is a result set in memory.
type fakeRows struct {
	vals [][]any
	i    int
	err  error
}

func rowsOf(vals ...any) *fakeRows {
	r := &fakeRows{}
	for _, v := range vals {
		r.vals = append(r.vals, v.([]any))
	}
	return r
}

func (r *fakeRows) Next() bool { r.i++; return r.i <= len(r.vals) }
func (r *fakeRows) Err() error { return r.err }
func (r *fakeRows) Scan(dest ...any) error {
	for i, v := range r.vals[r.i-1] {
		reflect.ValueOf(dest[i]).Elem().Set(reflect.ValueOf(v))
	}
	return nil
}

func TestCollect(t *testing.T) {
	got, err := Collect(rowsOf([]any{"c"}, []any{"a"}, []any{"b"}), ScanString)
	if err != nil || !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("Collect() = %v, %v, want [c a b], nil", got, err)
	}
	broken := errors.New("connection lost")
	r := rowsOf([]any{"a"})
	r.err = broken
	if _, err := Collect(r, ScanString); !errors.Is(err, broken) {
		t.Errorf("Collect(rows failing) = %v, want its error", err)
	}
	bad := errors.New("bad value")
	if _, err := Collect(rowsOf([]any{"a"}), func(Scanner) (string, error) { return "", bad }); !errors.Is(err, bad) {
		t.Errorf("Collect(scan failing) = %v, want its error", err)
	}
}

func TestRecordCounts(t *testing.T) {
	got, err := RecordCounts(rowsOf([]any{"referral", int64(3)}, []any{"outcome", int64(1)}))
	want := map[bonafide.RecordType]int64{bonafide.TypeReferral: 3, bonafide.TypeOutcome: 1}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("RecordCounts() = %v, %v, want %v", got, err, want)
	}
}

func TestScanTag(t *testing.T) {
	got, err := ScanTag(rowsOf([]any{"email", []byte{1, 2, 3, 4, 5, 6, 7, 8}}).next())
	want := vault.Tag{Kind: vault.TagEmail, Sum: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	if err != nil || got != want {
		t.Errorf("ScanTag() = %v, %v, want %v", got, err, want)
	}
}

// next moves to the first row, for a test of one row.
func (r *fakeRows) next() *fakeRows { r.Next(); return r }
