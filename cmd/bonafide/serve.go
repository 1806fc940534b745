package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/auth"
	"bonafide/casework"
	"bonafide/disclosure"
	"bonafide/httpapi"
	"bonafide/triage"
	"bonafide/vault"
	"bonafide/web"
)

// serveConfig configures `bonafide serve`.
type serveConfig struct {
	storeConfig
	Addr             string
	Migrate          bool
	ShutdownTimeout  time.Duration
	MaxReferralBytes int64
	MaxImportBytes   int64
	// MaxReferralsInFlight is httpapi.Server.MaxReferralsInFlight.
	MaxReferralsInFlight int
	// AllowPublic permits binding to a non-loopback address. Every route
	// but health, the OpenAPI document and login needs a session or an API
	// token, but passwords, session cookies and tokens must not cross a
	// network in the clear: beyond this machine the API belongs behind an
	// HTTPS proxy, so serving there must be a deliberate choice.
	AllowPublic bool
	// TLS says clients reach the server over HTTPS (a proxy terminates
	// it), so that the session cookie takes the __Host- prefix.
	TLS bool
	// TrustedProxies lists the reverse proxies in front of the server, as
	// comma-separated CIDR prefixes; see httpapi.Server.TrustedProxies.
	TrustedProxies string
	// Agency heads the letters the case workflow renders.
	Agency casework.Agency
	// MetricsAddr, when set, is where GET /metrics answers in the
	// Prometheus format, on a listener of its own so that the API's
	// authentication and the scraper's stay apart; MetricsToken, when set,
	// is the bearer token a scrape must carry (required beyond loopback).
	MetricsAddr  string
	MetricsToken string
	// DisclosureKeyFile holds the key disclosure packages are signed with
	// (a note signer key, mode 0600); without one, nothing is released.
	DisclosureKeyFile string
	// WitnessKeys are the verifier keys (comma-separated) of the witnesses
	// whose cosignatures POST /api/v1/audit/cosignatures stores.
	WitnessKeys string
	// ReadDB is a PostgreSQL read replica's URL for the worklists and the
	// census; see appConfig.ReadDB.
	ReadDB string
}

// trustedProxies parses TrustedProxies; single addresses are accepted as
// one-address prefixes.
func (c serveConfig) trustedProxies() ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for part := range strings.SplitSeq(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return nil, usagef("--trusted-proxy %q: want a CIDR prefix such as 10.0.0.0/8, or an address", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		storeConfig:      defaultStoreConfig(),
		Addr:             "127.0.0.1:8080",
		ShutdownTimeout:  30 * time.Second,
		MaxReferralBytes: httpapi.DefaultMaxReferralBytes,
		MaxImportBytes:   httpapi.DefaultMaxImportBytes,

		MaxReferralsInFlight: 512,
		Agency:               casework.Agency{Name: "Children's Services", Team: "Front Door", Code: "BF"},
	}
}

// flags registers serve's flags on sc, validated by sc.parse.
func (c *serveConfig) flags(sc *subcommand) {
	sc.store(&c.storeConfig)
	fs, env := sc.fs, sc.env
	env.string(fs, &c.Addr, "addr", "BONAFIDE_ADDR", "address to listen on, host:port")
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "apply pending database migrations on start, instead of refusing a stale schema")
	env.duration(fs, &c.ShutdownTimeout, "shutdown-timeout", "BONAFIDE_SHUTDOWN_TIMEOUT", "how long requests in flight may run on after SIGTERM")
	env.int64(fs, &c.MaxReferralBytes, "max-referral-bytes", "BONAFIDE_MAX_REFERRAL_BYTES", "largest body of POST /api/v1/referrals")
	env.int64(fs, &c.MaxImportBytes, "max-import-bytes", "BONAFIDE_MAX_IMPORT_BYTES", "largest body of POST /api/v1/import")
	env.int(fs, &c.MaxReferralsInFlight, "max-referrals-in-flight", "BONAFIDE_MAX_REFERRALS_IN_FLIGHT", "referrals handled at once; more get 503 and Retry-After")
	env.bool(fs, &c.AllowPublic, "allow-public", "BONAFIDE_ALLOW_PUBLIC",
		"allow a non-loopback --addr; the API is authenticated, but passwords and cookies need HTTPS: put an HTTPS proxy in front (keeping the Host header) and give --tls")
	env.bool(fs, &c.TLS, "tls", "BONAFIDE_TLS",
		"clients reach the server over HTTPS (a proxy in front terminates it): the session cookie takes the __Host- prefix")
	env.string(fs, &c.Agency.Name, "agency", "BONAFIDE_AGENCY", "the agency's name, as letters are headed, e.g. \"Northbury Borough Council\"")
	env.string(fs, &c.Agency.Team, "agency-team", "BONAFIDE_AGENCY_TEAM", "the team that signs letters and takes replies")
	env.string(fs, &c.Agency.Email, "agency-email", "BONAFIDE_AGENCY_EMAIL", "the team's e-mail address, printed on letters")
	env.string(fs, &c.Agency.DPOEmail, "dpo-email", "BONAFIDE_DPO_EMAIL", "the data protection officer's address, which closure letters give for the police")
	env.string(fs, &c.Agency.Code, "agency-code", "BONAFIDE_AGENCY_CODE", "a short code that starts the references police quote to the data protection officer")
	env.string(fs, &c.MetricsAddr, "metrics-addr", "BONAFIDE_METRICS_ADDR", "address for GET /metrics (Prometheus), host:port on a listener of its own; none when empty")
	env.secret(fs, &c.MetricsToken, "metrics-token", "BONAFIDE_METRICS_TOKEN", "bearer token a metrics scrape must carry; required when --metrics-addr is not loopback")
	env.string(fs, &c.DisclosureKeyFile, "disclosure-key-file", "BONAFIDE_DISCLOSURE_KEY_FILE",
		"file holding the key police disclosure packages are signed with (mode 0600; default "+defaultDisclosureKeyFile+" if it exists); without one, nothing is released")
	env.secret(fs, &c.ReadDB, "read-db", "BONAFIDE_READ_DB", "a PostgreSQL read replica's URL: the worklists and the census read it, writes go to --db (docs/operations.md)")
	env.string(fs, &c.WitnessKeys, "witness-key", "BONAFIDE_WITNESS_KEYS", "verifier keys (comma-separated) of the witnesses whose cosignatures of audit checkpoints the server stores ('bonafide audit witness-key' prints one)")
	env.string(fs, &c.TrustedProxies, "trusted-proxy", "BONAFIDE_TRUSTED_PROXIES",
		"reverse proxies in front of the server (comma-separated CIDR prefixes): login throttling counts the client address they give in X-Forwarded-For, so that one client's failures do not slow everyone behind the proxy")
}

// validate checks what the store configuration does not.
func (c serveConfig) validate() error {
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return usagef("--addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return usagef("--addr %q: bad port", c.Addr)
	}
	if !c.AllowPublic && !c.loopback() {
		return usagef("--addr %q is not a loopback address; to serve beyond this machine put an HTTPS proxy in front and give --allow-public --tls", c.Addr)
	}
	if c.ReadDB != "" && !c.isPostgres() {
		return usagef("--read-db needs a PostgreSQL --db: a SQLite store has no replicas")
	}
	if _, err := witnessVerifiers([]string{c.WitnessKeys}); err != nil {
		return err
	}
	if c.MetricsAddr != "" {
		host, _, err := net.SplitHostPort(c.MetricsAddr)
		if err != nil {
			return usagef("--metrics-addr %q: want host:port, e.g. 127.0.0.1:9090", c.MetricsAddr)
		}
		if !isLoopback(host) && (!c.AllowPublic || c.MetricsToken == "") {
			return usagef("--metrics-addr %q is not a loopback address: give --allow-public and --metrics-token", c.MetricsAddr)
		}
	}
	if c.ShutdownTimeout <= 0 {
		return usagef("--shutdown-timeout must be positive")
	}
	if c.MaxReferralBytes <= 0 || c.MaxImportBytes <= 0 || c.MaxReferralsInFlight <= 0 {
		return usagef("body and in-flight limits must be positive")
	}
	return nil
}

// loopback reports whether --addr names only this machine.
func (c serveConfig) loopback() bool {
	host, _, err := net.SplitHostPort(c.Addr)
	return err == nil && isLoopback(host)
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
	sc := newSubcommand(std, "serve", "", "Serves the intake API until SIGINT or SIGTERM, then lets requests in flight finish; refuses a stale schema unless given --migrate.")
	cfg.flags(sc)
	sc.check(func() error { return cfg.validate() })
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	logger := sc.logger()
	logger.Info("config", slog.String("db", cfg.dbConfig.redacted()), slog.String("addr", cfg.Addr),
		slog.Bool("migrate", cfg.Migrate), slog.Bool("tls", cfg.TLS), slog.Duration("shutdown_timeout", cfg.ShutdownTimeout))
	if !cfg.loopback() && !cfg.TLS {
		logger.Warn("serving beyond loopback without --tls: passwords, session cookies and API tokens cross the network in the clear unless an HTTPS proxy is in front; if one is, give --tls")
	}

	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig, Migrate: cfg.Migrate, ReadDB: cfg.ReadDB}, logger)
	if err != nil {
		return err
	}
	// Failing before serving, serve leaves no new store behind.
	if err := hintBootstrap(ctx, a.Users, logger); err != nil {
		return errors.Join(err, a.discard())
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(err, a.discard())
	}
	err = serve(ctx, ln, a.api(), cfg, logger, func(addr, metrics string) {
		if metrics != "" {
			logger.Info("metrics", slog.String("url", metrics))
		}
	})
	// a.Close writes the last audit checkpoint, then closes the store.
	if cerr := a.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	return err
}

// hintBootstrap logs how to create the first administrator when there is
// no user at all: without one nobody can log in, and every route but
// health, the OpenAPI document and login answers 401.
func hintBootstrap(ctx context.Context, users bonafide.UserStore, logger *slog.Logger) error {
	n, err := users.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n == 0 {
		logger.Warn("there are no users yet, so nobody can log in: create the first administrator with 'bonafide user bootstrap' (same --db and keys), who then adds staff; sending systems need 'bonafide user add NAME --role intake_client' and 'bonafide user token NAME --label L'")
	}
	return nil
}

// apiDeps is what the API works on besides its configuration: the store
// and, from the same database, users, the audit log and the findings of
// earlier referrals; and the vault, which seals
// users' second-factor seeds and blinds the reporter identifiers triage
// links on.
type apiDeps struct {
	Store bonafide.Store
	Users bonafide.UserStore
	// Approvals keeps account changes waiting for a second administrator.
	Approvals bonafide.ApprovalStore
	Audit     *auditlog.Log
	Findings  httpapi.FindingReader
	Secrets   auth.SecretSealer
	Cases     bonafide.CaseStore
	// Disclosures keeps police disclosure requests and SARs; Tags is the
	// reporters' blind index, which the DPO's review counts links on.
	Disclosures bonafide.DisclosureStore
	Tags        vault.TagIndex
	// Blind, when set, is the vault's keyed hash that triage links
	// reporters on (triage.Config.BlindKey).
	Blind func(string) string
}

// api returns what the API needs of the app.
func (a *app) api() apiDeps {
	return apiDeps{Store: a.Store, Users: a.Users, Approvals: a.Approvals, Audit: a.Audit, Findings: a.Findings, Secrets: a.Vault, Cases: a.Cases, Disclosures: a.Disclosures, Tags: a.Tags, Blind: a.Vault.Blind}
}

// sessionSweepEvery is how often serve deletes sessions idle past their
// limit, which the API refuses anyway, so that the table does not grow.
const sessionSweepEvery = 10 * time.Minute

// serve runs the API on ln until ctx is done. It does not close the store:
// the caller does, once serve has returned and no handler can use it.
// ready, when not nil, is called with the listening address once it
// accepts, and the metrics URL ("" without --metrics-addr).
func serve(ctx context.Context, ln net.Listener, deps apiDeps, cfg serveConfig, logger *slog.Logger, ready func(addr, metrics string)) error {
	srv := httpapi.NewServer(deps.Store, logger)
	srv.MaxReferralBytes = cfg.MaxReferralBytes
	srv.MaxImportBytes = cfg.MaxImportBytes
	srv.MaxReferralsInFlight = cfg.MaxReferralsInFlight
	srv.Users = deps.Users
	if deps.Approvals != nil {
		srv.Approvals = deps.Approvals
	}
	srv.Audit = deps.Audit
	srv.Findings = deps.Findings
	srv.Secrets = deps.Secrets
	srv.TLS = cfg.TLS
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return err
	}
	srv.TrustedProxies = proxies
	if srv.Witnesses, err = witnessVerifiers([]string{cfg.WitnessKeys}); err != nil {
		return err
	}
	if deps.Cases != nil {
		if srv.Cases, err = newCaseService(deps, cfg.Agency, logger); err != nil {
			return err
		}
		families, err := casework.NewFamilies()
		if err != nil {
			return err
		}
		families.Logger = logger
		n, err := families.Sync(ctx, deps.Store)
		if err != nil {
			return err
		}
		logger.Info("family search index built", slog.Int("referrals", n), slog.Int("people", families.Len()))
		srv.Cases.Families = families
	}
	if deps.Disclosures != nil {
		if srv.Disclosures, err = newDisclosureService(deps, cfg, logger); err != nil {
			return err
		}
	}
	stopTriage, err := startTriage(ctx, deps.Store, srv, deps.Blind, logger)
	if err != nil {
		return err
	}
	if srv.Cases != nil && srv.Assessments != nil {
		srv.Cases.Assessments = srv.Assessments
	}
	stopMetrics, metricsURL, err := startMetrics(ctx, cfg, deps, srv, logger)
	if err != nil {
		stopTriage(cfg.ShutdownTimeout)
		return err
	}
	defer stopMetrics()
	if srv.Disclosures != nil && srv.Assessments != nil {
		srv.Disclosures.Assessments = srv.Assessments
	}
	srv.Pages = webPages(srv, logger)
	hs := srv.HTTPServer()

	sweepCtx, stopSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		sweepSessions(sweepCtx, deps.Users, srv, logger)
	}()
	logger.Info("listening", slog.String("addr", ln.Addr().String()))
	if ready != nil {
		ready(ln.Addr().String(), metricsURL)
	}
	err = httpapi.Run(ctx, hs, ln, cfg.ShutdownTimeout)
	stopSweep()
	<-swept
	stopTriage(cfg.ShutdownTimeout)
	logger.Info("stopped serving")
	return err
}

// sweepSessions deletes sessions idle longer than srv allows, every
// sessionSweepEvery, until ctx is done.
func sweepSessions(ctx context.Context, users bonafide.UserStore, srv *httpapi.Server, logger *slog.Logger) {
	if users == nil {
		return
	}
	tick := time.NewTicker(sessionSweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := users.DeleteSessionsBefore(ctx, srv.Now().Add(-srv.SessionIdle))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("session sweep failed", slog.Any("error", err))
		case n > 0:
			logger.Debug("expired sessions deleted", slog.Int64("sessions", n))
		}
	}
}

// newCaseService returns the case workflow over deps, its letters headed by
// agency (with DejaVu embedded when Debian's fonts-dejavu-core is
// installed, Helvetica otherwise).
func newCaseService(deps apiDeps, agency casework.Agency, logger *slog.Logger) (*casework.Service, error) {
	cal, err := triage.NewCalendar()
	if err != nil {
		return nil, err
	}
	letters, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1])
	if err != nil {
		logger.Warn("letters use Helvetica", slog.Any("error", err))
	}
	return &casework.Service{Cases: deps.Cases, Referrals: deps.Store, Audit: deps.Audit, Calendar: cal,
		Letters: letters, Agency: agency, Logger: logger}, nil
}

// defaultDisclosureKeyFile is the disclosure signing key serve reads when
// no --disclosure-key-file is given and the file exists.
const defaultDisclosureKeyFile = "bonafide-disclosure.key"

// disclosureKeyName names the disclosure key in package signatures.
const disclosureKeyName = "bonafide-disclosure"

// newDisclosureService returns lawful disclosure over deps, packages signed
// with the key of cfg.DisclosureKeyFile (or the default file, if it exists;
// without either, requests are filed and decided but nothing is released).
func newDisclosureService(deps apiDeps, cfg serveConfig, logger *slog.Logger) (*disclosure.Service, error) {
	svc := &disclosure.Service{Store: deps.Disclosures, Referrals: deps.Store, Cases: deps.Cases, Findings: deps.Findings,
		Tags: deps.Tags, Audit: deps.Audit, Agency: cfg.Agency.Name, Logger: logger}
	name := cfg.DisclosureKeyFile
	if name == "" {
		if _, err := os.Stat(defaultDisclosureKeyFile); err != nil {
			logger.Warn("no disclosure signing key: police disclosure requests can be filed and decided, but nothing is released",
				slog.String("make_one", "bonafide keys generate"))
			return svc, nil
		}
		name = defaultDisclosureKeyFile
	}
	k, err := auditlog.ReadSigningKeyFile(name)
	if err != nil {
		return nil, fmt.Errorf("disclosure key: %w", err)
	}
	svc.Signer = k
	return svc, nil
}

// webPages returns the web interface for srv's mux (package web), on the
// same account service and case workflow as the API. A binary built
// without the interface's assets serves the API alone and answers every
// page with why (web.ErrNoAssets), logged at start.
func webPages(srv *httpapi.Server, logger *slog.Logger) func(httpapi.PageContext) http.Handler {
	ui, err := web.New(web.Config{Cases: srv.Cases, Disclosures: srv.Disclosures, Audit: srv.Audit, Logger: logger, SessionIdle: srv.SessionIdle, Now: srv.Now})
	if err != nil {
		logger.Error("the web interface is not served", slog.Any("error", err))
		return func(httpapi.PageContext) http.Handler { return web.Unavailable(err) }
	}
	return func(pc httpapi.PageContext) http.Handler {
		return ui.Handler(web.Shared{Accounts: pc.Accounts, ClientIP: pc.ClientIP, SessionCookie: pc.SessionCookie,
			SetSession: pc.SetSession, ClearSession: pc.ClearSession, Evidence: pc.Evidence})
	}
}
