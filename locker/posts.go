package locker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bonafide"
	"bonafide/triage/textsim"
)

// Platforms whose "download your data" exports ImportPosts reads.
const (
	PlatformInstagram = "instagram"
	PlatformX         = "x"
)

// MaxExportSize bounds an export file read by ImportPosts.
const MaxExportSize = 32 << 20

// A Post is one of the family's own posts, as a platform export gave it.
type Post struct {
	Platform string
	ID       string
	Handle   string
	URL      string
	Text     string
	Posted   time.Time
	Media    []string // media paths inside the export
	Source   []byte   // the export's own record of the post, kept verbatim
}

// ParseExport reads the family's posts from a platform export file:
//
//   - X (Twitter) archive data/tweets.js: "window.YTD.tweets.part0 = " then
//     a JSON array of {"tweet": {"id_str", "full_text", "created_at"
//     ("Wed Mar 04 10:00:00 +0000 2026"), …}};
//   - Instagram's "Download your information" JSON,
//     your_instagram_activity/content/posts_1.json: a JSON array of
//     {"media": [{"uri", "creation_timestamp", "title"}], "title",
//     "creation_timestamp"}, the caption in "title" (on the post, or on
//     its first medium), times in Unix seconds, text in the export's
//     mis-encoded form (UTF-8 bytes written as Latin-1 escapes), which is
//     repaired.
//
// handle is the family's account name, which the files do not carry. A
// record that does not parse is refused naming its index and field.
func ParseExport(data []byte, handle string) ([]Post, error) {
	if len(data) > MaxExportSize {
		return nil, bonafide.Errorf(bonafide.EInvalid, "export: larger than %d bytes", MaxExportSize)
	}
	trim := bytes.TrimSpace(data)
	if bytes.HasPrefix(trim, []byte("window.YTD.")) {
		_, arr, ok := bytes.Cut(trim, []byte("="))
		if !ok {
			return nil, bonafide.Errorf(bonafide.EInvalid, "tweets.js: no '=' after window.YTD…")
		}
		return parseTweets(arr, handle)
	}
	if bytes.HasPrefix(trim, []byte("[")) {
		return parseInstagram(trim, handle)
	}
	return nil, bonafide.Errorf(bonafide.EInvalid, "export: neither an X tweets.js file nor an Instagram posts JSON file")
}

func parseTweets(arr []byte, handle string) ([]Post, error) {
	var recs []json.RawMessage
	if err := json.Unmarshal(arr, &recs); err != nil {
		return nil, bonafide.Errorf(bonafide.EInvalid, "tweets.js: %v", err)
	}
	var out []Post
	for i, raw := range recs {
		var r struct {
			Tweet struct {
				ID        string `json:"id_str"`
				FullText  string `json:"full_text"`
				CreatedAt string `json:"created_at"`
			} `json:"tweet"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, bonafide.Errorf(bonafide.EInvalid, "tweets.js: record %d: %v", i, err)
		}
		tw := r.Tweet
		if _, err := strconv.ParseUint(tw.ID, 10, 64); err != nil {
			return nil, bonafide.Errorf(bonafide.EInvalid, "tweets.js: record %d: tweet.id_str %q: not a tweet id", i, tw.ID)
		}
		t, err := time.Parse(time.RubyDate, tw.CreatedAt)
		if err != nil {
			return nil, bonafide.Errorf(bonafide.EInvalid, "tweets.js: record %d: tweet.created_at %q: want like \"Wed Mar 04 10:00:00 +0000 2026\"", i, tw.CreatedAt)
		}
		p := Post{Platform: PlatformX, ID: tw.ID, Handle: handle, Text: tw.FullText, Posted: t.UTC(), Source: raw}
		if handle != "" {
			p.URL = "https://x.com/" + strings.TrimPrefix(handle, "@") + "/status/" + tw.ID
		}
		out = append(out, p)
	}
	return out, nil
}

func parseInstagram(arr []byte, handle string) ([]Post, error) {
	var recs []json.RawMessage
	if err := json.Unmarshal(arr, &recs); err != nil {
		return nil, bonafide.Errorf(bonafide.EInvalid, "posts JSON: %v", err)
	}
	var out []Post
	for i, raw := range recs {
		var r struct {
			Title   string `json:"title"`
			Created int64  `json:"creation_timestamp"`
			Media   []struct {
				URI     string `json:"uri"`
				Created int64  `json:"creation_timestamp"`
				Title   string `json:"title"`
			} `json:"media"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, bonafide.Errorf(bonafide.EInvalid, "posts JSON: record %d: %v", i, err)
		}
		if len(r.Media) == 0 {
			return nil, bonafide.Errorf(bonafide.EInvalid, "posts JSON: record %d: media: required", i)
		}
		text, ts := r.Title, r.Created
		if text == "" {
			text = r.Media[0].Title
		}
		if ts == 0 {
			ts = r.Media[0].Created
		}
		if ts <= 0 {
			return nil, bonafide.Errorf(bonafide.EInvalid, "posts JSON: record %d: creation_timestamp: required", i)
		}
		p := Post{Platform: PlatformInstagram, Handle: handle, Text: fixMojibake(text), Posted: time.Unix(ts, 0).UTC(), Source: raw}
		for _, m := range r.Media {
			p.Media = append(p.Media, m.URI)
		}
		p.ID = p.Media[0]
		out = append(out, p)
	}
	return out, nil
}

// fixMojibake undoes the Latin-1 escaping of UTF-8 in Meta's exports: if
// every rune is below 256 and their bytes form valid UTF-8 with at least
// one multi-byte sequence, those bytes were the text.
func fixMojibake(s string) string {
	b := make([]byte, 0, len(s))
	multi := false
	for _, r := range s {
		if r > 0xff {
			return s
		}
		if r >= 0x80 {
			multi = true
		}
		b = append(b, byte(r))
	}
	if !multi || !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// ImportPosts adds the family's posts from a platform export (see
// [ParseExport]) as items, each with its text and the export's own record
// of it, skipping posts already in the locker. It returns the new items.
func (l *Locker) ImportPosts(ctx context.Context, data []byte, handle string) ([]*Item, error) {
	posts, err := ParseExport(data, handle)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	items, err := l.Items(ctx)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.Kind == KindPost && !it.Deleted {
			have[it.Meta["post.platform"]+"/"+it.Meta["post.id"]] = true
		}
	}
	var out []*Item
	for _, p := range posts {
		if have[p.Platform+"/"+p.ID] {
			continue
		}
		if err := checkText("post text", p.Text, MaxText); err != nil {
			return out, err
		}
		now := l.now().UTC()
		it := &Item{ID: newID(), Kind: KindPost, Category: CategoryPost, Title: textsim.Quote(p.Text, 80), When: p.Posted, Recorded: now,
			Meta: map[string]string{"post.platform": p.Platform, "post.id": p.ID, "post.handle": p.Handle}}
		if p.URL != "" {
			it.Meta["post.url"] = p.URL
		}
		if len(p.Media) > 0 {
			it.Meta["post.media"] = strings.Join(p.Media, " ")
		}
		it.Parts = []Part{
			{Name: "post.txt", Type: "text/plain; charset=utf-8", Recorded: now},
			{Name: "export-record.json", Type: "application/json", Recorded: now},
		}
		if err := l.put(ctx, it, map[int][]byte{0: []byte(p.Text), 1: p.Source}, "post.import", true); err != nil {
			return out, fmt.Errorf("import post %s: %w", p.ID, err)
		}
		have[p.Platform+"/"+p.ID] = true
		out = append(out, it)
	}
	return out, nil
}
