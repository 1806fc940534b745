package textsim

import (
	"hash/fnv"
	"testing"
)

func TestNearDuplicate(t *testing.T) {
	orig := "Caller says the mother leaves the two children alone in the flat every evening while she goes out drinking, and the youngest has been seen crying at the window."
	tests := []struct {
		name  string
		other string
		dup   bool // should be found by LSH and score >= 0.5
	}{
		{"helpline edit of the same call", "Caller reports that the mother leaves her two children alone in the flat each evening while she goes out drinking; youngest seen crying at the window.", true},
		{"another concern about the same family", "The school is worried that the children arrive hungry and without a coat, and attendance has fallen this term.", false},
	}
	idx := NewLSH()
	a := MinHash(ShingleHashes(orig, 2))
	idx.Add(1, &a)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := MinHash(ShingleHashes(tt.other, 2))
			found := false
			idx.Candidates(&b, 0, func(id int32) { found = found || id == 1 })
			sim := a.Similarity(&b)
			if got := found && sim >= 0.5; got != tt.dup {
				t.Errorf("near duplicate(%q) = %v (candidate %v, similarity %.2f), want %v", tt.other, got, found, sim, tt.dup)
			}
		})
	}
}

func TestStyle(t *testing.T) {
	troll1 := "this mother is DISGUSTING!!! she is always drunk and the kids are filthy... somebody needs to do something NOW!!!"
	troll2 := "Kayleigh Brown is a DISGRACE!!! always off her face and them kids look filthy... someone do something NOW!!!"
	teacher := "Ruby came into school on Tuesday morning wearing the same uniform as last week. She told her class teacher that there was no food at home. We have spoken to her mother, who was receptive."
	tests := []struct {
		name  string
		a, b  string
		alike bool
	}{
		{"same troll, different family names", troll1, troll2, true},
		{"troll and teacher", troll1, teacher, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Cosine(NewProfile(tt.a), NewProfile(tt.b))
			if got := c >= 0.5; got != tt.alike {
				t.Errorf("Cosine(%q, %q) = %.3f, want alike=%v", tt.a, tt.b, c, tt.alike)
			}
		})
	}
}

func TestRestates(t *testing.T) {
	post := "Sunday barbecue with the family, first glass of wine in months! Media: mother holding a wine glass next to a paddling pool, toddler in the pool"
	tests := []struct {
		name      string
		narrative string
		restates  bool
	}{
		{"twisted from the post", "She was drinking wine all day at a barbecue while the toddler was left in a paddling pool.", true},
		{"unrelated first-hand concern", "The boy has had nits for months and comes to school in dirty clothes; mum says she cannot afford a washing machine.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Restates(tt.narrative, post, nil)
			if got := len(o.Shared) >= 3 && o.Coverage >= 0.2; got != tt.restates {
				t.Errorf("Restates(%q) = %v %.2f, want restates=%v", tt.narrative, o.Shared, o.Coverage, tt.restates)
			}
		})
	}
}

func TestFirstHandDetail(t *testing.T) {
	tests := []struct {
		name      string
		narrative string
		want      int
	}{
		{"time place and seeing", "On Tuesday at about 8pm I saw him drag the boy by the arm outside the shop.", 3},
		{"professional observation", "At drop-off this morning she told me she had not eaten since yesterday.", 2},
		{"nothing first-hand", "Everyone knows she is an unfit mother and those poor kids are neglected, it's obvious.", 0},
		{"place only", "The children are left alone in the flat.", 1},
		{"clock time only", "It was 15:34 when the shouting started.", 1},
		{"am/pm time", "Around 10pm the music was still going.", 1},
		{"weeks ago", "This happened three weeks ago, nobody came.", 1},
		{"a year and a decimal are not times", "Since 2019 she has had 2.5 stone of weight loss.", 0},
		{"seeing with an auxiliary", "We have seen the bruises.", 1},
		{"months word may is not a date", "She may be drinking.", 0},
		{"smelling through the wall", "I can smell cannabis through the wall.", 2},
		{"a smell nobody perceived", "The flat smells of cannabis.", 0},
		{"a place with a word before it and a spoken time", "The little one was sat in a dirty nappy in the back garden at about half seven, crying.", 2},
		{"on a step", "There were empty cans and bottles all over the front step again, he was on the front step.", 1},
		{"all week", "He has been wearing the same clothes all week.", 1},
		{"gone eleven", "The music was still going at gone eleven.", 1},
		{"a word between is not a place", "She is in the wrong and in a state.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FirstHandDetail(tt.narrative); got.Count() != tt.want {
				t.Errorf("FirstHandDetail(%q) = %+v (%d), want %d kinds", tt.narrative, got, got.Count(), tt.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short", "hello  world", 20, "hello world"},
		{"cut on a word", "the quick brown fox jumps", 12, "the quick…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quote(tt.in, tt.n); got != tt.want {
				t.Errorf("Quote(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestManner(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		hostile bool // Score() >= 0.5
	}{
		{"attack", "This mother is DISGUSTING and the kids are ALWAYS filthy!!! Do your job!", true},
		{"worried account", "I noticed on Tuesday that her son had no coat again. I spoke to the GP and the NHS nurse.", false},
		{"acronyms are not shouting", "The DSL and CAMHS have been told; the GP has seen him.", false},
		{"lies and a demand", "She posts her perfect life online but it's all lies. Sort it out.", true},
		{"enough is enough", "She should not have kids. Enough is enough.", true},
		{"why has nobody", "Why has nobody done anything about her? Sort it out.", true},
		{"a worried question", "I don't know why she stopped taking him to nursery.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MannerOf(tt.text)
			if got := m.Score() >= 0.5; got != tt.hostile {
				t.Errorf("MannerOf(%q).Score() = %.2f (%+v), want hostile=%v", tt.text, m.Score(), m, tt.hostile)
			}
		})
	}
}

// TestMannerSick: "sick" after a word of feeling is the reporter's
// distress; anywhere else it is counted as hostile.
func TestMannerSick(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		hostile    int
	}{
		{"felt sick", "I felt sick watching it, he can't be more than three.", 0},
		{"feel sick", "I feel sick about it.", 0},
		{"makes me sick", "Those poor kids, it makes me sick.", 1},
		{"she is sick", "She is sick in the head.", 1},
		{"both", "I felt sick. She is sick.", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(MannerOf(tt.text).Hostile); got != tt.hostile {
				t.Errorf("len(MannerOf(%q).Hostile) = %d, want %d", tt.text, got, tt.hostile)
			}
		})
	}
}

// TestFNVMatchesHashFNV holds the allocation-free hash to hash/fnv's
// New64a, whose values the stored checkpoints' shingles and claims were
// made with.
func TestFNVMatchesHashFNV(t *testing.T) {
	for _, words := range [][]string{
		nil,
		{""},
		{"bruise"},
		{"drink", "pregnan"},
		{"ünïcode", "façade", "naïve"},
		{"a\x00b", "\xff\xfe"},
	} {
		std := fnv.New64a()
		h := NewFNV()
		for _, w := range words {
			std.Write([]byte(w))
			std.Write([]byte{0})
			h = h.Add(w).AddByte(0)
		}
		if uint64(h) != std.Sum64() {
			t.Errorf("%q: FNV %#x, hash/fnv %#x", words, uint64(h), std.Sum64())
		}
	}
}
