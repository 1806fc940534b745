package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"bonafide"
	"bonafide/casework"
)

// familiesView is the family search: the form as given and, once
// searched, the families found, best match first.
type familiesView struct {
	Form     familyForm
	Searched bool
	People   int
	Results  []familyResultView
}

// familyForm is the search form's values.
type familyForm struct {
	Name, DOB, Postcode, NHS, Handle string
}

func (f familyForm) empty() bool {
	return strings.TrimSpace(f.Name+f.DOB+f.Postcode+f.NHS+f.Handle) == ""
}

// familyResultView is one family found: a link to its page, or for a
// restricted family the person may not name, only a label.
type familyResultView struct {
	Family, Href, Label string
	Restricted          bool
	Total               int
	Weight              string
	Hits                []familyHitView
}

// familyHitView is one referral found in a family, with what matched.
type familyHitView struct {
	ID, Href, Person, Agreed string
	Safety                   safetyTag
	State                    string
	Flagged, Swapped         bool
}

// searchFieldWords are the search fields in words, for what matched.
var searchFieldWords = map[string]string{"given_name": "given name", "surname": "family name", "dob": "date of birth",
	"nhs_number": "NHS number", "postcode": "postcode", "handle": "social media handle"}

// handleFamilies is the family search (casework.Service.SearchFamilies,
// which audits each search with its fields): the form alone, or with
// the families found.
func (s *Server) handleFamilies(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the family search is unavailable", "The case workflow is not configured on this server.")
		return
	}
	q := r.URL.Query()
	f := familyForm{Name: strings.TrimSpace(q.Get("name")), DOB: strings.TrimSpace(q.Get("dob")), Postcode: strings.TrimSpace(q.Get("postcode")),
		NHS: strings.TrimSpace(q.Get("nhs")), Handle: strings.TrimSpace(q.Get("handle"))}
	v := familiesView{Form: f}
	page := &Page{Title: "Find a family", Data: &v, status: http.StatusOK}
	if q.Get("search") == "" && f.empty() {
		s.render(w, r, "families", page)
		return
	}
	if f.empty() {
		page.Errors = []FieldError{{"name", "Enter a name, date of birth, postcode, NHS number or social media handle"}}
		page.Title = "Error: " + page.Title
		s.render(w, r, "families", page)
		return
	}
	p := principalOf(r.Context())
	res, err := s.cfg.Cases.SearchFamilies(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role},
		casework.FamilyQuery{Name: f.Name, DOB: f.DOB, Postcode: f.Postcode, NHS: f.NHS, Handle: f.Handle})
	if bonafide.ErrorCode(err) == bonafide.EInvalid {
		msg := bonafide.ErrorMessage(err)
		field := "name"
		switch {
		case strings.HasPrefix(msg, "dob:"):
			field, msg = "dob", "Enter a date of birth as a year, a year and month, or a full date, like 2019, 2019-05 or 2019-05-02"
		case strings.Contains(msg, "longer than"):
			msg = fmt.Sprintf("Each field must be %d characters or fewer", bonafide.MaxLabelLen)
		default:
			msg = sentence(msg)
		}
		page.Errors = []FieldError{{field, msg}}
		page.Title = "Error: " + page.Title
		s.render(w, r, "families", page)
		return
	}
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	now := s.cfg.Now()
	v.Searched, v.People = true, res.Searched
	for _, fam := range res.Families {
		fv := familyResultView{Family: fam.Family, Label: fam.Label, Restricted: fam.Restricted, Total: fam.Total}
		if fam.Family != "" {
			fv.Href = "/families/" + url.PathEscape(fam.Family)
			fv.Weight = fmt.Sprintf("%.1f", fam.Weight)
		}
		for _, h := range fam.Hits {
			var agreed []string
			for _, a := range h.Agreed {
				w, ok := searchFieldWords[a.Field]
				if !ok {
					w = words(a.Field)
				}
				if a.Level != "exact" {
					w += " (" + words(a.Level) + ")"
				}
				agreed = append(agreed, w)
			}
			qr := s.queueRow(h.Row, now)
			fv.Hits = append(fv.Hits, familyHitView{ID: h.ReferralID, Href: "/referrals/" + url.PathEscape(h.ReferralID), Person: h.Person,
				Agreed: strings.Join(agreed, ", "), Safety: qr.Safety, State: qr.State, Flagged: qr.Flagged, Swapped: h.Swapped})
		}
		v.Results = append(v.Results, fv)
	}
	s.render(w, r, "families", page)
}

// familyView is a family's page: its referrals with their safety and
// decisions, one chronology with safety tags, the campaign episodes, the
// posts triage linked, its restriction and who looked, and the evidence
// bundles the agency holds with the form to take in another.
type familyView struct {
	Family, Href      string
	Restricted, Named bool
	Referrals         []familyReferralView
	Open, Flagged     int
	Chronology        []familyEntryView
	Episodes          []episodeView
	Posts             []postView
	Views             []viewView
	Evidence          []evidenceView
	CanImport         bool
	ImportMax         string
	VerifierKey       string
	Taken             *takenView // what the bundle just taken in did
}

type familyReferralView struct {
	ID, Href, Received, State, Decision, Finding, Children string
	Safety                                                 safetyTag
	Flagged                                                bool
	Score                                                  string
	Episode                                                int
}

type familyEntryView struct {
	When, Referral, Href, What string
	Safety                     *safetyTag
	Episode                    int
}

type episodeView struct {
	N                int
	From, To         string
	Referrals        []Link
	ReferralsCounted int
}

type postView struct {
	ID, Type, Referral, Href, Signal, Evidence, Text, When string
}

type viewView struct {
	Who, What, When, Referral string
	NamesShown                bool
}

type evidenceView struct {
	ID                                         int64
	Received, Who, Bundle, Key, Dossier, Short string
	Exhibits                                   int
}

// handleFamily shows family {family} (casework.Service.Family, which
// audits the view "through the web interface") and the evidence bundles
// taken in for it (evidence.Service.List).
func (s *Server) handleFamily(w http.ResponseWriter, r *http.Request) {
	s.showFamily(w, r, nil, nil)
}

func (s *Server) showFamily(w http.ResponseWriter, r *http.Request, taken *takenView, errs []FieldError) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the family's page is unavailable", "The case workflow is not configured on this server.")
		return
	}
	family := r.PathValue("family")
	p := principalOf(r.Context())
	a := casework.Actor{Who: p.Who(), Role: p.User.Role}
	fp, err := s.cfg.Cases.Family(r.Context(), a, family, "the web interface")
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	v := familyView{Family: family, Href: "/families/" + url.PathEscape(family), Restricted: fp.Restricted, Named: fp.Named, Taken: taken}
	rows := map[string]bonafide.CaseRow{}
	episodeOf := map[string]int{}
	for _, e := range fp.Episodes {
		for _, id := range e.Referrals {
			episodeOf[id] = e.N
		}
	}
	for _, fr := range fp.Referrals {
		row := fr.Row
		rows[row.ReferralID] = row
		rv := familyReferralView{ID: row.ReferralID, Href: "/referrals/" + url.PathEscape(row.ReferralID), Received: when(row.ReceivedAt),
			State: stateOf(row.State), Safety: safetyOf(row.SafetyLevel), Flagged: row.Flagged, Episode: episodeOf[row.ReferralID]}
		if row.Flagged || row.Score > 0 {
			rv.Score = fmt.Sprintf("%.0f%%", row.Score*100)
		}
		if row.Decision != "" {
			rv.Decision = decisionWords(row.Decision)
		}
		if row.Finding != "" {
			rv.Finding = words(string(row.Finding))
		}
		if fp.Named && fr.Referral != nil {
			var names []string
			for _, c := range fr.Referral.Children {
				names = append(names, personLine(c))
			}
			rv.Children = strings.Join(names, "; ")
		}
		if row.State.Open() {
			v.Open++
		}
		if row.Flagged {
			v.Flagged++
		}
		v.Referrals = append(v.Referrals, rv)
	}
	for _, e := range fp.Chronology {
		ev := familyEntryView{When: when(e.At), Referral: e.ReferralID, Href: "/referrals/" + url.PathEscape(e.ReferralID), What: chronoWhat(e), Episode: e.Episode}
		if e.Kind == casework.EntryReceived {
			t := safetyOf(rows[e.ReferralID].SafetyLevel)
			ev.Safety = &t
		}
		v.Chronology = append(v.Chronology, ev)
	}
	for _, e := range fp.Episodes {
		ep := episodeView{N: e.N, From: when(e.From), To: when(e.To), ReferralsCounted: len(e.Referrals)}
		for _, id := range e.Referrals {
			ep.Referrals = append(ep.Referrals, Link{Href: "/referrals/" + url.PathEscape(id), Text: id})
		}
		v.Episodes = append(v.Episodes, ep)
	}
	for _, lp := range fp.Posts {
		pv := postView{ID: lp.ID, Type: words(string(lp.Type)), Referral: lp.ReferralID, Href: "/referrals/" + url.PathEscape(lp.ReferralID), Signal: words(lp.Signal)}
		if fp.Named {
			pv.Evidence = lp.Evidence
			switch post := lp.Post.(type) {
			case *bonafide.PublicPost:
				pv.Text, pv.When = post.Text, when(post.PostedAt)
			case *bonafide.ForumPost:
				pv.Text, pv.When = post.Text, when(post.PostedAt)
			}
		} else {
			pv.Evidence = casework.Withheld
		}
		v.Posts = append(v.Posts, pv)
	}
	for _, rv := range fp.Views {
		v.Views = append(v.Views, viewView{Who: strings.TrimPrefix(rv.Who, "user:"), What: words(strings.ReplaceAll(rv.What, ".", " ")), When: when(rv.At),
			Referral: rv.ReferralID, NamesShown: rv.NamesShown})
	}
	if ev := s.sh.Evidence; ev != nil {
		list, err := ev.List(r.Context(), a, family)
		if err != nil {
			s.serviceError(w, r, err)
			return
		}
		for _, e := range list {
			v.Evidence = append(v.Evidence, evidenceView{ID: e.ID, Received: when(e.ReceivedAt), Who: strings.TrimPrefix(e.Who, "user:"),
				Bundle: e.BundleSHA256, Short: e.BundleSHA256[:min(16, len(e.BundleSHA256))], Key: e.VerifierKey, Dossier: e.DossierSHA256, Exhibits: e.Exhibits})
		}
		v.CanImport = p.User.Role.Can(bonafide.PermLockerImport)
		v.ImportMax = sizeWords(ev.Limit())
	}
	if taken != nil && !taken.OK {
		v.VerifierKey = taken.Key // the form shown again with its error
	}
	title := "Family " + family
	if len(errs) > 0 {
		title = "Error: " + title
	}
	page := &Page{Title: title, Data: v, Errors: errs, Back: &Link{Href: "/families", Text: "Find another family"}}
	if taken != nil && taken.OK {
		page.Banner = &Banner{Text: fmt.Sprintf("The family's bundle was verified and taken in: %d exhibits, %d posts filed.", taken.Exhibits, len(taken.Filed)), Success: true}
	}
	s.render(w, r, "family", page)
}

// sizeWords is a byte count in words ("64 MB").
func sizeWords(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// reassessedFirst orders re-assessments: newly flagged first.
func reassessedFirst(x, y reassessedView) int {
	if x.NowFlagged != y.NowFlagged {
		if x.NowFlagged {
			return -1
		}
		return 1
	}
	return strings.Compare(x.ID, y.ID)
}
