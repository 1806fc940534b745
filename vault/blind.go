package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"unicode"

	"bonafide"
	"bonafide/normalize"
)

// TagSize is how many bytes of the HMAC-SHA256 a blind-index tag keeps.
// 64 bits make a chance collision between two different values negligible
// at council scale (about 3 in a million across ten million values of one
// kind) while keeping the index small; see docs/security.md.
const TagSize = 8

// TagKind says what a blind-index tag was computed over. Each kind has its
// own HMAC key (derived with HKDF), so equal tags of different kinds say
// nothing about each other.
type TagKind string

// The kinds of blind-index tag. Email, phone and device are strong
// identifiers; ip is a shared address (a household, a café); ip_net (the
// IPv4 /24 or IPv6 /48) and name_postcode are weaker and only corroborate.
const (
	TagEmail        TagKind = "email"
	TagPhone        TagKind = "phone"
	TagDevice       TagKind = "device"
	TagIP           TagKind = "ip"
	TagIPNet        TagKind = "ip_net"
	TagNamePostcode TagKind = "name_postcode"
)

var tagKinds = []TagKind{TagEmail, TagPhone, TagDevice, TagIP, TagIPNet, TagNamePostcode}

// Valid reports whether k is a known tag kind.
func (k TagKind) Valid() bool { return slices.Contains(tagKinds, k) }

// Tag is a blind index: a truncated keyed hash of one normalised reporter
// identifier. Two reporters share a tag exactly when they gave the same
// normalised value (bar a 2^-64 chance), yet the tag reveals nothing of the
// value to anyone without the index key. Tag is comparable, so it can be a
// map key.
type Tag struct {
	Kind TagKind
	Sum  [TagSize]byte
}

// String returns "kind:hex", the form stores keep and logs may show.
func (t Tag) String() string { return string(t.Kind) + ":" + hex.EncodeToString(t.Sum[:]) }

// ParseTag parses the form String returns.
func ParseTag(s string) (Tag, error) {
	var t Tag
	kind, h, ok := strings.Cut(s, ":")
	if !ok || !TagKind(kind).Valid() {
		return t, errors.New("parse tag: unknown kind")
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != TagSize {
		return t, errors.New("parse tag: want 16 hex digits")
	}
	t.Kind = TagKind(kind)
	copy(t.Sum[:], b)
	return t, nil
}

// Tag computes the tag of one raw value of the given kind, normalising it
// first. ok is false when the value normalises to nothing useful (an
// unparseable phone number, a private IP address). Investigators use it to
// ask "which referrals came from this e-mail address?" without decrypting.
func (v *Vault) Tag(kind TagKind, value string) (t Tag, ok bool) {
	var norm []string
	switch kind {
	case TagEmail:
		if s, ok := NormalizeEmail(value); ok {
			norm = []string{s}
		}
	case TagPhone:
		if s, ok := NormalizePhone(value); ok {
			norm = []string{s}
		}
	case TagDevice:
		if s, ok := NormalizeDevice(value); ok {
			norm = []string{s}
		}
	case TagIP, TagIPNet:
		if ip, nw, ok := NormalizeIP(value); ok {
			norm = []string{ip}
			if kind == TagIPNet {
				norm = []string{nw}
			}
		}
	case TagNamePostcode:
		// value is "name|postcode".
		name, pc, _ := strings.Cut(value, "|")
		if s, ok := NormalizeNamePostcode(name, pc); ok {
			norm = []string{s}
		}
	}
	if len(norm) == 0 {
		return Tag{}, false
	}
	return v.tag(kind, norm[0]), true
}

func (v *Vault) tag(kind TagKind, norm string) Tag {
	v.mu.RLock()
	key := v.tags[kind]
	v.mu.RUnlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(norm))
	t := Tag{Kind: kind}
	copy(t.Sum[:], m.Sum(nil))
	return t
}

// Blind returns a keyed hash of s (HMAC-SHA256 under a key of its own,
// derived from the index key; 128 bits, hex): equal for equal s, telling
// nothing of s without the key. The triage engine links reporters on it
// (triage.Config.BlindKey), so that the server's memory holds no reporter
// identifier in the clear, only whether two referrals share one.
func (v *Vault) Blind(s string) string {
	v.mu.RLock()
	key := v.link
	v.mu.RUnlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Tags returns the blind-index tags of a reporter, sorted and without
// repeats: one per identifier that normalises to something. A nil or empty
// reporter has none.
func (v *Vault) Tags(r *bonafide.Reporter) []Tag {
	if r == nil {
		return nil
	}
	var out []Tag
	add := func(kind TagKind, s string, ok bool) {
		if ok {
			out = append(out, v.tag(kind, s))
		}
	}
	s, ok := NormalizeEmail(r.Email)
	add(TagEmail, s, ok)
	s, ok = NormalizePhone(r.Phone)
	add(TagPhone, s, ok)
	s, ok = NormalizeDevice(r.DeviceID)
	add(TagDevice, s, ok)
	if ip, nw, ok := NormalizeIP(r.ContactIP); ok {
		add(TagIP, ip, true)
		add(TagIPNet, nw, true)
	}
	if r.Address != nil && strings.TrimSpace(r.FamilyName) != "" {
		s, ok = NormalizeNamePostcode(r.GivenName+" "+r.FamilyName, r.Address.Postcode)
		add(TagNamePostcode, s, ok)
	}
	slices.SortFunc(out, compareTags)
	return slices.Compact(out)
}

func compareTags(a, b Tag) int {
	if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
		return c
	}
	return slices.Compare(a.Sum[:], b.Sum[:])
}

// NormalizeEmail returns the address as its mailbox knows it, by
// normalize.Email (so that tags agree with what linkage compares):
// lower case, an address taken down as spoken repaired, and each large
// provider's rules applied (Gmail ignores dots and +tags, and so on). ok is
// false for anything without a local part and a dotted domain.
func NormalizeEmail(s string) (string, bool) {
	e := normalize.Email(s)
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || !strings.Contains(e[at+1:], ".") || strings.ContainsAny(e, " \t\r\n") {
		return "", false
	}
	return e, true
}

// NormalizePhone returns a number in E.164 (+447700900123) by
// normalize.Phone, reading national numbers as UK ones. ok is false
// for a withheld number or anything that is not a number.
func NormalizePhone(s string) (string, bool) {
	e164, _ := normalize.Phone(s)
	return e164, e164 != ""
}

// NormalizeDevice lower-cases a device identifier and removes white space.
// Identifiers shorter than 4 characters are too likely to repeat by chance
// and give no tag.
func NormalizeDevice(s string) (string, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	if len(s) < 4 {
		return "", false
	}
	return s, true
}

// NormalizeIP returns an address in canonical form (IPv4-mapped IPv6 read as
// IPv4, a port dropped) and its network, the IPv4 /24 or the IPv6 /48, by
// normalize.IP. Private, loopback, link-local, multicast and
// unspecified addresses give no tag: they are the council's own proxies or
// nonsense, and would link strangers.
func NormalizeIP(s string) (ip, network string, ok bool) {
	ip, network = normalize.IP(s)
	if ip == "" {
		return "", "", false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return "", "", false
	}
	return ip, network, true
}

// NormalizeNamePostcode joins a full name and a postcode into one value:
// letters of the name lower-cased with other characters as single spaces,
// and the postcode upper-cased without spaces. It needs a name and a
// postcode of five to seven characters (a full UK postcode), since a name
// and a district alone are shared by too many people. Tags uses it only
// when the reporter gave a family name.
func NormalizeNamePostcode(name, postcode string) (string, bool) {
	name = normalize.LetterWords(name)
	if name == "" {
		return "", false
	}
	var pc strings.Builder
	for _, r := range strings.ToUpper(postcode) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			pc.WriteRune(r)
		}
	}
	if pc.Len() < 5 || pc.Len() > 7 {
		return "", false
	}
	return name + "|" + pc.String(), true
}
