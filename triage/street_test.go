package triage

import "testing"

var streetLines = []string{
	"", "12 high street", "12a high street", "14 high street", "high street", "flat 3 12 high street",
	"12 high st", "12 high street east", "12  high   street", "12 high\tstreet", "3 the green",
	"high", "12 highstreet", "ünïcode 4 röad",
}

// TestStreetIs holds streetIs to its definition, streetOf(line) == street,
// over every pair of a table of lines.
func TestStreetIs(t *testing.T) {
	same := 0
	for _, line := range streetLines {
		for _, other := range streetLines {
			street := streetOf(other)
			want := streetOf(line) == street
			if got := streetIs(line, street); got != want {
				t.Errorf("streetIs(%q, %q) = %v, want %v", line, street, got, want)
			}
			if want && line != other {
				same++
			}
		}
	}
	if same == 0 {
		t.Error("no two different lines of the table share a street: the test compares nothing that matters")
	}
}

// FuzzStreetIs checks streetIs against its definition on any two lines.
func FuzzStreetIs(f *testing.F) {
	for i, l := range streetLines {
		f.Add(l, streetLines[(i+1)%len(streetLines)])
	}
	f.Fuzz(func(t *testing.T, line, other string) {
		street := streetOf(other)
		if got, want := streetIs(line, street), streetOf(line) == street; got != want {
			t.Fatalf("streetIs(%q, %q) = %v, want %v", line, street, got, want)
		}
	})
}
