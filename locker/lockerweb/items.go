package lockerweb

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"bonafide"
	"bonafide/locker"
)

// homeData is the home screen: what is in the locker and what to do next.
type homeData struct {
	Items          []*locker.Item
	Live, Deleted  int
	Pending        int
	CanStamp       bool
	HasDiary       bool
	HasForum       bool
	HasReport      bool
	VerifierKey    string
	Path           string
	PendingReasons string
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	l := s.open()
	if l == nil {
		if s.exists() {
			http.Redirect(w, r, "/unlock", http.StatusSeeOther)
		} else {
			http.Redirect(w, r, "/create", http.StatusSeeOther)
		}
		return
	}
	items, err := l.Items(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := homeData{VerifierKey: l.VerifierKey(), Path: s.cfg.Path, CanStamp: s.cfg.Locker.TSA != ""}
	slices.Reverse(items) // newest first
	for _, it := range items {
		if it.Deleted {
			d.Deleted++
			continue
		}
		d.Live++
		d.Items = append(d.Items, it)
		if it.Stamp == nil {
			d.Pending++
			if it.StampPending != "" {
				d.PendingReasons = "The time-stamping service could not be reached"
			}
		}
		d.HasDiary = d.HasDiary || it.Kind == locker.KindDiary
		d.HasForum = d.HasForum || it.Category == locker.CategoryForum
		switch it.Category {
		case locker.CategoryReferral, locker.CategorySponsor, locker.CategoryGP, locker.CategorySchool:
			d.HasReport = true
		}
	}
	p := &Page{Title: "Your evidence locker", Data: d}
	switch q := r.URL.Query(); {
	case q.Get("created") != "":
		p.Banner = "Your locker has been created. Only your passphrase opens it: keep it safe, because nobody can recover it."
	default:
		s.mu.Lock()
		p.Banner, s.flash = s.flash, ""
		s.mu.Unlock()
	}
	s.render(w, r, "home", p)
}

// banner sends the browser home, which shows msg once. It is kept in
// the server, not the address, so that no link can make the locker say
// something it did not do.
func (s *Server) banner(w http.ResponseWriter, r *http.Request, msg string) {
	s.mu.Lock()
	s.flash = msg
	s.mu.Unlock()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// itemData is one item's page.
type itemData struct {
	It       *locker.Item
	Meta     [][2]string
	Versions []version
	Image    int // the part shown as an image, or -1
	Custody  int64
}

type version struct {
	N        int
	Recorded time.Time
	Text     string
	SHA256   string
}

// metaNames are the metadata keys in plain words.
var metaNames = map[string]string{
	"file.name": "File name", "file.size": "Size in bytes", "file.mtime": "File last changed", "file.type": "Type",
	"email.from": "E-mail from", "email.to": "E-mail to", "email.cc": "Copied to", "email.subject": "Subject", "email.date": "E-mail date", "email.message-id": "Message ID",
	"page.url": "Address", "page.final_url": "Address after redirects", "page.status": "HTTP status", "page.captured": "Captured", "page.title": "Page title",
	"post.platform": "Platform", "post.id": "Post ID", "post.handle": "Account", "post.url": "Post address", "post.media": "Media",
	"diary.who": "Who was involved",
}

func (s *Server) item(w http.ResponseWriter, r *http.Request) (*locker.Locker, *locker.Item) {
	l := s.requireOpen(w, r)
	if l == nil {
		return nil, nil
	}
	it, err := l.Item(r.Context(), r.PathValue("id"))
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		s.errorPage(w, r, http.StatusNotFound, "Item not found", "There is no such item in your locker.")
		return nil, nil
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil, nil
	}
	return l, it
}

func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) {
	l, it := s.item(w, r)
	if it == nil {
		return
	}
	d := itemData{It: it, Image: -1, Custody: it.Custody}
	keys := make([]string, 0, len(it.Meta))
	for k := range it.Meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := metaNames[k]
		if name == "" {
			name = k
		}
		if it.Meta[k] != "" {
			d.Meta = append(d.Meta, [2]string{name, it.Meta[k]})
		}
	}
	if !it.Deleted {
		for i, p := range it.Parts {
			if d.Image < 0 && (p.Type == "image/png" || p.Type == "image/jpeg") {
				d.Image = i
			}
			if it.Kind == locker.KindDiary {
				b, err := l.Content(r.Context(), it.ID, i)
				if err != nil {
					s.internalError(w, r, err)
					return
				}
				d.Versions = append(d.Versions, version{N: i + 1, Recorded: p.Recorded, Text: string(b), SHA256: p.SHA256})
			}
		}
		slices.Reverse(d.Versions) // latest first
	}
	p := &Page{Title: it.Title, Data: d, Back: &Link{Href: "/", Text: "Back to your locker"}}
	if n, err := strconv.Atoi(r.URL.Query().Get("saved")); err == nil && n > 0 && n <= len(it.Parts) {
		p.Banner = fmt.Sprintf("Your diary entry has been saved as version %d.", n)
		if n > 1 {
			p.Banner += " The earlier versions are kept."
		}
	}
	s.render(w, r, "item", p)
}

// handlePart sends one part. Only PNG and JPEG images are shown in the
// page; everything else (a captured page's MHTML, an e-mail, a PDF) is
// downloaded as bytes, never opened by the browser inside the locker.
func (s *Server) handlePart(w http.ResponseWriter, r *http.Request) {
	l, it := s.item(w, r)
	if it == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(it.Parts) || it.Deleted {
		s.notFound(w, r)
		return
	}
	b, err := l.Content(r.Context(), it.ID, n)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	p := it.Parts[n]
	if p.Type == "image/png" || p.Type == "image/jpeg" {
		w.Header().Set("Content-Type", p.Type)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", safeFileName(p.Name)))
	}
	w.Write(b)
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	_, it := s.item(w, r)
	if it == nil {
		return
	}
	if it.Deleted {
		s.errorPage(w, r, http.StatusConflict, "This item is already deleted", "Its contents were removed; the locker keeps the record that you deleted it.")
		return
	}
	s.render(w, r, "delete", &Page{Title: "Delete " + it.Title, Data: map[string]any{"It": it, "Why": ""}, Back: &Link{Href: "/items/" + it.ID, Text: "Back"}})
}

func (s *Server) handleDeletePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	l, it := s.item(w, r)
	if it == nil {
		return
	}
	why := strings.TrimSpace(r.PostFormValue("why"))
	if why == "" {
		s.render(w, r, "delete", &Page{Title: "Delete " + it.Title, Data: map[string]any{"It": it, "Why": why},
			Errors: []FieldError{{"why", "Enter why you are deleting it"}}, Back: &Link{Href: "/items/" + it.ID, Text: "Back"}})
		return
	}
	if len(why) > locker.MaxMetaLen {
		s.render(w, r, "delete", &Page{Title: "Delete " + it.Title, Data: map[string]any{"It": it, "Why": why},
			Errors: []FieldError{{"why", fmt.Sprintf("The reason must be %d characters or fewer", locker.MaxMetaLen)}}, Back: &Link{Href: "/items/" + it.ID, Text: "Back"}})
		return
	}
	if err := l.Delete(r.Context(), it.ID, why); err != nil {
		s.serviceError(w, r, err)
		return
	}
	s.banner(w, r, "“"+it.Title+"” has been deleted. The locker's custody log records that you deleted it, when, and why.")
}

func (s *Server) handleTimestamp(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	got, err := l.Timestamp(r.Context())
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	msg := plural(len(got.Stamped), "item was", "items were") + " time-stamped."
	if len(got.Waiting) > 0 {
		msg += fmt.Sprintf(" %d %s still waiting: the time-stamping service could not be reached. Try again when you are online.", len(got.Waiting), map[bool]string{true: "is", false: "are"}[len(got.Waiting) == 1])
	}
	s.banner(w, r, msg)
}

// plural is "1 item was" or "3 items were".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	ev, err := l.Timeline(r.Context(), nil)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	titles := map[string]string{}
	for _, e := range ev {
		titles[e.Ref] = e.Title
	}
	linked := 0
	for _, e := range ev {
		if len(e.Links) > 0 {
			linked++
		}
	}
	s.render(w, r, "timeline", &Page{Title: "Timeline", Data: map[string]any{"Events": ev, "Titles": titles, "Linked": linked}})
}
