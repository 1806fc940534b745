package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSubcommandParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    positional
		pos     []string
		out     string
		verbose bool
		err     string // "" for none
	}{
		{name: "flags first", args: []string{"--out", "o", "-v", "a", "b"}, want: atLeast(0, ""), pos: []string{"a", "b"}, out: "o", verbose: true},
		{name: "flags last", args: []string{"a", "b", "--out", "o", "-v"}, want: atLeast(0, ""), pos: []string{"a", "b"}, out: "o", verbose: true},
		{name: "flags between", args: []string{"a", "--out=o", "b", "--v=true"}, want: atLeast(0, ""), pos: []string{"a", "b"}, out: "o", verbose: true},
		{name: "value that looks like a flag", args: []string{"--out", "-v", "a"}, want: exactly(1, "one file"), pos: []string{"a"}, out: "-v"},
		{name: "dash is an argument", args: []string{"-", "--out", "o"}, want: exactly(1, "one file"), pos: []string{"-"}, out: "o"},
		{name: "double dash ends flags", args: []string{"--out", "o", "--", "-v", "--out"}, want: atLeast(0, ""), pos: []string{"-v", "--out"}, out: "o"},
		{name: "no arguments wanted", args: []string{"x", "-v"}, want: noArgs, err: `unexpected arguments ["x"]`},
		{name: "too many", args: []string{"24", "25", "--out", "o"}, want: exactly(1, "one entry number"), err: `want one entry number, got 2 arguments ["24" "25"]`},
		{name: "too few", args: []string{"--out", "o"}, want: exactly(1, "one entry number"), err: "want one entry number, got 0 arguments"},
		{name: "unknown flag after an argument", args: []string{"a", "--nope"}, want: atLeast(0, ""), err: "flag provided but not defined: -nope"},
		{name: "missing value", args: []string{"a", "--out"}, want: atLeast(0, ""), err: "flag needs an argument: -out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errb strings.Builder
			sc := newSubcommand(stdio{err: &errb}, "test", "ARGS", "tests")
			var out string
			var verbose bool
			sc.fs.StringVar(&out, "out", "", "output")
			sc.fs.BoolVar(&verbose, "v", false, "verbose")
			pos, err := sc.parse(tt.args, tt.want)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parse(%q) error = %v, want %q", tt.args, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse(%q) error = %v", tt.args, err)
			}
			if !reflect.DeepEqual(pos, tt.pos) || out != tt.out || verbose != tt.verbose {
				t.Errorf("parse(%q) = %q, --out %q, -v %v; want %q, %q, %v", tt.args, pos, out, verbose, tt.pos, tt.out, tt.verbose)
			}
		})
	}
}

// TestSubcommandEnv reads a flag's default from its variable; the flag wins
// wherever it stands.
func TestSubcommandEnv(t *testing.T) {
	env := map[string]string{"BONAFIDE_TEST_OUT": "from-env", "BONAFIDE_LOG_LEVEL": "loud"}
	std := stdio{err: &strings.Builder{}, getenv: func(k string) string { return env[k] }}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"variable", []string{"a"}, "from-env"},
		{"flag after argument wins", []string{"a", "--out", "flag"}, "flag"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc := newSubcommand(std, "test", "", "")
			var out string
			sc.env.string(sc.fs, &out, "out", "BONAFIDE_TEST_OUT", "output")
			if _, err := sc.parse(tt.args, atLeast(0, "")); err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("parse(%q) --out = %q, want %q", tt.args, out, tt.want)
			}
		})
	}
	sc := newSubcommand(std, "test", "", "")
	var lc logConfig
	sc.logging(&lc)
	_, err := sc.parse(nil, noArgs)
	if err == nil || !strings.Contains(err.Error(), `log level "loud"`) {
		t.Errorf("parse with BONAFIDE_LOG_LEVEL=loud: error = %v, want the log level refused", err)
	}
}

// TestHelpEverywhere asks every subcommand for --help: each exits 0 and
// prints the same shape.
func TestHelpEverywhere(t *testing.T) {
	subs := []string{
		"serve", "demo", "import", "export", "census", "synth", "migrate", "backup", "restore", "bench intake",
		"triage", "triage eval", "triage fit", "link", "link eval",
		"keys generate", "keys rotate",
		"audit verify", "audit prove", "audit check-proof", "audit checkpoint", "audit witness", "audit witness-key",
		"user bootstrap", "user add", "user list", "user disable", "user enable",
		"user token", "user tokens", "user revoke-token",
		"user reset-password", "user reset-totp", "user seal-totp",
		"locker init", "locker add-file", "locker add-page", "locker import-posts", "locker diary", "locker list",
		"locker delete", "locker timeline", "locker export", "locker verify", "locker timestamp", "locker serve",
	}
	covered := map[string]bool{}
	for _, s := range subs {
		covered[strings.Fields(s)[0]] = true
	}
	for _, c := range commands() {
		if !covered[c.name] {
			t.Errorf("command %s is not in this test", c.name)
		}
	}
	for _, s := range subs {
		for _, h := range []string{"--help", "-h"} {
			args := append(strings.Fields(s), h)
			code, _, stderr := run(t, nil, "", args...)
			if code != exitOK {
				t.Errorf("bonafide %s %s exit = %d, want 0", s, h, code)
			}
			for _, want := range []string{"Usage: bonafide " + s + " [flags]", "Flags may come before or after the arguments", "\n  -"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("bonafide %s %s lacks %q:\n%s", s, h, want, stderr)
				}
			}
		}
	}
	for _, g := range []string{"audit", "keys", "user", "locker"} {
		code, _, stderr := run(t, nil, "", g, "--help")
		if code != exitOK || !strings.Contains(stderr, "Run 'bonafide "+g+" <subcommand> --help'") {
			t.Errorf("bonafide %s --help = %d:\n%s", g, code, stderr)
		}
	}
}

// TestFlagsAfterArguments runs the two command lines of issue #14 that
// read a flag as an argument.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.jsonl", badFile)
	db := filepath.Join(dir, "a.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	code, stdout, stderr := run(t, nil, "", "import", bad, "--skip-invalid", "--db", db)
	if code != 0 || !strings.Contains(stdout, bad+": imported 2 records, skipped 2 invalid lines") {
		t.Fatalf("import FILE --skip-invalid = %d, %q %q; want 0 and two records imported", code, stdout, stderr)
	}
	if code, _, stderr := run(t, nil, "", "audit", "checkpoint", "--db", db, "--new"); code != 0 {
		t.Fatalf("audit checkpoint --new = %d; stderr:\n%s", code, stderr)
	}
	code, stdout, stderr = run(t, nil, "", "audit", "--db", db, "prove", "1")
	if code != 0 || !strings.HasPrefix(stdout, "bonafide audit proof v1\n") {
		t.Fatalf("audit --db X prove 1 = %d, %q %q; want 0 and a proof", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, nil, "", "audit", "prove", "1", "--db", db)
	if code != 0 || !strings.HasPrefix(stdout, "bonafide audit proof v1\n") {
		t.Fatalf("audit prove 1 --db X = %d, %q %q; want 0 and a proof", code, stdout, stderr)
	}
	proof := writeFile(t, dir, "proof", stdout)
	code, stdout, stderr = run(t, nil, "", "audit", "check-proof", proof, "--verifier-key", "nobody+00000000+AAAA")
	if code != 1 || !strings.Contains(stderr, "not the one you trust") {
		t.Errorf("check-proof FILE --verifier-key K = %d, %q %q; want the other key refused", code, stdout, stderr)
	}
}

// TestGroupErrors lists the valid subcommands when one is unknown.
func TestGroupErrors(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"audit", "want a subcommand: verify, prove, check-proof, checkpoint, witness or witness-key"},
		{"audit frob", `unknown subcommand "frob": want verify, prove, check-proof, checkpoint, witness or witness-key`},
		{"keys frob", `unknown subcommand "frob": want generate or rotate`},
		{"audit --db x.db", "want a subcommand: verify, prove, check-proof, checkpoint, witness or witness-key"},
	} {
		code, _, stderr := run(t, nil, "", strings.Fields(tt.args)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("bonafide %s = %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
