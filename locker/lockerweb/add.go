package lockerweb

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bonafide"
	"bonafide/locker"
)

// addForm is what the add screens show again after an error.
type addForm struct {
	URL, Title, Category, Handle string
	When                         dateValue
	// For the diary: who and what; Edit is the entry being edited.
	Who, What string
	Edit      *locker.Item
}

func (s *Server) handleAddPage(w http.ResponseWriter, r *http.Request) {
	if s.requireOpen(w, r) == nil {
		return
	}
	s.render(w, r, "add-page", &Page{Title: "Add a web page", Data: addForm{Category: locker.CategoryForum}, Back: &Link{Href: "/", Text: "Back"}})
}

// stampNote is what the success message says about the item's time-stamp.
func stampNote(it *locker.Item) string {
	switch {
	case it.Stamp != nil:
		return " It has been time-stamped."
	case it.StampPending != "":
		return " Its time-stamp is waiting: the time-stamping service could not be reached. Use “Time-stamp now” when you are online."
	}
	return ""
}

func (s *Server) handleAddPagePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	f := addForm{URL: strings.TrimSpace(r.PostFormValue("url")), Title: strings.TrimSpace(r.PostFormValue("title")),
		Category: r.PostFormValue("category"), When: formDate(r.PostFormValue, "when")}
	p := &Page{Title: "Add a web page", Data: f, Back: &Link{Href: "/", Text: "Back"}}
	if f.URL == "" {
		p.Errors = append(p.Errors, FieldError{"url", "Enter the page's address"})
	} else if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.Errors = append(p.Errors, FieldError{"url", "Enter the page's full address, starting with https:// or http://"})
	}
	if !validCategory(f.Category) {
		p.Errors = append(p.Errors, FieldError{"category", "Select what the page is"})
	}
	if len(f.Title) > locker.MaxMetaLen {
		p.Errors = append(p.Errors, FieldError{"title", fmt.Sprintf("The description must be %d characters or fewer", locker.MaxMetaLen)})
	}
	when, msg := f.When.parse("the date it was posted", false)
	if msg != "" {
		p.Errors = append(p.Errors, FieldError{"when-day", msg})
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "add-page", p)
		return
	}
	it, err := l.AddPage(r.Context(), s.cfg.Browser, locker.PageInput{URL: f.URL, Category: f.Category, Title: f.Title, When: when})
	if err != nil {
		if bonafide.ErrorCode(err) == bonafide.EInvalid {
			p.Errors = append(p.Errors, FieldError{"url", bonafide.ErrorMessage(err)})
		} else {
			s.cfg.Logger.WarnContext(r.Context(), "lockerweb: capture failed", "error", err)
			p.Errors = append(p.Errors, FieldError{"url", "The page could not be captured. Check the address, and that this computer is online, then try again"})
		}
		s.render(w, r, "add-page", p)
		return
	}
	s.banner(w, r, "The page “"+it.Title+"” has been captured: a picture of the whole page, its contents, and when and where it was found."+stampNote(it))
}

func (s *Server) handleAddFiles(w http.ResponseWriter, r *http.Request) {
	if s.requireOpen(w, r) == nil {
		return
	}
	s.render(w, r, "add-files", &Page{Title: "Add files", Data: addForm{Category: locker.CategoryOther}, Back: &Link{Href: "/", Text: "Back"}})
}

func (s *Server) handleAddFilesPost(w http.ResponseWriter, r *http.Request) {
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	vals, files, err := readMultipart(w, r, maxFilesBody, locker.MaxPartSize)
	p := &Page{Title: "Add files", Back: &Link{Href: "/", Text: "Back"}}
	if err != nil && !errors.Is(err, errTooLarge) {
		s.errorPage(w, r, http.StatusBadRequest, "The files could not be read", "Go back and choose the files again.")
		return
	}
	if err != nil {
		p.Data = addForm{Category: locker.CategoryOther}
		p.Errors = []FieldError{{"files", fmt.Sprintf("Each file must be smaller than %d MB, and you can add up to %d files at once", locker.MaxPartSize>>20, maxFiles)}}
		s.render(w, r, "add-files", p)
		return
	}
	if !s.checkCSRF(r, vals["csrf"]) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	f := addForm{Title: strings.TrimSpace(vals["title"]), Category: vals["category"], When: formDate(func(k string) string { return vals[k] }, "when")}
	p.Data = f
	var ups []upload
	for _, u := range files["files"] {
		if u.Name != "" && len(u.Data) > 0 {
			ups = append(ups, u)
		}
	}
	if len(ups) == 0 {
		p.Errors = append(p.Errors, FieldError{"files", "Choose one or more files to add"})
	}
	if !validCategory(f.Category) {
		p.Errors = append(p.Errors, FieldError{"category", "Select what the files are"})
	}
	if len(f.Title) > locker.MaxMetaLen {
		p.Errors = append(p.Errors, FieldError{"title", fmt.Sprintf("The description must be %d characters or fewer", locker.MaxMetaLen)})
	}
	when, msg := f.When.parse("the date it happened", false)
	if msg != "" {
		p.Errors = append(p.Errors, FieldError{"when-day", msg})
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "add-files", p)
		return
	}
	var names []string
	pending := false
	for _, u := range ups {
		it, err := l.AddFile(r.Context(), locker.FileInput{Name: u.Name, Data: u.Data, Category: f.Category, Title: f.Title, When: when})
		if bonafide.ErrorCode(err) == bonafide.EInvalid {
			p.Errors = append(p.Errors, FieldError{"files", u.Name + ": " + strings.TrimPrefix(bonafide.ErrorMessage(err), "add file "+u.Name+": ")})
			continue
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		names = append(names, it.Title)
		pending = pending || it.Stamp == nil && it.StampPending != ""
	}
	if len(p.Errors) > 0 {
		if len(names) > 0 {
			p.Banner = "Added: " + strings.Join(names, ", ") + ". The others were not added."
		}
		s.render(w, r, "add-files", p)
		return
	}
	msg = fmt.Sprintf("%d files added: %s.", len(names), strings.Join(names, ", "))
	if len(names) == 1 {
		msg = "“" + names[0] + "” has been added."
	}
	if pending {
		msg += " Their time-stamps are waiting: the time-stamping service could not be reached."
	}
	s.banner(w, r, msg)
}

func (s *Server) handleAddPosts(w http.ResponseWriter, r *http.Request) {
	if s.requireOpen(w, r) == nil {
		return
	}
	s.render(w, r, "add-posts", &Page{Title: "Add your own posts", Data: addForm{}, Back: &Link{Href: "/", Text: "Back"}})
}

func (s *Server) handleAddPostsPost(w http.ResponseWriter, r *http.Request) {
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	vals, files, err := readMultipart(w, r, locker.MaxExportSize+maxFormBody, locker.MaxExportSize)
	p := &Page{Title: "Add your own posts", Data: addForm{}, Back: &Link{Href: "/", Text: "Back"}}
	if err != nil && !errors.Is(err, errTooLarge) {
		s.errorPage(w, r, http.StatusBadRequest, "The file could not be read", "Go back and choose the file again.")
		return
	}
	if err != nil {
		p.Errors = []FieldError{{"export", fmt.Sprintf("The file must be smaller than %d MB", locker.MaxExportSize>>20)}}
		s.render(w, r, "add-posts", p)
		return
	}
	if !s.checkCSRF(r, vals["csrf"]) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	f := addForm{Handle: strings.TrimSpace(vals["handle"])}
	p.Data = f
	ex := files["export"]
	if len(ex) == 0 || len(ex[0].Data) == 0 {
		p.Errors = append(p.Errors, FieldError{"export", "Choose the file from your download (tweets.js or posts_1.json)"})
	}
	if len(f.Handle) > 100 {
		p.Errors = append(p.Errors, FieldError{"handle", "Your account name must be 100 characters or fewer"})
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "add-posts", p)
		return
	}
	items, err := l.ImportPosts(r.Context(), ex[0].Data, f.Handle)
	if bonafide.ErrorCode(err) == bonafide.EInvalid {
		p.Errors = append(p.Errors, FieldError{"export", "This file is not one the locker can read: " + bonafide.ErrorMessage(err)})
		s.render(w, r, "add-posts", p)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if len(items) == 0 {
		s.banner(w, r, "No new posts: every post in that file is already in your locker.")
		return
	}
	s.banner(w, r, fmt.Sprintf("%d of your posts have been added.", len(items)))
}

// handleDiary shows the diary form: new, or a new version of an entry.
func (s *Server) handleDiary(w http.ResponseWriter, r *http.Request) {
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	f := addForm{Category: locker.CategoryOther}
	title := "Write a diary entry"
	var back *Link = &Link{Href: "/", Text: "Back"}
	if id := r.PathValue("id"); id != "" {
		_, it := s.item(w, r)
		if it == nil {
			return
		}
		if it.Kind != locker.KindDiary || it.Deleted {
			s.errorPage(w, r, http.StatusConflict, "This item cannot be edited", "Only diary entries can be edited, and each edit is kept as a new version.")
			return
		}
		text, err := l.Content(r.Context(), it.ID, len(it.Parts)-1)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		f = addForm{Title: it.Title, Category: it.Category, When: dateOf(it.When), Who: it.Meta["diary.who"], What: diaryWhat(string(text)), Edit: it}
		title = "Edit your diary entry"
		back = &Link{Href: "/items/" + it.ID, Text: "Back"}
	}
	s.render(w, r, "diary", &Page{Title: title, Data: f, Back: back})
}

// diaryWhat is the "what happened" of a stored version (DiaryInput.text:
// When and Who lines, a blank line, then the text).
func diaryWhat(v string) string {
	if _, rest, ok := strings.Cut(v, "\n\n"); ok {
		return strings.TrimSuffix(rest, "\n")
	}
	return v
}

func (s *Server) handleDiaryPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	f := addForm{Title: strings.TrimSpace(r.PostFormValue("title")), Category: r.PostFormValue("category"),
		When: formDate(r.PostFormValue, "when"), Who: strings.TrimSpace(r.PostFormValue("who")), What: strings.TrimSpace(r.PostFormValue("what"))}
	title := "Write a diary entry"
	back := &Link{Href: "/", Text: "Back"}
	if id := r.PathValue("id"); id != "" {
		_, it := s.item(w, r)
		if it == nil {
			return
		}
		f.Edit = it
		title = "Edit your diary entry"
		back = &Link{Href: "/items/" + it.ID, Text: "Back"}
	}
	p := &Page{Title: title, Data: f, Back: back}
	when, msg := f.When.parse("the date it happened", true)
	if msg != "" {
		p.Errors = append(p.Errors, FieldError{"when-day", msg})
	} else if when.After(s.cfg.Now().Add(24 * time.Hour)) {
		p.Errors = append(p.Errors, FieldError{"when-day", "The date it happened must be today or in the past"})
	}
	if f.What == "" {
		p.Errors = append(p.Errors, FieldError{"what", "Enter what happened"})
	} else if len(f.What) > locker.MaxText {
		p.Errors = append(p.Errors, FieldError{"what", "What happened must be shorter: split it into two entries"})
	}
	if len(f.Who) > locker.MaxMetaLen {
		p.Errors = append(p.Errors, FieldError{"who", fmt.Sprintf("Who was involved must be %d characters or fewer", locker.MaxMetaLen)})
	}
	if !validCategory(f.Category) {
		p.Errors = append(p.Errors, FieldError{"category", "Select what it was about"})
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "diary", p)
		return
	}
	in := locker.DiaryInput{When: when, Who: f.Who, What: f.What, Category: f.Category, Title: f.Title}
	var it *locker.Item
	var err error
	if f.Edit != nil {
		it, err = l.EditDiary(r.Context(), f.Edit.ID, in)
	} else {
		it, err = l.AddDiary(r.Context(), in)
	}
	if bonafide.ErrorCode(err) == bonafide.EInvalid {
		p.Errors = append(p.Errors, FieldError{"what", bonafide.ErrorMessage(err)})
		s.render(w, r, "diary", p)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/items/%s?saved=%d", it.ID, len(it.Parts)), http.StatusSeeOther)
}
