package main

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"bonafide/loadgen"
)

// TestBenchIntake runs a short open-loop and closed-loop intake benchmark
// against its own server and checks that every request was stored and the
// figures are printed.
func TestBenchIntake(t *testing.T) {
	tests := []struct {
		name string
		args []string
		sent string
	}{
		{"open loop", []string{"bench", "intake", "--compare=false", "--rate", "100", "--duration", "500ms"}, "50 sent, 50 ok, 0 failed"},
		{"closed loop", []string{"bench", "intake", "--compare=false", "--rate", "0", "--workers", "4", "--duration", "300ms"}, " ok, 0 failed"},
		{"store beside HTTP", []string{"bench", "intake", "--rate", "100", "--workers", "4", "--duration", "300ms"}, "== HTTP / store: throughput "},
	}
	figures := regexp.MustCompile(`latency: p50 \S+  p95 \S+  p99 \S+  max \S+\nthroughput: \d+ referrals/s`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, "", tt.args...)
			if code != 0 {
				t.Fatalf("bonafide %q exit = %d, want 0; stderr:\n%s", tt.args, code, stderr)
			}
			if !strings.Contains(stdout, tt.sent) || !figures.MatchString(stdout) {
				t.Errorf("bonafide %q stdout = %q, want %q and the latency and throughput lines", tt.args, stdout, tt.sent)
			}
		})
	}
}

// referralGen hands out referral bodies to the tests that post them: the
// bench's own generator (loadgen, on synth).
type referralGen struct{ r *loadgen.Referrals }

func newReferralGen(seed int64) referralGen {
	r, err := loadgen.NewReferrals(context.Background(), seed, 1)
	if err != nil {
		panic(err) // the generator is deterministic: it fails for every test or none
	}
	return referralGen{r}
}

func (g referralGen) next() []byte { return g.r.Next() }

// TestBenchIntakePostgres runs the store and the server over HTTP in one
// run on PostgreSQL, and checks that the schemas it made are gone after.
func TestBenchIntakePostgres(t *testing.T) {
	base := os.Getenv("BONAFIDE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("PostgreSQL tests need BONAFIDE_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	args := []string{"bench", "intake", "--db", base, "--rate", "50", "--workers", "4", "--duration", "300ms"}
	code, stdout, stderr := run(t, nil, "", args...)
	if code != 0 {
		t.Fatalf("bonafide %q exit = %d, want 0; stderr:\n%s", args, code, stderr)
	}
	for _, want := range []string{"fresh schemas of postgres://", "== store alone", "== over HTTP", "== HTTP / store: throughput "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bonafide %q stdout = %q, want %q", args, stdout, want)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'bonafide_bench_' || $1::text || '_%'`,
		strconv.Itoa(os.Getpid())).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("after the bench, %d of its schemas are left, want 0", left)
	}
}

// TestBenchIntakeReports checks what issue #20 asks of the bench besides
// the rates: the CPU a referral costs in each phase, the p50 and p99 of
// both loops side by side, and the CPU-bound process it can run beside
// itself (`bench burn`, which ends when its standard input closes).
func TestBenchIntakeReports(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout *regexp.Regexp
		stderr string
	}{
		{"cpu and percentiles", []string{"bench", "intake", "--rate", "50", "--workers", "4", "--duration", "300ms"}, 0,
			regexp.MustCompile(`(?s)cpu: \d+ µs a referral stored.*cpu: \d+ µs a referral stored .*finish triage and stop.*== HTTP / store: throughput \S+ / \S+ = \S+; at 50 req/s p50 \S+ / \S+, p99 \S+ / \S+ = `), ""},
		{"burn ends with its input", []string{"bench", "burn"}, 0, regexp.MustCompile(`^$`), ""},
		{"burn bounded", []string{"bench", "intake", "--burn", "65"}, 2, regexp.MustCompile(`^$`), "--burn 65"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, "", tt.args...)
			if code != tt.code || !tt.stdout.MatchString(stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("bonafide %q = %d, stdout %q, stderr %q; want %d, stdout matching %s, stderr with %q", tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}
