package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/casework"
)

// letterRow is one letter of a case as the list shows it.
type letterRow struct {
	ID                         int64
	Kind, Recipient, Created   string
	PreviewHref, PDFHref, Hash string
}

// lettersView is a case's letters.
type lettersView struct {
	Referral, ReferralHref string
	Rows                   []letterRow
}

// letterView is one letter's preview.
type letterView struct {
	Letter                 letterRow
	Referral, ReferralHref string
	Text                   string
}

func letterRowOf(l bonafide.Letter) letterRow {
	return letterRow{ID: l.ID, Kind: words(string(l.Kind)), Recipient: l.Recipient, Created: when(l.Created),
		PreviewHref: fmt.Sprintf("/letters/%d", l.ID), PDFHref: fmt.Sprintf("/letters/%d/pdf", l.ID), Hash: l.SHA256}
}

// viewAudit records a page's view of case data before it is shown, as the
// API's routes record theirs.
func (s *Server) viewAudit(r *http.Request, what, object, why string) error {
	if s.cfg.Audit == nil {
		return bonafide.Errorf(bonafide.EUnavailable, "the audit log is not configured; nothing is shown")
	}
	_, err := s.cfg.Audit.Append(r.Context(), auditlog.Entry{Who: principalOf(r.Context()).Who(), What: what, Object: object, Why: why})
	return err
}

// handleLetters lists a case's letters (casework.Service.Case), the view
// audited as case.read.
func (s *Server) handleLetters(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, letters are unavailable", "The case workflow is not configured on this server.")
		return
	}
	p := principalOf(r.Context())
	id := r.PathValue("id")
	v, err := s.cfg.Cases.Case(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role}, id)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	if err := s.viewAudit(r, "case.read", id, "letters listed in the web interface"); err != nil {
		s.auditUnavailable(w, r, err)
		return
	}
	lv := lettersView{Referral: id, ReferralHref: "/referrals/" + url.PathEscape(id)}
	for _, l := range v.Letters {
		lv.Rows = append(lv.Rows, letterRowOf(l))
	}
	s.render(w, r, "letters", &Page{Title: "Letters of " + id, Data: lv, Back: &Link{Href: lv.ReferralHref, Text: "Back to the referral"}})
}

// letter reads the letter of the path (casework.Service.Letter, which
// checks its PDF against its recorded hash) and audits the view.
func (s *Server) letter(w http.ResponseWriter, r *http.Request, how string) (bonafide.Letter, bool) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, letters are unavailable", "The case workflow is not configured on this server.")
		return bonafide.Letter{}, false
	}
	n, err := strconv.ParseInt(r.PathValue("letter"), 10, 64)
	if err != nil || n < 1 {
		s.handleNotFound(w, r)
		return bonafide.Letter{}, false
	}
	p := principalOf(r.Context())
	l, err := s.cfg.Cases.Letter(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role}, n)
	if err != nil {
		s.serviceError(w, r, err)
		return l, false
	}
	if err := s.viewAudit(r, "letter.read", l.ReferralID, fmt.Sprintf("letter %d (%s) %s in the web interface", l.ID, l.Kind, how)); err != nil {
		s.auditUnavailable(w, r, err)
		return l, false
	}
	return l, true
}

// handleLetter previews a letter's text.
func (s *Server) handleLetter(w http.ResponseWriter, r *http.Request) {
	l, ok := s.letter(w, r, "previewed")
	if !ok {
		return
	}
	v := letterView{Letter: letterRowOf(l), Referral: l.ReferralID, ReferralHref: "/referrals/" + url.PathEscape(l.ReferralID) + "/letters", Text: l.Text}
	s.render(w, r, "letter", &Page{Title: v.Letter.Kind + " letter " + strconv.FormatInt(l.ID, 10), Data: v, Back: &Link{Href: v.ReferralHref, Text: "Back to the letters"}})
}

// handleLetterPDF downloads a letter's PDF.
func (s *Server) handleLetterPDF(w http.ResponseWriter, r *http.Request) {
	l, ok := s.letter(w, r, "downloaded")
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%d.pdf"`, l.ReferralID, l.Kind, l.ID))
	w.Header().Set("Content-Length", strconv.Itoa(len(l.PDF)))
	w.Write(l.PDF)
}
