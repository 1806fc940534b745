package phonetic

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// readTSV returns the tab-separated rows of a testdata file, without comments.
func readTSV(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSurnames checks the published surname list with expected codes.
func TestSurnames(t *testing.T) {
	rows := readTSV(t, "testdata/surnames.tsv")
	if len(rows) < 1000 {
		t.Fatalf("testdata/surnames.tsv has %d rows, want the full list", len(rows))
	}
	for _, r := range rows {
		p, a := DoubleMetaphone(r[0])
		if p != r[1] || a != r[2] {
			t.Errorf("DoubleMetaphone(%q) = %q, %q, want %q, %q", r[0], p, a, r[1], r[2])
		}
	}
}

// TestMisspellings checks that each published misspelling pair agrees on the
// primary or on the alternate code.
func TestMisspellings(t *testing.T) {
	rows := readTSV(t, "testdata/matches.tsv")
	for _, r := range rows {
		p0, a0 := DoubleMetaphone(r[0])
		p1, a1 := DoubleMetaphone(r[1])
		if p0 != p1 && a0 != a1 {
			t.Errorf("DoubleMetaphone(%q) = %q, %q and DoubleMetaphone(%q) = %q, %q, want primary or alternate equal", r[0], p0, a0, r[1], p1, a1)
		}
	}
}

func TestDoubleMetaphone(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		primary, alter string
	}{
		{"testing", "testing", "TSTN", "TSTN"},
		{"the", "The", "0", "T"},
		{"quick", "quick", "KK", "KK"},
		{"brown", "brown", "PRN", "PRN"},
		{"fox", "fox", "FKS", "FKS"},
		{"jumped", "jumped", "JMPT", "AMPT"},
		{"over", "over", "AFR", "AFR"},
		{"lazy", "lazy", "LS", "LS"},
		{"dogs", "dogs", "TKS", "TKS"},
		{"maccafferey", "MacCafferey", "MKFR", "MKFR"},
		{"stephan", "Stephan", "STFN", "STFN"},
		{"kuczewski", "Kuczewski", "KSSK", "KXFS"},
		{"kutchefski", "Kutchefski", "KXFS", "KXFS"},
		{"mcclelland", "McClelland", "MKLL", "MKLL"},
		{"san jose", "san jose", "SNHS", "SNHS"},
		{"xenophobia", "xenophobia", "SNFP", "SNFP"},
		{"fokker", "Fokker", "FKR", "FKR"},
		{"joqqi", "Joqqi", "JK", "AK"},
		{"hovvi", "Hovvi", "HF", "HF"},
		{"czerny", "Czerny", "SRN", "XRN"},
		{"smith", "Smith", "SM0", "XMT"},
		{"schmidt", "Schmidt", "XMT", "SMT"},
		{"thompson", "Thompson", "TMPS", "TMPS"},
		{"thomas", "Thomas", "TMS", "TMS"},
		{"catherine", "Catherine", "K0RN", "KTRN"},
		{"kathryn", "Kathryn", "K0RN", "KTRN"},
		{"jose", "Jose", "HS", "HS"},
		{"xavier", "Xavier", "SF", "SFR"},
		{"caesar", "Caesar", "SSR", "SSR"},
		{"gough", "Gough", "KF", "KF"},
		{"michael", "Michael", "MKL", "MXL"},
		{"siobhan", "Siobhan", "SPN", "XPN"},
		{"accents folded", "Zoë", "S", "S"},
		{"c cedilla", "ç", "S", "S"},
		{"n tilde", "ñ", "N", "N"},
		{"empty", "", "", ""},
		{"blank", " \t", "", ""},
		{"digits", "1234", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, a := DoubleMetaphone(tt.in)
			if p != tt.primary || a != tt.alter {
				t.Errorf("DoubleMetaphone(%q) = %q, %q, want %q, %q", tt.in, p, a, tt.primary, tt.alter)
			}
		})
	}
}

func BenchmarkDoubleMetaphone(b *testing.B) {
	rows := readTSV(b, "testdata/surnames.tsv")
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r[0]
	}
	i := 0
	for b.Loop() {
		DoubleMetaphone(names[i%len(names)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "names/s")
}

func TestAllocations(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		DoubleMetaphone("Schmidt")
		DoubleMetaphone("Thompson")
	})
	if allocs > 3 {
		t.Errorf("DoubleMetaphone allocates %v times for two names, want at most 3 (one per distinct result)", allocs)
	}
}

func TestAlike(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"smith schmidt", "Smith", "Schmidt", true},
		{"catherine kathryn", "Catherine", "Kathryn", true},
		{"thompson thomson", "Thompson", "Thomson", false},
		{"stephen steven", "Stephen", "Steven", true},
		{"brian bryan", "Brian", "Bryan", true},
		{"jablonski yablonsky", "Jablonski", "Yablonsky", true},
		{"brain band", "Brain", "Band", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Alike(tt.a, tt.b); got != tt.want {
				t.Errorf("Alike(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
