package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts the API's requests for an operator, in the Prometheus
// format, on a registry the caller owns (see package metrics for the
// series read from the store). Set Server.Metrics to one made by
// NewMetrics; nil counts nothing.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	refused  *prometheus.CounterVec
	unseals  prometheus.Counter
}

// latencyBuckets reach from the store's commit (about a millisecond) to the
// client timeouts of sending systems.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewMetrics makes the API's series and registers them on reg:
//
//   - bonafide_http_requests_total{route, status}: requests by route (the
//     route's pattern, "METHOD /path/{id}", never the path itself, which
//     would name referrals) and status code;
//   - bonafide_http_request_duration_seconds{route, status}: their latency;
//   - bonafide_logins_refused_total{status}: logins refused (401 wrong
//     name, password or code; 403 disabled or second factor needed; 429
//     throttled);
//   - bonafide_unseals_total: reporters unsealed by a data protection
//     officer.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bonafide_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bonafide_http_request_duration_seconds", Help: "HTTP request latency by route pattern and status code.",
			Buckets: latencyBuckets,
		}, []string{"route", "status"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bonafide_logins_refused_total", Help: "Logins refused, by status code (401 bad credentials, 403 refused account or factor, 429 throttled).",
		}, []string{"status"}),
		unseals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bonafide_unseals_total", Help: "Reporters unsealed (break-glass) by a data protection officer.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.refused, m.unseals} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("http metrics: %w", err)
		}
	}
	return m, nil
}

// Routes whose outcome has a series of its own.
const (
	loginRoute  = "POST /api/v1/login"
	unsealRoute = "POST /api/v1/referrals/{id}/reporter/unseal"
)

// instrument counts and times the requests route pattern answers. The
// observers of the route's expected statuses are looked up once per
// request from the label values; prometheus caches them.
func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	m := s.Metrics
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		code := strconv.Itoa(status)
		m.requests.WithLabelValues(pattern, code).Inc()
		m.latency.WithLabelValues(pattern, code).Observe(time.Since(start).Seconds())
		switch {
		case pattern == loginRoute && (status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests):
			m.refused.WithLabelValues(code).Inc()
		case pattern == unsealRoute && status == http.StatusOK:
			m.unseals.Inc()
		}
	})
}
