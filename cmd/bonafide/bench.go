package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"bonafide"
	"bonafide/auth"
	"bonafide/httpapi"
	"bonafide/sqlite"
)

// benchConfig configures `bonafide bench intake`.
type benchConfig struct {
	logConfig
	URL      string        // server to drive; "" starts one in-process on a fresh SQLite store
	Rate     int           // requests per second, open loop; 0 means as fast as Workers allow
	Workers  int           // concurrent senders when Rate is 0
	Duration time.Duration // how long to send
	Seed     uint64
	// Token is the API token of an intake_client user of the server at
	// URL; without URL the bench makes its own.
	Token string
}

func (c benchConfig) validate() error {
	if c.Rate < 0 {
		return usagef("--rate must not be negative")
	}
	if c.Rate == 0 && c.Workers <= 0 {
		return usagef("--workers must be positive when --rate is 0")
	}
	if c.Duration <= 0 {
		return usagef("--duration must be positive")
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return usagef("--url %q: want http://host:port", c.URL)
	}
	if c.URL != "" && c.Token == "" {
		return usagef("--url needs --token: an API token of an intake_client user ('bonafide user token NAME --label L' makes one)")
	}
	return nil
}

// runBench measures intake over HTTP. The only benchmark is "intake": it
// posts generated referrals to POST /api/v1/referrals, either at a fixed
// rate (open loop: each request is sent at its scheduled time whether or
// not earlier ones have answered, and its latency counts from that time,
// so a stalled server cannot hide its stall) or as fast as --workers
// senders can (closed loop), and prints p50/p95/p99 latency and the
// throughput achieved. Without --url it serves a fresh SQLite store in a
// temporary directory, with durable commits, on a loopback port.
func runBench(ctx context.Context, args []string, std stdio) error {
	if len(args) == 0 || args[0] != "intake" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(std.err, "Usage: bonafide bench intake [flags]")
			return flag.ErrHelp
		}
		return usagef("want a benchmark name: intake")
	}
	cfg := benchConfig{logConfig: defaultLogConfig(), Rate: 500, Workers: 32, Duration: 10 * time.Second, Seed: 1}
	cfg.Level = "warn"
	sc := newSubcommand(std, "bench intake", "", "Posts generated referrals to POST /api/v1/referrals at a fixed rate (open loop) or as fast as --workers allow, and prints latency percentiles and throughput.")
	sc.logging(&cfg.logConfig)
	fs, env := sc.fs, sc.env
	env.string(fs, &cfg.URL, "url", "BONAFIDE_BENCH_URL", "base URL of a running server (default: start one on a fresh SQLite store)")
	env.int(fs, &cfg.Rate, "rate", "BONAFIDE_BENCH_RATE", "requests per second (open loop); 0 sends as fast as --workers allow")
	env.int(fs, &cfg.Workers, "workers", "BONAFIDE_BENCH_WORKERS", "concurrent senders when --rate is 0")
	env.duration(fs, &cfg.Duration, "duration", "BONAFIDE_BENCH_DURATION", "how long to send")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated referrals")
	env.secret(fs, &cfg.Token, "token", "BONAFIDE_BENCH_TOKEN", "API token of an intake_client user, with --url")
	sc.check(func() error { return cfg.validate() })
	if _, err := sc.parse(args[1:], noArgs); err != nil {
		return err
	}
	logger := sc.logger()

	base := cfg.URL
	if base == "" {
		dir, err := os.MkdirTemp("", "bonafide-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"), sqlite.Options{Migrate: true})
		if err != nil {
			return err
		}
		defer st.Close()
		if cfg.Token, err = benchToken(ctx, st.Users()); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		sctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		scfg := defaultServeConfig()
		scfg.ShutdownTimeout = time.Minute
		go func() { done <- serve(sctx, ln, apiDeps{Store: st, Users: st.Users()}, scfg, logger, nil) }()
		defer func() {
			stop()
			if err := <-done; err != nil {
				logger.Error("bench server", slog.Any("error", err))
			}
		}()
		base = "http://" + ln.Addr().String()
		fmt.Fprintf(std.out, "serving a fresh SQLite store at %s (synchronous=FULL)\n", base)
	}
	res, err := benchIntake(ctx, base, cfg)
	if err != nil {
		return err
	}
	res.print(std.out, cfg)
	if res.failed > 0 {
		return fmt.Errorf("%d of %d requests failed", res.failed, res.sent)
	}
	return nil
}

// benchResult is what a run measured.
type benchResult struct {
	sent, failed int
	statuses     map[int]int
	latencies    []time.Duration // of successful requests
	elapsed      time.Duration   // first send to last answer
}

func (r benchResult) print(w io.Writer, cfg benchConfig) {
	mode := fmt.Sprintf("open loop at %d req/s", cfg.Rate)
	if cfg.Rate == 0 {
		mode = fmt.Sprintf("closed loop with %d workers", cfg.Workers)
	}
	fmt.Fprintf(w, "intake: %s for %v: %d sent, %d ok, %d failed %v\n",
		mode, cfg.Duration, r.sent, len(r.latencies), r.failed, r.statuses)
	if len(r.latencies) == 0 {
		return
	}
	slices.Sort(r.latencies)
	q := func(p float64) time.Duration {
		i := int(p*float64(len(r.latencies))+0.5) - 1
		return r.latencies[max(0, min(i, len(r.latencies)-1))]
	}
	fmt.Fprintf(w, "latency: p50 %v  p95 %v  p99 %v  max %v\n",
		q(0.50).Round(10*time.Microsecond), q(0.95).Round(10*time.Microsecond),
		q(0.99).Round(10*time.Microsecond), r.latencies[len(r.latencies)-1].Round(10*time.Microsecond))
	fmt.Fprintf(w, "throughput: %.0f referrals/s\n", float64(len(r.latencies))/r.elapsed.Seconds())
}

// benchIntake drives base with generated referrals as cfg says.
func benchIntake(ctx context.Context, base string, cfg benchConfig) (benchResult, error) {
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     time.Minute,
		},
	}
	defer client.CloseIdleConnections()
	gen := newReferralGen(cfg.Seed)
	var (
		mu  sync.Mutex
		res = benchResult{statuses: map[int]int{}}
		wg  sync.WaitGroup
	)
	send := func(body []byte, due time.Time) {
		status := 0
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/referrals", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+cfg.Token)
			var resp *http.Response
			resp, err = client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
		}
		lat := time.Since(due)
		mu.Lock()
		defer mu.Unlock()
		res.sent++
		res.statuses[status]++
		if status == http.StatusCreated {
			res.latencies = append(res.latencies, lat)
		} else {
			res.failed++
		}
	}

	start := time.Now()
	end := start.Add(cfg.Duration)
	if cfg.Rate > 0 {
		interval := time.Second / time.Duration(cfg.Rate)
		timer := time.NewTimer(0)
		defer timer.Stop()
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * interval)
			if !due.Before(end) {
				break
			}
			timer.Reset(time.Until(due))
			select {
			case <-ctx.Done():
				wg.Wait()
				return res, ctx.Err()
			case <-timer.C:
			}
			body := gen.next()
			wg.Go(func() { send(body, due) })
		}
	} else {
		var gmu sync.Mutex
		for range cfg.Workers {
			wg.Go(func() {
				for time.Now().Before(end) && ctx.Err() == nil {
					gmu.Lock()
					body := gen.next()
					gmu.Unlock()
					send(body, time.Now())
				}
			})
		}
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, ctx.Err()
}

// referralGen makes realistic referral bodies (children, adults, address,
// concerns, a reporter and a 300-character narrative) with unique ids.
// All names are invented from short lists.
type referralGen struct {
	r   *rand.Rand
	n   int
	run string
}

func newReferralGen(seed uint64) *referralGen {
	return &referralGen{
		r: rand.New(rand.NewPCG(seed, 0)),
		// Ids differ between runs so that a run against a long-lived
		// server does not collide with an earlier one.
		run: fmt.Sprintf("%08x", rand.Uint32()),
	}
}

var (
	benchGiven   = []string{"Amara", "Theo", "Isla", "Rowan", "Maisie", "Alfie", "Esme", "Kofi", "Nell", "Zain", "Poppy", "Ivo"}
	benchFamily  = []string{"Ashdown", "Brackley", "Corran", "Dunmore", "Elstow", "Fenwick", "Garside", "Holroyd"}
	benchTowns   = []string{"Kessington", "Marlow Vale", "Northby", "Oakhurst"}
	benchConcern = []string{"neglect", "emotional_abuse", "physical_abuse", "domestic_abuse", "substance_misuse"}
	benchChannel = []string{"phone", "web_form", "email"}
)

// next returns the body of the next referral.
func (g *referralGen) next() []byte {
	g.n++
	pick := func(s []string) string { return s[g.r.IntN(len(s))] }
	family := pick(benchFamily)
	person := func(role string, from, to int) map[string]any {
		return map[string]any{
			"given_name":  pick(benchGiven),
			"family_name": family,
			"dob":         fmt.Sprintf("%04d-%02d-%02d", from+g.r.IntN(to-from), 1+g.r.IntN(12), 1+g.r.IntN(28)),
			"role":        role,
		}
	}
	narrative := strings.Repeat("The child was seen at the school gate without a coat again and seemed hungry; ", 4)[:300]
	ref := map[string]any{
		"type":            "referral",
		"id":              fmt.Sprintf("BENCH-%s-%08d", g.run, g.n),
		"received_at":     time.Date(2025, 3, 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), 0, 0, time.UTC).Format(time.RFC3339),
		"channel":         pick(benchChannel),
		"knowledge_basis": "first_hand",
		"reporter": map[string]any{
			"given_name": pick(benchGiven), "family_name": pick(benchFamily),
			"phone": fmt.Sprintf("07700 9%05d", g.r.IntN(100000)), "relationship": "neighbour",
			"contact_ip": fmt.Sprintf("198.51.100.%d", g.r.IntN(255)),
		},
		"children": []any{person("child", 2012, 2024), person("child", 2012, 2024)},
		"adults":   []any{person("mother", 1975, 2000)},
		"address": map[string]any{
			"line1": fmt.Sprintf("%d Mill Lane", 1+g.r.IntN(200)), "town": pick(benchTowns),
			"postcode": fmt.Sprintf("KX%d %dAB", 1+g.r.IntN(9), g.r.IntN(10)),
		},
		"concerns":         []any{map[string]any{"category": pick(benchConcern), "detail": "seen by the reporter"}},
		"narrative":        narrative,
		"immediate_danger": false,
	}
	b, err := json.Marshal(ref)
	if err != nil {
		panic(err) // maps of strings cannot fail to marshal
	}
	return b
}

// benchToken makes a sending system on the bench's own store and returns
// an API token of it, so that the bench drives the authenticated API as a
// real sender does.
func benchToken(ctx context.Context, users bonafide.UserStore) (string, error) {
	u, _, err := httpapi.NewUser("bench-sender", bonafide.RoleIntakeMachine, "", "bench", auth.DefaultPasswordParams)
	if err != nil {
		return "", err
	}
	if u, err = users.CreateUser(ctx, u); err != nil {
		return "", err
	}
	_, tok, err := httpapi.NewToken(ctx, users, u, "bonafide bench", "bench", time.Now())
	return tok, err
}
