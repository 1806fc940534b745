package synth

import (
	"strings"
	"testing"
)

func TestStoryFill(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // any of these
	}{
		{"plain", "no placeholders", []string{"No placeholders"}},
		{"variable", "{child} is {age}", []string{"Ella is 7"}},
		{"capital first", "{mum} said", []string{"Jo said"}},
		{"alternatives", "a {x|y} b", []string{"A x b", "A y b"}},
		{"nested", "{p {child}|q}", []string{"P Ella", "Q"}},
		{"empty alternative", "go{ now|}", []string{"Go now", "Go"}},
		{"unknown kept", "{nosuch} here", []string{"{nosuch} here"}},
		{"unclosed kept", "oops {child", []string{"Oops {child"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for seed := uint64(0); seed < 40; seed++ {
				s := newStory(newRand(1, 77, seed)).set("child", "Ella").set("age", "7").set("mum", "jo")
				got := s.fill(tt.in)
				ok := false
				for _, w := range tt.want {
					ok = ok || got == w
				}
				if !ok {
					t.Fatalf("fill(%q) = %q, want one of %q", tt.in, got, tt.want)
				}
				seen[got] = true
			}
			if len(seen) != len(tt.want) {
				t.Errorf("fill(%q) over 40 seeds gave %d forms, want all %d", tt.in, len(seen), len(tt.want))
			}
		})
	}
}

func TestHelplineEdit(t *testing.T) {
	r := newRand(3, 77, 0)
	in := "I am so WORRIED!!! I saw her hit him... my neighbour too!?"
	for i := 0; i < 20; i++ {
		got := helplineEdit(r, in, false)
		for _, bad := range []string{"!!", "...", "WORRIED", " I ", " my ", "Anonymous caller"} {
			if strings.Contains(got, bad) {
				t.Fatalf("helplineEdit(%q) = %q, still contains %q", in, got, bad)
			}
		}
		if !strings.Contains(got, "neighbour") {
			t.Fatalf("helplineEdit(%q) = %q, lost the content", in, got)
		}
	}
}

func TestGendered(t *testing.T) {
	mum, dad := &human{Given: "Jo"}, &human{Given: "Sam"}
	g := &famGen{fam: family{mother: mum, father: dad, pub: &public{who: dad}}}
	tests := []struct{ in, want string }{
		{"she posts her kids online", "he posts his kids online"},
		{"report her again!", "report him again!"},
		{"the children are scared of her.", "the children are scared of him."},
		{"Her page is a disgrace, that woman is a mum", "His page is a disgrace, that man is a dad"},
		{"Miss Perfect thinks she's untouchable", "Mr Perfect thinks he's untouchable"},
		{"nothing to change", "nothing to change"},
		{"He posted it herself, the proof", "He posted it himself, the proof"},
	}
	for _, tt := range tests {
		if got := g.gendered(tt.in); got != tt.want {
			t.Errorf("gendered(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	g.fam.pub.who = mum
	if got := g.gendered("she posts her kids"); got != "she posts her kids" {
		t.Errorf("gendered for a mother who posts = %q, want it unchanged", got)
	}
}
