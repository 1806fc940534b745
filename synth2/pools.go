package synth2

// Pools of words. Surnames are common English words also used as surnames;
// given names are common ones. They are combined at random, so no real
// person is ever the subject of an allegation.
var (
	surnames = []string{
		"Baker", "Carter", "Hill", "Wood", "Green", "Brook", "Fisher", "Mason", "Parker", "Walker",
		"Turner", "Ward", "Hunter", "Marsh", "Lane", "Stone", "Webb", "Fox", "Rose", "Bird",
		"Cross", "Moss", "Hope", "Day", "Bell", "Page", "Field", "Wells", "North", "West",
		"Price", "King", "Knight", "Bishop", "Dean", "Frost", "Gold", "Hart", "Holt", "Lamb",
		"Lord", "May", "Nash", "Oak", "Pond", "Reed", "Rich", "Sharp", "Short", "Small",
		"Street", "Swan", "Tanner", "Thatcher", "Vine", "Wheeler", "Wise", "Young", "Archer", "Barber",
		"Bowman", "Brewer", "Butcher", "Chandler", "Collier", "Cook", "Cooper", "Draper", "Dyer", "Farmer",
		"Fowler", "Gardener", "Glover", "Hayward", "Hooper", "Hayes", "Joiner", "Kemp", "Lock", "Miller",
		"Nutter", "Potter", "Ridge", "Salter", "Sawyer", "Slater", "Spicer", "Steward", "Thorn", "Tyler",
		"Weaver", "Booth", "Brooks", "Burrow", "Church", "Combe", "Dale", "Ford", "Gates", "Green", "Grove",
		"Heath", "Holme", "Howe", "Meadows", "Mills", "Moor", "Norton", "Pool", "Rivers", "Rock",
		"Shaw", "Stream", "Towers", "Vale", "Wold", "Banks", "Brand", "Crane", "Crow", "Drake",
		"Finch", "Hawk", "Heron", "Jay", "Lark", "Nightingale", "Peacock", "Raven", "Sparrow", "Wren",
		"Badger", "Bull", "Buck", "Hare", "Stag", "Wolf", "Bean", "Berry", "Bramble", "Cherry",
		"Hazel", "Holly", "Ivy", "Laurel", "Maple", "Olive", "Pepper", "Plum", "Sage", "Willow",
	}
	surStems    = []string{"Ash", "Brad", "Chat", "Dun", "Ell", "Fair", "Gold", "Hal", "Kings", "Lang", "Mar", "New", "Pem", "Rad", "Sel", "Thorn", "Up", "Wal", "Whit", "Wynd"}
	surSuffixes = []string{"ford", "ley", "ton", "wood", "field", "worth", "by", "ham", "more", "well", "combe", "stead", "bridge", "brook", "hurst"}
	girlNames   = []string{
		"Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Lily", "Ella", "Sophie", "Evie",
		"Poppy", "Ruby", "Chloe", "Daisy", "Holly", "Jessica", "Katie", "Lucy", "Megan", "Molly",
		"Phoebe", "Rosie", "Scarlett", "Zara", "Hannah", "Leah", "Abigail", "Bethany", "Caitlin", "Demi",
		"Eleanor", "Faith", "Georgia", "Harriet", "Imogen", "Jasmine", "Keira", "Lola", "Maisie", "Niamh",
		"Paige", "Summer", "Tia", "Willow", "Esme", "Nancy", "Maya", "Erin", "Layla", "Florence",
	}
	boyNames = []string{
		"Oliver", "Jack", "Harry", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
		"Leo", "Archie", "Henry", "Joshua", "James", "Ethan", "Thomas", "William", "Max", "Logan",
		"Daniel", "Dylan", "Finley", "Harrison", "Isaac", "Jake", "Kai", "Liam", "Mason", "Nathan",
		"Owen", "Reuben", "Riley", "Ryan", "Sam", "Toby", "Tyler", "Zach", "Ben", "Callum",
		"Connor", "Ellis", "Frankie", "Jamie", "Kian", "Lewis", "Morgan", "Rhys", "Stanley", "Theo",
	}
	womenNames = []string{
		"Sarah", "Emma", "Laura", "Rachel", "Claire", "Gemma", "Kelly", "Lisa", "Nicola", "Stacey",
		"Danielle", "Kirsty", "Leanne", "Michelle", "Natalie", "Samantha", "Vicky", "Zoe", "Amy", "Becky",
		"Carly", "Donna", "Hayley", "Jade", "Kayleigh", "Lauren", "Shannon", "Tanya", "Toni", "Jodie",
	}
	menNames = []string{
		"Mark", "Paul", "Craig", "Darren", "Gary", "Lee", "Scott", "Wayne", "Dean", "Jason",
		"Kevin", "Martin", "Neil", "Richard", "Shaun", "Stuart", "Carl", "Adam", "Ashley", "Jordan",
		"Kyle", "Luke", "Matt", "Ricky", "Ross", "Sean", "Steve", "Tony", "Danny", "Jay",
	}
	grandNames = []string{"Maureen", "Pauline", "Brenda", "Jean", "Sheila", "Carol", "Linda", "Sandra", "Patricia", "Margaret", "Irene", "Valerie"}

	// towns are invented; each has an invented postcode area of shape QA9.
	towns = []struct{ name, district string }{
		{"Kettlebridge", "QK4"}, {"Lowmarsh", "QL2"}, {"Sallowby", "QS7"}, {"Harrowgate End", "QH1"},
		{"Pellingford", "QP3"}, {"Wyck Hollow", "QW6"}, {"Brindle Cross", "QB8"}, {"Ottery Fen", "QF5"},
	}
	streetStems = []string{
		"Mill", "Church", "Station", "Orchard", "Chapel", "Victoria", "Park", "Queens", "Kings", "Windsor",
		"Meadow", "Elm", "Ash", "Beech", "Cedar", "Hawthorn", "Clover", "Poplar", "Rowan", "Juniper",
		"Quarry", "Forge", "Tannery", "Wharf", "Bridge", "Market", "School", "Well", "Pound", "Common",
	}
	streetKinds = []string{"Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Crescent", "Terrace", "Gardens"}

	schools   = []string{"St Anselm's Primary", "Fenwick Road Academy", "Marsh Lane Infants", "Orchard Vale Primary", "Holloway Park School", "Brindle Community College"}
	surgeries = []string{"Canal Street Surgery", "The Willows Medical Centre", "Market Row Health Centre", "Northgate Practice"}
	forums    = []string{"parentchatter.example", "localtalk.example", "thecommonroom.example"}
	platforms = []string{"instagram", "tiktok", "youtube", "facebook"}
)

// allSurnames is the surname pool in rank order: the common-word surnames
// first, then place-like compounds of a stem and a suffix for the long tail.
func allSurnames() []string {
	out := append([]string(nil), surnames...)
	for _, a := range surStems {
		for _, b := range surSuffixes {
			out = append(out, a+b)
		}
	}
	return out
}
