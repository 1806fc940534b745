package linkage

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"bonafide/normalize"
)

// level prepares a and b as one-field records of kind k (with a given name and surname
// pair for the swap cases) and returns the level name of the comparison.
func level(t *testing.T, f Field, a, b string) string {
	t.Helper()
	s, err := NewSchema([]Field{f})
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := s.Prepare("a", []string{a}), s.Prepare("b", []string{b})
	l := s.Compare(0, &ra, &rb)
	if l == Null {
		return "null"
	}
	return f.Kind.Levels()[l]
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		f    Field
		a, b string
		want string
	}{
		{"given exact ignores case and accents", Field{Name: "g", Kind: KindGivenName}, "Zoë", "zoe", "exact"},
		{"given nickname", Field{Name: "g", Kind: KindGivenName}, "Elizabeth", "Libby", "nickname"},
		{"given nickname Bill", Field{Name: "g", Kind: KindGivenName}, "william", "Bill", "nickname"},
		{"given nickname Lottie", Field{Name: "g", Kind: KindGivenName}, "Charlotte", "lottie", "nickname"},
		{"given short form Tom", Field{Name: "g", Kind: KindGivenName}, "Tom", "THOMAS", "nickname"},
		{"given second name", Field{Name: "g", Kind: KindGivenName}, "Mary-Jane", "Jane", "nickname"},
		{"given one edit", Field{Name: "g", Kind: KindGivenName}, "jonathon", "jonathan", "one_edit"},
		{"given transposition is one edit", Field{Name: "g", Kind: KindGivenName}, "chirs", "chris", "one_edit"},
		{"given jaro-winkler high", Field{Name: "g", Kind: KindGivenName}, "christabel", "christobell", "jw_0.92"},
		{"given phonetic", Field{Name: "g", Kind: KindGivenName}, "kaylee", "cayleigh", "metaphone"},
		{"given initial", Field{Name: "g", Kind: KindGivenName}, "j", "jasmine", "initial"},
		{"given different", Field{Name: "g", Kind: KindGivenName}, "oliver", "amira", "else"},
		{"given missing", Field{Name: "g", Kind: KindGivenName}, "", "amira", "null"},
		{"surname hyphenated part", Field{Name: "s", Kind: KindSurname}, "Okafor-Lindqvist", "lindqvist", "hyphen_part"},
		{"surname apostrophe", Field{Name: "s", Kind: KindSurname}, "O'Brien", "obrien", "exact"},
		{"surname space vs none", Field{Name: "s", Kind: KindSurname}, "van der berg", "vanderberg", "exact"},
		{"surname one edit", Field{Name: "s", Kind: KindSurname}, "achterberg", "achterburg", "one_edit"},
		{"surname phonetic", Field{Name: "s", Kind: KindSurname}, "philips", "fillipps", "metaphone"},
		{"surname different", Field{Name: "s", Kind: KindSurname}, "nguyen", "whitfield", "else"},
		{"date exact", Field{Name: "d", Kind: KindDate}, "2019-03-07", "20190307", "exact"},
		{"date transposed", Field{Name: "d", Kind: KindDate}, "2019-03-07", "2019-07-03", "transposed_day_month"},
		{"date one digit", Field{Name: "d", Kind: KindDate}, "2019-03-07", "2018-03-07", "one_digit"},
		{"date adjacent digits swapped", Field{Name: "d", Kind: KindDate}, "2019-03-17", "2019-03-71", "one_digit"},
		{"date swapped digits in year", Field{Name: "d", Kind: KindDate}, "2019-03-17", "2091-03-17", "one_digit"},
		{"date partial month agrees", Field{Name: "d", Kind: KindDate}, "2019-03", "2019-03-17", "same_year_month"},
		{"date partial year agrees", Field{Name: "d", Kind: KindDate}, "2019", "2019-11-02", "same_year"},
		{"date same year", Field{Name: "d", Kind: KindDate}, "2019-01-20", "2019-11-02", "same_year"},
		{"date a year out", Field{Name: "d", Kind: KindDate}, "2019-01-20", "2018-11-02", "adjacent_year"},
		{"date partial a year out", Field{Name: "d", Kind: KindDate}, "2019", "2020-11-02", "adjacent_year"},
		{"date different", Field{Name: "d", Kind: KindDate}, "2019-01-20", "2012-11-02", "else"},
		{"date UK layout", Field{Name: "d", Kind: KindDate, DateFormat: "DD/MM/YYYY"}, "7/3/2019", "07/03/2019", "exact"},
		{"date UK layout transposed", Field{Name: "d", Kind: KindDate, DateFormat: "DD/MM/YYYY"}, "07/03/2019", "03/07/2019", "transposed_day_month"},
		{"postcode full", Field{Name: "p", Kind: KindPostcodeUK}, "sw1a1aa", "SW1A 1AA", "full"},
		{"postcode O for 0", Field{Name: "p", Kind: KindPostcodeUK}, "LS6 OAB", "ls6 0ab", "full"},
		{"postcode sector", Field{Name: "p", Kind: KindPostcodeUK}, "LS6 1AB", "LS6 1ZZ", "sector"},
		{"postcode district", Field{Name: "p", Kind: KindPostcodeUK}, "LS6 1AB", "LS6 2AB", "district"},
		{"postcode district only", Field{Name: "p", Kind: KindPostcodeUK}, "LS6", "LS6 2AB", "district"},
		{"postcode area", Field{Name: "p", Kind: KindPostcodeUK}, "LS6 1AB", "LS16 1AB", "area"},
		{"postcode different", Field{Name: "p", Kind: KindPostcodeUK}, "LS6 1AB", "M1 1AB", "else"},
		{"postcode unreadable", Field{Name: "p", Kind: KindPostcodeUK}, "not known", "M1 1AB", "null"},
		{"address abbreviations", Field{Name: "a", Kind: KindAddress}, "12 Mill Rd.", "12 mill road", "exact"},
		{"address run together", Field{Name: "a", Kind: KindAddress}, "12 tullaroop street", "12 tullaroopstreet", "exact"},
		{"address typo", Field{Name: "a", Kind: KindAddress}, "Flat 3, 12 Mill Road", "flat 3 12 mil road", "tokens_0.8"},
		{"address half", Field{Name: "a", Kind: KindAddress}, "12 Mill Road", "12 Mill Lane Leeds", "tokens_0.5"},
		{"address different", Field{Name: "a", Kind: KindAddress}, "12 Mill Road", "4 Church Avenue", "else"},
		{"nhs exact", Field{Name: "n", Kind: KindNHSNumber}, "943 476 5919", "9434765919", "exact"},
		{"nhs two valid differ", Field{Name: "n", Kind: KindNHSNumber}, "9434765919", "4010232137", "else"},
		{"nhs invalid one edit", Field{Name: "n", Kind: KindNHSNumber}, "9434765919", "9434765918", "one_edit"},
		{"nhs invalid digit dropped", Field{Name: "n", Kind: KindNHSNumber}, "9434765919", "943476591", "one_edit"},
		{"nhs invalid two edits", Field{Name: "n", Kind: KindNHSNumber}, "9434765919", "94347659", "two_edits"},
		{"phone national vs E.164", Field{Name: "p", Kind: KindPhone}, "07700 900123", "+44 7700 900123", "exact"},
		{"phone withheld", Field{Name: "p", Kind: KindPhone}, "withheld", "+44 7700 900123", "null"},
		{"phone different", Field{Name: "p", Kind: KindPhone}, "07700 900123", "07700 900999", "else"},
		{"email gmail dots and plus", Field{Name: "e", Kind: KindEmail}, "Jo.Bloggs+school@googlemail.com", "jobloggs@gmail.com", "exact"},
		{"email outlook keeps dots", Field{Name: "e", Kind: KindEmail}, "jo.b+x@outlook.com", "jo.b@outlook.com", "exact"},
		{"email same local part", Field{Name: "e", Kind: KindEmail}, "jo.b@outlook.com", "jo.b@yahoo.co.uk", "same_local_part"},
		{"email one edit", Field{Name: "e", Kind: KindEmail}, "jo.b@outlook.com", "jo.v@outlook.com", "one_edit"},
		{"handle case and at", Field{Name: "h", Kind: KindHandle}, "instagram:@Sunny_Days", "https://www.instagram.com/sunny_days/", "exact"},
		{"handle other platform", Field{Name: "h", Kind: KindHandle}, "tiktok:@sunny_days", "instagram:sunny_days", "other_platform"},
		{"handle one edit", Field{Name: "h", Kind: KindHandle}, "@sunny_days", "@suny_days", "one_edit"},
		{"device exact", Field{Name: "d", Kind: KindDevice}, "A1B2-C3", "a1b2-c3", "exact"},
		{"ip same /24", Field{Name: "i", Kind: KindIP}, "81.2.69.160", "81.2.69.7", "same_24"},
		{"ip different", Field{Name: "i", Kind: KindIP}, "81.2.69.160", "81.2.70.160", "else"},
		{"string one edit", Field{Name: "x", Kind: KindString}, "kellerberrin", "kelerberrin", "one_edit"},
		{"exact differs by case only", Field{Name: "x", Kind: KindExact}, "VIC", "vic", "exact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := level(t, tt.f, tt.a, tt.b); got != tt.want {
				t.Errorf("Compare(%s %q, %q) = %s, want %s", tt.f.Kind, tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestCompareSwappedNames(t *testing.T) {
	s, err := NewSchema([]Field{{Name: "g", Kind: KindGivenName}, {Name: "s", Kind: KindSurname}})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Prepare("a", []string{"Tamsin", "Hollis"})
	b := s.Prepare("b", []string{"Hollis", "Tamsin"})
	for i, want := range []string{"swapped", "swapped"} {
		if got := s.Fields[i].Kind.Levels()[s.Compare(i, &a, &b)]; got != want {
			t.Errorf("Compare(%s, Tamsin Hollis, Hollis Tamsin) = %s, want %s", s.Fields[i].Name, got, want)
		}
	}
}

func TestComparePostcodes(t *testing.T) {
	pc := func(s string) normalize.PostcodeParts {
		p, _ := normalize.AnyPostcode(s)
		return p
	}
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"full", "SW1A 1AA", "sw1a1aa", 0},
		{"sector", "SW1A 1AA", "SW1A 1AB", 1},
		{"district", "SW1A 1AA", "SW1A 2AB", 2},
		{"district alone", "SW1A", "SW1A 2AB", 2},
		{"area", "SW1A 1AA", "SW2 1AA", 3},
		{"else", "SW1A 1AA", "LS6 1AA", 4},
		{"missing", "", "LS6 1AA", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ComparePostcodes(pc(tt.a), pc(tt.b)); got != tt.want {
				t.Errorf("ComparePostcodes(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := ComparePostcodes(pc(tt.b), pc(tt.a)); got != tt.want {
				t.Errorf("ComparePostcodes(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

// TestScoreSymmetric checks score(a,b) == score(b,a) and equal explanations on random
// pairs of generated, deliberately messy records, with a field group and term
// frequencies in play.
func TestScoreSymmetric(t *testing.T) {
	fields := []Field{
		{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate},
		{Name: "postcode", Kind: KindPostcodeUK, Group: "location"}, {Name: "address", Kind: KindAddress, Group: "location"}, {Name: "nhs", Kind: KindNHSNumber},
		{Name: "phone", Kind: KindPhone}, {Name: "email", Kind: KindEmail}, {Name: "handle", Kind: KindHandle}, {Name: "ip", Kind: KindIP},
	}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Schema()
	pick := func(r *rand.Rand, opts ...string) string { return opts[r.IntN(len(opts))] }
	r := rand.New(rand.NewPCG(1, 2))
	recs := make([]Record, 400)
	for i := range recs {
		recs[i] = s.Prepare("x", []string{
			pick(r, "Tamsin", "tamsyn", "Libby", "Elizabeth", "", "J", "Jo-Anne", "Hollis"),
			pick(r, "Hollis", "hollins", "Okafor-Lindqvist", "Lindqvist", "", "Tamsin", "O'Brien"),
			pick(r, "2019-03-07", "2019-07-03", "2019-03", "2019", "2018-03-07", "", "20190307"),
			pick(r, "LS6 1AB", "ls61ab", "LS6", "LS16 1AB", "M1 1AB", ""),
			pick(r, "12 Mill Rd", "12 mill road flat 2", "4 Church Ave", "", "flat 2 12 mill road"),
			pick(r, "9434765919", "9434765918", "4010232137", ""),
			pick(r, "07700 900123", "withheld", "+447700900999", ""),
			pick(r, "a.b@gmail.com", "ab+x@gmail.com", "ab@yahoo.com", ""),
			pick(r, "@sunny", "tiktok:sunny", "@sunnny", ""),
			pick(r, "81.2.69.160", "81.2.69.7", "10.0.0.1", ""),
		})
	}
	s.SetFrequencies(recs)
	for k := 0; k < 5000; k++ {
		a, b := &recs[r.IntN(len(recs))], &recs[r.IntN(len(recs))]
		if x, y := m.Score(a, b), m.Score(b, a); x != y {
			t.Fatalf("Score(a, b) = %v, Score(b, a) = %v; explanations %+v / %+v", x, y, m.Explain(a, b), m.Explain(b, a))
		}
		if ea, eb := m.Explain(a, b), m.Explain(b, a); !reflect.DeepEqual(ea, eb) {
			t.Fatalf("Explain(a, b) = %+v, Explain(b, a) = %+v", ea, eb)
		}
	}
}

// TestScoreNoAlloc holds the pair loop to its promise: scoring prepared records does not
// allocate, whatever levels the fields fall in.
func TestScoreNoAlloc(t *testing.T) {
	fields := []Field{
		{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate},
		{Name: "postcode", Kind: KindPostcodeUK, Group: "loc"}, {Name: "address", Kind: KindAddress, Group: "loc"},
		{Name: "nhs", Kind: KindNHSNumber}, {Name: "email", Kind: KindEmail}, {Name: "phone", Kind: KindPhone},
	}
	m, err := NewModel(fields)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Schema()
	recs := []Record{
		s.Prepare("a", []string{"Mary-Jane", "Okafor-Lindqvist", "2016-04-09", "LS6 1AB", "12 Mill Rd", "9434765919", "a.b@gmail.com", "07700 900123"}),
		s.Prepare("b", []string{"Jane", "Lindqvist", "2016-09-04", "LS6 1ZZ", "12 mill road flat 2", "9434765918", "ab@gmail.com", "withheld"}),
		s.Prepare("c", []string{"Libby", "Hollis", "2015", "M1 1AB", "4 Church Ave", "", "x@y.org", "07700 900999"}),
	}
	s.SetFrequencies(recs)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range recs {
			for j := range recs {
				m.Score(&recs[i], &recs[j])
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Score allocations per 9 pairs = %v, want 0", allocs)
	}
}

func BenchmarkScore(b *testing.B) {
	fields := []Field{{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate}, {Name: "postcode", Kind: KindPostcodeUK}}
	m, err := NewModel(fields)
	if err != nil {
		b.Fatal(err)
	}
	s := m.Schema()
	x := s.Prepare("a", []string{"Tamsin", "Hollowell", "2016-04-09", "LS6 1AB"})
	y := s.Prepare("b", []string{"Tamsyn", "Holowell", "2016-09-04", "LS6 1ZZ"})
	for b.Loop() {
		m.Score(&x, &y)
	}
}
