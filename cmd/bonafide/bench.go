package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/auth"
	"bonafide/loadgen"
	"bonafide/vault"
)

// benchConfig configures `bonafide bench intake`.
type benchConfig struct {
	logConfig
	loadgen.Config // URL "" starts a server in-process on fresh stores, which makes its own Token
	// DB is where the in-process run keeps its stores: "" for fresh SQLite
	// files in a temporary directory, or a postgres:// URL in whose
	// database each store gets a fresh schema, dropped afterwards.
	DB string
	// Compare runs the store alone beside the API in the same run (the
	// default without --url): closed loop, then open loop at Rate, each
	// against the store called directly and over HTTP.
	Compare bool
	// CPUProfile, BlockProfile and MutexProfile, when set, are files the
	// profiles are written to (in-process only): the CPU profile one file
	// a phase, named CPUProfile plus the phase ("c.out.http-closed").
	CPUProfile, BlockProfile, MutexProfile string
	// MemProfile, when set, is the file prefix of an allocation profile
	// written at the end of each phase, cumulative since the start (pprof
	// -diff_base with the phase before gives the phase's own).
	MemProfile string
	// Burn is how many CPU-bound processes run beside the measured one
	// for the whole run (the binary itself, `bench burn`, one core's
	// worth each), to measure intake when it shares the cores.
	Burn int
}

func (c benchConfig) validate() error {
	if c.Rate < 0 {
		return usagef("--rate must not be negative")
	}
	if (c.Rate == 0 || c.Compare) && c.Workers <= 0 {
		return usagef("--workers must be positive")
	}
	if c.Compare && c.Rate == 0 {
		return usagef("--compare needs --rate: the open-loop rate both are timed at")
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
	if c.Burn < 0 || c.Burn > 64 {
		return usagef("--burn %d: want 0 to 64 CPU-bound processes", c.Burn)
	}
	if c.URL != "" && (c.Compare || c.DB != "" || c.CPUProfile != "" || c.BlockProfile != "" || c.MutexProfile != "" || c.MemProfile != "") {
		return usagef("--url drives another process: --compare, --db and the profiles are for the in-process server")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return usagef("--db %q: want a postgres:// URL (without it the bench uses fresh SQLite files)", c.DB)
	}
	return nil
}

// runBench measures intake with loadgen. The only benchmark is "intake".
//
// With --url it drives a running server over HTTP. Without, it opens
// fresh stores as `serve` opens them (vault sealing and blind tags, the
// safety assessment at intake, the audit log, cases) and, with --compare
// (the default then), measures in one run: the store alone (Store.Add
// from --workers goroutines, records decoded beforehand), the full server
// over loopback HTTP (token check, JSON decode, the store, the audit
// entry, family index, the triage service running beside it), then each
// open loop at --rate; and prints the HTTP figures as a share of the
// store's. Each phase has a fresh store, so that none inherits another's
// backlog of triage.
func runBench(ctx context.Context, args []string, std stdio) (err error) {
	if len(args) > 0 && args[0] == "burn" {
		return burn(ctx, std)
	}
	if len(args) == 0 || args[0] != "intake" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(std.err, "Usage: bonafide bench intake [flags]")
			return flag.ErrHelp
		}
		return usagef("want a benchmark name: intake")
	}
	cfg := benchConfig{logConfig: defaultLogConfig(), Config: loadgen.Config{Rate: 500, Workers: 64, Duration: 10 * time.Second, Warmup: time.Second, Seed: 1}}
	cfg.Level = "warn"
	compare := ""
	sc := newSubcommand(std, "bench intake", "", "Measures intake: the store alone and the server over HTTP in the same run (in-process), or a running server (--url); closed loop with --workers senders and open loop at --rate, with latency percentiles and throughput.")
	sc.logging(&cfg.logConfig)
	fs, env := sc.fs, sc.env
	env.string(fs, &cfg.URL, "url", "BONAFIDE_BENCH_URL", "base URL of a running server (default: start one in-process on fresh stores)")
	env.string(fs, &cfg.DB, "db", "BONAFIDE_BENCH_DB", "a postgres:// URL to keep the in-process stores in (fresh schemas, dropped after); default fresh SQLite files")
	env.int(fs, &cfg.Rate, "rate", "BONAFIDE_BENCH_RATE", "requests per second (open loop); 0 sends as fast as --workers allow (without --compare)")
	env.int(fs, &cfg.Workers, "workers", "BONAFIDE_BENCH_WORKERS", "concurrent senders of the closed loop")
	env.duration(fs, &cfg.Duration, "duration", "BONAFIDE_BENCH_DURATION", "how long each phase sends")
	env.duration(fs, &cfg.Warmup, "warmup", "BONAFIDE_BENCH_WARMUP", "sent first in each phase, the same way, and not measured (a fresh server's connections, prepared statements and first collection); 0 measures from the first request")
	fs.StringVar(&compare, "compare", "", "true or false: time the store alone beside the API (default true in-process, false with --url)")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated referrals (synth)")
	env.secret(fs, &cfg.Token, "token", "BONAFIDE_BENCH_TOKEN", "API token of an intake_client user, with --url")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of each phase to this file plus the phase's name (.store-closed, .http-closed, .store-open, .http-open)")
	fs.StringVar(&cfg.BlockProfile, "blockprofile", "", "write a blocking profile of the HTTP phases to this file")
	fs.StringVar(&cfg.MutexProfile, "mutexprofile", "", "write a mutex contention profile of the HTTP phases to this file")
	fs.StringVar(&cfg.MemProfile, "memprofile", "", "write an allocation profile at the end of each phase to this file plus the phase's name")
	fs.IntVar(&cfg.Burn, "burn", 0, "run this many CPU-bound processes beside the bench for the whole run (each spins one core)")
	sc.check(func() error {
		switch compare {
		case "":
			cfg.Compare = cfg.URL == ""
		case "true", "false":
			cfg.Compare = compare == "true"
		default:
			return usagef("--compare %q: want true or false", compare)
		}
		return cfg.validate()
	})
	if _, err := sc.parse(args[1:], noArgs); err != nil {
		return err
	}
	logger := sc.logger()

	// Enough distinct referrals for an open-loop run; a closed-loop run
	// goes round them again, under new ids.
	gen, err := loadgen.NewReferrals(ctx, cfg.Seed, min(max(cfg.Rate, 1)*int(cfg.Duration.Seconds()+1), 20000))
	if err != nil {
		return err
	}
	if cfg.URL != "" {
		if cfg.Burn > 0 {
			stopBurn, err := startBurn(ctx, cfg.Burn)
			if err != nil {
				return err
			}
			defer stopBurn()
		}
		res, err := loadgen.Intake(ctx, cfg.Config, gen)
		return report(std.out, res, cfg.Config, err)
	}
	b, err := newBencher(ctx, cfg, logger, std.out)
	if err != nil {
		return err
	}
	defer b.close()
	defer func() { err = errors.Join(err, b.writeProfiles()) }()

	if cfg.Burn > 0 {
		stopBurn, err := startBurn(ctx, cfg.Burn)
		if err != nil {
			return err
		}
		defer stopBurn()
		fmt.Fprintf(std.out, "bench intake: %d CPU-bound process(es) beside this one for the whole run\n", cfg.Burn)
	}

	closed, open := cfg.Config, cfg.Config
	closed.Rate = 0
	type pair struct{ store, http loadgen.Result }
	var cl, op pair
	var failed error // requests that failed, which fail the command once every phase has run
	phases := []struct {
		name, file string
		cfg        loadgen.Config
		http       bool
		out        *loadgen.Result
	}{
		{"store alone", "store-closed", closed, false, &cl.store},
		{"over HTTP", "http-closed", closed, true, &cl.http},
		{"store alone", "store-open", open, false, &op.store},
		{"over HTTP", "http-open", open, true, &op.http},
	}
	for _, ph := range phases {
		if !cfg.Compare && !ph.http {
			continue
		}
		if !cfg.Compare && ph.cfg.Rate != cfg.Rate {
			continue // without --compare, only the loop asked for
		}
		fmt.Fprintf(std.out, "== %s (load %s)\n", ph.name, loadAverage())
		if err := b.startProfile(ph.file); err != nil {
			return err
		}
		cpu0, heap0 := processCPU(), heapCounts()
		var (
			res  loadgen.Result
			tail time.Duration
		)
		if ph.http {
			res, tail, err = b.http(ctx, ph.cfg, gen)
		} else {
			res, err = b.store(ctx, ph.cfg, gen)
		}
		cpu, heap := processCPU()-cpu0, heapCounts().minus(heap0)
		if perr := b.stopProfile(ph.file); perr != nil {
			return perr
		}
		if err := report(std.out, res, ph.cfg, err); err != nil {
			if err != nil && res.Failed == 0 {
				return err
			}
			failed = errors.Join(failed, fmt.Errorf("%s: %w", ph.file, err)) // the other phases still run
		}
		if n := len(res.Latencies); n > 0 {
			fmt.Fprintf(std.out, "cpu: %.0f µs a referral stored (this process, user+sys, %.2f cores over %v)",
				float64(cpu.Microseconds())/float64(n), cpu.Seconds()/(res.Elapsed+tail).Seconds(), (res.Elapsed + tail).Round(time.Millisecond))
			if ph.http {
				fmt.Fprintf(std.out, "; after the last answer the server took %v to finish triage and stop", tail.Round(time.Millisecond))
			}
			fmt.Fprintln(std.out)
			fmt.Fprintf(std.out, "heap: %.1f KB allocated a referral stored (this process, the senders too), %d collections\n",
				float64(heap.allocated)/1e3/float64(n), heap.collections)
		}
		*ph.out = res
	}
	if cfg.Compare {
		q := func(r loadgen.Result, p float64) time.Duration { return r.Percentile(p).Round(10 * time.Microsecond) }
		fmt.Fprintf(std.out, "== HTTP / store: throughput %.0f / %.0f = %.2f; at %d req/s p50 %v / %v, p99 %v / %v = %.2f (load %s)\n",
			cl.http.Rate(), cl.store.Rate(), cl.http.Rate()/cl.store.Rate(),
			cfg.Rate, q(op.http, 0.5), q(op.store, 0.5), q(op.http, 0.99), q(op.store, 0.99),
			float64(op.http.Percentile(0.99))/float64(op.store.Percentile(0.99)), loadAverage())
	}
	return failed
}

// heapCount is what the process has allocated and how many collections
// it has run, from runtime/metrics: the garbage that the tail at a fixed
// rate follows.
type heapCount struct{ allocated, collections uint64 }

func heapCounts() heapCount {
	ms := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(ms)
	var c heapCount
	if ms[0].Value.Kind() == metrics.KindUint64 {
		c.allocated = ms[0].Value.Uint64()
	}
	if ms[1].Value.Kind() == metrics.KindUint64 {
		c.collections = ms[1].Value.Uint64()
	}
	return c
}

func (c heapCount) minus(o heapCount) heapCount {
	return heapCount{c.allocated - o.allocated, c.collections - o.collections}
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// burn is `bonafide bench burn`, the CPU-bound process --burn starts: it
// spins one core (one goroutine) until its standard input closes (its parent ended) or ctx
// is done.
func burn(ctx context.Context, std stdio) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, std.in)
		cancel()
	}()
	x := uint64(1)
	for ctx.Err() == nil {
		for range 1 << 16 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	if x == 0 {
		fmt.Fprintln(std.err, x) // keeps the loop from being optimised away
	}
	return nil
}

// startBurn starts n processes of `bonafide bench burn` and returns what
// ends them (each by its own pid, through its standard input and then a
// kill).
func startBurn(ctx context.Context, n int) (stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: --burn: %w", err)
	}
	var cmds []*exec.Cmd
	var pipes []io.Closer
	stop = func() {
		for _, p := range pipes {
			p.Close()
		}
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}
	for range n {
		c := exec.CommandContext(ctx, exe, "bench", "burn")
		w, err := c.StdinPipe()
		if err != nil {
			stop()
			return nil, fmt.Errorf("bench: --burn: %w", err)
		}
		if err := c.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("bench: --burn: %w", err)
		}
		cmds, pipes = append(cmds, c), append(pipes, w)
	}
	return stop, nil
}

// report prints one phase's result; a failed request fails the command.
func report(w io.Writer, res loadgen.Result, cfg loadgen.Config, err error) error {
	if err != nil {
		return err
	}
	if err := res.WriteText(w, cfg); err != nil {
		return err
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d requests failed", res.Failed, res.Sent)
	}
	return nil
}

// loadAverage is the machine's load average (1, 5, 15 minutes) as
// /proc/loadavg gives it, so that every figure is printed with the load it
// was measured under; "unknown" where there is no /proc.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// bencher opens the fresh stores of an in-process run, each as `serve`
// opens its own.
type bencher struct {
	cfg     benchConfig
	logger  *slog.Logger
	out     io.Writer
	dir     string // temporary: key files and SQLite files
	keys    keyConfig
	schemas []string // PostgreSQL schemas made, dropped by close
	n       int      // stores opened
	cpu     *os.File
}

func newBencher(ctx context.Context, cfg benchConfig, logger *slog.Logger, out io.Writer) (*bencher, error) {
	dir, err := os.MkdirTemp("", "bonafide-bench-")
	if err != nil {
		return nil, err
	}
	b := &bencher{cfg: cfg, logger: logger, out: out, dir: dir,
		keys: keyConfig{MasterKeyFile: filepath.Join(dir, "master.key"), AuditKeyFile: filepath.Join(dir, "audit.key")}}
	if _, err := vault.GenerateMasterKeyFile(b.keys.MasterKeyFile); err != nil {
		b.close()
		return nil, err
	}
	if _, err := auditlog.GenerateSigningKeyFile(b.keys.AuditKeyFile, auditlog.DefaultKeyName); err != nil {
		b.close()
		return nil, err
	}
	kind := "fresh SQLite files (WAL, synchronous=FULL)"
	if cfg.DB != "" {
		kind = "fresh schemas of " + redactURL(cfg.DB)
	}
	fmt.Fprintf(out, "bench intake: %s; %d workers closed loop, %d req/s open loop, %v each after a %v warm-up not measured; GOMAXPROCS %d\n",
		kind, cfg.Workers, cfg.Rate, cfg.Duration, cfg.Warmup, runtime.GOMAXPROCS(0))
	if cfg.BlockProfile != "" {
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	}
	if cfg.MutexProfile != "" {
		runtime.SetMutexProfileFraction(10)
	}
	return b, nil
}

// redactURL hides a URL's password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL)"
	}
	return u.Redacted()
}

// open opens a fresh store as serve does.
func (b *bencher) open(ctx context.Context) (*app, error) {
	b.n++
	db := filepath.Join(b.dir, fmt.Sprintf("bench-%d.db", b.n))
	if b.cfg.DB != "" {
		var err error
		if db, err = b.schema(ctx); err != nil {
			return nil, err
		}
	}
	return openApp(ctx, appConfig{dbConfig: dbConfig{DB: db}, keyConfig: b.keys, Migrate: true}, b.logger)
}

// schema makes a fresh schema in the PostgreSQL database and returns the
// URL that uses it.
func (b *bencher) schema(ctx context.Context) (string, error) {
	name := fmt.Sprintf("bonafide_bench_%d_%d", os.Getpid(), b.n)
	// The pool's own parameters (pool_max_conns, …) are not the server's.
	pcfg, err := pgxpool.ParseConfig(b.cfg.DB)
	if err != nil {
		return "", fmt.Errorf("bench: --db: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, pcfg.ConnConfig)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", fmt.Errorf("bench: create schema: %w", err)
	}
	b.schemas = append(b.schemas, name)
	u, err := url.Parse(b.cfg.DB)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// store drives Store.Add of a fresh store directly.
func (b *bencher) store(ctx context.Context, cfg loadgen.Config, gen *loadgen.Referrals) (loadgen.Result, error) {
	a, err := b.open(ctx)
	if err != nil {
		return loadgen.Result{}, err
	}
	defer a.Close()
	var failed error
	res, err := loadgen.Drive(ctx, cfg, func(ctx context.Context) int {
		if _, err := a.Store.Add(ctx, gen.NextRecord()); err != nil {
			failed = err
			return 0
		}
		return http.StatusCreated
	})
	if failed != nil {
		b.logger.Warn("bench: an Add failed", slog.Any("error", failed))
	}
	return res, err
}

// http drives the full server, on a fresh store, over loopback HTTP. It
// returns, besides the result, how long the server took after the last
// answer to finish triage's backlog, stop and close the store.
func (b *bencher) http(ctx context.Context, cfg loadgen.Config, gen *loadgen.Referrals) (_ loadgen.Result, tail time.Duration, err error) {
	a, err := b.open(ctx)
	if err != nil {
		return loadgen.Result{}, 0, err
	}
	var ended time.Time
	defer func() {
		err = errors.Join(err, a.Close())
		if !ended.IsZero() {
			tail = time.Since(ended)
		}
	}()
	if cfg.Token, err = benchToken(ctx, a.Users); err != nil {
		return loadgen.Result{}, 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadgen.Result{}, 0, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	scfg := defaultServeConfig()
	// Longer than the sender's timeout (30 s), so that an overrun open
	// loop's queued requests are answered or abandoned before the server
	// stops, and the phase is reported rather than cut short.
	scfg.ShutdownTimeout = 35 * time.Second
	ready := make(chan struct{})
	go func() { done <- serve(sctx, ln, a.api(), scfg, b.logger, func(string, string) { close(ready) }) }()
	defer func() {
		stop()
		if serr := <-done; serr != nil {
			err = errors.Join(err, fmt.Errorf("bench server: %w", serr))
		}
	}()
	select {
	case <-ready:
	case err := <-done:
		done <- err
		return loadgen.Result{}, 0, fmt.Errorf("bench server: %w", err)
	}
	cfg.URL = "http://" + ln.Addr().String()
	res, err := loadgen.Intake(ctx, cfg, gen)
	ended = time.Now()
	return res, 0, err
}

// startProfile starts the CPU profile of one phase.
func (b *bencher) startProfile(phase string) error {
	if b.cfg.CPUProfile == "" {
		return nil
	}
	f, err := os.Create(b.cfg.CPUProfile + "." + phase)
	if err != nil {
		return err
	}
	b.cpu = f
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.cpu = nil
		return err
	}
	return nil
}

// stopProfile ends the CPU profile of a phase and writes its allocation
// profile.
func (b *bencher) stopProfile(phase string) error {
	if b.cpu != nil {
		pprof.StopCPUProfile()
		err := b.cpu.Close()
		b.cpu = nil
		if err != nil {
			return err
		}
	}
	if b.cfg.MemProfile == "" {
		return nil
	}
	f, err := os.Create(b.cfg.MemProfile + "." + phase)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeProfiles writes the block and mutex profiles.
func (b *bencher) writeProfiles() error {
	for _, p := range []struct{ name, file string }{{"block", b.cfg.BlockProfile}, {"mutex", b.cfg.MutexProfile}} {
		if p.file == "" {
			continue
		}
		f, err := os.Create(p.file)
		if err != nil {
			return err
		}
		if err := pprof.Lookup(p.name).WriteTo(f, 0); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// close removes what the run made.
func (b *bencher) close() {
	if b.cpu != nil {
		pprof.StopCPUProfile()
		b.cpu.Close()
	}
	if len(b.schemas) > 0 {
		ctx := context.Background()
		if conn, err := pgx.Connect(ctx, b.cfg.DB); err == nil {
			for _, s := range b.schemas {
				if _, err := conn.Exec(ctx, "DROP SCHEMA "+s+" CASCADE"); err != nil {
					b.logger.Warn("bench: drop schema", slog.String("schema", s), slog.Any("error", err))
				}
			}
			conn.Close(ctx)
		}
	}
	os.RemoveAll(b.dir)
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
