package normalize

import (
	"net/url"
	"strings"
)

// platformNames maps the ways a platform is named on forms and by callers to
// one name. Twitter is filed under its current name, x.
var platformNames = map[string]string{
	"instagram": "instagram", "ig": "instagram", "insta": "instagram", "instagramcom": "instagram",
	"x": "x", "twitter": "x", "xcom": "x", "twittercom": "x", "xtwitter": "x", "twitterx": "x",
	"facebook": "facebook", "fb": "facebook", "facebookcom": "facebook", "fbcom": "facebook", "messenger": "facebook",
	"tiktok": "tiktok", "tiktokcom": "tiktok", "tt": "tiktok",
	"snapchat": "snapchat", "snap": "snapchat", "sc": "snapchat",
	"youtube": "youtube", "yt": "youtube", "youtubecom": "youtube",
	"reddit": "reddit", "redditcom": "reddit",
	"threads": "threads", "threadsnet": "threads",
	"bluesky": "bluesky", "bsky": "bluesky", "bskyapp": "bluesky", "bskysocial": "bluesky",
	"linkedin": "linkedin", "linkedincom": "linkedin",
	"telegram": "telegram", "tme": "telegram",
	"whatsapp": "whatsapp", "wa": "whatsapp",
	"twitch": "twitch", "twitchtv": "twitch",
	"pinterest": "pinterest",
	"discord":   "discord",
	"mumsnet":   "mumsnet",
	"mastodon":  "mastodon",
}

// hostPlatforms maps web hosts to platform names, so that a pasted profile
// link identifies its platform.
var hostPlatforms = map[string]string{
	"instagram.com": "instagram", "instagr.am": "instagram",
	"twitter.com": "x", "x.com": "x",
	"facebook.com": "facebook", "fb.com": "facebook",
	"tiktok.com":   "tiktok",
	"snapchat.com": "snapchat",
	"youtube.com":  "youtube",
	"reddit.com":   "reddit", "old.reddit.com": "reddit",
	"threads.net": "threads", "threads.com": "threads",
	"bsky.app":     "bluesky",
	"linkedin.com": "linkedin",
	"t.me":         "telegram", "telegram.me": "telegram",
	"twitch.tv":     "twitch",
	"pinterest.com": "pinterest", "pinterest.co.uk": "pinterest",
	"mumsnet.com": "mumsnet",
}

// Platform returns the one name bonafide uses for a social platform: lower
// case, without spaces, dots or ".com", with common abbreviations and former
// names resolved ("IG" and "Instagram.com" are "instagram"; "Twitter" is "x").
// An unknown platform is returned lower-cased with spaces and punctuation
// removed, so that two spellings of it still compare equal.
func Platform(p string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(p)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 0x7f {
			b.WriteRune(r)
		}
	}
	k := b.String()
	if name, ok := platformNames[k]; ok {
		return name
	}
	return k
}

// pathPrefixes are path segments that come before the account name in
// profile links: /u/name, /user/name, /in/name, /add/name, /c/name,
// /channel/id, /profile/handle.
var pathPrefixes = map[string]bool{
	"u": true, "user": true, "users": true, "in": true, "add": true, "c": true,
	"channel": true, "profile": true, "people": true, "pub": true, "@": true,
}

// Handle returns a social-media handle in the form it is compared in: lower
// case, without a leading "@", without the profile URL around it
// ("https://www.instagram.com/jane.doe/?hl=en" is "jane.doe", "reddit.com/u/x"
// and "u/x" are "x"). The platform, named any way [Platform] understands,
// decides the rest: where handles cannot hold spaces they are removed, and on
// Facebook, which ignores dots in user names, dots are removed too. A
// numeric Facebook profile link gives its id. It returns "" when nothing of
// a handle remains. Handle is idempotent.
func Handle(platform, h string) string {
	p := Platform(platform)
	h = strings.ToLower(h)
	// Each step can uncover another layer ("@u/name", an escaped link), so
	// repeat to a fixed point; real input settles in one or two rounds.
	for range 4 {
		next := handle1(p, h)
		if next == h {
			break
		}
		h = next
	}
	return h
}

// handle1 is one round of Handle's clean-up.
func handle1(p, h string) string {
	h = strings.Trim(h, "@/. \t\n\r")
	if h == "" {
		return ""
	}
	h = handleFromURL(h)
	h = strings.TrimLeft(h, "@")
	switch p {
	case "facebook":
		h = strings.ReplaceAll(h, ".", "")
		fallthrough
	case "instagram", "x", "tiktok", "snapchat", "youtube", "reddit", "threads",
		"bluesky", "telegram", "twitch", "pinterest", "linkedin":
		h = strings.Join(strings.Fields(h), "")
	default:
		h = strings.Join(strings.Fields(h), " ")
	}
	return strings.Trim(h, "@/. \t\n\r")
}

// handleFromURL takes the account name out of a profile link, or returns h
// unchanged when it is not one.
func handleFromURL(h string) string {
	rest := h
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	host, path, hasPath := strings.Cut(rest, "/")
	host = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(host, "www."), "m."), "mobile.")
	_, knownHost := hostPlatforms[host]
	isLink := knownHost || (hasPath && strings.Contains(host, ".") && !strings.Contains(host, "@") && rest != h)
	if !isLink {
		// "u/name" and "/user/name" with no host.
		path, hasPath = strings.TrimPrefix(h, "/"), true
		if seg, after, ok := strings.Cut(path, "/"); !ok || !pathPrefixes[seg] || after == "" {
			return h
		}
	}
	if !hasPath {
		return ""
	}
	path, query, _ := strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "#")
	for seg := range strings.SplitSeq(path, "/") {
		switch {
		case seg == "" || pathPrefixes[seg]:
			continue
		case seg == "profile.php":
			if v, err := url.ParseQuery(query); err == nil && v.Get("id") != "" {
				return v.Get("id")
			}
			return ""
		}
		if u, err := url.PathUnescape(seg); err == nil {
			return u
		}
		return seg
	}
	return ""
}
