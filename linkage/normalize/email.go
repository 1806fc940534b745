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
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 {
		return ""
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if !validLocal(local) || !validDomain(domain) {
		return ""
	}
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
