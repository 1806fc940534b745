package httpapi

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"bonafide"
	"bonafide/casework"
	"bonafide/interchange"
)

// This file is the family search and the family's page: decode, call
// casework.Service, encode, withholding a restricted family's names from
// staff who may not see them.

// notifyFamilies brings the family search index up to date after a write,
// before the response, so that a referral is found as soon as its sender
// hears it is stored. A failure is logged, not answered: the write is
// made, and the next write's sync (or the next start) catches up. upTo is
// the last sequence number the write stored (0 when unknown): a write whose
// records another request's sync has already indexed reads nothing.
func (s *Server) notifyFamilies(r *http.Request, upTo int64) {
	if s.Cases == nil || s.Cases.Families == nil {
		return
	}
	if upTo <= 0 {
		upTo = math.MaxInt64
	}
	if _, err := s.Cases.Families.SyncTo(r.Context(), s.Store, upTo); err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "family search index not updated",
			slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
	}
}

// offerFamilies hands the family search index the referral just stored
// at seq, to be indexed off the request's path (casework.Families.Offer);
// a search syncs with the store first, so the referral is found as soon
// as its sender hears it is stored.
func (s *Server) offerFamilies(seq int64, ref *bonafide.Referral) {
	if s.Cases == nil || s.Cases.Families == nil {
		return
	}
	s.Cases.Families.Offer(s.Store, seq, ref)
}

// FieldAgreementView is one field that agreed between a search and a
// person, with the linkage comparison level and its weight.
type FieldAgreementView struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"`
	Weight float64 `json:"weight"`
}

// FamilyHitView is one referral a search found.
type FamilyHitView struct {
	ReferralID   string               `json:"referral_id"`
	Person       string               `json:"person"`
	Weight       float64              `json:"weight"`
	Agreed       []FieldAgreementView `json:"agreed"`
	NamesSwapped bool                 `json:"names_swapped"`
	Case         CaseRowView          `json:"case"`
}

// FamilyResultView is one family of a search. A restricted family the
// caller may not name has only label, restricted and referrals.
type FamilyResultView struct {
	Family     string          `json:"family,omitempty"`
	Restricted bool            `json:"restricted"`
	Label      string          `json:"label,omitempty"`
	Referrals  int             `json:"referrals"`
	Weight     float64         `json:"weight,omitempty"`
	Hits       []FamilyHitView `json:"hits"`
}

// FamilySearchView is the body of GET /api/v1/families.
type FamilySearchView struct {
	Families []FamilyResultView `json:"families"`
	Searched int                `json:"searched"`
}

// handleFamilySearch finds families by names, date of birth, postcode,
// NHS number and social handle.
func (s *Server) handleFamilySearch(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	q := r.URL.Query()
	fq := casework.FamilyQuery{Name: q.Get("name"), DOB: q.Get("dob"), Postcode: q.Get("postcode"), NHS: q.Get("nhs"), Handle: q.Get("handle")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "limit: %q is not a number from 1 to %d", v, casework.MaxFamilyResults))
			return
		}
		fq.Limit = n
	}
	res, err := s.Cases.SearchFamilies(r.Context(), caseActor(r), fq)
	if err != nil {
		s.error(w, r, err)
		return
	}
	now := s.now()
	out := FamilySearchView{Families: []FamilyResultView{}, Searched: res.Searched}
	for _, f := range res.Families {
		fv := FamilyResultView{Family: f.Family, Restricted: f.Restricted, Label: f.Label, Referrals: f.Total, Weight: f.Weight, Hits: []FamilyHitView{}}
		for _, h := range f.Hits {
			hv := FamilyHitView{ReferralID: h.ReferralID, Person: h.Person, Weight: h.Weight, Agreed: []FieldAgreementView{},
				NamesSwapped: h.Swapped, Case: caseRowView(h.Row, now)}
			for _, a := range h.Agreed {
				hv.Agreed = append(hv.Agreed, FieldAgreementView(a))
			}
			fv.Hits = append(fv.Hits, hv)
		}
		out.Families = append(out.Families, fv)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, out)
}

// FamilyReferralView is one referral of a family's page: its case and
// the referral (interchange JSON without the reporter; names withheld for
// a restricted family the caller may not name).
type FamilyReferralView struct {
	Case     CaseRowView     `json:"case"`
	Referral json.RawMessage `json:"referral,omitempty"`
}

// FamilyEntryView is one entry of a family's chronology.
type FamilyEntryView struct {
	At         time.Time `json:"at"`
	ReferralID string    `json:"referral_id"`
	Kind       string    `json:"kind"`
	Detail     string    `json:"detail"`
	Episode    int       `json:"episode,omitempty"`
}

// EpisodeView is a campaign episode: a run of flagged referrals close in
// time.
type EpisodeView struct {
	N         int       `json:"n"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Referrals []string  `json:"referrals"`
}

// LinkedPostView is a public or forum post triage linked to a referral of
// the family; evidence and post are withheld with the names.
type LinkedPostView struct {
	ID         string              `json:"id"`
	Type       bonafide.RecordType `json:"type"`
	ReferralID string              `json:"referral_id"`
	Signal     string              `json:"signal"`
	Evidence   string              `json:"evidence,omitempty"`
	Post       json.RawMessage     `json:"post,omitempty"`
}

// FamilyView is the body of GET /api/v1/families/{family}.
type FamilyView struct {
	Family        string               `json:"family"`
	Restricted    bool                 `json:"restricted"`
	NamesWithheld bool                 `json:"names_withheld"`
	Referrals     []FamilyReferralView `json:"referrals"`
	Chronology    []FamilyEntryView    `json:"chronology"`
	Episodes      []EpisodeView        `json:"episodes"`
	Posts         []LinkedPostView     `json:"posts"`
	// Views lists, for a team manager, who looked at a restricted family
	// and whether they were shown its names, newest first.
	Views []RestrictedViewView `json:"views,omitempty"`
}

// RestrictedViewView is one view of a restricted family.
type RestrictedViewView struct {
	ReferralID string    `json:"referral_id,omitempty"`
	Who        string    `json:"who"`
	What       string    `json:"what"`
	At         time.Time `json:"at"`
	NamesShown bool      `json:"names_shown"`
}

// handleFamilyGet serves a family's page: every referral with its case,
// one chronology, the campaign episodes and the posts triage linked. The
// view is audited (by casework).
func (s *Server) handleFamilyGet(w http.ResponseWriter, r *http.Request) {
	if !s.casesAvailable(w, r) {
		return
	}
	p, err := s.Cases.Family(r.Context(), caseActor(r), r.PathValue("family"), "the API")
	if err != nil {
		s.error(w, r, err)
		return
	}
	now := s.now()
	out := FamilyView{Family: p.Family, Restricted: p.Restricted, NamesWithheld: !p.Named, Referrals: []FamilyReferralView{},
		Chronology: []FamilyEntryView{}, Episodes: []EpisodeView{}, Posts: []LinkedPostView{}}
	for _, v := range p.Views {
		out.Views = append(out.Views, RestrictedViewView{ReferralID: v.ReferralID, Who: v.Who, What: v.What, At: v.At, NamesShown: v.NamesShown})
	}
	for _, fr := range p.Referrals {
		v := FamilyReferralView{Case: caseRowView(fr.Row, now)}
		if fr.Referral != nil {
			shown := *fr.Referral
			if !p.Named {
				withholdNames(&shown)
			}
			data, err := interchange.Encode(&shown)
			if err != nil {
				s.error(w, r, err)
				return
			}
			v.Referral = data
		}
		out.Referrals = append(out.Referrals, v)
	}
	for _, e := range p.Chronology {
		out.Chronology = append(out.Chronology, FamilyEntryView(e))
	}
	for _, e := range p.Episodes {
		out.Episodes = append(out.Episodes, EpisodeView(e))
	}
	for _, lp := range p.Posts {
		v := LinkedPostView{ID: lp.ID, Type: lp.Type, ReferralID: lp.ReferralID, Signal: lp.Signal}
		if p.Named {
			v.Evidence = lp.Evidence
			if lp.Post != nil {
				data, err := interchange.Encode(lp.Post)
				if err != nil {
					s.error(w, r, err)
					return
				}
				v.Post = data
			}
		}
		out.Posts = append(out.Posts, v)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, out)
}
