package loadgen_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bonafide/interchange"
	"bonafide/loadgen"
)

func TestReferrals(t *testing.T) {
	g, err := loadgen.NewReferrals(context.Background(), 1, 1500)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() < 1500 {
		t.Fatalf("NewReferrals(n 1500).Len() = %d, want at least 1500", g.Len())
	}
	ids := map[string]bool{}
	var first []byte
	for i := range g.Len() + 3 { // round the pool and on
		b := g.Next()
		ref, err := interchange.DecodeReferral(b)
		if err != nil {
			t.Fatalf("body %d does not decode as a referral: %v\n%s", i, err, b)
		}
		if ids[ref.ID] || !strings.HasPrefix(ref.ID, "BENCH-") {
			t.Fatalf("body %d has id %q, want a new BENCH- id", i, ref.ID)
		}
		ids[ref.ID] = true
		if i == 0 {
			first = b
		}
		if i == g.Len() && !bytes.Equal(withoutID(b), withoutID(first)) {
			t.Errorf("body %d (after one round) = %s, want the first one again under a new id: %s", i, b, first)
		}
	}
}

// withoutID returns body with its id blanked.
func withoutID(body []byte) []byte {
	i := bytes.Index(body, []byte(`"id":"BENCH-`))
	j := bytes.IndexByte(body[i+len(`"id":"`):], '"')
	return append(bytes.Clone(body[:i]), body[i+len(`"id":"`)+j:]...)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  loadgen.Config
		err  string
	}{
		{"open loop", loadgen.Config{Rate: 10, Duration: time.Second}, ""},
		{"closed loop", loadgen.Config{Workers: 2, Duration: time.Second}, ""},
		{"negative rate", loadgen.Config{Rate: -1, Duration: time.Second}, "rate must not be negative"},
		{"no workers", loadgen.Config{Duration: time.Second}, "workers must be positive"},
		{"no duration", loadgen.Config{Rate: 1}, "duration must be positive"},
		{"negative warm-up", loadgen.Config{Rate: 1, Duration: time.Second, Warmup: -time.Second}, "warm-up must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Validate(%+v) = %v, want %q", tt.cfg, err, tt.err)
			}
		})
	}
}

// TestIntakeOpenLoop sends at a fixed rate to a loopback server that
// stores nothing but decodes each body: an open loop sends as many as its
// schedule says, whatever the answers.
func TestIntakeOpenLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/api/v1/referrals" || r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if _, err := interchange.DecodeReferral(b); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	g, err := loadgen.NewReferrals(context.Background(), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadgen.Config{URL: srv.URL, Token: "tok", Rate: 200, Duration: 100 * time.Millisecond}
	res, err := loadgen.Intake(context.Background(), cfg, g)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 20 || res.Failed != 0 || res.Statuses[http.StatusCreated] != 20 || len(res.Latencies) != 20 {
		t.Errorf("Intake(200/s for 100ms) = %d sent, %d failed, %v; want 20 sent, all 201", res.Sent, res.Failed, res.Statuses)
	}
	var out strings.Builder
	if err := res.WriteText(&out, cfg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"intake: open loop at 200 req/s for 100ms: 20 sent, 20 ok, 0 failed", "latency: p50 ", "throughput: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteText lacks %q:\n%s", want, out.String())
		}
	}
	cfg.Token = "wrong"
	res, err = loadgen.Intake(context.Background(), cfg, g)
	if err != nil || res.Failed != 20 || res.Statuses[http.StatusUnauthorized] != 20 {
		t.Errorf("Intake with a wrong token = %+v, %v; want 20 failed with 401", res.Statuses, err)
	}
}

// TestDriveWarmup checks that what is sent in the warm-up is sent the same
// way but not counted: the result holds the measured sends only.
func TestDriveWarmup(t *testing.T) {
	var sends atomic.Int64
	cfg := loadgen.Config{Rate: 200, Duration: 100 * time.Millisecond, Warmup: 50 * time.Millisecond}
	res, err := loadgen.Drive(context.Background(), cfg, func(context.Context) int {
		sends.Add(1)
		return http.StatusCreated
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 20 || len(res.Latencies) != 20 {
		t.Errorf("Drive(200/s for 100ms after a 50ms warm-up) counted %d sent, %d answered; want 20, 20", res.Sent, len(res.Latencies))
	}
	if got := sends.Load(); got != 30 {
		t.Errorf("send was called %d times, want 30 (10 in the warm-up)", got)
	}
	var out strings.Builder
	if err := res.WriteText(&out, cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "open loop at 200 req/s after a 50ms warm-up for 100ms") {
		t.Errorf("WriteText does not say the warm-up:\n%s", out.String())
	}
}
