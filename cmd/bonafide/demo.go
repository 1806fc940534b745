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

	"bonafide"
	"bonafide/auditlog"
	"bonafide/httpapi"
	"bonafide/interchange"
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
	if err := c.logConfig.validate(); err != nil {
		return err
	}
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
	fs := newFlagSet("demo", "demo [flags]", std)
	env := &envDefaults{std: std}
	cfg.logConfig.flags(fs, env)
	env.string(fs, &cfg.Dir, "dir", "BONAFIDE_DEMO_DIR", "directory for the store and data (default: a new temporary directory, removed on exit)")
	env.int(fs, &cfg.Families, "families", "BONAFIDE_DEMO_FAMILIES", "number of families to generate")
	env.int64(fs, &cfg.Seed, "seed", "BONAFIDE_DEMO_SEED", "random seed of the generated data")
	env.string(fs, &cfg.Addr, "addr", "BONAFIDE_ADDR", "address to listen on; if taken, a free loopback port is used")
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
	stats, err := generate(ctx, synthConfig{Seed: cfg.Seed, Families: cfg.Families, Out: dir}, stream, filepath.Join(dir, "truth.jsonl"))
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
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		logger.Warn("address taken; using a free port", slog.String("addr", cfg.Addr), slog.Any("error", err))
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	scfg := defaultServeConfig()
	scfg.logConfig = cfg.logConfig
	// serve closes the store it is given; a.Close does that here, after
	// the last audit checkpoint.
	err = serve(ctx, ln, keepOpen{store}, scfg, logger, func(addr string) {
		printDemoHelp(std.out, "http://"+addr, dir, example)
	})
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

// keepOpen is a store whose Close does nothing, for handing to code that
// closes what it is given when the caller closes it later.
type keepOpen struct{ bonafide.Store }

func (keepOpen) Close() error { return nil }

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

func printDemoHelp(w io.Writer, base, dir, id string) {
	lines := []string{
		"",
		"bonafide is serving the demo store at " + base,
		"Data, store, keys (master.key, audit.key) and example bodies are in " + dir,
		"",
		"Try:",
		"  curl -s " + base + "/healthz",
		"  curl -s " + base + "/api/v1/referrals/" + url.PathEscape(id),
		"  curl -si -H 'Content-Type: application/json' --data-binary @" + filepath.Join(dir, "referral.json") + " " + base + "/api/v1/referrals",
		"  curl -s " + base + "/api/v1/referrals/DEMO-0001",
		"  curl -s -H 'Content-Type: application/x-ndjson' --data-binary @" + filepath.Join(dir, "bulk.jsonl") + " " + base + "/api/v1/import",
		"  curl -s -H 'Content-Type: application/x-ndjson' --data-binary @" + filepath.Join(dir, "bulk.jsonl") + " '" + base + "/api/v1/import?skip_invalid=true'",
		"  curl -s " + base + "/api/v1/openapi.json",
		"",
		"Press Ctrl-C to stop.",
		"",
	}
	io.WriteString(w, strings.Join(lines, "\n"))
}
