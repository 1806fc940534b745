package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"bonafide"
	"bonafide/casework"
	"bonafide/interchange"
	"bonafide/triage"
	"bonafide/triage/live"
)

// demoAgency heads the demo's letters: an invented council.
var demoAgency = casework.Agency{Name: "Redhaven Borough Council", Team: "Children's Services Front Door",
	Address: []string{"Civic Centre", "Market Street", "Redhaven", "RH1 1AA"}, Phone: "01632 960000",
	Email: "frontdoor@redhaven.invalid", DPOEmail: "dpo@redhaven.invalid", Code: "RBC"}

// demoMonths is how many months of referrals the demo generates, ending
// today: enough for campaigns to build up, few enough that recording their
// outcomes through the workflow takes seconds.
const demoMonths = 6

// demoRecentDays is how recent a referral stays undecided in the demo, so
// that the front-door queue has work in it: some due today, some overdue.
const demoRecentDays = 6

// demoWork triages the store, then records through the case workflow what
// the generated outcomes say became of the referrals received more than
// demoRecentDays ago, as the demo's social worker and team manager would
// have: the decision (signed off where the workflow asks), the finding,
// the closure. Each action is dated as the outcome was. What is more
// recent is left in the queue.
func demoWork(ctx context.Context, a *app, stream string, workerName, managerName string, logger *slog.Logger, out io.Writer) error {
	as, err := assessmentStore(a.Store)
	if err != nil {
		return err
	}
	tc := triage.DefaultConfig()
	tc.BlindKey = a.Vault.Blind
	svc, err := live.New(a.Store, as, live.Options{Config: tc, Logger: logger})
	if err != nil {
		return err
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		return fmt.Errorf("triage: %w", err)
	}
	var at time.Time
	cs, err := newCaseService(a.api(), demoAgency, logger)
	if err != nil {
		return err
	}
	cs.Now = func() time.Time { return at }
	worker := casework.Actor{Who: "user:" + workerName, Role: bonafide.RoleSocialWorker}
	manager := casework.Actor{Who: "user:" + managerName, Role: bonafide.RoleTeamManager}
	cutoff := time.Now().UTC().AddDate(0, 0, -demoRecentDays)

	f, err := os.Open(stream)
	if err != nil {
		return err
	}
	defer f.Close()
	decided, closed := 0, 0
	for rec, err := range interchange.NewReader(f).All() {
		if err != nil {
			return err
		}
		o, ok := rec.(*bonafide.Outcome)
		if !ok || o.DecidedAt.After(cutoff) {
			continue
		}
		at = o.DecidedAt.UTC()
		act := func(who casework.Actor, req casework.Request) (casework.View, error) {
			v, err := cs.Act(ctx, who, o.ReferralID, req)
			if err != nil {
				return v, fmt.Errorf("demo case %s: %s: %w", o.ReferralID, req.Action, err)
			}
			if v.Case.State == bonafide.CaseSignOff {
				at = at.Add(time.Hour)
				return cs.Act(ctx, manager, o.ReferralID, casework.Request{Action: bonafide.ActApprove})
			}
			return v, nil
		}
		v, err := cs.Case(ctx, worker, o.ReferralID)
		if err != nil || !v.Case.State.AwaitsDecision() {
			continue // not a referral of this store, or decided by an earlier outcome
		}
		if _, err := act(worker, casework.Request{Action: bonafide.ActAssign, Worker: worker.Who, Team: "front door"}); err != nil {
			return err
		}
		d := demoDecision(o.Decision)
		if _, err := act(worker, casework.Request{Action: bonafide.ActDecide, Decision: d, Reason: "recorded from the generated outcome: " + string(o.Decision)}); err != nil {
			return err
		}
		decided++
		at = at.Add(2 * time.Hour)
		if d.Statutory() {
			if o.Finding == "" {
				continue // the work goes on: its deadline runs
			}
			if _, err := act(worker, casework.Request{Action: bonafide.ActFind, Finding: o.Finding, Reason: "recorded from the generated outcome's finding"}); err != nil {
				return err
			}
		}
		closure := bonafide.ClosureNoFurtherAction
		if d == bonafide.DecideEarlyHelp {
			closure = bonafide.ClosureEarlyHelp
		}
		at = at.Add(time.Hour)
		if _, err := act(worker, casework.Request{Action: bonafide.ActClose, Closure: closure, Reason: "closed as the generated outcome says"}); err != nil {
			return err
		}
		closed++
	}
	// The older referrals the generator gave no outcome: decided as
	// triage recommended, the statutory work left running on its clock.
	running := 0
	for {
		page, err := cs.Queue(ctx, worker, bonafide.QueueFilter{Limit: bonafide.MaxQueuePage})
		if err != nil {
			return err
		}
		n := 0
		for _, row := range page.Rows {
			if !row.ReceivedAt.Before(cutoff) {
				continue
			}
			n++
			at = row.ReceivedAt.Add(3 * time.Hour)
			d := bonafide.RecommendedDecisions(row.SafetyLevel, row.Flagged)[0]
			if _, err := cs.Act(ctx, worker, row.ReferralID, casework.Request{Action: bonafide.ActDecide, Decision: d,
				Reason: "decided as triage recommended (demo)"}); err != nil {
				return fmt.Errorf("demo case %s: %w", row.ReferralID, err)
			}
			decided++
			if d.Statutory() {
				running++
				continue
			}
			at = at.Add(time.Hour)
			if _, err := cs.Act(ctx, worker, row.ReferralID, casework.Request{Action: bonafide.ActClose, Closure: bonafide.ClosureNoFurtherAction,
				Reason: "closed after advice (demo)"}); err != nil {
				return fmt.Errorf("demo case %s: %w", row.ReferralID, err)
			}
			closed++
		}
		if n == 0 {
			break
		}
	}
	fmt.Fprintf(out, "Recorded decisions through the case workflow: %d referrals decided, %d closed, %d enquiries or assessments running; the last %d days' referrals await a decision.\n",
		decided, closed, running, demoRecentDays)
	return nil
}

// demoDecision maps an outcome's decision to the front door's.
func demoDecision(d bonafide.Decision) bonafide.CaseDecision {
	switch d {
	case bonafide.DecisionSection47:
		return bonafide.DecideSection47
	case bonafide.DecisionPoliceReferral:
		return bonafide.DecideStrategyDiscussion
	case bonafide.DecisionAssessment:
		return bonafide.DecideAssessment
	case bonafide.DecisionEarlyHelp:
		return bonafide.DecideEarlyHelp
	}
	return bonafide.DecideNoFurtherAction
}
