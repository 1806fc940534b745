package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bonafide"
	"bonafide/auditlog"
)

// auditPageSize is how many entries one page of the audit log shows.
const auditPageSize = 50

// auditView is the auditor's area: the filter form as given, one page of
// entries (newest first) and the way to older ones, and what the log is.
type auditView struct {
	Filter      auditFilter
	Rows        []auditRow
	Size        int64
	Next, First string
	Scanned     int64
	Filtered    bool
	CanSign     bool
	Origin      string
	VerifierKey string
}

// auditFilter is the filter form's values, as typed.
type auditFilter struct {
	Who, What, Object, From, To string
	Before                      int64
}

// auditRow is one entry as the table shows it.
type auditRow struct {
	N                      int64
	When, Who, What, Why   string
	Object                 string
	ProofHref, FilterWho   string
	FilterObject, WhatCode string
}

func (f auditFilter) query(before int64) string {
	q := url.Values{}
	for k, v := range map[string]string{"who": f.Who, "what": f.What, "object": f.Object, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if len(q) == 0 {
		return "/audit"
	}
	return "/audit?" + q.Encode()
}

// parseDay reads a date as a person types it: "2 12 2026", "2/12/2026"
// or "2026-12-02", in London's time.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2 1 2006", "2/1/2006", "2-1-2006", "2.1.2006"} {
		if t, err := time.ParseInLocation(layout, strings.Join(strings.Fields(s), " "), london); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// handleAudit browses the audit log (auditlog.Log.Search): newest first,
// filtered by who, what, object and date, fifty entries a page. Each
// browse is itself an entry of the log (audit.read), saying what was
// looked for: the log names who unsealed which referral.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the audit log is unavailable", "This server has no audit log.")
		return
	}
	p := principalOf(r.Context())
	q := r.URL.Query()
	f := auditFilter{Who: strings.TrimSpace(q.Get("who")), What: strings.TrimSpace(q.Get("what")), Object: strings.TrimSpace(q.Get("object")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	aq := auditlog.Query{Who: f.Who, What: f.What, Object: f.Object, Limit: auditPageSize}
	if f.Who != "" && !strings.Contains(f.Who, ":") {
		aq.Who = "user:" + f.Who // a user's name as typed
	}
	var errs []FieldError
	for _, fld := range []struct {
		id, v string
		max   int
	}{{"who", f.Who, 200}, {"what", f.What, 100}, {"object", f.Object, 200}} {
		if len(fld.v) > fld.max {
			errs = append(errs, FieldError{fld.id, fmt.Sprintf("%s must be %d characters or fewer", sentence(fld.id), fld.max)})
		}
	}
	if f.From != "" {
		t, ok := parseDay(f.From)
		if !ok {
			errs = append(errs, FieldError{"from", "The date from must be a real date, like 27 3 2026"})
		}
		aq.From = t
	}
	if f.To != "" {
		t, ok := parseDay(f.To)
		if !ok {
			errs = append(errs, FieldError{"to", "The date to must be a real date, like 27 3 2026"})
		} else {
			aq.To = t.AddDate(0, 0, 1) // to the end of that day
		}
	}
	if !aq.From.IsZero() && !aq.To.IsZero() && !aq.From.Before(aq.To) {
		errs = append(errs, FieldError{"to", "The date to must be the same as or after the date from"})
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			errs = append(errs, FieldError{"", "The page link is not right: go back to the newest entries"})
		} else {
			f.Before = n
		}
	}
	v := auditView{Filter: f, Filtered: f.Who != "" || f.What != "" || f.Object != "" || f.From != "" || f.To != "",
		CanSign: p.User.Role.Can(bonafide.PermAuditCheckpoint), Origin: s.cfg.Audit.Origin(), VerifierKey: s.cfg.Audit.VerifierKey()}
	page := &Page{Title: "Audit log", Data: &v}
	if f.Before > 0 {
		page.Title = "Audit log: older entries"
		v.First = f.query(0)
	}
	switch r.URL.Query().Get("done") {
	case "signed":
		page.Banner = &Banner{Text: "A new checkpoint has been signed. Download it and keep a copy outside the system.", Success: true}
	}
	if len(errs) > 0 {
		page.Errors = errs
		s.render(w, r, "audit", page)
		return
	}
	aq.Before = f.Before
	why := "audit log browsed in the web interface"
	if v.Filtered || f.Before > 0 {
		why += ": " + strings.TrimPrefix(f.query(f.Before), "/audit?")
	}
	if _, err := s.cfg.Audit.Append(r.Context(), auditlog.Entry{Who: p.Who(), What: "audit.read", Why: clipWhy(why)}); err != nil {
		s.auditUnavailable(w, r, err)
		return
	}
	res, err := s.cfg.Audit.Search(r.Context(), aq)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	v.Size, v.Scanned = res.Size, res.Scanned
	if res.Next > 0 {
		v.Next = f.query(res.Next)
	}
	for _, e := range res.Entries {
		who := e.Who
		row := auditRow{N: e.N, When: when(e.Time), Who: who, What: e.What, Object: e.Object, Why: e.Why,
			ProofHref: fmt.Sprintf("/audit/entries/%d/proof", e.N)}
		nf := auditFilter{Who: e.Who}
		row.FilterWho = nf.query(0)
		if e.Object != "" {
			of := auditFilter{Object: e.Object}
			row.FilterObject = of.query(0)
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, "audit", page)
}

// clipWhy keeps an audit reason within the log's bound.
func clipWhy(s string) string {
	if len(s) > auditlog.MaxFieldLen {
		s = strings.ToValidUTF8(s[:auditlog.MaxFieldLen-3], "") + "..."
	}
	return s
}

// auditUnavailable answers a view that could not be recorded: it is not
// shown.
func (s *Server) auditUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.ErrorContext(r.Context(), "web: audit append failed", "path", r.URL.Path, "error", err)
	s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the audit log cannot be written", "Nothing is shown or done while the audit log cannot record it. Try again later.")
}

// verifyView is the result of verifying the log.
type verifyView struct {
	OK          bool
	Entries     int64
	Checkpoints int
	Latest      int64
	Uncovered   string
	Problems    []string
	Omitted     int
}

// handleAuditVerify verifies the whole log (auditlog.Log.Verify: every
// entry against the stored hashes and every signed checkpoint) and shows
// the result: a summary list when it holds, each problem when it does not.
func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the audit log is unavailable", "This server has no audit log.")
		return
	}
	p := principalOf(r.Context())
	if _, err := s.cfg.Audit.Append(r.Context(), auditlog.Entry{Who: p.Who(), What: "audit.verify", Why: "verified in the web interface"}); err != nil {
		s.auditUnavailable(w, r, err)
		return
	}
	rep, err := s.cfg.Audit.Verify(r.Context())
	v := verifyView{Entries: rep.Entries, Checkpoints: rep.Checkpoints, Latest: rep.Latest}
	var verr *auditlog.VerifyError
	switch {
	case errors.As(err, &verr):
		for _, pr := range verr.Problems {
			v.Problems = append(v.Problems, sentence(pr.String()))
		}
		v.Omitted = verr.Omitted
	case err != nil:
		s.serviceError(w, r, err)
		return
	default:
		v.OK = true
		if rep.Latest < rep.Entries {
			v.Uncovered = fmt.Sprintf("Entries %d to %d are not yet covered by a checkpoint.", rep.Latest, rep.Entries-1)
		}
	}
	page := &Page{Title: "Audit log verified", Data: v, Back: &Link{Href: "/audit", Text: "Back to the audit log"}}
	if v.OK {
		page.Banner = &Banner{Text: "The audit log is intact: every entry matches its hashes and every signed checkpoint.", Success: true}
	} else {
		page.Title = "The audit log has been changed"
	}
	s.render(w, r, "audit-verify", page)
}

// handleAuditCheckpoint downloads the latest signed checkpoint as text,
// for keeping outside the system (`bonafide audit verify --checkpoint`).
func (s *Server) handleAuditCheckpoint(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the audit log is unavailable", "This server has no audit log.")
		return
	}
	note, err := s.cfg.Audit.Checkpoint(r.Context())
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		s.errorPage(w, r, http.StatusNotFound, "No checkpoint has been signed yet", "The server signs one every minute while the log grows. You can also sign one now from the audit log page.")
		return
	}
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	p := principalOf(r.Context())
	if _, err := s.cfg.Audit.Append(r.Context(), auditlog.Entry{Who: p.Who(), What: "audit.checkpoint.read", Why: "latest checkpoint downloaded in the web interface"}); err != nil {
		s.auditUnavailable(w, r, err)
		return
	}
	download(w, "audit-checkpoint.txt", note)
}

// handleAuditCheckpointNew signs a checkpoint of the log as it is now
// (auditlog.Log.WriteCheckpoint), so that the newest entries can be
// proved at once.
func (s *Server) handleAuditCheckpointNew(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the audit log is unavailable", "This server has no audit log.")
		return
	}
	p := principalOf(r.Context())
	if _, err := s.cfg.Audit.Append(r.Context(), auditlog.Entry{Who: p.Who(), What: "audit.checkpoint", Why: "checkpoint signed on request in the web interface"}); err != nil {
		s.auditUnavailable(w, r, err)
		return
	}
	if _, err := s.cfg.Audit.WriteCheckpoint(r.Context()); err != nil {
		s.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, "/audit?done=signed", http.StatusSeeOther)
}

// handleAuditProof downloads the proof bundle of one entry against the
// latest checkpoint (auditlog.Log.Bundle), which anyone can check with
// `bonafide audit check-proof` and the log's public key.
func (s *Server) handleAuditProof(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the audit log is unavailable", "This server has no audit log.")
		return
	}
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n < 0 {
		s.handleNotFound(w, r)
		return
	}
	b, err := s.cfg.Audit.Bundle(r.Context(), n)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		s.errorPage(w, r, http.StatusNotFound, "There is no proof of this entry yet", sentence(bonafide.ErrorMessage(err))+". The server signs a checkpoint every minute while the log grows; you can also sign one now from the audit log page.")
		return
	}
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	text, err := b.MarshalText()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	p := principalOf(r.Context())
	if _, err := s.cfg.Audit.Append(r.Context(), auditlog.Entry{Who: p.Who(), What: "audit.prove", Object: strconv.FormatInt(n, 10), Why: "proof of entry downloaded in the web interface"}); err != nil {
		s.auditUnavailable(w, r, err)
		return
	}
	download(w, fmt.Sprintf("audit-proof-%d.txt", n), text)
}

// download sends body as a text file to save, never cached.
func download(w http.ResponseWriter, name string, body []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
