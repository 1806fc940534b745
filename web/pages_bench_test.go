package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"bonafide"
	"bonafide/account"
	"bonafide/auditlog"
	"bonafide/casework"
	"bonafide/httpapi"
	"bonafide/sqlite"
	"bonafide/triage"
	"bonafide/triage/triagetest"
	"bonafide/web"
)

// BenchmarkPages measures the server time of the three pages a social
// worker opens all day, on a SQLite store of BONAFIDE_BENCH_PAGES
// generated referrals (100,000 by default; triagetest.History, about four
// referrals a family), each with a campaign assessment in its family
// (every 50th flagged) and 1% awaiting a decision (the rest closed):
//
//   - queue: the front door's first page with its counts;
//   - referral: an open referral's page, its assessment, reporter panel,
//     its family's chronology and decision form;
//   - family: the family's page (referrals, chronology, episodes, posts,
//     evidence).
//
// Each request goes through the whole server (httpapi's middleware and
// session check, the web page, the durable audit entry of each view) to
// an httptest.ResponseRecorder: server time, without the network. It
// reports p50 and p99 of each page in ms. The store is built once into
// BONAFIDE_BENCH_PAGES_DIR when that is set (and reused by later runs of
// the same size), else into a temporary directory.
//
//	BONAFIDE_BENCH_PAGES=1000000 BONAFIDE_BENCH_PAGES_DIR=/tmp/pages go test ./web -run '^$' -bench Pages -benchtime 300x -timeout 90m
func BenchmarkPages(b *testing.B) {
	n := 100_000
	if v := os.Getenv("BONAFIDE_BENCH_PAGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("BONAFIDE_BENCH_PAGES=%q: want a number of at least 1000", v)
		}
	}
	dir := os.Getenv("BONAFIDE_BENCH_PAGES_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(dir, fmt.Sprintf("pages-%d.db", n))
	ready := path + ".ready"
	cal, err := triage.NewCalendar()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(ready); err != nil {
		os.Remove(path)
		t0 := time.Now()
		buildPagesStore(b, path, n, cal)
		if err := os.WriteFile(ready, []byte(time.Since(t0).String()+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("built a store of %d referrals in %s", n, time.Since(t0).Round(time.Second))
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	// The pages to open: open referrals and their families, from the
	// database itself so that a reused store needs no generator run.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	var refs, fams []string
	rows, err := db.QueryContext(ctx, `SELECT referral_id, family FROM cases WHERE state = 'received' AND family <> '' ORDER BY seq LIMIT 400`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id, fam string
		if err := rows.Scan(&id, &fam); err != nil {
			b.Fatal(err)
		}
		refs = append(refs, id)
		fams = append(fams, fam)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	var largest int
	if err := db.QueryRowContext(ctx, `SELECT max(c) FROM (SELECT count(*) AS c FROM cases GROUP BY family)`).Scan(&largest); err != nil {
		b.Fatal(err)
	}
	db.Close()
	if len(refs) == 0 {
		b.Fatal("no open referral in the store")
	}

	skey, _, err := auditlog.GenerateSigningKey("bench.bonafide/audit")
	if err != nil {
		b.Fatal(err)
	}
	alog, err := auditlog.New(st.AuditStorage(), skey, auditlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	user := fmt.Sprintf("bench%d", time.Now().UnixNano())
	u, _, err := account.NewUser(user, bonafide.RoleSocialWorker, testPassword, "bench", testParams)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Users().CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	srv := httpapi.NewServer(st, logger)
	srv.Users, srv.Audit, srv.Assessments, srv.Findings, srv.PasswordParams = st.Users(), alog, st.Assessments(), st, testParams
	srv.Cases = &casework.Service{Cases: st.Cases(), Referrals: st, Audit: alog, Calendar: cal, Letters: &casework.Letterhead{},
		Agency: casework.Agency{Name: "Testbury Borough Council", Team: "Front Door", Code: "TBC"}, Logger: logger, Assessments: st.Assessments()}
	ui, err := web.New(web.Config{Cases: srv.Cases, Audit: alog, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	srv.Pages = func(pc httpapi.PageContext) http.Handler {
		return ui.Handler(web.Shared{Accounts: pc.Accounts, ClientIP: pc.ClientIP, SessionCookie: pc.SessionCookie,
			SetSession: pc.SetSession, ClearSession: pc.ClearSession, Evidence: pc.Evidence})
	}
	h := srv.Handler()
	login := httptest.NewRequest(http.MethodPost, "/api/v1/login", strings.NewReader(`{"username":"`+user+`","password":"`+testPassword+`"}`))
	login.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, login)
	if rec.Code != http.StatusOK {
		b.Fatalf("login = %d %s", rec.Code, rec.Body)
	}
	cookies := rec.Result().Cookies()
	get := func(path string) time.Duration {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(t0)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %.300s", path, rec.Code, rec.Body)
		}
		io.Copy(io.Discard, rec.Body)
		return d
	}
	// One of each first, so that the first request's one-off costs
	// (statement preparation, the page cache) are not counted.
	get("/queue")
	get("/referrals/" + refs[0])
	get("/families/" + fams[0])
	var queue, referral, family []time.Duration
	i := 0
	for b.Loop() {
		queue = append(queue, get("/queue"))
		referral = append(referral, get("/referrals/"+refs[i%len(refs)]))
		family = append(family, get("/families/"+fams[i%len(fams)]))
		i++
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"queue", queue}, {"referral", referral}, {"family", family}} {
		b.ReportMetric(ms(percentile(m.d, 0.5)), m.name+"-p50-ms")
		b.ReportMetric(ms(percentile(m.d, 0.99)), m.name+"-p99-ms")
	}
	b.ReportMetric(float64(largest), "largest-family")
	b.ReportMetric(0, "ns/op")
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// buildPagesStore stores n generated referrals at path with their safety
// assessments (the store's judge), then a campaign assessment of each in
// the generator's family (surname and postcode district), as triage's would read (safety reasons,
// four campaign reasons, reporter links), every 50th flagged, and closes
// every case but 1%.
func buildPagesStore(b *testing.B, path string, n int, cal *triage.Calendar) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var batch []bonafide.Record
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := st.Import(ctx, func(yield func(bonafide.Record, error) bool) {
			for _, r := range batch {
				if !yield(r, nil) {
					return
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for rec := range triagetest.History(1, n) {
		batch = append(batch, rec)
		if len(batch) == 10000 {
			flush()
		}
	}
	flush()
	var as []bonafide.Assessment
	put := func() {
		if len(as) == 0 {
			return
		}
		if _, err := st.Assessments().PutAssessments(ctx, as); err != nil {
			b.Fatal(err)
		}
		as = as[:0]
	}
	k := 0
	prev := ""
	// A page of records at a time, the read finished before the page's
	// assessments are written.
	for after := int64(0); ; {
		var page []bonafide.Stored
		for s, err := range st.Records(ctx, after, 5000) {
			if err != nil {
				b.Fatal(err)
			}
			page = append(page, s)
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].Seq
		for _, s := range page {
			ref, ok := s.Record.(*bonafide.Referral)
			if !ok {
				continue
			}
			k++
			// The generator's family: its surname and postcode district.
			fam := "FAM-" + ref.Children[0].FamilyName + "-" + strings.Fields(ref.Address.Postcode)[0]
			flagged := k%50 == 0
			score := 0.12
			if flagged {
				score = 0.71
			}
			ta := triage.Assessment{ReferralID: ref.ID, Family: fam, Reporter: fmt.Sprintf("REP-%06d", k%90000),
				Safety: triage.JudgeSafety(ref), Campaign: triage.Campaign{Score: score, Flagged: flagged, Reasons: []triage.Reason{
					{Signal: "lay_repeat", Weight: 0.59, Evidence: "2 earlier referrals of this family by lay reporters in 30 days"},
					{Signal: "after_life_event", Weight: 0.41, Evidence: "public post HP-1 on 3 Jan 2022 announced a birth 6 days before"},
					{Signal: "writing_style", Weight: 0.26, Evidence: "the narrative's style matches referral " + prev},
					{Signal: "professional_reporter", Weight: -1.2, Evidence: "a named professional reporter"},
				}},
				Recommendation: "Screen within the deadline.", DecisionDue: ref.ReceivedAt.Add(24 * time.Hour),
				ReporterLinks: triage.ReporterLinks{Linked: 1, AboutFamily: 1, Referrals: []triage.LinkedReferral{{ID: prev, AboutFamily: true}}}}
			if prev == "" {
				ta.ReporterLinks = triage.ReporterLinks{}
			}
			out, err := json.Marshal(ta)
			if err != nil {
				b.Fatal(err)
			}
			as = append(as, bonafide.Assessment{ReferralID: ref.ID, Seq: s.Seq, SafetyLevel: string(ta.Safety.Level), Flagged: flagged, Score: score,
				DecisionDue: ta.DecisionDue, Engine: "bench triage", Output: out, Kind: bonafide.KindCampaign, Family: fam})
			prev = ref.ID
		}
		put()
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `PRAGMA busy_timeout = 60000`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE cases SET state = 'closed', due = 0 WHERE seq % 100 <> 0`); err != nil {
		b.Fatal(err)
	}
}
