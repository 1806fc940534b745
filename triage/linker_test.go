package triage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// TestScoreBound holds scoreBound above what score gives, for referrals
// and families made of a few common names with strangers' typos, dates of
// every precision, NHS numbers, handles and addresses: a candidate the
// bound leaves out must be one score would have put below the linking bar.
// It also checks that the bound leaves out some: a bound that never cuts
// would pass and do nothing.
func TestScoreBound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	given := []string{"Ava", "Ada", "Isla", "Noah", "Leo", "Mia", "Amir", "Zara", "Ella", "Ollie"}
	family := []string{"Quenby", "Quenbie", "Larch", "Tarrant", "Tarrent", "Ormsby", "Vance", ""}
	towns := []string{"Oakhampton", "Okehampton", "Bridford", "Tarrow", ""}
	postcodes := []string{"ZZ1 1AB", "ZZ1 1AD", "ZZ1", "ZZ9 9ZZ", "YY2 3CD", ""}
	person := func(role bonafide.PersonRole) bonafide.Person {
		p := bonafide.Person{GivenName: given[r.IntN(len(given))], FamilyName: family[r.IntN(len(family))], Role: role}
		if r.IntN(5) == 0 {
			p.GivenName, p.FamilyName = p.FamilyName, p.GivenName // swapped by the reporter
		}
		if r.IntN(4) == 0 {
			p.GivenName = strings.ToLower(p.GivenName)
		}
		switch r.IntN(4) {
		case 0:
			p.DOB = bonafide.PartialDate{Year: 2015 + r.IntN(4), Month: 1 + r.IntN(3), Day: 1 + r.IntN(3)}
		case 1:
			p.DOB = bonafide.PartialDate{Year: 2015 + r.IntN(4), Month: 1 + r.IntN(3)}
		case 2:
			p.DOB = bonafide.PartialDate{Year: 2015 + r.IntN(4)}
		}
		if r.IntN(6) == 0 {
			p.NHSNumber = []string{"943 476 5919", "401 023 2137"}[r.IntN(2)]
		}
		if r.IntN(6) == 0 {
			p.SocialHandles = []bonafide.SocialHandle{{Platform: "instagram", Handle: []string{"@quenby.fam", "@larch_life"}[r.IntN(2)]}}
		}
		return p
	}
	referral := func(i int) *bonafide.Referral {
		ref := &bonafide.Referral{ID: fmt.Sprintf("B%d", i), Narrative: "Concern about the children."}
		for range 1 + r.IntN(3) {
			ref.Children = append(ref.Children, person(bonafide.RoleChild))
		}
		for range r.IntN(3) {
			ref.Adults = append(ref.Adults, person(bonafide.RoleMother))
		}
		ref.Address = &bonafide.Address{Town: towns[r.IntN(len(towns))], Postcode: postcodes[r.IntN(len(postcodes))],
			Line1: []string{"1 Larch Road", "1 Larch Rd", ""}[r.IntN(3)]}
		return ref
	}
	fl := newFamilyLinker()
	var fams []*familyRec
	for i := range 300 {
		f := &familyRec{id: int32(i)}
		fl.families = append(fl.families, f)
		fl.parent = append(fl.parent, f.id)
		fl.last = append(fl.last, neverReferred)
		for j := range 1 + r.IntN(3) {
			ref := referral(1000*i + j)
			fl.absorb(f, ref, blockKeys(ref))
		}
		fams = append(fams, f)
	}
	cut, reached := 0, 0
	for i := range 300 {
		k := newRefKeys(referral(i))
		for _, f := range fams {
			base, hh := fl.score(k, f)
			bound := fl.scoreBound(k, f)
			if base+hh > bound {
				t.Fatalf("score %.2f + %.2f above its bound %.2f for referral %+v and family %+v", base, hh, bound, k, f)
			}
			if bound < fl.minScore {
				cut++
			}
			if base+hh >= fl.minScore {
				reached++
			}
		}
	}
	if cut == 0 || reached == 0 {
		t.Errorf("of 90,000 pairs the bound cut %d and %d reached the bar: the test data do not exercise it", cut, reached)
	}
	t.Logf("of 90,000 pairs: %d cut by the bound, %d reach the linking score", cut, reached)
}

// TestMergeOrder: when a referral matches more than two families kept
// apart (more than merge takes at once), the families merged are the
// same on every run, whatever order Go's maps iterate in.
func TestMergeOrder(t *testing.T) {
	ref := func(id string) *bonafide.Referral {
		return &bonafide.Referral{ID: id,
			Children: []bonafide.Person{{GivenName: "Ada", FamilyName: "Quenby", DOB: bonafide.PartialDate{Year: 2019, Month: 4, Day: 11}}},
			Adults:   []bonafide.Person{{GivenName: "Mira", FamilyName: "Quenby", Role: bonafide.RoleMother}},
			Address:  &bonafide.Address{Town: "Oakhampton", Postcode: "ZZ1 1AB", Line1: "1 Larch Road"}}
	}
	var first []int32
	for run := range 30 {
		fl := newFamilyLinker()
		for i := range 5 { // five records of one family, as if never linked
			f := &familyRec{id: int32(i)}
			fl.families = append(fl.families, f)
			fl.parent = append(fl.parent, f.id)
			fl.last = append(fl.last, neverReferred)
			r := ref(fmt.Sprint("F", i))
			keys := blockKeys(r)
			fl.absorb(f, r, keys)
		}
		id, merged := fl.link(ref("R"), newRefKeys(ref("R")).words, nil, time.Date(2025, 5, 6, 9, 0, 0, 0, time.UTC))
		if id != 0 || len(merged) != 2 {
			t.Fatalf("run %d: linked to %d, merged %v; want family 0 and two merged", run, id, merged)
		}
		if first == nil {
			first = merged
		} else if !slices.Equal(merged, first) {
			t.Fatalf("run %d merged %v, an earlier run %v: the order depends on the map", run, merged, first)
		}
	}
	if !slices.Equal(first, []int32{1, 2}) {
		t.Errorf("merged %v, want the lowest-numbered [1 2]", first)
	}
}
