package casework

import (
	"context"
	"sort"
	"time"

	"bonafide"
)

// WorkerLoad is one worker's decisions due today and overdue.
type WorkerLoad struct {
	Worker   string // "" for cases no one has taken
	DueToday []bonafide.CaseRow
	Overdue  []bonafide.CaseRow
}

// CampaignAlert is a family with flagged referrals in the last 30 days.
type CampaignAlert struct {
	Family    string
	Flagged   int
	Referrals []bonafide.CaseRow
	Latest    time.Time
}

// ManagerView is the team manager's page: decisions due today and
// overdue by worker, sign-offs waiting, and campaign alerts.
type ManagerView struct {
	Now       time.Time
	Workers   []WorkerLoad
	SignOffs  []bonafide.CaseRow
	Campaigns []CampaignAlert
	// Open counts the cases awaiting a decision, Overdue those past it.
	Open, Overdue int
}

// CampaignWindow is how far back the team manager's campaign alerts look.
const CampaignWindow = 30 * 24 * time.Hour

// Manager returns the team manager's view as of now (at most
// bonafide.MaxQueuePage cases in each list).
func (s *Service) Manager(ctx context.Context, a Actor) (ManagerView, error) {
	if err := can(a, bonafide.PermSignOff); err != nil {
		return ManagerView{}, err
	}
	now := s.now()
	v := ManagerView{Now: now}
	endOfDay := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(24 * time.Hour)
	due, err := s.Cases.Queue(ctx, bonafide.QueueFilter{OverdueAt: endOfDay, Limit: bonafide.MaxQueuePage}, now)
	if err != nil {
		return v, err
	}
	open, err := s.Cases.Queue(ctx, bonafide.QueueFilter{Limit: 1}, now)
	if err != nil {
		return v, err
	}
	v.Open, v.Overdue = open.Total, open.Overdue
	byWorker := map[string]*WorkerLoad{}
	for _, r := range due.Rows {
		w := byWorker[r.Worker]
		if w == nil {
			w = &WorkerLoad{Worker: r.Worker}
			byWorker[r.Worker] = w
		}
		if r.Due.Before(now) {
			w.Overdue = append(w.Overdue, r)
		} else {
			w.DueToday = append(w.DueToday, r)
		}
	}
	for _, w := range byWorker {
		v.Workers = append(v.Workers, *w)
	}
	sort.Slice(v.Workers, func(i, j int) bool { return v.Workers[i].Worker < v.Workers[j].Worker })

	waiting, err := s.Cases.Queue(ctx, bonafide.QueueFilter{States: []bonafide.CaseState{bonafide.CaseSignOff}, Limit: bonafide.MaxQueuePage}, now)
	if err != nil {
		return v, err
	}
	v.SignOffs = waiting.Rows

	yes := true
	flagged, err := s.Cases.Queue(ctx, bonafide.QueueFilter{States: bonafide.CaseStates, Flagged: &yes, ReceivedSince: now.Add(-CampaignWindow), Limit: bonafide.MaxQueuePage}, now)
	if err != nil {
		return v, err
	}
	byFamily := map[string]*CampaignAlert{}
	for _, r := range flagged.Rows {
		key := r.Family
		if key == "" {
			key = r.ReferralID
		}
		c := byFamily[key]
		if c == nil {
			c = &CampaignAlert{Family: key}
			byFamily[key] = c
		}
		c.Flagged++
		c.Referrals = append(c.Referrals, r)
		if r.ReceivedAt.After(c.Latest) {
			c.Latest = r.ReceivedAt
		}
	}
	for _, c := range byFamily {
		v.Campaigns = append(v.Campaigns, *c)
	}
	sort.Slice(v.Campaigns, func(i, j int) bool { return v.Campaigns[i].Latest.After(v.Campaigns[j].Latest) })
	return v, nil
}
