package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/httpapi"
	"bonafide/metrics"
	"bonafide/sqlite"
	"bonafide/storetest"
	"bonafide/triage"
)

// clock is a settable time source shared by the store and the collector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// scrape GETs url with token and parses the Prometheus text format.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// value returns the sample of family name whose labels include want, and
// whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// alertRule reads the expression of the named alert from the example rule
// file; the test below evaluates it on real scrapes, so that the file and
// the series cannot drift apart.
func alertRule(t *testing.T, alert string) (name string, labels map[string]string, op string, threshold float64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", "prometheus", "bonafide-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)- alert: ` + alert + `\n\s+expr: (\w+)\{(\w+)="(\w+)"\} (>=|>) ([0-9.]+)\n`)
	m := re.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("no simple expression for alert %s in the rule file", alert)
	}
	threshold, err = strconv.ParseFloat(m[5], 64)
	if err != nil {
		t.Fatal(err)
	}
	return m[1], map[string]string{m[2]: m[3]}, m[4], threshold
}

func fires(fams map[string]*dto.MetricFamily, name string, labels map[string]string, op string, threshold float64) bool {
	v, ok := value(fams, name, labels)
	if !ok {
		return false
	}
	if op == ">=" {
		return v >= threshold
	}
	return v > threshold
}

// TestMetricsScrape runs the API and the metrics listener on loopback over
// a real SQLite store (no triage service: the test stands in for it),
// scrapes /metrics as Prometheus would and parses the text format: an
// immediate-danger referral left unassessed for 61 s makes the example
// alert fire, its assessment stops it; the queue, the audit log and the
// API's own series (requests by route and status, a refused login) read
// what happened; a scrape without the token is refused.
func TestMetricsScrape(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)}
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"), sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _, err := auditlog.GenerateSigningKey("test-audit")
	if err != nil {
		t.Fatal(err)
	}
	audit, err := auditlog.New(st.AuditStorage(), key, auditlog.Config{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	reg := metrics.NewRegistry()
	srv := httpapi.NewServer(st, logger)
	srv.Users, srv.Audit, srv.Now = st.Users(), audit, clk.Now
	if srv.Metrics, err = httpapi.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	c := &metrics.Collector{Ops: st.Assessments(), Cases: st.Cases(), Audit: audit, Now: clk.Now, Logger: logger}
	if err := c.Register(ctx, reg); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(srv.Handler())
	t.Cleanup(api.Close)
	const token = "scrape-token-for-tests"
	ms := httptest.NewServer(metrics.Handler(reg, token, logger))
	t.Cleanup(ms.Close)
	url := ms.URL + "/metrics"

	name, labels, op, threshold := alertRule(t, "ImmediateDangerReferralUnassessed")
	fams := scrape(t, url, token)
	if fires(fams, name, labels, op, threshold) {
		t.Errorf("alert fires on an empty store")
	}
	if v, ok := value(fams, name, labels); !ok || v != 0 {
		t.Errorf("%s%v on an empty store = %v, %v; want 0 (present, so that the alert reads a series)", name, labels, v, ok)
	}

	r := storetest.Referral("M-1")
	r.ImmediateDanger = true
	r.ReceivedAt = clk.Now().Add(-time.Minute)
	seq, err := st.Add(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Append(ctx, auditlog.Entry{Who: "test", What: "view", Object: "M-1", Why: "metrics test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.WriteCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(59 * time.Second)
	if fams = scrape(t, url, token); fires(fams, name, labels, op, threshold) {
		t.Errorf("alert fires after 59 s")
	}
	clk.Add(2 * time.Second)
	fams = scrape(t, url, token)
	if !fires(fams, name, labels, op, threshold) {
		v, _ := value(fams, name, labels)
		t.Errorf("alert does not fire after 61 s: %s%v = %v", name, labels, v)
	}
	for _, w := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"bonafide_triage_backlog_referrals", map[string]string{"safety": "immediate"}, 1},
		{"bonafide_triage_backlog_referrals", map[string]string{"safety": "standard"}, 0},
		{"bonafide_decisions_open", map[string]string{"safety": "immediate"}, 1},
		{"bonafide_decisions_overdue", nil, 0},
		{"bonafide_audit_log_entries", nil, 1},
		{"bonafide_audit_checkpoint_age_seconds", nil, 61},
		{"bonafide_assessments_total", map[string]string{"safety": "immediate"}, 0},
		{"bonafide_metrics_store_errors", nil, 0},
	} {
		if v, ok := value(fams, w.name, w.labels); !ok || v != w.want {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, v, ok, w.want)
		}
	}

	out, _ := json.Marshal(map[string]string{"referral_id": "M-1"})
	if _, err := st.Assessments().PutAssessments(ctx, []bonafide.Assessment{{ReferralID: "M-1", Seq: seq, SafetyLevel: "immediate",
		Engine: "test", Output: out, DecisionDue: clk.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, url, token)
	if fires(fams, name, labels, op, threshold) {
		t.Errorf("alert still fires once the referral is assessed")
	}
	if v, _ := value(fams, "bonafide_assessments_total", map[string]string{"safety": "immediate"}); v != 1 {
		t.Errorf("bonafide_assessments_total{immediate} = %v after one assessment, want 1", v)
	}

	// The API's series: a health check and a refused login.
	for _, req := range []struct {
		method, path, body string
		want               int
	}{
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodPost, "/api/v1/login", `{"username":"nobody","password":"wrong password here"}`, http.StatusUnauthorized},
		{http.MethodGet, "/api/v1/referrals/M-1", "", http.StatusUnauthorized},
	} {
		rq, err := http.NewRequest(req.method, api.URL+req.path, strings.NewReader(req.body))
		if err != nil {
			t.Fatal(err)
		}
		rq.Header.Set("Content-Type", "application/json")
		rq.Header.Set("Origin", api.URL)
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != req.want {
			t.Fatalf("%s %s = %d, want %d", req.method, req.path, resp.StatusCode, req.want)
		}
	}
	fams = scrape(t, url, token)
	for _, w := range []struct {
		name   string
		labels map[string]string
	}{
		{"bonafide_http_requests_total", map[string]string{"route": "GET /healthz", "status": "200"}},
		{"bonafide_http_request_duration_seconds", map[string]string{"route": "GET /healthz", "status": "200"}},
		{"bonafide_http_requests_total", map[string]string{"route": "GET /api/v1/referrals/{id}", "status": "401"}},
		{"bonafide_logins_refused_total", map[string]string{"status": "401"}},
	} {
		if v, ok := value(fams, w.name, w.labels); !ok || v != 1 {
			t.Errorf("%s%v = %v (present %v), want 1", w.name, w.labels, v, ok)
		}
	}
	if _, ok := fams["bonafide_unseals_total"]; !ok {
		t.Errorf("no bonafide_unseals_total series")
	}

	// Without the token, or with another, the scrape is refused.
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
		rq, _ := http.NewRequest(http.MethodGet, url, nil)
		if auth != "" {
			rq.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("scrape with Authorization %q = %d, want 401", auth, resp.StatusCode)
		}
	}
}
