package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"bonafide"
	"bonafide/httpapi"
)

// serveConfig configures `bonafide serve`.
type serveConfig struct {
	dbConfig
	keyConfig
	logConfig
	Addr             string
	Migrate          bool
	ShutdownTimeout  time.Duration
	MaxReferralBytes int64
	MaxImportBytes   int64
	// MaxReferralsInFlight is httpapi.Server.MaxReferralsInFlight.
	MaxReferralsInFlight int
	// AllowPublic permits binding to a non-loopback address. The API has no
	// authentication yet, so serving it beyond this machine must be a
	// deliberate choice.
	AllowPublic bool
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		dbConfig:         defaultDBConfig(),
		logConfig:        defaultLogConfig(),
		Addr:             "127.0.0.1:8080",
		ShutdownTimeout:  30 * time.Second,
		MaxReferralBytes: httpapi.DefaultMaxReferralBytes,
		MaxImportBytes:   httpapi.DefaultMaxImportBytes,

		MaxReferralsInFlight: 512,
	}
}

func (c *serveConfig) flags(fs *flag.FlagSet, env *envDefaults) {
	c.dbConfig.flags(fs, env)
	c.keyConfig.flags(fs, env)
	c.logConfig.flags(fs, env)
	env.string(fs, &c.Addr, "addr", "BONAFIDE_ADDR", "address to listen on, host:port")
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "apply pending database migrations on start, instead of refusing a stale schema")
	env.duration(fs, &c.ShutdownTimeout, "shutdown-timeout", "BONAFIDE_SHUTDOWN_TIMEOUT", "how long requests in flight may run on after SIGTERM")
	env.int64(fs, &c.MaxReferralBytes, "max-referral-bytes", "BONAFIDE_MAX_REFERRAL_BYTES", "largest body of POST /api/v1/referrals")
	env.int64(fs, &c.MaxImportBytes, "max-import-bytes", "BONAFIDE_MAX_IMPORT_BYTES", "largest body of POST /api/v1/import")
	env.int(fs, &c.MaxReferralsInFlight, "max-referrals-in-flight", "BONAFIDE_MAX_REFERRALS_IN_FLIGHT", "referrals handled at once; more get 503 and Retry-After")
	fs.BoolVar(&c.AllowPublic, "allow-public", c.AllowPublic, "allow a non-loopback --addr (the API has no authentication yet)")
}

func (c serveConfig) validate() error {
	if err := c.dbConfig.validate(); err != nil {
		return err
	}
	if err := c.logConfig.validate(); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return usagef("--addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return usagef("--addr %q: bad port", c.Addr)
	}
	if !c.AllowPublic && !isLoopback(host) {
		return usagef("--addr %q is not a loopback address; the API has no authentication yet (give --allow-public to serve it anyway)", c.Addr)
	}
	if c.ShutdownTimeout <= 0 {
		return usagef("--shutdown-timeout must be positive")
	}
	if c.MaxReferralBytes <= 0 || c.MaxImportBytes <= 0 || c.MaxReferralsInFlight <= 0 {
		return usagef("body and in-flight limits must be positive")
	}
	return nil
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// runServe serves the intake API until SIGINT or SIGTERM, then stops
// accepting connections, lets requests in flight finish (up to
// --shutdown-timeout) and closes the store.
//
// It refuses a database whose schema is older than this binary (code
// stale_schema) unless --migrate is given: applying migrations is a
// deliberate step (`bonafide migrate`), not a side effect of a restart.
func runServe(ctx context.Context, args []string, std stdio) error {
	cfg := defaultServeConfig()
	fs := newFlagSet("serve", "serve [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if err := env.err(); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	logger := cfg.logConfig.logger(std.err)
	logger.Info("config", slog.String("db", cfg.dbConfig.redacted()), slog.String("addr", cfg.Addr),
		slog.Bool("migrate", cfg.Migrate), slog.Duration("shutdown_timeout", cfg.ShutdownTimeout))

	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, Migrate: cfg.Migrate}, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Close()
		return err
	}
	// a.Close writes the last audit checkpoint, then closes the store.
	err = serve(ctx, ln, keepOpen{a.Store}, cfg, logger, nil)
	if cerr := a.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	return err
}

// serve runs the API on ln until ctx is done and then closes store. ready,
// when not nil, is called with the listening address once it accepts.
func serve(ctx context.Context, ln net.Listener, store bonafide.Store, cfg serveConfig, logger *slog.Logger, ready func(addr string)) error {
	srv := httpapi.NewServer(store, logger)
	srv.MaxReferralBytes = cfg.MaxReferralBytes
	srv.MaxImportBytes = cfg.MaxImportBytes
	srv.MaxReferralsInFlight = cfg.MaxReferralsInFlight
	hs := srv.HTTPServer()
	logger.Info("listening", slog.String("addr", ln.Addr().String()))
	if ready != nil {
		ready(ln.Addr().String())
	}
	err := httpapi.Run(ctx, hs, ln, cfg.ShutdownTimeout)
	logger.Info("stopped serving; closing store")
	if cerr := store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	return err
}
