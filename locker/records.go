package locker

import (
	"encoding/json"
	"net/url"
	"strings"

	"bonafide"
)

// Records returns the posts and forum pages of a verified bundle as
// interchange records, for the agency to file: each post exhibit as a
// public_post, each forum exhibit (a captured page, or a file of category
// forum with text) as a forum_post. Only exhibits that verified are
// returned, and only when the manifest's signature held. Each record
// carries its provenance in a "provenance" member (the locker's origin and
// verifier key, the exhibit's number, item id, digest and time-stamp),
// which the interchange format keeps as an unknown field.
func (r *VerifyReport) Records() []bonafide.Record {
	for _, p := range r.Problems {
		if p.Exhibit == "" {
			return nil // the manifest itself is in doubt
		}
	}
	ok := map[string]ExhibitCheck{}
	for _, c := range r.Exhibits {
		if c.OK {
			ok[c.Number] = c
		}
	}
	var out []bonafide.Record
	for _, ex := range r.Manifest.Exhibits {
		c, good := ok[ex.Number]
		if !good {
			continue
		}
		prov := map[string]any{"source": "bonafide-locker", "origin": r.Manifest.Origin, "verifier_key": r.Manifest.VerifierKey,
			"exhibit": ex.Number, "item": ex.ID, "digest": ex.Digest, "custody_entry": ex.Custody}
		if c.Stamped {
			prov["stamped_at"] = c.StampTime
			prov["stamp_authority"] = c.Authority
		}
		pj, _ := json.Marshal(prov)
		extra := bonafide.Extra{"provenance": pj}
		id := "locker:" + strings.TrimPrefix(r.Manifest.Origin, "bonafide-locker/") + ":" + ex.ID
		text := r.partText(ex, "post.txt", "text.txt")
		switch {
		case ex.Kind == KindPost:
			out = append(out, &bonafide.PublicPost{ID: id, Platform: ex.Meta["post.platform"], Handle: ex.Meta["post.handle"],
				PostedAt: ex.When, Text: text, URL: ex.Meta["post.url"], Extra: extra})
		case ex.Category == CategoryForum && text != "":
			fp := &bonafide.ForumPost{ID: id, Thread: ex.Title, PostedAt: ex.When, Text: text, URL: ex.Meta["page.final_url"], Extra: extra}
			if fp.PostedAt.IsZero() {
				fp.PostedAt = ex.Recorded
			}
			if u, err := url.Parse(fp.URL); err == nil && u.Host != "" {
				fp.Site = u.Host
			} else {
				fp.Site = "the family's evidence bundle"
			}
			out = append(out, fp)
		}
	}
	return out
}

// partText returns the first intact part with one of names, or of a text
// type, as text.
func (r *VerifyReport) partText(ex Exhibit, names ...string) string {
	for _, p := range ex.Parts {
		for _, n := range names {
			if p.Name == n {
				return string(r.intact[p.Path])
			}
		}
	}
	for _, p := range ex.Parts {
		if strings.HasPrefix(p.Type, "text/") {
			return string(r.intact[p.Path])
		}
	}
	return ""
}
