package httpapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/sqlite"
)

// openStore opens a fresh, migrated SQLite store in t's temporary directory.
func openStore(tb testing.TB) bonafide.Store {
	tb.Helper()
	return openStoreAt(tb, filepath.Join(tb.TempDir(), "bonafide.db"))
}

// openStoreAt opens a migrated SQLite store at path, closed when tb ends.
func openStoreAt(tb testing.TB, path string) bonafide.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := st.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return st
}

// syncBuffer is a log destination that handlers on many goroutines share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testEnv struct {
	srv   *Server
	ts    *httptest.Server
	store bonafide.Store
	logs  *syncBuffer
	// token is an API token of a machine client (intake_client), which
	// do sends on unsafe requests; cookie is a social worker's session,
	// which do sends on safe ones.
	token, cookie string
}

// newEnv starts the API on a real loopback server over a real SQLite store,
// with a machine client's token and a social worker's session.
func newEnv(t *testing.T, configure func(*Server)) *testEnv {
	t.Helper()
	store := openStore(t)
	logs := &syncBuffer{}
	srv := NewServer(store, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv.Users = store.(*sqlite.Store).Users()
	srv.PasswordParams = testPasswordParams
	if configure != nil {
		configure(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &testEnv{srv: srv, ts: ts, store: store, logs: logs}
	e.token = mustToken(t, srv.Users, "sender")
	_, e.cookie = mustSession(t, srv, "worker", bonafide.RoleSocialWorker)
	return e
}

func (e *testEnv) do(t *testing.T, method, path, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if isUnsafe(method) {
		req.Header.Set("Authorization", "Bearer "+e.token)
	} else {
		req.AddCookie(&http.Cookie{Name: sessionCookiePlain, Value: e.cookie})
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, data
}

// count returns how many records the store holds.
func (e *testEnv) count(t *testing.T) int64 {
	t.Helper()
	counts, err := e.store.Count(context.Background())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}

// plantedReporter is reporter data (the reporter's family name and e-mail
// in referral) that must never reach a log or a GET response.
var plantedReporter = []string{"Quillfeather", "zq@example.org"}

// referral returns a valid referral as interchange JSON, with unknown
// members at the top and in a nested object, and a reporter.
func referral(id string) map[string]any {
	return map[string]any{
		"type":            "referral",
		"id":              id,
		"received_at":     "2025-03-04T09:15:00Z",
		"channel":         "phone",
		"knowledge_basis": "first_hand",
		"reporter": map[string]any{
			"given_name": "Zephyrine", "family_name": "Quillfeather",
			"email": "zq@example.org", "relationship": "neighbour",
		},
		"children": []any{map[string]any{
			"given_name": "Rowan", "family_name": "Ashdown", "dob": "2019-05-02", "role": "child",
			"x_school": map[string]any{"name": "Kessington Primary", "year": 2},
		}},
		"address":          map[string]any{"line1": "12 Mill Lane", "town": "Kessington", "postcode": "KX3 4AB"},
		"concerns":         []any{map[string]any{"category": "neglect", "detail": "no coat in snow"}},
		"narrative":        "Seen at the school gate at 8.40 without a coat, twice this week.",
		"immediate_danger": false,
		"x_source_system":  "helpdesk-7",
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// jsonLines joins records into a JSON Lines body.
func jsonLines(t *testing.T, recs ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		switch r := r.(type) {
		case string:
			b.WriteString(r)
		default:
			b.Write(mustJSON(t, r))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func decodeProblem(t *testing.T, resp *http.Response, body []byte) Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q (body %s)", ct, ProblemContentType, body)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %s: %v", body, err)
	}
	if p.Status != resp.StatusCode {
		t.Errorf("problem status = %d, want %d", p.Status, resp.StatusCode)
	}
	if p.Title == "" || p.Detail == "" {
		t.Errorf("problem %+v: empty title or detail", p)
	}
	if want := "urn:bonafide:request:" + resp.Header.Get("X-Request-ID"); p.Instance != want {
		t.Errorf("problem instance = %q, want %q", p.Instance, want)
	}
	return p
}

// canonical decodes JSON into a generic value, for comparisons that ignore
// member order and spacing.
func canonical(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("unmarshal %s: %v", data, err)
	}
	return v
}

func TestReferralCreateAndGet(t *testing.T) {
	e := newEnv(t, nil)
	sent := referral("REF-0001/a b")
	resp, body := e.do(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, sent))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST referral: status = %d, want 201; body %s", resp.StatusCode, body)
	}
	var created ReferralCreated
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	if created.ID != "REF-0001/a b" || created.Seq <= 0 {
		t.Errorf("POST referral = %+v, want id REF-0001/a b and seq > 0", created)
	}
	loc := resp.Header.Get("Location")
	if want := "/api/v1/referrals/REF-0001%2Fa%20b"; loc != want {
		t.Errorf("Location = %q, want %q", loc, want)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q, want default-src and frame-ancestors 'none'", csp)
	}

	resp, body = e.do(t, "GET", loc, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status = %d, want 200; body %s", loc, resp.StatusCode, body)
	}
	var view ReferralView
	if err := json.Unmarshal(body, &view); err != nil {
		t.Fatal(err)
	}
	if view.Seq != created.Seq || !view.HasReporter {
		t.Errorf("GET = seq %d has_reporter %v, want seq %d has_reporter true", view.Seq, view.HasReporter, created.Seq)
	}
	want := referral("REF-0001/a b")
	delete(want, "reporter")
	if got := canonical(t, view.Referral); !reflect.DeepEqual(got, canonical(t, mustJSON(t, want))) {
		t.Errorf("GET referral = %s,\nwant %s", view.Referral, mustJSON(t, want))
	}
	for _, planted := range plantedReporter {
		if strings.Contains(string(body), planted) {
			t.Errorf("GET referral shows the reporter's %q: %s", planted, body)
		}
		if logs := e.logs.String(); strings.Contains(logs, planted) {
			t.Errorf("log holds the reporter's %q:\n%s", planted, logs)
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"request":{"method":"POST","path":"/api/v1/referrals","status":201`) {
		t.Errorf("log lacks the request line for the POST:\n%s", logs)
	}
}

func TestReferralCreateRejects(t *testing.T) {
	big := referral("REF-BIG")
	big["narrative"] = strings.Repeat("x", 5000)
	noChildren := referral("REF-2")
	delete(noChildren, "children")
	badDate := referral("REF-3")
	badDate["children"] = []any{map[string]any{"given_name": "Isla", "dob": "2019-13-01"}}
	badEnum := referral("REF-4")
	badEnum["channel"] = "fax"
	twoFaults := referral("REF-5")
	twoFaults["channel"] = "fax"
	twoFaults["received_at"] = "yesterday"
	post := map[string]any{"type": "public_post", "id": "P-1", "posted_at": "2025-01-01T00:00:00Z"}

	tests := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		typ         string
		fields      []string // the field of each error, in order
	}{
		{"malformed JSON", "application/json", []byte(`{"type":"referral","id":`), 400, "urn:bonafide:problem:invalid", []string{""}},
		{"missing field", "application/json", mustJSON(t, noChildren), 400, "urn:bonafide:problem:invalid", []string{"children"}},
		{"bad date", "application/json", mustJSON(t, badDate), 400, "urn:bonafide:problem:invalid", []string{"children[0].dob"}},
		{"unknown enum", "application/json", mustJSON(t, badEnum), 400, "urn:bonafide:problem:invalid", []string{"channel"}},
		{"every field error", "application/json", mustJSON(t, twoFaults), 400, "urn:bonafide:problem:invalid", []string{"received_at", "channel"}},
		{"not a referral", "application/json", mustJSON(t, post), 400, "urn:bonafide:problem:invalid", []string{"type"}},
		{"oversized body", "application/json", mustJSON(t, big), 413, "urn:bonafide:problem:too_large", nil},
		{"form body", "application/x-www-form-urlencoded", mustJSON(t, referral("REF-6")), 415, "about:blank", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.MaxReferralBytes = 4096 })
			resp, body := e.do(t, "POST", "/api/v1/referrals", tt.contentType, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			p := decodeProblem(t, resp, body)
			if p.Type != tt.typ {
				t.Errorf("problem type = %q, want %q", p.Type, tt.typ)
			}
			var fields []string
			for _, fe := range p.Errors {
				fields = append(fields, fe.Field)
				if fe.Reason == "" {
					t.Errorf("field error %+v has no reason", fe)
				}
			}
			if !reflect.DeepEqual(fields, tt.fields) {
				t.Errorf("problem error fields = %q, want %q (%s)", fields, tt.fields, body)
			}
			if n := e.count(t); n != 0 {
				t.Errorf("store holds %d records after a rejected POST, want 0", n)
			}
		})
	}
}

func TestReferralConflict(t *testing.T) {
	e := newEnv(t, nil)
	body := mustJSON(t, referral("REF-DUP"))
	if resp, b := e.do(t, "POST", "/api/v1/referrals", "application/json", body); resp.StatusCode != 201 {
		t.Fatalf("first POST = %d, want 201; %s", resp.StatusCode, b)
	}
	resp, b := e.do(t, "POST", "/api/v1/referrals", "application/json", body)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("second POST = %d, want 409; %s", resp.StatusCode, b)
	}
	if p := decodeProblem(t, resp, b); p.Type != "urn:bonafide:problem:conflict" {
		t.Errorf("problem type = %q, want conflict", p.Type)
	}
	if n := e.count(t); n != 1 {
		t.Errorf("store holds %d records, want 1", n)
	}
}

func TestNoRoute(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"no such referral", "GET", "/api/v1/referrals/REF-NONE", 404},
		{"no such route", "GET", "/api/v1/nothing", 404},
		{"wrong method", "DELETE", "/api/v1/referrals/REF-1", 405},
		{"wrong method on a collection", "GET", "/api/v1/import", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, tt.method, tt.path, "", nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d, want %d; %s", tt.method, tt.path, resp.StatusCode, tt.status, body)
			}
			p := decodeProblem(t, resp, body)
			switch tt.status {
			case 404:
				if p.Type != "urn:bonafide:problem:not_found" {
					t.Errorf("problem type = %q, want not_found", p.Type)
				}
			case 405:
				if allow := resp.Header.Get("Allow"); allow == "" || p.Type != "about:blank" {
					t.Errorf("405 has Allow %q and type %q, want an Allow header and about:blank", allow, p.Type)
				}
			}
		})
	}
}

func TestImport(t *testing.T) {
	post := map[string]any{"type": "public_post", "id": "P-1", "platform": "snapgram", "posted_at": "2025-02-01T10:00:00Z", "text": "party!"}
	good := jsonLines(t, referral("REF-1"), post, referral("REF-2"))
	badEnum := referral("REF-X")
	badEnum["channel"] = "fax"
	badDate := referral("REF-Y")
	badDate["received_at"] = "yesterday"
	bad := jsonLines(t, referral("REF-1"), badEnum, "", referral("REF-2"), badDate)

	tests := []struct {
		name     string
		query    string
		body     []byte
		status   int
		imported int
		stored   int64
		lines    []int // lines named in errors or rejected
	}{
		{"good file", "", good, 200, 3, 3, nil},
		{"bad lines write nothing", "", bad, 400, 0, 0, []int{2, 5}},
		{"skip invalid", "?skip_invalid=true", bad, 200, 2, 2, []int{2, 5}},
		{"skip invalid false", "?skip_invalid=false", bad, 400, 0, 0, []int{2, 5}},
		{"bad skip_invalid", "?skip_invalid=maybe", good, 400, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			resp, body := e.do(t, "POST", "/api/v1/import"+tt.query, "application/x-ndjson", tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST import = %d, want %d; %s", resp.StatusCode, tt.status, body)
			}
			var fes []bonafide.FieldError
			if resp.StatusCode == 200 {
				var res ImportResult
				if err := json.Unmarshal(body, &res); err != nil {
					t.Fatal(err)
				}
				if res.Imported != tt.imported || res.RejectedLines != len(tt.lines) {
					t.Errorf("import = %+v, want %d imported, %d rejected lines", res, tt.imported, len(tt.lines))
				}
				fes = res.Rejected
			} else {
				fes = decodeProblem(t, resp, body).Errors
			}
			var lines []int
			for _, fe := range fes {
				lines = append(lines, fe.Line)
			}
			if !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("lines named = %v, want %v (%s)", lines, tt.lines, body)
			}
			if n := e.count(t); n != tt.stored {
				t.Errorf("store holds %d records, want %d", n, tt.stored)
			}
		})
	}
}

func TestImportLimits(t *testing.T) {
	var body []byte
	for i := range 20 {
		body = append(body, jsonLines(t, referral(fmt.Sprintf("REF-%d", i)))...)
	}
	post := map[string]any{"type": "public_post", "id": "P-1", "posted_at": "2025-02-01T10:00:00Z"}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		typ         string
		detail      string
	}{
		{"oversized body", "application/x-ndjson", body, 413, "urn:bonafide:problem:too_large", "larger than the limit"},
		{"conflict within the file", "application/x-ndjson", jsonLines(t, referral("REF-1"), post, "", referral("REF-1")), 409, "urn:bonafide:problem:conflict", `line 4: referral "REF-1" is already stored`},
		{"form body", "application/x-www-form-urlencoded", jsonLines(t, referral("REF-1")), 415, "about:blank", "Content-Type must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.MaxImportBytes = int64(len(body) / 2) })
			resp, b := e.do(t, "POST", "/api/v1/import", tt.contentType, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST import = %d, want %d; %s", resp.StatusCode, tt.status, b)
			}
			p := decodeProblem(t, resp, b)
			if p.Type != tt.typ || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("problem = %q %q, want %q and a detail with %q", p.Type, p.Detail, tt.typ, tt.detail)
			}
			if n := e.count(t); n != 0 {
				t.Errorf("store holds %d records, want 0", n)
			}
		})
	}
}

func TestHealthAndOpenAPI(t *testing.T) {
	e := newEnv(t, nil)
	resp, body := e.do(t, "GET", "/healthz", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("GET /healthz = %d %s, want 200 ok", resp.StatusCode, body)
	}
	resp, body = e.do(t, "GET", "/api/v1/openapi.json", "", nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, openAPI) {
		t.Errorf("GET /api/v1/openapi.json = %d, %d bytes; want 200 and the embedded document", resp.StatusCode, len(body))
	}
}

// TestGracefulShutdown holds an import request open, shuts the server down
// while it is in flight, and checks that the request still completes and
// its records are stored, and that new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	store := openStore(t)
	srv := NewServer(store, slog.New(slog.DiscardHandler))
	srv.Users = store.(*sqlite.Store).Users()
	token := mustToken(t, srv.Users, "sender")
	hs := srv.HTTPServer()
	active := make(chan struct{}, 1)
	hs.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateActive {
			select {
			case active <- struct{}{}:
			default:
			}
		}
	}
	shuttingDown := make(chan struct{})
	hs.RegisterOnShutdown(func() { close(shuttingDown) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- Run(ctx, hs, ln, time.Minute) }()

	pr, pw := io.Pipe()
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/import", pr)
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, b, err}
	}()
	if _, err := pw.Write(jsonLines(t, referral("REF-1"))); err != nil {
		t.Fatal(err)
	}
	<-active       // the server is reading the request
	cancel()       // as SIGTERM does in serve
	<-shuttingDown // Shutdown has begun: the listener is closed
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Errorf("a new connection was accepted during shutdown")
	}
	if _, err := pw.Write(jsonLines(t, referral("REF-2"))); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-done
	if res.err != nil || res.status != 200 {
		t.Fatalf("in-flight import = %d %s %v, want 200", res.status, res.body, res.err)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v, want nil after a clean shutdown", err)
	}
	counts, err := store.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := counts[bonafide.TypeReferral]; n != 2 {
		t.Errorf("stored referrals = %d, want 2", n)
	}
}

// TestInternalError breaks the database under a running store (its
// records table renamed away, as a botched manual change would): a read
// then fails inside the store, the client sees only "internal error" and
// the request id, and the log has the full error under that id.
func TestInternalError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bonafide.db")
	store := openStoreAt(t, path)
	logs := &syncBuffer{}
	srv := NewServer(store, slog.New(slog.NewJSONHandler(logs, nil)))
	srv.Users = store.(*sqlite.Store).Users()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &testEnv{srv: srv, ts: ts, store: store, logs: logs}
	_, e.cookie = mustSession(t, srv, "worker", bonafide.RoleSocialWorker)

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE records RENAME TO records_gone`); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(t, "GET", "/api/v1/referrals/REF-1", "", nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("GET with the table gone = %d, want 500; %s", resp.StatusCode, body)
	}
	if p := decodeProblem(t, resp, body); p.Detail != "internal error" {
		t.Errorf("problem detail = %q, want \"internal error\"", p.Detail)
	}
	if strings.Contains(string(body), "records") {
		t.Errorf("problem leaks the internal error: %s", body)
	}
	id := resp.Header.Get("X-Request-ID")
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"request failed"`) && strings.Contains(line, `"request_id":"`+id+`"`) && strings.Contains(line, "records") {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line has the internal error with request_id %s:\n%s", id, logs)
	}
}

// TestClosedStore checks that a closed store's refusals reach the client
// as 503 with Retry-After, not as internal errors.
func TestClosedStore(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		body               []byte
	}{
		{"write", "POST", "/api/v1/referrals", mustJSON(t, referral("REF-1"))},
		{"import", "POST", "/api/v1/import", jsonLines(t, referral("REF-1"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, tt.method, tt.path, "application/json", tt.body)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("%s %s = %d (Retry-After %q), want 503 with Retry-After; %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
			if p := decodeProblem(t, resp, body); p.Type != "urn:bonafide:problem:unavailable" {
				t.Errorf("problem type = %q, want unavailable", p.Type)
			}
		})
	}
}

// TestReferralLoadShedding holds one referral in flight with
// MaxReferralsInFlight 1: another is refused with 503 and Retry-After, and
// the held one still completes once its body arrives.
func TestReferralLoadShedding(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.MaxReferralsInFlight = 1 })
	pr, pw := io.Pipe()
	held := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/referrals", pr)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			held <- 0
			return
		}
		resp.Body.Close()
		held <- resp.StatusCode
	}()
	rest := mustJSON(t, referral("REF-HELD"))
	if _, err := pw.Write(rest[:1]); err != nil {
		t.Fatal(err)
	}
	// Wait until the held request has taken the only slot (its body is
	// still open, so it cannot finish), then send another: it is refused.
	// Sending others while waiting could take the slot from the held one.
	for len(e.srv.referralSlots) == 0 {
		select {
		case status := <-held:
			t.Fatalf("held POST finished early with %d", status)
		default:
			runtime.Gosched()
		}
	}
	resp, body := e.do(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, referral("REF-1")))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("POST while full = %d (Retry-After %q), want 503 with Retry-After; %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if p := decodeProblem(t, resp, body); p.Type != "urn:bonafide:problem:unavailable" {
		t.Errorf("problem type = %q, want unavailable", p.Type)
	}
	if _, err := pw.Write(rest[1:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if status := <-held; status != http.StatusCreated {
		t.Errorf("held POST = %d, want 201", status)
	}
}
