package disclosure_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/disclosure"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/storetest"
)

// clock is the tests' clock, moved by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// env is a service over one real store.
type env struct {
	svc   *disclosure.Service
	store bonafide.Store
	log   *auditlog.Log
	key   *auditlog.SigningKey
	clock *clock
}

// backends names each store the walk runs on; PostgreSQL skips without
// BONAFIDE_TEST_POSTGRES_URL.
var backends = []string{"sqlite", "postgres"}

type fullStore interface {
	bonafide.Store
	Findings(ctx context.Context, ids []string) (map[string]bonafide.Finding, error)
}

func newEnv(t *testing.T, backend string) *env { return newEnvTB(t, backend) }

// newEnvTB is newEnv for benchmarks too; PostgreSQL needs a *testing.T.
func newEnvTB(t testing.TB, backend string) *env {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 30, 10, 0, 0, 0, time.UTC)}
	var (
		st      fullStore
		ds      bonafide.DisclosureStore
		cases   bonafide.CaseStore
		assess  bonafide.AssessmentStore
		storage auditlog.Storage
	)
	switch backend {
	case "sqlite":
		s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), sqlite.Options{Migrate: true, Judge: storetest.BenchJudge})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st, ds, cases, assess, storage = s, s.Disclosures(), s.Cases(), s.Assessments(), s.AuditStorage()
	case "postgres":
		s, err := postgres.Open(ctx, postgresDSN(t.(*testing.T)), postgres.Options{Migrate: true, Judge: storetest.BenchJudge})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st, ds, cases, assess, storage = s, s.Disclosures(), s.Cases(), s.Assessments(), s.AuditStorage()
	}
	key, _, err := auditlog.GenerateSigningKey("test.bonafide/audit")
	if err != nil {
		t.Fatal(err)
	}
	alog, err := auditlog.New(storage, key, auditlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dkey, _, err := auditlog.GenerateSigningKey("test.bonafide/disclosure")
	if err != nil {
		t.Fatal(err)
	}
	svc := &disclosure.Service{Store: ds, Referrals: st, Cases: cases, Assessments: assess, Findings: st, Audit: alog,
		Signer: dkey, Agency: "Testbury Borough Council", Now: c.now}
	return &env{svc: svc, store: st, log: alog, key: dkey, clock: c}
}

func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("BONAFIDE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("PostgreSQL tests need BONAFIDE_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "test_disclosure_" + hex.EncodeToString(b[:])
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
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("DROP SCHEMA %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	liaison  = disclosure.Actor{Who: "user:pat", Role: bonafide.RolePoliceLiaison}
	liaison2 = disclosure.Actor{Who: "user:lee", Role: bonafide.RolePoliceLiaison}
	dpo1     = disclosure.Actor{Who: "user:dana", Role: bonafide.RoleDPO, TOTPEnrolled: true, SecondFactor: true}
	dpo2     = disclosure.Actor{Who: "user:omar", Role: bonafide.RoleDPO, TOTPEnrolled: true, SecondFactor: true}
	dpo2NoTF = disclosure.Actor{Who: "user:omar", Role: bonafide.RoleDPO, TOTPEnrolled: true, SecondFactor: false}
	worker   = disclosure.Actor{Who: "user:sam", Role: bonafide.RoleSocialWorker}
)

func request(ids ...string) bonafide.PoliceRequest {
	return bonafide.PoliceRequest{Force: "Northshire Police", Officer: "DC Ames", OfficerRank: bonafide.RankConstable,
		AuthorisingOfficer: "DI Reyes", AuthorisingRank: bonafide.RankInspector, CrimeReference: "NP/2026/00412",
		Offence: bonafide.OffenceHarassment, LegalBasis: bonafide.LegalBasisCrime, Referrals: ids,
		Fields:          []bonafide.DisclosureField{bonafide.FieldName, bonafide.FieldPhone, bonafide.FieldEmail},
		Necessity:       "The family reports a course of conduct by false referrals; identifying the sender is needed to interview them.",
		Proportionality: "Open-source enquiries and the platform's own records have not identified the sender; only these details are asked."}
}

func approval(outcome bonafide.ReviewOutcome, fields ...bonafide.DisclosureField) bonafide.DisclosureReview {
	return bonafide.DisclosureReview{Outcome: outcome, Fields: fields,
		Prejudice:  "Withholding would prevent the police identifying a suspect in a harassment investigation.",
		CausalLink: "Without the reporter's details the police have no other line of enquiry to the sender.",
		Likelihood: "Three referrals were found malicious; a prosecution is likely to fail without identification.",
		Reasons:    "Only the name is necessary for the police to make an arrest; contact details are not."}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := bonafide.ErrorCode(err); got != code {
		t.Fatalf("%s = %v (code %q), want code %q", what, err, got, code)
	}
}

// seed stores referrals R-1..R-3 (one reporter each) and finds R-1 malicious.
func (e *env) seed(t *testing.T, malicious bool) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"R-1", "R-2", "R-3"} {
		if _, err := e.store.Add(ctx, storetest.Referral(id)); err != nil {
			t.Fatal(err)
		}
	}
	if malicious {
		if _, err := e.store.Add(ctx, &bonafide.Outcome{ReferralID: "R-1", DecidedAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
			Decision: bonafide.DecisionNoFurtherAction, Finding: bonafide.FindingMalicious}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFiling(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.seed(t, false)
	ctx := context.Background()
	tests := []struct {
		name  string
		edit  func(*bonafide.PoliceRequest)
		field string
	}{
		{"trawl", func(r *bonafide.PoliceRequest) { r.Referrals = nil }, "referrals"},
		{"sergeant authorises", func(r *bonafide.PoliceRequest) { r.AuthorisingRank = bonafide.RankSergeant }, "authorising_rank"},
		{"unknown offence", func(r *bonafide.PoliceRequest) { r.Offence = "rudeness" }, "offence"},
		{"other legal basis", func(r *bonafide.PoliceRequest) { r.LegalBasis = "because" }, "legal_basis"},
		{"no fields", func(r *bonafide.PoliceRequest) { r.Fields = nil }, "fields"},
		{"unknown field", func(r *bonafide.PoliceRequest) { r.Fields = []bonafide.DisclosureField{"password"} }, "fields[0]"},
		{"terse necessity", func(r *bonafide.PoliceRequest) { r.Necessity = "needed" }, "necessity"},
		{"no crime reference", func(r *bonafide.PoliceRequest) { r.CrimeReference = " " }, "crime_reference"},
		{"unknown referral", func(r *bonafide.PoliceRequest) { r.Referrals = []string{"R-1", "R-404"} }, "referrals[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request("R-1")
			tt.edit(&r)
			_, err := e.svc.File(ctx, liaison, r)
			v, ok := err.(*bonafide.ValidationError)
			if !ok {
				t.Fatalf("File = %v, want a validation error naming %s", err, tt.field)
			}
			found := false
			for _, fe := range v.Errors {
				found = found || fe.Field == tt.field
			}
			if !found {
				t.Errorf("File = %v, want field %s named", err, tt.field)
			}
		})
	}
	_, err := e.svc.File(ctx, worker, request("R-1"))
	wantCode(t, "File by a social worker", err, bonafide.EForbidden)
	_, err = e.svc.File(ctx, dpo1, request("R-1"))
	wantCode(t, "File by the DPO", err, bonafide.EForbidden)
}

// TestWalk walks requests from filing to their end on both stores: a
// partial release (with the two-person rule's refusals on the way), a
// full release, a refusal, a neither-confirm-nor-deny, a request for more
// answered, and an expired request.
func TestWalk(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			e.seed(t, true)
			t.Run("PartialRelease", func(t *testing.T) { testPartial(t, e) })
			t.Run("Refuse", func(t *testing.T) { testEnd(t, e, bonafide.ReviewRefuse, bonafide.DisclosureRefused) })
			t.Run("NCND", func(t *testing.T) { testEnd(t, e, bonafide.ReviewNCND, bonafide.DisclosureNCND) })
			t.Run("MoreInformation", func(t *testing.T) { testMore(t, e) })
			t.Run("Expired", func(t *testing.T) { testExpired(t, e) })
			t.Run("Log", func(t *testing.T) { testLog(t, e) })
		})
	}
}

func testPartial(t *testing.T, e *env) {
	ctx := context.Background()
	d, err := e.svc.File(ctx, liaison, request("R-1", "R-2"))
	if err != nil {
		t.Fatal(err)
	}
	if d.State != bonafide.DisclosureFiled || len(d.Scope) != 2 {
		t.Fatalf("filed %+v", d)
	}
	rv, err := e.svc.Review(ctx, dpo1, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Warning != "" {
		t.Errorf("Review warns %q although R-1 was found malicious", rv.Warning)
	}
	if len(rv.Referrals) != 2 || rv.Referrals[0].Finding != "malicious" || !rv.Referrals[0].HasReporter || rv.Referrals[0].FoundFalse != 1 {
		t.Errorf("Review referrals = %+v", rv.Referrals)
	}
	body, _ := json.Marshal(rv)
	for _, m := range storetest.ReporterMarks() {
		if strings.Contains(string(body), m) {
			t.Errorf("the review shows reporter value %q", m)
		}
	}
	_, err = e.svc.Review(ctx, liaison, d.ID)
	wantCode(t, "Review by the liaison", err, bonafide.EForbidden)

	noTF := dpo1
	noTF.SecondFactor = false
	_, err = e.svc.Decide(ctx, noTF, d.ID, approval(bonafide.ReviewApprovePart, bonafide.FieldName))
	wantCode(t, "Decide without a second factor", err, bonafide.EForbidden)
	bad := approval(bonafide.ReviewApprovePart, bonafide.FieldDeviceID)
	_, err = e.svc.Decide(ctx, dpo1, d.ID, bad)
	wantCode(t, "Decide approving a field not asked", err, bonafide.EInvalid)
	part := approval(bonafide.ReviewApprovePart, bonafide.FieldName)
	part.Referrals = []string{"R-1"}
	d, err = e.svc.Decide(ctx, dpo1, d.ID, part)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != bonafide.DisclosureApproved || len(d.Approvals) != 1 {
		t.Fatalf("after review: %s with %d approvals", d.State, len(d.Approvals))
	}
	_, err = e.svc.Approve(ctx, dpo1, d.ID)
	wantCode(t, "Approve by the same person", err, bonafide.EForbidden)
	_, err = e.svc.Approve(ctx, dpo2NoTF, d.ID)
	wantCode(t, "Approve without a second factor", err, bonafide.EForbidden)
	notEnrolled := dpo2
	notEnrolled.TOTPEnrolled = false
	_, err = e.svc.Approve(ctx, notEnrolled, d.ID)
	wantCode(t, "Approve without a second factor enrolled", err, bonafide.EForbidden)
	_, err = e.svc.Approve(ctx, liaison, d.ID)
	wantCode(t, "Approve by the liaison", err, bonafide.EForbidden)
	_, err = e.svc.Download(ctx, liaison, d.ID)
	wantCode(t, "Download before release", err, bonafide.ENotFound)

	d, err = e.svc.Approve(ctx, dpo2, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != bonafide.DisclosureReleased || len(d.Approvals) != 2 || d.Release == nil {
		t.Fatalf("after second approval: %+v", d)
	}
	_, err = e.svc.Approve(ctx, dpo2, d.ID)
	wantCode(t, "Approve a released request", err, bonafide.EConflict)

	_, err = e.svc.Download(ctx, liaison2, d.ID)
	wantCode(t, "Download by another liaison", err, bonafide.ENotFound)
	_, err = e.svc.Download(ctx, dpo1, d.ID)
	wantCode(t, "Download by the DPO", err, bonafide.EForbidden)
	p, err := e.svc.Download(ctx, liaison, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var pkg disclosure.Package
	if err := json.Unmarshal(p.JSON, &pkg); err != nil {
		t.Fatal(err)
	}
	if len(pkg.Reporters) != 1 || pkg.Reporters[0].ReferralID != "R-1" || pkg.Reporters[0].Details["name"] != "Quorra Vantablack" ||
		len(pkg.Reporters[0].Details) != 1 {
		t.Errorf("package reporters = %+v, want R-1's name only", pkg.Reporters)
	}
	for _, m := range []string{"07700 900123", "q.vantablack@example.invalid", "dev-5f1e", "9 Nowhere Row"} {
		if strings.Contains(string(p.JSON), m) || strings.Contains(string(p.PDF), m) {
			t.Errorf("the package holds %q, which was not approved", m)
		}
	}
	if dir := os.Getenv("BONAFIDE_SAR_PDF_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "package.pdf"), p.PDF, 0o600)
	}
	if !strings.Contains(string(p.PDF), "Quorra Vantablack") {
		t.Errorf("the PDF does not hold the approved name")
	}
	if len(pkg.Approvals) != 2 || pkg.Approvals[0].By != dpo1.Who || pkg.Approvals[1].By != dpo2.Who || len(pkg.AuditEntries) < 3 {
		t.Errorf("package approvals %+v, entries %v", pkg.Approvals, pkg.AuditEntries)
	}
	// The signature verifies with the published key and names the JSON's hash.
	v, err := note.NewVerifier(e.key.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(p.Signature, note.VerifierList(v))
	if err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	sum := sha256.Sum256(p.JSON)
	if n.Text != disclosure.SignedText(d.ID, hex.EncodeToString(sum[:])) {
		t.Errorf("signed text %q does not name the JSON's hash", n.Text)
	}
	// The hash is in the audit log's release entry.
	last := d.AuditEntries[len(d.AuditEntries)-1]
	entry, _, err := e.log.Entry(ctx, last)
	if err != nil {
		t.Fatal(err)
	}
	if entry.What != "disclosure.release" || !strings.Contains(entry.Why, p.SHA256) {
		t.Errorf("release entry = %+v, want the package hash %s", entry, p.SHA256)
	}
	marks, err := e.svc.Store.Disclosed(ctx, []string{"R-1", "R-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(marks["R-1"]) != 1 || len(marks["R-2"]) != 0 {
		t.Errorf("Disclosed = %v, want R-1 alone", marks)
	}
	// A lapsed package is no longer downloadable.
	saved := e.clock.t
	e.clock.t = p.Expires
	_, err = e.svc.Download(ctx, liaison, d.ID)
	wantCode(t, "Download after expiry", err, bonafide.EForbidden)
	e.clock.t = saved
}

func testEnd(t *testing.T, e *env, outcome bonafide.ReviewOutcome, want bonafide.DisclosureState) {
	ctx := context.Background()
	d, err := e.svc.File(ctx, liaison, request("R-3"))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := e.svc.Review(ctx, dpo1, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Warning == "" {
		t.Errorf("Review of R-3 (no finding) does not warn of a genuine reporter")
	}
	terse := approval(outcome)
	terse.Reasons = "no"
	_, err = e.svc.Decide(ctx, dpo1, d.ID, terse)
	wantCode(t, "Decide without reasons", err, bonafide.EInvalid)
	d, err = e.svc.Decide(ctx, dpo1, d.ID, approval(outcome))
	if err != nil {
		t.Fatal(err)
	}
	if d.State != want || !d.Review.GenuineWarning {
		t.Errorf("state %s (warned %v), want %s, warned", d.State, d.Review.GenuineWarning, want)
	}
	_, err = e.svc.Approve(ctx, dpo2, d.ID)
	wantCode(t, "Approve a "+string(want)+" request", err, bonafide.EConflict)
	_, err = e.svc.Download(ctx, liaison, d.ID)
	wantCode(t, "Download a "+string(want)+" request", err, bonafide.ENotFound)
}

func testMore(t *testing.T, e *env) {
	ctx := context.Background()
	d, err := e.svc.File(ctx, liaison, request("R-2"))
	if err != nil {
		t.Fatal(err)
	}
	if d, err = e.svc.Decide(ctx, dpo1, d.ID, approval(bonafide.ReviewMoreInfo)); err != nil || d.State != bonafide.DisclosureMoreInfo {
		t.Fatalf("Decide(more) = %s, %v", d.State, err)
	}
	_, err = e.svc.Amend(ctx, liaison2, d.ID, "The posts were sent from the same device as the referrals.", nil)
	wantCode(t, "Amend by another liaison", err, bonafide.ENotFound)
	if d, err = e.svc.Amend(ctx, liaison, d.ID, "The posts were sent from the same device as the referrals.", nil); err != nil || d.State != bonafide.DisclosureFiled {
		t.Fatalf("Amend = %s, %v", d.State, err)
	}
	if d, err = e.svc.Decide(ctx, dpo2, d.ID, approval(bonafide.ReviewApproveFull)); err != nil {
		t.Fatal(err)
	}
	if d, err = e.svc.Approve(ctx, dpo1, d.ID); err != nil || d.State != bonafide.DisclosureReleased {
		t.Fatalf("Approve = %s, %v", d.State, err)
	}
	p, err := e.svc.Download(ctx, liaison, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"Quorra Vantablack", "07700 900123", "q.vantablack@example.invalid"} {
		if !strings.Contains(string(p.JSON), m) {
			t.Errorf("a full release lacks %q", m)
		}
	}
}

func testExpired(t *testing.T, e *env) {
	ctx := context.Background()
	d, err := e.svc.File(ctx, liaison, request("R-1"))
	if err != nil {
		t.Fatal(err)
	}
	if d, err = e.svc.Decide(ctx, dpo1, d.ID, approval(bonafide.ReviewApproveFull)); err != nil {
		t.Fatal(err)
	}
	saved := e.clock.t
	e.clock.t = d.Expires
	defer func() { e.clock.t = saved }()
	_, err = e.svc.Approve(ctx, dpo2, d.ID)
	wantCode(t, "Approve an expired request", err, bonafide.EConflict)
	got, err := e.svc.Get(ctx, dpo1, d.ID)
	if err != nil || got.State != bonafide.DisclosureExpired {
		t.Errorf("Get after expiry = %s, %v; want expired", got.State, err)
	}
}

func testLog(t *testing.T, e *env) {
	ctx := context.Background()
	l, err := e.svc.DisclosureLog(ctx, dpo1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 5 || l.ByState[bonafide.DisclosureReleased] != 2 || l.ByState[bonafide.DisclosureRefused] != 1 ||
		l.ByState[bonafide.DisclosureNCND] != 1 || l.ByState[bonafide.DisclosureExpired] != 1 || l.Reporters != 2 ||
		l.Fields[bonafide.FieldName] != 2 || l.Fields[bonafide.FieldPhone] != 1 || l.ByOffence[bonafide.OffenceHarassment] != 5 {
		t.Errorf("log = %+v", l)
	}
	_, err = e.svc.DisclosureLog(ctx, liaison, time.Time{}, time.Now())
	wantCode(t, "DisclosureLog by the liaison", err, bonafide.EForbidden)
	own, err := e.svc.List(ctx, liaison2, bonafide.DisclosureFilter{})
	if err != nil || len(own) != 0 {
		t.Errorf("List by another liaison = %d, %v; want none of pat's", len(own), err)
	}
}
