// Package metrics exposes what an operator watches, in the Prometheus text
// format (github.com/prometheus/client_golang), on a registry the caller
// passes in: no global registry and no package state, so that tests and
// servers can run side by side.
//
// # Series read from the store at scrape time
//
// [Collector] asks the store on every scrape, each question answered from
// an index (see bonafide.OpsReader and migration 009):
//
//   - bonafide_triage_backlog_referrals{safety}: referrals stored (each
//     with its safety assessment) whose campaign assessment is not stored yet;
//   - bonafide_triage_oldest_unassessed_seconds{safety}: how long the
//     oldest of them has waited, 0 when none waits. The example alert rule
//     (deploy/prometheus/bonafide-alerts.yml) fires on
//     {safety="immediate"} reaching 60 s;
//   - bonafide_assessments_total{safety}: final assessments stored since
//     the collector started, counted from the store, so that they include
//     every writer's;
//   - bonafide_decisions_open{safety} and bonafide_decisions_overdue: the
//     front-door queue (cases awaiting a decision) and those past their
//     deadline;
//   - bonafide_audit_log_entries and bonafide_audit_checkpoint_age_seconds:
//     the audit log's size and the age of its latest signed checkpoint.
//
// HTTP series (requests, latency, refused logins, unseals) are counted by
// the API itself (httpapi.Metrics) on the same registry.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bonafide"
	"bonafide/auditlog"
)

// SafetyLevels are the values of the safety label, immediate first; each
// series by safety has every level, 0 when there is nothing at it, so that
// an alert on one level never reads an absent series.
var SafetyLevels = []string{"immediate", "high", "standard", "low"}

// scrapeTimeout bounds the store queries of one scrape.
const scrapeTimeout = 5 * time.Second

// Collector reads the operational state from the store at scrape time: the
// triage backlog, assessments by safety level, the decisions awaiting and
// overdue, and the audit log's size and latest checkpoint. Every field but
// Logger and Now is required; register it with Register.
type Collector struct {
	// Ops is the store's assessments (both back-ends' Assessments).
	Ops interface {
		bonafide.OpsReader
		LastAssessedSeq(ctx context.Context) (int64, error)
	}
	Cases  bonafide.CaseStore
	Audit  *auditlog.Log
	Now    func() time.Time
	Logger *slog.Logger

	backlog, oldest, assessed, open, overdue, auditSize, cpAge, scrapeErr *prometheus.Desc

	mu     sync.Mutex       // guards counts and after across concurrent scrapes
	counts map[string]int64 // final assessments counted since start, by level
	after  int64            // the highest seq counted
}

// Register starts counting assessments from the store's last one and
// registers c on reg.
func (c *Collector) Register(ctx context.Context, reg prometheus.Registerer) error {
	if c.Ops == nil || c.Cases == nil || c.Audit == nil {
		return fmt.Errorf("metrics: collector needs Ops, Cases and Audit")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	safety := []string{"safety"}
	c.backlog = prometheus.NewDesc("bonafide_triage_backlog_referrals", "Referrals stored whose campaign assessment is not stored yet, by safety level.", safety, nil)
	c.oldest = prometheus.NewDesc("bonafide_triage_oldest_unassessed_seconds", "Age of the oldest referral whose campaign assessment is not stored yet, by safety level; 0 when none waits.", safety, nil)
	c.assessed = prometheus.NewDesc("bonafide_assessments_total", "Final triage assessments (campaign or failure) stored since this server started, by safety level.", safety, nil)
	c.open = prometheus.NewDesc("bonafide_decisions_open", "Cases awaiting a front-door decision, by safety level.", safety, nil)
	c.overdue = prometheus.NewDesc("bonafide_decisions_overdue", "Cases awaiting a decision past their deadline.", nil, nil)
	c.auditSize = prometheus.NewDesc("bonafide_audit_log_entries", "Entries in the audit log.", nil, nil)
	c.cpAge = prometheus.NewDesc("bonafide_audit_checkpoint_age_seconds", "Age of the latest signed audit checkpoint; absent before the first.", nil, nil)
	c.scrapeErr = prometheus.NewDesc("bonafide_metrics_store_errors", "Store queries that failed in this scrape (their series are left out).", nil, nil)
	after, err := c.Ops.LastAssessedSeq(ctx)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	c.counts, c.after = map[string]int64{}, after
	return reg.Register(c)
}

// Describe sends the descriptors of every series.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.backlog, c.oldest, c.assessed, c.open, c.overdue, c.auditSize, c.cpAge, c.scrapeErr} {
		ch <- d
	}
}

// Collect queries the store and sends the series. A failed query leaves
// its series out, counts in bonafide_metrics_store_errors and is logged,
// so that one slow table does not blank the whole scrape.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	now := c.Now()
	failed := 0
	fail := func(what string, err error) {
		failed++
		c.Logger.Warn("metrics query failed", slog.String("series", what), slog.Any("error", err))
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}

	if backlog, err := c.Ops.TriageBacklog(ctx); err != nil {
		fail("triage backlog", err)
	} else {
		n, age := map[string]float64{}, map[string]float64{}
		for _, b := range backlog {
			n[b.SafetyLevel] = float64(b.Referrals)
			age[b.SafetyLevel] = max(0, now.Sub(b.Oldest).Seconds())
		}
		for _, level := range SafetyLevels {
			gauge(c.backlog, n[level], level)
			gauge(c.oldest, age[level], level)
		}
	}

	c.mu.Lock()
	counts, last, err := c.Ops.AssessmentCounts(ctx, c.after)
	if err != nil {
		fail("assessments", err)
	} else {
		for level, n := range counts {
			c.counts[level] += n
		}
		c.after = last
	}
	for _, level := range SafetyLevels {
		ch <- prometheus.MustNewConstMetric(c.assessed, prometheus.CounterValue, float64(c.counts[level]), level)
	}
	c.mu.Unlock()

	if page, err := c.Cases.Queue(ctx, bonafide.QueueFilter{Limit: 1}, now); err != nil {
		fail("decisions", err)
	} else {
		for _, level := range SafetyLevels {
			gauge(c.open, float64(page.BySafety[level]), level)
		}
		gauge(c.overdue, float64(page.Overdue))
	}

	if size, latest, err := c.Audit.Stats(ctx); err != nil {
		fail("audit log", err)
	} else {
		gauge(c.auditSize, float64(size))
		if !latest.IsZero() {
			gauge(c.cpAge, max(0, now.Sub(latest).Seconds()))
		}
	}
	gauge(c.scrapeErr, float64(failed))
}
