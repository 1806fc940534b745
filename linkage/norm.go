package linkage

import (
	"strings"
	"unicode"
)

// This file holds the small normalisers the comparisons need. They are written for
// linkage's own use: lower-casing, accent folding, postcode parts, e-mail and handle
// canonical forms, and a compact phonetic code used for blocking and the "metaphone"
// level.

var accentFold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae", 'ç': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i",
	'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ù': "u",
	'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ß': "ss", 'ł': "l", 'œ': "oe",
	'ś': "s", 'ş': "s", 'š': "s", 'ž': "z", 'ź': "z", 'ż': "z", 'č': "c", 'ć': "c", 'ř': "r",
	'ğ': "g", 'ı': "i", 'đ': "d", 'ń': "n", 'ő': "o", 'ű': "u", 'ā': "a", 'ē': "e", 'ī': "i", 'ō': "o", 'ū': "u",
}

// normName lower-cases s, folds accents, turns punctuation other than hyphens into
// spaces, drops apostrophes (O'Neil → oneil) and collapses runs of spaces.
func normName(s string) string {
	if isPlainLower(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '\'' || r == '’' || r == '`':
			continue
		case r == '-':
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			space = b.Len() > 0
			continue
		default:
			if f, ok := accentFold[r]; ok {
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteString(f)
				continue
			}
			if !unicode.IsLetter(r) {
				continue
			}
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPlainLower reports whether s is already normalised: lower-case ASCII letters and
// digits, hyphens and single inner spaces. Most values are, and this saves a copy.
func isPlainLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' ':
		default:
			return false
		}
	}
	return true
}

// compact removes spaces and hyphens, so "mary-jane" and "mary jane" and "maryjane"
// compare equal.
func compact(s string) string {
	if !strings.ContainsAny(s, " -") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '-' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// digits keeps only the ASCII digits of s.
func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// postcodeParts splits a UK postcode as typed into area ("sw"), district ("sw1a"),
// sector ("sw1a 1") and full ("sw1a 1aa"). A district alone gives empty sector and full.
func postcodeParts(s string) (area, district, sector, full string, ok bool) {
	c := strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '-' {
			return -1
		}
		return r
	}, s))
	if len(c) < 2 || len(c) > 7 {
		return "", "", "", "", false
	}
	for i := 0; i < len(c); i++ {
		if !(c[i] >= 'a' && c[i] <= 'z' || c[i] >= '0' && c[i] <= '9') {
			return "", "", "", "", false
		}
	}
	outward := c
	inward := ""
	if len(c) >= 5 {
		outward, inward = c[:len(c)-3], c[len(c)-3:]
		// Typists swap O/0 and I/1: the inward code is digit, letter, letter.
		in := []byte(inward)
		switch in[0] {
		case 'o':
			in[0] = '0'
		case 'i', 'l':
			in[0] = '1'
		}
		for i := 1; i < 3; i++ {
			switch in[i] {
			case '0':
				in[i] = 'o'
			case '1':
				in[i] = 'i'
			}
		}
		inward = string(in)
		if inward[0] < '0' || inward[0] > '9' {
			return "", "", "", "", false
		}
	}
	n := 0
	for n < len(outward) && outward[n] >= 'a' && outward[n] <= 'z' {
		n++
	}
	if n == 0 || n > 2 || n == len(outward) {
		return "", "", "", "", false
	}
	area, district = outward[:n], outward
	if inward != "" {
		sector = outward + " " + inward[:1]
		full = outward + " " + inward
	}
	return area, district, sector, full, true
}

// addressAbbrev expands the usual UK street abbreviations.
var addressAbbrev = map[string]string{
	"rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "cl": "close", "cres": "crescent",
	"dr": "drive", "ln": "lane", "pl": "place", "sq": "square", "gdns": "gardens", "ct": "court",
	"tce": "terrace", "terr": "terrace", "gr": "grove", "gro": "grove", "pk": "park", "hse": "house",
	"apt": "flat", "apartment": "flat", "mt": "mount", "wy": "way", "cv": "cove", "cir": "circuit",
	"hwy": "highway", "pde": "parade", "cct": "circuit", "bvd": "boulevard", "blvd": "boulevard",
}

// addressTokens lower-cases s, drops punctuation and expands abbreviations. "St" before
// a name at the start of a line is "saint" (St Albans Road) but "street" elsewhere.
func addressTokens(s string) []string {
	f := strings.Fields(normName(strings.ReplaceAll(s, ".", " ")))
	out := f[:0]
	for i, t := range f {
		if t == "st" && i == 0 && len(f) > 1 && !isNumber(f[1]) {
			out = append(out, "saint")
			continue
		}
		if e, ok := addressAbbrev[t]; ok {
			t = e
		}
		out = append(out, t)
	}
	return out
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normPhone returns a UK phone number in E.164 form (+447700900123), or withheld when the
// caller hid the number. Numbers that cannot be read return "", false.
func normPhone(s string) (e164 string, withheld bool) {
	l := strings.ToLower(strings.TrimSpace(s))
	switch l {
	case "withheld", "private", "unknown", "anonymous", "number withheld", "no caller id":
		return "", true
	}
	plus := strings.HasPrefix(l, "+")
	d := digits(l)
	switch {
	case plus:
		// already international
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = "44" + d[1:]
	case strings.HasPrefix(d, "44") && len(d) >= 12:
	default:
		if len(d) < 7 {
			return "", false
		}
	}
	if strings.HasPrefix(d, "440") {
		d = "44" + d[3:] // +44 (0)7700...
	}
	if len(d) < 7 || len(d) > 15 {
		return "", false
	}
	return "+" + d, false
}

// emailDotless are providers that ignore dots in the local part; emailPlus those that
// drop a +tag. Others keep the local part as typed (lower-cased).
var (
	emailDotless = map[string]bool{"gmail.com": true}
	emailPlus    = map[string]bool{
		"gmail.com": true, "outlook.com": true, "hotmail.com": true, "hotmail.co.uk": true,
		"live.com": true, "live.co.uk": true, "icloud.com": true, "me.com": true,
		"protonmail.com": true, "proton.me": true, "fastmail.com": true,
	}
	emailAlias = map[string]string{"googlemail.com": "gmail.com"}
)

// normEmail returns the canonical form of an e-mail address: lower case, googlemail →
// gmail, dots removed for gmail, +tags removed for providers that ignore them.
func normEmail(s string) (full, local string) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", ""
	}
	local, domain := s[:at], s[at+1:]
	if a, ok := emailAlias[domain]; ok {
		domain = a
	}
	if emailPlus[domain] {
		if i := strings.IndexByte(local, '+'); i > 0 {
			local = local[:i]
		}
	}
	if emailDotless[domain] {
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain, local
}

var platformAlias = map[string]string{
	"ig": "instagram", "insta": "instagram", "instagram.com": "instagram", "www.instagram.com": "instagram",
	"fb": "facebook", "facebook.com": "facebook", "www.facebook.com": "facebook", "m.facebook.com": "facebook",
	"twitter": "x", "twitter.com": "x", "x.com": "x", "www.twitter.com": "x", "tiktok.com": "tiktok",
	"www.tiktok.com": "tiktok", "snapchat.com": "snapchat", "snap": "snapchat", "threads.net": "threads",
}

// normHandle reads a social handle written as "@name", "platform:@name" or a profile
// URL, and returns the platform ("" when not given) and the lower-case handle.
func normHandle(s string) (platform, handle string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		host, path, _ := strings.Cut(s, "/")
		platform = host
		handle, _, _ = strings.Cut(path, "/")
		handle, _, _ = strings.Cut(handle, "?")
	} else if p, h, ok := strings.Cut(s, ":"); ok {
		platform, handle = p, h
	} else if h, p, ok := strings.Cut(s, " on "); ok {
		platform, handle = p, h
	} else {
		handle = s
	}
	platform = strings.TrimSpace(platform)
	if a, ok := platformAlias[platform]; ok {
		platform = a
	}
	handle = strings.TrimLeft(strings.TrimSpace(handle), "@")
	return platform, handle
}

// normIP returns an IPv4 address and its /24 network ("10.1.2"), or for IPv6 the address
// and its /48 prefix.
func normIP(s string) (ip, net string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.Count(s, ".") == 3 {
		i := strings.LastIndexByte(s, '.')
		return s, s[:i]
	}
	if strings.Contains(s, ":") {
		parts := strings.SplitN(s, ":", 4)
		if len(parts) == 4 {
			return s, strings.Join(parts[:3], ":")
		}
		return s, s
	}
	return "", ""
}
