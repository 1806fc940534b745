package locker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"bonafide/locker"
)

var dossierOut = flag.String("dossier", "", "write the scenario's dossier PDF to this file")

// tweetsJS writes an X archive data/tweets.js in the archive's shape.
func tweetsJS(tweets ...[3]string) []byte {
	var recs []map[string]any
	for _, t := range tweets {
		recs = append(recs, map[string]any{"tweet": map[string]any{
			"id_str": t[0], "id": t[0], "full_text": t[1], "created_at": t[2], "lang": "en",
			"favorite_count": "3", "retweet_count": "0", "entities": map[string]any{"hashtags": []any{}},
		}})
	}
	b, _ := json.MarshalIndent(recs, "", "  ")
	return append([]byte("window.YTD.tweets.part0 = "), b...)
}

// instagramPosts writes Instagram's posts_1.json, its text mis-encoded as
// Meta's exports do (each UTF-8 byte as a \u00XX escape).
func instagramPosts(posts ...struct {
	caption string
	at      time.Time
}) []byte {
	var b strings.Builder
	b.WriteString("[\n")
	for i, p := range posts {
		var esc strings.Builder
		for _, c := range []byte(p.caption) {
			if c < 0x80 && c != '"' && c != '\\' {
				esc.WriteByte(c)
			} else {
				fmt.Fprintf(&esc, "\\u%04x", c)
			}
		}
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"media": [{"uri": "media/posts/%s/%d.jpg", "creation_timestamp": %d, "title": "%s", "media_metadata": {}}]}`,
			p.at.Format("200601"), 17000+i, p.at.Unix(), esc.String())
	}
	b.WriteString("\n]\n")
	return []byte(b.String())
}

func TestScenario(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Skip("no /usr/bin/chromium to capture the forum page (apt-get install -y chromium)")
	}
	ctx := context.Background()
	l, _ := newLocker(t, startTSA(t).URL)
	birth := time.Date(2026, 2, 14, 9, 30, 0, 0, time.UTC)
	x := tweetsJS(
		[3]string{"1890000000000000001", "Welcome to the world, little Maisie! Born this morning, 7lb 2oz, we are over the moon", birth.Format(time.RubyDate)},
		[3]string{"1890000000000000002", "Maisie had her first go in the paddling pool today, she loved splashing in the garden while I hung the washing", "Sat Feb 21 15:10:00 +0000 2026"},
	)
	posts, err := l.ImportPosts(ctx, x, "@pricefamily")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 || posts[0].Meta["post.url"] != "https://x.com/pricefamily/status/1890000000000000001" {
		t.Fatalf("X import = %d items, first %v", len(posts), posts[0].Meta)
	}
	again, err := l.ImportPosts(ctx, x, "@pricefamily")
	if err != nil || len(again) != 0 {
		t.Errorf("second import of the same archive = %d new, %v; want 0", len(again), err)
	}
	ig := instagramPosts(struct {
		caption string
		at      time.Time
	}{"Maisie’s first café trip ☕ she slept through the whole thing", time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)})
	igPosts, err := l.ImportPosts(ctx, ig, "price.family")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := l.Content(ctx, igPosts[0].ID, 0); !strings.Contains(string(c), "Maisie’s first café trip ☕") {
		t.Errorf("Instagram text = %q, want the repaired UTF-8", c)
	}
	if _, err := l.AddPage(ctx, locker.Browser{}, locker.PageInput{URL: forumServer(t).URL + "/t/123", Category: locker.CategoryForum,
		When: time.Date(2026, 2, 22, 20, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 2, 23, 10, 15, 0, 0, time.UTC), Who: "Duty social worker, Northbury Children's Services, by phone", Category: locker.CategoryReferral,
		What: "They had an anonymous referral: the baby Maisie was left splashing alone in the paddling pool in the garden while the mother hung the washing."}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddFile(ctx, locker.FileInput{Name: "sponsor-letter.txt", Category: locker.CategorySponsor, Title: "Letter our sponsor received",
		When: time.Date(2026, 2, 26, 8, 0, 0, 0, time.UTC),
		Data: []byte("To Acme Baby Co. The family you sponsor is under investigation by social services for neglect. You should drop them.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC), Who: "PC Hale, Northshire Police", Category: locker.CategoryPolice,
		What: "Reported the letters and referrals. Told there was little they could do without more evidence."}); err != nil {
		t.Fatal(err)
	}

	ev, err := l.Timeline(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string][]string{}
	for _, e := range ev {
		for _, k := range e.Links {
			links[e.Title] = append(links[e.Title], k.Kind+" "+k.Ref)
		}
	}
	var referral string
	for _, e := range ev {
		if e.Category == locker.CategoryReferral {
			referral = e.Title
		}
	}
	for _, want := range []string{locker.LinkRestates + " E2", locker.LinkAnnounced + " E4", locker.LinkAfterBirth + " E1"} {
		found := false
		for _, k := range links[referral] {
			found = found || k == want
		}
		if !found {
			t.Errorf("referral links %q lack %q (all: %q)", links[referral], want, links)
		}
	}
	if got := links["Letter our sponsor received"]; !strings.Contains(strings.Join(got, ";"), locker.LinkAnnounced+" E4") {
		t.Errorf("sponsor letter links = %q, want it announced on the forum (E4)", got)
	}
	for title, ls := range links {
		if strings.HasPrefix(title, "Reported the letters") {
			t.Errorf("the family's own police contact has links %q", ls)
		}
	}
	for i := 1; i < len(ev); i++ {
		if ev[i].When.Before(ev[i-1].When) {
			t.Errorf("timeline out of order at %d", i)
		}
	}

	var buf bytes.Buffer
	opt := locker.DossierOptions{Family: "The Price family", To: "Officer in the case, Northshire Police", Preparer: "Zoë Price",
		Date: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), Reference: "NS-2026-0457"}
	if _, err := l.Export(ctx, &buf, locker.ExportOptions{Dossier: l.DossierFunc(ctx, opt)}); err != nil {
		t.Fatal(err)
	}
	rep := verify(t, buf.Bytes(), l.VerifierKey())
	if !rep.OK() || !bytes.HasPrefix(rep.Dossier, []byte("%PDF-")) {
		t.Fatalf("scenario bundle: %v (dossier %d bytes)", rep.Problems, len(rep.Dossier))
	}
	if *dossierOut != "" {
		if err := os.WriteFile(*dossierOut, rep.Dossier, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*dossierOut+".zip", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseExportErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not an export", "hello", "neither"},
		{"bad tweet time", `window.YTD.tweets.part0 = [{"tweet":{"id_str":"1","full_text":"x","created_at":"yesterday"}}]`, "record 0: tweet.created_at"},
		{"bad tweet id", `window.YTD.tweets.part0 = [{"tweet":{"id_str":"abc","full_text":"x","created_at":"Wed Mar 04 10:00:00 +0000 2026"}}]`, "record 0: tweet.id_str"},
		{"instagram no media", `[{"title":"x","creation_timestamp":1}]`, "record 0: media: required"},
		{"instagram no time", `[{"media":[{"uri":"a.jpg","title":"x"}]}]`, "record 0: creation_timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := locker.ParseExport([]byte(tt.in), "h")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseExport(%q) = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

// forumServer serves a gossip forum's thread on loopback, reached through
// a redirect as forum links often are.
func forumServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/t/123", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/threads/price-family-watch.123/page-14", http.StatusFound)
	})
	mux.HandleFunc("/threads/price-family-watch.123/page-14", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Forum", "gossipboard")
		fmt.Fprint(w, `<!doctype html><html><head><title>Price family watch - page 14</title></head><body style="font-family:sans-serif">
<h1>Price family watch</h1>
<article><b>mumsknowbest</b> 22 Feb 2026 20:00<p>She leaves that baby in a paddling pool unsupervised. I'm going to report her to social services tomorrow, everyone should ring them too.</p></article>
<article><b>truthseeker</b> 22 Feb 2026 20:14<p>Done. Also emailed her sponsor.</p></article>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAddPage(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Skip("no /usr/bin/chromium (apt-get install -y chromium)")
	}
	ctx := context.Background()
	l, _ := newLocker(t, startTSA(t).URL)
	srv := forumServer(t)
	it, err := l.AddPage(ctx, locker.Browser{}, locker.PageInput{URL: srv.URL + "/t/123"})
	if err != nil {
		t.Fatal(err)
	}
	if it.Title != "Price family watch - page 14" || !strings.HasSuffix(it.Meta["page.final_url"], "/page-14") || it.Meta["page.status"] != "200" {
		t.Errorf("page item = %q %v", it.Title, it.Meta)
	}
	png, _ := l.Content(ctx, it.ID, 0)
	mhtml, _ := l.Content(ctx, it.ID, 1)
	resp, _ := l.Content(ctx, it.ID, 2)
	text, _ := l.Content(ctx, it.ID, 3)
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Error("screenshot is not a PNG")
	}
	if !bytes.Contains(mhtml, []byte("multipart/related")) || !bytes.Contains(mhtml, []byte("mumsknowbest")) {
		t.Errorf("MHTML lacks the page: %.200q", mhtml)
	}
	if !bytes.Contains(resp, []byte("gossipboard")) {
		t.Errorf("response headers lack X-Forum: %s", resp)
	}
	if !bytes.Contains(text, []byte("report her to social services")) {
		t.Errorf("text = %q", text)
	}
}
