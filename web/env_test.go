package web_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/auth"
	"bonafide/casework"
	"bonafide/disclosure"
	"bonafide/httpapi"
	"bonafide/interchange"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/synth"
	"bonafide/triage"
	"bonafide/triage/live"
	"bonafide/vault"
	"bonafide/web"
)

// testPassword is every test user's password; testParams make hashing it
// cheap.
const testPassword = "correct horse battery staple"

var testParams = auth.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// backend is one store with everything the server needs of it.
type backend struct {
	name        string
	store       bonafide.Store
	users       bonafide.UserStore
	keys        vault.KeyStore
	audits      auditlog.Storage
	findings    httpapi.FindingReader
	assessments bonafide.AssessmentStore
	cases       bonafide.CaseStore
	dsn         string // the database, for tests that edit it behind the service's back
	approvals   bonafide.ApprovalStore
	disclosures bonafide.DisclosureStore
	tags        vault.TagIndex
}

type opener func(t *testing.T, sealer *vault.Deferred) backend

func intakeJudge(t *testing.T) bonafide.SafetyJudge {
	t.Helper()
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return triage.IntakeJudge(cal)
}

func openSQLite(t *testing.T, sealer *vault.Deferred) backend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bonafide.db")
	st, err := sqlite.Open(context.Background(), path,
		sqlite.Options{Migrate: true, Sealer: sealer, Tagger: sealer.Tags, Judge: intakeJudge(t)})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return backend{"sqlite", st, st.Users(), st.VaultKeys(), st.AuditStorage(), st, st.Assessments(), st.Cases(), path, st.Approvals(), st.Disclosures(), st.ReporterTags()}
}

// openPostgres opens a fresh schema of BONAFIDE_TEST_POSTGRES_URL, dropped
// when t ends, or skips t when the variable is unset.
func openPostgres(t *testing.T, sealer *vault.Deferred) backend {
	t.Helper()
	base := os.Getenv("BONAFIDE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("PostgreSQL runs need BONAFIDE_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "web_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("CREATE SCHEMA: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String(), postgres.Options{Migrate: true, Sealer: sealer, Tagger: sealer.Tags, Judge: intakeJudge(t)})
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() {
		st.Close()
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("DROP SCHEMA: %v", err)
		}
	})
	return backend{"postgres", st, st.Users(), st.VaultKeys(), st.AuditStorage(), st, st.Assessments(), st.Cases(), u.String(), st.Approvals(), st.Disclosures(), st.ReporterTags()}
}

// stores are the back-ends every browser test runs on.
var stores = []struct {
	name string
	open opener
}{{"sqlite", openSQLite}, {"postgres", openPostgres}}

// env is a real server on loopback over a real store, loaded with
// generated referrals that triage has assessed, and users of each role.
type env struct {
	backend
	URL    string
	cases  *casework.Service
	disc   *disclosure.Service
	audit  *auditlog.Log
	logs   *syncBuffer
	sealed []string // reporter values that no page may show
	ids    []string // referral ids of the data set, in stream order
}

// syncBuffer is a log sink the server writes from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envOptions change what newEnv makes.
type envOptions struct {
	families int // generated families (300 if zero)
	idle     time.Duration
	// extra are records stored after the generated ones, before triage.
	extra []bonafide.Record
	// maxImport bounds an upload of evidence (the API's default if zero).
	maxImport int64
}

// users of every env: name → role.
var roles = map[string]bonafide.Role{
	"ada":      bonafide.RoleSocialWorker,
	"morwenna": bonafide.RoleTeamManager,
	"dana":     bonafide.RoleDPO,
	"alan":     bonafide.RoleAuditor,
	"grace":    bonafide.RoleAdministrator,
	"percy":    bonafide.RolePoliceLiaison,
	"dora":     bonafide.RoleDPO, // the second approver of a disclosure
}

// newEnv starts a server over the store open makes, with generated data.
func newEnv(t *testing.T, open opener, o envOptions) *env {
	t.Helper()
	if o.families == 0 {
		o.families = 300
	}
	ctx := context.Background()
	sealer := &vault.Deferred{}
	be := open(t, sealer)
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
	alog, err := auditlog.New(be.audits, skey, auditlog.Config{})
	if err != nil {
		t.Fatal(err)
	}

	// Generated referrals of the last three months, imported and triaged
	// as serve and demo do.
	var stream, truth bytes.Buffer
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if _, err := synth.Generate(ctx, synth.Config{Seed: 7, Families: o.families, Start: today.AddDate(0, -3, 0), Months: 3,
		PublicShare: 0.3, TargetedShare: 0.3}, &stream, &truth); err != nil {
		t.Fatalf("synth: %v", err)
	}
	e := &env{backend: be, audit: alog, logs: &syncBuffer{}}
	e.readStream(t, stream.Bytes())
	if _, err := httpapi.Import(ctx, be.store, bytes.NewReader(stream.Bytes()), false); err != nil {
		t.Fatalf("import: %v", err)
	}
	for _, rec := range o.extra {
		if _, err := be.store.Add(ctx, rec); err != nil {
			t.Fatalf("store %T: %v", rec, err)
		}
	}
	cfg := triage.DefaultConfig()
	cfg.BlindKey = v.Blind
	svc, err := live.New(be.store, be.assessments, live.Options{Config: cfg, Tail: -1, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatalf("triage: %v", err)
	}
	for name, role := range roles {
		u, _, err := account.NewUser(name, role, testPassword, "test", testParams)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := be.users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httpapi.NewServer(be.store, logger)
	srv.Users = be.users
	srv.Audit = alog
	srv.Findings = be.findings
	srv.Assessments = be.assessments
	srv.TriageConfig = &cfg
	if o.maxImport != 0 {
		srv.MaxImportBytes = o.maxImport
	}
	srv.Secrets = v
	srv.Approvals = be.approvals
	srv.PasswordParams = testParams
	if o.idle != 0 {
		srv.SessionIdle = o.idle
	}
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	families, err := casework.NewFamilies()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := families.Sync(ctx, be.store); err != nil {
		t.Fatal(err)
	}
	e.cases = &casework.Service{Cases: be.cases, Referrals: be.store, Audit: alog, Calendar: cal, Letters: &casework.Letterhead{},
		Agency: casework.Agency{Name: "Testbury Borough Council", Team: "Children's Services Front Door", Code: "TBC"},
		Logger: logger, Families: families, Assessments: be.assessments}
	srv.Cases = e.cases
	dkey, _, err := auditlog.GenerateSigningKey("test.bonafide/disclosure")
	if err != nil {
		t.Fatal(err)
	}
	e.disc = &disclosure.Service{Store: be.disclosures, Referrals: be.store, Cases: be.cases, Assessments: be.assessments, Findings: be.findings,
		Tags: be.tags, Audit: alog, Signer: dkey, Agency: "Testbury Borough Council", Logger: logger}
	srv.Disclosures = e.disc
	ui, err := web.New(web.Config{Cases: e.cases, Disclosures: e.disc, Audit: alog, Logger: logger, SessionIdle: srv.SessionIdle})
	if err != nil {
		t.Fatalf("web.New: %v", err) // the assets were not built: run make assets
	}
	srv.Pages = func(pc httpapi.PageContext) http.Handler {
		return ui.Handler(web.Shared{Accounts: pc.Accounts, ClientIP: pc.ClientIP, SessionCookie: pc.SessionCookie,
			SetSession: pc.SetSession, ClearSession: pc.ClearSession, Evidence: pc.Evidence})
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e.URL = ts.URL
	return e
}

// readStream notes the referral ids and the reporter values of the data
// set that appear nowhere else in it (a reporter's name may also be a
// family member's, which a page rightly shows).
func (e *env) readStream(t *testing.T, stream []byte) {
	t.Helper()
	var candidates []string
	var rest bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		rec, err := interchange.Decode(sc.Bytes())
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		ref, ok := rec.(*bonafide.Referral)
		if !ok {
			rest.Write(sc.Bytes())
			continue
		}
		e.ids = append(e.ids, ref.ID)
		if r := ref.Reporter; r != nil {
			for _, s := range []string{strings.TrimSpace(r.GivenName + " " + r.FamilyName), r.Phone, r.Email, r.ContactIP, r.DeviceID} {
				if len(s) >= 6 {
					candidates = append(candidates, s)
				}
			}
		}
		ref.Reporter = nil
		b, err := interchange.Encode(ref)
		if err != nil {
			t.Fatal(err)
		}
		rest.Write(b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range candidates {
		if !seen[c] && !bytes.Contains(rest.Bytes(), []byte(c)) {
			e.sealed = append(e.sealed, c)
		}
		seen[c] = true
	}
	if len(e.sealed) == 0 {
		t.Fatal("the data set has no reporter values to look for")
	}
}

// drain reads and closes a body.
func drain(r io.ReadCloser) { io.Copy(io.Discard, r); r.Close() }

// busiestReferral returns a referral awaiting a decision that triage
// flagged, with the most reporter links, for the screens that show much.
func (e *env) busiestReferral(t *testing.T) string {
	t.Helper()
	yes := true
	page, err := e.cases.Queue(context.Background(), casework.Actor{Who: "user:test", Role: bonafide.RoleTeamManager}, bonafide.QueueFilter{Flagged: &yes, Limit: bonafide.MaxQueuePage})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) == 0 {
		t.Fatal("no flagged referral awaits a decision")
	}
	best, bestN := page.Rows[0].ReferralID, -1
	for _, row := range page.Rows {
		a, err := e.assessments.Assessment(context.Background(), row.ReferralID)
		if err != nil {
			continue
		}
		if n := len(a.Output); n > bestN {
			best, bestN = row.ReferralID, n
		}
	}
	return best
}

// audited counts the audit log's entries by who, of what, about object.
func (e *env) audited(t *testing.T, who, what, object string) int {
	t.Helper()
	n := 0
	for i := int64(0); ; i++ {
		ent, _, err := e.audit.Entry(context.Background(), i)
		if err != nil {
			return n
		}
		if ent.Who == who && ent.What == what && ent.Object == object {
			n++
		}
	}
}
