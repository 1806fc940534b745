package lockerweb

import (
	"errors"
	"net/http"
	"os"

	"bonafide/locker"
)

// route is one screen's method and path and its handler.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// routes lists every screen of the locker.
func (s *Server) routes() []route {
	return []route{
		{"GET /{$}", s.handleHome},
		{"GET /unlock", s.handleUnlock},
		{"POST /unlock", s.handleUnlockPost},
		{"GET /create", s.handleCreate},
		{"POST /create", s.handleCreatePost},
		{"POST /lock", s.handleLock},
		{"POST /timestamp", s.handleTimestamp},
		{"GET /add/page", s.handleAddPage},
		{"POST /add/page", s.handleAddPagePost},
		{"GET /add/files", s.handleAddFiles},
		{"POST /add/files", s.handleAddFilesPost},
		{"GET /add/posts", s.handleAddPosts},
		{"POST /add/posts", s.handleAddPostsPost},
		{"GET /diary/new", s.handleDiary},
		{"POST /diary/new", s.handleDiaryPost},
		{"GET /items/{id}", s.handleItem},
		{"GET /items/{id}/parts/{n}", s.handlePart},
		{"GET /items/{id}/edit", s.handleDiary},
		{"POST /items/{id}/edit", s.handleDiaryPost},
		{"GET /items/{id}/delete", s.handleDelete},
		{"POST /items/{id}/delete", s.handleDeletePost},
		{"GET /timeline", s.handleTimeline},
		{"GET /export", s.handleExport},
		{"POST /export", s.handleExportPost},
		{"GET /export/dossier.pdf", s.handleDownload},
		{"GET /export/bundle.zip", s.handleDownload},
		{"GET /verify", s.handleVerify},
		{"POST /verify", s.handleVerifyPost},
		{"/", s.notFound},
	}
}

func (s *Server) exists() bool {
	_, err := os.Stat(s.cfg.Path)
	return err == nil
}

func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) {
	if s.open() != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if !s.exists() {
		http.Redirect(w, r, "/create", http.StatusSeeOther)
		return
	}
	s.render(w, r, "unlock", &Page{Title: "Unlock your locker"})
}

func (s *Server) handleUnlockPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	pass := []byte(r.PostFormValue("passphrase"))
	defer clear(pass)
	p := &Page{Title: "Unlock your locker"}
	if len(pass) == 0 {
		p.Errors = []FieldError{{"passphrase", "Enter your passphrase"}}
		s.render(w, r, "unlock", p)
		return
	}
	l, err := locker.Open(r.Context(), s.cfg.Path, pass, s.cfg.Locker)
	if errors.Is(err, locker.ErrWrongPassphrase) {
		p.Errors = []FieldError{{"passphrase", "That passphrase does not open this locker. Check it and try again"}}
		s.render(w, r, "unlock", p)
		return
	}
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	s.mu.Lock()
	if s.l == nil {
		s.l = l
	} else {
		l.Close() // unlocked twice at once: keep the first
	}
	s.mu.Unlock()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	if s.exists() {
		http.Redirect(w, r, "/unlock", http.StatusSeeOther)
		return
	}
	s.render(w, r, "create", &Page{Title: "Create your locker", Data: s.cfg.Path})
}

func (s *Server) handleCreatePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	pass, again := []byte(r.PostFormValue("passphrase")), []byte(r.PostFormValue("again"))
	defer clear(pass)
	defer clear(again)
	p := &Page{Title: "Create your locker", Data: s.cfg.Path}
	switch {
	case len(pass) == 0:
		p.Errors = append(p.Errors, FieldError{"passphrase", "Enter a passphrase"})
	case len([]rune(string(pass))) < 8:
		p.Errors = append(p.Errors, FieldError{"passphrase", "Your passphrase must be at least 8 characters"})
	case len(again) == 0:
		p.Errors = append(p.Errors, FieldError{"again", "Enter your passphrase again"})
	case string(pass) != string(again):
		p.Errors = append(p.Errors, FieldError{"again", "The two passphrases are different. Enter the same passphrase twice"})
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "create", p)
		return
	}
	s.mu.Lock()
	if s.l != nil || s.exists() {
		s.mu.Unlock()
		http.Redirect(w, r, "/unlock", http.StatusSeeOther)
		return
	}
	l, err := locker.Create(r.Context(), s.cfg.Path, pass, s.cfg.Locker)
	if err == nil {
		s.l = l
	}
	s.mu.Unlock()
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, "/?created=1", http.StatusSeeOther)
}

func (s *Server) handleLock(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	s.mu.Lock()
	s.export = nil
	s.mu.Unlock()
	if err := s.Close(); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.render(w, r, "locked", &Page{Title: "Your locker is locked", Nav: []Link{}})
}
