package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bonafide"
	"bonafide/account"
	"bonafide/auth"
	"bonafide/loadgen"
	"bonafide/sqlite"
)

// benchConfig configures `bonafide bench intake`.
type benchConfig struct {
	logConfig
	loadgen.Config // URL "" starts a server in-process on a fresh SQLite store, which makes its own Token
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

// runBench measures intake over HTTP with loadgen.Intake. The only
// benchmark is "intake". Without --url it serves a fresh SQLite store in a
// temporary directory, with durable commits, on a loopback port.
func runBench(ctx context.Context, args []string, std stdio) error {
	if len(args) == 0 || args[0] != "intake" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(std.err, "Usage: bonafide bench intake [flags]")
			return flag.ErrHelp
		}
		return usagef("want a benchmark name: intake")
	}
	cfg := benchConfig{logConfig: defaultLogConfig(), Config: loadgen.Config{Rate: 500, Workers: 32, Duration: 10 * time.Second, Seed: 1}}
	cfg.Level = "warn"
	sc := newSubcommand(std, "bench intake", "", "Posts generated referrals to POST /api/v1/referrals at a fixed rate (open loop) or as fast as --workers allow, and prints latency percentiles and throughput.")
	sc.logging(&cfg.logConfig)
	fs, env := sc.fs, sc.env
	env.string(fs, &cfg.URL, "url", "BONAFIDE_BENCH_URL", "base URL of a running server (default: start one on a fresh SQLite store)")
	env.int(fs, &cfg.Rate, "rate", "BONAFIDE_BENCH_RATE", "requests per second (open loop); 0 sends as fast as --workers allow")
	env.int(fs, &cfg.Workers, "workers", "BONAFIDE_BENCH_WORKERS", "concurrent senders when --rate is 0")
	env.duration(fs, &cfg.Duration, "duration", "BONAFIDE_BENCH_DURATION", "how long to send")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated referrals (synth)")
	env.secret(fs, &cfg.Token, "token", "BONAFIDE_BENCH_TOKEN", "API token of an intake_client user, with --url")
	sc.check(func() error { return cfg.validate() })
	if _, err := sc.parse(args[1:], noArgs); err != nil {
		return err
	}
	logger := sc.logger()

	// Enough distinct referrals for an open-loop run; a closed-loop run
	// goes round them again, under new ids.
	gen, err := loadgen.NewReferrals(ctx, cfg.Seed, min(cfg.Rate*int(cfg.Duration.Seconds()+1), 20000))
	if err != nil {
		return err
	}
	if cfg.URL == "" {
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
		cfg.URL = "http://" + ln.Addr().String()
		fmt.Fprintf(std.out, "serving a fresh SQLite store at %s (synchronous=FULL)\n", cfg.URL)
	}
	res, err := loadgen.Intake(ctx, cfg.Config, gen)
	if err != nil {
		return err
	}
	if err := res.WriteText(std.out, cfg.Config); err != nil {
		return err
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d requests failed", res.Failed, res.Sent)
	}
	return nil
}

// benchToken makes a sending system on the bench's own store and returns
// an API token of it, so that the bench drives the authenticated API as a
// real sender does.
func benchToken(ctx context.Context, users bonafide.UserStore) (string, error) {
	u, _, err := account.NewUser("bench-sender", bonafide.RoleIntakeMachine, "", "bench", auth.DefaultPasswordParams)
	if err != nil {
		return "", err
	}
	if u, err = users.CreateUser(ctx, u); err != nil {
		return "", err
	}
	_, tok, err := account.NewToken(ctx, users, u, "bonafide bench", "bench", time.Now())
	return tok, err
}
