package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"testing"

	"bonafide"
)

func peopleRows(t *testing.T, seed int64, n int) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := PeopleCSV(context.Background(), seed, n, &buf); err != nil {
		t.Fatalf("PeopleCSV(%d, %d) error: %v", seed, n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("PeopleCSV(%d, %d) is not CSV: %v", seed, n, err)
	}
	return rows
}

func TestPeopleCSVDeterministic(t *testing.T) {
	gen := func(seed int64, n int) []byte {
		var buf bytes.Buffer
		if err := PeopleCSV(context.Background(), seed, n, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name   string
		a, b   int64
		n      int
		wantEq bool
	}{
		{"same seed", 7, 7, 3000, true},
		{"other seed", 7, 8, 3000, false},
		{"seed zero", 0, 0, 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bytes.Equal(gen(tt.a, tt.n), gen(tt.b, tt.n)); got != tt.wantEq {
				t.Errorf("PeopleCSV(%d) == PeopleCSV(%d) = %v, want %v", tt.a, tt.b, got, tt.wantEq)
			}
		})
	}
}

func TestPeopleCSVShape(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 1000, 20011} {
		rows := peopleRows(t, 3, n)
		if !slices.Equal(rows[0], PeopleHeader) {
			t.Fatalf("header = %v, want %v", rows[0], PeopleHeader)
		}
		if got := len(rows) - 1; got != n {
			t.Fatalf("PeopleCSV(n=%d) rows = %d, want %d", n, got, n)
		}
		ids := make(map[string]bool)
		for _, r := range rows[1:] {
			if ids[r[0]] {
				t.Fatalf("PeopleCSV(n=%d): id %s twice", n, r[0])
			}
			ids[r[0]] = true
			if r[1] == "" {
				t.Fatalf("PeopleCSV(n=%d): row %s has no entity_id", n, r[0])
			}
			if r[4] != "" {
				if _, err := bonafide.ParsePartialDate(r[4]); err != nil {
					t.Errorf("row %s dob %q: %v", r[0], r[4], err)
				}
			}
		}
	}
}

// TestPeopleCSVDuplicates checks that the data is a linkage problem worth
// the name: many people appear more than once, copies differ, duplicates
// are not neighbours, and household members share an address.
func TestPeopleCSVDuplicates(t *testing.T) {
	rows := peopleRows(t, 11, 50000)[1:]
	byEntity := make(map[string][]int)
	for i, r := range rows {
		byEntity[r[1]] = append(byEntity[r[1]], i)
	}
	dupRows, pairs, identical, adjacent := 0, 0, 0, 0
	for _, idx := range byEntity {
		if len(idx) > 1 {
			dupRows += len(idx)
		}
		for a := 0; a < len(idx); a++ {
			for b := a + 1; b < len(idx); b++ {
				pairs++
				if slices.Equal(rows[idx[a]][2:], rows[idx[b]][2:]) {
					identical++
				}
				if idx[b]-idx[a] == 1 {
					adjacent++
				}
			}
		}
	}
	share := float64(dupRows) / float64(len(rows))
	if share < 0.45 || share > 0.8 {
		t.Errorf("share of rows with a duplicate = %.3f, want 0.45..0.8", share)
	}
	if f := float64(identical) / float64(pairs); f > 0.5 {
		t.Errorf("identical duplicate pairs = %.3f of %d, want at most 0.5 (copies must be noisy)", f, pairs)
	}
	if f := float64(adjacent) / float64(pairs); f > 0.01 {
		t.Errorf("adjacent duplicate pairs = %.4f, want at most 0.01 (order must be shuffled)", f)
	}
	// Cleanest copies carry NHS numbers that pass Modulus 11 more often than not.
	valid, invalid := 0, 0
	for _, r := range rows {
		if r[6] == "" {
			continue
		}
		if bonafide.ValidNHSNumber(r[6]) {
			valid++
		} else {
			invalid++
		}
	}
	if invalid == 0 || valid < 5*invalid {
		t.Errorf("NHS numbers valid/invalid = %d/%d, want some invalid and at least 5x as many valid", valid, invalid)
	}
	// Hard non-matches: different entities with the same surname, postcode and address.
	type key struct{ surname, postcode, addr string }
	seen := make(map[key]string)
	shared := 0
	for _, r := range rows {
		k := key{r[3], r[7], r[8]}
		if k.postcode == "" || k.addr == "" {
			continue
		}
		if e, ok := seen[k]; ok && e != r[1] {
			shared++
		}
		seen[k] = r[1]
	}
	if shared < len(rows)/100 {
		t.Errorf("rows sharing surname+address with another person = %d, want at least %d", shared, len(rows)/100)
	}
}

func TestPeopleCSVCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := PeopleCSV(ctx, 1, 10000, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PeopleCSV(cancelled) = %v, want context.Canceled", err)
	}
	if err := PeopleCSV(context.Background(), 1, -1, io.Discard); err == nil {
		t.Errorf("PeopleCSV(n=-1) = nil, want an error")
	}
}

func TestPermN(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 17, 1000, 4097} {
		p := newPermN(5, n)
		seen := make([]bool, n)
		for i := uint64(0); i < n; i++ {
			v := p.apply(i)
			if v >= n || seen[v] {
				t.Fatalf("permN(%d).apply(%d) = %d, repeated or out of range", n, i, v)
			}
			seen[v] = true
		}
	}
}

func TestNHSNumberValid(t *testing.T) {
	r := newRand(1, 99, 0)
	for i := 0; i < 1000; i++ {
		n := nhsNumber(r)
		if !bonafide.ValidNHSNumber(n) {
			t.Fatalf("nhsNumber() = %s, fails Modulus 11", n)
		}
		if n[:3] != "999" {
			t.Fatalf("nhsNumber() = %s, want the 999 test range", n)
		}
		if bad := typedNHS(r, n, careful); bad != "" && bad != n && bad[:3]+bad[4:7]+bad[8:] != n && bonafide.ValidNHSNumber(bad) {
			t.Fatalf("typedNHS(%s) = %s, a mistyped number that still passes Modulus 11", n, bad)
		}
	}
}

func BenchmarkPeopleCSV(b *testing.B) {
	const n = 10000
	for b.Loop() {
		if err := PeopleCSV(context.Background(), 1, n, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
