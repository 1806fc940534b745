package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/auth"
	"bonafide/casework"
	"bonafide/disclosure"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/storetest"
	"bonafide/triage"
	"bonafide/triage/live"
	"bonafide/vault"
)

// testClock is the server's clock in the authentication tests: sessions,
// TOTP codes and the login throttle all read it, so that expiry and code
// steps are set by the test, never waited for.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// backend is one store with everything the API needs from it.
type backend struct {
	store    bonafide.Store
	users    bonafide.UserStore
	keys     vault.KeyStore
	tags     vault.TagIndex
	audits   auditlog.Storage
	findings FindingReader
	// assessments keeps the triage assessments: the safety part is stored
	// with each referral (nothing else triages in these tests).
	assessments bonafide.AssessmentStore
	// cases keeps the case workflow.
	cases bonafide.CaseStore
	// disclosures keeps police disclosure requests and SARs.
	disclosures bonafide.DisclosureStore
	// approvals keeps account changes waiting for a second administrator.
	approvals bonafide.ApprovalStore
	// exec runs SQL on the database directly, as an insider (or a full
	// disk) would act on it, past the store.
	exec func(t *testing.T, sql string)
}

// opener opens a fresh, migrated back-end whose store seals with sealer
// and tags reporters with it.
type opener func(t *testing.T, sealer *vault.Deferred) backend

// openSQLite opens a fresh SQLite back-end in t's temporary directory.
func openSQLite(t *testing.T, sealer *vault.Deferred) backend {
	t.Helper()
	return openSQLiteAt(t, sealer, filepath.Join(t.TempDir(), "bonafide.db"))
}

// openSQLiteAt opens a migrated SQLite back-end at path.
func openSQLiteAt(t *testing.T, sealer *vault.Deferred, path string) backend {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path,
		sqlite.Options{Migrate: true, Sealer: sealer, Tagger: sealer.Tags, Judge: intakeJudge(t)})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	exec := func(t *testing.T, q string) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return backend{st, st.Users(), st.VaultKeys(), st.ReporterTags(), st.AuditStorage(), st, st.Assessments(), st.Cases(), st.Disclosures(), st.Approvals(), exec}
}

// testAgency heads the letters of the tests: an invented council.
var testAgency = casework.Agency{Name: "Testbury Borough Council", Team: "Children's Services Front Door",
	Address: []string{"1 Civic Way", "Testbury", "ZZ1 1AA"}, Email: "frontdoor@testbury.invalid", DPOEmail: "dpo@testbury.invalid", Code: "TBC"}

func testCalendar(t *testing.T) *triage.Calendar {
	t.Helper()
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// intakeJudge is the safety judge serve gives its store.
func intakeJudge(t *testing.T) bonafide.SafetyJudge {
	t.Helper()
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return triage.IntakeJudge(cal)
}

// openPostgres opens a fresh PostgreSQL back-end in a schema of its own,
// dropped when t ends, or skips t when BONAFIDE_TEST_POSTGRES_URL is unset.
func openPostgres(t *testing.T, sealer *vault.Deferred) backend {
	t.Helper()
	dsn := storetest.PostgresDSN(t, "httpapi")
	ctx := context.Background()
	st, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true, Sealer: sealer, Tagger: sealer.Tags, Judge: intakeJudge(t)})
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	exec := func(t *testing.T, q string) {
		t.Helper()
		storetest.ExecPostgres(t, dsn, q)
	}
	return backend{st, st.Users(), st.VaultKeys(), st.ReporterTags(), st.AuditStorage(), st, st.Assessments(), st.Cases(), st.Disclosures(), st.Approvals(), exec}
}

// backends are the stores the API tests run on; the PostgreSQL runs skip
// unless BONAFIDE_TEST_POSTGRES_URL is set.
var backends = []struct {
	name string
	open opener
}{{"sqlite", openSQLite}, {"postgres", openPostgres}}

// forBackends runs test once on each of backends, as a subtest.
func forBackends(t *testing.T, test func(t *testing.T, open opener)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { test(t, be.open) })
	}
}

// authEnv is the API as serve runs it — sealing vault, blind index,
// findings, audit log, users — on a real loopback server over a real
// store, with a test clock.
type authEnv struct {
	backend
	srv   *Server
	ts    *httptest.Server
	audit *auditlog.Log
	clock *testClock
	logs  *syncBuffer
	// triage is the triage service of envOptions.triage, else nil.
	triage *live.Service
}

// envOptions vary newAuthEnv.
type envOptions struct {
	open      opener        // openSQLite when nil
	tls       bool          // serve over HTTPS, with Server.TLS set
	noAudit   bool          // leave Server.Audit and the case workflow's audit log nil
	configure func(*Server) // last changes before serving
	// triage gives the env a triage service (triage/live, linking
	// reporters on the vault's blind keys as serve does) that the test
	// runs with authEnv.catchUp; without it only the safety part of each
	// assessment is stored.
	triage bool
}

// newAuthEnv starts the API with every part serve wires.
func newAuthEnv(t *testing.T, o envOptions) *authEnv {
	t.Helper()
	if o.open == nil {
		o.open = openSQLite
	}
	ctx := context.Background()
	sealer := &vault.Deferred{}
	be := o.open(t, sealer)
	mk, err := vault.GenerateMasterKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(ctx, be.keys, vault.MasterKeys{mk}, vault.Options{})
	if err != nil {
		t.Fatalf("vault.Open: %v", err)
	}
	sealer.Set(v)
	skey, _, err := auditlog.GenerateSigningKey("test.bonafide/audit")
	if err != nil {
		t.Fatal(err)
	}
	clock := newTestClock()
	alog, err := auditlog.New(be.audits, skey, auditlog.Config{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := NewServer(be.store, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv.Now = clock.Now
	srv.Users = be.users
	srv.Approvals = be.approvals
	srv.Findings = be.findings
	srv.Assessments = be.assessments
	srv.PasswordParams = testPasswordParams
	srv.Secrets = v
	srv.TLS = o.tls
	families, err := casework.NewFamilies()
	if err != nil {
		t.Fatal(err)
	}
	srv.Cases = &casework.Service{Cases: be.cases, Referrals: be.store, Audit: alog, Calendar: testCalendar(t),
		Letters: &casework.Letterhead{}, Agency: testAgency, Now: clock.Now, Logger: srv.Logger,
		Families: families, Assessments: be.assessments}
	dkey, _, err := auditlog.GenerateSigningKey("test.bonafide/disclosure")
	if err != nil {
		t.Fatal(err)
	}
	srv.Disclosures = &disclosure.Service{Store: be.disclosures, Referrals: be.store, Cases: be.cases, Assessments: be.assessments,
		Findings: be.findings, Tags: be.tags, Audit: alog, Signer: dkey, Agency: "Testbury Borough Council", Now: clock.Now, Logger: srv.Logger}
	if o.noAudit {
		srv.Cases.Audit = nil // the case workflow (and the unseal it serves) has none either
	} else {
		srv.Audit = alog
	}
	var svc *live.Service
	if o.triage {
		cfg := triage.DefaultConfig()
		cfg.BlindKey = v.Blind // as serve links them
		if svc, err = live.New(be.store, be.assessments, live.Options{Config: cfg, Poll: time.Hour, Tail: -1}); err != nil {
			t.Fatal(err)
		}
	}
	if o.configure != nil {
		o.configure(srv)
	}
	var ts *httptest.Server
	if o.tls {
		ts = httptest.NewTLSServer(srv.Handler())
	} else {
		ts = httptest.NewServer(srv.Handler())
	}
	t.Cleanup(ts.Close)
	return &authEnv{backend: be, srv: srv, ts: ts, audit: alog, clock: clock, logs: logs, triage: svc}
}

// catchUp has the env's triage service assess every referral stored so
// far, in order of storage, as serve's would.
func (e *authEnv) catchUp(t *testing.T) {
	t.Helper()
	if e.triage == nil {
		t.Fatal("catchUp: the env has no triage service (envOptions.triage)")
	}
	if _, err := e.triage.CatchUp(context.Background()); err != nil {
		t.Fatalf("triage CatchUp: %v", err)
	}
}

// creds is what a request carries to authenticate, and the headers a
// browser adds that cross-origin protection reads.
type creds struct {
	cookie    string // session id for the session cookie; "" for none
	token     string // API token sent as a bearer token; "" for none
	origin    string // Origin header; "" for none
	fetchSite string // Sec-Fetch-Site header; "" for none
	remote    string // local address to send from (127.0.0.x); "" for the default
}

// sameOrigin returns c with the Origin a page of e's server sends.
func (e *authEnv) sameOrigin(c creds) creds {
	c.origin, c.fetchSite = e.ts.URL, "same-origin"
	return c
}

// send makes one request with c and returns the response and its body.
func (e *authEnv) send(t *testing.T, method, path, contentType string, body []byte, c creds) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: e.srv.sessionCookieName(), Value: c.cookie})
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", c.fetchSite)
	}
	client := e.ts.Client()
	if c.remote != "" {
		client = clientFrom(t, e.ts, c.remote)
	}
	resp, err := client.Do(req)
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

// clientFrom returns a client of ts whose connections come from the
// loopback address local, so that a test can be two clients at once.
func clientFrom(t *testing.T, ts *httptest.Server, local string) *http.Client {
	t.Helper()
	tr := ts.Client().Transport.(*http.Transport).Clone()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	tr.DialContext = d.DialContext
	c := &http.Client{Transport: tr}
	t.Cleanup(tr.CloseIdleConnections)
	return c
}

// staff makes an enabled user of role with testPassword. Users of roles
// that require a second factor get a confirmed TOTP secret, returned.
func (e *authEnv) staff(t *testing.T, name string, role bonafide.Role) (bonafide.User, string) {
	t.Helper()
	u := mustUser(t, e.users, name, role)
	if !role.RequiresSecondFactor() {
		return u, ""
	}
	secret := e.enrolTOTP(t, u)
	u, err := e.users.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, secret
}

// enrolTOTP gives u a confirmed TOTP secret directly in the store, sealed
// with the server's vault as enrolment seals it, and returns the seed.
func (e *authEnv) enrolTOTP(t *testing.T, u bonafide.User) string {
	t.Helper()
	secret, sealed := e.newTOTP(t, u)
	yes := true
	if _, err := e.users.UpdateUser(context.Background(), u.ID, bonafide.UserUpdate{TOTPSecret: &sealed, TOTPConfirmed: &yes}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// newTOTP makes a TOTP seed for u and seals it with the server's vault as
// enrolment does.
func (e *authEnv) newTOTP(t *testing.T, u bonafide.User) (secret, sealed string) {
	t.Helper()
	secret, _, err := auth.NewTOTP("test", u.Name)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err = auth.SealTOTP(e.srv.Secrets, u, secret)
	if err != nil {
		t.Fatal(err)
	}
	return secret, sealed
}

// session stores a session of u, created and last seen at the given
// times, and returns the id its cookie carries.
func (e *authEnv) session(t *testing.T, u bonafide.User, created, lastSeen time.Time, secondFactor bool) string {
	t.Helper()
	id, digest, err := auth.NewSecret(auth.SessionPrefix)
	if err != nil {
		t.Fatal(err)
	}
	s := bonafide.Session{Digest: digest, UserID: u.ID, Created: created, LastSeen: lastSeen, SecondFactor: secondFactor}
	if err := e.users.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return id
}

// freshSession is a session of u that started now and passed the second
// factor when u's account has one.
func (e *authEnv) freshSession(t *testing.T, u bonafide.User) string {
	t.Helper()
	now := e.clock.Now()
	return e.session(t, u, now, now, u.TOTPConfirmed)
}

// token makes an API token for u directly in the store, even for a user
// NewToken would refuse, so that the tests can check the server refuses it.
func (e *authEnv) token(t *testing.T, u bonafide.User) string {
	t.Helper()
	secret, digest, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.CreateToken(context.Background(), bonafide.APIToken{Digest: digest, UserID: u.ID, Label: "test", Created: e.clock.Now(), CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// login posts a login and returns the response, its body and the session
// cookie it set (nil if none).
func (e *authEnv) login(t *testing.T, name, password, code string, c creds) (*http.Response, []byte, *http.Cookie) {
	t.Helper()
	body := mustJSON(t, LoginRequest{Username: name, Password: password, TOTP: code})
	resp, data := e.send(t, "POST", "/api/v1/login", "application/json", body, c)
	for _, ck := range resp.Cookies() {
		if ck.Name == e.srv.sessionCookieName() {
			return resp, data, ck
		}
	}
	return resp, data, nil
}

// entries reads the whole audit log back from its storage.
func (e *authEnv) entries(t *testing.T) []auditlog.Entry {
	t.Helper()
	var out []auditlog.Entry
	for se, err := range e.audits.Entries(context.Background(), 0) {
		if err != nil {
			t.Fatalf("audit entries: %v", err)
		}
		en, err := auditlog.UnmarshalEntry(se.Data)
		if err != nil {
			t.Fatalf("audit entry %d: %v", se.N, err)
		}
		out = append(out, en)
	}
	return out
}

// rawAudit returns the stored bytes of every audit entry, for greps.
func (e *authEnv) rawAudit(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for se, err := range e.audits.Entries(context.Background(), 0) {
		if err != nil {
			t.Fatalf("audit entries: %v", err)
		}
		b.Write(se.Data)
		b.WriteByte('\n')
	}
	return b.String()
}

// findEntry returns the audit entries with action what.
func findEntries(entries []auditlog.Entry, what string) []auditlog.Entry {
	var out []auditlog.Entry
	for _, en := range entries {
		if en.What == what {
			out = append(out, en)
		}
	}
	return out
}

// decodeInto unmarshals a JSON body or fails t.
func decodeInto(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}
