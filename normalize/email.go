package normalize

import "strings"

// Email returns the address in s in the form its mailbox is known by, or ""
// when s is not an e-mail address. It trims spaces, a "mailto:" prefix and a
// display name ("Jane <jane@example.org>"), lower-cases the whole address and
// applies the rules of the provider:
//
//   - gmail.com and googlemail.com (one service): googlemail.com becomes
//     gmail.com, dots in the local part are removed and a "+tag" is dropped.
//   - outlook.com, hotmail.*, live.*, msn.com (Microsoft): a "+tag" is dropped;
//     dots are significant and kept.
//   - yahoo.* and ymail.com: a "+tag" is dropped (a Yahoo name cannot contain
//     "+"); Yahoo's "-keyword" disposable addresses cannot be told from a
//     hyphenated name and are kept.
//   - icloud.com, me.com, mac.com (one Apple ID): me.com and mac.com become
//     icloud.com and a "+tag" is dropped.
//   - protonmail.com, protonmail.ch, pm.me, proton.me (one Proton account):
//     all become proton.me and a "+tag" is dropped.
//
// Before those rules it repairs what call handlers type: an address taken
// down as spoken ("jane dot doe at gmail dot com"), the misspelt names of
// the large providers ("gmial.com", "hotmial.co.uk", "gmail.co.uk") and top
// level domains that do not exist (".con", ".cmo", ".couk").
//
// Other domains are only lower-cased: whether they ignore dots or tags is
// theirs to decide, and guessing would merge different people. Email is
// idempotent.
func Email(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j >= 0 {
			s = strings.TrimSpace(s[i+1 : i+j])
		}
	}
	s = strings.ToLower(s)
	s = strings.TrimPrefix(s, "mailto:")
	if !strings.Contains(s, "@") {
		s = spokenEmail(s)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 {
		return ""
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if !validLocal(local) || !validDomain(domain) {
		return ""
	}
	domain = fixDomain(domain)
	switch domain {
	case "gmail.com", "googlemail.com":
		domain = "gmail.com"
		local = strings.ReplaceAll(cutTag(local), ".", "")
	case "me.com", "mac.com", "icloud.com":
		domain = "icloud.com"
		local = cutTag(local)
	case "protonmail.com", "protonmail.ch", "pm.me", "proton.me":
		domain = "proton.me"
		local = cutTag(local)
	case "outlook.com", "hotmail.com", "msn.com", "ymail.com":
		local = cutTag(local)
	default:
		if hasProviderPrefix(domain, "hotmail.", "live.", "outlook.", "yahoo.") {
			local = cutTag(local)
		}
	}
	if !validLocal(local) { // emptied by the rules, or left ending in a dot
		return ""
	}
	return local + "@" + domain
}

// cutTag removes a sub-address: everything from the first "+".
func cutTag(local string) string {
	if i := strings.IndexByte(local, '+'); i >= 0 {
		return local[:i]
	}
	return local
}

// hasProviderPrefix reports whether domain is one of a provider's national
// domains (hotmail.co.uk, yahoo.fr): a prefix followed by a public suffix of
// at most two short labels.
func hasProviderPrefix(domain string, prefixes ...string) bool {
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(domain, p)
		if !ok {
			continue
		}
		labels := strings.Split(rest, ".")
		if len(labels) > 2 {
			continue
		}
		short := true
		for _, l := range labels {
			if len(l) < 2 || len(l) > 3 {
				short = false
			}
		}
		if short {
			return true
		}
	}
	return false
}

// validLocal accepts the dot-atom local parts people actually have (RFC 5322
// atext and dots); quoted local parts are not accepted.
func validLocal(l string) bool {
	if l == "" || len(l) > 64 || l[0] == '.' || l[len(l)-1] == '.' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validDomain accepts a host name of at least two labels of letters, digits
// and hyphens.
func validDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 {
		return false
	}
	labels := 0
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
		labels++
	}
	return labels >= 2
}

// spokenEmail turns an address written as spoken, "jane dot doe at gmail
// dot com", into "jane.doe@gmail.com". It returns s unchanged unless s has
// exactly one "at" word and at least one "dot" word after it.
func spokenEmail(s string) string {
	words := strings.Fields(s)
	ats, dotsAfter := 0, 0
	for _, w := range words {
		switch w {
		case "at":
			ats++
		case "dot":
			if ats == 1 {
				dotsAfter++
			}
		}
	}
	if ats != 1 || dotsAfter == 0 {
		return s
	}
	var b strings.Builder
	for _, w := range words {
		switch w {
		case "at":
			b.WriteByte('@')
		case "dot":
			b.WriteByte('.')
		default:
			b.WriteString(w)
		}
	}
	return b.String()
}

// providerTypos maps misspellings of the large providers' names, as typed
// into forms, to the name. Only these exact labels are repaired: a guess at
// any other domain could send two people's mail to one key.
var providerTypos = map[string]string{
	"gmial": "gmail", "gmai": "gmail", "gamil": "gmail", "gmal": "gmail", "gmaill": "gmail",
	"gnail": "gmail", "gmali": "gmail", "gmil": "gmail", "gmaik": "gmail", "gmsil": "gmail",
	"gemail": "gmail", "gmale": "gmail", "gmailc": "gmail",
	"hotmial": "hotmail", "hotmal": "hotmail", "hotmil": "hotmail", "hotmai": "hotmail",
	"homail": "hotmail", "hotamil": "hotmail", "hotmaill": "hotmail", "hotnail": "hotmail",
	"hotmali": "hotmail", "htmail": "hotmail", "hitmail": "hotmail",
	"yaho": "yahoo", "yahooo": "yahoo", "yhoo": "yahoo", "yahho": "yahoo", "yaoo": "yahoo",
	"outlok": "outlook", "outloook": "outlook", "outllok": "outlook", "otlook": "outlook",
	"iclod": "icloud", "icoud": "icloud", "icloude": "icloud",
	"googlmail": "googlemail", "googlemai": "googlemail",
}

// fixDomain repairs top-level domains that do not exist and misspelt
// provider names.
func fixDomain(d string) string {
	for _, bad := range [...]string{".con", ".cmo", ".comm", ".cpm", ".vom", ".xom"} {
		if strings.HasSuffix(d, bad) {
			d = strings.TrimSuffix(d, bad) + ".com"
			break
		}
	}
	for _, bad := range [...]string{".couk", ".co.ul", ".co.uj", ".co.jk", ".co.ik", ".co.u", ".c.uk", ".uk.co"} {
		if strings.HasSuffix(d, bad) {
			d = strings.TrimSuffix(d, bad) + ".co.uk"
			break
		}
	}
	label, rest, ok := strings.Cut(d, ".")
	if !ok {
		return d
	}
	if fixed, ok := providerTypos[label]; ok && (rest == "com" || rest == "co.uk" || rest == "co" || rest == "fr" || rest == "ie") {
		label = fixed
	}
	if label == "gmail" || label == "googlemail" {
		// Gmail has only gmail.com (and googlemail.com); "gmail.co.uk" and
		// "gmail.co" are slips for it.
		if rest == "co.uk" || rest == "co" {
			rest = "com"
		}
	}
	return label + "." + rest
}
