package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// run runs the command in-process and returns its exit status and output.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	env = withTestKeys(env)
	var out, errb bytes.Buffer
	std := stdio{
		in:     strings.NewReader(stdin),
		out:    &out,
		err:    &errb,
		getenv: func(k string) string { return env[k] },
	}
	code = runMain(context.Background(), args, std)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		stderr  string // must appear in stderr, exactly once
		noPrint bool   // stderr must be empty apart from usage
	}{
		{name: "no command", args: nil, code: 2, stderr: "Usage: bonafide <command>"},
		{name: "help", args: []string{"--help"}, code: 0, stderr: "Commands:"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{name: "serve help", args: []string{"serve", "--help"}, code: 0, stderr: "BONAFIDE_ADDR"},
		{name: "demo help", args: []string{"demo", "-h"}, code: 0, stderr: "-families"},
		{name: "import help", args: []string{"import", "--help"}, code: 0, stderr: "-skip-invalid"},
		{name: "export help", args: []string{"export", "--help"}, code: 0, stderr: "-out"},
		{name: "synth help", args: []string{"synth", "--help"}, code: 0, stderr: "-seed"},
		{name: "migrate help", args: []string{"migrate", "--help"}, code: 0, stderr: "BONAFIDE_DB or BONAFIDE_DB_FILE"},
		{name: "bench help", args: []string{"bench", "intake", "--help"}, code: 0, stderr: "-rate int"},
		{name: "bad flag", args: []string{"serve", "--nope"}, code: 2, stderr: "flag provided but not defined: -nope"},
		{name: "import without files", args: []string{"import"}, code: 2, stderr: "no files"},
		{name: "public address refused", args: []string{"serve", "--addr", "0.0.0.0:8080"}, code: 2, stderr: "not a loopback address"},
		{name: "bad address", args: []string{"serve", "--addr", "8080"}, code: 2, stderr: "want host:port"},
		{name: "public address needs a proxy", args: []string{"serve", "--addr", "192.0.2.1:8080"}, code: 2, stderr: "put an HTTPS proxy in front and give --allow-public --tls"},
		{name: "serve help names tls", args: []string{"serve", "--help"}, code: 0, stderr: "BONAFIDE_TLS"},
		{name: "bad trusted proxy", args: []string{"serve", "--trusted-proxy", "10.0.0.0/8, proxy.example"}, code: 2, stderr: `--trusted-proxy "proxy.example": want a CIDR prefix`},
		{name: "serve help names trusted proxies", args: []string{"serve", "--help"}, code: 0, stderr: "BONAFIDE_TRUSTED_PROXIES"},
		{name: "bad bool from env", env: map[string]string{"BONAFIDE_TLS": "maybe"}, args: []string{"serve"}, code: 2, stderr: `BONAFIDE_TLS="maybe"`},
		{name: "bench url needs a token", args: []string{"bench", "intake", "--url", "http://127.0.0.1:1"}, code: 2, stderr: "--url needs --token"},
		{name: "user help", args: []string{"user", "help"}, code: 0, stderr: "bootstrap|add|list|disable|token"},
		{name: "user list help", args: []string{"user", "list", "--help"}, code: 0, stderr: "Usage: bonafide user list"},
		{name: "user disable help", args: []string{"user", "disable", "--help"}, code: 0, stderr: "Usage: bonafide user disable [flags] NAME"},
		{name: "user bootstrap help", args: []string{"user", "bootstrap", "--help"}, code: 0, stderr: "-password-file"},
		{name: "bad log level from env", env: map[string]string{"BONAFIDE_LOG_LEVEL": "loud"}, args: []string{"migrate"}, code: 2, stderr: `log level "loud"`},
		{name: "bad log format", args: []string{"export", "--log-format", "xml"}, code: 2, stderr: `log format "xml"`},
		{name: "bad duration from env", env: map[string]string{"BONAFIDE_SHUTDOWN_TIMEOUT": "soon"}, args: []string{"serve"}, code: 2, stderr: `BONAFIDE_SHUTDOWN_TIMEOUT="soon"`},
		{name: "unreadable secret file", env: map[string]string{"BONAFIDE_DB_FILE": "/nonexistent/db-url"}, args: []string{"migrate"}, code: 2, stderr: `BONAFIDE_DB_FILE="/nonexistent/db-url": cannot read`},
		{name: "families must be positive", args: []string{"synth", "--families", "0"}, code: 2, stderr: "--families must be positive"},
		{name: "bench needs a name", args: []string{"bench"}, code: 2, stderr: "want a benchmark name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.env, "", tt.args...)
			if code != tt.code {
				t.Errorf("bonafide %q exit = %d, want %d; stderr:\n%s", tt.args, code, tt.code, stderr)
			}
			if n := strings.Count(stderr, tt.stderr); n != 1 {
				t.Errorf("bonafide %q stderr has %q %d times, want once:\n%s", tt.args, tt.stderr, n, stderr)
			}
		})
	}
}

// lines parses a JSON Lines file into generic values.
func lines(t *testing.T, path string) []any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const goodFile = `{"type":"referral","id":"REF-1","received_at":"2025-03-04T09:15:00Z","channel":"phone","reporter":{"given_name":"Orla","x_reporter_note":"kept"},"children":[{"given_name":"Rowan","family_name":"Ashdown","dob":"2019-05","role":"child","x_child":{"a":[1,2,{"b":null}]}}],"concerns":[{"category":"neglect","x_severity":3}],"immediate_danger":false,"x_top":"kept"}
{"type":"public_post","id":"P-1","platform":"snapgram","handle":"@ashdownfam","posted_at":"2025-03-01T18:00:00+01:00","text":"Barbecue!","media_note":"adults with wine","x_likes":120}
{"type":"referral","id":"REF-2","received_at":"2025-03-05T10:00:00Z","channel":"relay","relayed_from":{"agency":"National Child Protection Helpline","ref":"H-77","x_desk":"north"},"children":[{"given_name":"Isla"}],"immediate_danger":true}
{"type":"forum_post","id":"F-1","site":"natterbox","thread":"t/99","author_handle":"anon12","posted_at":"2025-03-02T08:00:00Z","text":"someone needs to report her"}
{"type":"outcome","referral_id":"REF-1","decided_at":"2025-04-01T12:00:00Z","decision":"no_further_action","finding":"unfounded"}
`

const badFile = `{"type":"referral","id":"REF-10","received_at":"2025-03-04T09:15:00Z","channel":"phone","children":[{"given_name":"Rowan"}],"immediate_danger":false}
{"type":"referral","id":"REF-11","received_at":"2025-03-04T09:15:00Z","channel":"fax","children":[{"given_name":"Theo"}],"immediate_danger":false}
{"type":"referral","id":"REF-12","received_at":"2025-03-04T09:15:00Z","channel":"phone","children":[{"given_name":"Esme"}],"immediate_danger":false}
{"type":"referral","id":"REF-13","received_at":"2025-03-04T09:15:00Z","channel":"phone","children":[{"given_name":"Kofi","dob":"2019-13-01"}],"immediate_danger":false}
`

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// exportLines exports the store at db and parses the output.
func exportLines(t *testing.T, db string) []any {
	t.Helper()
	out := filepath.Join(t.TempDir(), "export.jsonl")
	if code, _, stderr := run(t, nil, "", "export", "--db", db, "--out", out); code != 0 {
		t.Fatalf("export exit = %d, want 0; stderr:\n%s", code, stderr)
	}
	return lines(t, out)
}

func TestImport(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.jsonl", goodFile)
	bad := writeFile(t, dir, "bad.jsonl", badFile)
	unjudgeable := writeFile(t, dir, "unjudgeable.jsonl",
		`{"type":"referral","id":"U-1","received_at":"0001-01-01T00:00:00Z","channel":"phone","children":[{"given_name":"Ivo"}]}`+"\n"+
			`{"type":"referral","id":"U-2","received_at":"9999-12-31T23:59:59Z","channel":"phone","immediate_danger":true,"children":[{"given_name":"Ivo"}]}`+"\n"+
			`{"type":"referral","id":"U-3\u0000","received_at":"2025-01-01T00:00:00Z","channel":"phone","children":[{"given_name":"Ivo"}]}`+"\n")
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		stdout   []string
		stderr   []string
		exported int
	}{
		{
			name: "good file", args: []string{good}, code: 0,
			stdout: []string{good + ": imported 5 records"}, exported: 5,
		},
		{
			name: "good file from stdin", args: []string{"-"}, stdin: goodFile, code: 0,
			stdout: []string{"-: imported 5 records"}, exported: 5,
		},
		{
			name: "bad file writes nothing", args: []string{bad}, code: 1,
			stderr: []string{
				bad + `: line 2: channel: "fax" is not one of`,
				bad + `: line 4: children[0].dob: "2019-13-01"`,
				bad + ": 2 invalid lines; nothing of this file imported",
			},
			exported: 0,
		},
		{
			name: "bad file does not stop a good one", args: []string{bad, good}, code: 1,
			stdout: []string{good + ": imported 5 records", "imported 5 records from 1 of 2 files"},
			stderr: []string{bad + ": 2 invalid lines"}, exported: 5,
		},
		{
			name: "skip invalid", args: []string{"--skip-invalid", bad}, code: 0,
			stdout:   []string{bad + ": imported 2 records, skipped 2 invalid lines"},
			stderr:   []string{bad + `: line 2: channel:`, bad + `: line 4: children[0].dob:`},
			exported: 2,
		},
		{
			name: "file already imported", args: []string{good, good}, code: 1,
			stderr: []string{good + `: import: line 1: referral "REF-1" is already stored`}, exported: 5,
		},
		{
			name: "times no assessment can be made of", args: []string{unjudgeable}, code: 1,
			stderr: []string{
				unjudgeable + `: line 1: received_at: "0001-01-01T00:00:00Z" is before 1900-01-01`,
				unjudgeable + `: line 2: received_at: 9999-12-31T23:59:59Z is more than a day after this server's clock`,
				unjudgeable + `: line 3: id: holds control character U+0000`,
				unjudgeable + ": 3 invalid lines; nothing of this file imported",
			},
			exported: 0,
		},
		{
			name: "missing file", args: []string{filepath.Join(dir, "nope.jsonl")}, code: 1,
			stderr: []string{"nope.jsonl: no such file or directory"}, exported: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "b.db")
			if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
				t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
			}
			env := map[string]string{"BONAFIDE_DB": db}
			code, stdout, stderr := run(t, env, tt.stdin, append([]string{"import"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("import exit = %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("import stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("import stderr lacks %q:\n%s", s, stderr)
				}
			}
			if n := len(exportLines(t, db)); n != tt.exported {
				t.Errorf("store holds %d records after import, want %d", n, tt.exported)
			}
		})
	}
}

// TestDBFromFile reads the store's name from BONAFIDE_DB_FILE, as a
// secret mounted in a file.
func TestDBFromFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "f.db")
	file := writeFile(t, dir, "db-url", db+"\n")
	code, stdout, stderr := run(t, map[string]string{"BONAFIDE_DB_FILE": file}, "", "migrate")
	if code != 0 || !strings.Contains(stdout, db+": applied") {
		t.Fatalf("migrate with BONAFIDE_DB_FILE = %d, %q %q; want 0 and %s migrated", code, stdout, stderr, db)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the store named in BONAFIDE_DB_FILE was not created: %v", err)
	}
}

func TestMigrate(t *testing.T) {
	// A database of an older binary: it holds tables, but none of the
	// migrations are recorded as applied. (A new, empty one gets its
	// schema on first use: see TestNewStore.)
	db := filepath.Join(t.TempDir(), "m.db")
	old, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec("CREATE TABLE legacy (x)"); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		output string
	}{
		{"export refuses a stale schema", []string{"export", "--db", db}, 1, "run `bonafide migrate`"},
		{"serve refuses a stale schema", []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, 1, "run `bonafide migrate`"},
		{"first migrate applies", []string{"migrate", "--db", db}, 0, "applied the pending migrations"},
		{"second migrate does nothing", []string{"migrate", "--db", db}, 0, "nothing to apply"},
		{"export works", []string{"export", "--db", db}, 0, "exported 0 records"},
	}
	for _, st := range steps {
		code, stdout, stderr := run(t, nil, "", st.args...)
		if code != st.code || !strings.Contains(stdout+stderr, st.output) {
			t.Fatalf("%s: bonafide %q = %d, %q%q; want %d and %q", st.name, st.args, code, stdout, stderr, st.code, st.output)
		}
	}
}

// TestExportRoundTrip imports a file and exports it again: the same
// records come out, in the same order, unknown members included, but
// without the referrals' reporters, which the default export omits.
func TestExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "", "synth", "--seed", "7", "--families", "150", "--start", "2023-01-02", "--out", dir); code != 0 {
		t.Fatalf("synth exit = %d; stderr:\n%s", code, stderr)
	}
	tests := []struct {
		name string
		file string
	}{
		{"hand-written with unknown members", writeFile(t, dir, "good.jsonl", goodFile)},
		{"generated", filepath.Join(dir, "stream.jsonl")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "r.db")
			run(t, nil, "", "migrate", "--db", db)
			if code, _, stderr := run(t, nil, "", "import", "--db", db, tt.file); code != 0 {
				t.Fatalf("import exit = %d; stderr:\n%s", code, stderr)
			}
			want := withoutReporters(lines(t, tt.file))
			got := exportLines(t, db)
			if len(got) != len(want) || len(want) < 5 {
				t.Fatalf("export has %d records, want %d (at least 5)", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					g, _ := json.Marshal(got[i])
					w, _ := json.Marshal(want[i])
					t.Fatalf("export record %d = %s,\nwant %s", i+1, g, w)
				}
			}
		})
	}
}

// TestServe runs serve in-process, posts a referral, then cancels the
// context as SIGTERM does: serve must return nil, having closed the store
// with the referral in it.
func TestServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	tok := mustToken(t, db, "serve-sender")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	keys := withTestKeys(nil)
	std := stdio{in: strings.NewReader(""), out: io.Discard, err: pw, getenv: func(k string) string { return keys[k] }}
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--db", db, "--addr", "127.0.0.1:0", "--log-format", "text"}, std)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var addr string
	for addr == "" && sc.Scan() {
		if m := listeningRE.FindSubmatch(sc.Bytes()); m != nil {
			addr = string(m[1])
		}
	}
	if addr == "" {
		t.Fatalf("serve never logged its address; it returned %v", <-done)
	}
	go io.Copy(io.Discard, pr) // keep the log flowing
	body := newReferralGen(3).next()
	if status, err := postReferral(t, http.DefaultClient, "http://"+addr, "", body); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("POST without a token = %d, %v; want 401", status, err)
	}
	if status, err := postReferral(t, http.DefaultClient, "http://"+addr, tok, body); err != nil || status != http.StatusCreated {
		t.Fatalf("POST with a token = %d, %v; want 201", status, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel = %v, want nil", err)
	}
	got := exportLines(t, db)
	want := withoutReporters([]any{canonical(t, body)})[0]
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("store after serve = %v, want the posted referral %s without its reporter", got, body)
	}
}

func canonical(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// withoutReporters drops the reporter of each referral of recs (decoded
// lines), as the default export does, and returns recs.
func withoutReporters(recs []any) []any {
	for _, rec := range recs {
		if m, ok := rec.(map[string]any); ok && m["type"] == "referral" {
			delete(m, "reporter")
		}
	}
	return recs
}
