package web

import (
	"errors"
	"net/http"
	"strings"

	"bonafide"
	"bonafide/casework"
)

// unsealView is the break-glass form as typed, and after it succeeds the
// reporter: shown on that response only, which no-store keeps from any
// cache and which is never a URL to come back to.
type unsealView struct {
	Referral, Reason string
	Min              int
	Done             bool
	Entry            int64
	Rows             []fact
}

// fact is one row of a summary list.
type fact struct{ Key, Value string }

// handleUnseal shows the data protection officer's break-glass form: the
// referral and a written reason, which the audit log keeps.
func (s *Server) handleUnseal(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "unseal", &Page{Title: "Unseal a reporter", Data: unsealView{Referral: strings.TrimSpace(r.URL.Query().Get("referral")), Min: casework.MinUnsealReason}})
}

// handleUnsealPost unseals the reporter (casework.Service.Unseal: audited
// first, with the reason) and shows who they are on this response only.
func (s *Server) handleUnsealPost(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, unsealing is unavailable", "The case workflow is not configured on this server.")
		return
	}
	p := principalOf(r.Context())
	v := unsealView{Referral: strings.TrimSpace(r.PostFormValue("referral")), Reason: strings.TrimSpace(r.PostFormValue("reason")), Min: casework.MinUnsealReason}
	page := &Page{Title: "Unseal a reporter", Data: v}
	var errs []FieldError
	if v.Referral == "" {
		errs = append(errs, FieldError{"referral", "Enter the referral's number, like REF-0123456789AB"})
	}
	if v.Reason == "" {
		errs = append(errs, FieldError{"reason", "Enter why you need to know who the reporter is"})
	} else if len([]rune(v.Reason)) < casework.MinUnsealReason {
		errs = append(errs, FieldError{"reason", "The reason must be at least 20 characters: say why, and under which duty or request"})
	}
	if len(errs) == 0 {
		rep, n, err := s.cfg.Cases.Unseal(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role}, v.Referral, v.Reason)
		var ve *bonafide.ValidationError
		switch {
		case err == nil:
			v.Done, v.Entry, v.Rows, v.Reason = true, n, reporterFacts(rep), ""
			page.Title = "Reporter of " + v.Referral
			page.Data = v
			s.render(w, r, "unseal", page)
			return
		case errors.As(err, &ve):
			errs = append(errs, FieldError{"reason", sentence(ve.Errors[0].Reason)})
		case bonafide.ErrorCode(err) == bonafide.ENotFound:
			errs = append(errs, FieldError{"referral", sentence(bonafide.ErrorMessage(err))})
		default:
			s.serviceError(w, r, err)
			return
		}
	}
	page.Errors = errs
	s.render(w, r, "unseal", page)
}

// reporterFacts are the reporter's fields that are set, in words.
func reporterFacts(r *bonafide.Reporter) []fact {
	var fs []fact
	add := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			fs = append(fs, fact{k, v})
		}
	}
	if r.Anonymous {
		add("Anonymous", "They asked not to be named to the family")
	}
	add("Name", strings.TrimSpace(r.GivenName+" "+r.FamilyName))
	add("Relationship to the child", words(string(r.Relationship)))
	add("Organisation", r.Organisation)
	add("Phone", r.Phone)
	add("Email", r.Email)
	if a := r.Address; a != nil {
		add("Address", strings.Join(nonEmpty(a.Line1, a.Line2, a.Town, a.Postcode), ", "))
	}
	add("Address they reported from (IP)", r.ContactIP)
	add("Device", r.DeviceID)
	if len(fs) == 0 {
		fs = append(fs, fact{"Reporter", "No details were given"})
	}
	return fs
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
