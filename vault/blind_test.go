package vault

import (
	"bytes"
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"bonafide"
)

func TestNormalize(t *testing.T) {
	type fn func(string) (string, bool)
	ip := func(s string) (string, bool) { a, _, ok := NormalizeIP(s); return a, ok }
	ipNet := func(s string) (string, bool) { _, n, ok := NormalizeIP(s); return n, ok }
	np := func(s string) (string, bool) { return NormalizeNamePostcode(s[:len(s)-8], s[len(s)-8:]) }
	tests := []struct {
		name   string
		f      fn
		in     string
		want   string
		wantOK bool
	}{
		{"email lower", NormalizeEmail, " Jo.Bloggs@Example.ORG ", "jo.bloggs@example.org", true},
		{"email plus tag kept for unknown domains", NormalizeEmail, "jo+council@example.org", "jo+council@example.org", true},
		{"email plus tag outlook", NormalizeEmail, "jo+council@outlook.com", "jo@outlook.com", true},
		{"email spoken", NormalizeEmail, "jo dot bloggs at gmail dot com", "jobloggs@gmail.com", true},
		{"email display name", NormalizeEmail, "Jo Bloggs <Jo.Bloggs@Example.org>", "jo.bloggs@example.org", true},
		{"email gmail dots", NormalizeEmail, "J.O.Bloggs+x@gmail.com", "jobloggs@gmail.com", true},
		{"email googlemail", NormalizeEmail, "jo.bloggs@googlemail.com", "jobloggs@gmail.com", true},
		{"email other dots kept", NormalizeEmail, "jo.bloggs@outlook.com", "jo.bloggs@outlook.com", true},
		{"email no at", NormalizeEmail, "jobloggs", "", false},
		{"email no local", NormalizeEmail, "+x@gmail.com", "", false},
		{"email no dot", NormalizeEmail, "jo@localhost", "", false},
		{"phone national", NormalizePhone, "07700 900123", "+447700900123", true},
		{"phone international", NormalizePhone, "+44 (0)7700-900123", "+447700900123", true},
		{"phone 0044", NormalizePhone, "0044 7700 900123", "+447700900123", true},
		{"phone foreign", NormalizePhone, "+1 202 555 0143", "+12025550143", true},
		{"phone withheld", NormalizePhone, "withheld", "", false},
		{"phone extension", NormalizePhone, "07700 900123 ext 12", "+447700900123", true},
		{"phone empty", NormalizePhone, "", "", false},
		{"device", NormalizeDevice, " AB12-CD34 ", "ab12-cd34", true},
		{"device short", NormalizeDevice, "x1", "", false},
		{"ip v4", ip, "203.0.113.7", "203.0.113.7", true},
		{"ip v4 net", ipNet, "203.0.113.7", "203.0.113.0/24", true},
		{"ip mapped", ip, "::ffff:203.0.113.7", "203.0.113.7", true},
		{"ip v6 net", ipNet, "2001:db8:1:2:3:4:5:6", "2001:db8:1::/48", true},
		{"ip with port", ip, "203.0.113.7:443", "203.0.113.7", true},
		{"ip private", ip, "192.168.1.4", "", false},
		{"ip loopback", ip, "127.0.0.1", "", false},
		{"ip junk", ip, "not an ip", "", false},
		{"name postcode", np, "Jo  O'Brien-Smith|ZZ99 3ZZ", "jo o brien smith|ZZ993ZZ", true},
		{"name postcode partial", np, "Jo Bloggs|    ZZ99", "", false},
		{"name postcode no name", np, "  ---  |ZZ99 3ZZ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.f(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("%s(%q) = %q, %v; want %q, %v", tt.name, tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestTags(t *testing.T) {
	m := mustMaster(t)
	var s MemoryKeyStore
	v := mustVault(t, &s, m)
	r1 := &bonafide.Reporter{
		GivenName: "Jo", FamilyName: "Bloggs", Email: "Jo.Bloggs+x@gmail.com", Phone: "07700 900123",
		DeviceID: "ABCD-1234", ContactIP: "203.0.113.7", Address: &bonafide.Address{Postcode: "zz99 3zz"},
	}
	r2 := &bonafide.Reporter{
		GivenName: "JO", FamilyName: "BLOGGS", Email: "jobloggs@googlemail.com", Phone: "+44 7700 900123",
		DeviceID: "abcd-1234", ContactIP: "::ffff:203.0.113.7", Address: &bonafide.Address{Postcode: "ZZ99 3ZZ"},
	}
	t1, t2 := v.Tags(r1), v.Tags(r2)
	if len(t1) != 6 {
		t.Fatalf("Tags(r1) = %d tags, want 6 (email, phone, device, ip, ip_net, name_postcode)", len(t1))
	}
	if !slices.Equal(t1, t2) {
		t.Errorf("Tags of two spellings of one reporter differ:\n%v\n%v", t1, t2)
	}
	if got := v.Tags(nil); got != nil {
		t.Errorf("Tags(nil) = %v, want nil", got)
	}
	if got := v.Tags(&bonafide.Reporter{Anonymous: true, Phone: "withheld"}); len(got) != 0 {
		t.Errorf("Tags(anonymous, withheld) = %v, want none", got)
	}
	neighbour := v.Tags(&bonafide.Reporter{ContactIP: "203.0.113.99"})
	if len(neighbour) != 2 || neighbour[1] != t1[slices.IndexFunc(t1, func(x Tag) bool { return x.Kind == TagIPNet })] {
		t.Errorf("Tags(same /24) = %v, want an ip_net tag equal to r1's", neighbour)
	}

	// Each kind has its own key: the same string gives unrelated tags.
	a, _ := v.Tag(TagDevice, "jobloggs@gmail.com")
	b, _ := v.Tag(TagEmail, "jobloggs@gmail.com")
	if a.Sum == b.Sum {
		t.Errorf("device and email tags of one string are equal: %s", a)
	}
	if got, ok := v.Tag(TagEmail, "J.O.BLOGGS@gmail.com"); !ok || !slices.Contains(t1, got) {
		t.Errorf("Tag(email) = %s, %v; want one of Tags(r1)", got, ok)
	}
	if got, ok := v.Tag(TagNamePostcode, "jo bloggs|ZZ99 3ZZ"); !ok || !slices.Contains(t1, got) {
		t.Errorf("Tag(name_postcode) = %s, %v; want one of Tags(r1)", got, ok)
	}

	// Another deployment (another index key) gives other tags; the same
	// deployment reopened gives the same.
	other := mustVault(t, new(MemoryKeyStore), m)
	if slices.Equal(other.Tags(r1), t1) {
		t.Errorf("Tags under another index key equal ours")
	}
	again := mustVault(t, &s, m)
	if !slices.Equal(again.Tags(r1), t1) {
		t.Errorf("Tags after reopening differ")
	}

	for _, tg := range t1 {
		p, err := ParseTag(tg.String())
		if err != nil || p != tg {
			t.Errorf("ParseTag(%q) = %v, %v; want %v", tg.String(), p, err, tg)
		}
	}
	for _, bad := range []string{"", "email", "email:00", "fax:0011223344556677", "email:zz11223344556677"} {
		if _, err := ParseTag(bad); err == nil {
			t.Errorf("ParseTag(%q) succeeded; want error", bad)
		}
	}
}

func TestSharing(t *testing.T) {
	ctx := context.Background()
	v := mustVault(t, new(MemoryKeyStore), mustMaster(t))
	var idx MemoryTagIndex
	reporters := map[string]*bonafide.Reporter{
		"R-1": {Email: "troll@example.org", DeviceID: "dev-0001"},
		"R-2": {Email: "TROLL+2@example.org", DeviceID: "dev-0001"},
		"R-3": {Phone: "07700 900999", DeviceID: "dev-0001"},
		"R-4": {Email: "someone@example.org"},
		"R-5": nil,
	}
	for id, r := range reporters {
		if err := v.IndexReporter(ctx, &idx, id, r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		id   string
		want []string
	}{
		{"two in common first", "R-1", []string{"R-2", "R-3"}},
		{"device only", "R-3", []string{"R-1", "R-2"}},
		{"alone", "R-4", nil},
		{"no reporter", "R-5", nil},
		{"unknown referral", "R-9", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := Sharing(ctx, &idx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range sh {
				got = append(got, s.ReferralID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Sharing(%s) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestBlind(t *testing.T) {
	m := mustMaster(t)
	var s MemoryKeyStore
	v := mustVault(t, &s, m)
	const in = "e-mail:jobloggs@gmail.com"
	got := v.Blind(in)
	if len(got) != 32 || strings.Contains(got, "jobloggs") {
		t.Fatalf("Blind(%q) = %q, want 32 hex digits telling nothing of it", in, got)
	}
	if again := v.Blind(in); again != got {
		t.Errorf("Blind is not stable: %q then %q", got, again)
	}
	if v.Blind(in+" ") == got {
		t.Error("Blind gives one value for two inputs")
	}
	// A key of its own, apart from every tag kind's: a tag leaked from
	// the index cannot be matched against the engine's keys.
	for kind, key := range v.tags {
		if bytes.Equal(key, v.link) {
			t.Errorf("Blind shares its key with the %s tags", kind)
		}
	}
	if tag, _ := v.Tag(TagEmail, "jobloggs@gmail.com"); strings.HasPrefix(v.Blind("jobloggs@gmail.com"), hex.EncodeToString(tag.Sum[:])) {
		t.Error("Blind of an e-mail address equals its e-mail tag")
	}
	if reopened := mustVault(t, &s, m); reopened.Blind(in) != got {
		t.Error("the same deployment reopened blinds differently")
	}
	if other := mustVault(t, new(MemoryKeyStore), m); other.Blind(in) == got {
		t.Error("another deployment (another index key) blinds the same")
	}
}
