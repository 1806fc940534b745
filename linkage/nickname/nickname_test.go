package nickname

import (
	"slices"
	"strings"
	"testing"
)

func TestEmbeddedTable(t *testing.T) {
	tab, err := Parse(namesTxt)
	if err != nil {
		t.Fatalf("Parse(names.txt) error: %v", err)
	}
	if n := tab.Len(); n < 300 {
		t.Errorf("Parse(names.txt).Len() = %d, want at least 300 groups", n)
	}
}

func TestRelated(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"charlotte lottie", "Charlotte", "Lottie", true},
		{"charlotte charlie", "charlotte", "CHARLIE", true},
		{"charles charlie", "Charles", "Charlie", true},
		{"charlie chas", "Charlie", "Chas", true},
		{"charlotte chas not related", "Charlotte", "Chas", false},
		{"charles charlotte not related", "Charles", "Charlotte", false},
		{"samuel samantha not related", "Samuel", "Samantha", false},
		{"joseph josephine not related", "Joseph", "Josephine", false},
		{"patrick patricia not related", "Patrick", "Patricia", false},
		{"sam samantha", "Sam", "Samantha", true},
		{"sam samuel", "Sam", "Samuel", true},
		{"thomas tom", "Thomas", "Tom", true},
		{"thomas tommy", "Thomas", "Tommy", true},
		{"tom tommy", "tom", "tommy", true},
		{"elizabeth liz", "Elizabeth", "Liz", true},
		{"elizabeth beth", "Elizabeth", "Beth", true},
		{"elizabeth betty", "Elizabeth", "Betty", true},
		{"elizabeth libby", "Elizabeth", "Libby", true},
		{"margaret maggie", "Margaret", "Maggie", true},
		{"margaret peggy", "Margaret", "Peggy", true},
		{"william bill", "William", "Bill", true},
		{"william will", "William", "Will", true},
		{"william liam", "William", "Liam", true},
		{"liam bill", "Liam", "Bill", true},
		{"edward ted", "Edward", "Ted", true},
		{"edward ned", "Edward", "Ned", true},
		{"edward eddie", "Edward", "Eddie", true},
		{"alexander alex", "Alexander", "Alex", true},
		{"alexander sandy", "Alexander", "Sandy", true},
		{"alex sandy via alexander", "Alex", "Sandy", true},
		{"katherine catherine", "Katherine", "Catherine", true},
		{"kathryn kate", "Kathryn", "Kate", true},
		{"catherine kathryn", "Catherine", "Kathryn", true},
		{"mohammed muhammad", "Mohammed", "Muhammad", true},
		{"mohamed muhammad", "Mohamed", "Muhammad", true},
		{"mohammad muhammed", "mohammad", "MUHAMMED", true},
		{"aisha ayesha", "Aisha", "Ayesha", true},
		{"siobhan shevaun", "Siobhan", "Shevaun", true},
		{"zoe accent", "Zoë", "zoe", true},
		{"mhairi vari", "Mhairi", "Vari", true},
		{"old abbreviation with stop", "Wm.", "Bill", true},
		{"kacper jasper", "Kacper", "Jasper", true},
		{"mehmet mohammed", "Mehmet", "Mohammed", true},
		{"oleksandr alexander", "Oleksandr", "Alexander", true},
		{"barry baz", "Barry", "Baz", true},
		{"surrounding space", "  Tom ", "thomas", true},
		{"apostrophe dropped", "Ma'ry", "molly", true},
		{"equal unknown names", "Zebedee", "zebedee", true},
		{"equal two-word names", "Mary Jane", "mary jane", true},
		{"two-word name is not looked up", "Mary Jane", "Molly", false},
		{"different unknown names", "Zebedee", "Xerxes", false},
		{"unrelated known names", "Thomas", "William", false},
		{"margaret william", "Peggy", "Bill", false},
		{"empty", "", "", false},
		{"one empty", "Tom", "", false},
		{"non latin", "Мария", "maria", false},
		{"too long", strings.Repeat("a", 100), strings.Repeat("a", 100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Related(tt.a, tt.b); got != tt.want {
				t.Errorf("Related(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := Related(tt.b, tt.a); got != tt.want {
				t.Errorf("Related(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // keys that must be among the result
		none bool     // the result must be nil
	}{
		{"full name is its own key", "Charlotte", []string{"charlotte"}, false},
		{"charlie two groups", "Charlie", []string{"charles", "charlotte"}, false},
		{"alex two groups", "ALEX", []string{"alexander", "alexandra"}, false},
		{"peggy", "peggy", []string{"margaret"}, false},
		{"mohd", "Mohd", []string{"muhammad"}, false},
		{"unknown", "Xerxes", nil, true},
		{"empty", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Canonical(tt.in)
			if tt.none {
				if got != nil {
					t.Errorf("Canonical(%q) = %v, want nil", tt.in, got)
				}
				return
			}
			if !slices.IsSorted(got) {
				t.Errorf("Canonical(%q) = %v, want sorted", tt.in, got)
			}
			for _, k := range tt.want {
				if !slices.Contains(got, k) {
					t.Errorf("Canonical(%q) = %v, want it to contain %q", tt.in, got, k)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr bool
		related [][2]string
	}{
		{"comments and blanks", "# c\n\nann annie\n", false, [][2]string{{"ann", "annie"}}},
		{"merged key", "ann annie\nann nan\n", false, [][2]string{{"annie", "nan"}}},
		{"single member", "ann\n", true, nil},
		{"upper case word", "ann Annie\n", true, nil},
		{"digit", "ann ann1e\n", true, nil},
		{"leading hyphen", "ann -ann\n", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Parse(tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v, want error %v", tt.text, err, tt.wantErr)
			}
			for _, p := range tt.related {
				if !tab.Related(p[0], p[1]) {
					t.Errorf("Parse(%q).Related(%q, %q) = false, want true", tt.text, p[0], p[1])
				}
			}
		})
	}
}

func TestGroup(t *testing.T) {
	g := Default().Group("Margaret")
	if len(g) == 0 || g[0] != "margaret" || !slices.Contains(g, "peggy") {
		t.Errorf("Group(%q) = %v, want margaret first and peggy in it", "Margaret", g)
	}
	if g := Default().Group("peggy"); g != nil {
		t.Errorf("Group(%q) = %v, want nil (not a key)", "peggy", g)
	}
}

func TestNoAllocation(t *testing.T) {
	Default()
	allocs := testing.AllocsPerRun(100, func() {
		_ = Canonical("Charlotte")
		_ = Related("Margaret", "PEGGY")
		_ = Related("Zoë", "Chloe")
	})
	if allocs != 0 {
		t.Errorf("Canonical and Related allocate %v times per run, want 0", allocs)
	}
}

// TestMask checks Mask's promise over every pair of names the table
// holds, in the cases TestRelated uses and in other spellings: names
// Related must share a bit of their masks. It also checks that the masks
// of unrelated names seldom meet, or a mask of all ones would pass.
func TestMask(t *testing.T) {
	tab := Default()
	names := make([]string, 0, len(tab.keys))
	for w := range tab.keys {
		names = append(names, w)
	}
	slices.Sort(names)
	names = append(names, "Zoë", "ZOE", "O'Neil", "oneil", "Wm.", "Xerxes", "Þór", "", " ", strings.Repeat("a", 60))
	masks := make([]uint64, len(names))
	for i, n := range names {
		masks[i] = Mask(n)
	}
	related, unrelated, meet := 0, 0, 0
	for i, a := range names {
		for j, b := range names {
			switch {
			case Related(a, b):
				related++
				if masks[i]&masks[j] == 0 {
					t.Fatalf("Related(%q, %q), but their masks %#x and %#x share no bit", a, b, masks[i], masks[j])
				}
			default:
				unrelated++
				if masks[i]&masks[j] != 0 {
					meet++
				}
			}
		}
	}
	if related < len(tab.keys) {
		t.Fatalf("%d related pairs among %d names: fewer than the names themselves", related, len(names))
	}
	share := float64(meet) / float64(unrelated)
	t.Logf("%d names, %d related pairs; the masks of %.1f %% of unrelated pairs meet", len(names), related, 100*share)
	if share > 0.2 {
		t.Errorf("the masks of %.1f %% of unrelated pairs meet, want under 20 %%", 100*share)
	}
	for _, n := range []string{"", " ", "Þór", strings.Repeat("a", 60)} {
		if m := Mask(n); m != 0 {
			t.Errorf("Mask(%q) = %#x, want 0: Related never matches it", n, m)
		}
	}
}

func FuzzMask(f *testing.F) {
	for _, p := range [][2]string{{"Margaret", "Peggy"}, {"Zoë", "zoe"}, {"Wm.", "william"}, {"bob", "Robert"}, {"Xerxes", "Tom"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if Related(a, b) && Mask(a)&Mask(b) == 0 {
			t.Fatalf("Related(%q, %q), but their masks %#x and %#x share no bit", a, b, Mask(a), Mask(b))
		}
	})
}

func BenchmarkRelated(b *testing.B) {
	pairs := [][2]string{{"Margaret", "Peggy"}, {"william", "bill"}, {"Zoë", "Chloe"}, {"Xerxes", "Tom"}}
	Default()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		Related(p[0], p[1])
		i++
	}
}

func BenchmarkCanonical(b *testing.B) {
	names := []string{"Charlotte", "alex", "Mohamed", "Xerxes"}
	Default()
	i := 0
	for b.Loop() {
		Canonical(names[i%len(names)])
		i++
	}
}
