package synth

import "strings"

// The name lists below were written for this package: common first names and
// surnames heard across the UK, each alone being many thousands of people's,
// combined at random so that no generated person is a real one.

var femaleNames = strings.Fields(`
Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence Emily
Ella Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper Matilda
Ruby Emilia Maya Millie Isabelle Eva Luna Jessica Elizabeth Aria Erin Chloe Lucy Esme Holly
Scarlett Maisie Imogen Eliza Thea Hannah Martha Penelope Harriet Bonnie Lottie Robyn Layla
Zara Ellie Nancy Violet Mabel Ada Hallie Arabella Iris Molly Jasmine Beatrice Lola Edith Bella
Lyla Darcie Orla Niamh Megan Amber Katie Leah Abigail Georgia Paige Lauren Bethany Rebecca
Rachel Sarah Emma Laura Claire Gemma Nicola Kelly Lisa Michelle Joanne Victoria Samantha
Natalie Stacey Danielle Jennifer Amy Kirsty Zoe Kerry Donna Tracey Louise Helen Catherine
Katherine Kathryn Caroline Rebekah Alexandra Kimberley Jade Chelsea Shannon Courtney Jodie
Hayley Leanne Charlene Abbie Kayleigh Tanya Sharon Karen Julie Angela Deborah Susan Joanne
Marie Fiona Alison Tina Dawn Jacqueline Amanda Margaret Patricia Janet Christine Maria
Caitlin Eleanor Rosa Heidi Tilly Aisha Fatima Maryam Zainab Amira Priya Anjali Simran Aaliyah
Nadia Roxanne Kiera Tegan Carys Ffion Seren Eilidh Morag Siobhan Aoife Ciara Roisin Bridget
Lacey Skye Summer Autumn Harley Ebony Tia Mollie Brooke Kacey Rhiannon Nia Esther Naomi Ruth
Miriam Abby Elena Julia Antonia Gabriella Francesca Anna Hollie Annabelle Clara Felicity
Josephine Verity Tabitha Cerys Kayla Jayden Demi Mya Aimee Lexi Gracie Macie Amelie Ayla Aurora
Margot Myla Rose Hope Faith Joy Maddison Madison Sadie Nevaeh Orlaith
`)

var maleNames = strings.Fields(`
Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie
Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander Luca Edward
James Joshua Albie Elijah Max Mohammed Reggie Hudson Arthur Ethan Mason Logan Sebastian Joseph
Rory Jaxon Reuben Louie Jude Benjamin Ronnie Hunter Dylan Toby Jenson Frankie Daniel Harrison
Carter Ezra Samuel Harvey Zachary Michael Jayden Tyler Riley Kai Bobby Stanley Caleb Elliot
Ollie Ryan Matthew David Christopher Andrew Richard Paul Mark Steven Stephen Robert John Peter
Anthony Martin Simon Gary Darren Craig Lee Wayne Dean Jason Neil Ian Carl Scott Shaun Shane
Kevin Graham Alan Keith Barry Colin Trevor Nigel Philip Phillip Gareth Rhys Owen Evan Dafydd
Aled Callum Connor Kieran Liam Sean Declan Niall Ciaran Eoin Fraser Hamish Angus Euan Ewan
Ross Jamie Lewis Nathan Aaron Adam Luke Bradley Jordan Kyle Jake Josh Sam Ben Dan Nick Tom
Jonathan Nicholas Timothy Patrick Francis Vincent Adrian Dominic Gregory Marcus Aidan Aiden
Ayden Brandon Cameron Declan Ellis Ashton Mackenzie Kian Kayden Leon Marley Nathaniel Abdullah
Ibrahim Yusuf Hamza Omar Ali Ahmed Hassan Bilal Zain Aryan Arjun Rohan Dev Ravi Sanjay Vikram
Emmanuel Samuel Tobias Felix Jasper Otis Hugo Rafferty Ralph Sonny Alfred Albert Ernest Louis
Austin Tristan Harley Cody Alex Morgan Robin Danny Joe Billy Jimmy Lenny Eddie Terry
`)

var surnames = strings.Fields(`
Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans
Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper
Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Davis
Parker James Bennett Young Phillips Richardson Mitchell Bailey Carter Cook Singh Shaw Bell
Collins Morgan Kelly Begum Miller Cox Marshall Simpson Anderson Ellis Adams Campbell Stewart
Richards Price Murphy Graham Knight Mason Palmer Rogers Webb Lloyd Hunt Holmes Mills Owen
Gray Matthews Fisher Barnes Chapman Reynolds Butler Russell Fox Powell Lawrence Jenkins Dixon
Gibson Murray Ferguson Grant Spencer Ali Atkinson Hussain Pearson Andrews Wells Stevens Saunders
Hudson Chambers Francis Burton Hart Dawson Payne Kennedy Walsh Armstrong Bradley Griffiths
Fletcher Stone Hayes Pearce Booth Jordan Gardner Hamilton Watts Cole Rose Reid Holland Porter
Barker Lane Sutton Barber Kaur Rahman Rees Newman Slater Ryan Sharp Howard Heath Barrett Hopkins
Day Dunn Cunningham Sullivan Frost Duncan Lamb Goodwin Read Sanderson Osborne Moss Whitehouse
Nicholson Hargreaves Brennan Doherty McCarthy OBrien Gallagher Quinn Byrne McLaughlin Donnelly
MacDonald McDonald Thomson Robertson MacLeod Fraser Sinclair Kerr Hamilton Paterson Wallace
Muir Jamieson Brooks Pritchard Parry Lloyd Vaughan Powell Bevan Rowlands Jenkins Pugh Howells
Ahmed Akhtar Mahmood Iqbal Chowdhury Uddin Mistry Shah Chauhan Sharma Gill Sandhu Bains Nowak
Kowalski Wisniewski Lewandowski Mensah Okafor Adeyemi Boateng Owusu Campbell Henry Clarke
Fitzgerald Marsh Nash Hobbs Pickering Ramsey Sheppard Tanner Whitfield Yates Ashworth Blackburn
Bolton Crossley Dobson Eastwood Fairclough Greenwood Haworth Ingham Kershaw Lomax Metcalfe
Nuttall Ormerod Pilling Rigby Shackleton Thornton Uttley Whittaker Birch Cartwright Dyson
Fenwick Gillespie Hewitt Jarvis Kirby Lister Maddox Norris Oakley Pratt Randall Stubbs Tyler
Vickers Walton Wilkinson Woodward Bond Coleman Dean Farrell Hodgson Leach Lowe Mann Nolan
Rowe Steele Talbot Wade Weston Winter Bishop Carr Daly Foster Gordon Hale Hicks Ingram
`)

// nicknames maps a formal first name to the short forms people use for it;
// a stranger on the phone gives these as often as the registered name.
var nicknames = map[string][]string{
	"Charlotte": {"Lottie", "Charlie", "Lotte"}, "Thomas": {"Tom", "Tommy"}, "William": {"Will", "Billy", "Bill", "Liam"},
	"Elizabeth": {"Liz", "Beth", "Lizzie", "Betty", "Eliza"}, "Alexander": {"Alex", "Xander", "Sandy"},
	"Alexandra": {"Alex", "Lexi", "Ali"}, "Benjamin": {"Ben", "Benji"}, "Samuel": {"Sam", "Sammy"},
	"Daniel": {"Dan", "Danny"}, "Matthew": {"Matt"}, "Christopher": {"Chris", "Kit"}, "Michael": {"Mike", "Mikey"},
	"Jonathan": {"Jon", "Jonny"}, "Nicholas": {"Nick", "Nicky"}, "Joseph": {"Joe", "Joey"}, "Joshua": {"Josh"},
	"Edward": {"Ed", "Eddie", "Ted", "Teddy"}, "Theodore": {"Theo", "Teddy"}, "Frederick": {"Fred", "Freddie"},
	"Henry": {"Harry", "Hal"}, "Harrison": {"Harry"}, "Robert": {"Rob", "Bob", "Bobby"}, "Richard": {"Rich", "Rick", "Dick"},
	"Anthony": {"Tony", "Ant"}, "Stephen": {"Steve"}, "Steven": {"Steve", "Stevie"}, "Andrew": {"Andy", "Drew"},
	"James": {"Jim", "Jimmy", "Jamie"}, "John": {"Johnny", "Jack"}, "Patrick": {"Pat", "Paddy"},
	"Timothy": {"Tim", "Timmy"}, "Zachary": {"Zac", "Zach"}, "Oliver": {"Ollie", "Olly"}, "Archie": {"Arch"},
	"Alfred": {"Alfie", "Alf"}, "Albert": {"Albie", "Bert"}, "Reginald": {"Reggie"}, "Ronald": {"Ronnie"},
	"Stanley": {"Stan"}, "Louis": {"Lou", "Louie"}, "Francis": {"Frankie", "Frank"}, "Gregory": {"Greg"},
	"Nathaniel": {"Nate", "Nathan"}, "Nathan": {"Nate"}, "Jacob": {"Jake"}, "Isaac": {"Ike", "Zac"},
	"Sebastian": {"Seb", "Bastian"}, "Callum": {"Cal"}, "Lewis": {"Lew"}, "Gareth": {"Gaz"}, "Gary": {"Gaz"},
	"Katherine": {"Kate", "Katie", "Kat", "Kathy"}, "Catherine": {"Cathy", "Kate", "Cat", "Katie"},
	"Kathryn": {"Kate", "Kathy"}, "Rebecca": {"Becky", "Becca", "Bex"}, "Rebekah": {"Becky"},
	"Samantha": {"Sam", "Sammy"}, "Victoria": {"Vicky", "Tori"}, "Jennifer": {"Jen", "Jenny"},
	"Jessica": {"Jess", "Jessie"}, "Abigail": {"Abbie", "Abi", "Gail"}, "Isabella": {"Bella", "Izzy", "Issy"},
	"Isabelle": {"Izzy", "Belle"}, "Florence": {"Flo", "Florrie"}, "Matilda": {"Tilly", "Tilda", "Mattie"},
	"Margaret": {"Maggie", "Peggy", "Meg"}, "Penelope": {"Penny", "Nell"}, "Eleanor": {"Ellie", "Nell", "Nora"},
	"Emily": {"Em", "Emmy"}, "Amelia": {"Millie", "Mia", "Amy"}, "Harriet": {"Hattie", "Hatty"},
	"Josephine": {"Josie", "Jo"}, "Joanne": {"Jo"}, "Natalie": {"Nat"}, "Danielle": {"Dani"},
	"Deborah": {"Debbie", "Deb"}, "Patricia": {"Pat", "Trish"}, "Susan": {"Sue", "Suzy"},
	"Christine": {"Chris", "Chrissie"}, "Jacqueline": {"Jackie"}, "Amanda": {"Mandy"}, "Michelle": {"Shell"},
	"Nicola": {"Nicky", "Nic"}, "Caroline": {"Caz", "Carrie"}, "Kimberley": {"Kim"}, "Stephanie": {"Steph"},
	"Gabriella": {"Gabby", "Ella"}, "Francesca": {"Frankie", "Fran", "Chessie"}, "Annabelle": {"Annie", "Bella"},
	"Anna": {"Annie"}, "Evelyn": {"Evie"}, "Elsie": {"Els"}, "Imogen": {"Immy"}, "Beatrice": {"Bea", "Trixie"},
	"Arabella": {"Bella", "Bell"}, "Felicity": {"Fliss"}, "Tabitha": {"Tabby"}, "Georgia": {"Georgie"},
	"Sophia": {"Sophie"}, "Millie": {"Mills"}, "Mohammed": {"Mo"}, "Muhammad": {"Mo"}, "Ibrahim": {"Ibby"},
	"Leanne": {"Lea"}, "Rachel": {"Rach"}, "Laura": {"Lau"}, "Kayleigh": {"Kay"}, "Bethany": {"Beth"},
	"Madison": {"Maddie"}, "Maddison": {"Maddie"}, "Frankie": {"Frank"}, "Tommy": {"Tom"},
}

// spellings groups names that sound alike and are written either way; a
// caller who only heard a name picks one of them.
var spellings = [][]string{
	{"Catherine", "Katherine", "Kathryn", "Cathryn", "Katharine"}, {"Aidan", "Aiden", "Ayden", "Aden"},
	{"Sophie", "Sophia", "Sofia", "Sofie"}, {"Isla", "Ayla", "Islah"}, {"Leigh", "Lee"}, {"Jayden", "Jaden", "Jaiden"},
	{"Zoe", "Zoey", "Zoë"}, {"Chloe", "Cloe", "Chloé"}, {"Mackenzie", "McKenzie", "Makenzie"},
	{"Kayleigh", "Kayley", "Kaylee", "Kayly"}, {"Hayley", "Haley", "Hailey"}, {"Megan", "Meghan", "Megann"},
	{"Niamh", "Neve", "Neeve"}, {"Aoife", "Eefa"}, {"Siobhan", "Shivon", "Shivaun"}, {"Stephen", "Steven"},
	{"Philip", "Phillip"}, {"Jon", "John"}, {"Mohammed", "Muhammad", "Mohammad", "Mohamed"},
	{"Lily", "Lilly", "Lillie"}, {"Millie", "Milly"}, {"Ellie", "Elly", "Ellee"}, {"Macie", "Maisie", "Maisy", "Macey"},
	{"Evie", "Evey"}, {"Freya", "Freyja", "Freja"}, {"Isabelle", "Isabel", "Isobel", "Isabella"},
	{"Rebecca", "Rebekah"}, {"Elliot", "Elliott", "Eliot"}, {"Lewis", "Louis"}, {"Ryan", "Rian"},
	{"Kieran", "Keiran", "Ciaran"}, {"Carys", "Cerys"}, {"Euan", "Ewan", "Ewen"}, {"Jodie", "Jody"},
	{"Abbie", "Abby", "Abi"}, {"Kacey", "Kacie", "Casey"}, {"Lacey", "Lacie"}, {"Amelie", "Amélie", "Amely"},
	{"Smith", "Smyth", "Smithe"}, {"Thompson", "Thomson", "Tompson"}, {"Phillips", "Philips"},
	{"MacDonald", "McDonald", "Macdonald"}, {"Clarke", "Clark"}, {"Davies", "Davis"}, {"Reid", "Reed", "Read"},
	{"Gray", "Grey"}, {"Stevens", "Stephens"}, {"Matthews", "Mathews"}, {"Hughes", "Hewes"},
	{"Rowlands", "Rowland"}, {"Mahmood", "Mahmud", "Mehmood"}, {"Chowdhury", "Choudhury", "Chaudhry"},
	{"Begum", "Begom"}, {"Hussain", "Hussein", "Husain"}, {"Kowalski", "Kovalski"}, {"Wisniewski", "Wisnewski"},
	{"Byrne", "Burn", "Byrnes"}, {"Ashworth", "Ashwood"}, {"OBrien", "O'Brien", "Obrien"},
	{"Fitzgerald", "FitzGerald"}, {"Whittaker", "Whitaker"}, {"Nicholson", "Nicolson"},
}

var spellingIndex = func() map[string][]string {
	m := make(map[string][]string)
	for _, g := range spellings {
		for _, n := range g {
			m[n] = g
		}
	}
	return m
}()

// The towns, streets and postcode areas below are invented: their shapes are
// those of English places, but the places are not real ones.
type town struct {
	Name  string
	Area  string // postcode area letters, e.g. "HM"
	Dists int    // number of districts in use
}

var towns = []town{
	{"Ashbridge", "AB", 9}, {"Hollowmere", "HM", 6}, {"Kingsford Vale", "KV", 7}, {"Wexcombe", "WX", 4},
	{"Brackenfield", "BF", 8}, {"Thornleigh", "TL", 5}, {"Marlow Heath", "MH", 6}, {"Stoneybrook", "SY", 5},
	{"Eastwick Green", "EW", 4}, {"Oakhampton Spa", "OH", 6}, {"Greysworth", "GW", 7}, {"Fallowdale", "FD", 3},
	{"Redhaven", "RH", 9}, {"Calderbury", "CB", 8}, {"Pennington Cross", "PX", 4}, {"Lynford", "LF", 5},
	{"Harrowgate Mill", "HG", 6}, {"Saltmarsh", "SM", 4}, {"Wyebourne", "WB", 5}, {"Elmstead", "EL", 7},
}

var streetStems = strings.Fields(`
Oak Mill Church Station Victoria Albert Park Queen King Elm Ash Beech Willow Birch Chestnut Holly
Meadow Orchard Brook River Bridge Castle Manor Grange Hall Chapel School Market High Green Hill
Windmill Forge Priory Abbey Cedar Laurel Rowan Hawthorn Primrose Bluebell Heather Clover Foxglove
Kingfisher Swallow Wren Lark Heron Falcon Badger Otter Acorn Fern Maple Poplar Sycamore Linden
Thistle Wharf Canal Quarry Colliery Foundry Tannery Weaver Cooper Tanner Fletcher Miller Carter
Highfield Longacre Fairview Greenbank Springfield Westfield Northgate Southgate Eastgate Newlands
Riverside Lakeside Parkside Brookside Woodlands Glebe Vicarage Rectory Coronation Jubilee Empress
`)

var streetKinds = []string{"Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Crescent", "Gardens", "Court", "Place", "Grove", "Terrace", "View", "Rise", "Walk"}

// streetAbbrev is how people shorten street kinds when typing.
var streetAbbrev = map[string]string{
	"Road": "Rd", "Street": "St", "Lane": "Ln", "Close": "Cl", "Avenue": "Ave", "Drive": "Dr",
	"Crescent": "Cres", "Gardens": "Gdns", "Court": "Ct", "Place": "Pl", "Grove": "Gr", "Terrace": "Terr",
}

// postcodeUnitLetters are the letters allowed in the last two places of a
// UK postcode (C I K M O V are never used there).
const postcodeUnitLetters = "ABDEFGHJLNPQRSTUWXYZ"

// Invented e-mail providers and social platforms; none is a real service.
var mailDomains = []string{"inboxly.co.uk", "postmere.com", "mailnest.net", "letterbox-mail.co.uk", "quillmail.com", "homepost.uk", "northmail.net", "swiftinbox.com"}

var throwawayDomains = []string{"throwbox.io", "burnermail.example.net", "tempinbox.uk", "quickdrop-mail.com", "nomailback.net"}
