package lockerweb

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"bonafide/locker"
)

// exportForm is the dossier form.
type exportForm struct {
	Family, To, Preparer, Reference string
	Made                            *exported
	Items                           int
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	items, err := l.Items(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	f := exportForm{}
	for _, it := range items {
		if !it.Deleted {
			f.Items++
		}
	}
	s.mu.Lock()
	f.Made = s.export
	s.mu.Unlock()
	if f.Made != nil {
		s.render(w, r, "exported", &Page{Title: "Your dossier and bundle are ready", Data: f})
		return
	}
	s.render(w, r, "export", &Page{Title: "Make the dossier for the police", Data: f})
}

func (s *Server) handleExportPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil || !s.checkCSRF(r, r.PostFormValue("csrf")) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	l := s.requireOpen(w, r)
	if l == nil {
		return
	}
	if r.PostFormValue("again") != "" {
		s.mu.Lock()
		s.export = nil
		s.mu.Unlock()
		http.Redirect(w, r, "/export", http.StatusSeeOther)
		return
	}
	f := exportForm{Family: strings.TrimSpace(r.PostFormValue("family")), To: strings.TrimSpace(r.PostFormValue("to")),
		Preparer: strings.TrimSpace(r.PostFormValue("preparer")), Reference: strings.TrimSpace(r.PostFormValue("reference"))}
	items, err := l.Items(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, it := range items {
		if !it.Deleted {
			f.Items++
		}
	}
	p := &Page{Title: "Make the dossier for the police", Data: f}
	if f.Items == 0 {
		p.Errors = append(p.Errors, FieldError{"", "Your locker is empty: add what you have before making the dossier"})
	}
	if f.Family == "" {
		p.Errors = append(p.Errors, FieldError{"family", "Enter your family's name, for example The Price family"})
	}
	for _, v := range []struct{ id, name, val string }{{"family", "Your family's name", f.Family}, {"to", "Who it is for", f.To}, {"preparer", "Your name", f.Preparer}, {"reference", "The reference", f.Reference}} {
		if len(v.val) > 200 {
			p.Errors = append(p.Errors, FieldError{v.id, v.name + " must be 200 characters or fewer"})
		}
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "export", p)
		return
	}
	opt := locker.DossierOptions{Family: f.Family, To: f.To, Preparer: f.Preparer, Reference: f.Reference, Date: s.cfg.Now()}
	var buf bytes.Buffer
	var pdf []byte
	dossier := l.DossierFunc(r.Context(), opt)
	m, err := l.Export(r.Context(), &buf, locker.ExportOptions{Dossier: func(ex []locker.Exhibit) ([]byte, error) {
		b, err := dossier(ex)
		pdf = b
		return b, err
	}})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.mu.Lock()
	s.export = &exported{bundle: buf.Bytes(), pdf: pdf, Exhibits: len(m.Exhibits), Key: m.VerifierKey, Made: s.cfg.Now()}
	s.mu.Unlock()
	http.Redirect(w, r, "/export", http.StatusSeeOther)
}

func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	if s.requireOpen(w, r) == nil {
		return
	}
	s.mu.Lock()
	e := s.export
	s.mu.Unlock()
	if e == nil {
		http.Redirect(w, r, "/export", http.StatusSeeOther)
		return
	}
	day := e.Made.Format("2006-01-02")
	if strings.HasSuffix(r.URL.Path, ".pdf") {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"dossier-%s.pdf\"", day))
		w.Write(e.pdf)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"bundle-%s.zip\"", day))
	w.Write(e.bundle)
}

// verifyData is the result of checking a bundle.
type verifyData struct {
	Key    string
	Report *locker.VerifyReport
	Name   string
	Roots  bool
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "verify", &Page{Title: "Check a bundle", Data: verifyData{Roots: s.cfg.TSARoots != nil}})
}

func (s *Server) handleVerifyPost(w http.ResponseWriter, r *http.Request) {
	vals, files, err := readMultipart(w, r, maxBundleBody, maxBundleBody)
	p := &Page{Title: "Check a bundle", Data: verifyData{Roots: s.cfg.TSARoots != nil}}
	if err != nil && !errors.Is(err, errTooLarge) {
		s.errorPage(w, r, http.StatusBadRequest, "The file could not be read", "Go back and choose the file again.")
		return
	}
	if err != nil {
		p.Errors = []FieldError{{"bundle", fmt.Sprintf("The bundle must be smaller than %d MB", maxBundleBody>>20)}}
		s.render(w, r, "verify", p)
		return
	}
	if !s.checkCSRF(r, vals["csrf"]) {
		s.errorPage(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		return
	}
	d := verifyData{Key: strings.TrimSpace(vals["key"]), Roots: s.cfg.TSARoots != nil}
	p.Data = d
	b := files["bundle"]
	if len(b) == 0 || len(b[0].Data) == 0 {
		p.Errors = append(p.Errors, FieldError{"bundle", "Choose the bundle file (a .zip)"})
		s.render(w, r, "verify", p)
		return
	}
	rep, err := locker.VerifyWith(bytes.NewReader(b[0].Data), int64(len(b[0].Data)), locker.VerifyOptions{Key: d.Key, TSARoots: s.cfg.TSARoots})
	if err != nil {
		p.Errors = append(p.Errors, FieldError{"bundle", "This file is not a bundle: it is not a zip file"})
		s.render(w, r, "verify", p)
		return
	}
	d.Report, d.Name = rep, b[0].Name
	p.Data = d
	p.Title = "The bundle is intact"
	if !rep.OK() {
		p.Title = "The bundle has been changed or damaged"
	}
	s.render(w, r, "verified", p)
}
