// Package loadgen drives the intake API with generated referrals and
// measures it: `bonafide bench intake` is its command line.
//
// # Open and closed loop
//
// [Intake] posts referrals to POST /api/v1/referrals either at a fixed
// rate (open loop: each request is sent at its scheduled time whether or
// not earlier ones have answered, and its latency counts from that time,
// so that a stalled server cannot hide its stall) or as fast as a number
// of senders can (closed loop).
//
// # Referrals
//
// The bodies come from the shared generator, [synth.Generate]: [Referrals]
// keeps the referral records of a few generated data sets, made before the
// run starts so that generating never delays a send, and hands them out in
// turn, each under a new id so that every request stores a new referral.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/synth"
)

// Config says how to drive the server.
type Config struct {
	URL      string        // base URL of the server, e.g. http://127.0.0.1:8080
	Token    string        // API token of an intake_client user of it
	Rate     int           // requests per second, open loop; 0 means as fast as Workers allow
	Workers  int           // concurrent senders when Rate is 0
	Duration time.Duration // how long to send
	// Warmup is sent first, the same way, and not measured: a fresh
	// server's and store's first second (connections dialled, statements
	// prepared, the previous phase's garbage collected) is not what it
	// answers once running.
	Warmup time.Duration
	Seed   int64 // seed of the generated referrals
}

// Validate reports a configuration Intake cannot run.
func (c Config) Validate() error {
	switch {
	case c.Rate < 0:
		return errors.New("rate must not be negative")
	case c.Rate == 0 && c.Workers <= 0:
		return errors.New("workers must be positive when rate is 0")
	case c.Duration <= 0:
		return errors.New("duration must be positive")
	case c.Warmup < 0:
		return errors.New("warm-up must not be negative")
	}
	return nil
}

// Result is what a run measured.
type Result struct {
	Sent, Failed int
	Statuses     map[int]int     // answers by HTTP status; 0 counts requests that got none
	Latencies    []time.Duration // of the requests answered 201 Created
	Elapsed      time.Duration   // first send to last answer
}

// WriteText prints the run: what was sent, latency percentiles and the
// throughput achieved.
func (r Result) WriteText(w io.Writer, cfg Config) error {
	mode := fmt.Sprintf("open loop at %d req/s", cfg.Rate)
	if cfg.Rate == 0 {
		mode = fmt.Sprintf("closed loop with %d workers", cfg.Workers)
	}
	if cfg.Warmup > 0 {
		mode += fmt.Sprintf(" after a %v warm-up", cfg.Warmup)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "intake: %s for %v: %d sent, %d ok, %d failed %v\n",
		mode, cfg.Duration, r.Sent, len(r.Latencies), r.Failed, r.Statuses)
	if len(r.Latencies) > 0 {
		q := func(p float64) time.Duration { return r.Percentile(p).Round(10 * time.Microsecond) }
		fmt.Fprintf(&b, "latency: p50 %v  p95 %v  p99 %v  max %v\n", q(0.50), q(0.95), q(0.99), q(1))
		fmt.Fprintf(&b, "throughput: %.0f referrals/s\n", r.Rate())
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Intake drives cfg.URL with referrals from gen as cfg says, until
// cfg.Duration has passed or ctx is done (then it returns what it measured
// and ctx's error).
func Intake(ctx context.Context, cfg Config, gen *Referrals) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, fmt.Errorf("intake: %w", err)
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     time.Minute,
		},
	}
	defer client.CloseIdleConnections()
	return Drive(ctx, cfg, func(ctx context.Context) int {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL+"/api/v1/referrals", bytes.NewReader(gen.Next()))
		if err != nil {
			return 0
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
		resp, err := client.Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	})
}

// Drive calls send as cfg says (cfg.URL and cfg.Token aside): at cfg.Rate
// a second, each call on its own goroutine and timed from its scheduled
// time (open loop), or from cfg.Workers goroutines as fast as they go
// (closed loop), until cfg.Duration has passed or ctx is done. send returns
// the HTTP status its write got (201 when stored, 0 when none), so that
// the same figures come out for the API and for a store called directly,
// measured the same way in the same run.
func Drive(ctx context.Context, cfg Config, send func(context.Context) int) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, fmt.Errorf("drive: %w", err)
	}
	if cfg.Warmup > 0 {
		warm := cfg
		warm.Duration, warm.Warmup = cfg.Warmup, 0
		if _, err := Drive(ctx, warm, send); err != nil {
			return Result{}, err
		}
	}
	var (
		mu  sync.Mutex
		res = Result{Statuses: map[int]int{}}
		wg  sync.WaitGroup
	)
	one := func(due time.Time) {
		status := send(ctx)
		lat := time.Since(due)
		mu.Lock()
		defer mu.Unlock()
		res.Sent++
		res.Statuses[status]++
		if status == http.StatusCreated {
			res.Latencies = append(res.Latencies, lat)
		} else {
			res.Failed++
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
			wg.Go(func() { one(due) })
		}
	} else {
		for range cfg.Workers {
			wg.Go(func() {
				for time.Now().Before(end) && ctx.Err() == nil {
					one(time.Now())
				}
			})
		}
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, ctx.Err()
}

// Percentile returns the p-quantile (0 < p ≤ 1) of the run's latencies
// (nearest rank), or 0 when none answered.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	lat := slices.Sorted(slices.Values(r.Latencies))
	i := int(p*float64(len(lat))+0.5) - 1
	return lat[max(0, min(i, len(lat)-1))]
}

// Rate returns the writes stored per second over the run.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(len(r.Latencies)) / r.Elapsed.Seconds()
}

// Referrals hands out referral bodies for POST /api/v1/referrals, made by
// the shared generator. It is safe for concurrent use.
type Referrals struct {
	pool []body               // referral records, encoded around their id; read-only once made
	recs []*bonafide.Referral // the same, decoded, for a store called directly
	n    atomic.Int64         // bodies and records handed out
	run  string               // in every id, so that runs do not collide
}

// body is one referral's JSON, cut where its id goes, so that a body
// under a new id costs a copy: the sender shares the two cores with the
// server it measures, and encoding each body afresh took a tenth of the
// server's share.
type body struct{ before, after []byte }

// idMark stands in for the id while a body is encoded once.
const idMark = "\u0000bonafide-loadgen-id\u0000"

// familiesPerSet is how many families each generated data set has: about
// 270 referrals per 1,000 families.
const familiesPerSet = 4000

// NewReferrals generates data sets from seed on (seed, seed+1, …) with
// [synth.Generate] until it holds at least n referrals (and at least one
// set). Next hands them out in turn, starting again after the last one.
func NewReferrals(ctx context.Context, seed int64, n int) (*Referrals, error) {
	g := &Referrals{
		// Ids differ between runs so that a run against a long-lived
		// server does not collide with an earlier one.
		run: fmt.Sprintf("%08x", rand.Uint32()),
	}
	// The two years generated end a month ago: intake refuses times more
	// than a day ahead of the server's clock.
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(-2, -1, 0)
	for set := int64(0); set == 0 || len(g.pool) < n; set++ {
		var stream bytes.Buffer
		if _, err := synth.Generate(ctx, synth.Config{Seed: seed + set, Families: familiesPerSet, Start: start}, &stream, io.Discard); err != nil {
			return nil, fmt.Errorf("generate referrals: %w", err)
		}
		sc := bufio.NewScanner(&stream)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			var rec map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				return nil, fmt.Errorf("generated record: %w", err)
			}
			if string(rec["type"]) == `"referral"` {
				ref, err := interchange.DecodeReferral(sc.Bytes())
				if err != nil {
					return nil, fmt.Errorf("generated referral: %w", err)
				}
				b, err := cut(rec)
				if err != nil {
					return nil, err
				}
				g.pool = append(g.pool, b)
				g.recs = append(g.recs, ref)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
		if len(g.pool) == 0 {
			return nil, errors.New("generate referrals: the generator made none")
		}
	}
	return g, nil
}

// Len returns how many distinct referrals the pool holds.
func (g *Referrals) Len() int { return len(g.pool) }

// NextRecord returns the next referral decoded, under a new id, as the
// intake handler hands it to the store: a store driven with these does the
// store's own work alone, with no JSON decoding. The copy shares the pool
// referral's slices, which a store's Add only reads.
func (g *Referrals) NextRecord() *bonafide.Referral {
	n := int(g.n.Add(1))
	ref := *g.recs[(n-1)%len(g.recs)]
	ref.ID = g.id(n)
	return &ref
}

func (g *Referrals) id(n int) string { return fmt.Sprintf("BENCH-%s-%08d", g.run, n) }

// Next returns the body of the next referral, under a new id
// ("BENCH-<run>-<n>").
func (g *Referrals) Next() []byte {
	n := int(g.n.Add(1))
	b := g.pool[(n-1)%len(g.pool)]
	id := g.id(n) // letters, digits and hyphens: its JSON is itself in quotes
	out := make([]byte, 0, len(b.before)+len(id)+2+len(b.after))
	out = append(out, b.before...)
	out = append(out, '"')
	out = append(out, id...)
	out = append(out, '"')
	return append(out, b.after...)
}

// cut encodes rec as the generator wrote it ("A&E", not "A\u0026E") with
// idMark as its id, and cuts it there.
func cut(rec map[string]json.RawMessage) (body, error) {
	mark, _ := json.Marshal(idMark)
	withMark := make(map[string]json.RawMessage, len(rec))
	for k, v := range rec {
		withMark[k] = v
	}
	withMark["id"] = mark
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(withMark); err != nil {
		return body{}, fmt.Errorf("generated record: %w", err)
	}
	before, after, ok := bytes.Cut(bytes.TrimSuffix(b.Bytes(), []byte("\n")), mark)
	if !ok || bytes.Contains(after, mark) {
		return body{}, errors.New("generated record: its id cannot be marked")
	}
	return body{before: before, after: after}, nil
}
