package linkage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPairCount checks the pair estimator against counts worked by hand: the sum of n
// choose 2 over keys (n_A·n_B when linking), blocks over the limit counted apart, and a
// sample's counts scaled by 1/rate².
func TestPairCount(t *testing.T) {
	tests := []struct {
		name                string
		keys                []uint64
		src                 []uint8
		rate                float64
		maxBlock            int
		wantPairs, wantSkip int64
		wantOver            int
	}{
		{"empty", nil, nil, 1, 10, 0, 0, 0},
		{"no keys", []uint64{0, 0, 0}, nil, 1, 10, 0, 0, 0},
		{"all distinct", []uint64{3, 5, 7, 9}, nil, 1, 10, 0, 0, 0},
		{"one block of three", []uint64{5, 5, 5, 0}, nil, 1, 10, 3, 0, 0},
		{"blocks of 2, 3 and 4", []uint64{3, 5, 3, 5, 5, 9, 9, 9, 9}, nil, 1, 10, 1 + 3 + 6, 0, 0},
		{"missing keys are not a block", []uint64{0, 0, 7, 7}, nil, 1, 10, 1, 0, 0},
		{"a block over the limit is skipped", []uint64{3, 3, 3, 3, 5, 5}, nil, 1, 3, 1, 6, 1},
		{"linking counts A×B only", []uint64{5, 5, 5, 7, 7, 9, 9}, []uint8{0, 0, 1, 0, 0, 1, 0}, 1, 10, 2 + 0 + 1, 0, 0},
		{"linking, one side only", []uint64{5, 5, 5}, []uint8{1, 1, 1}, 1, 10, 0, 0, 0},
		{"keys differing in the low bit are one key", []uint64{4, 5}, nil, 1, 10, 1, 0, 0},
		{"a half sample counts four times", []uint64{5, 5, 7, 7, 7}, nil, 0.5, 100, 4 * (1 + 3), 0, 0},
		{"a sampled block scaled over the limit", []uint64{5, 5, 5, 7, 7}, nil, 0.1, 25, 10 * 10, 3 * 100, 1},
		{"a lone record of a thin sample still marks its block too large", []uint64{5, 7, 7}, nil, 0.01, 50, 0, 10000, 2},
		{"keys hashed to one slot probe on", colliding(64), nil, 1, 100, 64 * 3, 0, 0},
		{"the same keys again", colliding(64), nil, 1, 100, 64 * 3, 0, 0},
		{"linking keys hashed to one slot", colliding(5), []uint8{0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1}, 1, 100, 5 * 2, 0, 0},
	}
	// One table counts every case in turn, as ChooseBlocking counts its candidates: a
	// count must not see the keys of the one before.
	var shared keyCounts
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pairs, skip, over := PairCount(slices.Clone(tt.keys), tt.src, tt.rate, tt.maxBlock)
			if pairs != tt.wantPairs || skip != tt.wantSkip || len(over) != tt.wantOver {
				t.Errorf("PairCount(%v, %v, %g, %d) = %d, %d, %d oversized, want %d, %d, %d", tt.keys, tt.src, tt.rate, tt.maxBlock, pairs, skip, len(over), tt.wantPairs, tt.wantSkip, tt.wantOver)
			}
			pairs, skip, over = shared.pairCount(tt.keys, tt.src, tt.rate, tt.maxBlock)
			if pairs != tt.wantPairs || skip != tt.wantSkip || len(over) != tt.wantOver {
				t.Errorf("counted in a table used before: %d, %d, %d oversized, want %d, %d, %d", pairs, skip, len(over), tt.wantPairs, tt.wantSkip, tt.wantOver)
			}
		})
	}
}

// colliding returns n distinct keys, each three times, that keyCounts hashes to one
// slot: their products with its multiplier are 1, 3, 5 …, alike in the high bits.
func colliding(n int) []uint64 {
	const mul = 0x9e3779b97f4a7c15
	inv := uint64(mul) // the inverse of mul modulo 2⁶⁴, by Newton's iteration
	for range 5 {
		inv *= 2 - mul*inv
	}
	var keys []uint64
	for range 3 {
		for k := range uint64(n) {
			keys = append(keys, (2*k+1)*inv)
		}
	}
	return keys
}

// TestPairCountMatchesBlocker checks the estimator against the pairs a Blocker produces
// for the same rule, on random records, deduplicating and linking.
func TestPairCountMatchesBlocker(t *testing.T) {
	fields := []Field{{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate}}
	s, err := NewSchema(fields)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	given := []string{"Ada", "Bram", "Cleo", "Dov", "", "Bill", "William"}
	sur := []string{"Quill", "Rook", "Sable", "Quil", "Roke"}
	var recs []Record
	for i := range 400 {
		rec := s.Prepare(fmt.Sprint(i), []string{given[r.IntN(len(given))], sur[r.IntN(len(sur))], fmt.Sprintf("20%02d-0%d-1%d", r.IntN(3), 1+r.IntN(2), r.IntN(3))})
		rec.Source = uint8(r.IntN(2))
		recs = append(recs, rec)
	}
	rules := []BlockRule{
		{On: []BlockKey{{Field: "given"}}},
		{On: []BlockKey{{Field: "surname", Transform: "phonetic"}, {Field: "dob", Transform: "year"}}},
		{On: []BlockKey{{Field: "given", Transform: "nickname"}, {Field: "surname", Transform: "first"}}},
		{On: []BlockKey{{Field: "dob"}}},
	}
	for _, link := range []bool{false, true} {
		for _, rule := range rules {
			t.Run(fmt.Sprintf("%s link=%v", rule, link), func(t *testing.T) {
				b, err := NewBlocker(s, []BlockRule{rule}, recs, 40, link)
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Pairs(context.Background(), 1, func(int, int32, int32) {}); err != nil {
					t.Fatal(err)
				}
				st := b.Stats()[0]
				keys := make([]uint64, len(recs))
				var src []uint8
				if link {
					src = make([]uint8, len(recs))
				}
				for i := range recs {
					var hs []uint64
					for _, k := range rule.On {
						hs = append(hs, keyHash(&recs[i].vals[s.FieldIndex(k.Field)], k.Transform))
					}
					if len(hs) == 1 {
						keys[i] = hs[0]
					} else {
						keys[i] = combine(hs...)
					}
					if link {
						src[i] = recs[i].Source
					}
				}
				pairs, skipped, _ := PairCount(keys, src, 1, 40)
				if pairs != st.Pairs {
					t.Errorf("PairCount = %d pairs, Blocker produced %d", pairs, st.Pairs)
				}
				if !link && skipped != st.Skipped {
					t.Errorf("PairCount skipped %d pairs, Blocker %d", skipped, st.Skipped)
				}
			})
		}
	}
}

// TestRuleCoarser checks which rules contain which: a rule blocks every pair of a rule
// with more keys or finer transforms of the same fields.
func TestRuleCoarser(t *testing.T) {
	k := func(f, tr string) BlockKey { return BlockKey{Field: f, Transform: tr} }
	rule := func(ks ...BlockKey) BlockRule { return BlockRule{On: ks} }
	tests := []struct {
		name string
		a, b BlockRule
		want bool
	}{
		{"same rule", rule(k("s", "")), rule(k("s", "")), true},
		{"value within its first letters", rule(k("s", "first3")), rule(k("s", "")), true},
		{"first letter within first three", rule(k("s", "first")), rule(k("s", "first3")), true},
		{"first three not within first letter", rule(k("s", "first3")), rule(k("s", "first")), false},
		{"year within month", rule(k("d", "year")), rule(k("d", "year_month")), true},
		{"phonetic within value", rule(k("s", "phonetic")), rule(k("s", "")), true},
		{"phonetic not within first letters", rule(k("s", "phonetic")), rule(k("s", "first3")), false},
		{"one key within two", rule(k("s", "")), rule(k("s", ""), k("d", "")), true},
		{"two keys not within one", rule(k("s", ""), k("d", "")), rule(k("s", "")), false},
		{"coarser parts", rule(k("s", "first"), k("d", "year")), rule(k("d", ""), k("s", "phonetic"), k("s", "")), true},
		{"other field", rule(k("g", "")), rule(k("s", "")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ruleCoarser(tt.a, tt.b); got != tt.want {
				t.Errorf("ruleCoarser(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestChooseBlocking makes people with one error in each duplicate (a given name, a
// surname or a date of birth) and a reference that most duplicates lack: the chosen
// rules must find almost every duplicate within the budget, and the estimated recall
// must be near the true one.
// choiceRecords makes 1,500 people, about half of them with a duplicate that has one
// error and most often no reference; truth holds each record's person.
func choiceRecords(t *testing.T) (*Schema, []Record, []int) {
	t.Helper()
	fields := []Field{{Name: "given", Kind: KindGivenName}, {Name: "surname", Kind: KindSurname}, {Name: "dob", Kind: KindDate}, {Name: "ref", Kind: KindString}, {Name: "town", Kind: KindString}}
	s, err := NewSchema(fields)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	syll := []string{"ka", "lo", "mi", "ru", "te", "van", "sor", "bel", "dim", "ash"}
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		return b.String()
	}
	towns := []string{"Ashby", "Brill", "Corfe", "Dent", "Eyam", "Frome"}
	var recs []Record
	var truth []int
	for p := range 1500 {
		g, sn := word(2), word(3)
		dob := fmt.Sprintf("19%02d-%02d-%02d", r.IntN(100), 1+r.IntN(12), 1+r.IntN(28))
		town := towns[r.IntN(len(towns))]
		for c := range 1 + r.IntN(2) {
			ref := fmt.Sprintf("R%06d", p)
			gg, ss, dd := g, sn, dob
			if c > 0 {
				switch r.IntN(4) { // one error in each duplicate
				case 0:
					gg = gg[:len(gg)-1] + "x"
				case 1:
					ss = "q" + ss[1:]
				case 2:
					dd = fmt.Sprintf("19%02d-01-01", r.IntN(100))
				case 3:
					ref = ""
				}
				if r.IntN(3) > 0 {
					ref = "" // the reference is missing from most duplicates
				}
			}
			rec := s.Prepare(fmt.Sprint(len(recs)), []string{gg, ss, dd, ref, town})
			rec.Source = uint8(c) // linking: originals against duplicates
			recs = append(recs, rec)
			truth = append(truth, p)
		}
	}
	return s, recs, truth
}

func TestChooseBlocking(t *testing.T) {
	s, recs, truth := choiceRecords(t)
	rep, err := ChooseBlocking(context.Background(), s, recs, false, AutoOptions{MaxPairs: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first pass %v: %d sampled, %.1f probable matches", rep.FirstPass, rep.Sampled, rep.Matches)
	for _, c := range rep.Chosen {
		t.Logf("%-40s pairs %6d recall %.4f adds %.4f", c.Rule, c.Pairs, c.Recall, c.Gain)
	}
	b, err := NewBlocker(s, rep.Rules(), recs, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Pairs(context.Background(), 1, func(int, int32, int32) {}); err != nil {
		t.Fatal(err)
	}
	var produced int64
	for _, st := range b.Stats() {
		produced += st.Pairs
	}
	if rep.Pairs > 20_000 || produced > 20_000 {
		t.Errorf("chosen rules estimate %d pairs and produce %d, want both within the budget of 20,000", rep.Pairs, produced)
	}
	var kept, all int
	for i := range recs {
		for j := i + 1; j < len(recs) && truth[j] == truth[i]; j++ {
			all++
			if b.Covers(i, j) >= 0 {
				kept++
			}
		}
	}
	t.Logf("estimated recall %.4f, blocking recall %d/%d, %d pairs", rep.Recall, kept, all, produced)
	if float64(kept) < 0.98*float64(all) {
		t.Errorf("chosen rules %v keep %d of %d true pairs, want at least 98%%", rep.Rules(), kept, all)
	}
	if got := float64(kept) / float64(all); rep.Recall < got-0.05 || rep.Recall > got+0.05 {
		t.Errorf("estimated recall %.4f, true blocking recall %.4f: want them within 0.05", rep.Recall, got)
	}
	if len(rep.Rules()) == 1 && rep.Rules()[0].String() == "ref" {
		t.Errorf("chose only the reference, which most duplicates lack")
	}
}

// TestExplicitRulesKept checks that a configuration's own blocking rules are the ones
// used, in their order, and that nothing is chosen from the data then.
func TestExplicitRulesKept(t *testing.T) {
	c := loadConfig(t, "testdata/febrl.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		t.Fatal(err)
	}
	tb := readTable(t, c, s, febrlPath(t, "dataset1.csv"), 0)
	res, err := c.Run(context.Background(), s, tb.Records, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Auto != nil {
		t.Errorf("Run with %d configured rules chose rules from the data: %v", len(c.Blocking), res.Auto.Rules())
	}
	var got, want []string
	for _, r := range res.Blocker.Rules {
		got = append(got, r.String())
	}
	for _, r := range c.Blocking {
		want = append(want, r.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("Run blocked on %v, want the configuration's %v", got, want)
	}
	if _, ok := res.Model.Meta["blocking_chosen"]; ok {
		t.Errorf("model meta has blocking_chosen for a configuration with rules")
	}
}

// TestFirstPassWeights checks what the first pass estimates from its sample alone, its
// pairs weighed by the inverse of their chance of being drawn, against the same figures
// counted over every pair of the rules: how many pairs the rules make together and the
// prior that [Train] fits with all the pairs.
// Sampled thinly (a few thousand pairs from rules that make tens of thousands), an
// unweighted count would be several times too small.
func TestFirstPassWeights(t *testing.T) {
	s, recs, _ := choiceRecords(t)
	key := func(f, tr string) BlockKey { return BlockKey{Field: f, Transform: tr} }
	tests := []struct {
		name   string
		link   bool
		sample int64
		rules  []BlockRule
	}{
		{"dedupe, loose rules thinly sampled", false, 6000, []BlockRule{
			{On: []BlockKey{key("surname", "phonetic")}},
			{On: []BlockKey{key("dob", "year_month")}},
			{On: []BlockKey{key("given", "first"), key("town", "")}},
		}},
		{"dedupe, a tight rule whole and loose ones thinly", false, 6000, []BlockRule{
			{On: []BlockKey{key("ref", "")}},
			{On: []BlockKey{key("given", "first3"), key("dob", "year")}},
			{On: []BlockKey{key("surname", "first"), key("town", "")}},
		}},
		{"link, loose rules thinly sampled", true, 4000, []BlockRule{
			{On: []BlockKey{key("surname", "phonetic")}},
			{On: []BlockKey{key("dob", "year_month")}},
			{On: []BlockKey{key("given", "first"), key("town", "")}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b, err := NewBlocker(s, tt.rules, recs, 0, tt.link)
			if err != nil {
				t.Fatal(err)
			}
			var union int64
			if err := b.Pairs(ctx, 1, func(int, int32, int32) { union++ }); err != nil {
				t.Fatal(err)
			}
			cands := make([]candidate, len(tt.rules))
			first := make([]int, len(tt.rules))
			for r, rule := range tt.rules {
				keys := make([]uint64, len(recs))
				var src []uint8
				if tt.link {
					src = make([]uint8, len(recs))
				}
				for i := range recs {
					keys[i] = b.keys[r][i]
					if tt.link {
						src[i] = recs[i].Source
					}
				}
				cands[r] = candidate{rule: rule}
				cands[r].pairs, _, _ = PairCount(keys, src, 1, 5000)
				first[r] = r
			}
			fp, err := sampleFirstPass(ctx, s, recs, tt.rules, cands, first, tt.link, AutoOptions{SamplePairs: tt.sample, MaxBlock: 5000})
			if err != nil {
				t.Fatal(err)
			}
			want, err := Train(ctx, s, recs, b, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			est, _ := fp.model.Meta["blocked_pairs"].(int64)
			t.Logf("%d pairs drawn of %d; estimated %d pairs; prior %.3g, Train's %.3g", fp.sampled, union, est, fp.model.Prior, want.Prior)
			if fp.sampled*3 > union {
				t.Fatalf("%d of %d pairs drawn: the rules are sampled too thickly to test the weights", fp.sampled, union)
			}
			// Drawn by anchor records, a block's pairs come in bunches: over seeds
			// the estimate of the pairs falls within ±25%, the prior within ±10%.
			if d := float64(est)/float64(union) - 1; math.Abs(d) > 0.3 {
				t.Errorf("estimated %d pairs for the rules together, they make %d: want within 30%%", est, union)
			}
			if r := fp.model.Prior / want.Prior; r < 0.8 || r > 1.25 {
				t.Errorf("prior %.4g from the sample, %.4g from all pairs (Train): want within a quarter", fp.model.Prior, want.Prior)
			}
		})
	}
}
