package normalize

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"already normal", "jane smith", "jane smith"},
		{"case and spaces", "  JANE   Smith ", "jane smith"},
		{"diaeresis", "Zoë", "zoe"},
		{"acute and cedilla", "François Désirée", "francois desiree"},
		{"apostrophe", "O'Brien", "obrien"},
		{"curly apostrophe", "O’Brien", "obrien"},
		{"hyphen", "Smith-Jones", "smith jones"},
		{"dots and commas", "J. R. R., Tolkien", "j r r tolkien"},
		{"polish", "Łukasz Wójcik", "lukasz wojcik"},
		{"eszett", "Strauß", "strauss"},
		{"ash", "Æthelred", "aethelred"},
		{"turkish dotted capital", "İbrahim", "ibrahim"},
		{"romanian comma below", "Ștefan Țurcanu", "stefan turcanu"},
		{"irish fada", "Seán Ó Súilleabháin", "sean o suilleabhain"},
		{"welsh circumflex", "Siân Llŷr", "sian llyr"},
		{"vietnamese", "Nguyễn", "nguyen"},
		{"cyrillic kept", "Мария", "мария"},
		{"arabic kept", "محمد", "محمد"},
		{"symbols", "Jane ★ Smith!!", "jane smith"},
		{"empty", "", ""},
		{"only punctuation", "--- '' ...", ""},
		{"digits kept", "Henry 8th", "henry 8th"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Name(tt.in)
			if got != tt.want {
				t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Name(got); again != got {
				t.Errorf("Name(%q) = %q, want it unchanged (idempotent)", got, again)
			}
		})
	}
}

func TestStripTitles(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"mrs", "Mrs. Jane Smith", "jane smith"},
		{"two titles", "Rev Dr A. Khan", "a khan"},
		{"title only", "MRS", ""},
		{"no title", "Jane Smith", "jane smith"},
		{"title word later kept", "Jane Master", "jane master"},
		{"name starting like a title", "Mrsa Jones", "mrsa jones"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripTitles(tt.in); got != tt.want {
				t.Errorf("StripTitles(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPostcode(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   PostcodeParts
		wantOK bool
	}{
		{"canonical", "SW1A 1AA", PostcodeParts{"SW1A 1AA", "SW1A 1", "SW1A", "SW"}, true},
		{"lower case no space", "sw1a1aa", PostcodeParts{"SW1A 1AA", "SW1A 1", "SW1A", "SW"}, true},
		{"extra spaces", "  SW1A   1AA ", PostcodeParts{"SW1A 1AA", "SW1A 1", "SW1A", "SW"}, true},
		{"I for 1 in district", "SWIA 1AA", PostcodeParts{"SW1A 1AA", "SW1A 1", "SW1A", "SW"}, true},
		{"O for 0 in sector", "LS6 OAB", PostcodeParts{"LS6 0AB", "LS6 0", "LS6", "LS"}, true},
		{"0 for O in area", "0L1 1AA", PostcodeParts{"OL1 1AA", "OL1 1", "OL1", "OL"}, true},
		{"1 for I in area", "1G1 1AA", PostcodeParts{"IG1 1AA", "IG1 1", "IG1", "IG"}, true},
		{"S0 read as SO", "S01 1AA", PostcodeParts{"SO1 1AA", "SO1 1", "SO1", "SO"}, true},
		{"one letter area", "M1 1AE", PostcodeParts{"M1 1AE", "M1 1", "M1", "M"}, true},
		{"one letter two digits", "B33 8TH", PostcodeParts{"B33 8TH", "B33 8", "B33", "B"}, true},
		{"two letters two digits", "CR2 6XH", PostcodeParts{"CR2 6XH", "CR2 6", "CR2", "CR"}, true},
		{"district zero", "CR0 2YR", PostcodeParts{"CR0 2YR", "CR0 2", "CR0", "CR"}, true},
		{"A9A", "W1A 0AX", PostcodeParts{"W1A 0AX", "W1A 0", "W1A", "W"}, true},
		{"AA9A", "EC1A 1BB", PostcodeParts{"EC1A 1BB", "EC1A 1", "EC1A", "EC"}, true},
		{"ten district", "SW11 1AA", PostcodeParts{"SW11 1AA", "SW11 1", "SW11", "SW"}, true},
		{"girobank", "gir 0aa", PostcodeParts{"GIR 0AA", "GIR 0", "GIR", "GIR"}, true},
		{"hyphen separator", "LS6-2AB", PostcodeParts{"LS6 2AB", "LS6 2", "LS6", "LS"}, true},
		{"district only", "LS6", PostcodeParts{"", "", "LS6", "LS"}, true},
		{"district only lower", "sw1a", PostcodeParts{"", "", "SW1A", "SW"}, true},
		{"district not sector without space", "SW11", PostcodeParts{"", "", "SW11", "SW"}, true},
		{"sector with space", "SW1 1", PostcodeParts{"", "SW1 1", "SW1", "SW"}, true},
		{"sector AA9A", "SW1A 1", PostcodeParts{"", "SW1A 1", "SW1A", "SW"}, true},
		{"sector unspaced", "SW1A1", PostcodeParts{"", "SW1A 1", "SW1A", "SW"}, true},
		{"bad unit letters keep sector", "LS6 2AO", PostcodeParts{"", "LS6 2", "LS6", "LS"}, true},
		{"unknown area", "QQ1 1AA", PostcodeParts{}, false},
		{"area only", "SW", PostcodeParts{}, false},
		{"too long", "SW1A 1AAA", PostcodeParts{}, false},
		{"words", "HELLO", PostcodeParts{}, false},
		{"not a postcode", "12 High Street", PostcodeParts{}, false},
		{"leading zero district", "B01 1AA", PostcodeParts{}, false},
		{"non ascii", "SW1A 1ÅA", PostcodeParts{}, false},
		{"empty", "", PostcodeParts{}, false},
		{"wrong split", "SW 11AA", PostcodeParts{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Postcode(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Postcode(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		want         string
		wantWithheld bool
	}{
		{"uk mobile", "07700 900123", "+447700900123", false},
		{"uk mobile dashes", "07700-900-123", "+447700900123", false},
		{"plus 44 with (0)", "+44 (0)7700 900123", "+447700900123", false},
		{"0044", "0044 7700 900123", "+447700900123", false},
		{"missing leading zero", "7700 900123", "+447700900123", false},
		{"london", "020 7946 0018", "+442079460018", false},
		{"leeds", "(0113) 496 0000", "+441134960000", false},
		{"freephone", "0800 123 4567", "+448001234567", false},
		{"extension dropped", "+44 7700 900123 ext 12", "+447700900123", false},
		{"us number", "+1 202 555 0143", "+12025550143", false},
		{"remark dropped", "07700 900123 (mum)", "+447700900123", false},
		{"label", "Mobile: 07700 900 123", "+447700900123", false},
		{"two numbers first wins", "07700 900123 / 020 7946 0018", "+447700900123", false},
		{"irish", "00353 87 123 4567", "+353871234567", false},
		{"withheld", "withheld", "", true},
		{"withheld capital", "Number Withheld", "", true},
		{"private", "PRIVATE", "", true},
		{"unknown", "unknown", "", true},
		{"no caller id", "No Caller ID", "", true},
		{"too short", "12345678", "", false},
		{"emergency", "999", "", false},
		{"words", "call me", "", false},
		{"empty", "", "", false},
		{"spaces", "   ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, withheld := Phone(tt.in)
			if got != tt.want || withheld != tt.wantWithheld {
				t.Errorf("Phone(%q) = %q, %v, want %q, %v", tt.in, got, withheld, tt.want, tt.wantWithheld)
			}
		})
	}
}

func TestEmail(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower case", "Jane.Doe@Example.ORG", "jane.doe@example.org"},
		{"gmail dots and tag", "Jane.Doe+school@gmail.com", "janedoe@gmail.com"},
		{"googlemail", "jane.doe@googlemail.com", "janedoe@gmail.com"},
		{"outlook tag kept dots", "jane.doe+x@outlook.com", "jane.doe@outlook.com"},
		{"hotmail uk", "Jane.Doe+x@hotmail.co.uk", "jane.doe@hotmail.co.uk"},
		{"live uk", "jane+x@live.co.uk", "jane@live.co.uk"},
		{"yahoo uk tag", "jane+x@yahoo.co.uk", "jane@yahoo.co.uk"},
		{"yahoo hyphen kept", "jane-shopping@yahoo.com", "jane-shopping@yahoo.com"},
		{"icloud me.com", "jane+x@me.com", "jane@icloud.com"},
		{"mac.com", "jane@mac.com", "jane@icloud.com"},
		{"protonmail", "Jane+x@protonmail.com", "jane@proton.me"},
		{"pm.me", "jane@pm.me", "jane@proton.me"},
		{"other domain keeps tag and dots", "j.doe+x@example.co.uk", "j.doe+x@example.co.uk"},
		{"lookalike domain untouched", "jane+x@yahoo.example.com", "jane+x@yahoo.example.com"},
		{"display name", "Jane Doe <Jane@Example.org>", "jane@example.org"},
		{"mailto", "mailto:jane@example.org", "jane@example.org"},
		{"trailing dot domain", "jane@example.org.", "jane@example.org"},
		{"spaces", "  jane@example.org  ", "jane@example.org"},
		{"no at", "jane.example.org", ""},
		{"spoken", "Jane dot Doe at hotmail dot co dot uk", "jane.doe@hotmail.co.uk"},
		{"spoken gmail", "jane doe at gmail dot com", "janedoe@gmail.com"},
		{"spoken without dot is not an address", "jane at home", ""},
		{"gmial typo", "jane.doe@gmial.com", "janedoe@gmail.com"},
		{"gmail co uk slip", "jane@gmail.co.uk", "jane@gmail.com"},
		{"hotmial uk typo", "jane+x@hotmial.co.uk", "jane@hotmail.co.uk"},
		{"con tld", "jane@example.con", "jane@example.com"},
		{"couk tld", "jane@example.couk", "jane@example.co.uk"},
		{"typo label elsewhere untouched", "jane@gmial.example.org", "jane@gmial.example.org"},
		{"no domain dot", "jane@localhost", ""},
		{"space inside", "jane doe@example.org", ""},
		{"only tag on gmail", "+x@gmail.com", ""},
		{"empty", "", ""},
		{"two ats uses last", "a@b@example.org", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Email(tt.in)
			if got != tt.want {
				t.Errorf("Email(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Email(got); got != "" && again != got {
				t.Errorf("Email(%q) = %q, want it unchanged (idempotent)", got, again)
			}
		})
	}
}

func TestPlatform(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"instagram", "Instagram", "instagram"},
		{"ig", "IG", "instagram"},
		{"twitter is x", "Twitter", "x"},
		{"x.com", "X.com", "x"},
		{"facebook", "FaceBook", "facebook"},
		{"fb", "fb", "facebook"},
		{"tiktok spaced", "Tik Tok", "tiktok"},
		{"snap", "Snap", "snapchat"},
		{"unknown kept", "My Space", "myspace"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Platform(tt.in); got != tt.want {
				t.Errorf("Platform(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name, platform, in, want string
	}{
		{"at sign", "Instagram", "@Jane.Doe", "jane.doe"},
		{"instagram url", "instagram", "https://www.instagram.com/jane.doe/?hl=en", "jane.doe"},
		{"url without scheme", "ig", "instagram.com/jane.doe", "jane.doe"},
		{"twitter url", "twitter", "https://twitter.com/JaneDoe", "janedoe"},
		{"x url", "X", "https://x.com/janedoe#top", "janedoe"},
		{"mobile facebook", "facebook", "https://m.facebook.com/jane.doe.77", "janedoe77"},
		{"facebook dots ignored", "Facebook", "Jane.Doe.77", "janedoe77"},
		{"facebook numeric", "fb", "https://www.facebook.com/profile.php?id=100012345", "100012345"},
		{"tiktok at path", "TikTok", "https://www.tiktok.com/@jane_doe?lang=en", "jane_doe"},
		{"reddit u path", "reddit", "https://www.reddit.com/u/JaneDoe/", "janedoe"},
		{"reddit bare u", "reddit", "u/JaneDoe", "janedoe"},
		{"reddit slash user", "reddit", "/user/JaneDoe", "janedoe"},
		{"snapchat add", "snapchat", "https://snapchat.com/add/jane.doe", "jane.doe"},
		{"youtube at", "YouTube", "https://www.youtube.com/@JaneVlogs", "janevlogs"},
		{"bluesky profile", "bluesky", "https://bsky.app/profile/jane.bsky.social", "jane.bsky.social"},
		{"linkedin", "LinkedIn", "https://www.linkedin.com/in/jane-doe-123/", "jane-doe-123"},
		{"spaces removed where handles have none", "instagram", "jane doe", "janedoe"},
		{"spaces kept on unknown platform", "mumsnet", "Jane  Doe", "jane doe"},
		{"at at", "x", "@@jane", "jane"},
		{"at then u path", "reddit", "@u/jane", "jane"},
		{"empty", "x", "  ", ""},
		{"only at", "x", "@", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Handle(tt.platform, tt.in)
			if got != tt.want {
				t.Errorf("Handle(%q, %q) = %q, want %q", tt.platform, tt.in, got, tt.want)
			}
			if again := Handle(tt.platform, got); again != got {
				t.Errorf("Handle(%q, %q) = %q, want it unchanged (idempotent)", tt.platform, got, again)
			}
		})
	}
}

func TestAddressTokens(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"road", "12 Acacia Rd", []string{"12", "acacia", "road"}},
		{"street at end", "3 High St, Leeds", []string{"3", "high", "street", "leeds"}},
		{"street with dot", "3 High St.", []string{"3", "high", "street"}},
		{"saint after number", "12 St Mary's Rd", []string{"12", "saint", "marys", "road"}},
		{"saint first", "St. Anne's Court, Flat 3", []string{"saint", "annes", "court", "flat", "3"}},
		{"saint and street", "5 St Johns St", []string{"5", "saint", "johns", "street"}},
		{"saint after great", "Great St Helens", []string{"great", "saint", "helens"}},
		{"street before town without comma", "High St Leeds", []string{"high", "street", "leeds"}},
		{"flat and house number", "Flat 2b, 14 Elm Gdns", []string{"flat", "2b", "14", "elm", "gardens"}},
		{"apartment is flat", "Apartment 7, 1 Park Pl", []string{"flat", "7", "1", "park", "place"}},
		{"apt is flat", "Apt. 7", []string{"flat", "7"}},
		{"abbreviations", "Ave Cl Cres Dr Ln Sq Ct", []string{"avenue", "close", "crescent", "drive", "lane", "square", "court"}},
		{"number prefix dropped", "No. 4 Mill Ln", []string{"4", "mill", "lane"}},
		{"house number letter", "12A Oak Ave", []string{"12a", "oak", "avenue"}},
		{"accents and case", "1 RUE DE L'ÉGLISE", []string{"1", "rue", "de", "leglise"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddressTokens(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("AddressTokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAddressLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"abbreviated", "48 Chapel Terr.", "48 chapel terrace"},
		{"spelt out", "48 Chapel Terrace", "48 chapel terrace"},
		{"street", "12 High St", "12 high street"},
		{"flat", "Flat 3, 53 Windmill Dr", "flat 3 53 windmill drive"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddressLine(tt.in); got != tt.want {
				t.Errorf("AddressLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIP(t *testing.T) {
	tests := []struct {
		name, in, wantIP, wantGroup string
	}{
		{"ipv4", "203.0.113.7", "203.0.113.7", "203.0.113.0/24"},
		{"ipv4 spaces", " 198.51.100.200 ", "198.51.100.200", "198.51.100.0/24"},
		{"ipv4 with port", "203.0.113.7:443", "203.0.113.7", "203.0.113.0/24"},
		{"ipv4 mapped", "::ffff:203.0.113.7", "203.0.113.7", "203.0.113.0/24"},
		{"ipv6", "2001:db8:abcd:12::1", "2001:db8:abcd:12::1", "2001:db8:abcd::/48"},
		{"ipv6 upper and long", "2001:0DB8:ABCD:0012:0000:0000:0000:0001", "2001:db8:abcd:12::1", "2001:db8:abcd::/48"},
		{"ipv6 with port", "[2001:db8::1]:8080", "2001:db8::1", "2001:db8::/48"},
		{"ipv6 zone", "fe80::1%eth0", "fe80::1", "fe80::/48"},
		{"not ip", "localhost", "", ""},
		{"bad octet", "256.1.1.1", "", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip, group := IP(tt.in)
			if ip != tt.wantIP || group != tt.wantGroup {
				t.Errorf("IP(%q) = %q, %q, want %q, %q", tt.in, ip, group, tt.wantIP, tt.wantGroup)
			}
		})
	}
}

// TestPostcodeRoundTrip checks that every part Postcode returns parses back
// to itself, so that stored parts can be compared with freshly parsed ones.
func TestPostcodeRoundTrip(t *testing.T) {
	for _, in := range []string{"sw1a1aa", "SWIA 1AA", "0L1 1AA", "LS6", "SW1 1", "gir0aa", "S01 1AA"} {
		p, ok := Postcode(in)
		if !ok {
			t.Fatalf("Postcode(%q) not ok", in)
		}
		for _, part := range []string{p.Full, p.Sector, p.District} {
			if part == "" {
				continue
			}
			q, ok := Postcode(part)
			if !ok || q.String() != part {
				t.Errorf("Postcode(%q) = %+v, %v, want %q", part, q, ok, part)
			}
		}
	}
}

func BenchmarkName(b *testing.B) {
	in := []string{"jane smith", "Zoë O'Brien-Smith", "MOHAMMED ALI", "Łukasz Wójcik"}
	i := 0
	for b.Loop() {
		Name(in[i%len(in)])
		i++
	}
}

func BenchmarkPostcode(b *testing.B) {
	in := []string{"SW1A 1AA", "sw1a1aa", "LS6", "0L1 1AA"}
	i := 0
	for b.Loop() {
		Postcode(in[i%len(in)])
		i++
	}
}

func BenchmarkPhone(b *testing.B) {
	in := []string{"07700 900123", "+44 (0)20 7946 0018", "withheld"}
	i := 0
	for b.Loop() {
		Phone(in[i%len(in)])
		i++
	}
}

func BenchmarkEmail(b *testing.B) {
	in := []string{"Jane.Doe+school@googlemail.com", "j.doe@example.org"}
	i := 0
	for b.Loop() {
		Email(in[i%len(in)])
		i++
	}
}

func BenchmarkAddressTokens(b *testing.B) {
	in := "Flat 2b, 14 St Mary's Gdns, Leeds"
	for b.Loop() {
		AddressTokens(in)
	}
}

func BenchmarkHandle(b *testing.B) {
	in := "https://www.instagram.com/jane.doe/?hl=en"
	for b.Loop() {
		Handle("Instagram", in)
	}
}

// TestFastUKAgrees checks that the fast path gives what libphonenumber gives,
// over every UK number prefix and the ways it is written.
func TestFastUKAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	forms := []string{"0%s", "+44%s", "+44 (0)%s", "0044 %s", "(0%s)", "0%s-%s"}
	for i := range 3000 {
		nsn := fmt.Sprintf("%d%09d", 1+i%9, rng.IntN(1e9))
		for _, f := range forms {
			var in string
			if strings.Count(f, "%s") == 2 {
				in = fmt.Sprintf(f, nsn[:4], nsn[4:])
			} else {
				in = fmt.Sprintf(f, nsn)
			}
			fast, ok := fastUK(in)
			if !ok {
				t.Fatalf("fastUK(%q) not handled", in)
			}
			if slow := slowPhone(in); fast != slow {
				t.Errorf("fastUK(%q) = %q, want %q as libphonenumber gives", in, fast, slow)
			}
		}
	}
}
