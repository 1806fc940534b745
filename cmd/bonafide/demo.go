package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/httpapi"
	"bonafide/interchange"
	"bonafide/triage"
	"bonafide/triage/live"
	"bonafide/vault"
)

// demoConfig configures `bonafide demo`.
type demoConfig struct {
	logConfig
	Dir      string // "" means a new temporary directory, removed on exit
	Families int
	Seed     int64
	Addr     string
}

func (c demoConfig) validate() error {
	if c.Families <= 0 {
		return usagef("--families must be positive")
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return usagef("--addr %q: want host:port", c.Addr)
	}
	if !isLoopback(host) {
		return usagef("--addr %q: the demo serves on loopback only", c.Addr)
	}
	return nil
}

// runDemo shows bonafide working on a fresh machine: it generates a
// synthetic data set (families, genuine referrals and harassment
// campaigns), imports it into a fresh SQLite store, serves the API and
// prints requests to try, until Ctrl-C. Reporters are sealed as everywhere
// else: on first run in a directory it generates a master key and an audit
// signing key there (mode 0600), and reuses them afterwards.
func runDemo(ctx context.Context, args []string, std stdio) error {
	cfg := demoConfig{logConfig: defaultLogConfig(), Families: 10000, Seed: 1, Addr: "127.0.0.1:8080"}
	cfg.Level = "warn" // keep the terminal for the instructions
	sc := newSubcommand(std, "demo", "", "Generates a synthetic data set, imports it into a fresh SQLite store, creates users and serves the API with requests to try, until Ctrl-C.")
	sc.logging(&cfg.logConfig)
	sc.env.string(sc.fs, &cfg.Dir, "dir", "BONAFIDE_DEMO_DIR", "directory for the store and data (default: a new temporary directory, removed on exit)")
	sc.env.int(sc.fs, &cfg.Families, "families", "BONAFIDE_DEMO_FAMILIES", "number of families to generate")
	sc.env.int64(sc.fs, &cfg.Seed, "seed", "BONAFIDE_DEMO_SEED", "random seed of the generated data")
	sc.env.string(sc.fs, &cfg.Addr, "addr", "BONAFIDE_ADDR", "loopback address to listen on (the demo serves this machine only); if taken, a free loopback port is used")
	sc.check(func() error { return cfg.validate() })
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	logger := sc.logger()

	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bonafide-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	db := filepath.Join(dir, "bonafide.db")
	if _, err := os.Stat(db); err == nil {
		return usagef("%s exists: the demo needs a fresh store; give another --dir", db)
	}

	fmt.Fprintf(std.out, "Generating %d families (seed %d) into %s ...\n", cfg.Families, cfg.Seed, dir)
	stream := filepath.Join(dir, "stream.jsonl")
	// The months generated end today, so that the demo's referrals are
	// recent (some decisions due, some overdue) and none is dated after the
	// store's clock, which intake refuses.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	stats, err := generate(ctx, synthConfig{Seed: cfg.Seed, Families: cfg.Families, Out: dir, Start: today.AddDate(0, -demoMonths, 0), Months: demoMonths},
		stream, filepath.Join(dir, "truth.jsonl"))
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	fmt.Fprintf(std.out, "Generated %d referrals: %d from %d harassment campaigns by %d trolls, %d relayed, %d in immediate danger.\n",
		stats.Referrals, stats.CampaignReferrals, stats.Campaigns, stats.Trolls, stats.Relays, stats.ImmediateDanger)
	keys, err := demoKeys(dir)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: db}, keyConfig: keys, Migrate: true}, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	store := a.Store
	f, err := os.Open(stream)
	if err != nil {
		return err
	}
	res, err := httpapi.Import(ctx, store, f, false)
	f.Close()
	if err != nil {
		return fmt.Errorf("import %s: %w", stream, err)
	}
	counts, err := store.Count(ctx)
	if err != nil {
		return err
	}
	if err := a.record(ctx, "records.import", stream, fmt.Sprintf("imported %d records", res.Imported)); err != nil {
		return err
	}
	fmt.Fprintf(std.out, "Imported %d records: %d referrals, %d public posts, %d forum posts, %d outcomes.\n",
		res.Imported, counts[bonafide.TypeReferral], counts[bonafide.TypePublicPost], counts[bonafide.TypeForumPost], counts[bonafide.TypeOutcome])

	example, err := writeDemoFiles(dir, stream)
	if err != nil {
		return err
	}
	if linked, err := triageDemo(ctx, a, logger); err != nil {
		return err
	} else if linked != "" {
		example = linked
	}
	creds, err := demoUsers(ctx, a.accounts(logger), std)
	if err != nil {
		return fmt.Errorf("demo users: %w", err)
	}
	if err := demoWork(ctx, a, stream, creds.SocialWorker.Name, creds.TeamManager.Name, logger, std.out); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		logger.Warn("address taken; using a free port", slog.String("addr", cfg.Addr), slog.Any("error", err))
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	scfg := defaultServeConfig()
	scfg.logConfig = cfg.logConfig
	scfg.Agency = demoAgency
	scfg.MetricsAddr = "127.0.0.1:0"
	scfg.DisclosureKeyFile = filepath.Join(dir, "disclosure.key")
	if _, err := os.Stat(scfg.DisclosureKeyFile); errors.Is(err, os.ErrNotExist) {
		if _, err := auditlog.GenerateSigningKeyFile(scfg.DisclosureKeyFile, disclosureKeyName); err != nil {
			return err
		}
	}
	err = serve(ctx, ln, a.api(), scfg, logger, func(addr, metrics string) {
		printDemoHelp(std.out, demoHelp{Base: "http://" + addr, Metrics: metrics, Dir: dir, Referral: example, Creds: creds})
	})
	// a.Close writes the last audit checkpoint, then closes the store.
	if cerr := a.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	if cfg.Dir == "" {
		fmt.Fprintf(std.out, "Stopped; removing %s.\n", dir)
	} else {
		fmt.Fprintf(std.out, "Stopped; the store and data stay in %s.\n", dir)
	}
	return err
}

// demoKeys returns the key files of the demo in dir, generating each that
// does not exist yet (mode 0600).
func demoKeys(dir string) (keyConfig, error) {
	k := keyConfig{MasterKeyFile: filepath.Join(dir, "master.key"), AuditKeyFile: filepath.Join(dir, "audit.key")}
	if _, err := os.Stat(k.MasterKeyFile); errors.Is(err, os.ErrNotExist) {
		if _, err := vault.GenerateMasterKeyFile(k.MasterKeyFile); err != nil {
			return k, err
		}
	}
	if _, err := os.Stat(k.AuditKeyFile); errors.Is(err, os.ErrNotExist) {
		if _, err := auditlog.GenerateSigningKeyFile(k.AuditKeyFile, auditlog.DefaultKeyName); err != nil {
			return k, err
		}
	}
	return k, nil
}

// writeDemoFiles writes example request bodies into dir and returns the id
// of a stored referral to fetch.
func writeDemoFiles(dir, stream string) (string, error) {
	f, err := os.Open(stream)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var stored string
	for rec, err := range interchange.NewReader(f).All() {
		if err != nil {
			return "", err
		}
		if ref, ok := rec.(*bonafide.Referral); ok {
			stored = ref.ID
			break
		}
	}
	if stored == "" {
		return "", errors.New("the generated data has no referral")
	}
	one := `{"type":"referral","id":"DEMO-0001","received_at":"2026-01-12T09:30:00Z","channel":"phone",` +
		`"knowledge_basis":"professional","reporter":{"given_name":"Ada","family_name":"Pennock","relationship":"teacher","organisation":"Kessington Primary"},` +
		`"children":[{"given_name":"Nell","family_name":"Garside","dob":"2018-04","role":"child"}],` +
		`"address":{"line1":"4 Orchard Row","town":"Kessington","postcode":"KX3 4AB"},` +
		`"concerns":[{"category":"neglect","detail":"arrives hungry most days"}],` +
		`"narrative":"Nell has come to school hungry and in the same clothes all week.","immediate_danger":false}`
	bad := `{"type":"referral","id":"DEMO-0002","received_at":"2026-01-12T10:00:00Z","channel":"phone","children":[{"given_name":"Ivo","dob":"2019-06-03"}]}` + "\n" +
		`{"type":"referral","id":"DEMO-0003","received_at":"yesterday","channel":"fax","children":[{"given_name":"Esme","dob":"2019-13-01"}]}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "referral.json"), []byte(one), 0o640); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "bulk.jsonl"), []byte(bad), 0o640); err != nil {
		return "", err
	}
	return stored, nil
}

// triageDemo triages the imported store once, before the server starts,
// as serve's triage service would (on the vault's blind keys), so that
// every referral's assessment, and with it its reporter links, is stored
// when the help is printed. It returns the first referral whose reporter
// is linked to two or more earlier referrals (or, failing that, the most
// linked), so that the reporter-links example shows what a social worker
// sees of a repeat reporter; "" if there is none.
func triageDemo(ctx context.Context, a *app, logger *slog.Logger) (string, error) {
	as, err := assessmentStore(a.Store)
	if err != nil {
		return "", err
	}
	tc := triage.DefaultConfig()
	tc.BlindKey = a.Vault.Blind
	best, bestN := "", 0
	svc, err := live.New(a.Store, as, live.Options{Config: tc, Logger: logger, Tail: -1, Each: func(x *triage.Assessment) {
		if n := x.ReporterLinks.Linked; bestN < 2 && n > bestN {
			best, bestN = x.ReferralID, n
		}
	}})
	if err != nil {
		return "", err
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		return "", fmt.Errorf("triage the demo store: %w", err)
	}
	return best, nil
}

// demoCreds are the demo's users, with their passwords and the sending
// system's token, to be printed once in the instructions and nowhere else.
type demoCreds struct {
	Admin, SocialWorker, TeamManager, DPO demoLogin
	Sender                                string // the intake_client user's name
	Token                                 string // its API token
}

// demoLogin is one user's name and generated password.
type demoLogin struct{ Name, Password string }

// demoUsers creates the demo's users as an operator would from the
// command line (each one in the audit log as made by cli:<login>): the
// first administrator, a social worker, a team manager, a data protection
// officer (all with generated passwords) and a sending system with a
// token.
func demoUsers(ctx context.Context, acc *account.Service, std stdio) (demoCreds, error) {
	var c demoCreds
	for _, u := range []struct {
		login *demoLogin
		name  string
		role  bonafide.Role
	}{
		{&c.Admin, "admin", bonafide.RoleAdministrator},
		{&c.SocialWorker, "social-worker", bonafide.RoleSocialWorker},
		{&c.TeamManager, "team-manager", bonafide.RoleTeamManager},
		{&c.DPO, "dpo", bonafide.RoleDPO},
	} {
		why := "demo user of the generated data set"
		if u.role == bonafide.RoleAdministrator {
			why = "first administrator (bootstrap), demo"
		}
		user, pw, err := addUser(ctx, acc, u.name, u.role, "", why)
		if err != nil {
			return c, err
		}
		*u.login = demoLogin{Name: user.Name, Password: pw}
	}
	c.Sender = "demo-sender"
	if _, _, err := addUser(ctx, acc, c.Sender, bonafide.RoleIntakeMachine, "", "demo sending system"); err != nil {
		return c, err
	}
	tok, err := addToken(ctx, acc, c.Sender, "bonafide demo")
	if err != nil {
		return c, err
	}
	c.Token = tok
	fmt.Fprintf(std.out, "Created users %s (administrator), %s, %s, %s and the sending system %s with an API token.\n",
		c.Admin.Name, c.SocialWorker.Name, c.TeamManager.Name, c.DPO.Name, c.Sender)
	return c, nil
}

// demoHelp is what the demo's instructions show.
type demoHelp struct {
	Base     string // http://host:port
	Metrics  string // the metrics URL, "" when none
	Dir      string
	Referral string // id of a stored referral
	Creds    demoCreds
}

// printDemoHelp prints the demo's users and passwords (this once: they
// are never logged) and curl lines to try, which TestDemo runs.
func printDemoHelp(w io.Writer, h demoHelp) {
	base, dir, id, c := h.Base, h.Dir, url.PathEscape(h.Referral), h.Creds
	swJar := filepath.Join(dir, "social-worker.cookies")
	dpoJar := filepath.Join(dir, "dpo.cookies")
	origin := "-H 'Origin: " + base + "'"
	jsonType := "-H 'Content-Type: application/json'"
	bearer := "-H 'Authorization: Bearer " + c.Token + "'"
	login := func(jar string, l demoLogin) string {
		return "  curl -s -c " + jar + " " + origin + " " + jsonType + " -d '{\"username\":\"" + l.Name + "\",\"password\":\"" + l.Password + "\"}' " + base + "/api/v1/login"
	}
	lines := []string{
		"",
		"bonafide is serving the demo store at " + base,
		"Data, store, keys (master.key, audit.key) and example bodies are in " + dir,
		"",
		"The web interface: open " + base + "/sign-in?username=" + url.QueryEscape(c.SocialWorker.Name),
		"and sign in with the password " + c.SocialWorker.Password + " (the social worker's; the team manager's is below).",
		"Whoever has an authenticator app enters its code on the next page; the DPO and the administrator set one up (a QR code) at their first sign-in.",
		"",
		"Users (passwords and the token are shown this once; the store keeps only hashes):",
		fmt.Sprintf("  %-14s %-24s %s", c.Admin.Name, "administrator", c.Admin.Password),
		fmt.Sprintf("  %-14s %-24s %s", c.SocialWorker.Name, "social_worker", c.SocialWorker.Password),
		fmt.Sprintf("  %-14s %-24s %s", c.TeamManager.Name, "team_manager", c.TeamManager.Password),
		fmt.Sprintf("  %-14s %-24s %s", c.DPO.Name, "data_protection_officer", c.DPO.Password),
		fmt.Sprintf("  %-14s %-24s token %s", c.Sender, "intake_client", c.Token),
		"",
		"Try (a session is a cookie in a jar file; a request that logs in or changes something with it sends Origin, as a browser does):",
		"  curl -s " + base + "/healthz",
		"  curl -s " + base + "/api/v1/referrals/" + id + "     # refused: log in first",
		login(swJar, c.SocialWorker),
		"  curl -s -b " + swJar + " " + base + "/api/v1/referrals/" + id,
		"  curl -s -b " + swJar + " " + base + "/api/v1/referrals/" + id + "/reporter/links",
		"  curl -si " + bearer + " " + jsonType + " --data-binary @" + filepath.Join(dir, "referral.json") + " " + base + "/api/v1/referrals",
		"  curl -s -b " + swJar + " " + base + "/api/v1/referrals/DEMO-0001",
		"  curl -s " + bearer + " -H 'Content-Type: application/x-ndjson' --data-binary @" + filepath.Join(dir, "bulk.jsonl") + " " + base + "/api/v1/import",
		"  curl -s " + bearer + " -H 'Content-Type: application/x-ndjson' --data-binary @" + filepath.Join(dir, "bulk.jsonl") + " '" + base + "/api/v1/import?skip_invalid=true'",
		"  curl -s -b " + swJar + " -c " + swJar + " " + origin + " -X POST " + base + "/api/v1/logout",
		"  curl -s " + base + "/api/v1/openapi.json",
		"",
		"Metrics (Prometheus text format: triage backlog, decisions, audit log, requests) at " + h.Metrics,
		"  curl -s " + h.Metrics,
		"",
		"The data protection officer and the administrator need a second factor before anything else.",
		"Log in, start enrolment, add the secret it answers to an authenticator app, and confirm with a code:",
		login(dpoJar, c.DPO),
		"  curl -s -b " + dpoJar + " " + origin + " -X POST " + base + "/api/v1/me/totp",
		"  curl -s -b " + dpoJar + " -c " + dpoJar + " " + origin + " " + jsonType + " -d '{\"code\":\"" + demoCodePlaceholder + "\"}' " + base + "/api/v1/me/totp/confirm",
		"Then the officer may unseal a reporter, with a written reason that goes into the audit log:",
		"  curl -s -b " + dpoJar + " " + origin + " " + jsonType + " -d '{\"reason\":\"" + demoUnsealReason + "\"}' " + base + "/api/v1/referrals/" + id + "/reporter/unseal",
		"(The administrator enrols the same way, then adds users with POST /api/v1/users.)",
		"",
		"Press Ctrl-C to stop.",
		"",
	}
	io.WriteString(w, strings.Join(lines, "\n"))
}

// demoCodePlaceholder stands for the authenticator's code in the printed
// confirm line.
const demoCodePlaceholder = "CODE-FROM-YOUR-APP"

// demoUnsealReason is the reason of the demo's break-glass example.
const demoUnsealReason = "Demo: police request after a threat to the family, ref DEMO-77"
