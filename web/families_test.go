package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bonafide"
	"bonafide/locker"

	"bonafide/web/webkit/browsertest"
)

// priceFamily is a family that a troll campaign targets: two anonymous
// referrals restate the mother's own post of her baby in a paddling pool,
// which a forum thread urged people to report. Triage does not flag them
// for want of the posts; the family's locker holds the posts and the
// thread. Everything is dated days before today, after the generated
// data's start.
type priceFamily struct {
	referrals []bonafide.Record
	bundle    []byte // the family's bundle, as their locker exports it
	damaged   []byte // the bundle with one byte of the forum exhibit changed
}

func newPriceFamily(t *testing.T) priceFamily {
	t.Helper()
	ctx := context.Background()
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -12)
	birth, pool, thread := day.Add(9*time.Hour+30*time.Minute), day.AddDate(0, 0, 7).Add(15*time.Hour+10*time.Minute), day.AddDate(0, 0, 7).Add(20*time.Hour)
	ref := func(id string, at time.Time, narrative string) *bonafide.Referral {
		return &bonafide.Referral{
			ID: id, ReceivedAt: at, Channel: bonafide.ChannelWebForm, Reporter: &bonafide.Reporter{Anonymous: true}, KnowledgeBasis: bonafide.KnowledgeNotStated,
			Children: []bonafide.Person{{GivenName: "Maisie", FamilyName: "Pricewell", Role: bonafide.RoleChild}},
			Adults: []bonafide.Person{{GivenName: "Zoe", FamilyName: "Pricewell", Role: bonafide.RoleMother,
				SocialHandles: []bonafide.SocialHandle{{Platform: "x", Handle: "@pricewellfamily"}}}},
			Address:   &bonafide.Address{Line1: "12 Alder Close", Town: "Northbury", Postcode: "NB4 7ZZ"},
			Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect}},
			Narrative: narrative,
		}
	}
	pf := priceFamily{referrals: []bonafide.Record{
		ref("PW-1", day.AddDate(0, 0, 8).Add(9*time.Hour), "The baby Maisie is left splashing alone in the paddling pool in the garden while the mother hangs the washing."),
		ref("PW-2", day.AddDate(0, 0, 9).Add(18*time.Hour), "Mother hangs washing while baby Maisie is in a paddling pool in the garden, nobody watching her splashing."),
	}}
	l, err := locker.Create(ctx, filepath.Join(t.TempDir(), "f.locker"), []byte("family passphrase"), locker.Config{KDF: locker.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tweets, _ := json.Marshal([]any{
		map[string]any{"tweet": map[string]any{"id_str": "1890000000000000001", "full_text": "Welcome to the world, little Maisie! Born this morning, 7lb 2oz, we are over the moon", "created_at": birth.Format(time.RubyDate)}},
		map[string]any{"tweet": map[string]any{"id_str": "1890000000000000002", "full_text": "Maisie had her first go in the paddling pool today, she loved splashing in the garden while I hung the washing", "created_at": pool.Format(time.RubyDate)}},
	})
	if _, err := l.ImportPosts(ctx, append([]byte("window.YTD.tweets.part0 = "), tweets...), "@pricewellfamily"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddFile(ctx, locker.FileInput{Name: "thread.txt", Category: locker.CategoryForum, Title: "pricewellfamily watch - page 14", When: thread,
		Data: []byte("@pricewellfamily leaves that baby splashing in a paddling pool while she hangs the washing. Someone ring social services about her, I'm reporting her tonight.")}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := l.Export(ctx, &buf, locker.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	pf.bundle = buf.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(pf.bundle), int64(len(pf.bundle)))
	if err != nil {
		t.Fatal(err)
	}
	var dmg bytes.Buffer
	zw := zip.NewWriter(&dmg)
	found := false
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "exhibits/E3/thread.txt" {
			data[5] ^= 1
			found = true
		}
		fw, _ := zw.Create(f.Name)
		fw.Write(data)
	}
	zw.Close()
	if !found {
		t.Fatal("the bundle has no exhibits/E3/thread.txt to damage")
	}
	pf.damaged = dmg.Bytes()
	return pf
}

// TestFamilies walks the family search and the family's page in a
// browser on each store: the search form empty, with an error, with no
// result and with results; the family's page without evidence, a damaged
// bundle refused naming its exhibit, the family's bundle taken in (what
// was filed, the referrals judged again) and listed; the referral that
// triage had not flagged shows the suspected campaign, quoting the
// family's post. axe passes on each state, every view is audited through
// the web interface, and no page shows a sealed reporter value.
func TestFamilies(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			pf := newPriceFamily(t)
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 40, extra: pf.referrals})
			ctx := context.Background()
			row, err := e.cases.Cases.CaseRow(ctx, "PW-2")
			if err != nil || row.Family == "" {
				t.Fatalf("PW-2's case = %+v, %v; want one with its family", row, err)
			}
			if row.Flagged {
				t.Fatalf("PW-2 is flagged before the family's bundle (score %.2f): the test shows nothing", row.Score)
			}
			family := row.Family
			dir := t.TempDir()
			good, bad := filepath.Join(dir, "pricewell-bundle.zip"), filepath.Join(dir, "damaged-bundle.zip")
			os.WriteFile(good, pf.bundle, 0o600)
			os.WriteFile(bad, pf.damaged, 0o600)

			b.signIn(e.URL, "ada", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/families"), browsertest.Loaded())
			b.check("family search, empty")
			b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("family search, nothing entered")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#name" {
				t.Errorf("the error links to %q, want #name", got)
			}
			b.Run(chromedp.SendKeys(chromedp.ID("dob"), "May 2019"), browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("family search, a date of birth that is not one")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#dob" {
				t.Errorf("the error links to %q, want #dob", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/families?search=1&name=Quillon+Zyxwvut"), browsertest.Loaded())
			b.check("family search, no result")
			if got := get(b, chromedp.Text(chromedp.ID("no-results"))); !strings.Contains(got, "No referral names anyone") {
				t.Errorf("no results says %q", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/families"), browsertest.Loaded(),
				chromedp.SendKeys(chromedp.ID("name"), "Maisie Pricewell"), browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("family search, results")
			b.Run(browsertest.Submit(chromedp.CSS(`a[href="/families/` + family + `"]`)))
			b.check("family page, no evidence")
			if got := get(b, chromedp.Text(chromedp.ID("evidence-empty"))); !strings.Contains(got, "no evidence bundle") {
				t.Errorf("the family page without evidence says %q", got)
			}
			if n := e.audited(t, "user:ada", "family.read", family); n == 0 {
				t.Error("the family page view is not audited")
			}
			if n := e.auditedWhy(t, "user:ada", "family.read", family, "through the web interface"); n == 0 {
				t.Error("the family page view is not audited as through the web interface")
			}

			// No file chosen, then a damaged bundle.
			b.Run(browsertest.Submit(chromedp.CSS(`form[action$="/evidence"] button[type=submit]`)))
			b.check("family page, no bundle chosen")
			b.Run(chromedp.SetUploadFiles(chromedp.ID("bundle"), []string{bad}), browsertest.Submit(chromedp.CSS(`form[action$="/evidence"] button[type=submit]`)))
			b.check("family page, damaged bundle")
			shoot(b, st.name, "family-evidence-damaged.png")
			summary := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary")))
			if !strings.Contains(summary, "Exhibit E3 is damaged") || !strings.Contains(summary, "exhibits/E3/thread.txt") || !strings.Contains(summary, "nothing was filed") {
				t.Errorf("the damaged bundle's error summary = %q, want exhibit E3 and its file named", summary)
			}
			if ev, _ := e.cases.Cases.Evidence(ctx, family); len(ev) != 0 {
				t.Errorf("a damaged bundle was kept: %+v", ev)
			}
			if n := e.auditedWhy(t, "user:ada", "locker.refuse", family, "exhibit E3, exhibits/E3/thread.txt"); n != 1 {
				t.Errorf("locker.refuse entries naming exhibit E3 = %d, want 1", n)
			}

			b.Run(chromedp.SetUploadFiles(chromedp.ID("bundle"), []string{good}), browsertest.Submit(chromedp.CSS(`form[action$="/evidence"] button[type=submit]`)))
			b.check("family page, bundle taken in")
			shoot(b, st.name, "family-evidence-taken.png")
			taken := get(b, chromedp.Text(chromedp.ID("taken")))
			for _, want := range []string{"3 exhibits verified", "Public post from exhibit E1", "Forum post from exhibit E3", "PW-2", "Now a suspected campaign"} {
				if !strings.Contains(taken, want) {
					t.Errorf("what the bundle did does not say %q:\n%s", want, taken)
				}
			}
			if got := get(b, chromedp.Text(chromedp.ID("evidence-table"))); !strings.Contains(got, "Verified") || !strings.Contains(got, "3 exhibits") {
				t.Errorf("the evidence list = %q, want the bundle verified with 3 exhibits", got)
			}
			if n := e.audited(t, "user:ada", "locker.import", family); n != 1 {
				t.Errorf("locker.import entries = %d, want 1", n)
			}

			// The referral triage had not flagged is flagged now, which
			// restricts the family: the social worker, not allocated, sees
			// the signals with their evidence withheld; the team manager
			// sees the family's post quoted. Its page links to the
			// family's.
			b.Run(chromedp.Navigate(e.URL+"/referrals/PW-2"), browsertest.Loaded())
			b.check("referral flagged after the bundle, names withheld")
			if got := get(b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, "Suspected campaign") || !strings.Contains(got, "Forum precursor") {
				t.Error("PW-2's page does not show the suspected campaign and its forum precursor after the bundle")
			}
			b.Run(chromedp.Navigate(e.URL+"/account"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
			b.signIn(e.URL, "morwenna", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/referrals/PW-2"), browsertest.Loaded())
			b.check("referral flagged after the bundle, team manager")
			signals := get(b, chromedp.Text(chromedp.CSS("#signals-caption + thead + tbody")))
			if !strings.Contains(signals, "paddling pool") || !strings.Contains(signals, "locker:") {
				t.Errorf("PW-2's signals do not quote the family's post:\n%s", signals)
			}
			b.Run(browsertest.Submit(chromedp.ID("family-link")))
			b.check("family page, with evidence, team manager")
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/families/"+family) {
				t.Errorf("the referral's family link went to %s", loc)
			}
			if got := get(b, chromedp.Text(chromedp.ID("views"))); got == "" {
				t.Error("the team manager is not shown who looked at the restricted family")
			}
			// A generated family with the most signals, whose referrals
			// carry sealed reporters, as its team manager sees it (names
			// shown), and found by a name in it: the crawl below looks
			// for the reporters in both.
			busy, err := e.cases.Cases.CaseRow(ctx, e.busiestReferral(t))
			if err != nil {
				t.Fatal(err)
			}
			b.Run(chromedp.Navigate(e.URL+"/families/"+busy.Family), browsertest.Loaded())
			b.check("family page, a generated family, team manager")
			stored, err := e.store.ReferralByID(ctx, busy.ReferralID)
			if err != nil {
				t.Fatal(err)
			}
			child := ""
			for _, p := range append(stored.Record.(*bonafide.Referral).Children, stored.Record.(*bonafide.Referral).Adults...) {
				if p.GivenName != "" && p.FamilyName != "" {
					child = p.GivenName + " " + p.FamilyName
					break
				}
			}
			if child == "" {
				t.Fatalf("referral %s names nobody in full", busy.ReferralID)
			}
			b.Run(chromedp.Navigate(e.URL+"/families?search=1&name="+url.QueryEscape(child)), browsertest.Loaded())
			b.check("family search, a generated family, team manager")
			if got := get(b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, "Family "+busy.Family) {
				t.Errorf("searching for %q does not find family %s", child, busy.Family)
			}
			b.noSealed(e.sealed)
		})
	}
}

// auditedWhy counts the audit log's entries by who, of what, about
// object, whose reason contains why.
func (e *env) auditedWhy(t *testing.T, who, what, object, why string) int {
	t.Helper()
	n := 0
	for i := int64(0); ; i++ {
		ent, _, err := e.audit.Entry(context.Background(), i)
		if err != nil {
			return n
		}
		if ent.Who == who && ent.What == what && ent.Object == object && strings.Contains(ent.Why, why) {
			n++
		}
	}
}

// TestEvidenceUpload sends the upload form as a browser would, and as it
// must not be sent: the CSRF token must come first and be right, before
// the file is read; a file over the limit, one that is not a bundle and
// one chosen twice are refused with the reason on the page; nothing of a
// refused upload is kept.
func TestEvidenceUpload(t *testing.T) {
	pf := newPriceFamily(t)
	limit := int64(len(pf.bundle)) + 1024
	e := newEnv(t, openSQLite, envOptions{families: 20, extra: pf.referrals, maxImport: limit})
	row, err := e.cases.Cases.CaseRow(context.Background(), "PW-1")
	if err != nil {
		t.Fatal(err)
	}
	path := "/families/" + row.Family
	c := apiClient(t, e.URL)
	c.login(t, "ada")
	token := csrfOf(c.get(t, path, http.StatusOK))
	type part struct{ name, file, value string }
	send := func(parts []part) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, p := range parts {
			if p.file != "" {
				fw, _ := mw.CreateFormFile(p.name, p.file)
				fw.Write([]byte(p.value))
			} else {
				mw.WriteField(p.name, p.value)
			}
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.URL+path+"/evidence", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", e.URL)
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name  string
		parts []part
		want  int
		says  string
	}{
		{"file before the token", []part{{"bundle", "b.zip", string(pf.bundle)}, {"csrf", "", token}}, http.StatusForbidden, "The form has expired"},
		{"wrong token", []part{{"csrf", "", "AAAA" + token[4:]}, {"bundle", "b.zip", string(pf.bundle)}}, http.StatusForbidden, "The form has expired"},
		{"no file", []part{{"csrf", "", token}, {"verifier-key", "", ""}}, http.StatusUnprocessableEntity, "Select the family&#39;s evidence bundle"},
		{"over the limit", []part{{"csrf", "", token}, {"bundle", "big.zip", strings.Repeat("x", int(limit)+100)}}, http.StatusUnprocessableEntity, "The bundle must be smaller than"},
		{"not a zip", []part{{"csrf", "", token}, {"bundle", "notes.txt", "these are my notes"}}, http.StatusUnprocessableEntity, "The file is not a locker bundle"},
		{"two files", []part{{"csrf", "", token}, {"bundle", "a.zip", "x"}, {"bundle", "b.zip", "y"}}, http.StatusBadRequest, "The form could not be read"},
		{"damaged", []part{{"csrf", "", token}, {"bundle", "d.zip", string(pf.damaged)}}, http.StatusUnprocessableEntity, "Exhibit E3 is damaged"},
		{"wrong key", []part{{"csrf", "", token}, {"verifier-key", "", "bonafide-locker/other+00000000+AAAA"}, {"bundle", "b.zip", string(pf.bundle)}}, http.StatusUnprocessableEntity, "nothing was filed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body := send(tt.parts)
			if got != tt.want || !strings.Contains(body, tt.says) {
				t.Errorf("upload = %d %.300q; want %d saying %q", got, body, tt.want, tt.says)
			}
		})
	}
	if ev, _ := e.cases.Cases.Evidence(context.Background(), row.Family); len(ev) != 0 {
		t.Fatalf("refused uploads kept evidence: %+v", ev)
	}
	if got, body := send([]part{{"csrf", "", token}, {"bundle", "b.zip", string(pf.bundle)}}); got != http.StatusOK || !strings.Contains(body, "3 exhibits verified") {
		t.Errorf("the family's bundle = %d %.300q; want it taken in", got, body)
	}
	if got, body := send([]part{{"csrf", "", token}, {"bundle", "b.zip", string(pf.bundle)}}); got != http.StatusUnprocessableEntity || !strings.Contains(body, "taken in for family") {
		t.Errorf("the same bundle again = %d %.300q; want it refused as taken in already", got, body)
	}
}

// shoot writes a screenshot of the page as it is into -screenshots, for
// docs/ui.md, when the flag is given (and once, on SQLite).
func shoot(b *browser, store, file string) {
	b.t.Helper()
	if *screenshots == "" || store != "sqlite" {
		return
	}
	png := get(b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(*screenshots, file), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
