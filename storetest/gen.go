package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"bonafide"
)

// Invented name parts; none is meant to be a real person.
var (
	givenNames  = []string{"Aldra", "Brim", "Cassow", "Delphy", "Eskar", "Fenn", "Gossamy", "Harl", "Ivett", "Jorum", "Kestle", "Lumo"}
	familyNames = []string{"Quillfeather", "Marrowby", "Tansley-Orm", "Vexholt", "Brindlecombe", "Ostrander-Pike", "Wetherell", "Castaline"}
	towns       = []string{"Testbury", "Exampleton", "Sampleford", "Mockham"}
	words       = strings.Fields("the child was seen outside late at night without a coat and appeared hungry neighbours heard " +
		"shouting from the flat on several evenings and the school reported missed days and bruising on the arm " +
		"mother said the injury came from a fall in the park but the account changed when asked again")
)

// GenReferral makes a realistic referral for benchmarks: two children, two adults, an
// address, concerns, a reporter and a narrative of about 300 characters. It is
// deterministic for a given rng; the names are invented.
func GenReferral(rng *rand.Rand, id string) *bonafide.Referral {
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	family := pick(familyNames)
	person := func(role bonafide.PersonRole, year int) bonafide.Person {
		return bonafide.Person{
			GivenName: pick(givenNames), FamilyName: family,
			DOB:       bonafide.PartialDate{Year: year, Month: 1 + rng.IntN(12), Day: 1 + rng.IntN(28)},
			NHSNumber: fmt.Sprintf("%010d", rng.Int64N(1e10)), Sex: []string{"F", "M"}[rng.IntN(2)], Role: role,
		}
	}
	var narrative strings.Builder
	for narrative.Len() < 300 {
		narrative.WriteString(pick(words))
		narrative.WriteByte(' ')
	}
	return &bonafide.Referral{
		ID:         id,
		ReceivedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))),
		Channel:    bonafide.ChannelPhone,
		SourceCode: "1A",
		Reporter: &bonafide.Reporter{
			GivenName: pick(givenNames), FamilyName: pick(familyNames), Phone: fmt.Sprintf("07700 9%05d", rng.IntN(1e5)),
			Email:        "reporter@example.invalid",
			Address:      &bonafide.Address{Line1: fmt.Sprintf("%d Elm Walk", 1+rng.IntN(200)), Town: pick(towns), Postcode: "ZZ1 1ZZ"},
			Relationship: bonafide.RelNeighbour, ContactIP: "192.0.2.1", DeviceID: fmt.Sprintf("dev-%x", rng.Uint32()),
		},
		KnowledgeBasis: bonafide.KnowledgeFirstHand,
		Children:       []bonafide.Person{person(bonafide.RoleChild, 2012+rng.IntN(10)), person(bonafide.RoleChild, 2012+rng.IntN(10))},
		Adults:         []bonafide.Person{person(bonafide.RoleMother, 1980+rng.IntN(15)), person(bonafide.RoleFather, 1980+rng.IntN(15))},
		Address:        &bonafide.Address{Line1: fmt.Sprintf("%d Lantern Close", 1+rng.IntN(200)), Town: pick(towns), Postcode: "ZZ2 2ZZ"},
		Concerns: []bonafide.Concern{
			{Category: "neglect", Detail: "often hungry and unwashed"},
			{Category: "physical_abuse", Detail: "bruising on the arm"},
		},
		Narrative: strings.TrimSpace(narrative.String()),
	}
}
