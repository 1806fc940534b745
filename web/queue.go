package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"bonafide"
	"bonafide/casework"
)

// queuePageSize is how many cases one page of the queue shows.
const queuePageSize = 25

// queueView is the front-door queue: counts over the whole filter, one
// page of rows, the filter as given and the links to other pages.
type queueView struct {
	Total, Overdue int
	Counts         []safetyCount
	Rows           []queueRow
	Filter         queueFilter
	From, To       int
	Prev, Next     string
	Pages          []pageLink
	Options        map[string][]option
	Filtered       bool
}

// safetyCount is one level's count, linking to the queue filtered to it.
type safetyCount struct {
	Tag   safetyTag
	N     int
	Href  string
	Level string
}

// queueRow is one case of the queue.
type queueRow struct {
	ID, Href              string
	Safety                safetyTag
	Received, Due, DueIn  string
	Overdue, Flagged      bool
	Score                 string
	Channel, State        string
	Restricted, SignedOff bool
}

// pageLink is one numbered link of the pagination.
type pageLink struct {
	N       int
	Href    string
	Current bool
}

// queueFilter is the filter form's values, as given.
type queueFilter struct {
	Safety, Flagged, Channel, State string
	Overdue                         bool
	Page                            int
}

// Options of the filter form, in the order shown.
type option struct{ Value, Text string }

func (f queueFilter) query(page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"safety": f.Safety, "flagged": f.Flagged, "channel": f.Channel, "state": f.State} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Overdue {
		q.Set("overdue", "1")
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/queue"
	}
	return "/queue?" + q.Encode()
}

// handleQueue shows the front-door queue (casework.Service.Queue): safety
// first, then the earliest deadline; filters by safety level, campaign
// flag, channel, state and overdue; counts over the whole filter.
func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cases == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the front door is unavailable", "The case workflow is not configured on this server.")
		return
	}
	now := s.cfg.Now()
	q := r.URL.Query()
	f := queueFilter{Safety: q.Get("safety"), Flagged: q.Get("flagged"), Channel: q.Get("channel"), State: q.Get("state"), Overdue: q.Get("overdue") != "", Page: 1}
	var errs []FieldError
	bf := bonafide.QueueFilter{Limit: queuePageSize}
	if f.Safety != "" {
		if _, ok := safetyTags[f.Safety]; !ok {
			errs = append(errs, FieldError{"safety", "Choose a safety level from the list"})
			f.Safety = ""
		}
		bf.SafetyLevel = f.Safety
	}
	switch f.Flagged {
	case "":
	case "yes", "no":
		b := f.Flagged == "yes"
		bf.Flagged = &b
	default:
		errs = append(errs, FieldError{"flagged", "Choose whether to show suspected campaigns from the list"})
		f.Flagged = ""
	}
	if f.Channel != "" {
		if !bonafide.Channel(f.Channel).Valid() {
			errs = append(errs, FieldError{"channel", "Choose a channel from the list"})
			f.Channel = ""
		}
		bf.Channel = bonafide.Channel(f.Channel)
	}
	if f.State != "" {
		if !bonafide.CaseState(f.State).Valid() {
			errs = append(errs, FieldError{"state", "Choose a state from the list"})
			f.State = ""
		} else {
			bf.States = []bonafide.CaseState{bonafide.CaseState(f.State)}
		}
	}
	if f.Overdue {
		bf.OverdueAt = now
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			errs = append(errs, FieldError{"", "The page number must be a whole number from 1"})
		} else {
			f.Page = n
		}
	}
	bf.Offset = (f.Page - 1) * queuePageSize
	p := principalOf(r.Context())
	page, err := s.cfg.Cases.Queue(r.Context(), casework.Actor{Who: p.Who(), Role: p.User.Role}, bf)
	if err != nil {
		s.serviceError(w, r, err)
		return
	}
	v := queueView{Total: page.Total, Overdue: page.Overdue, Filter: f, Options: s.queueOptions(),
		Filtered: f.Safety != "" || f.Flagged != "" || f.Channel != "" || f.State != "" || f.Overdue}
	for _, level := range safetyLevels {
		cf := f
		cf.Safety, cf.Page = level, 1
		v.Counts = append(v.Counts, safetyCount{Tag: safetyOf(level), N: page.BySafety[level], Href: cf.query(1), Level: level})
	}
	for _, row := range page.Rows {
		v.Rows = append(v.Rows, s.queueRow(row, now))
	}
	if len(page.Rows) > 0 {
		v.From, v.To = bf.Offset+1, bf.Offset+len(page.Rows)
	}
	pages := (page.Total + queuePageSize - 1) / queuePageSize
	if f.Page > 1 {
		v.Prev = f.query(f.Page - 1)
	}
	if f.Page < pages {
		v.Next = f.query(f.Page + 1)
	}
	for n := max(1, f.Page-2); n <= min(pages, f.Page+2) && pages > 1; n++ {
		v.Pages = append(v.Pages, pageLink{N: n, Href: f.query(n), Current: n == f.Page})
	}
	title := "Front door"
	if f.Page > 1 {
		title = fmt.Sprintf("Front door (page %d of %d)", f.Page, pages)
	}
	s.render(w, r, "queue", &Page{Title: title, Data: v, Errors: errs, status: http.StatusOK})
}

// queueRow is row as the queue shows it at now.
func (s *Server) queueRow(row bonafide.CaseRow, now time.Time) queueRow {
	due := row.Due
	if due.IsZero() && (row.State == bonafide.CaseReceived || row.State == bonafide.CaseReopened) {
		due = row.DecisionDue
	}
	qr := queueRow{
		ID: row.ReferralID, Href: "/referrals/" + url.PathEscape(row.ReferralID),
		Safety: safetyOf(row.SafetyLevel), Received: when(row.ReceivedAt),
		Due: when(due), DueIn: dueIn(due, now), Overdue: !due.IsZero() && due.Before(now),
		Flagged: row.Flagged, Channel: channelOf(row.Channel), State: stateOf(row.State), Restricted: row.Restricted,
	}
	if row.Flagged || row.Score > 0 {
		qr.Score = fmt.Sprintf("%.0f%%", row.Score*100)
	}
	return qr
}

// filter options of the queue's form.
func (s *Server) queueOptions() map[string][]option {
	o := map[string][]option{
		"safety":  {{"", "Any"}},
		"flagged": {{"", "Any"}, {"yes", "Suspected campaign"}, {"no", "Not flagged"}},
		"channel": {{"", "Any"}},
		"state":   {{"", "Awaiting a decision"}},
	}
	for _, l := range safetyLevels {
		o["safety"] = append(o["safety"], option{l, safetyOf(l).Text})
	}
	for _, c := range bonafide.Channels {
		o["channel"] = append(o["channel"], option{string(c), channelOf(c)})
	}
	for _, st := range bonafide.CaseStates {
		o["state"] = append(o["state"], option{string(st), stateOf(st)})
	}
	return o
}
