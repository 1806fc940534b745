package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs the demo on a small data set, then runs every curl line
// it prints (as the HTTP requests they stand for) and checks each answers
// as the demo means it to, then stops the demo as Ctrl-C does.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	std := stdio{in: strings.NewReader(""), out: pw, err: io.Discard, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, []string{"--dir", dir, "--families", "300", "--addr", "127.0.0.1:0"}, std)
		pw.Close()
	}()
	var curls []string
	var out strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "curl "); ok {
			curls = append(curls, c)
		}
		if strings.Contains(line, "Press Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if !strings.Contains(out.String(), "harassment campaigns") {
		t.Errorf("demo output lacks the data set summary:\n%s", out.String())
	}
	want := []int{200, 200, 201, 200, 400, 200, 200} // the bulk file has a bad line: first rejected, then skipped
	if len(curls) != len(want) {
		t.Fatalf("demo printed %d curl lines, want %d:\n%s", len(curls), len(want), out.String())
	}
	for i, c := range curls {
		req := curlRequest(t, c)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("curl %s: %v", c, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want[i] {
			t.Errorf("curl %s = %d, want %d; %s", c, resp.StatusCode, want[i], body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo after Ctrl-C = %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bonafide.db")); err != nil {
		t.Errorf("the store in --dir is gone after the demo: %v", err)
	}
}

// curlRequest turns the arguments of a printed curl line into a request.
// It knows the options the demo prints: -s, -i, -H and --data-binary @FILE.
func curlRequest(t *testing.T, line string) *http.Request {
	t.Helper()
	args := shellWords(line)
	method, url := "GET", ""
	var body []byte
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-s", "-si", "-i":
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Set(k, strings.TrimSpace(v))
		case "--data-binary":
			i++
			data, err := os.ReadFile(strings.TrimPrefix(args[i], "@"))
			if err != nil {
				t.Fatalf("curl %s: %v", line, err)
			}
			method, body = "POST", data
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("curl %s: option %s unknown to the test", line, a)
			}
			url = a
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("curl %s: %v", line, err)
	}
	req.Header = header
	return req
}

// shellWords splits a line on spaces, keeping single-quoted words whole.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
