package live

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"bonafide"
	"bonafide/triage"
)

// The fast lane of a restart. The engine's memory is rebuilt by replaying
// every stored record, which takes minutes for a million and hours for ten
// million; the referrals that arrive meanwhile, and those stored but not
// assessed before the restart, must not wait for it. Their safety part was
// stored with them at intake; the fast lane gives them a campaign part at
// once, from a second engine that has loaded only the last Options.Tail
// records before the first unassessed referral (the main replay waits
// while it loads them), and says so in the assessment. The main engine's full assessment follows when its replay
// reaches them and supersedes it for every reader (bonafide.KindCampaign
// ranks above bonafide.KindProvisional). The fast lane ends when the main
// engine has observed everything it has.

// provisionalOutput is the output object of a provisional assessment:
// the triage output, with what it was made against.
type provisionalOutput struct {
	*triage.Assessment
	Part  string `json:"part"`
	Basis string `json:"basis"`
}

// fastLane assesses, provisionally, the referrals after resume, until the
// main engine has caught up with it or ctx ends.
func (s *Service) fastLane(ctx context.Context, resume int64) {
	e, err := triage.New(s.opts.Config)
	if err != nil {
		s.log.Error("triage fast lane not started", slog.Any("error", err))
		return
	}
	from := max(resume-int64(s.opts.Tail), 0)
	t0 := time.Now()
	last, loaded, ok := s.loadTail(ctx, e, from, resume)
	s.fastLoading.Store(false)
	close(s.fastLoaded)
	if !ok {
		return
	}
	s.log.Info("triage fast lane loaded the recent history", slog.Int64("after_seq", from), slog.Int64("through_seq", last),
		slog.Int("records", loaded), slog.Duration("elapsed", time.Since(t0)))
	basis := fmt.Sprintf("Provisional: assessed against only the %d records stored just before it, while the triage service "+
		"reloads its full history of %d records after a restart. Links to older referrals may be missing, so the campaign "+
		"score may rise; a full assessment follows and replaces this one. The safety level is judged in full.", loaded, resume)
	wait := s.opts.RetryMin
	for ctx.Err() == nil {
		if s.mainLast.Load() >= last {
			return // the main engine has seen all this lane has
		}
		page, err := s.readPage(ctx, last)
		if err != nil {
			if !s.pause(ctx, wait) {
				return
			}
			wait = min(2*wait, s.opts.RetryMax)
			continue
		}
		var out []bonafide.Assessment
		for _, st := range page {
			a, err := e.Observe(st.Record)
			last = st.Seq
			if err != nil || a == nil || st.Seq <= resume || s.mainLast.Load() >= st.Seq {
				continue
			}
			b, err := json.Marshal(provisionalOutput{Assessment: a, Part: triage.PartProvisional, Basis: basis})
			if err != nil {
				continue // the main engine makes its failure record
			}
			out = append(out, bonafide.Assessment{ReferralID: a.ReferralID, Seq: st.Seq, SafetyLevel: string(a.Safety.Level),
				Flagged: a.Campaign.Flagged, Score: a.Campaign.Score, DecisionDue: a.DecisionDue,
				Engine: s.version + " provisional", Output: b, Kind: bonafide.KindProvisional})
		}
		if len(out) > 0 {
			n, err := s.out.PutAssessments(ctx, out)
			if err != nil && ctx.Err() == nil {
				// Provisional assessments are a courtesy: the main engine's
				// follow, so one refused batch is not retried.
				s.log.Warn("triage fast lane: provisional assessments not stored", slog.Int("count", len(out)), slog.Any("error", err))
			}
			s.interim.Add(int64(n))
		}
		wait = s.opts.RetryMin
		if len(page) == 0 && !s.sleepFast(ctx) {
			return
		}
	}
}

// loadTail observes the records after from through resume into e, and
// returns the last seq observed and how many records it loaded; false if
// ctx ended or the main engine got there first.
func (s *Service) loadTail(ctx context.Context, e *triage.Engine, from, resume int64) (int64, int, bool) {
	last, loaded := from, 0
	for last < resume {
		if ctx.Err() != nil || s.mainLast.Load() >= resume {
			return last, loaded, false
		}
		page, err := s.readPage(ctx, last)
		if err != nil {
			if !s.pause(ctx, s.opts.RetryMin) {
				return last, loaded, false
			}
			continue
		}
		if len(page) == 0 {
			break
		}
		for _, st := range page {
			if st.Seq > resume {
				return last, loaded, true
			}
			_, _ = e.Observe(st.Record) // what the history says, not what it was rated
			last, loaded = st.Seq, loaded+1
		}
	}
	return last, loaded, true
}

// sleepFast waits for Notify, the poll interval or the end of ctx; false
// when ctx ended.
func (s *Service) sleepFast(ctx context.Context) bool {
	t := time.NewTimer(s.opts.Poll)
	defer t.Stop()
	select {
	case <-s.fastWake:
		return true
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
