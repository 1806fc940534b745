package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzPostcode(f *testing.F) {
	for _, s := range []string{"SW1A 1AA", "sw1a1aa", "SWIA 1AA", "0L1 1AA", "S01 1AA", "LS6", "SW1 1", "GIR 0AA", "QQ1 1AA", "", "W1A-0AX"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := Postcode(s)
		if !ok {
			if p != (PostcodeParts{}) {
				t.Errorf("Postcode(%q) = %+v, false, want zero parts", s, p)
			}
			return
		}
		if p.District == "" || p.Area == "" || !strings.HasPrefix(p.District, p.Area) {
			t.Errorf("Postcode(%q) = %+v: district and area inconsistent", s, p)
		}
		if p.Sector != "" && !strings.HasPrefix(p.Sector, p.District+" ") {
			t.Errorf("Postcode(%q) = %+v: sector does not extend district", s, p)
		}
		if p.Full != "" && !strings.HasPrefix(p.Full, p.Sector) {
			t.Errorf("Postcode(%q) = %+v: full does not extend sector", s, p)
		}
		q, ok := Postcode(p.String())
		if !ok || q != p {
			t.Errorf("Postcode(%q) = %+v, %v, want %+v (idempotent)", p.String(), q, ok, p)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"07700 900123", "+44 (0)7700 900123", "0044 7700 900123", "withheld", "+1 202 555 0143", "12345678", "", "ext 123 +44"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, withheld := Phone(s)
		if withheld && e != "" {
			t.Errorf("Phone(%q) = %q, true, want no number when withheld", s, e)
		}
		if e == "" {
			return
		}
		if e[0] != '+' || len(e) < 8 || len(e) > 16 {
			t.Errorf("Phone(%q) = %q, want E.164", s, e)
		}
		if again, _ := Phone(e); again != e {
			t.Errorf("Phone(%q) = %q, want it unchanged (idempotent)", e, again)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"Jane.Doe+x@googlemail.com", "jane@example.org", "a.+b@proton.me", "Jane <j@x.io>", "mailto:a@b.co", "", "@", "a@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Email(s)
		if e == "" {
			return
		}
		if strings.Count(e, "@") != 1 || e != strings.ToLower(e) {
			t.Errorf("Email(%q) = %q, want one @ and lower case", s, e)
		}
		if again := Email(e); again != e {
			t.Errorf("Email(%q) = %q, want it unchanged (idempotent)", e, again)
		}
	})
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"Zoë O'Brien", "Smith-Jones", "Мария", "Ștefan", "नेहा", "", "İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		n := Name(s)
		if again := Name(n); again != n {
			t.Errorf("Name(%q) = %q, want it unchanged (idempotent)", n, again)
		}
	})
}

func FuzzHandle(f *testing.F) {
	for _, s := range []string{"https://www.instagram.com/jane.doe/?hl=en", "@u/jane", "facebook.com/profile.php?id=1", "Jane Doe", "%2Fx"} {
		f.Add("instagram", s)
		f.Add("facebook", s)
		f.Add("mumsnet", s)
	}
	f.Fuzz(func(t *testing.T, platform, s string) {
		h := Handle(platform, s)
		if again := Handle(platform, h); again != h {
			t.Errorf("Handle(%q, %q) = %q, want it unchanged (idempotent)", platform, h, again)
		}
	})
}

func FuzzAddressTokens(f *testing.F) {
	for _, s := range []string{"Flat 2, 12 St Mary's Rd, Leeds", "3 High St", "St St St", "No. 4, Apt 7", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		tokens := AddressTokens(s)
		again := AddressTokens(strings.Join(tokens, ", "))
		if strings.Join(again, " ") != strings.Join(tokens, " ") {
			t.Errorf("AddressTokens(%q) = %q, want %q (idempotent)", strings.Join(tokens, ", "), again, tokens)
		}
	})
}

func FuzzIP(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "[2001:db8::1]:443", "::ffff:1.2.3.4", "fe80::1%eth0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, group := IP(s)
		if (ip == "") != (group == "") {
			t.Fatalf("IP(%q) = %q, %q, want both or neither", s, ip, group)
		}
		if ip == "" {
			return
		}
		if ip2, group2 := IP(ip); ip2 != ip || group2 != group {
			t.Errorf("IP(%q) = %q, %q, want %q, %q (idempotent)", ip, ip2, group2, ip, group)
		}
	})
}
